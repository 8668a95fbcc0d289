"""Concurrent writes: a stale form is refused with 409; simultaneous writers lose nothing."""

import threading

import pytest

from intranet.extensions import db
from intranet.models import Membership
from intranet.models import TeamDecree
from intranet.models import User
from intranet.services import accounts
from intranet.transactions import ConflictError
from tests.conftest import PASSWORD
from tests.conftest import Auth


def test_a_stale_form_is_refused_with_409(app, login):
    """The form carries the version it was loaded from; a newer row wins, nothing is lost."""
    a, b = login("admin"), login("admin")
    with app.app_context():
        penulis = db.session.execute(db.select(User).where(User.username == "penulis")).scalar_one()
        uid, loaded = penulis.id, penulis.version
    assert (
        b.post(
            f"/intranet/admin/pengguna/{uid}/sandi",
            data={
                "version": loaded,
                "new_password": "sandi-dari-b-1",
                "confirm_password": "sandi-dari-b-1",
            },
        ).status_code
        == 302
    )
    r = a.post(f"/intranet/admin/pengguna/{uid}/status", data={"version": loaded})
    assert r.status_code == 409
    assert "sudah diubah orang lain" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, uid).active
    assert Auth(app.test_client()).login("penulis", "sandi-dari-b-1").status_code == 302


def test_a_stale_row_in_a_transaction_is_a_conflict(app):
    """Optimistic locking: an UPDATE against a row changed meanwhile raises ConflictError."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite serialises writers (BEGIN IMMEDIATE): a writer never sees a stale row")
    with app.test_request_context(method="POST"):
        admin = db.session.execute(db.select(User).where(User.username == "admin")).scalar_one()
        penulis = db.session.execute(db.select(User).where(User.username == "penulis")).scalar_one()
        with db.engine.begin() as conn:
            conn.execute(
                User.__table__.update()
                .where(User.id == penulis.id)
                .values(full_name="Diubah orang lain", version=User.version + 1)
            )
        with pytest.raises(ConflictError):
            accounts.set_active(penulis, False, admin)
    with app.app_context():
        fresh = db.session.execute(db.select(User).where(User.username == "penulis")).scalar_one()
        assert fresh.full_name == "Diubah orang lain" and fresh.active


def test_simultaneous_appointments_all_land(app):
    """8 admins appoint 8 different people at once: every write lands, or is refused cleanly."""
    with app.app_context():
        decree_id = db.session.execute(db.select(TeamDecree.id)).scalar_one()
        users = []
        for i in range(8):
            u = User(username=f"anggota{i}", full_name=f"Anggota {i}", password_hash="x")
            db.session.add(u)
            users.append(u)
        db.session.commit()
        user_ids = [u.id for u in users]
    results = []

    def appoint(uid):
        c = app.test_client()
        Auth(c).login("admin", PASSWORD)
        for _ in range(20):  # retry a 409 as a person would: reload, then submit again
            with app.app_context():
                version = db.session.get(TeamDecree, decree_id).version
            r = c.post(
                f"/intranet/admin/sk/{decree_id}/anggota",
                data={"user_id": uid, "role": "penulis", "version": version},
            )
            results.append(r.status_code)
            if r.status_code != 409:
                return

    threads = [threading.Thread(target=appoint, args=(uid,)) for uid in user_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(code in (302, 409) for code in results), results
    assert results.count(302) == 8
    with app.app_context():
        appointed = (
            db.session.execute(
                db.select(Membership.user_id).where(
                    Membership.decree_id == decree_id, Membership.user_id.in_(user_ids)
                )
            )
            .scalars()
            .all()
        )
        assert sorted(appointed) == sorted(user_ids)
