"""Step 5 and corrections at step 8: sanitised revisions, hashes, slugs, conflicts, comparison."""

import pytest

from intranet.extensions import db
from intranet.models import Case
from intranet.models import Revision
from intranet.services import trail
from tests.app.test_csrf import snapshot
from tests.intranet.test_trail import put_case_at

ARTICLE = {
    "title": "KPU Cilacap Sapa Pemilih Pemula di SMA Negeri 1",
    "slug": "",
    "summary": "Ratusan siswa kelas XII mengikuti sosialisasi pemilih pemula.",
    "body_html": "<h2>Antusias</h2><p>Siswa <strong>antusias</strong> bertanya tentang <em>DPT</em>.</p>"
    "<ul><li>Materi hak pilih</li><li>Simulasi pencoblosan</li></ul><blockquote>Kami siap memilih.</blockquote>"
    '<p><a href="https://kpu.go.id">Situs KPU</a></p>',
    "category_id": "2",
    "tags": "Pemilih Pemula, Sosialisasi, pemilih pemula",
    "ppid": "serta_merta",
    "credits": "Tim Humas KPU Kabupaten Cilacap",
    "note": "",
    "base": "0",
}


def test_writing_saves_sanitised_revisions_with_hashes(app, login, scenario):
    cid = scenario["case_id"]
    put_case_at(app, cid, 5)
    penulis = login("penulis")
    assert penulis.get(f"/intranet/naskah/{cid}/tulis").status_code == 200
    assert penulis.post(f"/intranet/naskah/{cid}/tulis", data=ARTICLE).status_code == 302
    hostile = {
        **ARTICLE,
        "base": "1",
        "body_html": ARTICLE["body_html"]
        + '<script>alert(1)</script><img src=x onerror=alert(2)><a href="javascript:alert(3)">x</a>'
        '<iframe src="https://evil.example"></iframe><p style="background:url(javascript:alert(4))" onclick="x">ok</p>',
    }
    # what the cleaning would drop is named first, and nothing is saved ...
    refused = penulis.post(f"/intranet/naskah/{cid}/tulis", data=hostile)
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    for named in (
        "unsur &lt;script&gt; beserta isinya",
        "tautan dengan alamat tidak aman",
        "unsur &lt;iframe&gt;",
        "gaya inline pada &lt;p&gt;",
        "atribut onclick pada &lt;p&gt;",
        "Simpan tanpa unsur itu",
    ):
        assert named in page
    # ... until the writer accepts the loss
    accepted = {**hostile, "accept_drops": "y"}
    assert penulis.post(f"/intranet/naskah/{cid}/tulis", data=accepted).status_code == 302
    with app.app_context():
        revs = db.session.execute(db.select(Revision).order_by(Revision.number)).scalars().all()
        assert [r.number for r in revs] == [1, 2]
        r = revs[1]
        for bad in ("<script", "onerror", "javascript:", "<iframe", "style=", "onclick"):
            assert bad not in r.body_html
        assert "<strong>antusias</strong>" in r.body_html and "<blockquote>" in r.body_html
        assert 'rel="noopener noreferrer nofollow"' in r.body_html
        assert r.slug == "kpu-cilacap-sapa-pemilih-pemula-di-sma-negeri-1"
        assert r.tags == "pemilih pemula,sosialisasi"
        assert r.kind == "edit" and r.step == 5
        case = db.session.get(Case, cid)
        assert case.revision_hash == r.content_hash != revs[0].content_hash
        assert case.slug == r.slug
    page = penulis.get(f"/intranet/naskah/{cid}/tulis").get_data(as_text=True)
    assert "vendor/quill-2.0.3/quill.js" in page and "<script>alert(1)</script>" not in page
    assert (
        penulis.post(f"/intranet/naskah/{cid}/putuskan", data={"action": "complete"}).status_code
        == 302
    )
    with app.app_context():
        assert db.session.get(Case, cid).step == 6
        assert trail.verify_all() == (1, [])


def test_stale_article_save_is_409_with_both_versions(app, login, scenario):
    cid = scenario["case_id"]
    put_case_at(app, cid, 5)
    a, b = login("penulis"), login("penulis")
    assert a.post(f"/intranet/naskah/{cid}/tulis", data=ARTICLE).status_code == 302
    r = b.post(f"/intranet/naskah/{cid}/tulis", data={**ARTICLE, "title": "Judul dari tab kedua"})
    assert r.status_code == 409
    page = r.get_data(as_text=True)
    assert "Judul dari tab kedua" in page and ARTICLE["title"] in page
    with app.app_context():
        assert (
            db.session.execute(db.select(db.func.count()).select_from(Revision)).scalar_one() == 1
        )


