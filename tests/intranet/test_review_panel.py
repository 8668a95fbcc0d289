"""Deciding where one reads: steps 4, 8, 9 and a published correction put the decision above
the timeline beside the text decided, the preview page offers it too, returns are named,
default to the step just before and are confirmed naming who is told."""

import re
from html import unescape

import pytest

from intranet.extensions import db
from intranet.models import Case
from intranet.models import Membership
from intranet.models import OutboxMessage
from intranet.models import User
from intranet.services import articles
from tests.app.test_csrf import snapshot
from tests.conftest import PASSWORD
from tests.fixtures.scenarios import ARTICLE_DATA
from tests.fixtures.scenarios import build_preview
from tests.fixtures.scenarios import build_published
from tests.intranet.test_concept import CONCEPT


def text(r):
    """The response's HTML with entities decoded."""
    return unescape(r.get_data(as_text=True))


def decide(client, cid, **data):
    return client.post(f"/intranet/naskah/{cid}/putuskan", data=data)


def case_of(app, cid):
    with app.app_context():
        c = db.session.get(Case, cid)
        return {"step": c.step, "attempt": c.attempt, "version": c.version, "seq": c.trail_seq}


def review_block(html):
    """The part of the case page between the review region and the timeline."""
    start, end = html.index('id="periksa"'), html.index('id="alur"')
    return html[start:end]


def at_step_4(app, login, cid):
    r = login("redaktur")
    assert r.post(f"/intranet/naskah/{cid}/konsep", data=CONCEPT).status_code == 302
    assert decide(r, cid, action="complete").status_code == 302
    assert case_of(app, cid)["step"] == 4


def at_step_8(app, login, cid):
    build_preview(app, cid)
    assert decide(login("editor"), cid, action="complete").status_code == 302
    assert case_of(app, cid)["step"] == 8


def at_step_9(app, login, cid):
    at_step_8(app, login, cid)
    assert decide(login("koordinator"), cid, action="approve").status_code == 302
    assert case_of(app, cid)["step"] == 9


def step_names(app, cid, numbers):
    from intranet.services.handoff import step_name

    with app.app_context():
        d = db.session.get(Case, cid).definition()
        return [step_name(d.step(n)) for n in numbers]


def test_step_4_shows_the_concept_beside_the_decision_above_the_timeline(app, login, scenario):
    cid = scenario["case_id"]
    at_step_4(app, login, cid)
    html = text(login("koordinator").get(f"/intranet/naskah/{cid}"))
    block = review_block(html)
    assert html.index('id="periksa"') < html.index('id="alur"') < html.index('id="konsep"')
    assert CONCEPT["angle"] in block and "3. Kutipan siswa" in block
    assert 'id="setujui"' in block and "Setujui dan teruskan ke Penulis Artikel/Berita" in block
    # the returns by name, the step just before chosen; distinct labels for note and reason
    options = re.findall(r"<option([^>]*)>([^<]*)</option>", block)
    assert [name for _attrs, name in options] == step_names(app, cid, [1, 2, 3])
    assert [("selected" in attrs) for attrs, _name in options] == [False, False, True]
    assert "Komentar untuk catatan (boleh kosong)" in block and "Alasan pengembalian" in block
    assert "Catatan / alasan" not in html
    assert "Tidak ada tindakan untuk Anda" not in html
    # someone who cannot decide sees the concept at the top, and no decision controls
    other = text(login("penulis").get(f"/intranet/naskah/{cid}"))
    assert CONCEPT["angle"] in review_block(other) and 'id="setujui"' not in other
    assert "Keputusan pada langkah ini diambil orang lain." in other


