"""Comments on a case and on its steps, kept in the trail's timeline."""

import pytest

from intranet.extensions import db
from intranet.models import Case
from intranet.services import trail
from tests.app.test_csrf import snapshot


def test_comments_join_the_timeline_and_the_chain(app, login, scenario):
    cid = scenario["case_id"]
    k = login("koordinator")
    assert (
        k.post(
            f"/intranet/naskah/{cid}/komentar",
            data={"text": "Mohon sertakan jadwal acara.", "step": "2"},
        ).status_code
        == 302
    )
    assert (
        login("penulis")
        .post(f"/intranet/naskah/{cid}/komentar", data={"text": "Siap, foto menyusul."})
        .status_code
        == 302
    )
    with app.app_context():
        case = db.session.get(Case, cid)
        comments = [e for e in case.trail if e.action == "comment"]
        assert [(e.step, e.role, e.note) for e in comments] == [
            (2, "koordinator", "Mohon sertakan jadwal acara."),
            (3, "penulis", "Siap, foto menyusul."),
        ]
        assert case.step == 3  # a comment moves nothing
        assert all(e.decree_id for e in comments)
        assert trail.verify_all() == (1, [])
    page = login("redaktur").get(f"/intranet/naskah/{cid}").get_data(as_text=True)
    assert "Mohon sertakan jadwal acara." in page and "komentar" in page


@pytest.mark.parametrize(
    "data,status,message",
    [
        ({"text": ""}, 400, "Wajib diisi."),
        ({"text": "   "}, 400, "Wajib diisi."),
        ({"text": "x" * 4001}, 400, "Maksimal 4000 karakter."),
        ({"text": "ok", "step": "99"}, 400, "Langkah tidak dikenal."),
        ({"text": "ok", "step": "abc"}, 400, "Pilihan tidak valid."),
    ],
)
def test_comment_refusals(app, login, scenario, data, status, message):
    c = login("koordinator")
    before = snapshot(app)
    r = c.post(f"/intranet/naskah/{scenario['case_id']}/komentar", data=data)
    assert r.status_code == status
    assert message in r.get_data(as_text=True)
    assert snapshot(app) == before


def test_comment_markup_is_text(app, login, scenario):
    cid = scenario["case_id"]
    login("koordinator").post(
        f"/intranet/naskah/{cid}/komentar", data={"text": "<script>alert(1)</script><b>tebal</b>"}
    )
    page = login("redaktur").get(f"/intranet/naskah/{cid}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;b&gt;tebal&lt;/b&gt;" in page


def test_a_comment_lands_on_a_trail_that_moved_meanwhile(app, scenario):
    """Another comment committed after this request read the case: the comment is appended
    again on top of it, not refused as a stale form (409). The request's view is set back to
    the case as it was read before the other commit (what a simultaneous request holds on
    PostgreSQL or MariaDB; SQLite's writers never overlap)."""
    from sqlalchemy.orm.attributes import set_committed_value

    from intranet.models import TrailEntry
    from intranet.models import User
    from intranet.services import cases

    cid = scenario["case_id"]
    with app.app_context():
        user = db.session.execute(db.select(User).where(User.username == "redaktur")).scalar_one()
        case = db.session.get(Case, cid)
        seen = {k: getattr(case, k) for k in ("version", "trail_seq", "trail_head")}
        cases.comment(case, user, "Komentar lain lebih dulu")
        for key, value in seen.items():
            set_committed_value(case, key, value)
        cases.comment(case, user, "Komentar bersamaan")
        db.session.expire_all()
        notes = (
            db.session.execute(
                db.select(TrailEntry.note)
                .where(TrailEntry.case_id == cid, TrailEntry.action == "comment")
                .order_by(TrailEntry.seq)
            )
            .scalars()
            .all()
        )
        assert notes == ["Komentar lain lebih dulu", "Komentar bersamaan"]
        assert db.session.get(Case, cid).trail_seq == seen["trail_seq"] + 2
        assert trail.verify_case(db.session.get(Case, cid)) == []
