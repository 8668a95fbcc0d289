"""Role rules, used by views (as decorators) and templates (as ``can``) alike."""

from functools import wraps

from flask import abort
from flask_login import current_user
from flask_login import login_required

from intranet.roles import ROLES

TEAM = tuple(ROLES)
#: The SOP work: every team role except the technical admin, who manages accounts only.
WORK = tuple(r for r in ROLES if r != "admin")

#: Security classes from the least to the most restricted (the agenda book's klasifikasi
#: keamanan, and the access class of an archive record and of each of its files).
CLASSES = ("biasa", "terbatas", "rahasia")

#: Who may read content of each security class: a source material's words and files, and
#: the archive's copies of them. At the agenda the area rule keeps the admin out as well.
CLASS_READERS = {
    "biasa": frozenset(TEAM),
    "terbatas": frozenset(
        {"penanggungjawab", "koordinator", "redaktur", "kontributor", "arsiparis"}
    ),
    "rahasia": frozenset({"penanggungjawab", "koordinator"}),
}

#: Who may open an archive record of each access class (its metadata). Its files are read
#: by those who may also read each file's own class, so the admin, who keeps the archive but
#: is no SOP reader, sees a terbatas record without its restricted originals.
RECORD_READERS = {
    "biasa": frozenset(TEAM),
    "terbatas": frozenset({"penanggungjawab", "koordinator", "arsiparis", "admin"}),
    "rahasia": frozenset({"penanggungjawab", "koordinator"}),
}

#: Who keeps the archive: files the hardcopy, registers paper records, edits its tables.
KEEPERS = ("arsiparis", "admin")

#: Penyusutan: the keepers assemble and carry out the lists; the Penanggung Jawab approves a
#: destruction (never one they proposed or submitted) and, with the keepers, sees the lists
#: and places or lifts a legal hold.
DISPOSAL_APPROVERS = ("penanggungjawab",)
DISPOSAL_READERS = KEEPERS + DISPOSAL_APPROVERS

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
    "archive": TEAM,
    "archive_keep": KEEPERS,
    "archive_dispose": DISPOSAL_READERS,
    "archive_approve": DISPOSAL_APPROVERS,
    # importing the official classification and JRA tables: the keepers of the archive
    "archive_tables": KEEPERS,
    # the office's working-day calendar (holidays): a setting of the whole office, kept by
    # the admin like the categories
    "calendar": ("admin",),
    # The admin audit log: the admin whose acts it records, and the Penanggung Jawab who
    # oversees them.
    "audit": ("admin", "penanggungjawab"),
    "confirm_members": ("penanggungjawab",),
}


def has_role(user, *roles):
    """True if ``user`` is logged in and holds one of ``roles`` today (none given: any user)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return not roles or user.has_role(*roles)


def holds_in_person(user, role):
    """True if ``user`` holds ``role`` today through an SK Tim membership of their own: not
    as an acting substitute (Plh), and not as a system administrator without an SK."""
    if not has_role(user):
        return False
    source = user.role_source(role)
    return source is not None and source[1] is None


#: Areas for the holder of the role in person: an acting substitute (Plh) holds the
#: Penanggung Jawab's role for the work, but may not hand it on, revoke a delegation or
#: confirm an appointment.
IN_PERSON = frozenset({"delegate", "confirm_members"})


def may_enter(user, area):
    """True if ``user`` may enter ``area`` (a key of AREAS): the one answer for views and
    templates alike."""
    if area in IN_PERSON:
        return any(holds_in_person(user, role) for role in AREAS[area])
    return has_role(user, *AREAS[area])


def can(area):
    """True if the current user may enter ``area`` (a key of AREAS)."""
    return may_enter(current_user, area)


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
    """View decorator for an area of AREAS: login first, then 403 unless ``may_enter``."""
    if not AREAS[area]:
        return login_required

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not may_enter(current_user, area):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def strictest(classes):
    """The most restricted of ``classes`` (``biasa`` when there are none)."""
    return max(classes, key=CLASSES.index, default="biasa")


def _roles(user):
    return user.roles() if has_role(user) else frozenset()


def can_read_class(user, security_class):
    """True if ``user`` may read content of ``security_class`` (unknown classes: nobody)."""
    return bool(_roles(user) & CLASS_READERS.get(security_class, frozenset()))


def can_read_material(user, material):
    """True if ``user`` may read an agenda entry and its files, given its security class.

    Whoever registered it and whoever it was disposed to read it whatever its class.
    """
    if not has_role(user):
        return False
    if user.id in (material.registered_by_id, material.disposition_to_id):
        return True
    return can_read_class(user, material.security_class)


def readable_classes(user):
    """The security classes whose content ``user`` may read (material: besides their own)."""
    return [c for c in CLASSES if can_read_class(user, c)]


def can_read_record(user, record):
    """True if ``user`` may open an archive record (its metadata and its public files)."""
    return bool(_roles(user) & RECORD_READERS.get(record.access_class, frozenset()))


def readable_record_classes(user):
    """The access classes of the records ``user`` may open: listings, search and export."""
    return [c for c in CLASSES if _roles(user) & RECORD_READERS[c]]


def can_read_archive_file(user, record, file):
    """True if ``user`` may download one original of a record: the record and its class."""
    return can_read_record(user, record) and can_read_class(user, file.access_class)


def can_read_berkas(user, record, version):
    """True if ``user`` may download a version's berkas, which embeds all its originals."""
    return can_read_record(user, record) and all(
        can_read_class(user, f.access_class) for f in version.files
    )


def keeps_archive(user):
    """True if ``user`` keeps the archive (hardcopy, paper records, tables, exports)."""
    return has_role(user, *KEEPERS)


def proposed_by(user, disposal):
    """True if ``user`` assembled or submitted a penyusutan list."""
    return has_role(user) and user.id in (disposal.created_by_id, disposal.submitted_by_id)


def can_decide_disposal(user, disposal):
    """True if ``user`` may approve or refuse a destruction list: the Penanggung Jawab, and
    never the person who assembled or submitted it (two different people)."""
    return has_role(user, *DISPOSAL_APPROVERS) and not proposed_by(user, disposal)
