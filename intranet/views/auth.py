"""Login, logout and one's own account."""

from flask import Blueprint
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_user
from flask_login import logout_user

from intranet.extensions import limiter
from intranet.forms.auth import LoginForm
from intranet.forms.auth import PasswordChangeForm
from intranet.permissions import area_required
from intranet.services import ServiceError
from intranet.services import accounts

bp = Blueprint("auth", __name__, url_prefix="/intranet")


def _login_limit():
    return current_app.config["LOGIN_RATE_LIMIT"]


def _login_limit_per_address():
    return current_app.config["LOGIN_RATE_LIMIT_PER_ADDRESS"]


def _address_and_username():
    """Throttle key: wrong attempts at one account from one address."""
    username = (request.form.get("username") or "").strip().lower()[:64]
    return f"{request.remote_addr}|{username}"


def _failed(response):
    return response.status_code != 302


def _safe_next(target):
    """Only same-site paths inside the intranet are followed after login."""
    if target and target.startswith("/intranet") and "\\" not in target and "//" not in target:
        return target
    return url_for("dashboard.index")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_address_and_username, deduct_when=_failed)
@limiter.limit(_login_limit_per_address, methods=["POST"], deduct_when=_failed)
def login():
    """Log in; every wrong attempt counts towards the throttle."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = accounts.log_in(form.username.data, form.password.data)
        except ServiceError as e:
            flash(str(e), "error")
        else:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        return render_template("auth/login.html", form=form), 401
    status = 400 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@area_required("account")
def logout():
    """Log out and end this session on the server."""
    accounts.log_out(current_user)
    logout_user()
    flash(_("Anda telah keluar."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/akun", methods=["GET", "POST"])
@area_required("account")
def account():
    """One's own account: roles, open sessions, password change."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(
                current_user, form.current_password.data, form.new_password.data
            )
        except ServiceError as e:
            flash(str(e), "error")
        else:
            flash(_("Kata sandi diganti. Sesi Anda di perangkat lain telah diakhiri."), "success")
            return redirect(url_for("auth.account"))
    sessions = accounts.open_sessions(current_user)
    return render_template("auth/account.html", form=form, sessions=sessions)
