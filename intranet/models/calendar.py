"""The office's working-day calendar: national holidays and cuti bersama."""

from datetime import date
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from intranet.clock import utcnow
from intranet.extensions import db

#: What a day off is: a national holiday, or a collective leave day (SKB 3 Menteri).
HOLIDAY_KINDS = ("libur_nasional", "cuti_bersama")


class Holiday(db.Model):
    """A day the office is closed although it is a weekday (or a named day on a weekend)."""

    __tablename__ = "holidays"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
