"""Penyusutan's forms: a new list, adding and removing records, the decision on a
destruction, carrying a list out, legal holds. Validation only."""

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import Optional

from archive.forms import LocationFields
from archive.retention_models import DISPOSAL_LABELS
from intranet.forms import BaseForm
from intranet.forms import chosen
from intranet.forms import length
from intranet.forms import printable
from intranet.forms import required
from intranet.forms.admin import VersionedForm


class NewListForm(BaseForm):
    """A new list from the records ticked on a due list (``ids``, read by the view)."""

    kind = SelectField(
        _l("Jenis daftar"),
        choices=[SelectChoice(k, v) for k, v in DISPOSAL_LABELS["kind"].items()],
        validators=[chosen()],
    )
    note = TextAreaField(_l("Catatan"), validators=[Optional(), length(2000)])


class AddRecordForm(VersionedForm):
    """One more record, by its nomor arsip."""

    nomor = StringField(_l("Nomor arsip"), validators=[required(), length(80), printable])
    note = StringField(_l("Keterangan"), validators=[Optional(), length(500), printable])


class RemoveRecordForm(VersionedForm):
    """Take a record off the list."""

    record_id = IntegerField(validators=[required()])


class SubmitForm(VersionedForm):
    """Submit a destruction list to the Penanggung Jawab."""


class DecisionForm(VersionedForm):
    """The Penanggung Jawab's decision on a destruction list."""

    decision = SelectField(
        _l("Keputusan"),
        choices=[SelectChoice("setuju", _l("Setujui")), SelectChoice("tolak", _l("Tolak"))],
        validators=[chosen()],
    )
    reason = TextAreaField(
        _l("Catatan atau alasan penolakan"), validators=[Optional(), length(2000)]
    )


class ExecuteForm(LocationFields, VersionedForm):
    """Carry a list out (a transfer names the inactive storage)."""


class HoldForm(BaseForm):
    """Place a legal hold."""

    reason = StringField(_l("Alasan penahanan"), validators=[required(), length(500), printable])


class LiftForm(BaseForm):
    """Lift a legal hold."""

    reason = StringField(_l("Alasan pencabutan"), validators=[required(), length(500), printable])
