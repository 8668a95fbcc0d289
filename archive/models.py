"""The archive's tables: records, their versions and files, hardcopy events, fixity runs,
and the editable classification and retention tables."""

import json
from datetime import date
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import LargeBinary
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy import event
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from archive import places
from intranet.clock import utcnow
from intranet.database import LongText
from intranet.extensions import db

DISPOSITIONS = ("musnah", "permanen", "dinilai_kembali")
TINGKAT = ("asli", "salinan")
#: The hardcopy's way, in order: printed, stamped/signed, filed in its box.
HARDCOPY_STATUSES = ("belum_dicetak", "dicetak", "distempel", "disimpan")
#: What an original is, and its PDF/A-3 associated-file relationship.
FILE_KINDS = {
    "sumber": "Source",  # a source file of the agenda entry (letter, email, attachment)
    "foto-asli": "Source",  # a photo as uploaded, with its EXIF
    "foto": "Source",  # the photo as published (re-encoded, no EXIF)
    "lampiran": "Source",  # a file (PDF) attached to the article, published with it
    "html": "Source",  # the article page as published
    "pindaian": "Source",  # a scan of an older paper record
    "json": "Data",  # the whole case as data
}

LABELS = {
    "disposition": {
        "musnah": _l("musnah"),
        "permanen": _l("permanen"),
        "dinilai_kembali": _l("dinilai kembali"),
    },
    "hardcopy": {
        "belum_dicetak": _l("belum dicetak"),
        "dicetak": _l("dicetak"),
        "distempel": _l("distempel/ditandatangani"),
        "disimpan": _l("disimpan"),
    },
    "tingkat": {"asli": _l("asli"), "salinan": _l("salinan")},
    "access": {"biasa": _l("biasa"), "terbatas": _l("terbatas"), "rahasia": _l("rahasia")},
    "reason": {
        "terbit": _l("terbit"),
        "koreksi": _l("koreksi"),
        "penarikan": _l("penarikan"),
        "manual": _l("pendaftaran manual"),
        "ocr": _l("turunan OCR ditambahkan"),
    },
    "kind": {
        "sumber": _l("bahan sumber"),
        "foto-asli": _l("foto asli"),
        "foto": _l("foto terbit"),
        "lampiran": _l("lampiran berita"),
        "html": _l("halaman terbit"),
        "pindaian": _l("pindaian"),
        "json": _l("rekaman data"),
        "turunan OCR": _l("turunan OCR"),
    },
    "origin": {"sop": _l("SOP"), "manual": _l("manual")},
    "stage": {
        "aktif": _l("aktif"),
        "inaktif": _l("inaktif"),
        "dimusnahkan": _l("dimusnahkan"),
        "diserahkan": _l("diserahkan"),
    },
}


class RetentionRule(db.Model):
    """A row of the retention schedule (JRA): how long a kind of record is kept, and then what."""

    __tablename__ = "archive_retention_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The JRA row's code in an imported table; a row changed by a later import is kept
    #: (inactive) for the records made under it, and a new row takes the code.
    code: Mapped[str | None] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(String(200))
    active_years: Mapped[int]
    inactive_years: Mapped[int]
    disposition: Mapped[str] = mapped_column(String(20))
    basis: Mapped[str | None] = mapped_column(String(300))
    is_sample: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class Classification(db.Model):
    """A code of the classification scheme (kode klasifikasi) with its default retention."""

    __tablename__ = "archive_classifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    retention_id: Mapped[int | None] = mapped_column(ForeignKey("archive_retention_rules.id"))
    is_sample: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    version: Mapped[int] = mapped_column(default=1)

    retention: Mapped[RetentionRule | None] = relationship()

    __mapper_args__ = {"version_id_col": version}


#: The two tables an office imports from a file.
TABLE_KINDS = ("klasifikasi", "jra")
#: A kept table file: MEDIUMBLOB on MariaDB/MySQL, whose BLOB holds only 64 KiB.
FileBytes = LargeBinary().with_variant(mysql.MEDIUMBLOB(), "mysql", "mariadb")


