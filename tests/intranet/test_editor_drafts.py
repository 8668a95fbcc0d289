"""Never lose a word: per-person drafts autosaved from the editor and the concept form, offered
back on return, never a revision by themselves; and the editor's save-and-hand-on."""

import re

import pytest

from intranet.cli import load_demo
from intranet.extensions import db
from intranet.models import Case
from intranet.models import Concept
from intranet.models import EditorDraft
from intranet.models import Revision
from intranet.services.drafts import MAX_PAYLOAD
from tests.app.test_csrf import snapshot
from tests.conftest import PASSWORD
from tests.fixtures.scenarios import ARTICLE_DATA
from tests.fixtures.scenarios import build_scenario
from tests.intranet.test_trail import put_case_at

FIELDS = {
    "title": "Judul yang sedang ditulis ½",
    "summary": "Ringkasan setengah jadi.",
    "body_html": "<p>Kalimat pertama yang belum disimpan.</p>",
}


def count(app, model):
    with app.app_context():
        return db.session.execute(db.select(db.func.count()).select_from(model)).scalar_one()


def autosave(client, cid, fields=FIELDS, base=0, kind="artikel"):
    return client.post(f"/intranet/naskah/{cid}/draf/{kind}", json={"base": base, "fields": fields})


def test_draft_is_the_persons_own_and_never_a_revision(app, login, scenario):
    cid = scenario["case_id"]
    put_case_at(app, cid, 5)
    penulis = login("penulis")
    r = autosave(penulis, cid)
    assert r.status_code == 200
    assert re.fullmatch(r"\d\d:\d\d", r.get_json()["saved_at"])
    assert r.get_json()["message"].startswith("Draf tersimpan")
    assert autosave(penulis, cid, {**FIELDS, "title": "Judul kedua"}).status_code == 200
    assert count(app, EditorDraft) == 1 and count(app, Revision) == 0

    page = penulis.get(f"/intranet/naskah/{cid}/tulis").get_data(as_text=True)
    assert "Ada draf yang belum disimpan (" in page and "Pulihkan?" in page
    assert "Judul kedua" not in page  # offered, not filled in
    # another person does not see it
    assert "Ada draf" not in login("koordinator").get(f"/intranet/naskah/{cid}/tulis").get_data(
        as_text=True
    )
    restored = penulis.get(f"/intranet/naskah/{cid}/tulis?draf=pulihkan").get_data(as_text=True)
    assert 'value="Judul kedua"' in restored and "Kalimat pertama yang belum disimpan." in restored
    assert "Draf dipulihkan" in restored
    assert count(app, Revision) == 0

    # saving the revision deletes the person's draft
    saved = penulis.post(f"/intranet/naskah/{cid}/tulis", data={**ARTICLE_DATA, "base": 0})
    assert saved.status_code == 302
    assert count(app, EditorDraft) == 0 and count(app, Revision) == 1


def test_buang_throws_the_draft_away(app, login, scenario):
    cid = scenario["case_id"]
    put_case_at(app, cid, 5)
    penulis = login("penulis")
    assert autosave(penulis, cid).status_code == 200
    r = penulis.post(f"/intranet/naskah/{cid}/draf/artikel/buang")
    assert r.status_code == 302 and r.location.endswith(f"/intranet/naskah/{cid}/tulis")
    assert count(app, EditorDraft) == 0
    assert "Ada draf" not in penulis.get(f"/intranet/naskah/{cid}/tulis").get_data(as_text=True)


def test_concept_draft_is_deleted_by_saving_the_concept(app, login, scenario):
    cid = scenario["case_id"]  # at step 3: the redaktur's concept
    redaktur = login("redaktur")
    fields = {"angle": "Sudut pandang sementara", "outline": "1. Pembuka"}
    assert autosave(redaktur, cid, fields, kind="konsep").status_code == 200
    page = redaktur.get(f"/intranet/naskah/{cid}").get_data(as_text=True)
    assert "Ada draf konsep yang belum disimpan" in page
    restored = redaktur.get(f"/intranet/naskah/{cid}?draf=pulihkan").get_data(as_text=True)
    assert "Sudut pandang sementara" in restored
    r = redaktur.post(
        f"/intranet/naskah/{cid}/konsep",
        data={"angle": "Sudut pandang", "outline": "1. Pembuka", "sources": "", "base": 0},
    )
    assert r.status_code == 302
    assert count(app, EditorDraft) == 0 and count(app, Concept) == 1


