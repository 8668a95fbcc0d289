"""Plain words: sizes in KB/MB, technical details behind "Detail teknis", the fixity check
started from its page, and the public site's own 404 and 410."""

import re

import lxml.html
import pytest

from archive import fixity
from archive.models import ArchiveRecord
from archive.models import FixityRun
from intranet import queue
from intranet.extensions import db
from intranet.models import Article
from intranet.models import User
from intranet.services import publishing
from intranet.templating import filesize
from tests.fixtures.scenarios import build_published

HEX64 = re.compile(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])")
#: Words a reader outside the archive's technical side should not meet.
JARGON = ("Kepala rantai", "fiksitas", "berkas liar", "Kueri", "Source", "Supplement", " bita")


# --- sizes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (0, "0 B"),
        (1, "1 B"),
        (1023, "1023 B"),
        (1024, "1 KB"),
        (1536, "1,5 KB"),
        (109_720, "107,1 KB"),
        (1024 * 1024 - 1, "1 MB"),
        (1024 * 1024, "1 MB"),
        (int(1.5 * 1024 * 1024), "1,5 MB"),
        (3_355_443, "3,2 MB"),
        (1024**3, "1 GB"),
        (5 * 1024**4, "5 TB"),
        (None, "—"),
    ],
)
def test_sizes_read_in_kb_and_mb_with_a_decimal_comma(app, size, shown):
    with app.test_request_context():
        assert filesize(size) == shown


def test_the_filter_is_what_templates_use(app):
    with app.test_request_context():
        html = app.jinja_env.from_string("{{ 109720|filesize }}").render()
    assert html == "107,1 KB"


# --- what the pages show ------------------------------------------------------------------


def _doc(html):
    return lxml.html.document_fromstring(html)


def _visible_text(html):
    """The page's text a reader sees without opening a "Detail teknis" disclosure."""
    doc = lxml.html.document_fromstring(html)
    for hidden in doc.xpath(
        "//details[contains(@class, 'technical')] | //script | //style | //head"
    ):
        hidden.drop_tree()
    return " ".join(doc.itertext())


def _published(app, scenario):
    build_published(app, scenario["case_id"])
    with app.app_context():
        return db.session.execute(db.select(ArchiveRecord.id)).scalar_one()


def test_hashes_and_jargon_sit_behind_detail_teknis(app, scenario, login):
    """The main pages of the case and its record, for each role that sees them: no 64-hex
    hash, no jargon in the visible text; the details are one click away."""
    record_id = _published(app, scenario)
    with app.app_context():
        fixity.verify()
        run_id = db.session.execute(db.select(FixityRun.id)).scalar_one()
    case_id = scenario["case_id"]
    pages = {
        "arsiparis": [
            f"/arsip/{record_id}",
            "/arsip/",
            "/arsip/fiksitas",
            f"/arsip/fiksitas/{run_id}",
            "/arsip/lokasi",
            "/arsip/cari?q=((",
            f"/intranet/naskah/{case_id}",
        ],
        "redaktur": [
            f"/intranet/naskah/{case_id}",
            f"/intranet/naskah/{case_id}/revisi",
            f"/arsip/{record_id}",
        ],
        "penanggungjawab": [f"/intranet/naskah/{case_id}", f"/arsip/{record_id}"],
        "koordinator": [f"/intranet/naskah/{case_id}"],
    }
    for user, urls in pages.items():
        client = login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (user, url)
            html = response.get_data(as_text=True)
            text = _visible_text(html)
            assert not HEX64.search(text), (user, url, HEX64.search(text).group())
            for word in JARGON:
                assert word not in text, (user, url, word)
            if url.startswith((f"/arsip/{record_id}", f"/intranet/naskah/{case_id}")):
                details = _doc(html).xpath("//details[contains(@class, 'technical')]")
                assert details and details[0].findtext("summary") == "Detail teknis"
                assert any(HEX64.search(d.text_content()) for d in details)


def test_the_record_page_gives_sizes_in_kb(app, scenario, login):
    record_id = _published(app, scenario)
    with app.app_context():
        record = db.session.get(ArchiveRecord, record_id)
        with app.test_request_context():
            sizes = [filesize(f.size) for f in record.current.files]
            sizes.append(filesize(record.current.berkas_size))
    text = _visible_text(login("arsiparis").get(f"/arsip/{record_id}").get_data(as_text=True))
    for shown in sizes:
        assert shown in text
    assert not re.search(r"\d\.\d{3} B\b", text)  # no "109.720 B"


# --- "Periksa sekarang" -------------------------------------------------------------------