def test_a_return_is_confirmed_naming_who_is_told_then_done(app, login, scenario):
    cid = scenario["case_id"]
    at_step_4(app, login, cid)
    k = login("koordinator")
    before, state = snapshot(app), case_of(app, cid)
    reason = "Sudut pandang terlalu umum;\ntonjolkan pemilih pemula."
    r = decide(k, cid, action="return", to_step="3", reason=reason, version=state["version"])
    assert r.status_code == 200
    page = text(r)
    [name3] = step_names(app, cid, [3])
    assert f"Kembalikan naskah ke langkah {name3}?" in page
    assert "Langkah itu dikerjakan oleh Redaktur (Demo Redaktur)." in page
    assert "Yang diberi tahu lewat email: Demo Redaktur" in page
    assert 'name="confirm" value="1"' in page and reason in page
    assert snapshot(app) == before and case_of(app, cid) == state
    # the confirmation as the page sends it
    r = decide(
        k,
        cid,
        action="return",
        to_step="3",
        reason=reason,
        version=state["version"],
        role="koordinator",
        confirm="1",
    )
    assert r.status_code == 302
    after = case_of(app, cid)
    assert (after["step"], after["attempt"]) == (3, 2)
    page = text(k.get(f"/intranet/naskah/{cid}"))
    assert f"Naskah dikembalikan ke langkah {name3}. Kini ditangani Redaktur (Demo Redaktur)." in (
        page
    )
    with app.app_context():
        told = db.session.execute(
            db.select(User.username)
            .join(OutboxMessage, OutboxMessage.to_user_id == User.id)
            .where(OutboxMessage.kind == "return")
        ).scalars()
        assert sorted(told) == ["redaktur"]


@pytest.mark.parametrize(
    "data,status,message",
    [
        ({"to_step": "3", "reason": ""}, 400, "Alasan pengembalian wajib diisi."),
        ({"to_step": "3", "reason": "   "}, 400, "Alasan pengembalian wajib diisi."),
        ({"to_step": "99", "reason": "x"}, 400, "hanya dapat dikembalikan ke langkah 1, 2, 3"),
        ({"to_step": "5", "reason": "x"}, 400, "hanya dapat dikembalikan ke langkah 1, 2, 3"),
        ({"to_step": "", "reason": "x"}, 400, "hanya dapat dikembalikan ke langkah 1, 2, 3"),
        ({"to_step": "dua", "reason": "x"}, 400, "Kembalikan ke langkah"),
        (
            {"to_step": "3", "reason": "x", "role": "penanggungjawab"},
            400,
            "Anda tidak memegang peran penanggungjawab untuk langkah ini.",
        ),
        (
            {"to_step": "3", "reason": "x", "version": "stale"},
            409,
            "sudah diubah orang lain sejak Anda membukanya",
        ),
        ({"to_step": "3", "reason": "x", "confirm": "ya"}, 400, "Tidak dikenal."),
    ],
)
@pytest.mark.parametrize("confirm", [False, True], ids=["asked", "confirmed"])
def test_a_bad_return_is_refused_in_indonesian_and_changes_nothing(
    app, login, scenario, data, status, message, confirm
):
    cid = scenario["case_id"]
    at_step_4(app, login, cid)
    state = case_of(app, cid)
    data = {"action": "return", "version": state["version"], **data}
    if data["version"] == "stale":
        data["version"] = state["version"] - 1
    if confirm:
        data.setdefault("confirm", "1")
    k = login("koordinator")
    before = snapshot(app)
    r = decide(k, cid, **data)
    assert r.status_code == status and message in text(r)
    assert snapshot(app) == before and case_of(app, cid) == state


def test_someone_else_cannot_return_or_approve(app, login, scenario):
    cid = scenario["case_id"]
    at_step_4(app, login, cid)
    penulis = login("penulis")
    before, state = snapshot(app), case_of(app, cid)
    for action in ("return", "approve"):
        r = decide(penulis, cid, action=action, to_step="3", reason="x", confirm="1")
        assert r.status_code == 400
        assert "Langkah 4 hanya dapat dikerjakan oleh: koordinator." in text(r)
    assert snapshot(app) == before and case_of(app, cid) == state


def test_approval_says_what_happened_and_who_is_next_and_only_once(app, login, scenario):
    cid = scenario["case_id"]
    at_step_4(app, login, cid)
    k = login("koordinator")
    r = decide(k, cid, action="approve", version=case_of(app, cid)["version"])
    assert r.status_code == 302
    page = text(k.get(r.headers["Location"]))
    flash = re.search(r'class="flash flash-success"[^>]*>([^<]*)<', page).group(1)
    assert flash.endswith("ke Penulis Artikel/Berita (Demo Penulis).")
    assert "Keputusan tersimpan." not in page
    # approving again: the step has moved on; nothing changes
    before, state = snapshot(app), case_of(app, cid)
    r = decide(k, cid, action="approve")
    assert r.status_code == 400 and "Tindakan ini tidak tersedia pada langkah 5." in text(r)
    assert snapshot(app) == before and case_of(app, cid) == state


