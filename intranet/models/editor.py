"""What the editor keeps besides revisions: each person's unsaved draft, and the article's
file attachments (PDF)."""

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from intranet.clock import utcnow
from intranet.database import LongText
from intranet.extensions import db
from intranet.models.people import User


class EditorDraft(db.Model):
    """One person's autosaved, unsaved work on a case's article or concept.

    It never becomes a revision by itself: the person restores it into the form and saves.
    ``base_number`` is the revision (or concept version) the draft was typed over.
    """

    __tablename__ = "editor_drafts"
    __table_args__ = (
        UniqueConstraint("case_id", "user_id", "kind", name="uq_editor_drafts_case_user_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(16))  # article | concept
    base_number: Mapped[int]
    payload: Mapped[str] = mapped_column(LongText)
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)


class Attachment(db.Model):
    """A file (PDF) attached to the article, such as the letter an announcement publishes;
    stored content-addressed like every other file."""

    __tablename__ = "article_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    filename: Mapped[str] = mapped_column(String(255))
    mimetype: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(default=0)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    uploaded_by: Mapped[User] = relationship()
