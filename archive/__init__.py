"""The archive: records of published articles, their files, hardcopy filing and fixity."""

from pathlib import Path


def init_app(app, anchor_check=None):
    """Register the archive's tables, pages, labels and commands.

    ``anchor_check(anchors)`` is the host's check that each case's trail still holds the
    entry every berkas recorded as its chain head; it returns the problems as text.
    """
    from archive import cli
    from archive import jobs
    from archive import locations
    from archive import models
    from archive import places
    from archive import retention
    from archive import retention_cli
    from archive import retention_models
    from archive import retention_views
    from archive import table_views
    from archive import views

    root = Path(app.config["ARCHIVE_DIR"])
    root.mkdir(parents=True, exist_ok=True)
    app.extensions["warta_archive_dir"] = root
    app.extensions["warta_archive_anchor_check"] = anchor_check
    app.register_blueprint(views.bp)
    app.register_blueprint(retention_views.bp)
    app.register_blueprint(table_views.bp)
    cli.init_app(app)
    cli.archive_cli.add_command(retention_cli.retention_cli)
    jobs.recover_at_start(app)

    @app.context_processor
    def archive_labels():
        return {
            "ARCHIVE": models.LABELS,
            "DISPOSAL_LABELS": retention_models.DISPOSAL_LABELS,
            "DUE_LABELS": retention.DUE_LABELS,
            "place_line": places.line,
            "box_names": lambda: locations.names("boks"),
        }
