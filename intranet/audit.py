"""The admin audit log: every administrative change, append-only and hash-chained.

Each entry names who did what to which record, with a summary of the record before and after
(never a password or its hash), when (UTC) and from which address. Entries are chained like
the case trail (``intranet.chain``): each hash covers the previous one, and a one-row head
holds the last sequence number and hash, so an entry altered, removed or moved is found by
``verify``. The head row is updated in the same transaction as the entry, which makes
concurrent admin actions queue on it instead of forking the chain.

This is shared infrastructure, not a model of the intranet: the archive, a library that may
import only shared modules, records its table changes here as well.
"""

import json
from datetime import date
from datetime import datetime

from flask import has_request_context
from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import event
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from intranet.chain import GENESIS
from intranet.chain import chain_hash
from intranet.clock import iso
from intranet.clock import utcnow
from intranet.extensions import db

#: Every kind of entry, with what the audit page calls it.
ACTIONS = {
    "user.create": _l("akun dibuat"),
    "user.activate": _l("akun diaktifkan"),
    "user.deactivate": _l("akun dinonaktifkan"),
    "user.password_reset": _l("kata sandi disetel ulang"),
    "decree.create": _l("SK Tim dicatat"),
    "membership.add": _l("anggota SK ditambahkan"),
    "membership.request": _l("penunjukan diri sendiri menunggu konfirmasi"),
    "membership.confirm": _l("penunjukan dikonfirmasi penanggung jawab"),
    "membership.refuse": _l("penunjukan ditolak penanggung jawab"),
    "membership.end": _l("keanggotaan SK diakhiri"),
    "category.create": _l("kategori dibuat"),
    "category.update": _l("kategori diubah"),
    "classification.create": _l("kode klasifikasi dibuat"),
    "classification.update": _l("kode klasifikasi diubah"),
    "retention.create": _l("retensi dibuat"),
    "retention.update": _l("retensi diubah"),
    "delegation.create": _l("pelaksana harian ditunjuk"),
    "delegation.revoke": _l("penunjukan pelaksana harian dicabut"),
    "tables.import": _l("tabel klasifikasi/JRA diimpor"),
    "holiday.create": _l("hari libur ditambahkan"),
    "holiday.delete": _l("hari libur dihapus"),
    "holidays.import": _l("hari libur setahun diimpor"),
}


class AuditLogError(RuntimeError):
    """An attempt to change or remove an entry of the audit log through the application."""


class AuditEntry(db.Model):
    """One administrative change: who, when, what, to which record, before and after."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    occurred_at: Mapped[datetime]
    # None: the command line (the install's owner), not a person logged in.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_username: Mapped[str | None] = mapped_column(String(64))
    actor_name: Mapped[str | None] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(48))
    object_type: Mapped[str] = mapped_column(String(48))
    object_id: Mapped[int | None]
    summary: Mapped[str] = mapped_column(Text)
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)

    def content(self):
        """Everything the hash covers, as plain values."""
        return {
            "seq": self.seq,
            "occurred_at": iso(self.occurred_at),
            "actor_id": self.actor_id,
            "actor_username": self.actor_username,
            "actor_name": self.actor_name,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "summary": json.loads(self.summary),
            "remote_addr": self.remote_addr,
        }

    def compute_hash(self):
        """SHA-256 over the previous hash and the canonical JSON of the content."""
        return chain_hash(self.prev_hash, self.content())

    @property
    def changes(self):
        """The summary: ``{"before": {...}, "after": {...}}`` (either may be absent)."""
        return json.loads(self.summary)

    @property
    def action_label(self):
        return ACTIONS.get(self.action, self.action)


class AuditHead(db.Model):
    """The chain's head: the last entry's sequence number and hash (one row, id 1)."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int]
    entry_hash: Mapped[str] = mapped_column(String(64))


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _append_only(mapper, connection, target):
    """Entries are written once: no code path of the application changes or removes one."""
    raise AuditLogError(f"audit entry #{target.seq} is append-only")