class TableVersion(db.Model):
    """One import of the classification or the retention table, with the file itself.

    A previewed import waits here (``status`` pratinjau, with the token its confirmation
    carries) until it is confirmed; then it takes the next ``number`` of its kind.
    """

    __tablename__ = "archive_table_versions"
    __table_args__ = (UniqueConstraint("kind", "number", name="uq_archive_table_versions_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # klasifikasi | jra
    number: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(16), default="pratinjau")  # pratinjau | berlaku
    token: Mapped[str | None] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    content: Mapped[bytes] = mapped_column(FileBytes, deferred=True)
    #: The tables as they stood when the preview was made: a confirmation applies only to them.
    state_digest: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(default=0)
    added: Mapped[int] = mapped_column(default=0)
    changed: Mapped[int] = mapped_column(default=0)
    removed: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    # None: the command line
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    applied_at: Mapped[datetime | None]

    imported_by: Mapped["User | None"] = relationship(  # noqa: F821  (the host's user model)
        "User"
    )

    @property
    def label(self):
        """``JRA versi 2``, ``klasifikasi versi 1``."""
        return f"{'JRA' if self.kind == 'jra' else 'klasifikasi'} versi {self.number}"


class ArchiveCounter(db.Model):
    """The last nomor arsip sequence handed out in a year."""

    __tablename__ = "archive_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)


class ArchiveRecord(db.Model):
    """One archival record: a published article with its SOP trail, or an older paper record.

    The retention values are copied from the retention table when the record is made, so a
    later edit of the table does not silently change what was decided for this record.
    """

    __tablename__ = "archive_records"
    __table_args__ = (
        # the keeper's due counts (penyusutan) and hardcopy counts, each read from an index
        Index("ix_archive_records_due_transfer", "stage", "active_end_year", "access_class"),
        Index(
            "ix_archive_records_due_disposal",
            "retention_disposition",
            "disposal_end_year",
            "stage",
            "access_class",
        ),
        Index(
            "ix_archive_records_hardcopy_paper",
            "media_paper",
            "hardcopy_status",
            "stage",
            "access_class",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    nomor_arsip: Mapped[str] = mapped_column(String(80), unique=True)
    year: Mapped[int]
    seq: Mapped[int]
    origin: Mapped[str] = mapped_column(String(16))  # sop | manual
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), unique=True)
    classification_id: Mapped[int] = mapped_column(ForeignKey("archive_classifications.id"))
    title: Mapped[str] = mapped_column(String(300))
    uraian: Mapped[str] = mapped_column(Text)
    date_from: Mapped[date]
    date_to: Mapped[date]
    tingkat: Mapped[str] = mapped_column(String(16), default="asli")
    media_electronic: Mapped[bool] = mapped_column(default=True)
    media_paper: Mapped[bool] = mapped_column(default=True)
    access_class: Mapped[str] = mapped_column(String(16), default="biasa")
    jumlah: Mapped[str] = mapped_column(String(100))
    notes: Mapped[str | None] = mapped_column(Text)
    retention_id: Mapped[int | None] = mapped_column(ForeignKey("archive_retention_rules.id"))
    retention_active_years: Mapped[int]
    retention_inactive_years: Mapped[int]
    retention_disposition: Mapped[str] = mapped_column(String(20))
    #: The imported tables in force when the record was made (None: the sample rows).
    classification_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("archive_table_versions.id")
    )
    retention_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("archive_table_versions.id")
    )
    hardcopy_status: Mapped[str] = mapped_column(String(16), default="belum_dicetak")
    room: Mapped[str | None] = mapped_column(String(80))
    cabinet: Mapped[str | None] = mapped_column(String(80))
    box: Mapped[str | None] = mapped_column(String(80))
    folder: Mapped[str | None] = mapped_column(String(80))
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    filed_at: Mapped[datetime | None]
    current_number: Mapped[int] = mapped_column(default=1)
    #: The last year of the active period and of the inactive period, stored so the due
    #: lists are read from an index; kept by ``set_due_years`` on every insert and update.
    active_end_year: Mapped[int]
    disposal_end_year: Mapped[int]
    #: Penyusutan: aktif, then inaktif (moved to inactive storage), then dimusnahkan
    #: (destroyed: the metadata stays, the files are gone) or diserahkan (handed over).
    stage: Mapped[str] = mapped_column(String(16), default="aktif", server_default="aktif")
    stage_at: Mapped[datetime | None]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    classification: Mapped[Classification] = relationship()
    retention: Mapped[RetentionRule | None] = relationship()
    classification_version: Mapped[TableVersion | None] = relationship(
        foreign_keys=[classification_version_id]
    )
    retention_version: Mapped[TableVersion | None] = relationship(
        foreign_keys=[retention_version_id]
    )
    created_by: Mapped["User"] = relationship(  # noqa: F821  (the host's user model)
        "User", foreign_keys=[created_by_id]
    )
    filed_by: Mapped["User | None"] = relationship(  # noqa: F821  (the host's user model)
        "User", foreign_keys=[filed_by_id]
    )
    versions: Mapped[list["ArchiveVersion"]] = relationship(
        back_populates="record", order_by="ArchiveVersion.number"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def current(self):
        """The newest version (its berkas is the one to print)."""
        return self.versions[-1] if self.versions else None

    @property
    def location(self):
        """The hardcopy location as one line, or None while it has none."""
        parts = [p for p in (self.room, self.cabinet, self.box, self.folder) if p]
        return " / ".join(parts) or None

    @property
    def place(self):
        """The location as it is read: "Ruang Arsip Lt. 1 · Lemari 2 · Boks 03 · Folder 7"."""
        return places.line(self.room, self.cabinet, self.box, self.folder)

    @property
    def media_label(self):
        return ", ".join(
            m
            for m, on in (("elektronik", self.media_electronic), ("kertas", self.media_paper))
            if on
        )

    @property
    def active_until(self):
        """The last year the record is active; it is inactive after, then disposed of."""
        return due_years(self)[0]

    @property
    def disposal_year(self):
        """The year the final disposition falls due."""
        return due_years(self)[1]

    @property
    def destroyed(self):
        """Destroyed by an approved usul musnah: metadata only, its files are gone."""
        return self.stage == "dimusnahkan"


def due_years(record):
    """``(active_end_year, disposal_end_year)`` of a record from its dates and retention."""
    active_end = record.date_to.year + record.retention_active_years
    return active_end, active_end + record.retention_inactive_years


@event.listens_for(ArchiveRecord, "before_insert")
@event.listens_for(ArchiveRecord, "before_update")
def set_due_years(_mapper, _connection, record):
    """Store the due years whenever a record is written: wherever its last date or its
    retention changes, the stored years follow in the same statement."""
    record.active_end_year, record.disposal_end_year = due_years(record)


class ArchiveVersion(db.Model):
    """One berkas of a record: made at publication, at a correction, at a withdrawal; for a
    paper record at its registration, and when OCR has read its scans (the berkas then
    embeds each derived searchable PDF/A).

    ``trail_seq`` and ``trail_head`` anchor the case's trail as it stood: ``verify`` checks
    that the chain still holds this entry at this place.
    """

    __tablename__ = "archive_versions"
    __table_args__ = (UniqueConstraint("record_id", "number", name="uq_archive_versions_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("archive_records.id"), index=True)
    number: Mapped[int]
    #: terbit | koreksi | penarikan (a publication); manual (a paper record registered) |
    #: ocr (its berkas again, with the derived PDF/A of its scans embedded)
    reason: Mapped[str] = mapped_column(String(16))
    berkas_sha256: Mapped[str] = mapped_column(String(64))
    berkas_size: Mapped[int]
    trail_seq: Mapped[int | None]
    trail_head: Mapped[str | None] = mapped_column(String(64))
    article_version: Mapped[int | None]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    record: Mapped[ArchiveRecord] = relationship(back_populates="versions")
    created_by: Mapped["User"] = relationship(  # noqa: F821  (the host's user model)
        "User"
    )
    files: Mapped[list["ArchiveFile"]] = relationship(
        back_populates="version", order_by="ArchiveFile.position"
    )


class ArchiveFile(db.Model):
    """An original kept with a version, stored in the archive under its SHA-256."""

    __tablename__ = "archive_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("archive_versions.id"), index=True)
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int]
    filename: Mapped[str] = mapped_column(String(255))
    mimetype: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(String(500))
    #: The file's own access class: a source file keeps its material's class, the case's
    #: JSON and a paper record's scans the record's, the published page and photos biasa.
    access_class: Mapped[str] = mapped_column(String(16), default="biasa", server_default="biasa")

    version: Mapped[ArchiveVersion] = relationship(back_populates="files")

    @property
    def relationship(self):
        return FILE_KINDS[self.kind]


class ArchiveEvent(db.Model):
    """Something done to a record after it was made: hardcopy filed, metadata changed."""

    __tablename__ = "archive_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("archive_records.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # dibuat | versi | fisik | sosial
    data: Mapped[str] = mapped_column(Text, default="{}")
    note: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped["User"] = relationship(  # noqa: F821  (the host's user model)
        "User"
    )
    record: Mapped[ArchiveRecord] = relationship()

    @property
    def extra(self):
        return json.loads(self.data or "{}")


class FixityRun(db.Model):
    """One run of ``archive verify``: what was checked and what was wrong."""

    __tablename__ = "archive_fixity_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime]
    files_checked: Mapped[int]
    bytes_checked: Mapped[int] = mapped_column(BigInteger)
    missing: Mapped[int]
    changed: Mapped[int]
    stray: Mapped[int]
    trail_problems: Mapped[int]
    cleaned: Mapped[int]
    ok: Mapped[bool]
    report: Mapped[str] = mapped_column(LongText)
    #: verifikasi (a run of ``archive verify``) or pemusnahan (files removed on purpose).
    kind: Mapped[str] = mapped_column(String(16), default="verifikasi", server_default="verifikasi")

    @property
    def details(self):
        return json.loads(self.report or "{}")


class ArchiveText(db.Model):
    """The text extracted from one original (by its SHA-256), kept for the search index."""

    __tablename__ = "archive_texts"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))  # teks | tanpa_teks | gagal | data
    text: Mapped[str] = mapped_column(LongText, default="")
    note: Mapped[str | None] = mapped_column(String(300))
    extracted_at: Mapped[datetime] = mapped_column(default=utcnow)


