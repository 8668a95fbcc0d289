"""Friendly error pages in the user's language."""

import contextlib

from flask import g
from flask import has_request_context
from flask import render_template
from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import SQLAlchemyError

from intranet.extensions import db
from intranet.extensions import login_manager
from intranet.transactions import is_transient

MESSAGES = {
    400: (_l("Permintaan tidak valid"), _l("Isian yang dikirim tidak dapat diproses.")),
    403: (_l("Akses ditolak"), _l("Peran Anda tidak mengizinkan membuka halaman ini.")),
    404: (
        _l("Halaman tidak ditemukan"),
        _l("Alamat yang Anda tuju tidak ada atau sudah dipindahkan."),
    ),
    405: (_l("Metode tidak diizinkan"), _l("Halaman ini tidak menerima permintaan seperti itu.")),
    409: (
        _l("Terjadi benturan data"),
        _l("Data sudah diubah orang lain. Muat ulang lalu coba lagi."),
    ),
    410: (_l("Tidak berlaku lagi"), _l("Tautan atau halaman ini sudah tidak berlaku.")),
    413: (_l("Berkas terlalu besar"), _l("Ukuran kiriman melebihi batas yang diizinkan.")),
    429: (_l("Terlalu banyak percobaan"), _l("Tunggu beberapa menit sebelum mencoba lagi.")),
    503: (
        _l("Layanan sementara tidak tersedia"),
        _l(
            "Basis data sedang tidak dapat dihubungi. Tidak ada yang tersimpan; coba lagi sebentar."
        ),
    ),
    500: (
        _l("Terjadi kesalahan pada server"),
        _l("Kesalahan sudah dicatat. Silakan coba lagi nanti."),
    ),
}


#: Paths that belong to the intranet and the archive; an error anywhere else is shown in
#: the public site's look.
INTERNAL_PATHS = ("/intranet", "/arsip")


def is_public_path(path):
    """Whether ``path`` is the public site's (news, categories, feeds, search, anything
    unknown) rather than the intranet's or the archive's."""
    return not any(path == p or path.startswith(p + "/") for p in INTERNAL_PATHS)


def render_error(code, detail=None):
    """An error page for ``code`` with an optional extra sentence; a missing or withdrawn
    page under a public address wears the public site's look."""
    title, text = MESSAGES[code]
    template = "errors/error.html"
    if code in (404, 410) and has_request_context() and is_public_path(request.path):
        template = "public/error.html"
    return render_template(template, code=code, title=title, text=text, detail=detail), code


def init_app(app):
    """Register the handlers."""
    for code in MESSAGES:
        if code in (500, 503):
            continue
        app.register_error_handler(code, lambda e, code=code: render_error(code))

    app.register_error_handler(503, lambda e: render_error(503))

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        return render_error(
            400,
            _l("Formulir sudah kedaluwarsa atau tidak sah. Muat ulang halaman lalu kirim lagi."),
        )

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_unreachable(e):
        """The database went away (restarted, network cut): a clear 503, and the pool's
        connections are replaced on the next request, so the app recovers by itself."""
        with contextlib.suppress(SQLAlchemyError):  # the connection may be dead already
            db.session.rollback()
        if isinstance(e, OperationalError) and is_transient(e):
            return render_error(409)
        app.logger.warning("database unreachable: %s", e)
        g._login_user = login_manager.anonymous_user()  # the page must not ask the database
        return render_error(503)

    @app.errorhandler(500)
    def server_error(e):
        db.session.rollback()
        return render_error(500)
