"""Login, logout and one's own account."""

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_user
from flask_login import logout_user

from intranet import throttle
from intranet.errors import render_error
from intranet.forms.auth import LoginForm
from intranet.forms.auth import PasswordChangeForm
from intranet.permissions import area_required
from intranet.security import safe_path
from intranet.services import accounts
from intranet.transactions import ServiceError

bp = Blueprint("auth", __name__, url_prefix="/intranet")


def _safe_next(target):
    """Only same-site paths inside the intranet are followed after login."""
    return safe_path(target, prefix="/intranet") or url_for("dashboard.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in; the attempt counts towards the throttle until its password proves right."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            attempt = throttle.attempt(request.remote_addr, form.username.data)
            user = accounts.log_in(form.username.data, form.password.data)
        except throttle.Throttled as e:
            page, status = render_error(429, str(e))
            return page, status, {"Retry-After": str(e.retry_after)}
        except ServiceError as e:
            flash(str(e), "error")
        else:
            throttle.succeeded(attempt)
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
    status = 200
    if form.validate_on_submit():
        try:
            # the current password is guessed like a login's: the same throttle counts it
            attempt = throttle.attempt(request.remote_addr, current_user.username)
            accounts.change_password(
                current_user, form.current_password.data, form.new_password.data
            )
        except throttle.Throttled as e:
            page, status = render_error(429, str(e))
            return page, status, {"Retry-After": str(e.retry_after)}
        except ServiceError as e:
            flash(str(e), "error")
            status = e.status
        else:
            throttle.succeeded(attempt)
            flash(_("Kata sandi diganti. Sesi Anda di perangkat lain telah diakhiri."), "success")
            return redirect(url_for("auth.account"))
    elif form.is_submitted():
        status = 400
    sessions = accounts.open_sessions(current_user)
    return render_template("auth/account.html", form=form, sessions=sessions), status
