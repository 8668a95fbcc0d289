"""The whole path 3 → 9 as the demo users, with a return and a correction; every return path."""

import io

import pytest

from intranet.extensions import db
from intranet.models import Case
from intranet.models import OutboxMessage
from intranet.services import trail
from tests.fixtures.files import photo_with_gps
from tests.fixtures.scenarios import ARTICLE_DATA
from tests.intranet.test_concept import CONCEPT
from tests.intranet.test_trail import put_case_at


def decide(client, cid, **data):
    r = client.post(f"/intranet/naskah/{cid}/putuskan", data=data)
    assert r.status_code == 302, r.get_data(as_text=True)[-3000:]
    return r


def step_of(app, cid):
    with app.app_context():
        c = db.session.get(Case, cid)
        return c.step, c.attempt


def test_step_3_to_9_with_a_return_and_a_correction(app, login, scenario):
    cid = scenario["case_id"]
    red, k, pen, ed, pj = (
        login(u) for u in ("redaktur", "koordinator", "penulis", "editor", "penanggungjawab")
    )
    # 3: the concept; 4: approved
    assert red.post(f"/intranet/naskah/{cid}/konsep", data=CONCEPT).status_code == 302
    decide(red, cid, action="complete")
    decide(k, cid, action="approve")
    assert step_of(app, cid) == (5, 1)
    # 5: the article; 6: photos (the scenario's photo is there; add one with a location)
    assert (
        pen.post(f"/intranet/naskah/{cid}/tulis", data={**ARTICLE_DATA, "base": "0"}).status_code
        == 302
    )
    decide(pen, cid, action="complete")
    r = pen.post(
        f"/intranet/naskah/{cid}/foto",
        data={
            "photo": (io.BytesIO(photo_with_gps()), "pleno.jpg"),
            "caption": "Rapat pleno",
            "credit": "Humas",
            "alt": "Peserta rapat",
            "taken_on": "",
        },
        content_type="multipart/form-data",
    )
    assert r.status_code == 302
    decide(pen, cid, action="complete")
    # 7: the preview, submitted to the koordinator and the penanggungjawab
    assert (
        ed.post(f"/intranet/naskah/{cid}/pratinjau", data={"layout": "standar"}).status_code == 302
    )
    decide(ed, cid, action="complete")
    assert step_of(app, cid) == (8, 1)
    # 8: returned to the penulis with a reason
    decide(
        k, cid, action="return", to_step="5", reason="Tambahkan kutipan narasumber.", confirm="1"
    )
    assert step_of(app, cid) == (5, 2)
    assert (
        pen.post(
            f"/intranet/naskah/{cid}/tulis",
            data={
                **ARTICLE_DATA,
                "base": "1",
                "body_html": ARTICLE_DATA["body_html"] + "<blockquote>Kami siap.</blockquote>",
            },
        ).status_code
        == 302
    )
    decide(pen, cid, action="complete")
    decide(pen, cid, action="complete")
    assert (
        ed.post(f"/intranet/naskah/{cid}/pratinjau", data={"layout": "galeri"}).status_code == 302
    )
    decide(ed, cid, action="complete")
    assert step_of(app, cid) == (8, 2)
    # 8: a correction by the koordinator, then handed to the redaktur
    corrected = {
        **ARTICLE_DATA,
        "base": "2",
        "title": "Rapat Pleno DPT Berjalan Tertib",
        "note": "Judul dipertegas",
        "body_html": ARTICLE_DATA["body_html"] + "<blockquote>Kami siap.</blockquote>",
    }
    assert k.post(f"/intranet/naskah/{cid}/tulis", data=corrected).status_code == 302
    decide(k, cid, action="approve")
    # 9: two different people approve the same revision
    decide(pj, cid, action="approve")
    assert step_of(app, cid)[0] == 9
    decide(red, cid, action="approve")
    assert step_of(app, cid) == (10, 1)
    with app.app_context():
        case = db.session.get(Case, cid)
        entries = [(e.step, e.action, e.attempt) for e in case.trail if e.action != "comment"]
        assert entries == [
            (1, "complete", 1),
            (2, "complete", 1),
            (3, "complete", 1),
            (4, "approve", 1),
            (5, "complete", 1),
            (6, "complete", 1),
            (7, "complete", 1),
            (8, "return", 1),
            (5, "complete", 2),
            (6, "complete", 2),
            (7, "complete", 2),
            (8, "approve", 2),
            (9, "approve", 1),
            (9, "approve", 1),
        ]
        last_two = case.trail[-2:]
        assert {e.role for e in last_two} == {"penanggungjawab", "redaktur"}
        assert {e.revision_hash for e in last_two} == {case.revision_hash}
        assert trail.verify_all() == (1, [])
        kinds = {m.kind for m in db.session.execute(db.select(OutboxMessage)).scalars()}
        assert {"handover", "next_step", "preview", "return"} <= kinds
    page = red.get(f"/intranet/naskah/{cid}").get_data(as_text=True)
    assert "percobaan ke-2" in page and "dikembalikan" in page
    compare = red.get(f"/intranet/naskah/{cid}/revisi?a=2&b=3").get_data(as_text=True)
    assert "koreksi" in compare and "Rapat Pleno DPT Berjalan Tertib" in compare


RETURNS = (
    [(4, t) for t in (1, 2, 3)] + [(8, t) for t in range(1, 8)] + [(9, t) for t in range(1, 9)]
)


@pytest.mark.parametrize("at,to", RETURNS, ids=[f"{a}->{t}" for a, t in RETURNS])
def test_every_return_path(app, login, scenario, at, to):
    cid = scenario["case_id"]
    put_case_at(app, cid, at)
    who = {4: "koordinator", 8: "koordinator", 9: "penanggungjawab"}[at]
    decide(
        login(who), cid, action="return", to_step=str(to), reason=f"Kembali ke {to}", confirm="1"
    )
    with app.app_context():
        case = db.session.get(Case, cid)
        assert case.step == to and case.trail[-1].extra["returned_to"] == to
        told = {
            m.to_user.username
            for m in db.session.execute(
                db.select(OutboxMessage).where(OutboxMessage.kind == "return")
            ).scalars()
        }
    d_roles = {
        1: "penanggungjawab",
        2: "kontributor",
        3: "redaktur",
        4: "koordinator",
        5: "penulis",
        6: "penulis",
        7: "editor",
        8: "koordinator",
        9: "redaktur",
    }
    expected = {d_roles[n] for n in range(to, at + 1)} - {who}
    assert expected <= told
