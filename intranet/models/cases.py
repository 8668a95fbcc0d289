"""The article case (naskah) that runs through the SOP, and the categories it is filed under."""

from datetime import date
from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from intranet import sop
from intranet.clock import utcnow
from intranet.database import LongText
from intranet.extensions import db
from intranet.models.intake import Assignment
from intranet.models.intake import SourceMaterial
from intranet.models.intake import case_materials
from intranet.models.people import User

#: Text longer than MariaDB's 64 KB TEXT: an article body, an email's text.


class Category(db.Model):
    """A news category (Berita Terkini, Sosialisasi, ...); the list is editable."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)


class Case(db.Model):
    """A naskah: one article on its way through the SOP, under one definition version."""

    __tablename__ = "cases"
    #: The work lists' filters: open cases at a step, by how long they have waited; with
    #: every column the waiting counts and the dashboard's oldest-first page ask
    #: (definition, owner, attempt, revision, opening time), so they read the index alone.
    __table_args__ = (
        Index(
            "ix_cases_worklist",
            "status",
            "step",
            "step_started_at",
            "definition_code",
            "definition_version",
            "redaktur_id",
            "attempt",
            "revision_hash",
            "opened_at",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id"))
    redaktur_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    handover_note: Mapped[str | None] = mapped_column(Text)
    definition_code: Mapped[str] = mapped_column(String(64))
    definition_version: Mapped[int]
    definition_sha256: Mapped[str] = mapped_column(String(64))
    step: Mapped[int]
    attempt: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(16), default="open")
    step_started_at: Mapped[datetime] = mapped_column(default=utcnow)
    revision_hash: Mapped[str | None] = mapped_column(String(64))
    slug: Mapped[str | None] = mapped_column(String(100), unique=True)
    trail_seq: Mapped[int] = mapped_column(default=0)
    trail_head: Mapped[str | None] = mapped_column(String(64))
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    category: Mapped[Category] = relationship()
    assignment: Mapped[Assignment | None] = relationship()
    redaktur: Mapped[User | None] = relationship(foreign_keys=[redaktur_id])
    opened_by: Mapped[User] = relationship(foreign_keys=[opened_by_id])
    materials: Mapped[list[SourceMaterial]] = relationship(
        secondary=case_materials, back_populates="cases", order_by=SourceMaterial.id
    )
    trail: Mapped[list["TrailEntry"]] = relationship(  # noqa: F821
        back_populates="case", order_by="TrailEntry.seq"
    )

    __mapper_args__ = {"version_id_col": version}

    def definition(self):
        """The SOP definition this case started under (checked against its recorded hash)."""

        d = sop.get(self.definition_code, self.definition_version)
        if d.sha256 != self.definition_sha256:
            raise sop.DefinitionError(
                f"{self.definition_code} v{self.definition_version} changed after case "
                f"{self.id} started; add a new version instead of editing one in use"
            )
        return d


class Concept(db.Model):
    """One saved version of a case's article concept (step 3): every save is kept."""

    __tablename__ = "concepts"
    __table_args__ = (UniqueConstraint("case_id", "number", name="uq_concepts_case_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    number: Mapped[int]
    angle: Mapped[str] = mapped_column(Text)
    outline: Mapped[str] = mapped_column(Text)
    sources: Mapped[str | None] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    content_hash: Mapped[str] = mapped_column(String(64))

    author: Mapped[User] = relationship()

    def content(self):
        """What the hash covers."""
        return {"angle": self.angle, "outline": self.outline, "sources": self.sources or ""}


PPID = {
    "berkala": "Informasi berkala",
    "serta_merta": "Informasi serta merta",
    "setiap_saat": "Informasi tersedia setiap saat",
}


class Revision(db.Model):
    """One saved version of the article (steps 5 and 8): every save is kept, with its hash."""

    __tablename__ = "revisions"
    __table_args__ = (UniqueConstraint("case_id", "number", name="uq_revisions_case_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    slug: Mapped[str] = mapped_column(String(100))
    summary: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(LongText)
    tags: Mapped[str | None] = mapped_column(String(500))
    ppid: Mapped[str] = mapped_column(String(16))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    credits: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(16), default="edit")  # edit | correction
    note: Mapped[str | None] = mapped_column(String(500))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    step: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    content_hash: Mapped[str] = mapped_column(String(64))

    author: Mapped[User] = relationship()
    category: Mapped[Category] = relationship()

    def content(self):
        """What the hash covers: everything that would be published."""
        return {
            "title": self.title,
            "slug": self.slug,
            "summary": self.summary,
            "body_html": self.body_html,
            "tags": self.tags or "",
            "ppid": self.ppid,
            "category_id": self.category_id,
            "credits": self.credits,
        }

    @property
    def tag_list(self):
        return [t for t in (self.tags or "").split(",") if t]

    @property
    def ppid_label(self):
        return PPID.get(self.ppid, self.ppid)


class Photo(db.Model):
    """A journalistic photo of a case (step 6).

    ``original_sha256`` is the file as uploaded (kept for the archive); ``sha256`` is the
    copy that is shown and published, re-encoded without EXIF (so without GPS location);
    ``thumb_sha256`` is its thumbnail. Both are made from the original turned by ``rotation``;
    the web sizes (``intranet.services.photos.RENDITION_WIDTHS``) from the clean copy.
    """

    __tablename__ = "photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    original_sha256: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64))
    thumb_sha256: Mapped[str] = mapped_column(String(64))
    mimetype: Mapped[str] = mapped_column(String(32))
    filename: Mapped[str] = mapped_column(String(255))
    width: Mapped[int]
    height: Mapped[int]
    caption: Mapped[str] = mapped_column(String(500))
    credit: Mapped[str] = mapped_column(String(200))
    alt: Mapped[str] = mapped_column(String(300))
    taken_on: Mapped[date | None]
    position: Mapped[int] = mapped_column(default=0)
    is_cover: Mapped[bool] = mapped_column(default=False)
    had_location: Mapped[bool] = mapped_column(default=False)
    #: Degrees clockwise applied to the original for every copy shown (0, 90, 180, 270).
    rotation: Mapped[int] = mapped_column(default=0, server_default="0")
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    uploaded_by: Mapped[User] = relationship()

    __mapper_args__ = {"version_id_col": version}


class Preview(db.Model):
    """The unpublished preview laid out at step 7, of one revision."""

    __tablename__ = "previews"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id"))
    revision_hash: Mapped[str] = mapped_column(String(64))
    layout: Mapped[str] = mapped_column(String(16), default="standar")
    photo_ids: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]

    revision: Mapped[Revision] = relationship()
    created_by: Mapped[User] = relationship()
    openings: Mapped[list["PreviewOpening"]] = relationship(
        back_populates="preview", order_by="PreviewOpening.id"
    )


class PreviewOpening(db.Model):
    """One opening of a preview link: who it was sent to, when, from where."""

    __tablename__ = "preview_openings"

    id: Mapped[int] = mapped_column(primary_key=True)
    preview_id: Mapped[int] = mapped_column(ForeignKey("previews.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    ip_address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(255))

    preview: Mapped[Preview] = relationship(back_populates="openings")
    user: Mapped[User] = relationship()
