"""Warta: the office intranet for the website SOP and its archive."""

import os
from pathlib import Path

from flask import Flask
from flask import has_request_context
from flask import session
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

import archive
from intranet import database  # noqa: F401  (registers the SQLite engine hooks)
from intranet import security
from intranet import signatures
from intranet import throttle
from intranet.config import load_config
from intranet.extensions import babel
from intranet.extensions import csrf
from intranet.extensions import db
from intranet.extensions import login_manager
from intranet.extensions import migrate
from intranet.services import signers
from intranet.services import trail

ROOT = Path(__file__).resolve().parent.parent


def create_app(config=None):
    """Build the application; ``config`` overrides every other source (used by tests)."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    # The data folder: the test's, else WARTA_INSTANCE_PATH, else instance/ in the project.
    instance = (config or {}).get("INSTANCE_PATH") or os.environ.get("WARTA_INSTANCE_PATH")
    if instance:
        app.instance_path = instance
    load_config(app, config)
    if app.config["PROXY_FIX_X_FOR"]:
        # Behind nginx: take the client's address (login throttle, session records) and
        # scheme from the proxy's headers, trusting exactly that many proxies.
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"], x_proto=app.config["PROXY_FIX_X_FOR"]
        )

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    throttle.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(ROOT / "translations"),
    )
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Silakan masuk terlebih dahulu.")
    login_manager.login_message_category = "info"
    login_manager.user_loader(security.load_user)
    archive.init_app(app, anchor_check=trail.anchor_problems)
    signatures.init_app(app, holder=signers.role_holder)

    from intranet.views import admin
    from intranet.views import auth
    from intranet.views import calendar
    from intranet.views import cases
    from intranet.views import dashboard
    from intranet.views import intake
    from intranet.views import public
    from intranet.views import team

    for module in (public, auth, dashboard, team, admin, calendar, intake, cases):
        app.register_blueprint(module.bp)

    from intranet import cli
    from intranet import errors
    from intranet import templating

    cli.init_app(app)
    errors.init_app(app)
    templating.init_app(app)
    app.after_request(security.set_security_headers)
    from intranet.public_cache import PublicCacheMiddleware

    app.wsgi_app = PublicCacheMiddleware(app.wsgi_app, app)
    app.wsgi_app = security.TrustedHosts(app.wsgi_app, app)
    return app


def select_locale():
    """The account's language, else this browser's choice, else Indonesian."""
    languages = ("id", "en")
    if not has_request_context():
        return "id"
    user_locale = getattr(current_user, "locale", None) if current_user else None
    for candidate in (user_locale, session.get("locale")):
        if candidate in languages:
            return candidate
    return "id"
