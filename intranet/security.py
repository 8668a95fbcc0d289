"""Passwords (argon2id), login sessions held on the server, and response security headers."""

import hashlib
import secrets
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2 import Type
from argon2.exceptions import InvalidHashError
from argon2.exceptions import VerificationError
from flask import current_app
from flask import request
from flask import session
from werkzeug.exceptions import SecurityError
from werkzeug.wsgi import get_host

from intranet.clock import utcnow
from intranet.extensions import db
from intranet.models import User
from intranet.models import UserSession

#: RFC 9106's second recommended option; overridable for tests with ARGON2_* settings.
ARGON2_DEFAULTS = {"time_cost": 3, "memory_cost": 64 * 1024, "parallelism": 4}


def hasher():
    """The app's argon2id hasher."""
    params = {
        k: current_app.config.get(f"ARGON2_{k.upper()}", v) for k, v in ARGON2_DEFAULTS.items()
    }
    return PasswordHasher(type=Type.ID, hash_len=32, salt_len=16, **params)


def hash_password(password):
    """An argon2id hash of ``password``."""
    return hasher().hash(password)


def check_password(stored, password):
    """Check ``password`` against a stored hash (None: a decoy, so timing tells nothing).

    Returns ``(ok, new_hash)``; ``new_hash`` is set when the stored hash used outdated
    parameters and should be replaced.
    """
    ph = hasher()
    try:
        ph.verify(stored or _dummy_hash(ph), password)
    except (VerificationError, InvalidHashError):
        return False, None
    if stored is None:
        return False, None
    return True, (ph.hash(password) if ph.check_needs_rehash(stored) else None)


def verify_password(user, password):
    """Check ``password`` against ``user``, rehashing it if its parameters are outdated."""
    ok, new_hash = check_password(user.password_hash if user else None, password)
    if ok and new_hash:
        user.password_hash = new_hash
    return ok


def safe_path(target, prefix="/"):
    """``target`` if it is a path on this site under ``prefix``, else None.

    Refuses schemes, hosts, protocol-relative and backslash forms, and control characters
    (browsers and Werkzeug drop tabs and newlines, turning "/\t/evil" into "//evil").
    """

    if not target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return None
    if "\\" in target or not target.startswith(prefix) or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


_DUMMY = {}


def _dummy_hash(ph):
    key = (ph.time_cost, ph.memory_cost, ph.parallelism)
    if key not in _DUMMY:
        _DUMMY[key] = ph.hash(secrets.token_hex(16))
    return _DUMMY[key]


def _token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user):
    """Open a new server-side session for ``user`` and rotate the cookie session.

    Anything kept in the session before login (a fixated or anonymous session) is dropped.
    """
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    token = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(
            token_hash=_token_hash(token),
            user_id=user.id,
            ip_address=(request.remote_addr or "")[:64],
            user_agent=(request.user_agent.string or "")[:255],
        )
    )
    session["sid"] = token
    session.permanent = True
    return token


def current_session_row(user_id):
    """The open server-side session matching this request's cookie, or None."""
    token = session.get("sid")
    if not token:
        return None
    return db.session.execute(
        db.select(UserSession).where(
            UserSession.token_hash == _token_hash(token),
            UserSession.user_id == user_id,
            UserSession.ended_at.is_(None),
        )
    ).scalar_one_or_none()


def end_sessions(user, reason, keep_current=False):
    """End ``user``'s open sessions (all, or all but this request's)."""
    keep = _token_hash(session["sid"]) if keep_current and session.get("sid") else None
    rows = db.session.execute(
        db.select(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    ).scalars()
    now = utcnow()
    for row in rows:
        if row.token_hash != keep:
            row.ended_at = now
            row.end_reason = reason


def load_user(user_id):
    """Flask-Login's loader: an active user whose server-side session is still open.

    One statement finds the person through their open session. Their roles are read when
    a page first asks (``User.roles``): loading them here with ``User.with_roles`` saved
    two statements but cost more (the eager loaders' options are built and keyed on every
    request) than the two small lazy loads it replaced.
    """
    try:
        uid = int(user_id)
    except (TypeError, ValueError):
        return None
    token = session.get("sid")
    if not token:
        return None
    return db.session.execute(
        db.select(User)
        .join(UserSession, UserSession.user_id == User.id)
        .where(
            User.id == uid,
            User.active.is_(True),
            UserSession.token_hash == _token_hash(token),
            UserSession.ended_at.is_(None),
        )
    ).scalar_one_or_none()


class TrustedHosts:
    """Answer 400 to a request whose ``Host`` is not one of ``TRUSTED_HOSTS``.

    The outermost layer: such a request reaches neither the page cache nor Flask, so a
    forged ``Host`` can never be stored in a cached page or be rendered into any link.
    """

    BODY = (
        b'<!doctype html><html lang="id"><meta charset="utf-8"><title>400</title>'
        b"<h1>Permintaan ditolak</h1><p>Alamat situs (Host) ini tidak dikenal.</p></html>"
    )

    def __init__(self, wsgi_app, flask_app):
        self.wsgi_app = wsgi_app
        self.config = flask_app.config

    def __call__(self, environ, start_response):
        try:
            get_host(environ, self.config["TRUSTED_HOSTS"])
        except SecurityError:
            start_response(
                "400 BAD REQUEST",
                [
                    ("Content-Type", "text/html; charset=utf-8"),
                    ("Content-Length", str(len(self.BODY))),
                    ("Cache-Control", "no-store"),
                    ("Content-Security-Policy", CSP),
                    ("X-Content-Type-Options", "nosniff"),
                    ("X-Frame-Options", "DENY"),
                ],
            )
            return [self.BODY]
        return self.wsgi_app(environ, start_response)


CSP = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def set_security_headers(response):
    """Security headers on every response."""
    h = response.headers
    h.setdefault("Content-Security-Policy", CSP)
    h.setdefault("X-Content-Type-Options", "nosniff")
    h.setdefault("X-Frame-Options", "DENY")
    h.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config.get("HTTPS"):
        h.setdefault("Strict-Transport-Security", "max-age=31536000")
    if request.path.startswith(("/intranet", "/arsip")):
        h["Cache-Control"] = "no-store"
    return response
