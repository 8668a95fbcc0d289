"""Command-line tools: demo data, the first administrator, migrations."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from intranet.extensions import db
from intranet.models import Membership
from intranet.models import TeamDecree
from intranet.models import User
from tests.conftest import ROLES


def counts(app):
    with app.app_context():
        return tuple(
            db.session.execute(db.select(db.func.count()).select_from(m)).scalar_one()
            for m in (User, TeamDecree, Membership)
        )


def test_demo_load_is_idempotent(app_factory):
    app = app_factory()
    runner = app.test_cli_runner()
    r = runner.invoke(args=["demo", "load", "--password", "sandi-demo-1"])
    assert r.exit_code == 0, r.output
    assert "8 new users" in r.output
    assert counts(app) == (8, 1, 8)
    r = runner.invoke(args=["demo", "load", "--password", "sandi-demo-1"])
    assert r.exit_code == 0 and "0 new users" in r.output
    assert counts(app) == (8, 1, 8)
    with app.app_context():
        from intranet.models import Assignment
        from intranet.models import Case
        from intranet.models import SourceMaterial

        assert (
            db.session.execute(db.select(db.func.count()).select_from(Assignment)).scalar_one() == 1
        )
        assert (
            db.session.execute(db.select(db.func.count()).select_from(SourceMaterial)).scalar_one()
            == 3
        )
        steps = sorted((c.step, c.status) for c in db.session.execute(db.select(Case)).scalars())
        assert steps == [(3, "open"), (9, "open"), (10, "published")]
        from archive.models import ArchiveRecord

        record = db.session.execute(db.select(ArchiveRecord)).scalar_one()
        assert db.session.get(Case, record.case_id).status == "published"
        assert len(record.versions) == 1
    assert runner.invoke(args=["trail", "verify"]).exit_code == 0
    assert runner.invoke(args=["archive", "verify"]).exit_code == 0
    r = runner.invoke(args=["demo", "load", "--if-empty"])
    assert "not loaded" in r.output
    with app.app_context():
        for role in ROLES:
            user = db.session.execute(db.select(User).where(User.username == role)).scalar_one()
            assert user.roles() == {role}


def test_demo_password_from_environment(app_factory, monkeypatch):
    app = app_factory()
    monkeypatch.setenv("WARTA_DEMO_PASSWORD", "dari-lingkungan")
    assert app.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0
    c = app.test_client()
    r = c.post("/intranet/login", data={"username": "arsiparis", "password": "dari-lingkungan"})
    assert r.status_code == 302


def test_create_admin(app_factory):
    app = app_factory()
    runner = app.test_cli_runner()
    r = runner.invoke(
        args=["users", "create-admin", "--username", "Root.Admin", "--full-name", "Admin Kantor"],
        input="sandi-admin-kuat\nsandi-admin-kuat\n",
    )
    assert r.exit_code == 0, r.output
    c = app.test_client()
    assert (
        c.post(
            "/intranet/login", data={"username": "root.admin", "password": "sandi-admin-kuat"}
        ).status_code
        == 302
    )
    assert c.get("/intranet/admin/sk").status_code == 200
    # refusals: a short password, a taken username
    r = runner.invoke(
        args=[
            "users",
            "create-admin",
            "--username",
            "x2",
            "--full-name",
            "X",
            "--password",
            "pendek",
        ]
    )
    assert r.exit_code != 0 and "at least" in r.output
    r = runner.invoke(
        args=[
            "users",
            "create-admin",
            "--username",
            "root.admin",
            "--full-name",
            "X",
            "--password",
            "sandi-lain-kuat",
        ]
    )
    assert r.exit_code != 0 and "sudah dipakai" in r.output


def test_fresh_install_has_no_account(app_factory):
    app = app_factory()
    assert counts(app) == (0, 0, 0)


def test_migrations_match_the_models(app):
    with app.app_context(), db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []


def test_migrations_downgrade_and_upgrade(tmp_path):
    from flask_migrate import downgrade
    from flask_migrate import upgrade
    from sqlalchemy import inspect

    from intranet import create_app

    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/m.db",
        }
    )
    with app.app_context():
        upgrade()
        assert {"users", "team_decrees", "memberships", "user_sessions"} <= set(
            inspect(db.engine).get_table_names()
        )
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        db.engine.dispose()
