"""One page per hand-off: a work step is saved and handed on from where its work is done
(the concept at step 3, the preview at step 7, the agenda entry at step 2), the case page says
who holds the case now by the step's outcome, and each confirmation says who is next."""

import re

from intranet import sop
from intranet.extensions import db
from intranet.models import Case
from intranet.models import Concept
from intranet.models import Preview
from intranet.models import User
from intranet.services import cases as case_service
from intranet.services import trail
from tests.fixtures.scenarios import build_preview
from tests.intranet.test_concept import CONCEPT
from tests.intranet.test_intake import form_material

HAND_ON = {**CONCEPT, "hand_on": "y"}


def _case(app, cid):
    with app.app_context():
        c = db.session.get(Case, cid)
        return c.step, c.status, [(e.step, e.action) for e in c.trail]


def test_the_concept_is_saved_and_sent_to_the_koordinator_in_one_click(app, login, scenario):
    cid = scenario["case_id"]
    redaktur = login("redaktur")
    page = redaktur.get(f"/intranet/naskah/{cid}").get_data(as_text=True)
    # the case says who holds it now, by the outcome; no "nothing for you" above the form
    assert re.search(r"Sekarang di:</strong>\s*Demo Redaktur \(Anda\)\s*— 3\. Tulis konsep", page)
    assert "Tidak ada tindakan untuk Anda" not in page
    assert "Simpan dan kirim konsep ke Koordinator" in page
    r = redaktur.post(f"/intranet/naskah/{cid}/konsep", data=HAND_ON, follow_redirects=True)
    assert r.status_code == 200
    text = r.get_data(as_text=True)
    assert (
        "Konsep versi 1 tersimpan. Konsep dikirim ke Koordinator "
        "(Demo Koordinator (Kasubag TP Hupmas))." in text
    )
    step, status, entries = _case(app, cid)
    assert (step, status) == (4, "open") and entries[-1] == (3, "complete")
    page = login("koordinator").get(f"/intranet/naskah/{cid}").get_data(as_text=True)
    assert re.search(r"Sekarang di:</strong>\s*Demo Koordinator[^<]*\(Anda\)\s*— 4\. Periksa", page)
    with app.app_context():
        assert trail.verify_all() == (1, [])


def test_saving_the_concept_alone_keeps_the_case_at_step_three(app, login, scenario):
    cid = scenario["case_id"]
    r = login("redaktur").post(f"/intranet/naskah/{cid}/konsep", data=CONCEPT)
    assert r.status_code == 302 and r.headers["Location"].endswith("#konsep")
    assert _case(app, cid)[0] == 3


def test_a_concept_refused_hands_nothing_on(app, login, scenario):
    cid = scenario["case_id"]
    r = login("redaktur").post(f"/intranet/naskah/{cid}/konsep", data={**HAND_ON, "angle": "  "})
    assert r.status_code == 400
    assert "Wajib diisi" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Concept.id))).scalar_one() == 0
    assert _case(app, cid)[0] == 3


def test_someone_else_cannot_hand_the_concept_on(app, login, scenario):
    cid = scenario["case_id"]
    r = login("koordinator").post(f"/intranet/naskah/{cid}/konsep", data=HAND_ON)
    assert r.status_code == 400
    assert _case(app, cid)[0] == 3


def test_save_and_hand_on_keeps_the_work_when_the_step_cannot_end(app, scenario):
    """The service: the save stays when the SOP refuses the hand-on, and says why."""
    cid = scenario["case_id"]
    with app.test_request_context(method="POST"):
        case = db.session.get(Case, cid)
        redaktur = db.session.execute(
            db.select(User).where(User.username == "redaktur")
        ).scalar_one()
        data = {**CONCEPT, "outline": " "}  # saved, but no concept the kelengkapan accepts
        saved, t, refusal = case_service.save_and_hand_on(
            case, redaktur, lambda: case_service.save_concept(case, redaktur, data, 0)
        )
        assert saved.number == 1 and t is None
        assert "konsep artikel" in refusal
        assert db.session.get(Case, cid).step == 3
        saved, t, refusal = case_service.save_and_hand_on(
            case, redaktur, lambda: case_service.save_concept(case, redaktur, CONCEPT, 1)
        )
        assert (saved.number, t.next_step, refusal) == (2, 4, None)


