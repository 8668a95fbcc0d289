"""Notifications: queued in the outbox with the change that causes them, sent by SMTP by the
background worker (a send task queued with them, due when the first of them is)."""

import contextlib
import re
import secrets
import smtplib
import socket
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app
from flask_babel import lazy_gettext as _l

from intranet import queue as background
from intranet.clock import utcnow
from intranet.extensions import db
from intranet.models import OutboxMessage

MAX_BACKOFF = timedelta(hours=6)
CLAIM_LAPSE = timedelta(minutes=10)
SEND_TASK = "mail.send"
#: Pages opened by a signed token in their address: the token is the addressee's key.
SECRET_LINK_ENDPOINTS = ("public.preview",)


def queue(user, subject, body, kind, case=None):
    """Record a message for ``user`` in the outbox (committed with the caller's change)."""
    if user is None:
        return None
    msg = OutboxMessage(
        to_user_id=user.id,
        to_email=user.email,
        subject=subject[:300],
        body=body,
        kind=kind,
        case_id=case.id if case is not None else None,
        next_attempt_at=utcnow(),
    )
    db.session.add(msg)
    _send_at(msg.next_attempt_at)
    return msg


def _send_at(when):
    """Have the worker send the outbox at ``when`` (in the caller's transaction); nothing
    when no SMTP server is configured (the messages stay in the outbox)."""
    if smtp_configured():
        background.enqueue(SEND_TASK, run_at=when)


@background.task(SEND_TASK, retries=3, coalesce=True, label=_l("Pengiriman surel"))
def send_task():
    """The worker's sending: every due message, then a send queued for the next retry or
    scheduled message."""
    deliver_pending(limit=1000)
    now = utcnow()
    later = [
        db.session.execute(
            db.select(db.func.min(OutboxMessage.next_attempt_at)).where(
                OutboxMessage.sent_at.is_(None),
                OutboxMessage.claimed_at.is_(None),
                OutboxMessage.next_attempt_at > now,
            )
        ).scalar(),
        db.session.execute(
            db.select(db.func.min(OutboxMessage.claimed_at)).where(
                OutboxMessage.sent_at.is_(None), OutboxMessage.claimed_at.is_not(None)
            )
        ).scalar(),
    ]
    if later[1] is not None:
        later[1] += CLAIM_LAPSE
    upcoming = min((t for t in later if t is not None and t > now), default=None)
    if upcoming is not None:
        _send_at(upcoming)
    db.session.commit()


def smtp_configured():
    """True when MAIL_SERVER is set; otherwise messages stay in the outbox."""
    return bool(current_app.config.get("MAIL_SERVER"))


def deliver_pending(limit=100):
    """Send due messages by SMTP; a failure is kept and retried later with a back-off.

    Each message is first claimed (a conditional UPDATE that only one sender can win), then
    sent, then marked sent in its own commit: two senders never send it twice, and a crash
    can at worst leave it to be sent again after the claim lapses, never lose it. The address
    is read when sending, so someone who adds an email address later still gets the mail.
    Returns (sent, failed).
    """
    if not smtp_configured():
        return 0, 0
    now = utcnow()
    due = (
        db.session.execute(
            db.select(OutboxMessage.id)
            .where(
                OutboxMessage.sent_at.is_(None),
                OutboxMessage.next_attempt_at <= now,
                db.or_(
                    OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at < now - CLAIM_LAPSE
                ),
            )
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
        .scalars()
        .all()
    )
    db.session.commit()
    claimed = [m for m in (_claim(i, now) for i in due) if m is not None]
    if not claimed:
        return 0, 0
    cfg = current_app.config
    try:
        smtp = _connect(cfg)
    except Exception as e:  # server down, refused, bad credentials: retry later
        for msg in claimed:
            _failed(msg, e, now)
        db.session.commit()
        return 0, len(claimed)
    sent = failed = 0
    try:
        for msg in claimed:
            try:
                smtp.send_message(_email(msg, cfg))
            except Exception as e:  # this message only; the rest still go out
                _failed(msg, e, now)
                failed += 1
            else:
                msg.sent_at = utcnow()
                msg.attempts += 1
                msg.last_error = None
                msg.claimed_at = msg.claim = None
                sent += 1
            db.session.commit()
    finally:
        with contextlib.suppress(Exception):  # the connection is being dropped anyway
            smtp.quit()
    return sent, failed


def _claim(message_id, now):
    """Claim one message for this sender; None if another sender has it or it has no address."""
    msg = db.session.get(OutboxMessage, message_id)
    address = msg.to_email or (msg.to_user.email if msg.to_user else None)
    if not address:
        return None
    token = secrets.token_hex(8)
    won = db.session.execute(
        db.update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.sent_at.is_(None),
            db.or_(
                OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at < now - CLAIM_LAPSE
            ),
        )
        .values(claimed_at=now, claim=token, to_email=address)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if won != 1:
        return None
    db.session.refresh(msg)
    return msg if msg.claim == token else None


def _connect(cfg):
    timeout = cfg.get("MAIL_TIMEOUT", 10)
    cls = smtplib.SMTP_SSL if cfg.get("MAIL_USE_SSL") else smtplib.SMTP
    smtp = cls(cfg["MAIL_SERVER"], int(cfg.get("MAIL_PORT", 25)), timeout=timeout)
    if cfg.get("MAIL_USE_TLS"):
        smtp.starttls()
    if cfg.get("MAIL_USERNAME"):
        smtp.login(cfg["MAIL_USERNAME"], cfg.get("MAIL_PASSWORD", ""))
    return smtp


def _email(msg, cfg):
    email = EmailMessage()
    email["From"] = cfg.get("MAIL_SENDER", "warta@localhost")
    email["To"] = msg.to_email
    email["Subject"] = msg.subject
    email["Message-ID"] = make_msgid(domain=cfg.get("MAIL_DOMAIN") or socket.getfqdn() or "warta")
    email.set_content(msg.body)
    return email


def _failed(msg, error, now):
    msg.claimed_at = msg.claim = None
    msg.attempts += 1
    msg.last_error = f"{type(error).__name__}: {error}"[:500]
    msg.next_attempt_at = now + min(timedelta(minutes=2 ** min(msg.attempts, 10)), MAX_BACKOFF)


def recent(limit=300):
    """The newest messages in the outbox, each with its body as the outbox shows it.

    The outbox never shows a working signed link: whoever reads it (the admin) is not the
    person the link is for. The stored body, which is what gets sent, stays intact.
    """
    rows = (
        db.session.execute(db.select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit))
        .scalars()
        .all()
    )
    return [(m, hide_secret_links(m.body)) for m in rows]


def hide_secret_links(text):
    """``text`` with the token of every signed link replaced by an ellipsis."""
    prefixes = {
        rule.rule.split("<", 1)[0]
        for endpoint in SECRET_LINK_ENDPOINTS
        for rule in current_app.url_map.iter_rules(endpoint)
    }
    for prefix in prefixes:
        text = re.sub(re.escape(prefix) + r"[^\s/?#]+", lambda _m, p=prefix: p + "\u2026", text)
    return text


def queue_address(address, subject, body, kind, case=None, send_at=None):
    """Record a message for someone outside the team (a source partner) by address, to be
    sent now or at ``send_at`` (naive UTC; not before)."""
    msg = OutboxMessage(
        to_email=address,
        subject=subject[:300],
        body=body,
        kind=kind,
        case_id=case.id if case is not None else None,
        next_attempt_at=max(send_at or utcnow(), utcnow()),
    )
    db.session.add(msg)
    _send_at(msg.next_attempt_at)
    return msg