def test_periksa_sekarang_queues_one_check_and_shows_its_result(app, scenario, login):
    _published(app, scenario)
    arsiparis = login("arsiparis")
    page = arsiparis.get("/arsip/fiksitas").get_data(as_text=True)
    assert "Periksa sekarang" in page and "flask --app" not in page
    first = arsiparis.post("/arsip/fiksitas/periksa")
    second = arsiparis.post("/arsip/fiksitas/periksa")
    assert first.status_code == second.status_code == 302
    with app.app_context():
        rows = (
            db.session.execute(
                db.select(queue.BackgroundTask).where(queue.BackgroundTask.name == "archive.verify")
            )
            .scalars()
            .all()
        )
        assert [r.state for r in rows] == ["menunggu"]
    waiting = arsiparis.get("/arsip/fiksitas").get_data(as_text=True)
    assert "dalam antrean" in waiting
    [button] = _doc(waiting).xpath("//button[normalize-space()='Periksa sekarang']")
    assert button.get("disabled") is not None

    counts = queue.run_burst(app)
    assert counts["selesai"] >= 1
    with app.app_context():
        run = db.session.execute(
            db.select(FixityRun).order_by(FixityRun.id.desc()).limit(1)
        ).scalar_one()
        assert run.ok and run.files_checked > 0
    done = arsiparis.get("/arsip/fiksitas").get_data(as_text=True)
    assert "selesai" in done and f"/arsip/fiksitas/{run.id}" in done
    assert f"semua {run.files_checked} berkas utuh" in done

    # asked again after it ended: a new check is queued
    arsiparis.post("/arsip/fiksitas/periksa")
    with app.app_context():
        states = (
            db.session.execute(
                db.select(queue.BackgroundTask.state)
                .where(queue.BackgroundTask.name == "archive.verify")
                .order_by(queue.BackgroundTask.id)
            )
            .scalars()
            .all()
        )
    assert states == ["selesai", "menunggu"]


def test_periksa_sekarang_runs_at_once_on_the_eager_queue(app_factory):
    app = app_factory(QUEUE_EAGER=True)
    with app.app_context():
        from intranet.cli import load_demo
        from tests.conftest import PASSWORD

        load_demo(PASSWORD)
    client = app.test_client()
    client.post("/intranet/login", data={"username": "arsiparis", "password": PASSWORD})
    response = client.post("/arsip/fiksitas/periksa", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Pemeriksaan keutuhan berkas masuk antrean" in html
    with app.app_context():
        run = db.session.execute(db.select(FixityRun)).scalar_one()
    assert f"/arsip/fiksitas/{run.id}" in html


def test_periksa_sekarang_needs_a_valid_form(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        from intranet.cli import load_demo
        from tests.conftest import PASSWORD

        load_demo(PASSWORD)
    client = app.test_client()
    page = client.get("/intranet/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post(
        "/intranet/login",
        data={"username": "arsiparis", "password": PASSWORD, "csrf_token": token},
    )
    assert client.post("/arsip/fiksitas/periksa").status_code == 400
    with app.app_context():
        assert fixity.latest_check() is None


def test_periksa_sekarang_is_for_the_keepers(app, login):
    for role in ("redaktur", "koordinator", "penanggungjawab"):
        assert login(role).post("/arsip/fiksitas/periksa").status_code == 403
    with app.app_context():
        assert fixity.latest_check() is None


# --- the public 404 and 410 ---------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/berita/tidak-ada", "/kategori/tidak-ada", "/tidak-ada", "/kategori/tidak-ada/feed.xml"],
)
def test_a_missing_public_page_wears_the_public_look(client, path):
    response = client.get(path)
    assert response.status_code == 404
    doc = _doc(response.get_data(as_text=True))
    assert doc.body.get("class") == "public"
    assert doc.findtext(".//h1").strip() == "Halaman tidak ditemukan"
    assert doc.xpath("//main//a[@href='/'][normalize-space()='Kembali ke beranda']")
    assert doc.xpath("//main//form[@action='/cari']//input[@name='q']")
    assert doc.xpath("//meta[@name='robots'][@content='noindex']")
    assert response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", ["/intranet/tidak-ada", "/arsip/999999", "/arsip/tidak/ada"])
def test_a_missing_intranet_page_keeps_the_intranet_look(login, path):
    response = login("arsiparis").get(path)
    assert response.status_code == 404
    doc = _doc(response.get_data(as_text=True))
    assert "public" not in (doc.body.get("class") or "")
    assert doc.findtext(".//h1").strip() == "Halaman tidak ditemukan"
    assert not doc.xpath("//form[@action='/cari']")


def test_a_withdrawn_article_is_410_in_the_public_look_and_still_cached(app, scenario):
    slug = build_published(app, scenario["case_id"])
    with app.app_context():
        article = db.session.execute(db.select(Article)).scalar_one()
        red = db.session.execute(db.select(User).where(User.username == "redaktur")).scalar_one()
        publishing.withdraw(article, red, "Data keliru")
    client = app.test_client()
    first = client.get(f"/berita/{slug}")
    second = client.get(f"/berita/{slug}")
    assert first.status_code == second.status_code == 410
    assert first.get_data() == second.get_data()
    assert _doc(first.get_data(as_text=True)).body.get("class") == "public"
    assert second.headers["Content-Security-Policy"]
    assert first.headers.get("ETag")


def test_the_410_error_page_is_public_under_public_paths(app):
    with app.test_request_context("/berita/lama"):
        from intranet.errors import render_error

        html, code = render_error(410)
    assert code == 410 and 'class="public"' in html and "Tidak berlaku lagi" in html
    with app.test_request_context("/intranet/naskah/1"):
        html, code = render_error(410)
    assert 'class="public"' not in html
