"""The public face: the home page, the language switch and the health check."""

from flask import Blueprint
from flask import abort
from flask import make_response
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user

from intranet.errors import render_error
from intranet.forms.auth import LocaleForm
from intranet.security import safe_path
from intranet.services import accounts
from intranet.services import articles
from intranet.services import health
from intranet.services import previews
from intranet.services.photos import photo_response

bp = Blueprint("public", __name__)


@bp.get("/")
def home():
    """The public home page of the office's news site."""
    return render_template("public/home.html")


@bp.post("/bahasa")
def set_language():
    """Switch the interface language, for this browser and (if logged in) for the account."""
    form = LocaleForm()
    if form.validate_on_submit():
        session["locale"] = form.locale.data
        if current_user.is_authenticated:
            accounts.set_locale(current_user, form.locale.data)
    return redirect(safe_path(request.form.get("next")) or url_for("public.home"))


@bp.get("/healthz")
def healthz():
    """200 when the database answers, 503 when it does not."""
    if not health.database_ok():
        return {"status": "error", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}, 200


@bp.get("/pratinjau/<token>")
def preview(token):
    """An unpublished preview, opened from the signed link sent to one reviewer (no login)."""
    try:
        p, user = previews.read_token(token)
    except previews.PreviewLinkError as e:
        return render_error(e.status, str(e))
    previews.record_opening(p, user)
    a = articles.article_view(
        p.revision,
        previews.preview_photos(p),
        lambda pid, size: url_for("public.preview_photo", token=token, photo_id=pid, size=size),
        p.layout,
    )
    note = _(
        "Dibuka oleh %(name)s; tautan berlaku sampai %(until)s.",
        name=user.full_name,
        until=format_datetime(p.expires_at, "medium"),
    )
    response = make_response(
        render_template("public/article.html", a=a, preview=p, preview_note=note)
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.get("/pratinjau/<token>/foto/<int:photo_id>/<any(kecil, penuh):size>")
def preview_photo(token, photo_id, size):
    """A photo of a preview, for the holder of its link."""
    try:
        p, _user = previews.read_token(token)
    except previews.PreviewLinkError as e:
        return render_error(e.status, str(e))
    photo = next((x for x in previews.preview_photos(p) if x.id == photo_id), None)
    if photo is None:
        abort(404)
    return photo_response(photo, size, private=True)
