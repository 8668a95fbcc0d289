"""What every template can use: permissions, roles, the language switch, date formats."""

from functools import lru_cache

from flask import request
from flask_babel import format_date
from flask_babel import format_datetime
from flask_babel import format_decimal
from flask_babel import get_locale
from flask_babel import get_timezone
from flask_babel import get_translations
from flask_login import current_user
from flask_wtf import FlaskForm
from jinja2 import pass_context
from markupsafe import escape

from intranet import permissions
from intranet.clock import bulan
from intranet.clock import tanggal
from intranet.clock import utcnow
from intranet.forms.auth import LocaleForm
from intranet.links import absolute_url
from intranet.models.trail import ACTION_LABELS
from intranet.permissions import can
from intranet.roles import ROLES
from intranet.signatures import signature_block


@pass_context
def form_errors(context):
    """The errors of every failed form the page renders, for the summary at its top:
    (the field's id or None for a hidden field, its label, the message)."""
    found = []
    for value in context.get_all().values():
        if not isinstance(value, FlaskForm) or not value.errors:
            continue
        for field in value:
            hidden = field.type in ("HiddenField", "CSRFTokenField")
            for message in field.errors if isinstance(field.errors, list) else ():
                found.append((None if hidden else field.id, field.label.text, message))
    return found


#: The render context's name for the request's message catalogue.
CATALOG = "_warta_catalog"


def _catalog(context):
    """The catalogue the page renders in: looked up once a render (``globals_``), not once
    for each of the few hundred messages of a page; a macro imported without the page's
    context asks Flask-Babel."""
    catalog = context.get(CATALOG)
    return catalog if catalog is not None else get_translations()


@pass_context
def _gettext(context, string):
    return _catalog(context).ugettext(string)


@pass_context
def _ngettext(context, singular, plural, n):
    return _catalog(context).ungettext(singular, plural, n)


@pass_context
def _pgettext(context, message_context, string):
    return _catalog(context).upgettext(message_context, string)


@pass_context
def _npgettext(context, message_context, singular, plural, n):
    return _catalog(context).unpgettext(message_context, singular, plural, n)


#: The render context's name for the reader's (language, time zone).
READER = "_warta_reader"


def _reader(context):
    """The reader's language and time zone: looked up once a render like the catalogue."""
    reader = context.get(READER)
    return reader if reader is not None else (get_locale(), get_timezone())


#: The render context's name for the labels it has written (``_label``).
LABELS = "_warta_labels"


@pass_context
def _label(context, value, labels):
    """``labels[value]`` as the page writes it (``value`` itself when not listed), worked out
    once a render: a label is a lazy translation, looked up in Flask-Babel each time it is
    written, and a long trail writes the same few role and action labels hundreds of times."""
    written = context.get(LABELS)
    if written is None:  # a macro imported without the page's context
        return labels.get(value, value)
    key = (id(labels), value)
    found = written.get(key)
    if found is None:
        # as the page would write it: a lazy translation as its text (it is ``__html__``),
        # a value without a label escaped
        found = written[key] = escape(labels.get(value, value))
    return found


@pass_context
def _date(context, value, fmt="long"):
    return _written(format_date, value, fmt, _reader(context)[0], None) if value else "—"


@pass_context
def _datetime(context, value, fmt="medium"):
    return _written(format_datetime, value, fmt, *_reader(context)) if value else "—"


@lru_cache(maxsize=16384)
def _written(formatter, value, fmt, locale, timezone):
    """``value`` as Flask-Babel writes it in ``fmt`` for the reader's language and time zone,
    which are part of the key with the value: a trail entry's time appears on every view of
    its case, and Babel takes tens of microseconds to write one."""
    return formatter(value, fmt)


SIZE_UNITS = ("KB", "MB", "GB", "TB")


def filesize(size):
    """A byte count for people: "0 B", "1023 B", "107,1 KB", "3,2 MB" (1 KB = 1024 B, one
    decimal in the reader's language, none when it is zero)."""
    if size is None:
        return "—"
    size = int(size)
    if size < 1024:
        return f"{size} B"
    value, unit = float(size), "B"
    for unit in SIZE_UNITS:
        value /= 1024
        if round(value, 1) < 1024 or unit == SIZE_UNITS[-1]:
            break
    return f"{format_decimal(round(value, 1), format='#,##0.#')} {unit}"


def init_app(app):
    """Register the context processor and filters."""

    @app.context_processor
    def globals_():
        return {
            "can": can,
            # the one access policy, asked about the current user
            "may_read_material": lambda m: permissions.can_read_material(current_user, m),
            "may_read_file": lambda record, f: permissions.can_read_archive_file(
                current_user, record, f
            ),
            "may_read_berkas": lambda record, v: permissions.can_read_berkas(
                current_user, record, v
            ),
            "ROLES": ROLES,
            "office_name": app.config["OFFICE_NAME"],
            "locale_form": lambda: LocaleForm(locale=str(get_locale()), formdata=None),
            "current_locale": lambda: str(get_locale()),
            "current_path": lambda: request.full_path.rstrip("?"),
            "now_utc": utcnow,
            CATALOG: get_translations(),
            READER: (get_locale(), get_timezone()),
            LABELS: {},
        }

    # Flask-Babel's callables, with the catalogue looked up once a render (``_catalog``)
    app.jinja_env.install_gettext_callables(
        gettext=_gettext,
        ngettext=_ngettext,
        pgettext=_pgettext,
        npgettext=_npgettext,
        newstyle=True,
    )

    # links written into pages and feeds come from the canonical address, never the Host
    app.jinja_env.globals["absolute_url"] = absolute_url
    app.jinja_env.globals["form_errors"] = form_errors
    app.jinja_env.filters["date"] = _date
    app.jinja_env.filters["datetime"] = _datetime
    # printed documents write dates the Indonesian way whatever the reader's language
    app.jinja_env.filters["tanggal"] = lambda d: tanggal(d) if d else "—"
    app.jinja_env.filters["bulan"] = lambda d: bulan(d) if d else "—"
    # a printed document names its kind; the signers come from the SK Tim in force
    app.jinja_env.globals["signature_block"] = signature_block
    app.jinja_env.filters["role_label"] = pass_context(lambda context, r: _label(context, r, ROLES))
    app.jinja_env.filters["action_label"] = pass_context(
        lambda context, a: _label(context, a, ACTION_LABELS)
    )
    app.jinja_env.filters["label"] = _label
    app.jinja_env.filters["filesize"] = filesize
