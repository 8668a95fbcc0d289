"""Login, password and language forms."""

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import PasswordField
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms import StringField
from wtforms.validators import EqualTo
from wtforms.validators import Length
from wtforms.validators import ValidationError

from intranet.forms import BaseForm
from intranet.forms import chosen
from intranet.forms import length
from intranet.forms import printable
from intranet.forms import required


class LoginForm(BaseForm):
    """Username and password."""

    username = StringField(_l("Nama pengguna"), validators=[required(), length(64), printable])
    password = PasswordField(_l("Kata sandi"), validators=[required(), length(128)])


def strong_password(form, field):
    """At least PASSWORD_MIN_LENGTH characters, not all of one kind."""
    value = field.data or ""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(value) < minimum:
        raise ValidationError(_l("Kata sandi minimal %(n)d karakter.", n=minimum))
    if len(set(value)) < 4:
        raise ValidationError(_l("Kata sandi terlalu mudah ditebak."))


def new_password_fields():
    """The new password and its confirmation, as used by several forms."""
    new = PasswordField(
        _l("Kata sandi baru"),
        validators=[
            required(),
            Length(max=128, message=_l("Maksimal 128 karakter.")),
            strong_password,
        ],
    )
    confirm = PasswordField(
        _l("Ulangi kata sandi baru"),
        validators=[
            required(),
            EqualTo("new_password", message=_l("Kedua kata sandi tidak sama.")),
        ],
    )
    return new, confirm


class PasswordChangeForm(BaseForm):
    """Change one's own password."""

    current_password = PasswordField(
        _l("Kata sandi saat ini"), validators=[required(), length(128)]
    )
    new_password, confirm_password = new_password_fields()


class LocaleForm(BaseForm):
    """Pick the interface language."""

    locale = SelectField(
        _l("Bahasa"),
        choices=[SelectChoice("id", "Bahasa Indonesia"), SelectChoice("en", "English")],
        validators=[chosen()],
    )
