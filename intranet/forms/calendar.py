"""Forms of the working-day calendar: one holiday, a year's file, a removal."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from flask_wtf.file import FileRequired
from wtforms import DateField
from wtforms import HiddenField
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms import StringField

from intranet.forms import BaseForm
from intranet.forms import chosen
from intranet.forms import date_required
from intranet.forms import length
from intranet.forms import printable
from intranet.forms import required
from intranet.forms import within_years

KIND_LABELS = {"libur_nasional": _l("libur nasional"), "cuti_bersama": _l("cuti bersama")}


class HolidayForm(BaseForm):
    """A holiday typed in by hand."""

    day = DateField(_l("Tanggal"), validators=[date_required(), within_years()], format="%Y-%m-%d")
    name = StringField(_l("Nama"), validators=[required(), length(200), printable])
    kind = SelectField(
        _l("Jenis"),
        choices=[SelectChoice(k, label) for k, label in KIND_LABELS.items()],
        validators=[chosen()],
    )


class HolidayImportForm(BaseForm):
    """A year's holidays from a CSV or XLSX file (tanggal, nama, jenis)."""

    file = FileField(
        _l("Berkas CSV atau XLSX"), validators=[FileRequired(_l("Pilih berkas hari libur."))]
    )


class HolidayDeleteForm(BaseForm):
    """The removal of one holiday."""

    holiday_id = HiddenField(validators=[required()])
