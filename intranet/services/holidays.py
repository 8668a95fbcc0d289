"""The office's working-day calendar: the holidays (libur nasional, cuti bersama) every count
of working days skips, kept by the admin and imported a year at a time from a CSV file
(``tanggal,nama,jenis``)."""

from datetime import date
from datetime import datetime

from flask import g
from flask_babel import gettext as _

from intranet import audit
from intranet.clock import YEARS
from intranet.extensions import db
from intranet.models import Holiday
from intranet.models.calendar import HOLIDAY_KINDS
from intranet.tabular import MAX_BYTES
from intranet.tabular import TabularError
from intranet.tabular import as_text
from intranet.tabular import read_table
from intranet.transactions import ServiceError
from intranet.transactions import atomic
from intranet.transactions import commit
from intranet.transactions import flush

#: How a kind may be written in a file → how it is stored.
KINDS = {
    "libur nasional": "libur_nasional",
    "libur_nasional": "libur_nasional",
    "cuti bersama": "cuti_bersama",
    "cuti_bersama": "cuti_bersama",
}
COLUMNS = ("tanggal", "nama", "jenis")
DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y")
#: The largest holiday file accepted.
MAX_FILE_BYTES = MAX_BYTES


class HolidayImportError(ServiceError):
    """A holiday file that cannot be imported; ``errors`` names every bad row."""

    def __init__(self, errors, status=400):
        super().__init__(" ".join(errors), status=status)
        self.errors = list(errors)


def holiday_set():
    """Every holiday as a set of dates, read once per request (or command) and kept in ``g``:
    what ``working_days_between`` and ``is_overdue`` are given."""
    if "warta_holidays" not in g:
        g.warta_holidays = frozenset(db.session.execute(db.select(Holiday.day)).scalars())
    return g.warta_holidays


def _forget():
    g.pop("warta_holidays", None)


def holidays_of(year):
    """The holidays of ``year`` in date order."""
    return (
        db.session.execute(
            db.select(Holiday)
            .where(Holiday.day >= date(year, 1, 1), Holiday.day <= date(year, 12, 31))
            .order_by(Holiday.day)
        )
        .scalars()
        .all()
    )


def years():
    """The years that have holidays, newest first."""
    days = db.session.execute(db.select(Holiday.day)).scalars()
    return sorted({d.year for d in days}, reverse=True)


def _check_kind(kind):
    if kind not in HOLIDAY_KINDS:
        raise ServiceError(_("Jenis hari libur tidak dikenal."))


@atomic
def add_holiday(data, actor=None):
    """Add one holiday (``actor``: the admin, None for the command line)."""
    _check_kind(data["kind"])
    day, name = data["day"], " ".join((data.get("name") or "").split())
    if not name:
        raise ServiceError(_("Nama hari libur wajib diisi."))
    if not YEARS[0] <= day.year <= YEARS[1]:
        raise ServiceError(_("Tanggal di luar rentang %(a)d–%(b)d.", a=YEARS[0], b=YEARS[1]))
    taken = _("Tanggal %(day)s sudah tercatat sebagai hari libur.", day=day.isoformat())
    if db.session.execute(db.select(Holiday.id).where(Holiday.day == day)).scalar():
        raise ServiceError(taken)
    holiday = Holiday(day=day, name=name[:200], kind=data["kind"])
    db.session.add(holiday)
    flush(taken)
    audit.record(
        "holiday.create", holiday, actor, after=audit.values(holiday, ("day", "name", "kind"))
    )
    commit(taken)
    _forget()
    return holiday


@atomic
def delete_holiday(holiday, actor=None):
    """Remove one holiday: that day counts as a working day again."""
    before = audit.values(holiday, ("day", "name", "kind"))
    db.session.delete(holiday)
    db.session.flush()
    audit.record("holiday.delete", holiday, actor, before=before)
    commit()
    _forget()


def _parse_day(value):
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = as_text(value)
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def read_year(data, filename):
    """The year and rows of a holiday file (one year per file); every bad row is named."""
    try:
        table = read_table(data, filename)
    except TabularError as e:
        raise HolidayImportError([str(e)], status=e.status) from e
    missing = [c for c in COLUMNS if c not in table.header]
    if missing:
        raise HolidayImportError(
            [
                _(
                    "Kolom wajib tidak ada: %(cols)s (tata letak: tanggal, nama, jenis).",
                    cols=", ".join(missing),
                )
            ]
        )
    index = {c: table.header.index(c) for c in COLUMNS}
    errors, rows, seen, year = list(table.formulas), [], {}, None
    for row in table.rows:

        def cell(name, row=row):
            i = index[name]
            return row.cells[i] if i < len(row.cells) else ""

        where = _("Baris %(line)d", line=row.line)
        day = _parse_day(cell("tanggal"))
        name = " ".join(as_text(cell("nama")).split())
        kind = KINDS.get(" ".join(as_text(cell("jenis")).lower().split()))
        if day is None:
            raw = as_text(cell("tanggal"))
            errors.append(
                f"{where}: "
                + (
                    _("tanggal \u201c%(raw)s\u201d tidak sah (TTTT-BB-HH).", raw=raw[:40])
                    if raw
                    else _("tanggal kosong.")
                )
            )
        elif not YEARS[0] <= day.year <= YEARS[1]:
            errors.append(f"{where}: " + _("tahun %(y)d di luar rentang.", y=day.year))
            day = None
        elif year is None:
            year = day.year
        elif day.year != year:
            errors.append(
                f"{where}: "
                + _(
                    "tanggal %(day)s bukan tahun %(year)d (satu berkas memuat satu tahun).",
                    day=day.isoformat(),
                    year=year,
                )
            )
        if day is not None and day in seen:
            errors.append(
                f"{where}: "
                + _(
                    "tanggal %(day)s ganda (sudah ada di baris %(first)d).",
                    day=day.isoformat(),
                    first=seen[day],
                )
            )
        elif day is not None:
            seen[day] = row.line
        if not name:
            errors.append(f"{where}: " + _("nama kosong."))
        elif len(name) > 200:
            errors.append(f"{where}: " + _("nama lebih dari 200 karakter."))
        if kind is None:
            errors.append(
                f"{where}: "
                + _(
                    "jenis \u201c%(raw)s\u201d tidak dikenal (libur nasional atau cuti bersama).",
                    raw=as_text(cell("jenis"))[:40],
                )
            )
        rows.append({"day": day, "name": name, "kind": kind})
    if errors:
        raise HolidayImportError(errors)
    return year, rows


def import_year(data, filename, actor=None, dry_run=False):
    """Replace the holidays of the file's year with the file's rows; returns (year, rows,
    removed count). With ``dry_run`` nothing is written."""
    year, rows = read_year(data, filename)
    if dry_run:
        return year, rows, len(holidays_of(year))
    return _replace_year(year, rows, actor)


@atomic
def _replace_year(year, rows, actor):
    old = holidays_of(year)
    for holiday in old:
        db.session.delete(holiday)
    db.session.flush()
    added = [Holiday(**row) for row in rows]
    db.session.add_all(added)
    db.session.flush()
    audit.record(
        "holidays.import",
        added[0],
        actor,
        before={"year": year, "count": len(old)},
        after={"year": year, "count": len(rows)},
        object_type="holidays",
    )
    commit(_("Hari libur tahun %(y)d sedang diubah orang lain; coba lagi.", y=year))
    _forget()
    return year, rows, len(old)
