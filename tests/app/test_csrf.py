"""CSRF: every unsafe route refuses a request without a valid token and changes nothing."""

import re

import pytest

from intranet.extensions import db
from intranet.models import Membership
from intranet.models import TeamDecree
from intranet.models import User
from tests.app.test_route_matrix import ACCESS
from tests.conftest import PASSWORD
from tests.fixtures.scenarios import build_preview
from tests.fixtures.scenarios import build_scenario
from tests.fixtures.scenarios import record_scanned_decree

UNSAFE = sorted(k for k in ACCESS if k[1] in ("POST", "PUT", "PATCH", "DELETE"))


def sample_args(app, scanned_decree, scenario, needed=None):
    """Real ids for the URL parameters: the scanned decree, a membership, the penulis, a case.

    A preview link, a published (and archived) article and a fixity run are made only when
    ``needed`` (the parameter names of the routes at hand; ``None``: all) asks for them.
    """

    def wants(*names):
        return needed is None or bool(set(needed) & set(names))

    with app.app_context():
        penulis = db.session.execute(db.select(User).where(User.username == "penulis")).scalar_one()
        decree = db.session.get(TeamDecree, scanned_decree)
        demo = db.session.execute(
            db.select(TeamDecree).where(TeamDecree.id != scanned_decree)
        ).scalar_one()
        membership = (
            db.session.execute(db.select(Membership).where(Membership.decree_id == demo.id))
            .scalars()
            .first()
        )
        from archive import fixity
        from tests.fixtures.scenarios import build_published
        from tests.fixtures.scenarios import build_scenario

        args = {
            **scenario,
            "filename": "css/warta.css",
            "user_id": penulis.id,
            "decree_id": decree.id,
            "category_id": 1,
            "number": 1,
            "membership_id": membership.id,
            "record_id": 1,
            "file_id": 1,
            "classification_id": 1,
            "rule_id": 1,
            "fmt": "csv",
            "kind": "artikel",
            "attachment_id": 1,
            # refused for want of a token before any list, hold or task is looked up
            "disposal_id": 1,
            "hold_id": 1,
            "task_id": 1,
        }
        if wants("token"):
            args["token"] = build_preview(app, scenario["case_id"])
        if wants("slug", "record_id", "file_id"):
            args["slug"] = build_published(app, build_scenario(app)["case_id"])
        if wants("run_id"):
            args["run_id"] = fixity.verify().id
        return args


def snapshot(app):
    """Row counts of every table and the list of stored files."""
    from pathlib import Path

    with app.app_context():
        counts = {
            t.name: db.session.execute(db.select(db.func.count()).select_from(t)).scalar_one()
            for t in db.metadata.sorted_tables
        }
        users = db.session.execute(
            db.text("SELECT username, active, password_hash, version FROM users")
        ).all()
    files = sorted(str(p) for p in Path(app.config["FILES_DIR"]).rglob("*") if p.is_file())
    return counts, sorted(users), files


def token(client, url="/intranet/login"):
    page = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


@pytest.fixture
def csrf_app(app_factory):
    from intranet.cli import load_demo

    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        load_demo(PASSWORD)
    return app


def logged_in_admin(app):
    c = app.test_client()
    r = c.post(
        "/intranet/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token(c)}
    )
    assert r.status_code == 302
    return c


@pytest.mark.parametrize("key", UNSAFE, ids=lambda k: f"{k[1]} {k[0]}")
def test_unsafe_route_without_token_is_refused(csrf_app, scanned_decree_csrf, key):
    endpoint, method = key
    client = logged_in_admin(csrf_app)
    rule = next(
        r for r in csrf_app.url_map.iter_rules() if r.endpoint == endpoint and method in r.methods
    )
    args = sample_args(csrf_app, scanned_decree_csrf, build_scenario(csrf_app), rule.arguments)
    with csrf_app.test_request_context():
        from flask import url_for

        url = url_for(endpoint, **{k: args[k] for k in rule.arguments})
    before = snapshot(csrf_app)
    payload = {
        "username": "baru",
        "full_name": "Baru",
        "new_password": "sandi-baru-2026",
        "confirm_password": "sandi-baru-2026",
        "current_password": PASSWORD,
        "locale": "en",
        "password": PASSWORD,
        "role": "penulis",
        "user_id": "1",
    }
    for data in (payload, {**payload, "csrf_token": "forged-token"}):
        r = client.open(url, method=method, data=data)
        assert r.status_code == 400, (url, r.status_code)
        assert "Formulir sudah kedaluwarsa atau tidak sah" in r.get_data(as_text=True)
    assert snapshot(csrf_app) == before
    # still logged in: the refused logout did not log out
    assert client.get("/intranet/").status_code == 200


@pytest.fixture
def scanned_decree_csrf(csrf_app):
    """The scanned decree fixture, for the CSRF app."""
    return record_scanned_decree(csrf_app)


def test_token_from_the_form_is_accepted(csrf_app):
    client = logged_in_admin(csrf_app)
    t = token(client, "/intranet/akun")
    r = client.post("/bahasa", data={"locale": "en", "csrf_token": t, "next": "/intranet/"})
    assert r.status_code == 302
    assert "Welcome" in client.get("/intranet/").get_data(as_text=True)
