"""The SK Tim: recording decrees with their scans, and the members they appoint."""

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm.attributes import flag_modified

from archive import ocr_work
from intranet import audit
from intranet.clock import today
from intranet.clock import utcnow
from intranet.extensions import db
from intranet.models import Attachment
from intranet.models import Membership
from intranet.models import Photo
from intranet.models import SourceFile
from intranet.models import TeamDecree
from intranet.models import User
from intranet.permissions import holds_in_person
from intranet.roles import ROLES
from intranet.storage import file_store
from intranet.transactions import ServiceError
from intranet.transactions import atomic
from intranet.transactions import check_version
from intranet.transactions import commit
from intranet.transactions import flush
from intranet.uploads import SCAN_TYPES
from intranet.uploads import UploadError
from intranet.uploads import store_upload


@atomic
def record_decree(data, scan, actor):
    """Record an SK Tim with its scanned file.

    The scan is stored first; if the database refuses the record, a file that this call
    created is removed again, so nothing unregistered is left behind.
    """
    number = data["number"].strip()
    if db.session.execute(db.select(TeamDecree.id).where(TeamDecree.number == number)).first():
        raise ServiceError(_("SK nomor %(number)s sudah tercatat.", number=number))
    store = file_store()
    try:
        sha, size, created, mimetype, filename = store_upload(
            store, scan, SCAN_TYPES, current_app.config["MAX_UPLOAD_BYTES"]
        )
    except UploadError as e:
        raise ServiceError(str(e), status=e.status) from e
    decree = TeamDecree(
        number=number,
        decree_date=data["decree_date"],
        title=data["title"].strip(),
        valid_from=data["valid_from"],
        valid_until=data["valid_until"],
        signed_by=data["signed_by"].strip(),
        notes=(data.get("notes") or "").strip() or None,
        scan_sha256=sha,
        scan_filename=filename or f"sk.{mimetype.split('/')[1]}",
        scan_mimetype=mimetype,
        scan_size=size,
        created_by_id=actor.id,
    )
    db.session.add(decree)
    try:
        flush(_("SK nomor %(number)s sudah tercatat.", number=number))
        audit.record("decree.create", decree, actor, after=audit.values(decree, DECREE_FIELDS))
        ocr_work.queue_upload(sha, mimetype)  # the scan is read by OCR in the background
        commit(_("SK nomor %(number)s sudah tercatat.", number=number))
    except BaseException:
        if created:
            delete_if_unused(store, sha)
        raise
    return decree


def delete_if_unused(store, sha):
    """Remove a stored file that a failed transaction left behind, unless a record uses it.

    Another upload of the same bytes may have committed meanwhile and now points at it.
    """

    checks = (
        db.select(TeamDecree.id).where(TeamDecree.scan_sha256 == sha),
        db.select(SourceFile.id).where(SourceFile.sha256 == sha),
        db.select(Photo.id).where(
            db.or_(Photo.sha256 == sha, Photo.original_sha256 == sha, Photo.thumb_sha256 == sha)
        ),
        db.select(Attachment.id).where(Attachment.sha256 == sha),
    )
    if not any(db.session.execute(q.limit(1)).first() for q in checks):
        store.delete(sha)


@atomic
def add_member(decree, user, role, position, actor, version=None):
    """Appoint ``user`` to ``role`` under ``decree``; return the membership.

    The admin records what the decree says. An appointment of the recording admin
    themself gives nothing until a Penanggung Jawab, another person, confirms it
    (``confirm_member``): nobody grants themself a role alone. Nor, while another person
    holds the Penanggung Jawab role in person, does a new Penanggung Jawab or an account
    the admin created (whose password they knew): otherwise an admin could make an
    account, appoint it and act as it. With no Penanggung Jawab in office a new one is
    recorded only on the command line (``actor`` None, at once): on the web it would
    confirm the admin's own appointments.
    """
    check_version(decree, version)
    if role not in ROLES:
        raise ServiceError(_("Peran tidak dikenal."))
    if not user.active:
        raise ServiceError(_("Akun %(name)s tidak aktif.", name=user.username))
    if any(m.user_id == user.id and m.role == role and m.is_current for m in decree.memberships):
        raise ServiceError(
            _("%(name)s sudah memegang peran itu dalam SK ini.", name=user.full_name)
        )
    if actor is None:  # the command line: the install's owner records what the SK says
        needs_confirmation = False
    else:
        pj_in_office = _pj_in_person()
        if role == "penanggungjawab" and not pj_in_office:
            raise ServiceError(
                _(
                    "Belum ada penanggung jawab yang menjabat: penanggung jawab pertama "
                    "dicatat melalui baris perintah."
                )
            )
        own_account = user.id == actor.id or created_account(actor, user)
        others = any(p.id != actor.id for p in pj_in_office)
        needs_confirmation = (user.id == actor.id) or (
            others and (own_account or role == "penanggungjawab")
        )
    membership = Membership(
        user=user,
        role=role,
        position=(position or "").strip() or None,
        created_by_id=actor.id if actor is not None else None,
        state="pending" if needs_confirmation else "confirmed",
    )
    decree.memberships.append(membership)
    _touch(decree)
    audit.record(
        "membership.request" if needs_confirmation else "membership.add",
        membership,
        actor,
        after=_membership_values(membership),
    )
    commit(_("%(name)s sudah memegang peran itu dalam SK ini.", name=user.full_name))
    return membership


