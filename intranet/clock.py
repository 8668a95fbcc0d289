"""The office's calendar and clock: stored timestamps are naive UTC, every date the office
sees follows its time zone (``BABEL_DEFAULT_TIMEZONE``), and the years a date may fall in."""

from datetime import UTC
from datetime import datetime
from datetime import time
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask import current_app
from flask import has_app_context

from intranet.config import DEFAULTS

#: The years a date of new material may fall in: letters, the agenda book, directions, SK
#: Tim, delegations, photos, publishing schedules and reports.
YEARS = (1900, 2100)
#: The years of a record: an old paper record registered by hand may be older than any new
#: material. The search index stores any date (as a day number), so a record that came
#: with another date (an imported bag, an old row) is still indexed and found.
RECORD_YEARS = (1800, YEARS[1])


def in_years(day, years=YEARS):
    """Whether a date (or datetime) falls in ``years`` (first and last year included)."""
    return years[0] <= day.year <= years[1]


def utcnow():
    """The current time in UTC, naive, as every timestamp column stores it."""
    return datetime.now(UTC).replace(tzinfo=None)


def office_timezone():
    """The office's time zone (``BABEL_DEFAULT_TIMEZONE``), as a ``zoneinfo`` zone."""
    name = (
        current_app.config.get("BABEL_DEFAULT_TIMEZONE")
        if has_app_context()
        else DEFAULTS["BABEL_DEFAULT_TIMEZONE"]
    )
    return ZoneInfo(name or DEFAULTS["BABEL_DEFAULT_TIMEZONE"])


def today():
    """Today's date in the office's calendar."""
    return datetime.now(office_timezone()).date()


def office_date(moment):
    """The office-calendar date of a stored timestamp (naive UTC)."""
    return moment.replace(tzinfo=UTC).astimezone(office_timezone()).date()


def office_time(moment):
    """A stored timestamp (naive UTC) as the office's wall-clock time (aware)."""
    return moment.replace(tzinfo=UTC).astimezone(office_timezone())


def office_day_start(day):
    """The stored timestamp (naive UTC) at which an office-calendar day begins."""
    start = datetime.combine(day, time.min, tzinfo=office_timezone())
    return start.astimezone(UTC).replace(tzinfo=None)


def office_to_utc(moment):
    """A naive office-local time (as typed into a form) as a stored timestamp (naive UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=office_timezone())
    return moment.astimezone(UTC).replace(tzinfo=None)


def iso(moment):
    """A stored timestamp as ISO 8601 to the second (for records and JSON), or None."""
    return moment.isoformat(timespec="seconds") if moment else None


def tanggal(day):
    """A date as Indonesian documents write it, whatever the reader's language: "29 November
    2026" (printed documents are Indonesian records)."""
    return format_date(day, "d MMMM y", locale="id")


def bulan(day):
    """A month as Indonesian documents write it: "November 2026"."""
    return format_date(day, "MMMM y", locale="id")