@pytest.mark.parametrize(
    "who,step,kind,body,status,message",
    [
        # a case the person cannot edit now: the same rule as saving
        ("redaktur", 5, "artikel", {"base": 0, "fields": FIELDS}, 403, "tidak dapat mengubah"),
        ("penulis", 6, "artikel", {"base": 0, "fields": FIELDS}, 403, "tidak dapat mengubah"),
        ("penulis", 5, "konsep", {"base": 0, "fields": {"angle": "x"}}, 403, "tidak dapat"),
        # stale: typed over revision 0 while revision 1 exists
        ("penulis", 5, "artikel", {"base": 7, "fields": FIELDS}, 409, "sudah disimpan orang lain"),
        # huge
        (
            "penulis",
            5,
            "artikel",
            {"base": 0, "fields": {"body_html": "x" * (MAX_PAYLOAD + 1)}},
            413,
            "Draf terlalu besar",
        ),
        # far too big to be read at all: refused by its length before it is parsed
        (
            "penulis",
            5,
            "artikel",
            {"base": 0, "fields": {"body_html": "x" * (6 * MAX_PAYLOAD + 1)}},
            413,
            "Draf terlalu besar",
        ),
        # not a draft
        ("penulis", 5, "artikel", {"base": "0", "fields": FIELDS}, 400, "tidak terbaca"),
        ("penulis", 5, "artikel", {"base": 0, "fields": []}, 400, "tidak terbaca"),
        ("penulis", 5, "artikel", {"base": 0, "fields": {"evil": "x"}}, 400, "tidak dikenal"),
        ("penulis", 5, "artikel", {"base": 0, "fields": {"title": 5}}, 400, "berupa teks"),
        ("penulis", 5, "artikel", None, 400, "tidak terbaca"),
    ],
)
def test_draft_refusals_change_nothing(
    app, login, scenario, who, step, kind, body, status, message
):
    cid = scenario["case_id"]
    put_case_at(app, cid, step)
    c = login(who)
    before = snapshot(app)
    url = f"/intranet/naskah/{cid}/draf/{kind}"
    r = c.post(url, json=body) if body is not None else c.post(url, data="{not json")
    assert r.status_code == status
    assert message in r.get_json()["error"]
    assert snapshot(app) == before


def test_draft_needs_the_csrf_header(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        load_demo(PASSWORD)
    cid = build_scenario(app)["case_id"]
    put_case_at(app, cid, 5)
    c = app.test_client()
    page = c.get("/intranet/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    r = c.post(
        "/intranet/login", data={"username": "penulis", "password": PASSWORD, "csrf_token": token}
    )
    assert r.status_code == 302
    page = c.get(f"/intranet/naskah/{cid}/tulis").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    url = f"/intranet/naskah/{cid}/draf/artikel"
    assert c.post(url, json={"base": 0, "fields": FIELDS}).status_code == 400
    assert count(app, EditorDraft) == 0
    r = c.post(url, json={"base": 0, "fields": FIELDS}, headers={"X-CSRFToken": token})
    assert r.status_code == 200
    assert count(app, EditorDraft) == 1


def test_save_and_hand_on_completes_step_5(app, login, scenario):
    cid = scenario["case_id"]
    put_case_at(app, cid, 5)
    penulis = login("penulis")
    page = penulis.get(f"/intranet/naskah/{cid}/tulis").get_data(as_text=True)
    assert 'name="hand_on" value="y">Simpan dan ' in page
    r = penulis.post(
        f"/intranet/naskah/{cid}/tulis",
        data={**ARTICLE_DATA, "base": 0, "hand_on": "y"},
        follow_redirects=True,
    )
    assert r.status_code == 200
    text = r.get_data(as_text=True)
    assert "Revisi 1 tersimpan." in text
    with app.app_context():
        assert db.session.get(Case, cid).step == 6


def test_hand_on_that_cannot_end_the_step_keeps_the_revision(app, login, scenario):
    cid = scenario["case_id"]
    put_case_at(app, cid, 5)
    penulis = login("penulis")
    # the body has no words once cleaned: refused before anything is saved
    r = penulis.post(
        f"/intranet/naskah/{cid}/tulis",
        data={**ARTICLE_DATA, "base": 0, "hand_on": "y", "body_html": "<p><br></p>"},
    )
    assert r.status_code == 400
    assert count(app, Revision) == 0
    with app.app_context():
        assert db.session.get(Case, cid).step == 5


def test_a_published_correction_keeps_a_draft_and_names_what_would_be_dropped(app, login, scenario):
    from tests.fixtures.scenarios import build_published

    cid = scenario["case_id"]
    build_published(app, cid)
    redaktur = login("redaktur")
    with app.app_context():
        base = db.session.execute(
            db.select(db.func.max(Revision.number)).where(Revision.case_id == cid)
        ).scalar_one()
    assert autosave(redaktur, cid, {"title": "Judul koreksi"}, base=base).status_code == 200
    url = f"/intranet/naskah/{cid}/koreksi-terbit"
    assert "Ada draf yang belum disimpan (" in redaktur.get(url).get_data(as_text=True)
    restored = redaktur.get(url + "?draf=pulihkan").get_data(as_text=True)
    assert 'value="Judul koreksi"' in restored
    data = {**ARTICLE_DATA, "base": base, "body_html": '<p onclick="x()">Koreksi</p>'}
    r = redaktur.post(url, data=data)
    assert r.status_code == 400
    page = r.get_data(as_text=True)
    assert "atribut onclick pada &lt;p&gt;" in page and 'name="accept_drops"' in page
    assert redaktur.post(url, data={**data, "accept_drops": "y"}).status_code == 302
    assert count(app, EditorDraft) == 0
