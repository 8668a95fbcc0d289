"""Accounts: login, logout, creating and deactivating users, passwords, language."""

from flask_babel import gettext as _

from intranet import audit
from intranet import security
from intranet.clock import utcnow
from intranet.database import read_only
from intranet.extensions import db
from intranet.models import User
from intranet.models import UserSession
from intranet.permissions import holds_in_person
from intranet.transactions import ServiceError
from intranet.transactions import atomic
from intranet.transactions import check_version
from intranet.transactions import commit
from intranet.transactions import flush

#: What the audit log keeps of an account (never its password hash).
USER_FIELDS = ("username", "full_name", "email", "nip", "active", "is_system_admin")


def find_user(username):
    """The user with this username (case-insensitive), or None."""
    return db.session.execute(
        db.select(User).where(User.username == username.strip().lower())
    ).scalar_one_or_none()


@atomic
def log_in(username, password):
    """Check credentials and open a new session; return the user or raise ServiceError.

    The password is checked in a read-only transaction, so the slow hash never holds the
    database's write lock; only recording the session writes.
    """
    with read_only():
        user = find_user(username)
        stored = user.password_hash if user else None
        user_id = user.id if user else None
    db.session.rollback()
    ok, new_hash = security.check_password(stored, password)
    if not ok:
        raise ServiceError(_("Nama pengguna atau kata sandi salah."))
    user = db.session.get(User, user_id)
    if not user.active:
        raise ServiceError(_("Akun ini telah dinonaktifkan. Hubungi admin."))
    if new_hash and user.password_hash == stored:
        user.password_hash = new_hash
    security.start_session(user)
    commit()
    return user


@atomic
def log_out(user):
    """End this request's session."""
    row = security.current_session_row(user.id)
    if row is not None:
        row.ended_at = utcnow()
        row.end_reason = "logout"
        commit()


@atomic
def create_user(data, created_by=None):
    """Create a user from validated form data.

    Only a system administrator (or the command line, ``created_by`` None) may create
    another system administrator: that flag outlives any SK.
    """
    username = data["username"].strip().lower()
    if data.get("is_system_admin") and created_by is not None and not created_by.is_system_admin:
        raise ServiceError(_("Hanya administrator sistem yang dapat membuat administrator sistem."))
    if find_user(username) is not None:
        raise ServiceError(_("Nama pengguna %(name)s sudah dipakai.", name=username))
    user = User(
        username=username,
        full_name=data["full_name"].strip(),
        email=(data.get("email") or "").strip().lower() or None,
        nip=(data.get("nip") or "").strip() or None,
        password_hash=security.hash_password(data["password"]),
        is_system_admin=bool(data.get("is_system_admin")),
    )
    db.session.add(user)
    flush(_("Nama pengguna %(name)s sudah dipakai.", name=username))
    audit.record("user.create", user, created_by, after=audit.values(user, USER_FIELDS))
    commit(_("Nama pengguna %(name)s sudah dipakai.", name=username))
    return user


@atomic
def set_active(user, active, actor, version=None):
    """Activate or deactivate ``user``; deactivation ends all their sessions at once."""
    check_version(user, version)
    if not active and user.id == actor.id:
        raise ServiceError(_("Anda tidak dapat menonaktifkan akun Anda sendiri."))
    if not active and holds_in_person(user, "penanggungjawab"):
        raise ServiceError(
            _(
                "Akun %(name)s memegang peran penanggung jawab: akun itu tidak dapat "
                "dinonaktifkan selama keanggotaannya berlaku.",
                name=user.username,
            )
        )
    before = audit.values(user, USER_FIELDS)
    user.active = active
    user.deactivated_at = None if active else utcnow()
    if not active:
        security.end_sessions(user, "deactivated")
    audit.record(
        "user.activate" if active else "user.deactivate",
        user,
        actor,
        before=before,
        after=audit.values(user, USER_FIELDS),
    )
    commit()


@atomic
def change_password(user, current, new):
    """Change one's own password; every other session of the user ends."""
    if not security.verify_password(user, current):
        raise ServiceError(_("Kata sandi saat ini salah."))
    _set_password(user, new)
    security.end_sessions(user, "password_changed", keep_current=True)
    commit()


@atomic
def reset_password(user, new, actor, version=None):
    """An admin sets a new password for ``user``; all of the user's sessions end.

    ``actor`` None is the command line. A web admin may not reset the password of a
    Penanggung Jawab in person, or they could log in as the PJ and confirm their own
    appointments: the PJ changes it themself, and a lost one is reset on the command line.
    """
    check_version(user, version)
    if actor is not None and actor.id != user.id and holds_in_person(user, "penanggungjawab"):
        raise ServiceError(
            _(
                "Akun %(name)s memegang peran penanggung jawab: kata sandinya hanya diganti "
                "oleh pemiliknya sendiri. Kata sandi yang hilang disetel ulang melalui baris "
                "perintah (flask --app wsgi users reset-password %(name)s).",
                name=user.username,
            )
        )
    _set_password(user, new)
    security.end_sessions(user, "password_reset")
    # Only that it changed: neither the password nor its hash goes into the log.
    audit.record("user.password_reset", user, actor, after={"password_changed": True})
    commit()


def _set_password(user, new):
    if new.strip().lower() == user.username:
        raise ServiceError(_("Kata sandi tidak boleh sama dengan nama pengguna."))
    user.password_hash = security.hash_password(new)
    user.password_changed_at = utcnow()


def set_locale(user, locale):
    """Remember a logged-in user's language.

    A plain UPDATE, outside the version check: a preference must neither conflict with an
    admin's edit of the account nor make the admin's open form stale.
    """
    db.session.execute(db.update(User).where(User.id == user.id).values(locale=locale))
    db.session.commit()
    db.session.expire(user, ["locale"])


def open_sessions(user):
    """The user's sessions that have not ended, newest first."""
    return (
        db.session.execute(
            db.select(UserSession)
            .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
            .order_by(UserSession.created_at.desc())
        )
        .scalars()
        .all()
    )