def test_step_8_shows_the_article_and_the_decision_first(app, login, scenario):
    cid = scenario["case_id"]
    at_step_8(app, login, cid)
    k = login("koordinator")
    html = text(k.get(f"/intranet/naskah/{cid}"))
    block = review_block(html)
    assert block.index('id="putuskan"') < block.index("Naskah yang diputuskan: revisi 1")
    assert ARTICLE_DATA["summary"] in block and "berlangsung tertib" in block
    assert f'href="/intranet/naskah/{cid}/pratinjau"' in block
    assert "Setujui dan teruskan ke Penanggung Jawab & Redaktur" in html
    options = re.findall(r"<option([^>]*)>([^<]*)</option>", block)
    assert [name for _a, name in options] == step_names(app, cid, range(1, 8))
    assert [n for n, (attrs, _name) in enumerate(options, 1) if "selected" in attrs] == [7]
    # after a correction at step 8 the page offers the comparison with the revision before
    with app.app_context():
        n = articles.latest_revision(db.session.get(Case, cid)).number
    corrected = {**ARTICLE_DATA, "base": n, "title": "Judul terkoreksi"}
    assert k.post(f"/intranet/naskah/{cid}/tulis", data=corrected).status_code == 302
    block = review_block(text(k.get(f"/intranet/naskah/{cid}")))
    assert "Naskah yang diputuskan: revisi 2" in block and "Judul terkoreksi" in block
    assert f"/intranet/naskah/{cid}/revisi?a=1&b=2" in block


def test_step_9_lists_each_approval_given_or_awaited(app, login, scenario):
    cid = scenario["case_id"]
    at_step_9(app, login, cid)
    red = login("redaktur")
    block = review_block(text(red.get(f"/intranet/naskah/{cid}")))
    assert "ditunggu</span> Penanggung Jawab: Demo Penanggung Jawab" in block
    assert "ditunggu</span> Redaktur: Demo Redaktur" in block
    assert "Setujui sebagai Redaktur" in block
    pj = login("penanggungjawab")
    r = decide(pj, cid, action="approve", version=case_of(app, cid)["version"])
    assert r.status_code == 302
    page = text(pj.get(r.headers["Location"]))
    assert (
        "Persetujuan Anda sebagai Penanggung Jawab tercatat. Menunggu persetujuan "
        "Redaktur (Demo Redaktur)." in page
    )
    block = review_block(text(red.get(f"/intranet/naskah/{cid}")))
    given = re.search(r"diberikan</span> Penanggung Jawab: Demo Penanggung Jawab, ([^<]*)", block)
    assert given and given.group(1).strip().endswith(", revisi 1")
    assert "ditunggu</span> Redaktur: Demo Redaktur" in block
    # the penanggungjawab approving a second time is refused, nothing changed
    before, state = snapshot(app), case_of(app, cid)
    r = decide(pj, cid, action="approve", version=state["version"])
    assert r.status_code == 400 and "persetujuan berikutnya harus dari orang lain" in text(r)
    assert snapshot(app) == before and case_of(app, cid) == state


def test_a_person_holding_both_roles_sees_which_they_approve_as(app, login, scenario):
    cid = scenario["case_id"]
    at_step_9(app, login, cid)
    with app.app_context():
        pj = db.session.execute(db.select(User).where(User.username == "penanggungjawab"))
        pj = pj.scalar_one()
        decree_id = pj.valid_memberships()[0].decree_id
        db.session.add(Membership(user_id=pj.id, decree_id=decree_id, role="redaktur"))
        db.session.commit()
    block = review_block(text(login("penanggungjawab").get(f"/intranet/naskah/{cid}")))
    assert (
        "Anda memegang peran Penanggung Jawab dan Redaktur pada langkah ini. Persetujuan ini "
        "dicatat sebagai Penanggung Jawab; persetujuan sebagai Redaktur harus diberikan orang "
        "lain." in block
    )
    assert ">Setujui sebagai Penanggung Jawab</button>" in block


