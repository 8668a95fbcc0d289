"""Forms for steps 1–2: directions, the agenda book, .eml import, handover, delegation."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from flask_wtf.file import FileRequired
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField
from wtforms import DateField
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms import SelectMultipleField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import Email
from wtforms.validators import Optional
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput
from wtforms.widgets import ListWidget

from intranet.forms import BaseForm
from intranet.forms import chosen
from intranet.forms import date_required
from intranet.forms import length
from intranet.forms import printable
from intranet.forms import required
from intranet.forms import within_years
from intranet.forms.admin import VersionedForm
from intranet.models.intake import CHANNELS
from intranet.models.intake import SECURITY
from intranet.models.intake import SIFAT


def _choices(mapping):

    return [SelectChoice(k, v) for k, v in mapping.items()]


def optional_int(value):
    """Coerce a select's value to int, with '' as None."""
    if value in (None, "", "None"):
        return None
    return int(value)


def checkbox_list(label, **options):
    """A multiple choice as a list of checkboxes (ticked by touch, no Ctrl key); it submits
    the same name and values as a multiple select."""
    return SelectMultipleField(
        label, widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(), **options
    )


class AssignmentForm(BaseForm):
    """A direction (step 1)."""

    instruction = TextAreaField(_l("Arahan"), validators=[required(), length(4000)])
    recipients = checkbox_list(_l("Ditujukan kepada"), coerce=int, validators=[chosen()])
    due_date = DateField(
        _l("Tenggat"), validators=[date_required(), within_years()], format="%Y-%m-%d"
    )


class MaterialForm(BaseForm):
    """A new entry in the agenda book."""

    received_on = DateField(
        _l("Tanggal terima"), validators=[date_required(), within_years()], format="%Y-%m-%d"
    )
    channel = SelectField(_l("Saluran"), choices=_choices(CHANNELS), validators=[chosen()])
    letter_number = StringField(_l("Nomor surat"), validators=[Optional(), length(120), printable])
    letter_date = DateField(
        _l("Tanggal surat"), validators=[Optional(), within_years()], format="%Y-%m-%d"
    )
    sender_institution = StringField(
        _l("Asal/pengirim (instansi)"), validators=[required(), length(200), printable]
    )
    sender_contact = StringField(_l("Narahubung"), validators=[Optional(), length(120), printable])
    sender_email = StringField(
        _l("Surel pengirim"),
        validators=[
            Optional(),
            length(254),
            Email(message=_l("Alamat surel tidak valid."), check_deliverability=False),
        ],
    )
    perihal = StringField(_l("Perihal"), validators=[required(), length(500), printable])
    sifat = SelectField(_l("Sifat"), choices=_choices(SIFAT), validators=[chosen()])
    security_class = SelectField(
        _l("Klasifikasi keamanan"), choices=_choices(SECURITY), validators=[chosen()]
    )
    category_id = SelectField(_l("Kategori"), coerce=int, validators=[chosen()])
    assignment_id = SelectField(
        _l("Berdasarkan penugasan"), coerce=optional_int, validators=[Optional()]
    )
    disposition_to_id = SelectField(
        _l("Disposisi kepada (redaktur)"), coerce=optional_int, validators=[Optional()]
    )
    disposition_note = StringField(
        _l("Catatan disposisi"), validators=[Optional(), length(500), printable]
    )
    srikandi_number = StringField(
        _l("Nomor SRIKANDI"), validators=[Optional(), length(64), printable]
    )
    notes = TextAreaField(_l("Keterangan"), validators=[Optional(), length(4000)])
    files = MultipleFileField(_l("Berkas (PDF, gambar, DOCX/ODT, EML)"))
    #: Sent by "Simpan dan serahkan ke Redaktur": save, then open the handover with it.
    hand_on = BooleanField(default=False)

    def validate_letter_date(self, field):
        """A letter cannot be dated after it was received."""
        if field.data and self.received_on.data and field.data > self.received_on.data:
            raise ValidationError(_l("Tanggal surat tidak boleh setelah tanggal terima."))


class EmlImportForm(BaseForm):
    """Register an entry from an emailed message saved as .eml."""

    eml = FileField(_l("Berkas .eml"), validators=[FileRequired(_l("Unggah berkas .eml."))])
    category_id = SelectField(_l("Kategori"), coerce=int, validators=[chosen()])
    sifat = SelectField(_l("Sifat"), choices=_choices(SIFAT), validators=[chosen()])
    security_class = SelectField(
        _l("Klasifikasi keamanan"), choices=_choices(SECURITY), validators=[chosen()]
    )
    assignment_id = SelectField(
        _l("Berdasarkan penugasan"), coerce=optional_int, validators=[Optional()]
    )
    disposition_to_id = SelectField(
        _l("Disposisi kepada (redaktur)"), coerce=optional_int, validators=[Optional()]
    )


class HandoverForm(BaseForm):
    """Hand selected material to a Redaktur: opens the case (end of step 2)."""

    assignment_id = SelectField(_l("Penugasan"), coerce=int, validators=[chosen()])
    material_ids = checkbox_list(_l("Bahan informasi"), coerce=int, validators=[chosen()])
    title = StringField(_l("Judul kerja naskah"), validators=[required(), length(300), printable])
    category_id = SelectField(_l("Kategori"), coerce=int, validators=[chosen()])
    redaktur_id = SelectField(_l("Diserahkan kepada redaktur"), coerce=int, validators=[chosen()])
    note = TextAreaField(_l("Catatan penyerahan"), validators=[Optional(), length(2000)])


class AgendaPrintForm(BaseForm):
    """The period of the agenda book to print."""

    class Meta:
        csrf = False

    start = DateField(
        _l("Dari tanggal"), validators=[date_required(), within_years()], format="%Y-%m-%d"
    )
    end = DateField(
        _l("Sampai tanggal"), validators=[date_required(), within_years()], format="%Y-%m-%d"
    )

    def validate_end(self, field):
        """The period must run forwards and cover at most five years."""
        if self.start.data and field.data:
            if field.data < self.start.data:
                raise ValidationError(_l("Tanggal akhir tidak boleh sebelum tanggal mulai."))
            if (field.data - self.start.data).days > 366 * 5:
                raise ValidationError(_l("Periode paling lama lima tahun."))


class DelegationForm(BaseForm):
    """Name an acting substitute (Plh/Plt)."""

    role = SelectField(_l("Peran"), validators=[chosen()])
    absent_id = SelectField(
        _l("Pemegang peran yang berhalangan"), coerce=int, validators=[chosen()]
    )
    substitute_id = SelectField(_l("Pelaksana harian (Plh/Plt)"), coerce=int, validators=[chosen()])
    valid_from = DateField(
        _l("Mulai"), validators=[date_required(), within_years()], format="%Y-%m-%d"
    )
    valid_until = DateField(
        _l("Sampai"), validators=[date_required(), within_years()], format="%Y-%m-%d"
    )
    reason = StringField(_l("Alasan"), validators=[required(), length(500), printable])


class SimpleForm(VersionedForm):
    """A button with CSRF and the record's version."""
