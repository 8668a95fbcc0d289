"""Fixtures: an app on a fresh database, its client and CLI runner, and a login helper.

``TEST_DATABASE_URL`` runs the suite on PostgreSQL or MariaDB instead of SQLite: the schema
is made once per run by the migrations, and every test starts from empty tables.
"""

import os
import shutil

import pytest
from flask_migrate import upgrade
from sqlalchemy import MetaData
from sqlalchemy import create_engine
from sqlalchemy import exists
from sqlalchemy import literal
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy import union_all
from sqlalchemy.engine import make_url

from intranet import create_app
from intranet.cli import load_demo
from intranet.clock import today
from intranet.config import normalize_database_url
from intranet.extensions import db
from intranet.sop import ROLE_NAMES
from tests.fixtures import compiled
from tests.fixtures.scenarios import build_scenario
from tests.fixtures.scenarios import record_scanned_decree


def _worker_url(url):
    """The server database of this pytest-xdist worker: ``<name>_<worker>``.

    Every worker empties its tables between tests, so two workers never share a database.
    Only the name is worked out here (a subprocess that imports this module must not touch
    the database); ``migrated_db`` makes it.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    base = make_url(normalize_database_url(url))
    return base.set(database=f"{base.database}_{worker}").render_as_string(hide_password=False)


def _create_database(url):
    """Make the worker's database afresh, through a connection to the base database."""
    target = make_url(url)
    base = make_url(normalize_database_url(os.environ["TEST_DATABASE_URL"]))
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    quote = '"' if engine.dialect.name == "postgresql" else "`"
    suffix = " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci" if quote == "`" else ""
    with engine.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {quote}{target.database}{quote}"))
        conn.execute(text(f"CREATE DATABASE {quote}{target.database}{quote}{suffix}"))
    engine.dispose()


compiled.install()

TEST_DATABASE_URL = _worker_url(os.environ.get("TEST_DATABASE_URL"))
#: A migrated SQLite database kept between runs (``.ci/mutation.py`` sets it: each mutant's
#: run would otherwise apply every migration again). Made by the first run that finds it
#: missing; it must be removed whenever the migrations change.
KEPT_SCHEMA = os.environ.get("WARTA_TEST_SCHEMA")
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
        # the work that requests did themselves before the worker took it on runs right after
        # the commit that queued it; the worker's own tests (tests/app/test_worker*.py) run
        # each kind through the queue and a real worker
        "QUEUE_EAGER": ("archive.export", "archive.index_drain", "mail.send"),
        # the nightly work is queued only where a test moves the clock to its time
        "QUEUE_NIGHTLY": False,
        # many tests move the database under the site (a scheduled time moved into the past)
        # without the change signal: the page cache reads the site key on every request; the
        # signal and the recheck bound have their own tests (tests/app/test_public_cache_signal.py)
        "PUBLIC_CACHE_RECHECK": 0,
        "WTF_CSRF_ENABLED": False,
        **FAST_HASH,
    }


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory):
    """A database brought to the latest migration once per run; yields its URL."""
    if TEST_DATABASE_URL:
        if TEST_DATABASE_URL != os.environ["TEST_DATABASE_URL"]:
            _create_database(TEST_DATABASE_URL)
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
    elif KEPT_SCHEMA and os.path.exists(KEPT_SCHEMA):
        yield KEPT_SCHEMA
    else:
        tmp = tmp_path_factory.mktemp("template")
        path = tmp / "template.db"
        app = create_app(base_config(tmp, f"sqlite:///{path}"))
        with app.app_context():
            upgrade()
            db.engine.dispose()
        if KEPT_SCHEMA:
            part = f"{KEPT_SCHEMA}.{os.getpid()}"
            shutil.copy(path, part)
            os.replace(part, KEPT_SCHEMA)
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
    return compiled.templates_of(create_app({**base_config(tmp_path, url), **overrides}))


#: Rows the migrations themselves insert (e.g. the categories), restored after each test.
SEED = {}


def _rows_by_table():
    return {
        t.name: [dict(r._mapping) for r in db.session.execute(t.select())]
        for t in db.metadata.sorted_tables
        if db.session.execute(db.select(db.func.count()).select_from(t)).scalar_one()
    }


def _empty_tables():
    """Empty every table on a server database that holds rows (one query finds them), then
    put the migrations' seed rows back."""
    tables = db.metadata.sorted_tables
    probe = union_all(
        *(
            select(literal(i).label("n")).where(exists(select(literal(1)).select_from(t)))
            for i, t in enumerate(tables)
        )
    )
    holding = set(db.session.execute(probe).scalars())
    for i in reversed(range(len(tables))):
        if i in holding:
            db.session.execute(tables[i].delete())
    for table in tables:
        if SEED.get(table.name):
            db.session.execute(table.insert(), SEED[table.name])
    db.session.commit()


#: The rows ``load_demo`` writes, as it first wrote them in this process for a database kind
#: and an office date: the next test's demo team is put back in one statement per table
#: instead of the 30 statements of loading it.
DEMO_TABLES = ("team_decrees", "users", "memberships")
_DEMO_ROWS = {}


def load_demo_team():
    """``load_demo(PASSWORD)`` on the app in context, from this process's copy when it has one."""
    key = (db.engine.dialect.name, today())
    tables = {t.name: t for t in db.metadata.sorted_tables if t.name in DEMO_TABLES}
    rows = _DEMO_ROWS.get(key)
    if rows is None or db.session.execute(db.select(tables["users"].c.id).limit(1)).first():
        load_demo(PASSWORD)
        if rows is None:
            _DEMO_ROWS[key] = {
                name: [dict(r._mapping) for r in db.session.execute(t.select())]
                for name, t in tables.items()
            }
        return
    for name in DEMO_TABLES:
        db.session.execute(tables[name].insert(), rows[name])
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
        load_demo_team()
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


@pytest.fixture
def scanned_decree(app):
    """A second SK Tim with a real PDF scan, recorded through the service; yields its id."""
    return record_scanned_decree(app)


@pytest.fixture
def scenario(app):
    """Ids of a direction, an agenda entry, the case opened from it, and a delegation."""
    return build_scenario(app)