@pytest.mark.parametrize(
    "who,overrides,status,message",
    [
        ("redaktur", {}, 400, "hanya dapat dikerjakan oleh"),
        ("penulis", {"title": ""}, 400, "Wajib diisi."),
        ("penulis", {"summary": "x" * 1001}, 400, "Maksimal 1000 karakter."),
        ("penulis", {"body_html": "<script>alert(1)</script>"}, 400, "Isi berita kosong"),
        ("penulis", {"body_html": ""}, 400, "Wajib diisi."),
        ("penulis", {"slug": "Bukan Slug!"}, 400, "Hanya huruf kecil"),
        ("penulis", {"title": "—— !!! ——"}, 400, "harus memuat huruf atau angka"),
        ("penulis", {"ppid": "rahasia"}, 400, "Pilihan tidak valid."),
        ("penulis", {"category_id": "999"}, 400, "Pilihan tidak valid."),
        ("penulis", {"base": "7"}, 409, "sudah disimpan orang lain"),
        ("penulis", {"base": "x"}, 400, "bilangan bulat"),
    ],
)
def test_article_refusals(app, login, scenario, who, overrides, status, message):
    cid = scenario["case_id"]
    put_case_at(app, cid, 5)
    c = login(who)
    before = snapshot(app)
    r = c.post(f"/intranet/naskah/{cid}/tulis", data={**ARTICLE, **overrides})
    assert r.status_code == status
    assert message in r.get_data(as_text=True)
    assert snapshot(app) == before


def test_slug_is_unique_across_cases(app, login, scenario):
    from tests.fixtures.scenarios import build_scenario

    first = scenario["case_id"]
    second = build_scenario(app)["case_id"]
    for cid in (first, second):
        put_case_at(app, cid, 5)
    c = login("penulis")
    assert c.post(f"/intranet/naskah/{first}/tulis", data=ARTICLE).status_code == 302
    # a slug made from the same title gets a suffix rather than a refusal
    assert c.post(f"/intranet/naskah/{second}/tulis", data=ARTICLE).status_code == 302
    with app.app_context():
        assert (
            db.session.get(Case, second).slug == "kpu-cilacap-sapa-pemilih-pemula-di-sma-negeri-1-2"
        )
    # a hand-typed slug that is taken is refused, naming the case holding it
    third = build_scenario(app)["case_id"]
    put_case_at(app, third, 5)
    typed = {**ARTICLE, "slug": "kpu-cilacap-sapa-pemilih-pemula-di-sma-negeri-1"}
    r = c.post(f"/intranet/naskah/{third}/tulis", data=typed)
    assert r.status_code == 400 and f"sudah dipakai naskah #{first}" in r.get_data(as_text=True)
    assert (
        c.post(
            f"/intranet/naskah/{third}/tulis", data={**ARTICLE, "slug": "sapa-pemilih-pemula-2"}
        ).status_code
        == 302
    )


def test_correction_at_step_8_voids_nothing_it_should_not_and_is_compared(app, login, scenario):
    cid = scenario["case_id"]
    put_case_at(app, cid, 5)
    assert login("penulis").post(f"/intranet/naskah/{cid}/tulis", data=ARTICLE).status_code == 302
    put_case_at(app, cid, 8)
    k = login("koordinator")
    corrected = {
        **ARTICLE,
        "base": "1",
        "title": "KPU Cilacap Sapa 300 Pemilih Pemula di SMA Negeri 1",
        "note": "Jumlah peserta ditambahkan",
    }
    assert k.post(f"/intranet/naskah/{cid}/tulis", data=corrected).status_code == 302
    with app.app_context():
        r = db.session.execute(db.select(Revision).where(Revision.number == 2)).scalar_one()
        assert (r.kind, r.author.username, r.step, r.note) == (
            "correction",
            "koordinator",
            8,
            "Jumlah peserta ditambahkan",
        )
    page = k.get(f"/intranet/naskah/{cid}/revisi?a=1&b=2").get_data(as_text=True)
    assert "koreksi" in page and 'class="diff"' in page and "300" in page
    # the koordinator hands the corrected article to the redaktur: their correction is not "their" article
    assert k.post(f"/intranet/naskah/{cid}/putuskan", data={"action": "approve"}).status_code == 302
    with app.app_context():
        case = db.session.get(Case, cid)
        assert case.step == 9 and case.trail[-1].revision_hash == case.revision_hash
        assert trail.verify_all() == (1, [])


