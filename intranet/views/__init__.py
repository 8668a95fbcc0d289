"""Blueprints, one per area, and small helpers they share."""

from flask import flash


def flash_errors(form):
    """Flash every validation error of ``form``, each with its field's label."""
    for name, errors in form.errors.items():
        field = getattr(form, name, None)
        label = field.label.text if field is not None and field.label.text else ""
        for error in errors:
            flash(f"{label}: {error}" if label else str(error), "error")