def values(obj, fields):
    """The named attributes of ``obj`` as JSON values (dates as ISO 8601), for a summary."""
    out = {}
    for name in fields:
        value = getattr(obj, name)
        if isinstance(value, datetime):
            value = iso(value)
        elif isinstance(value, date):
            value = value.isoformat()
        out[name] = value
    return out


def record(action, obj, actor, *, before=None, after=None, object_type=None):
    """Append one entry for ``action`` on ``obj`` by ``actor`` (None: the command line).

    Call it last, just before the service commits, so the entry and the change are one
    transaction. A new ``obj`` is flushed here for its id; a service that owes its user a
    particular message for a clash flushes with ``transactions.flush`` first. The head row
    is locked (updated) here and released by that commit.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    # The change is written first, the head locked last, in every admin transaction alike.
    db.session.flush()
    seq, prev = _advance_head()
    summary = {k: v for k, v in (("before", before), ("after", after)) if v is not None}
    entry = AuditEntry(
        seq=seq,
        occurred_at=utcnow().replace(microsecond=0),
        actor_id=actor.id if actor is not None else None,
        actor_username=actor.username if actor is not None else None,
        actor_name=actor.full_name if actor is not None else None,
        action=action,
        object_type=object_type or obj.__tablename__,
        object_id=obj.id,
        summary=json.dumps(summary, sort_keys=True, ensure_ascii=False),
        remote_addr=(request.remote_addr or None) if has_request_context() else None,
        prev_hash=prev,
    )
    entry.entry_hash = entry.compute_hash()
    db.session.add(entry)
    head = AuditHead.__table__
    db.session.execute(head.update().where(head.c.id == 1).values(entry_hash=entry.entry_hash))
    return entry


def _advance_head():
    """Take the next sequence number and the previous hash, locking the head row.

    The update comes first: on a server database it waits for any other transaction holding
    the row and then reads the head that one left, so two entries never share a number.
    """
    head = AuditHead.__table__
    moved = db.session.execute(head.update().where(head.c.id == 1).values(seq=head.c.seq + 1))
    if moved.rowcount == 0:  # a database whose head row was never made
        db.session.execute(head.insert().values(id=1, seq=1, entry_hash=GENESIS))
    row = db.session.execute(db.select(head.c.seq, head.c.entry_hash).where(head.c.id == 1)).one()
    return row.seq, row.entry_hash


def verify():
    """Problems in the chain, as readable strings naming the first broken entry (or [])."""
    prev, expected = GENESIS, 1
    last = None
    for e in db.session.execute(db.select(AuditEntry).order_by(AuditEntry.seq)).scalars():
        where = _("entri #%(seq)s (id %(id)s)", seq=e.seq, id=e.id)
        if e.seq != expected:
            return [_("%(where)s: urutan terputus, seharusnya #%(n)s", where=where, n=expected)]
        if e.prev_hash != prev:
            return [_("%(where)s: tidak tersambung ke hash entri sebelumnya", where=where)]
        if e.compute_hash() != e.entry_hash:
            return [_("%(where)s: isinya tidak cocok dengan hash-nya (diubah)", where=where)]
        prev, expected, last = e.entry_hash, expected + 1, e
    head = db.session.get(AuditHead, 1)
    head_seq, head_hash = (head.seq, head.entry_hash) if head else (0, GENESIS)
    if (last.seq if last else 0) != head_seq:
        return [
            _(
                "log berakhir pada entri #%(last)s, kepala rantai mencatat #%(head)s "
                "(entri hilang)",
                last=last.seq if last else 0,
                head=head_seq,
            )
        ]
    if prev != head_hash:
        return [_("hash entri terakhir tidak cocok dengan kepala rantai")]
    return []


def entries(page=1, per_page=50):
    """One page of entries, newest first, and the number of entries in all."""
    total = db.session.execute(db.select(db.func.count(AuditEntry.id))).scalar_one()
    rows = (
        db.session.execute(
            db.select(AuditEntry)
            .order_by(AuditEntry.seq.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
        .scalars()
        .all()
    )
    return rows, total
