"""The app as a whole: configuration, health, headers, error pages, language."""

import os
import re
import stat

import pytest
from sqlalchemy import text

from intranet import create_app
from intranet.extensions import db


def test_config_sources_in_order(tmp_path, monkeypatch):
    instance = tmp_path / "inst"
    instance.mkdir()
    (instance / "config.py").write_text(
        'OFFICE_NAME = "KPU Kabupaten Contoh"\nOFFICE_REGION_CODE = "9999"\n'
    )
    monkeypatch.setenv("WARTA_OFFICE_REGION_CODE", "3301")
    monkeypatch.setenv("WARTA_MAX_UPLOAD_BYTES", "1234")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/env.db")
    app = create_app({"INSTANCE_PATH": str(instance)})
    assert app.config["OFFICE_NAME"] == "KPU Kabupaten Contoh"  # instance/config.py
    assert app.config["OFFICE_REGION_CODE"] == "3301"  # WARTA_* beats instance/config.py
    assert app.config["MAX_UPLOAD_BYTES"] == 1234  # parsed, not a string
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/env.db"


def test_default_database_is_sqlite_in_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'warta.db'}"


def test_secret_key_is_generated_once_and_private(tmp_path, monkeypatch):
    monkeypatch.delenv("WARTA_SECRET_KEY", raising=False)
    a = create_app({"INSTANCE_PATH": str(tmp_path)})
    b = create_app({"INSTANCE_PATH": str(tmp_path)})
    key_file = tmp_path / "secret_key"
    assert a.config["SECRET_KEY"] == b.config["SECRET_KEY"] == key_file.read_text()
    assert len(a.config["SECRET_KEY"]) == 64
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert list(tmp_path.glob(".secret_key*")) == []


def test_sqlite_runs_in_wal_mode_with_busy_timeout(app):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 15000
            assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    else:
        pytest.skip("SQLite only")


def test_healthz_ok(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json == {"status": "ok", "database": "ok"}


def test_healthz_503_when_database_unreachable(tmp_path):
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/no/such/folder/x.db",
        }
    )
    r = app.test_client().get("/healthz")
    assert r.status_code == 503 and r.json["database"] == "unreachable"


def test_healthz_503_when_server_unreachable(tmp_path):
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1:1/test?connect_timeout=2",
        }
    )
    assert app.test_client().get("/healthz").status_code == 503


@pytest.mark.parametrize(
    "path", ["/", "/intranet/login", "/healthz", "/tidak-ada", "/static/css/warta.css"]
)
def test_security_headers_everywhere(client, path):
    r = client.get(path)
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert r.headers["X-Frame-Options"] == "DENY"
    r.close()


def test_intranet_pages_are_not_cached(login):
    r = login("redaktur").get("/intranet/")
    assert r.headers["Cache-Control"] == "no-store"


def test_pages_have_no_inline_script_or_external_assets(client, login):
    for c, path in [
        (client, "/"),
        (client, "/intranet/login"),
        (login("admin"), "/intranet/admin/sk"),
    ]:
        page = c.get(path).get_data(as_text=True)
        # only the app's own script files, each empty between its tags (never inline code)
        scripts = re.findall(r"<script[^>]*>.*?</script>", page, re.S)
        assert len(scripts) == page.count("<script")
        for tag in scripts:
            assert re.fullmatch(r'<script src="/static/js/[\w.-]+\.js" defer></script>', tag), tag
        assert "http://" not in page.replace("http://localhost", "") and "https://" not in page


@pytest.mark.parametrize(
    "path,code,text",
    [
        ("/tidak-ada", 404, "Halaman tidak ditemukan"),
        ("/intranet/admin/pengguna", 403, "Akses ditolak"),
    ],
)
def test_friendly_error_pages(login, path, code, text):
    r = login("penulis").get(path)
    assert r.status_code == code
    assert text in r.get_data(as_text=True)


def test_405_page(client):
    r = client.post("/healthz")
    assert r.status_code == 405 and "Metode tidak diizinkan" in r.get_data(as_text=True)


