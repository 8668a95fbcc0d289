"""Forms for deciding at a step of a case."""

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField
from wtforms import IntegerField
from wtforms import SelectField
from wtforms import TextAreaField
from wtforms.validators import AnyOf
from wtforms.validators import InputRequired
from wtforms.validators import Optional
from wtforms.widgets import HiddenInput

from intranet.forms import BaseForm
from intranet.forms import length
from intranet.forms import required
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


class ConceptForm(BaseForm):
    """The article concept (step 3): angle, outline, sources used."""

    angle = TextAreaField(_l("Sudut pandang (angle)"), validators=[required(), length(4000)])
    outline = TextAreaField(_l("Kerangka tulisan"), validators=[required(), length(10000)])
    sources = TextAreaField(_l("Sumber yang dipakai"), validators=[Optional(), length(4000)])
    base = IntegerField(
        widget=HiddenInput(), validators=[InputRequired(message=_l("Wajib diisi."))]
    )
