"""Step 10: publication, the public site, feeds, sitemap, withdrawal, scheduling, caching."""

import re
from datetime import timedelta

import feedparser
import pytest

from intranet.clock import utcnow
from intranet.extensions import db
from intranet.models import Article
from intranet.models import Case
from intranet.models import OutboxMessage
from intranet.services import trail
from tests.fixtures.scenarios import build_preview
from tests.fixtures.scenarios import build_published
from tests.fixtures.scenarios import build_scenario

PUBLIC_PATHS = [
    "/",
    "/kategori/berita-terkini",
    "/feed.xml",
    "/feed.atom",
    "/feed.json",
    "/kategori/berita-terkini/feed.xml",
    "/kategori/berita-terkini/feed.atom",
    "/kategori/berita-terkini/feed.json",
    "/sitemap.xml",
    "/cari?q=rapat",
]


def everywhere(client, slug):
    """Which public URLs mention the article."""
    found = [p for p in PUBLIC_PATHS if slug in client.get(p).get_data(as_text=True)]
    r = client.get(f"/berita/{slug}")
    return found, r.status_code


def test_the_redaktur_publishes_and_it_is_everywhere(app, login, scenario):
    cid = scenario["case_id"]
    build_preview(app, cid)
    with app.app_context():
        case = db.session.get(Case, cid)
        case.step = 10
        db.session.commit()
    red = login("redaktur")
    page = red.get(f"/intranet/naskah/{cid}").get_data(as_text=True)
    assert "Terbitkan" in page
    r = red.post(f"/intranet/naskah/{cid}/terbitkan", data={"scheduled": ""})
    assert r.status_code == 302, r.get_data(as_text=True)[-2000:]
    with app.app_context():
        case = db.session.get(Case, cid)
        article = db.session.execute(db.select(Article)).scalar_one()
        slug = article.slug
        assert case.status == "published" and [e.action for e in case.trail[-2:]] == [
            "publish",
            "archive",
        ]
        assert case.trail[-2].extra["partners_told"] == ["humas@bawaslu-cilacap.example"]
        partner = db.session.execute(
            db.select(OutboxMessage).where(OutboxMessage.kind == "partner")
        ).scalar_one()
        assert (
            partner.to_email == "humas@bawaslu-cilacap.example"
            and f"/berita/{slug}" in partner.body
        )
        assert trail.verify_all()[1] == []
    anon = app.test_client()
    found, status = everywhere(anon, slug)
    assert status == 200 and set(found) == set(PUBLIC_PATHS)
    page = anon.get(f"/berita/{slug}").get_data(as_text=True)
    for needle in (
        'property="og:title"',
        'rel="canonical"',
        "wa.me",
        "t.me/share",
        "facebook.com/sharer",
        "twitter.com/intent",
        "/media/foto/",
    ):
        assert needle in page
    # photos in web sizes, at addresses that name their content
    photo = re.search(r'src="(/media/foto/\d+/[0-9a-f]{16}/\d+\.(?:jpg|png))"', page).group(1)
    p = anon.get(photo)
    assert p.status_code == 200
    p.close()
    # social posts, recorded by the redaktur
    r = red.post(
        f"/intranet/naskah/{cid}/sosial",
        data={"platform": "instagram", "url": "https://www.instagram.com/p/abc123/"},
    )
    assert r.status_code == 302
    assert "instagram.com/p/abc123" in red.get(f"/intranet/naskah/{cid}").get_data(as_text=True)
    for bad in (
        {"platform": "instagram", "url": "javascript:alert(1)"},
        {"platform": "myspace", "url": "https://x.example/a"},
        {"platform": "x", "url": ""},
    ):
        assert red.post(f"/intranet/naskah/{cid}/sosial", data=bad).status_code == 400
    # withdrawal: gone from everywhere in the next request, 410 on its page
    r = red.post(f"/intranet/naskah/{cid}/tarik", data={"reason": "Data jumlah pemilih keliru."})
    assert r.status_code == 302
    found, status = everywhere(anon, slug)
    assert status == 410 and found == []
    assert anon.get(photo).status_code == 404


