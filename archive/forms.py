"""The archive's forms: hardcopy filing, manual records, the classification and retention
tables. Validation only."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from flask_wtf.file import FileRequired
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField
from wtforms import DateField
from wtforms import HiddenField
from wtforms import IntegerField
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import Optional
from wtforms.validators import Regexp
from wtforms.validators import StopValidation

from archive.models import LABELS
from intranet.clock import RECORD_YEARS
from intranet.forms import BaseForm
from intranet.forms import chosen
from intranet.forms import date_required
from intranet.forms import length
from intranet.forms import printable
from intranet.forms import required
from intranet.forms import within_years
from intranet.forms.admin import VersionedForm


def _years(form, field):
    """Years as a small number; a huge one would overflow WTForms' range check."""
    if field.data is not None and not 0 <= field.data <= 100:
        raise StopValidation(_l("Antara 0 dan 100 tahun."))


def _choices(kind):
    return [SelectChoice(value, label) for value, label in LABELS[kind].items()]


def _box_id(value):
    """A chosen boks's id, or None (anything else is no choice; the service says so)."""
    value = "" if value is None else str(value)
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


class LocationFields:
    """Where the hardcopy is: a boks from the managed list (its ruang and lemari/rak come
    with it) and a folder; the names (ruang, lemari/rak, boks) are still read when no boks
    is chosen (older clients, the import)."""

    place = SelectField(
        _l("Boks (ruang · lemari/rak · boks)"),
        coerce=_box_id,
        choices=[],
        validate_choice=False,
    )
    room = StringField(_l("Ruang"), validators=[Optional(), length(80), printable])
    cabinet = StringField(_l("Lemari/rak"), validators=[Optional(), length(80), printable])
    box = StringField(_l("Boks"), validators=[Optional(), length(80), printable])
    folder = StringField(_l("Folder"), validators=[Optional(), length(80), printable])


class LocationAddForm(BaseForm):
    """A new ruang, lemari/rak or boks (each level named down to the new one)."""

    room = StringField(_l("Ruang"), validators=[required(), length(80), printable])
    cabinet = StringField(_l("Lemari/rak"), validators=[Optional(), length(80), printable])
    box = StringField(_l("Boks"), validators=[Optional(), length(80), printable])


class HardcopyForm(LocationFields, VersionedForm):
    """The arsiparis records the printed berkas's status and location."""

    status = SelectField(
        _l("Status arsip fisik"), choices=_choices("hardcopy"), validators=[chosen()]
    )
    note = TextAreaField(_l("Catatan"), validators=[Optional(), length(1000)])


class ManualRecordForm(LocationFields, BaseForm):
    """An older paper record registered without the workflow."""

    title = StringField(_l("Judul"), validators=[required(), length(300), printable])
    classification_id = SelectField(_l("Kode klasifikasi"), coerce=int, validators=[chosen()])
    uraian = TextAreaField(_l("Uraian informasi"), validators=[required(), length(5000)])
    date_from = DateField(
        _l("Tanggal awal"), validators=[date_required(), within_years(RECORD_YEARS)]
    )
    date_to = DateField(
        _l("Tanggal akhir"), validators=[date_required(), within_years(RECORD_YEARS)]
    )
    tingkat = SelectField(
        _l("Tingkat perkembangan"), choices=_choices("tingkat"), validators=[chosen()]
    )
    access_class = SelectField(_l("Kelas akses"), choices=_choices("access"), validators=[chosen()])
    jumlah = StringField(
        _l("Jumlah"), default="1 berkas", validators=[required(), length(100), printable]
    )
    notes = TextAreaField(_l("Keterangan"), validators=[Optional(), length(2000)])
    hardcopy_status = SelectField(
        _l("Status arsip fisik"),
        choices=_choices("hardcopy"),
        default="disimpan",
        validators=[chosen()],
    )
    scans = MultipleFileField(_l("Pindaian (PDF, JPEG atau PNG)"))


class ClassificationForm(VersionedForm):
    """A row of the classification table."""

    code = StringField(
        _l("Kode"),
        validators=[
            required(),
            length(32),
            Regexp(
                r"^[A-Za-z0-9][A-Za-z0-9.\-]*$",
                message=_l("Hanya huruf, angka, titik dan tanda hubung."),
            ),
        ],
    )
    name = StringField(_l("Nama"), validators=[required(), length(200), printable])
    retention_id = SelectField(_l("Retensi"), coerce=int, validators=[Optional()])
    active = BooleanField(_l("Aktif"), default=True)


class RetentionForm(VersionedForm):
    """A row of the retention table (JRA)."""

    name = StringField(_l("Jenis arsip"), validators=[required(), length(200), printable])
    active_years = IntegerField(
        _l("Retensi aktif (tahun)"),
        validators=[date_required(), _years],
    )
    inactive_years = IntegerField(
        _l("Retensi inaktif (tahun)"),
        validators=[date_required(), _years],
    )
    disposition = SelectField(
        _l("Keterangan akhir"), choices=_choices("disposition"), validators=[chosen()]
    )
    basis = StringField(_l("Dasar/catatan"), validators=[Optional(), length(300), printable])
    active = BooleanField(_l("Aktif"), default=True)


class ExportForm(BaseForm):
    """Export the search results (the query and filters ride along as hidden fields)."""

    q = StringField(validators=[Optional(), length(500)])
    ids = StringField(
        validators=[
            Optional(),
            length(200_000),
            Regexp(r"^[0-9,\s]*$", message=_l("Pilihan tidak valid.")),
        ]
    )


class TableImportForm(BaseForm):
    """A classification or JRA table file to preview (its kind guessed from its header)."""

    file = FileField(
        _l("Berkas CSV atau XLSX"), validators=[FileRequired(_l("Pilih berkas tabel."))]
    )
    kind = SelectField(
        _l("Jenis tabel"),
        choices=[
            SelectChoice("", _l("tebak dari kepala kolom")),
            SelectChoice("klasifikasi", _l("kode klasifikasi")),
            SelectChoice("jra", _l("jadwal retensi (JRA)")),
        ],
        validators=[Optional()],
    )


class TableConfirmForm(BaseForm):
    """The confirmation of a previewed import: the token of the previewed file."""

    token = HiddenField(validators=[required(), length(64)])
