"""``/intranet/admin/libur``: the office's working-day calendar (holidays) for the admin."""

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from intranet.clock import today
from intranet.database import get_or_404
from intranet.forms.calendar import KIND_LABELS
from intranet.forms.calendar import HolidayDeleteForm
from intranet.forms.calendar import HolidayForm
from intranet.forms.calendar import HolidayImportForm
from intranet.models import Holiday
from intranet.permissions import area_required
from intranet.services import holidays
from intranet.transactions import ServiceError

bp = Blueprint("calendar", __name__, url_prefix="/intranet/admin/libur")


def _year():
    value = request.args.get("tahun", "")
    if value.isascii() and value.isdigit() and 1900 <= int(value) <= 2100:
        return int(value)
    return today().year


def _page(year, form=None, import_form=None, errors=(), status=200):
    return render_template(
        "admin/holidays.html",
        year=year,
        years=sorted(set(holidays.years()) | {year, today().year}, reverse=True),
        rows=holidays.holidays_of(year),
        form=form or HolidayForm(formdata=None),
        import_form=import_form or HolidayImportForm(formdata=None),
        delete_form=HolidayDeleteForm(formdata=None),
        kinds=KIND_LABELS,
        errors=errors,
    ), status


@bp.route("/", methods=["GET", "POST"])
@area_required("calendar")
def holidays_page():
    """The holidays of a year, and a new one typed in."""
    form = HolidayForm() if request.method == "POST" else None
    if form is not None and form.validate_on_submit():
        try:
            h = holidays.add_holiday(form.data, current_user)
        except ServiceError as e:
            flash(str(e), "error")
        else:
            flash(_("Hari libur %(d)s disimpan.", d=h.day.isoformat()), "success")
            return redirect(url_for("calendar.holidays_page", tahun=h.day.year))
    return _page(_year(), form=form, status=400 if form is not None else 200)


@bp.post("/impor")
@area_required("calendar")
def import_year():
    """Replace a year's holidays with those of a CSV or XLSX file."""
    form = HolidayImportForm()
    if not form.validate_on_submit():
        return _page(_year(), import_form=form, status=400)
    upload = form.file.data
    try:
        year, rows, removed = holidays.import_year(
            upload.read(holidays.MAX_FILE_BYTES + 1), upload.filename, current_user
        )
    except holidays.HolidayImportError as e:
        return _page(_year(), import_form=form, errors=e.errors, status=e.status)
    flash(
        _(
            "Hari libur tahun %(y)d diganti: %(n)d hari dari berkas (sebelumnya %(old)d).",
            y=year,
            n=len(rows),
            old=removed,
        ),
        "success",
    )
    return redirect(url_for("calendar.holidays_page", tahun=year))


@bp.post("/hapus")
@area_required("calendar")
def delete():
    """Remove one holiday: the day counts as a working day again."""
    form = HolidayDeleteForm()
    chosen = form.holiday_id.data or "" if form.validate_on_submit() else ""
    if not (chosen.isascii() and chosen.isdigit() and len(chosen) < 10):
        flash(_("Hari libur yang akan dihapus tidak dipilih."), "error")
        return redirect(url_for("calendar.holidays_page"))
    h = get_or_404(Holiday, int(chosen))
    year = h.day.year
    holidays.delete_holiday(h, current_user)
    flash(_("Hari libur dihapus."), "success")
    return redirect(url_for("calendar.holidays_page", tahun=year))
