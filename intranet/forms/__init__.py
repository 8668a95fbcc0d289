"""Form classes: validation only, never saving."""

import unicodedata

from flask import flash
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import ValidationError

from intranet.clock import YEARS
from intranet.clock import in_years


def required():
    """A required-field validator with an Indonesian message."""
    return DataRequired(message=_l("Wajib diisi."))


def date_required():
    """A required date: empty gets 'Wajib diisi.', unparseable keeps the date error."""
    return InputRequired(message=_l("Wajib diisi."))


def within_years(years=YEARS):
    """A date (or date and time) in ``years`` (``intranet.clock``): a year such as 0001 or
    9999 is a typing slip the office never means, and would overflow the calendar."""

    def check(form, field):
        if field.data is not None and not in_years(field.data, years):
            raise ValidationError(
                _l("Tanggal di luar rentang %(first)d–%(last)d.", first=years[0], last=years[1])
            )

    return check


def chosen():
    """A required-choice validator with an Indonesian message."""
    return InputRequired(message=_l("Wajib dipilih."))


def length(max, min=0):  # noqa: A002 - mirrors WTForms' own name
    """A length validator with an Indonesian message."""
    if min:
        return Length(
            min=min, max=max, message=_l("Panjang %(min)d–%(max)d karakter.", min=min, max=max)
        )
    return Length(max=max, message=_l("Maksimal %(max)d karakter.", max=max))


def printable(form, field):
    """Refuse control characters and line or paragraph separators in a one-line field.

    Such a field may end up in an email header, where a line break would be an injection.
    """
    if field.data and any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in field.data):
        raise ValidationError(_l("Mengandung karakter yang tidak diizinkan."))


#: WTForms' built-in messages in Indonesian (WTForms ships no Indonesian catalog).
WTFORMS_ID = {
    "Not a valid choice.": "Pilihan tidak valid.",
    "Not a valid integer value.": "Harus berupa bilangan bulat.",
    "Not a valid date value.": "Tanggal tidak valid (format TTTT-BB-HH).",
    "Not a valid datetime value.": "Tanggal dan waktu tidak valid.",
    "Not a valid decimal value.": "Harus berupa angka.",
    "Not a valid float value.": "Harus berupa angka.",
    "This field is required.": "Wajib diisi.",
    "Invalid input.": "Isian tidak valid.",
    "Invalid email address.": "Alamat surel tidak valid.",
    "Invalid Choice: could not coerce.": "Pilihan tidak valid.",
    "Choices cannot be None.": "Pilihan tidak valid.",
    "Invalid choice(s): one or more data inputs could not be coerced.": "Pilihan tidak valid.",
    "'%(value)s' is not a valid choice for this field.": "Pilihan tidak valid: %(value)s.",
    "'%(value)s' are not valid choices for this field.": "Pilihan tidak valid: %(value)s.",
}


class _Translations:
    """gettext for WTForms' own messages: Indonesian from WTFORMS_ID, else English."""

    def gettext(self, string):
        return WTFORMS_ID.get(string, string) if str(get_locale()) == "id" else string

    def ngettext(self, singular, plural, n):
        return self.gettext(singular if n == 1 else plural)


def strip_nul(value):
    """Drop NUL characters: no database column can hold them (PostgreSQL refuses them)."""
    return value.replace("\x00", "") if isinstance(value, str) else value


class BaseForm(FlaskForm):
    """Every Warta form: CSRF from Flask-WTF, WTForms' messages in the user's language.

    Text fields that refuse control characters (``printable``) see them as submitted; every
    other field gets NUL characters removed before validation.
    """

    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            return _Translations()

        def bind_field(self, form, unbound_field, options):
            validators = unbound_field.kwargs.get("validators") or ()
            if printable not in validators:
                options = {**options, "filters": [*options.get("filters", ()), strip_nul]}
            return unbound_field.bind(form=form, **options)


def flash_errors(form):
    """Flash every validation error of ``form``, each with its field's label."""
    for name, errors in form.errors.items():
        field = getattr(form, name, None)
        label = field.label.text if field is not None and field.label.text else ""
        for error in errors:
            flash(f"{label}: {error}" if label else str(error), "error")
