"""The outbox: every notification is recorded here before it is sent."""

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from intranet.clock import utcnow
from intranet.extensions import db
from intranet.models.people import User


class OutboxMessage(db.Model):
    """One email to one person; kept after sending, retried until it goes out."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    to_email: Mapped[str | None] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A sender claims a message before sending it, so two senders never send it twice.
    claimed_at: Mapped[datetime | None]
    claim: Mapped[str | None] = mapped_column(String(32))

    to_user: Mapped[User | None] = relationship()