def test_the_preview_is_prepared_and_sent_from_its_page(app, login, scenario):
    cid = scenario["case_id"]
    build_preview(app, cid)
    editor = login("editor")
    page = editor.get(f"/intranet/naskah/{cid}/pratinjau").get_data(as_text=True)
    assert "Kirim preview ke Koordinator" in page
    r = editor.post(
        f"/intranet/naskah/{cid}/pratinjau",
        data={"layout": "galeri", "hand_on": "y"},
        follow_redirects=True,
    )
    assert r.status_code == 200
    assert "Preview dikirim ke Koordinator (Demo Koordinator" in r.get_data(as_text=True)
    with app.app_context():
        previews = db.session.execute(db.select(Preview).order_by(Preview.id)).scalars().all()
        # a new layout was prepared before sending: the reviewers read the galeri one
        assert [p.layout for p in previews] == ["standar", "galeri"]
        case = db.session.get(Case, cid)
        assert case.step == 8
        sent = case.trail[-1]
        assert (sent.step, sent.action, sent.extra["preview_id"]) == (
            7,
            "complete",
            previews[-1].id,
        )


def test_a_current_preview_is_sent_as_it_is(app, login, scenario):
    cid = scenario["case_id"]
    build_preview(app, cid)
    r = login("editor").post(
        f"/intranet/naskah/{cid}/pratinjau", data={"layout": "standar", "hand_on": "y"}
    )
    assert r.status_code in (302, 303)
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Preview.id))).scalar_one() == 1
        assert db.session.get(Case, cid).step == 8


def test_only_the_editor_sends_the_preview(app, login, scenario):
    cid = scenario["case_id"]
    build_preview(app, cid)
    r = login("penulis").post(
        f"/intranet/naskah/{cid}/pratinjau",
        data={"layout": "standar", "hand_on": "y"},
        follow_redirects=True,
    )
    assert "flash-error" in r.get_data(as_text=True)
    assert _case(app, cid)[0] == 7


def test_the_dashboard_links_each_task_to_where_its_work_is_done(app, login, scenario):
    cid = scenario["case_id"]
    build_preview(app, cid)
    page = login("editor").get("/intranet/").get_data(as_text=True)
    assert f'href="/intranet/naskah/{cid}/pratinjau">7. Siapkan preview</a>' in page


def test_registering_material_can_go_straight_on_to_the_handover(app, login, scenario):
    k = login("kontributor")
    form = k.get("/intranet/agenda/baru").get_data(as_text=True)
    assert "Simpan dan serahkan ke Redaktur" in form
    data = form_material(assignment_id=str(scenario["assignment_id"]), hand_on="y")
    r = k.post("/intranet/agenda/baru", data=data, content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)[-3000:]
    assert "/naskah/serahkan?bahan=" in r.headers["Location"]
    page = k.get(r.headers["Location"]).get_data(as_text=True)
    # the handover is filled in from the entry: its material ticked, its perihal as title
    assert 'value="Undangan rapat koordinasi pengawasan pemutakhiran data pemilih"' in page
    number = r.headers["Location"].rsplit("=", 1)[1]
    assert re.search(rf'value="{number}"\s+checked|checked[^>]*value="{number}"', page)


def test_a_case_under_an_older_definition_names_its_steps_by_their_output(app, login, scenario):
    cid = scenario["case_id"]
    v2 = sop.get("sop-3-2022", 2)
    with app.app_context():
        case = db.session.get(Case, cid)
        case.definition_version, case.definition_sha256 = 2, v2.sha256
        db.session.commit()
    page = login("redaktur").get(f"/intranet/naskah/{cid}").get_data(as_text=True)
    assert "— 3. Konsep artikel" in page
    assert "Simpan dan selesaikan langkah 3" in page
    listing = login("koordinator").get("/intranet/naskah/").get_data(as_text=True)
    assert "3. Konsep artikel" in listing
