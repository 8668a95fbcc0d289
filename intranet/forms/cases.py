"""Forms for deciding at a step of a case."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField
from wtforms import DateField
from wtforms import DateTimeLocalField
from wtforms import HiddenField
from wtforms import IntegerField
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import AnyOf
from wtforms.validators import InputRequired
from wtforms.validators import Optional
from wtforms.validators import Regexp
from wtforms.widgets import HiddenInput

from intranet.forms import BaseForm
from intranet.forms import chosen
from intranet.forms import length
from intranet.forms import printable
from intranet.forms import required
from intranet.forms import within_years
from intranet.forms.admin import VersionedForm
from intranet.forms.intake import optional_int
from intranet.models.public import SOCIAL_PLATFORMS

PPID_LABELS = {
    "berkala": _l("Informasi berkala"),
    "serta_merta": _l("Informasi serta merta"),
    "setiap_saat": _l("Informasi tersedia setiap saat"),
}


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
    # A return is asked first, then confirmed: only the confirmed form changes the case.
    confirm = HiddenField(validators=[Optional(), AnyOf(["1"], message=_l("Tidak dikenal."))])


class ConceptForm(BaseForm):
    """The article concept (step 3): angle, outline, sources used."""

    angle = TextAreaField(_l("Sudut pandang (angle)"), validators=[required(), length(4000)])
    outline = TextAreaField(_l("Kerangka tulisan"), validators=[required(), length(10000)])
    sources = TextAreaField(_l("Sumber yang dipakai"), validators=[Optional(), length(4000)])
    base = IntegerField(
        widget=HiddenInput(), validators=[InputRequired(message=_l("Wajib diisi."))]
    )
    #: Sent by "Simpan dan kirim ke ...": save, then complete step 3.
    hand_on = BooleanField(default=False)


class ArticleForm(BaseForm):
    """The article as the penulis writes it (and the koordinator corrects it)."""

    title = StringField(_l("Judul"), validators=[required(), length(300), printable])
    slug = StringField(
        _l("Slug (alamat)"),
        validators=[
            Optional(),
            length(80),
            Regexp(r"^[a-z0-9-]*$", message=_l("Hanya huruf kecil, angka dan tanda hubung.")),
        ],
    )
    summary = TextAreaField(_l("Ringkasan"), validators=[required(), length(1000)])
    body_html = TextAreaField(_l("Isi berita"), validators=[required(), length(200_000)])
    category_id = SelectField(_l("Kategori"), coerce=int, validators=[chosen()])
    tags = StringField(
        _l("Tag (pisahkan dengan koma)"), validators=[Optional(), length(500), printable]
    )
    ppid = SelectField(
        _l("Kategori informasi PPID"),
        choices=[SelectChoice(k, v) for k, v in PPID_LABELS.items()],
        validators=[chosen()],
    )
    credits = StringField(
        _l("Penulis (sebagaimana dicantumkan)"), validators=[required(), length(500), printable]
    )
    note = StringField(_l("Catatan revisi"), validators=[Optional(), length(500), printable])
    base = IntegerField(
        widget=HiddenInput(), validators=[InputRequired(message=_l("Wajib diisi."))]
    )
    #: Sent by "Simpan tanpa unsur itu", after the writer was told what the cleaning drops.
    accept_drops = BooleanField(default=False)
    #: Sent by "Simpan dan serahkan": save, then complete the step.
    hand_on = BooleanField(default=False)


class PhotoForm(BaseForm):
    """New journalistic photos: one or many files; the texts may follow in the grid."""

    photo = MultipleFileField(_l("Foto (JPEG, PNG atau WebP; boleh beberapa sekaligus)"))
    caption = StringField(_l("Keterangan foto"), validators=[Optional(), length(500), printable])
    credit = StringField(_l("Kredit (fotografer)"), validators=[Optional(), length(200), printable])
    alt = StringField(
        _l("Teks alternatif (untuk pembaca layar)"), validators=[Optional(), length(300), printable]
    )
    taken_on = DateField(
        _l("Tanggal pengambilan"), validators=[Optional(), within_years()], format="%Y-%m-%d"
    )


class PhotoEditForm(VersionedForm):
    """Change a photo's texts."""

    caption = StringField(_l("Keterangan foto"), validators=[required(), length(500), printable])
    credit = StringField(_l("Kredit (fotografer)"), validators=[required(), length(200), printable])
    alt = StringField(_l("Teks alternatif"), validators=[required(), length(300), printable])
    taken_on = DateField(
        _l("Tanggal pengambilan"), validators=[Optional(), within_years()], format="%Y-%m-%d"
    )


class PhotoRowForm(PhotoEditForm):
    """One row of the photo grid (its fields prefixed ``p<id>-``; the grid form has the CSRF)."""

    class Meta:
        csrf = False


class PhotoGridForm(BaseForm):
    """The photo grid: saves every row's texts; ``hand_on`` then completes the step."""

    hand_on = BooleanField(default=False)


class PhotoActionForm(BaseForm):
    """Move, make cover, rotate or remove a photo."""

    what = HiddenField(
        validators=[
            AnyOf(
                ["up", "down", "cover", "remove", "rotate_left", "rotate_right", "move"],
                message=_l("Tindakan tidak dikenal."),
            )
        ]
    )
    #: For ``move``: the place (1 is first).
    position = IntegerField(widget=HiddenInput(), validators=[Optional()])
    #: For ``remove``: sent by the confirmation step (or the dialog).
    confirm = HiddenField(validators=[Optional(), AnyOf(["1"], message=_l("Tidak dikenal."))])


class PreviewForm(BaseForm):
    """Lay out the preview (step 7)."""

    layout = SelectField(
        _l("Tata letak"),
        choices=[
            SelectChoice("standar", _l("Standar: foto sampul, isi, galeri")),
            SelectChoice("galeri", _l("Galeri di atas isi")),
        ],
        validators=[chosen()],
    )
    #: Sent by "Kirim preview ke ...": prepare the preview if needed, then complete step 7.
    hand_on = BooleanField(default=False)


class CommentForm(BaseForm):
    """A comment on the case, or on one of its steps, for the team."""

    text = TextAreaField(_l("Komentar"), validators=[required(), length(4000)])
    step = SelectField(
        _l("Tentang langkah"), coerce=optional_int, validators=[Optional()], validate_choice=False
    )


class PublishForm(VersionedForm):
    """Publish now, or at a chosen time (office time)."""

    scheduled = DateTimeLocalField(
        _l("Jadwal terbit (kosongkan untuk sekarang)"),
        validators=[Optional(), within_years()],
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
    )


class WithdrawForm(BaseForm):
    """Take a published article off the public site."""

    reason = TextAreaField(_l("Alasan penarikan"), validators=[required(), length(1000)])


class SocialPostForm(BaseForm):
    """The address of an official social media post of the article."""

    platform = SelectField(
        _l("Platform"),
        choices=[SelectChoice(k, v) for k, v in SOCIAL_PLATFORMS.items()],
        validators=[chosen()],
    )
    url = StringField(
        _l("Alamat unggahan"),
        validators=[
            required(),
            length(500),
            printable,
            Regexp(
                r"^https://[^\s/]+\.[^\s/]+(/\S*)?$",
                message=_l("Harus alamat https:// yang lengkap."),
            ),
        ],
    )
