"""Steps 3–4: the concept, its versions and conflicts, the koordinator's review."""

import pytest

from intranet.extensions import db
from intranet.models import Case
from intranet.models import Concept
from intranet.services import trail
from tests.app.test_csrf import snapshot

CONCEPT = {
    "angle": "Antusiasme pemilih pemula menyambut Pemilu 2029",
    "outline": "1. Kegiatan\n2. Materi yang disampaikan\n3. Kutipan siswa",
    "sources": "Surat SMA Negeri 1 Cilacap; wawancara Kasubag",
    "base": "0",
}


def test_concept_then_review(app, login, scenario):
    cid = scenario["case_id"]
    redaktur, koordinator = login("redaktur"), login("koordinator")
    r = redaktur.post(f"/intranet/naskah/{cid}/putuskan", data={"action": "complete"})
    assert r.status_code == 400 and "konsep artikel" in r.get_data(as_text=True)
    assert redaktur.post(f"/intranet/naskah/{cid}/konsep", data=CONCEPT).status_code == 302
    second = {**CONCEPT, "angle": "Pemilih pemula siap menggunakan hak pilih", "base": "1"}
    assert redaktur.post(f"/intranet/naskah/{cid}/konsep", data=second).status_code == 302
    assert (
        redaktur.post(f"/intranet/naskah/{cid}/putuskan", data={"action": "complete"}).status_code
        == 302
    )
    with app.app_context():
        case = db.session.get(Case, cid)
        assert case.step == 4
        concepts = db.session.execute(db.select(Concept).order_by(Concept.number)).scalars().all()
        assert [c.number for c in concepts] == [1, 2] and concepts[0].content_hash != concepts[
            1
        ].content_hash
        submitted = case.trail[-1]
        assert (submitted.step, submitted.action) == (3, "complete")
    # the redaktur can no longer change it; the koordinator approves the latest version
    r = redaktur.post(f"/intranet/naskah/{cid}/konsep", data={**second, "base": "2"})
    assert r.status_code == 400 and "tidak dapat diubah" in r.get_data(as_text=True)
    assert (
        koordinator.post(f"/intranet/naskah/{cid}/putuskan", data={"action": "approve"}).status_code
        == 302
    )
    with app.app_context():
        case = db.session.get(Case, cid)
        approval = case.trail[-1]
        assert case.step == 5
        assert approval.revision_hash == concepts[1].content_hash
        assert trail.verify_all() == (1, [])


def test_stale_concept_save_is_409_and_loses_nothing(app, login, scenario):
    cid = scenario["case_id"]
    a, b = login("redaktur"), login("redaktur")
    assert a.post(f"/intranet/naskah/{cid}/konsep", data=CONCEPT).status_code == 302
    mine = {**CONCEPT, "angle": "Versi B yang ditulis bersamaan", "base": "0"}
    r = b.post(f"/intranet/naskah/{cid}/konsep", data=mine)
    assert r.status_code == 409
    page = r.get_data(as_text=True)
    assert "Versi B yang ditulis bersamaan" in page  # what B typed is still in the form
    assert CONCEPT["angle"] in page  # and the version A saved is shown beside it
    with app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(Concept)).scalar_one() == 1


def test_case_page_lists_the_latest_ten_concept_versions(login, scenario):
    cid = scenario["case_id"]
    redaktur = login("redaktur")
    for n in range(12):
        data = {**CONCEPT, "angle": f"Sudut pandang nomor {n + 1}", "base": str(n)}
        assert redaktur.post(f"/intranet/naskah/{cid}/konsep", data=data).status_code == 302
    page = redaktur.get(f"/intranet/naskah/{cid}").get_data(as_text=True)
    assert "2 versi lebih awal" in page and "v3 " in page and "v12 " in page
    assert "v1 " not in page and "v2 " not in page
    assert "Sudut pandang nomor 12" in page  # the form holds the newest version