def created_account(actor, user):
    """True if ``actor`` created the account of ``user`` (the audit log says who did)."""
    return (
        db.session.execute(
            db.select(audit.AuditEntry.id).where(
                audit.AuditEntry.action == "user.create",
                audit.AuditEntry.object_type == User.__tablename__,
                audit.AuditEntry.object_id == user.id,
                audit.AuditEntry.actor_id == actor.id,
            )
        ).first()
        is not None
    )


def _pj_in_person():
    """Everyone holding the Penanggung Jawab role today through their own membership."""
    users = db.session.execute(
        db.select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.role == "penanggungjawab")
    ).scalars()
    return [u for u in set(users) if holds_in_person(u, "penanggungjawab")]


@atomic
def end_member(decree, membership, actor, version=None):
    """End one appointment under ``decree`` today; the row stays as history."""
    check_version(decree, version)
    if membership.decree_id != decree.id:
        raise ServiceError(_("Keanggotaan tidak ditemukan dalam SK ini."))
    if not membership.is_current:
        raise ServiceError(_("Keanggotaan ini sudah berakhir atau ditolak."))
    if (
        actor is not None
        and actor.id != membership.user_id
        and membership.role == "penanggungjawab"
        and membership.grants()
    ):
        raise ServiceError(
            _(
                "Keanggotaan penanggung jawab hanya dapat diakhiri oleh penanggung jawab itu "
                "sendiri atau melalui baris perintah."
            )
        )
    before = _membership_values(membership)
    membership.ended_on = today()
    membership.ended_by_id = actor.id if actor is not None else None
    _touch(decree)
    audit.record(
        "membership.end", membership, actor, before=before, after=_membership_values(membership)
    )
    commit()


@atomic
def confirm_member(decree, membership, actor):
    """A Penanggung Jawab confirms an admin's appointment of themself: it now gives its role."""
    _decide(decree, membership, actor, "confirmed")


@atomic
def refuse_member(decree, membership, actor):
    """A Penanggung Jawab refuses an admin's appointment of themself: it never gives its role."""
    _decide(decree, membership, actor, "refused")


def _decide(decree, membership, actor, state):
    """Confirm or refuse a pending appointment, as a Penanggung Jawab other than its holder."""
    if membership.decree_id != decree.id:
        raise ServiceError(_("Keanggotaan tidak ditemukan dalam SK ini."))
    if not membership.is_pending:
        raise ServiceError(_("Penunjukan ini tidak sedang menunggu konfirmasi."))
    if not holds_in_person(actor, "penanggungjawab"):
        raise ServiceError(
            _("Hanya penanggung jawab menurut SK Tim yang berlaku yang dapat mengonfirmasi.")
        )
    if actor.id in (membership.user_id, membership.created_by_id):
        raise ServiceError(
            _("Penunjukan diri sendiri harus dikonfirmasi penanggung jawab yang lain.")
        )
    before = _membership_values(membership)
    membership.state = state
    membership.decided_by_id = actor.id
    membership.decided_at = utcnow()
    _touch(decree)
    audit.record(
        "membership.confirm" if state == "confirmed" else "membership.refuse",
        membership,
        actor,
        before=before,
        after=_membership_values(membership),
    )
    commit()


#: What the audit log keeps of a decree and of a membership.
DECREE_FIELDS = (
    "number",
    "decree_date",
    "title",
    "valid_from",
    "valid_until",
    "signed_by",
    "notes",
    "scan_sha256",
    "scan_filename",
)
MEMBERSHIP_FIELDS = ("decree_id", "user_id", "role", "position", "state", "ended_on")


def _membership_values(membership):
    return {
        **audit.values(membership, MEMBERSHIP_FIELDS),
        "decree_id": membership.decree.id,
        "user_id": membership.user.id,
        "username": membership.user.username,
    }


def _touch(decree):
    """Bump the decree's version so concurrent edits of its members are detected."""
    flag_modified(decree, "notes")
