"""Form classes: validation only, never saving."""

from flask_babel import lazy_gettext as _l
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import ValidationError


def required():
    """A required-field validator with an Indonesian message."""
    return DataRequired(message=_l("Wajib diisi."))


def chosen():
    """A required-choice validator with an Indonesian message."""
    return InputRequired(message=_l("Wajib dipilih."))


def length(max, min=0):  # noqa: A002 - mirrors WTForms' own name
    """A length validator with an Indonesian message."""
    if min:
        return Length(min=min, max=max, message=_l("Panjang %(min)d–%(max)d karakter.", min=min, max=max))
    return Length(max=max, message=_l("Maksimal %(max)d karakter.", max=max))


def printable(form, field):
    """Refuse control characters (NUL and the like) in a one-line field."""
    if field.data and any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in field.data):
        raise ValidationError(_l("Mengandung karakter yang tidak diizinkan."))