def test_feeds_parse_cleanly(app, scenario):
    for _ in range(2):
        build_published(app, build_scenario(app)["case_id"])
    client = app.test_client()
    for path in (
        "/feed.xml",
        "/feed.atom",
        "/kategori/berita-terkini/feed.xml",
        "/kategori/berita-terkini/feed.atom",
    ):
        parsed = feedparser.parse(client.get(path).data)
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))
        assert len(parsed.entries) == 2
        e = parsed.entries[0]
        alternate = [lk.href for lk in e.links if lk.get("rel", "alternate") == "alternate"]
        assert e.title and alternate and alternate[0].startswith("http://localhost/berita/")
        assert e.summary and e.published_parsed
        assert e.tags[0].term in ("berita-terkini", "Berita Terkini")
        assert e.enclosures and e.enclosures[0].type == "image/jpeg"
        assert "Rapat pleno rekapitulasi" in (e.get("content") or [{}])[0].get("value", "")
    js = client.get("/feed.json").get_json()
    assert js["version"] == "https://jsonfeed.org/version/1.1" and len(js["items"]) == 2
    assert js["items"][0]["attachments"][0]["mime_type"] == "image/jpeg"
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    assert sitemap.count("<lastmod>") >= 3 and "<urlset" in sitemap


def test_scheduled_article_appears_by_itself_when_its_time_comes(app, scenario):
    cid = scenario["case_id"]
    slug = build_published(app, cid, when=utcnow() + timedelta(hours=2))
    client = app.test_client()
    found, status = everywhere(client, slug)
    assert status == 404 and found == []
    # time travel: the clock passes the scheduled time (nobody touches the intranet)
    with app.app_context():
        db.session.execute(db.update(Article).values(published_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    found, status = everywhere(client, slug)
    assert status == 200 and set(found) == set(PUBLIC_PATHS)


def test_conditional_requests_get_304(app, scenario):
    build_published(app, scenario["case_id"])
    client = app.test_client()
    for path in ("/", "/feed.xml"):
        r = client.get(path)
        etag = r.headers["ETag"]
        assert r.headers["Last-Modified"]
        again = client.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304
        assert (
            client.get(path, headers={"If-Modified-Since": r.headers["Last-Modified"]}).status_code
            == 304
        )


def test_unknown_public_addresses(app):
    client = app.test_client()
    for path in (
        "/berita/tidak-ada",
        "/kategori/tidak-ada",
        "/kategori/tidak-ada/feed.xml",
        "/media/foto/1/penuh",
        "/media/foto/999999999999/kecil",
    ):
        assert client.get(path).status_code == 404, path
    for q in ("", "%00", "<script>", "x" * 500):
        assert client.get(f"/cari?q={q}").status_code == 200
    assert (
        client.get("/?halaman=-5").status_code == 200
        and client.get("/?halaman=abc").status_code == 200
    )


@pytest.mark.parametrize(
    "overrides,status,message",
    [
        ({"scheduled": "kemarin"}, 400, "Tanggal dan waktu tidak valid."),
        ({"scheduled": "2026-02-30T10:00"}, 400, "Tanggal dan waktu tidak valid."),
    ],
)
def test_publish_refusals(app, login, scenario, overrides, status, message):
    cid = scenario["case_id"]
    build_preview(app, cid)
    with app.app_context():
        db.session.get(Case, cid).step = 10
        db.session.commit()
    r = login("penulis").post(f"/intranet/naskah/{cid}/terbitkan", data={"scheduled": ""})
    assert r.status_code == 400 and "hanya dapat dikerjakan oleh" in r.get_data(as_text=True)
    r = login("redaktur").post(f"/intranet/naskah/{cid}/terbitkan", data=overrides)
    assert r.status_code == status and message in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(Article)).scalar_one() == 0


def test_a_case_never_laid_out_is_refused_not_a_500(app, login, scenario):
    """At step 3 it has no address yet; and even moved to step 10 without a preview."""
    cid = scenario["case_id"]
    r = login("redaktur").post(f"/intranet/naskah/{cid}/terbitkan", data={"scheduled": ""})
    assert r.status_code in (400, 409), r.status_code
    with app.app_context():
        db.session.get(Case, cid).step = 10
        db.session.commit()
    r = login("redaktur").post(f"/intranet/naskah/{cid}/terbitkan", data={"scheduled": ""})
    assert r.status_code == 400
    assert "belum terpenuhi: alamat berita terbit" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(Article)).scalar_one() == 0
        assert db.session.get(Case, cid).status == "open"


