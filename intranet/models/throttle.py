"""The login throttle's store: failed login attempts, counted in the database."""

from datetime import datetime

from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from intranet.extensions import db


class LoginFailure(db.Model):
    """One counted login attempt under one key of the throttle.

    ``kind`` is the key: ``account`` (this address guessing this account) or ``address`` (this
    address, any account). An attempt is written under both keys before its password is
    checked; a success deletes it again, so what stays are the failures. Rows older than the
    window are pruned by the next attempt.
    """

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key", "kind", "address", "account", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(64))
    account: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(index=True)
