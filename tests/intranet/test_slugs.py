"""Slugs: cut at a word boundary, unique by a suffix, a hand-typed taken slug refused by name."""

import pytest

from intranet.extensions import db
from intranet.models import Case
from intranet.services.slugs import cut
from intranet.services.slugs import slugify
from intranet.services.slugs import unique_slug
from tests.app.test_csrf import snapshot
from tests.fixtures.scenarios import build_scenario
from tests.intranet.test_article import ARTICLE
from tests.intranet.test_trail import put_case_at


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("KPU Cilacap Sapa Pemilih Pemula", "kpu-cilacap-sapa-pemilih-pemula"),
        ("Rekapitulasi ½ Hari di Kecamatan", "rekapitulasi-1-2-hari-di-kecamatan"),
        ("Sosialisasi di Pondok Pesantren Al-Hikmah", "sosialisasi-di-pondok-pesantren-al-hikmah"),
        ("Café Démocratie: Ünïcödé ñ Straße Łódź", "cafe-democratie-unicode-n-strasse-lodz"),
        ("  Pemilu   2029 —  tahap   I  ", "pemilu-2029-tahap-i"),
        ("!!! ??? … ---", ""),
        ("", ""),
        ("日本語のタイトル", ""),
    ],
)
def test_slugify(title, slug):
    assert slugify(title) == slug


def test_exactly_80_characters_is_kept_whole():
    title = " ".join(["abcdefghi"] * 8)  # 8 words of 9 letters and 7 hyphens: 79
    title += "x"  # 80
    assert len(slugify(title)) == 80 and slugify(title).endswith("ix")


def test_cut_at_a_word_boundary_never_mid_word_nor_with_a_hyphen():
    words = ["pengumuman", "hasil", "seleksi", "administrasi", "calon", "anggota", "panitia"]
    title = " ".join(words * 3)
    slug = slugify(title)
    assert len(slug) <= 80 and not slug.endswith("-")
    assert set(slug.split("-")) <= set(words)
    assert title.lower().replace(" ", "-").startswith(slug + "-")
    # a word ending exactly at 80 is kept; the hyphen after it is not
    eighty = "a" * 39 + "-" + "b" * 40
    assert cut(eighty + "-cccc") == eighty


def test_a_word_longer_than_80_is_cut_where_it_must():
    slug = slugify("x" * 120 + " akhir")
    assert slug == "x" * 80


def test_suffix_keeps_within_80(app, scenario):
    long_title = " ".join(["pengumuman"] * 10)
    with app.app_context():
        base = slugify(long_title)
        case = db.session.get(Case, scenario["case_id"])
        case.slug = base
        db.session.commit()
        other = build_scenario(app)["case_id"]
        slug = unique_slug(base, other)
        assert slug.endswith("-2") and len(slug) <= 80 and "--" not in slug
        assert slug == cut(base, 78) + "-2"


def test_taken_slug_twice_gets_2_then_3(app, login, scenario):
    ids = [scenario["case_id"], build_scenario(app)["case_id"], build_scenario(app)["case_id"]]
    c = login("penulis")
    for cid in ids:
        put_case_at(app, cid, 5)
        assert c.post(f"/intranet/naskah/{cid}/tulis", data=ARTICLE).status_code == 302
    base = "kpu-cilacap-sapa-pemilih-pemula-di-sma-negeri-1"
    with app.app_context():
        assert [db.session.get(Case, i).slug for i in ids] == [base, base + "-2", base + "-3"]
    # saving again (the editor sends the slug it shows) changes nothing
    again = {**ARTICLE, "slug": base + "-2", "base": "1"}
    assert c.post(f"/intranet/naskah/{ids[1]}/tulis", data=again).status_code == 302
    # the same title without a slug keeps the slug the case has
    same = {**ARTICLE, "base": "2"}
    assert c.post(f"/intranet/naskah/{ids[1]}/tulis", data=same).status_code == 302
    with app.app_context():
        assert db.session.get(Case, ids[1]).slug == base + "-2"


def test_hand_typed_taken_slug_is_refused_naming_the_article(app, login, scenario):
    first = scenario["case_id"]
    second = build_scenario(app)["case_id"]
    c = login("penulis")
    for cid in (first, second):
        put_case_at(app, cid, 5)
    assert c.post(f"/intranet/naskah/{first}/tulis", data=ARTICLE).status_code == 302
    with app.app_context():
        title = db.session.get(Case, first).title
    before = snapshot(app)
    r = c.post(
        f"/intranet/naskah/{second}/tulis",
        data={**ARTICLE, "slug": "kpu-cilacap-sapa-pemilih-pemula-di-sma-negeri-1"},
    )
    page = r.get_data(as_text=True)
    assert r.status_code == 400
    assert f"sudah dipakai naskah #{first}" in page and title in page
    assert snapshot(app) == before


def test_all_punctuation_title_is_refused_with_a_message(app, login, scenario):
    cid = scenario["case_id"]
    put_case_at(app, cid, 5)
    c = login("penulis")
    before = snapshot(app)
    r = c.post(f"/intranet/naskah/{cid}/tulis", data={**ARTICLE, "title": "?!… —"})
    assert r.status_code == 400
    assert "harus memuat huruf atau angka" in r.get_data(as_text=True)
    assert snapshot(app) == before
