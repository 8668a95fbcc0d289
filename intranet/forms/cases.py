"""Forms for deciding at a step of a case."""

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField
from wtforms import SelectField
from wtforms import TextAreaField
from wtforms.validators import AnyOf
from wtforms.validators import Optional

from intranet.forms import length
from intranet.forms.admin import VersionedForm
from intranet.forms.intake import optional_int


class DecisionForm(VersionedForm):
    """Complete, approve, return or publish at the current step."""

    action = HiddenField(
        validators=[
            AnyOf(
                ["complete", "approve", "return", "publish"], message=_l("Tindakan tidak dikenal.")
            )
        ]
    )
    role = HiddenField(validators=[Optional()])
    to_step = SelectField(
        _l("Kembalikan ke langkah"),
        coerce=optional_int,
        validators=[Optional()],
        validate_choice=False,
    )
    reason = TextAreaField(_l("Catatan / alasan"), validators=[Optional(), length(2000)])
