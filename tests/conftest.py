"""Fixtures: an app on a fresh database, its client and CLI runner, and a login helper.

``TEST_DATABASE_URL`` runs the suite on PostgreSQL or MariaDB instead of SQLite: the schema
is made once per run by the migrations, and every test starts from empty tables.
"""

import io
import os
import shutil

import pytest
from flask_migrate import upgrade
from sqlalchemy import MetaData
from sqlalchemy import create_engine
from sqlalchemy import text
from sqlalchemy.engine import make_url
from werkzeug.datastructures import FileStorage

from intranet import create_app
from intranet.cli import load_demo
from intranet.config import normalize_database_url
from intranet.extensions import db
from intranet.sop import ROLE_NAMES
from tests.fixtures.files import pdf_bytes


def _worker_database(url):
    """The server database of this pytest-xdist worker: ``<name>_<worker>``, made if missing.

    Every worker empties its tables between tests, so two workers never share a database.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    base = make_url(normalize_database_url(url))
    name = f"{base.database}_{worker}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    quote = '"' if engine.dialect.name == "postgresql" else "`"
    suffix = " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci" if quote == "`" else ""
    with engine.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {quote}{name}{quote}"))
        conn.execute(text(f"CREATE DATABASE {quote}{name}{quote}{suffix}"))
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


TEST_DATABASE_URL = _worker_database(os.environ.get("TEST_DATABASE_URL"))
PASSWORD = "warta-demo"
ROLES = list(ROLE_NAMES)

# Cheap argon2id parameters keep the suite fast; tests of the real parameters override them.
FAST_HASH = {"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 8, "ARGON2_PARALLELISM": 1}


def base_config(tmp_path, url):
    """The configuration every test app starts from."""
    instance = tmp_path / "instance"
    instance.mkdir(exist_ok=True)
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "INSTANCE_PATH": str(instance),
        "SQLALCHEMY_DATABASE_URI": url,
        "FILES_DIR": str(tmp_path / "files"),
        "ARCHIVE_DIR": str(tmp_path / "archive"),
        # strays are judged at once; test_archive covers the grace period itself
        "ARCHIVE_STRAY_GRACE_SECONDS": 0,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        **FAST_HASH,
    }


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory):
    """A database brought to the latest migration once per run; yields its URL."""
    if TEST_DATABASE_URL:
        tmp = tmp_path_factory.mktemp("schema")
        app = create_app(base_config(tmp, TEST_DATABASE_URL))
        with app.app_context():
            _drop_everything()
            upgrade()
            SEED.update(_rows_by_table())
            db.session.remove()
            db.engine.dispose()
        yield TEST_DATABASE_URL
        with app.app_context():
            _drop_everything()
            db.engine.dispose()
    else:
        tmp = tmp_path_factory.mktemp("template")
        path = tmp / "template.db"
        app = create_app(base_config(tmp, f"sqlite:///{path}"))
        with app.app_context():
            upgrade()
            db.engine.dispose()
        yield path


def _drop_everything():
    """Drop every table in the database, Alembic's version table included."""
    meta = MetaData()
    meta.reflect(bind=db.engine)
    meta.drop_all(bind=db.engine)


def make_app(tmp_path, migrated_db, **overrides):
    """An app on an empty, migrated database."""
    if TEST_DATABASE_URL:
        url = TEST_DATABASE_URL
    else:
        target = tmp_path / "warta.db"
        shutil.copy(migrated_db, target)
        url = f"sqlite:///{target}"
    return create_app({**base_config(tmp_path, url), **overrides})


#: Rows the migrations themselves insert (e.g. the categories), restored after each test.
SEED = {}


def _rows_by_table():
    return {
        t.name: [dict(r._mapping) for r in db.session.execute(t.select())]
        for t in db.metadata.sorted_tables
        if db.session.execute(db.select(db.func.count()).select_from(t)).scalar_one()
    }


def _empty_tables():
    """Empty every table on a server database, then put the migrations' seed rows back."""
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    for table in db.metadata.sorted_tables:
        if SEED.get(table.name):
            db.session.execute(table.insert(), SEED[table.name])
    db.session.commit()


@pytest.fixture
def app_factory(tmp_path, migrated_db):
    """Build apps with extra configuration; each is cleaned up after the test."""
    apps = []

    def factory(**overrides):
        from intranet import public_cache

        public_cache.clear()
        app = make_app(tmp_path, migrated_db, **overrides)
        apps.append(app)
        return app

    yield factory
    for app in apps:
        with app.app_context():
            db.session.remove()
            if TEST_DATABASE_URL:
                _empty_tables()
            db.engine.dispose()


@pytest.fixture
def app(app_factory):
    """The app with the demo team loaded: one user per role under a valid SK Tim."""
    app = app_factory()
    with app.app_context():
        load_demo(PASSWORD)
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class Auth:
    """Log a test client in and out as a demo user."""

    def __init__(self, client):
        self.client = client

    def login(self, username, password=PASSWORD):
        return self.client.post(
            "/intranet/login", data={"username": username, "password": password}
        )

    def logout(self):
        return self.client.post("/intranet/logout")


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def login(app):
    """``login(role)`` returns a new client logged in as that demo user."""

    def do(username):
        c = app.test_client()
        r = Auth(c).login(username)
        assert r.status_code == 302, r.get_data(as_text=True)
        return c

    return do


def upload(data, name):
    """A FileStorage as a form would send it."""
    return FileStorage(
        stream=io.BytesIO(data), filename=name, content_type="application/octet-stream"
    )


@pytest.fixture
def scanned_decree(app):
    """A second SK Tim with a real PDF scan, recorded through the service; yields its id."""
    return record_scanned_decree(app)


