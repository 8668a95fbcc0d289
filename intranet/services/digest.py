"""The daily digest: one email a day to each person something waits on, through the outbox.

A keeper of the archive (the arsiparis) is told which records still wait to be printed,
stamped or filed; everyone is told the cases waiting on them, by the outcome their step
awaits. Once per office date per person: a second run the same day sends nothing more.
"""

from datetime import timedelta

from flask_babel import gettext as _

from archive import worklist
from intranet.clock import office_date
from intranet.clock import office_day_start
from intranet.clock import utcnow
from intranet.extensions import db
from intranet.links import absolute_url
from intranet.models import OutboxMessage
from intranet.models import User
from intranet.services import notify
from intranet.services import worklists
from intranet.transactions import commit

KIND = "digest"


def _sent_on(user, since):
    """True if ``user`` had a digest in the office day that begins at ``since``."""
    return (
        db.session.execute(
            db.select(OutboxMessage.id).where(
                OutboxMessage.to_user_id == user.id,
                OutboxMessage.kind == KIND,
                OutboxMessage.created_at >= since,
                OutboxMessage.created_at < since + timedelta(days=1),
            )
        ).first()
        is not None
    )


def body_for(user, day):
    """The digest's text for ``user`` on office date ``day``, or None when nothing waits."""
    parts = []
    for label, total, records in worklist.hardcopy_records(user):
        lines = [f"{label} ({total}):"]
        for r in records:
            lines.append(f"- {r.nomor_arsip} {r.title}")
            lines.append(f"  {absolute_url('archive.record', record_id=r.id)}")
        if total > len(records):
            lines.append(_("- dan %(n)s arsip lainnya", n=total - len(records)))
        parts.append("\n".join(lines))
    tasks = worklists.tasks_for(user)
    if tasks:
        lines = [_("Naskah menunggu Anda (%(n)s):", n=len(tasks))]
        for t in tasks:
            late = _(" (terlambat)") if t["overdue"] else ""
            lines.append(
                f"- #{t['case'].id} {t['title']}: {t['step'].number}. {t['outcome']}{late}"
            )
            lines.append(f"  {absolute_url('cases.detail', case_id=t['case'].id)}")
        parts.append("\n".join(lines))
    if not parts:
        return None
    greeting = _("Yth. %(name)s,", name=user.full_name)
    intro = _("Berikut pekerjaan yang menunggu Anda hari ini, %(date)s.", date=day.isoformat())
    return "\n\n".join([greeting, intro, *parts])


def send_digests(now=None):
    """Queue the day's digest for each active person something waits on and who has not had
    one that office day; return how many were queued. ``now`` (naive UTC) says which day."""
    now = now or utcnow()
    day = office_date(now)
    since = office_day_start(day)
    users = db.session.execute(
        db.select(User).where(User.active.is_(True)).order_by(User.id)
    ).scalars()
    queued = 0
    for user in users.all():
        if not user.email or _sent_on(user, since):
            continue
        body = body_for(user, day)
        if body is None:
            continue
        msg = notify.queue(user, _("Ringkasan harian Warta: pekerjaan menunggu Anda"), body, KIND)
        msg.created_at = now
        commit()
        queued += 1
    return queued
