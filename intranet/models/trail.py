"""The trail: append-only, hash-chained entries recording every act on a case."""

import json
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from intranet.chain import GENESIS as GENESIS
from intranet.chain import canonical_json as canonical_json
from intranet.chain import chain_hash
from intranet.extensions import db
from intranet.models.cases import Case
from intranet.models.people import TeamDecree
from intranet.models.people import User

#: What each kind of trail entry is called on pages and in the berkas.
ACTION_LABELS = {
    "complete": _l("selesai"),
    "approve": _l("disetujui"),
    "return": _l("dikembalikan"),
    "publish": _l("diterbitkan"),
    "comment": _l("komentar"),
    "withdraw": _l("ditarik"),
    "correct": _l("dikoreksi setelah terbit"),
    "approve_correction": _l("koreksi disetujui"),
    "archive": _l("diarsipkan"),
}


class TrailEntry(db.Model):
    """One act at one step of a case: who, in which role, under which SK, when, and why."""

    __tablename__ = "trail_entries"
    __table_args__ = (
        UniqueConstraint("case_id", "seq", name="uq_trail_entries_case_seq"),
        # "not yet approved by this person" for every case a waiting count reads
        Index("ix_trail_entries_approvals", "case_id", "action", "actor_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    seq: Mapped[int]
    step: Mapped[int]
    attempt: Mapped[int]
    action: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str] = mapped_column(String(32))
    decree_id: Mapped[int | None] = mapped_column(ForeignKey("team_decrees.id"))
    delegation_id: Mapped[int | None] = mapped_column(ForeignKey("delegations.id"))
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)
    revision_hash: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[str] = mapped_column(Text, default="{}")
    occurred_at: Mapped[datetime]
    recorded_at: Mapped[datetime]
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)

    case: Mapped[Case] = relationship(back_populates="trail")
    actor: Mapped[User] = relationship(foreign_keys=[actor_id])
    on_behalf_of: Mapped[User | None] = relationship(foreign_keys=[on_behalf_of_id])
    decree: Mapped[TeamDecree | None] = relationship()

    def content(self):
        """Everything the hash covers, as plain values."""
        return {
            "case_id": self.case_id,
            "seq": self.seq,
            "step": self.step,
            "attempt": self.attempt,
            "action": self.action,
            "actor_id": self.actor_id,
            "role": self.role,
            "decree_id": self.decree_id,
            "delegation_id": self.delegation_id,
            "on_behalf_of_id": self.on_behalf_of_id,
            "note": self.note,
            "revision_hash": self.revision_hash,
            "data": json.loads(self.data or "{}"),
            "occurred_at": self.occurred_at.isoformat(timespec="seconds"),
            "recorded_at": self.recorded_at.isoformat(timespec="seconds"),
        }

    def compute_hash(self):
        """SHA-256 over the previous hash and the canonical JSON of this entry's content."""
        return chain_hash(self.prev_hash, self.content())

    @property
    def extra(self):
        return json.loads(self.data or "{}")