class IndexQueueEntry(db.Model):
    """A record whose search document must be refreshed; removed once the index has it."""

    __tablename__ = "archive_index_queue"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(index=True)
    enqueued_at: Mapped[datetime] = mapped_column(default=utcnow)


class IndexFailure(db.Model):
    """A record whose search document could not be written, set aside with the reason; the
    queue drains past it and tries it again at ``next_attempt_at`` (the wait doubles)."""

    __tablename__ = "archive_index_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(unique=True)
    reason: Mapped[str] = mapped_column(String(500))
    attempts: Mapped[int] = mapped_column(default=1)
    failed_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(index=True)


#: The error of an export whose worker process died before it finished.
WORKER_DIED = "proses ekspor mati"


class ExportJob(db.Model):
    """An export of search results or a selection into a BagIt zip, built in the background."""

    __tablename__ = "archive_export_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    query: Mapped[str] = mapped_column(Text, default="")
    record_ids: Mapped[str] = mapped_column(LongText, default="")
    status: Mapped[str] = mapped_column(
        String(16), default="menunggu"
    )  # menunggu|berjalan|selesai|gagal
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    size: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(String(500))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    #: Written every few seconds by the worker building the zip; a stale one means it died.
    heartbeat_at: Mapped[datetime | None]
    #: The worker's identity: ``host pid boot-id``.
    worker: Mapped[str | None] = mapped_column(String(200))

    @property
    def running(self):
        """Still waiting or being built (its page keeps refreshing)."""
        return self.status in ("menunggu", "berjalan")

    @property
    def worker_died(self):
        """Failed because the process building it died."""
        return self.status == "gagal" and self.error == WORKER_DIED


class StorageLocation(db.Model):
    """A managed place for hardcopies: a ruang, a lemari/rak in it, or a boks in that.

    Records keep the names (``room``, ``cabinet``, ``box``) so an export carries them as
    words; this list is what the forms offer, one entry per place whatever its spelling
    (``key``: the kind, the parent and the name as read, case aside)."""

    __tablename__ = "archive_storage_locations"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(80))
    #: A place goes with the one it is in (a whole table emptied at once, on MariaDB too).
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("archive_storage_locations.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(190), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent: Mapped["StorageLocation | None"] = relationship(remote_side=[id])

    @property
    def label(self):
        return places.label(self.kind, self.name)

    @property
    def path(self):
        """The entries from the ruang down to this one."""
        chain, at = [], self
        while at is not None:
            chain.insert(0, at)
            at = at.parent
        return chain

    @property
    def line(self):
        return " · ".join(p.label for p in self.path)