def record_scanned_decree(app):
    """Record an SK Tim with a real PDF scan through the service; return its id."""
    from datetime import date

    from intranet.models import User
    from intranet.services import team

    with app.test_request_context():
        admin = db.session.execute(db.select(User).where(User.username == "admin")).scalar_one()
        d = team.record_decree(
            {
                "number": "99/HM.02-Kpt/3301/2026",
                "decree_date": date(2026, 1, 5),
                "title": "Tim Pengelola Website",
                "valid_from": date(2026, 1, 1),
                "valid_until": date(2099, 12, 31),
                "signed_by": "Ketua KPU Kabupaten Cilacap",
            },
            upload(pdf_bytes(), "sk-tim.pdf"),
            admin,
        )
        return d.id


def build_scenario(app):
    """Steps 1–2 done through the services: a direction, an agenda entry, a case, a delegation.

    Returns the ids the route tests need.
    """
    from datetime import timedelta

    from intranet.clock import today
    from intranet.models import User
    from intranet.services import delegations
    from intranet.services import intake

    with app.test_request_context(method="POST"):
        users = {u.username: u for u in db.session.execute(db.select(User)).scalars()}
        a = intake.give_assignment(
            {
                "instruction": "Liput rapat pleno rekapitulasi DPT.",
                "due_date": today() + timedelta(days=7),
            },
            users["penanggungjawab"],
            [users["kontributor"]],
        )
        m = intake.register_material(
            material_data(assignment_id=a.id),
            [upload(pdf_bytes(), "undangan.pdf")],
            users["kontributor"],
        )
        case = intake.hand_over(
            {
                "assignment_id": a.id,
                "material_ids": [m.id],
                "title": "Rapat pleno DPT",
                "category_id": 1,
                "redaktur_id": users["redaktur"].id,
                "note": "Mohon diangkat jadi berita.",
            },
            users["kontributor"],
        )
        # a photo, added the way the penulis adds one at step 5 (set-up moves the case there)
        from intranet.services import cases as case_service
        from tests.fixtures.files import image_bytes

        case.step = 5
        photo = case_service.add_photo(
            case,
            users["penulis"],
            upload(image_bytes("JPEG"), "foto.jpg"),
            {
                "caption": "Siswa menyimak",
                "credit": "Humas",
                "alt": "Siswa di aula",
                "taken_on": None,
            },
        )
        case.step = 3
        db.session.commit()
        d = delegations.delegate(
            {
                "role": "koordinator",
                "valid_from": today() + timedelta(days=1),
                "valid_until": today() + timedelta(days=3),
                "reason": "Dinas luar",
            },
            users["penanggungjawab"],
            users["koordinator"],
            users["redaktur"],
        )
        return {
            "assignment_id": a.id,
            "material_id": m.id,
            "file_id": m.files[0].id,
            "case_id": case.id,
            "delegation_id": d.id,
            "photo_id": photo.id,
            "size": "kecil",
        }


def material_data(**overrides):
    """Valid agenda-book fields, as the service receives them from the form."""
    from intranet.clock import today

    data = {
        "received_on": today(),
        "channel": "surat",
        "letter_number": "123/PL.01-Und/3301/2026",
        "letter_date": today(),
        "sender_institution": "Bawaslu Kabupaten Cilacap",
        "sender_contact": "Sdr. Budi",
        "sender_email": "humas@bawaslu-cilacap.example",
        "perihal": "Undangan rapat koordinasi pengawasan pemutakhiran data pemilih",
        "sifat": "segera",
        "security_class": "biasa",
        "category_id": 1,
        "notes": None,
        "disposition_to_id": None,
        "disposition_note": None,
        "srikandi_number": None,
        "assignment_id": None,
    }
    data.update(overrides)
    return data


@pytest.fixture
def scenario(app):
    """Ids of a direction, an agenda entry, the case opened from it, and a delegation."""
    return build_scenario(app)


ARTICLE_DATA = {
    "title": "Rapat pleno DPT",
    "slug": "",
    "summary": "Ringkasan rapat pleno.",
    "body_html": "<p>Rapat pleno rekapitulasi DPT berlangsung tertib.</p>",
    "category_id": 1,
    "tags": "dpt",
    "ppid": "serta_merta",
    "credits": "Humas",
    "note": "",
}


def build_preview(app, case_id, recipient="penanggungjawab"):
    """Set-up: write the article (step 5) and lay out its preview (step 7); a signed link.

    The case is moved to each step directly and ends at step 7.
    """
    from intranet.models import Case
    from intranet.models import User
    from intranet.services import cases as case_service
    from intranet.services import previews

    with app.test_request_context(method="POST"):
        users = {u.username: u for u in db.session.execute(db.select(User)).scalars()}
        case = db.session.get(Case, case_id)
        case.step = 5
        base = case_service.articles.latest_revision(case)
        data = {**ARTICLE_DATA, "slug": f"rapat-pleno-dpt-{case_id}"}
        case_service.save_article(case, users["penulis"], data, base.number if base else 0)
        case.step = 7
        preview = case_service.lay_out_preview(case, users["editor"], "standar")
        return previews.make_token(preview, users[recipient])


def build_published(app, case_id, when=None):
    """Set-up: write, lay out and publish the case (moved to step 10 directly); its slug."""
    from intranet.models import Case
    from intranet.models import User
    from intranet.services import publishing

    build_preview(app, case_id)
    with app.test_request_context(method="POST"):
        case = db.session.get(Case, case_id)
        case.step = 10
        db.session.commit()
        redaktur = db.session.execute(
            db.select(User).where(User.username == "redaktur")
        ).scalar_one()
        publishing.publish(case, redaktur, when)
        return case.slug
