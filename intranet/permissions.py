"""Role rules, used by views (as decorators) and templates (as ``can``) alike."""

from functools import wraps

from flask import abort
from flask_login import current_user
from flask_login import login_required

from intranet.models import ROLES

TEAM = tuple(ROLES)

#: Who may reach each area of the intranet. Empty means: any logged-in person.
AREAS = {
    "dashboard": (),
    "account": (),
    "team": TEAM,
    "admin": ("admin",),
    "assignments": TEAM,
    "assign": ("penanggungjawab",),
    "agenda": TEAM,
    "agenda_write": ("kontributor",),
    "cases": TEAM,
    "delegate": ("penanggungjawab",),
}


def has_role(user, *roles):
    """True if ``user`` is logged in and holds one of ``roles`` today (none given: any user)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return not roles or user.has_role(*roles)


def can(area):
    """True if the current user may enter ``area`` (a key of AREAS)."""
    return has_role(current_user, *AREAS[area])


def role_required(*roles):
    """View decorator: login first, then 403 unless the user holds one of ``roles``."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {unknown}")

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not has_role(current_user, *roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def area_required(area):
    """View decorator for an area of AREAS."""
    return role_required(*AREAS[area]) if AREAS[area] else login_required
