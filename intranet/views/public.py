"""The public face: the home page, the language switch and the health check."""

from flask import Blueprint
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_login import current_user

from intranet.forms.auth import LocaleForm
from intranet.security import safe_path
from intranet.services import accounts
from intranet.services import health

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