def test_feed_channel_links_to_the_site(app, scenario):
    build_published(app, scenario["case_id"])
    parsed = feedparser.parse(app.test_client().get("/feed.xml").data)
    assert parsed.feed.link == "http://localhost/"


def test_correcting_a_published_article(app, login, scenario):
    from intranet.models import PublishedVersion
    from intranet.services.articles import latest_revision
    from tests.fixtures.scenarios import ARTICLE_DATA

    cid = scenario["case_id"]
    slug = build_published(app, cid)
    with app.app_context():
        base = latest_revision(db.session.get(Case, cid)).number
    red, pj = login("redaktur"), login("penanggungjawab")
    assert red.get(f"/intranet/naskah/{cid}/koreksi-terbit").status_code == 200
    corrected = {
        **ARTICLE_DATA,
        "base": base,
        "title": "Rapat pleno DPT (diperbarui)",
        "slug": "alamat-lain",
        "note": "Jumlah TPS diperbaiki",
    }
    assert (
        login("penulis").post(f"/intranet/naskah/{cid}/koreksi-terbit", data=corrected).status_code
        == 400
    )
    assert red.post(f"/intranet/naskah/{cid}/koreksi-terbit", data=corrected).status_code == 302
    anon = app.test_client()
    assert "Rapat pleno DPT (diperbarui)" not in anon.get(f"/berita/{slug}").get_data(as_text=True)
    approve = f"/intranet/naskah/{cid}/koreksi-terbit/setujui"
    r = red.post(approve, data={"revision": "2"})
    assert r.status_code == 400 and "hanya dapat dilakukan oleh: penanggungjawab" in r.get_data(
        as_text=True
    )
    # the revision read must be named, and be the one pending (no 500 on a bad value)
    for bad in ({}, {"revision": ""}, {"revision": "dua"}, {"revision": "²"}, {"revision": "-2"}):
        r = pj.post(approve, data=bad)
        assert r.status_code == 400 and "tidak disebut" in r.get_data(as_text=True), bad
    r = pj.post(approve, data={"revision": "1"})
    assert r.status_code == 409 and "Koreksi sudah berubah" in r.get_data(as_text=True)
    assert pj.post(approve, data={"revision": "2"}).status_code == 302
    page = anon.get(f"/berita/{slug}").get_data(as_text=True)  # same address, corrected text
    assert "Rapat pleno DPT (diperbarui)" in page
    assert "Rapat pleno DPT (diperbarui)" in anon.get("/feed.xml").get_data(as_text=True)
    with app.app_context():
        versions = (
            db.session.execute(db.select(PublishedVersion).order_by(PublishedVersion.number))
            .scalars()
            .all()
        )
        assert [v.number for v in versions] == [1, 2] and versions[
            1
        ].note == "Jumlah TPS diperbaiki"
        assert trail.verify_all()[1] == []
    staff = red.get(f"/intranet/naskah/{cid}/versi/1").get_data(as_text=True)
    assert "Versi terbit 1 dari 2" in staff and "Rapat pleno DPT" in staff
    assert red.get(f"/intranet/naskah/{cid}/versi/9").status_code == 404
    r = pj.post(f"/intranet/naskah/{cid}/koreksi-terbit/setujui", data={"revision": "2"})
    assert r.status_code == 400 and "Tidak ada koreksi" in r.get_data(as_text=True)


def test_a_stale_publish_form_is_a_409(app, login, scenario):
    cid = scenario["case_id"]
    build_preview(app, cid)
    with app.app_context():
        db.session.get(Case, cid).step = 10
        db.session.commit()
    r = login("redaktur").post(
        f"/intranet/naskah/{cid}/terbitkan", data={"scheduled": "", "version": "0"}
    )
    assert r.status_code == 409 and "sudah diubah orang lain" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(Article)).scalar_one() == 0