def test_500_page_is_friendly_and_rolls_back(app_factory):
    app = app_factory(PROPAGATE_EXCEPTIONS=False)

    @app.get("/meledak")
    def explode():
        raise RuntimeError("boom")

    r = app.test_client().get("/meledak")
    assert r.status_code == 500
    body = r.get_data(as_text=True)
    assert "Terjadi kesalahan pada server" in body and "boom" not in body


def test_language_switch(app, client, login):
    assert "Masuk ke intranet" in client.get("/intranet/login").get_data(as_text=True)
    r = client.post("/bahasa", data={"locale": "en", "next": "/intranet/login"})
    assert r.status_code == 302 and r.location.endswith("/intranet/login")
    page = client.get("/intranet/login").get_data(as_text=True)
    assert "Sign in to the intranet" in page and 'lang="en"' in page
    # a logged-in user's choice is kept on the account, across browsers
    c = login("redaktur")
    c.post("/bahasa", data={"locale": "en", "next": "/intranet/"})
    other = login("redaktur")
    assert "Welcome" in other.get("/intranet/").get_data(as_text=True)


@pytest.mark.parametrize(
    "locale,next_url",
    [
        ("xx", "/"),
        ("", "/"),
        ("en", "https://evil.example/"),
        ("en", "//evil.example"),
        ("<script>", "/\\evil"),
    ],
)
def test_language_switch_bad_input(client, locale, next_url):
    r = client.post("/bahasa", data={"locale": locale, "next": next_url})
    assert r.status_code == 302
    assert r.location in ("/", "http://localhost/")


def test_phone_layout_has_a_menu_toggle(client):
    page = client.get("/intranet/login").get_data(as_text=True)
    assert 'name="viewport"' in page and 'class="nav-toggle"' in page


def test_navigation_follows_roles(login):
    admin_page = login("admin").get("/intranet/").get_data(as_text=True)
    penulis_page = login("penulis").get("/intranet/").get_data(as_text=True)
    assert "Kelola SK Tim" in admin_page and "/intranet/admin/pengguna" in admin_page
    assert "Kelola SK Tim" not in penulis_page and "/intranet/admin/" not in penulis_page
    assert "Tim & SK" in penulis_page


def test_team_page_names_every_role_and_its_sk(login):
    page = login("kontributor").get("/intranet/tim/").get_data(as_text=True)
    for name in (
        "Demo Penanggung Jawab",
        "Demo Koordinator",
        "Demo Kontributor",
        "Demo Redaktur",
        "Demo Super Admin/Editor",
        "Demo Penulis",
        "Demo Arsiparis",
        "Demo Admin",
    ):
        assert name in page
    assert page.count("DEMO/HM.02-Kpt/3301/") >= 9


def test_instance_path_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("WARTA_INSTANCE_PATH", str(tmp_path / "data"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app()
    assert app.instance_path == str(tmp_path / "data")
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'data' / 'warta.db'}"
    assert (tmp_path / "data" / "secret_key").exists()


@pytest.mark.parametrize(
    "target",
    [
        "/\t/evil.example",
        "/\n/evil.example",
        "/\\evil.example",
        "http://evil.example/",
        "/%09/evil",
        "javascript:alert(1)",
    ],
)
def test_language_switch_never_leaves_the_site(client, target):
    r = client.post("/bahasa", data={"locale": "en", "next": target})
    location = r.location
    assert location in ("/", "http://localhost/") or location == target == "/%09/evil"
    assert "evil.example" not in location


@pytest.mark.parametrize(
    "path",
    [
        "/intranet/tim/sk/99999999999999999999",
        "/intranet/admin/sk/9223372036854775808",
        "/intranet/admin/pengguna/2147483648",
    ],
)
def test_huge_ids_are_404(login, path):
    assert login("admin").get(path).status_code == 404


def test_an_account_without_a_role_cannot_see_the_team(app, login):
    from intranet.models import User
    from tests.conftest import Auth

    with app.app_context():
        from intranet import security

        db.session.add(
            User(
                username="tamu",
                full_name="Tamu",
                password_hash=security.hash_password("sandi-tamu-1"),
            )
        )
        db.session.commit()
    c = app.test_client()
    Auth(c).login("tamu", "sandi-tamu-1")
    assert c.get("/intranet/tim/").status_code == 403
    assert "/intranet/tim/" not in c.get("/intranet/").get_data(as_text=True)