def test_koordinator_cannot_approve_a_concept_they_wrote(app, login, scenario):
    from intranet.models import Membership
    from intranet.models import TeamDecree
    from intranet.models import User

    cid = scenario["case_id"]
    with app.app_context():
        k = db.session.execute(db.select(User).where(User.username == "koordinator")).scalar_one()
        decree = db.session.execute(db.select(TeamDecree)).scalars().first()
        db.session.add(Membership(user=k, decree=decree, role="redaktur"))
        case = db.session.get(Case, cid)
        case.redaktur_id = None
        db.session.commit()
    k = login("koordinator")
    assert k.post(f"/intranet/naskah/{cid}/konsep", data=CONCEPT).status_code == 302
    assert (
        k.post(
            f"/intranet/naskah/{cid}/putuskan", data={"action": "complete", "role": "redaktur"}
        ).status_code
        == 302
    )
    r = k.post(f"/intranet/naskah/{cid}/putuskan", data={"action": "approve"})
    assert r.status_code == 400 and "tulis sendiri" in r.get_data(as_text=True)
    # returning it is allowed, with a reason
    r = k.post(
        f"/intranet/naskah/{cid}/putuskan",
        data={"action": "return", "to_step": "3", "reason": "Perlu sudut lain", "confirm": "1"},
    )
    assert r.status_code == 302


@pytest.mark.parametrize(
    "who,data,status,message",
    [
        ("penulis", CONCEPT, 400, "hanya dapat dikerjakan oleh"),
        ("redaktur", {**CONCEPT, "angle": ""}, 400, "Wajib diisi."),
        ("redaktur", {**CONCEPT, "outline": "x" * 10001}, 400, "Maksimal 10000 karakter."),
        ("redaktur", {**CONCEPT, "base": ""}, 400, "Wajib diisi."),
        ("redaktur", {**CONCEPT, "base": "abc"}, 400, "bilangan bulat"),
        ("redaktur", {**CONCEPT, "base": "5"}, 409, "sudah disimpan orang lain"),
    ],
)
def test_concept_refusals(app, login, scenario, who, data, status, message):
    c = login(who)
    before = snapshot(app)
    r = c.post(f"/intranet/naskah/{scenario['case_id']}/konsep", data=data)
    assert r.status_code == status
    assert message in r.get_data(as_text=True)
    assert snapshot(app) == before


def test_concept_text_is_shown_as_text(app, login, scenario):
    cid = scenario["case_id"]
    payload = {**CONCEPT, "angle": "<img src=x onerror=alert(1)><script>alert(2)</script>"}
    assert login("redaktur").post(f"/intranet/naskah/{cid}/konsep", data=payload).status_code == 302
    page = login("koordinator").get(f"/intranet/naskah/{cid}").get_data(as_text=True)
    assert "<script>alert(2)</script>" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page


def test_another_redaktur_cannot_take_over_step_3_unless_acting(app, login, scenario):
    from datetime import timedelta

    from intranet.clock import today
    from intranet.models import Delegation
    from intranet.models import Membership
    from intranet.models import TeamDecree
    from intranet.models import User

    cid = scenario["case_id"]
    with app.app_context():
        other = db.session.execute(db.select(User).where(User.username == "penulis")).scalar_one()
        decree = db.session.execute(db.select(TeamDecree)).scalars().first()
        db.session.add(Membership(user=other, decree=decree, role="redaktur"))
        db.session.commit()
        other_id = other.id
    c = login("penulis")
    r = c.post(f"/intranet/naskah/{cid}/konsep", data=CONCEPT)
    assert r.status_code == 400 and "diserahkan kepada orang lain" in r.get_data(as_text=True)
    # named Plh for the assigned redaktur, the colleague may act
    with app.app_context():
        red = db.session.execute(db.select(User).where(User.username == "redaktur")).scalar_one()
        pj = db.session.execute(
            db.select(User).where(User.username == "penanggungjawab")
        ).scalar_one()
        db.session.add(
            Delegation(
                role="redaktur",
                absent_user_id=red.id,
                substitute_id=other_id,
                valid_from=today(),
                valid_until=today() + timedelta(days=1),
                reason="Cuti",
                created_by_id=pj.id,
            )
        )
        db.session.commit()
    assert c.post(f"/intranet/naskah/{cid}/konsep", data=CONCEPT).status_code == 302
