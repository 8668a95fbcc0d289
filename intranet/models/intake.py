"""Steps 1–2: directions (penugasan) and the agenda book of source material (buku agenda)."""

from datetime import date
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Column
from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy import Table
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from intranet.clock import utcnow
from intranet.extensions import db
from intranet.models.people import TeamDecree
from intranet.models.people import User

CHANNELS = {
    "email": _l("Surel"),
    "fax": _l("Faksimile"),
    "surat": _l("Surat"),
    "langsung": _l("Langsung"),
    "lainnya": _l("Lainnya"),
}
SIFAT = {"biasa": _l("Biasa"), "segera": _l("Segera"), "sangat_segera": _l("Sangat segera")}
SECURITY = {"biasa": _l("Biasa"), "terbatas": _l("Terbatas"), "rahasia": _l("Rahasia")}


class Assignment(db.Model):
    """A direction from the Penanggung Jawab under the SK Tim (step 1)."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    instruction: Mapped[str] = mapped_column(Text)
    due_date: Mapped[date]
    given_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    given_role: Mapped[str] = mapped_column(String(32))
    decree_id: Mapped[int] = mapped_column(ForeignKey("team_decrees.id"))
    delegation_id: Mapped[int | None] = mapped_column(ForeignKey("delegations.id"))
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    given_by: Mapped[User] = relationship(foreign_keys=[given_by_id])
    on_behalf_of: Mapped[User | None] = relationship(foreign_keys=[on_behalf_of_id])
    decree: Mapped[TeamDecree] = relationship()
    recipients: Mapped[list["AssignmentRecipient"]] = relationship(
        back_populates="assignment", cascade="all, delete-orphan", order_by="AssignmentRecipient.id"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_open(self):
        return self.closed_at is None

    def recipient(self, user):
        """This person's receipt of the direction, or None."""
        return next((r for r in self.recipients if r.user_id == user.id), None)


class AssignmentRecipient(db.Model):
    """One person a direction was given to, and when they acknowledged it."""

    __tablename__ = "assignment_recipients"
    __table_args__ = (UniqueConstraint("assignment_id", "user_id", name="uq_assignment_recipient"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    acknowledged_at: Mapped[datetime | None]

    assignment: Mapped[Assignment] = relationship(back_populates="recipients")
    user: Mapped[User] = relationship()


case_materials = Table(
    "case_materials",
    db.metadata,
    Column("case_id", ForeignKey("cases.id"), primary_key=True),
    Column("material_id", ForeignKey("source_materials.id"), primary_key=True),
    # A source material goes into one case.
    UniqueConstraint("material_id", name="uq_case_materials_material_id"),
)


class AgendaCounter(db.Model):
    """The last nomor agenda given in a year; numbering restarts each year."""

    __tablename__ = "agenda_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)


class SourceMaterial(db.Model):
    """An entry of the agenda book: one piece of source material received by the office."""

    __tablename__ = "source_materials"
    __table_args__ = (UniqueConstraint("year", "seq", name="uq_source_materials_year_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    seq: Mapped[int]
    nomor_agenda: Mapped[str] = mapped_column(String(64), unique=True)
    received_on: Mapped[date]
    channel: Mapped[str] = mapped_column(String(16))
    letter_number: Mapped[str | None] = mapped_column(String(120))
    letter_date: Mapped[date | None]
    sender_institution: Mapped[str] = mapped_column(String(200))
    sender_contact: Mapped[str | None] = mapped_column(String(120))
    sender_email: Mapped[str | None] = mapped_column(String(254))
    perihal: Mapped[str] = mapped_column(String(500))
    sifat: Mapped[str] = mapped_column(String(16), default="biasa")
    security_class: Mapped[str] = mapped_column(String(16), default="biasa")
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    notes: Mapped[str | None] = mapped_column(Text)
    body_text: Mapped[str | None] = mapped_column(
        Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")
    )
    disposition_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    disposition_note: Mapped[str | None] = mapped_column(String(500))
    srikandi_number: Mapped[str | None] = mapped_column(String(64))
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id"))
    registered_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    category: Mapped["Category"] = relationship()  # noqa: F821
    registered_by: Mapped[User] = relationship(foreign_keys=[registered_by_id])
    disposition_to: Mapped[User | None] = relationship(foreign_keys=[disposition_to_id])
    assignment: Mapped[Assignment | None] = relationship()
    files: Mapped[list["SourceFile"]] = relationship(
        back_populates="material", cascade="all, delete-orphan", order_by="SourceFile.id"
    )
    cases: Mapped[list["Case"]] = relationship(  # noqa: F821
        secondary=case_materials, back_populates="materials"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def channel_label(self):
        return CHANNELS.get(self.channel, self.channel)

    @property
    def sifat_label(self):
        return SIFAT.get(self.sifat, self.sifat)

    @property
    def security_label(self):
        return SECURITY.get(self.security_class, self.security_class)


class SourceFile(db.Model):
    """A file of a source material entry, stored by its SHA-256 and never changed."""

    __tablename__ = "source_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    material_id: Mapped[int] = mapped_column(ForeignKey("source_materials.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    mimetype: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    origin: Mapped[str] = mapped_column(String(16), default="upload")  # upload | eml | eml-part
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    material: Mapped[SourceMaterial] = relationship(back_populates="files")
