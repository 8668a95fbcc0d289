"""Admin forms: users, SK Tim and memberships."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from flask_wtf.file import FileRequired
from wtforms import BooleanField
from wtforms import DateField
from wtforms import IntegerField
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import Email
from wtforms.validators import InputRequired
from wtforms.validators import Optional
from wtforms.validators import Regexp
from wtforms.validators import ValidationError
from wtforms.widgets import HiddenInput

from intranet.forms import BaseForm
from intranet.forms import chosen
from intranet.forms import date_required
from intranet.forms import length
from intranet.forms import printable
from intranet.forms import required
from intranet.forms import within_years
from intranet.forms.auth import new_password_fields
from intranet.roles import ROLES


class VersionedForm(BaseForm):
    """A form that carries the version of the record it was loaded from."""

    version = IntegerField(widget=HiddenInput(), validators=[Optional()])


class UserCreateForm(BaseForm):
    """A new account."""

    username = StringField(
        _l("Nama pengguna"),
        validators=[
            required(),
            length(64, min=3),
            Regexp(
                r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
                message=_l("Hanya huruf, angka, titik, garis bawah dan tanda hubung."),
            ),
        ],
    )
    full_name = StringField(_l("Nama lengkap"), validators=[required(), length(120), printable])
    nip = StringField(
        _l("NIP"),
        validators=[Optional(), Regexp(r"^[0-9 ]{1,32}$", message=_l("NIP hanya berisi angka."))],
    )
    email = StringField(
        _l("Surel"),
        validators=[
            Optional(),
            length(254),
            Email(message=_l("Alamat surel tidak valid."), check_deliverability=False),
        ],
    )
    new_password, confirm_password = new_password_fields()
    is_system_admin = BooleanField(_l("Administrator sistem (tanpa SK)"))


class UserStateForm(BaseForm):
    """Activate or deactivate an account: the version it was shown at is required, so an
    empty, replayed or double-sent request never flips the account back."""

    version = IntegerField(
        widget=HiddenInput(),
        validators=[InputRequired(message=_l("Versi akun tidak ada; muat ulang halamannya."))],
    )


class PasswordResetForm(VersionedForm):
    """An admin sets a new password for someone."""

    new_password, confirm_password = new_password_fields()


class DecreeForm(BaseForm):
    """A new SK Tim with its scan."""

    number = StringField(_l("Nomor SK"), validators=[required(), length(120), printable])
    decree_date = DateField(
        _l("Tanggal SK"), validators=[date_required(), within_years()], format="%Y-%m-%d"
    )
    title = StringField(_l("Tentang"), validators=[required(), length(300), printable])
    valid_from = DateField(
        _l("Berlaku mulai"), validators=[date_required(), within_years()], format="%Y-%m-%d"
    )
    valid_until = DateField(
        _l("Berlaku sampai"), validators=[date_required(), within_years()], format="%Y-%m-%d"
    )
    signed_by = StringField(
        _l("Ditandatangani oleh"), validators=[required(), length(200), printable]
    )
    notes = TextAreaField(_l("Keterangan"), validators=[Optional(), length(2000)])
    scan = FileField(
        _l("Pindaian SK (PDF, PNG atau JPEG)"), validators=[FileRequired(_l("Unggah pindaian SK."))]
    )

    def validate_valid_until(self, field):
        """The end of validity cannot come before its start."""
        if self.valid_from.data and field.data and field.data < self.valid_from.data:
            raise ValidationError(_l("Tanggal akhir tidak boleh sebelum tanggal mulai."))


class MembershipForm(VersionedForm):
    """Appoint a person to a role under an SK."""

    user_id = SelectField(_l("Anggota"), coerce=int, validators=[chosen()])
    role = SelectField(
        _l("Peran"), choices=[SelectChoice(k, v) for k, v in ROLES.items()], validators=[chosen()]
    )
    position = StringField(_l("Jabatan dalam tim"), validators=[Optional(), length(200), printable])


class MembershipRemoveForm(VersionedForm):
    """Remove an appointment."""


class TaskRetryForm(BaseForm):
    """Queue a failed background task again."""


class CategoryForm(BaseForm):
    """A news category: its name, address (slug) and place in the list."""

    name = StringField(_l("Nama kategori"), validators=[required(), length(120), printable])
    slug = StringField(
        _l("Slug (alamat)"),
        validators=[
            Optional(),
            length(80),
            Regexp(r"^[a-z0-9-]*$", message=_l("Hanya huruf kecil, angka dan tanda hubung.")),
        ],
    )
    position = IntegerField(_l("Urutan"), validators=[Optional()])
    active = BooleanField(_l("Aktif (dapat dipilih untuk naskah baru)"), default=True)