def test_step_nine_two_people_same_revision_and_a_correction_voids(app, login, scenario):
    cid = scenario["case_id"]
    put_case_at(app, cid, 5)
    assert login("penulis").post(f"/intranet/naskah/{cid}/tulis", data=ARTICLE).status_code == 302
    put_case_at(app, cid, 9)
    pj, red, k = login("penanggungjawab"), login("redaktur"), login("koordinator")
    assert (
        pj.post(f"/intranet/naskah/{cid}/putuskan", data={"action": "approve"}).status_code == 302
    )
    r = pj.post(f"/intranet/naskah/{cid}/putuskan", data={"action": "approve"})
    assert r.status_code == 400 and "orang lain" in r.get_data(as_text=True)
    # the redaktur sends it back for a correction: the earlier approval no longer counts
    r = red.post(
        f"/intranet/naskah/{cid}/putuskan",
        data={"action": "return", "to_step": "8", "reason": "Judul kurang tepat", "confirm": "1"},
    )
    assert r.status_code == 302
    corrected = {**ARTICLE, "base": "1", "title": "Judul yang dikoreksi koordinator"}
    assert k.post(f"/intranet/naskah/{cid}/tulis", data=corrected).status_code == 302
    assert k.post(f"/intranet/naskah/{cid}/putuskan", data={"action": "approve"}).status_code == 302
    assert (
        red.post(f"/intranet/naskah/{cid}/putuskan", data={"action": "approve"}).status_code == 302
    )
    with app.app_context():
        case = db.session.get(Case, cid)
        assert case.step == 9  # the penanggungjawab must approve the corrected text again
    assert (
        pj.post(f"/intranet/naskah/{cid}/putuskan", data={"action": "approve"}).status_code == 302
    )
    with app.app_context():
        case = db.session.get(Case, cid)
        assert case.step == 10
        final = [e for e in case.trail if e.step == 9 and e.action == "approve"][-2:]
        assert {e.role for e in final} == {"penanggungjawab", "redaktur"}
        assert {e.revision_hash for e in final} == {case.revision_hash}
        assert trail.verify_all() == (1, [])


def test_compare_escapes_and_handles_bad_numbers(app, login, scenario):
    cid = scenario["case_id"]
    put_case_at(app, cid, 5)
    c = login("penulis")
    c.post(
        f"/intranet/naskah/{cid}/tulis",
        data={**ARTICLE, "title": "Judul <script>alert(1)</script>"},
    )
    c.post(f"/intranet/naskah/{cid}/tulis", data={**ARTICLE, "base": "1"})
    page = c.get(f"/intranet/naskah/{cid}/revisi?a=1&b=2").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    for q in ("a=1&b=99", "a=x&b=1", "a=-1&b=0", "a=99999999999999999999&b=1"):
        assert c.get(f"/intranet/naskah/{cid}/revisi?{q}").status_code == 200


def test_a_corrector_cannot_approve_their_correction_at_step_9(app, login, scenario):
    """The koordinator corrects at step 8 and hands on; as Plh penanggung jawab they may not approve it."""
    from datetime import timedelta

    from intranet.clock import today
    from intranet.models import Delegation
    from intranet.models import User

    cid = scenario["case_id"]
    put_case_at(app, cid, 5)
    assert login("penulis").post(f"/intranet/naskah/{cid}/tulis", data=ARTICLE).status_code == 302
    put_case_at(app, cid, 8)
    k = login("koordinator")
    assert (
        k.post(
            f"/intranet/naskah/{cid}/tulis", data={**ARTICLE, "base": "1", "title": "Dikoreksi"}
        ).status_code
        == 302
    )
    assert k.post(f"/intranet/naskah/{cid}/putuskan", data={"action": "approve"}).status_code == 302
    with app.app_context():
        users = {u.username: u for u in db.session.execute(db.select(User)).scalars()}
        db.session.add(
            Delegation(
                role="penanggungjawab",
                absent_user_id=users["penanggungjawab"].id,
                substitute_id=users["koordinator"].id,
                valid_from=today(),
                valid_until=today() + timedelta(days=1),
                reason="Dinas",
                created_by_id=users["penanggungjawab"].id,
            )
        )
        db.session.commit()
    r = k.post(f"/intranet/naskah/{cid}/putuskan", data={"action": "approve"})
    assert r.status_code == 400 and "tulis sendiri" in r.get_data(as_text=True)


def test_long_articles_fit_every_database(app, login, scenario):
    cid = scenario["case_id"]
    put_case_at(app, cid, 5)
    long_body = "<p>" + "é" * 60_000 + "</p>"
    assert (
        login("penulis")
        .post(f"/intranet/naskah/{cid}/tulis", data={**ARTICLE, "body_html": long_body})
        .status_code
        == 302
    )
    r = login("penulis").post(
        f"/intranet/naskah/{cid}/tulis",
        data={**ARTICLE, "base": "1", "body_html": "<p>" + "x" * 200_001 + "</p>"},
    )
    assert r.status_code == 400 and "Maksimal 200000 karakter." in r.get_data(as_text=True)
