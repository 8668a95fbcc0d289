"""Role rules, used by views (as decorators) and templates (as ``can``) alike."""

from functools import wraps

from flask import abort
from flask_login import current_user
from flask_login import login_required

from intranet.models import ROLES

TEAM = tuple(ROLES)
#: The SOP work: every team role except the technical admin, who manages accounts only.
WORK = tuple(r for r in ROLES if r != "admin")

#: Who may read source material of each security class (besides whoever registered it and
#: whoever it was disposed to).
MATERIAL_READERS = {
    "biasa": frozenset(WORK),
    "terbatas": frozenset(
        {"penanggungjawab", "koordinator", "redaktur", "kontributor", "arsiparis"}
    ),
    "rahasia": frozenset({"penanggungjawab", "koordinator"}),
}

#: Who may reach each area of the intranet. Empty means: any logged-in person.
AREAS = {
    "dashboard": (),
    "account": (),
    "team": TEAM,
    "admin": ("admin",),
    "assignments": WORK,
    "assign": ("penanggungjawab",),
    "agenda": WORK,
    "agenda_write": ("kontributor",),
    "cases": WORK,
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


def can_see_material(user, material):
    """True if ``user`` may read an agenda entry and its files, given its security class."""
    if not has_role(user):
        return False
    if user.id in (material.registered_by_id, material.disposition_to_id):
        return True
    return bool(user.roles() & MATERIAL_READERS.get(material.security_class, frozenset()))
