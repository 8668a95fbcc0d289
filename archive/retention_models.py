"""Penyusutan's tables: the lists of records transferred, destroyed or handed over, and the
legal holds that keep a record from being destroyed."""

import json
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger
from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from archive import places
from archive.models import ArchiveRecord
from intranet.clock import utcnow
from intranet.database import LongText
from intranet.extensions import db

#: What a list does to its records: move them to inactive storage, destroy them (after the
#: Penanggung Jawab's approval), or hand them over to the archival institution.
DISPOSAL_KINDS = ("pindah", "musnah", "serah")
#: A list's way: assembled, submitted (destruction only), approved or refused, carried out.
DISPOSAL_STATUSES = ("disusun", "diajukan", "disetujui", "ditolak", "dilaksanakan")

DISPOSAL_LABELS = {
    "kind": {
        "pindah": _l("pemindahan"),
        "musnah": _l("usul musnah"),
        "serah": _l("penyerahan"),
    },
    "document": {
        "pindah": _l("Berita acara pemindahan"),
        "musnah": _l("Berita acara pemusnahan"),
        "serah": _l("Berita acara penyerahan"),
    },
    "event": {
        "masuk": _l("dimasukkan ke daftar"),
        "keluar": _l("dikeluarkan dari daftar"),
        "diajukan": _l("usul musnah diajukan"),
        "disetujui": _l("usul musnah disetujui"),
        "ditolak": _l("usul musnah ditolak"),
        "dipindahkan": _l("dipindahkan ke penyimpanan inaktif"),
        "dimusnahkan": _l("dimusnahkan"),
        "diserahkan": _l("diserahkan ke lembaga kearsipan"),
    },
    "status": {
        "disusun": _l("disusun"),
        "diajukan": _l("menunggu persetujuan"),
        "disetujui": _l("disetujui"),
        "ditolak": _l("ditolak"),
        "dilaksanakan": _l("dilaksanakan"),
    },
}


class Disposal(db.Model):
    """A list of records the arsiparis assembles for one penyusutan act, and its berita acara.

    A destruction list (usul musnah) is submitted to the Penanggung Jawab, who approves or
    refuses it; approval writes the berita acara pemusnahan, and only then may the records be
    destroyed. A transfer or a handover is carried out by the arsiparis directly and its
    berita acara is written then. ``finished_at`` stays empty while files of a destruction
    carried out are still to be removed from the store (a re-run finishes it).
    """

    __tablename__ = "archive_disposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="disusun")
    note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(Text)
    executed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    executed_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    #: The berita acara PDF, stored in the archive under its SHA-256.
    document_sha256: Mapped[str | None] = mapped_column(String(64))
    document_size: Mapped[int | None]
    #: The handover's BagIt zip (kept beside the exports), by its SHA-256.
    bag_sha256: Mapped[str | None] = mapped_column(String(64))
    bag_size: Mapped[int | None] = mapped_column(BigInteger)
    #: Where a transfer puts the records' hardcopy (inactive storage).
    room: Mapped[str | None] = mapped_column(String(80))
    cabinet: Mapped[str | None] = mapped_column(String(80))
    box: Mapped[str | None] = mapped_column(String(80))
    folder: Mapped[str | None] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(default=1)

    created_by: Mapped["User"] = relationship(  # noqa: F821  (the host's user model)
        "User", foreign_keys=[created_by_id]
    )
    submitted_by: Mapped["User | None"] = relationship(  # noqa: F821  (the host's user model)
        "User", foreign_keys=[submitted_by_id]
    )
    decided_by: Mapped["User | None"] = relationship(  # noqa: F821  (the host's user model)
        "User", foreign_keys=[decided_by_id]
    )
    executed_by: Mapped["User | None"] = relationship(  # noqa: F821  (the host's user model)
        "User", foreign_keys=[executed_by_id]
    )
    items: Mapped[list["DisposalItem"]] = relationship(
        back_populates="disposal", order_by="DisposalItem.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def location(self):
        parts = [p for p in (self.room, self.cabinet, self.box, self.folder) if p]
        return " / ".join(parts) or None

    @property
    def place(self):
        return places.line(self.room, self.cabinet, self.box, self.folder)


class DisposalItem(db.Model):
    """A record on a list, with the arsiparis's note; after a destruction, what was removed."""

    __tablename__ = "archive_disposal_items"
    __table_args__ = (
        UniqueConstraint("disposal_id", "record_id", name="uq_archive_disposal_items_record"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    disposal_id: Mapped[int] = mapped_column(ForeignKey("archive_disposals.id"), index=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("archive_records.id"), index=True)
    note: Mapped[str | None] = mapped_column(String(500))
    #: JSON: the files a destruction removed (sha256, name, size), kept after they are gone.
    destroyed: Mapped[str | None] = mapped_column(LongText)

    disposal: Mapped[Disposal] = relationship(back_populates="items")
    record: Mapped[ArchiveRecord] = relationship()

    @property
    def destroyed_files(self):
        return json.loads(self.destroyed or "[]")


class LegalHold(db.Model):
    """A hold on a record (e.g. an election dispute): while it is not lifted the record
    cannot be put on a destruction list or destroyed."""

    __tablename__ = "archive_legal_holds"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("archive_records.id"), index=True)
    reason: Mapped[str] = mapped_column(String(500))
    placed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    placed_at: Mapped[datetime] = mapped_column(default=utcnow)
    lift_reason: Mapped[str | None] = mapped_column(String(500))
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    lifted_at: Mapped[datetime | None]

    record: Mapped[ArchiveRecord] = relationship()
    placed_by: Mapped["User"] = relationship(  # noqa: F821  (the host's user model)
        "User", foreign_keys=[placed_by_id]
    )
    lifted_by: Mapped["User | None"] = relationship(  # noqa: F821  (the host's user model)
        "User", foreign_keys=[lifted_by_id]
    )
