"""The article's attachments (PDF)."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from flask_wtf.file import FileRequired
from wtforms import StringField
from wtforms.validators import Optional

from intranet.forms import BaseForm
from intranet.forms import length
from intranet.forms import printable


class AttachmentForm(BaseForm):
    """A PDF attached to the article, with the title the public reads."""

    file = FileField(
        _l("Berkas lampiran (PDF)"), validators=[FileRequired(_l("Pilih berkas PDF."))]
    )
    title = StringField(_l("Judul lampiran"), validators=[Optional(), length(300), printable])