def test_the_preview_page_offers_the_decision_with_the_version_guard(app, login, scenario):
    cid = scenario["case_id"]
    at_step_8(app, login, cid)
    k = login("koordinator")
    page = text(k.get(f"/intranet/naskah/{cid}/pratinjau"))
    version = case_of(app, cid)["version"]
    assert f'action="/intranet/naskah/{cid}/putuskan"' in page
    assert f'name="version" type="hidden" value="{version}"' in page
    assert page.index('id="putuskan"') < page.index('class="article"')
    assert "Setujui dan teruskan ke" in page and "Kembalikan ke langkah sebelumnya" in page
    # the penulis reads the same page without a decision
    assert 'id="putuskan"' not in text(login("penulis").get(f"/intranet/naskah/{cid}/pratinjau"))
    # a decision from a page loaded before a change is refused (409), nothing changed
    with app.app_context():
        n = articles.latest_revision(db.session.get(Case, cid)).number
    corrected = {**ARTICLE_DATA, "base": n, "title": "Judul terkoreksi"}
    assert k.post(f"/intranet/naskah/{cid}/tulis", data=corrected).status_code == 302
    before, state = snapshot(app), case_of(app, cid)
    r = decide(k, cid, action="approve", role="koordinator", version=version)
    assert r.status_code == 409
    assert snapshot(app) == before and case_of(app, cid) == state
    r = decide(k, cid, action="approve", role="koordinator", version=state["version"])
    assert r.status_code == 302 and case_of(app, cid)["step"] == 9


def test_the_emailed_link_leads_to_login_and_back_to_the_preview(app, login, scenario):
    cid = scenario["case_id"]
    token = build_preview(app, cid, recipient="koordinator")
    anon = app.test_client()
    page = text(anon.get(f"/pratinjau/{token}"))
    target = f"/intranet/naskah/{cid}/pratinjau"
    login_link = f"/intranet/login?next={target}"
    assert f'href="{login_link}">Masuk untuk memutuskan</a>' in page
    assert f'href="/intranet/naskah/{cid}">Halaman naskah</a>' in page
    r = anon.post(login_link, data={"username": "koordinator", "password": PASSWORD})
    assert r.status_code == 302 and r.headers["Location"] == target
    # signed in, the same link goes straight to the intranet's preview page
    page = text(anon.get(f"/pratinjau/{token}"))
    assert f'href="{target}">Putuskan di intranet</a>' in page


@pytest.mark.parametrize(
    "target",
    ["//evil.example/x", "https://evil.example/", "/\\evil.example", "/berita/x", "javascript:x"],
)
def test_login_never_returns_to_a_foreign_or_outside_address(app, target):
    c = app.test_client()
    r = c.post(
        "/intranet/login",
        query_string={"next": target},
        data={"username": "koordinator", "password": PASSWORD},
    )
    assert r.status_code == 302 and r.headers["Location"] == "/intranet/"


def test_a_published_correction_is_decided_at_the_top(app, login, scenario):
    cid = scenario["case_id"]
    slug = build_published(app, cid)
    red = login("redaktur")
    corrected = {**ARTICLE_DATA, "base": "1", "title": "Judul koreksi terbit"}
    assert red.post(f"/intranet/naskah/{cid}/koreksi-terbit", data=corrected).status_code == 302
    pj = login("penanggungjawab")
    html = text(pj.get(f"/intranet/naskah/{cid}"))
    block = review_block(html)
    assert "Koreksi yang diputuskan: revisi 2" in block and "Judul koreksi terbit" in block
    assert f"/intranet/naskah/{cid}/revisi?a=1&b=2" in block
    assert block.count("Setujui dan terbitkan koreksi") == 1
    assert html.count("Setujui dan terbitkan koreksi") == 1
    assert 'name="revision" value="2"' in block
    # the writer saves a newer correction while the PJ reads revision 2: approving 2 is refused
    newer = {**corrected, "base": "2", "title": "Judul koreksi terbit lagi"}
    assert red.post(f"/intranet/naskah/{cid}/koreksi-terbit", data=newer).status_code == 302
    r = pj.post(f"/intranet/naskah/{cid}/koreksi-terbit/setujui", data={"revision": "2"})
    assert r.status_code == 409 and "kini revisi 3" in text(r)
    assert "Judul koreksi terbit lagi" not in app.test_client().get(f"/berita/{slug}").get_data(
        as_text=True
    )
    r = pj.post(f"/intranet/naskah/{cid}/koreksi-terbit/setujui", data={"revision": "3"})
    assert r.status_code == 302
    page = text(pj.get(r.headers["Location"]))
    assert "Koreksi disetujui dan diterbitkan; situs kini menampilkan teks yang dikoreksi." in page
    assert 'id="periksa"' not in page
