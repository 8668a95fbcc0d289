"""In a real browser, all ten SOP steps: the eight demo users take one article from the
direction (step 1) through the agenda book and handover (step 2), a return at step 4, photos,
a correction at step 8 and two approvals at step 9 to publication (step 10); an anonymous
visitor finds it on the site and in the feed (the public pages are checked with axe-core);
the arsiparis finds it in the archive by a stemmed word, files the hardcopy and exports it."""

import re
import zipfile
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import bagit
import feedparser
import pytest
from pypdf import PdfReader

from archive import fixity
from archive.models import ArchiveRecord
from intranet.clock import today
from intranet.extensions import db
from intranet.models import Case
from intranet.models import Revision
from intranet.models import SourceMaterial
from intranet.models import TrailEntry
from intranet.services import trail
from tests.browser import Browser
from tests.browser import LiveServer
from tests.browser import require_chromium
from tests.conftest import PASSWORD
from tests.fixtures.files import pdf_bytes
from tests.fixtures.files import photo_with_gps

AXE = Path(__file__).resolve().parents[1] / "fixtures" / "vendor" / "axe.min.js"
TITLE = "KPU Cilacap Sapa 300 Pemilih Pemula di SMA Negeri 1"

pytestmark = pytest.mark.browser


@pytest.fixture
def chromium():
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


def invitation_eml():
    """The school's invitation as it arrives by email: plain text and a PDF attachment."""
    msg = EmailMessage()
    msg["From"] = "Humas SMA Negeri 1 Cilacap <humas@sman1-cilacap.example>"
    msg["To"] = "kpu-cilacap@kpu.example"
    msg["Subject"] = "Permohonan narasumber sosialisasi pemilih pemula"
    # a day ago, so the letter's date can never fall after the day it was received
    msg["Date"] = format_datetime(datetime.now(UTC) - timedelta(days=1))
    msg["Message-ID"] = "<sosialisasi-42@sman1-cilacap.example>"
    msg.set_content(
        "Yth. Ketua KPU Kabupaten Cilacap,\n\nKami memohon narasumber untuk sosialisasi "
        "pemilih pemula bagi 300 siswa kelas XII.\n\nHormat kami,\nHumas SMA Negeri 1 Cilacap"
    )
    msg.add_attachment(
        pdf_bytes("Rundown sosialisasi"),
        maintype="application",
        subtype="pdf",
        filename="rundown.pdf",
    )
    return msg.as_bytes()


def serious_violations(page):
    """Run axe-core on the page; the violations of impact serious or critical, and all."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    assert result["testEngine"]["name"] == "axe-core" and result["passes"], "axe did not run"
    found = [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
    ]
    return [v for v in found if v["impact"] in ("serious", "critical")], found


def test_all_ten_sop_steps_then_site_feed_and_archive_in_the_browser(app, chromium, tmp_path):
    letter = tmp_path / "surat-permohonan.pdf"
    letter.write_bytes(pdf_bytes("Permohonan narasumber sosialisasi"))
    eml = tmp_path / "permohonan.eml"
    eml.write_bytes(invitation_eml())
    photos = [tmp_path / "sosialisasi-1.jpg", tmp_path / "sosialisasi-2.jpg"]
    photos[0].write_bytes(photo_with_gps((800, 600)))
    photos[1].write_bytes(photo_with_gps((960, 640)))
    with app.test_request_context():
        due = (today() + timedelta(days=7)).isoformat()
    axe_results = {}

    with LiveServer(app) as server:
        b = Browser(chromium, server.url, "sop-1-10")
        pages = {}
        case = {}

        def as_(user, path=None):
            """The user's page (logged in once), at ``path`` or at the case."""
            if user not in pages:
                pages[user] = b.page_for(user, PASSWORD)
            page = pages[user]
            page.goto(path or f"/intranet/naskah/{case['id']}")
            return page

        def ok(page):
            page.wait_for_load_state()
            errors = page.locator(".flash-error, .field.has-error")
            assert errors.count() == 0, errors.all_inner_texts()

        def click_and_load(page, selector):
            """Click what posts a form and wait for the page the answer leads to."""
            with page.expect_navigation():
                page.click(selector)
            ok(page)

        def press(page, label):
            click_and_load(page, f"button:has-text('{label}')")

        def submit(page, label):
            click_and_load(page, f"button.primary:has-text('{label}')")
            page.wait_for_selector(".flash-success")

        def option(page, select, text):
            """The value of the option of ``select`` whose label contains ``text``."""
            return page.locator(f"{select} option", has_text=text).first.get_attribute("value")

        def visitor(label, **options):
            """A new anonymous context, its console errors collected like the users'."""
            ctx = b.browser.new_context(
                base_url=server.url, viewport={"width": 1280, "height": 900}, **options
            )
            page = ctx.new_page()
            page.on(
                "console",
                lambda m: b.errors.append(f"{label}: {m.text}") if m.type == "error" else None,
            )
            page.on("pageerror", lambda e: b.errors.append(f"{label}: {e}"))
            return page

        try:
            # --- step 1: the penanggungjawab gives the direction ------------------------------
            page = as_("penanggungjawab", "/intranet/penugasan")
            page.fill("#instruction", "Liput sosialisasi pemilih pemula di SMA Negeri 1 Cilacap.")
            page.check("#recipients li:has-text('(kontributor)') input")
            page.fill("#due_date", due)
            submit(page, "Berikan penugasan")
            aid = int(re.search(r"/penugasan/(\d+)$", page.url).group(1))
            b.shot(page, "step1-direction-given")

            # --- step 2: the kontributor acknowledges, registers a letter and an email ---------
            page = as_("kontributor", f"/intranet/penugasan/{aid}")
            submit(page, "Terima penugasan")
            assert page.locator("text=diterima").count() >= 1
            b.shot(page, "step2-direction-acknowledged")

            page.goto("/intranet/agenda/baru")
            page.select_option("#channel", "surat")
            page.fill("#letter_number", "421.3/117/SMA.1/2026")
            page.fill("#letter_date", page.input_value("#received_on"))
            page.fill("#sender_institution", "SMA Negeri 1 Cilacap")
            page.fill("#sender_contact", "Ibu Sri, Wakasek Kesiswaan")
            page.fill("#sender_email", "humas@sman1-cilacap.example")
            page.fill("#perihal", "Permohonan narasumber sosialisasi pemilih pemula")
            page.select_option("#sifat", "segera")
            page.select_option("#security_class", "biasa")
            page.select_option("#category_id", label="Sosialisasi")
            page.select_option("#assignment_id", str(aid))
            page.select_option("#disposition_to_id", option(page, "#disposition_to_id", "Redaktur"))
            page.set_input_files("#files", str(letter))
            b.shot(page, "step2-letter-form")
            submit(page, "Simpan ke buku agenda")
            assert page.locator("text=surat-permohonan.pdf").is_visible()
            b.shot(page, "step2-letter-registered")

            page.goto("/intranet/agenda/impor-eml")
            page.set_input_files("#eml", str(eml))
            page.select_option("#category_id", label="Sosialisasi")
            page.select_option("#sifat", "biasa")
            page.select_option("#security_class", "biasa")
            page.select_option("#assignment_id", str(aid))
            submit(page, "Impor ke buku agenda")
            assert page.locator("pre.body-text").inner_text().count("pemilih") == 1
            assert page.locator("text=rundown.pdf").is_visible()
            b.shot(page, "step2-eml-imported")

            page.goto("/intranet/naskah/serahkan")
            page.select_option("#assignment_id", str(aid))
            materials = page.locator("#material_ids input[type=checkbox]")
            assert materials.count() == 2
            for i in range(2):
                materials.nth(i).check()
            page.fill("#title", "Sosialisasi pemilih pemula SMA Negeri 1")
            page.select_option("#category_id", label="Sosialisasi")
            page.select_option("#redaktur_id", option(page, "#redaktur_id", "Redaktur"))
            page.fill("#note", "Surat dan surel permohonan; mohon diangkat jadi berita.")
            b.shot(page, "step2-handover-form")
            submit(page, "Serahkan")
            case["id"] = int(re.search(r"/naskah/(\d+)$", page.url).group(1))
            b.shot(page, "step2-handed-over-case-at-step3")

            # --- step 3: the redaktur writes the concept; step 4: returned, then approved -----
            def concept(angle):
                page = as_("redaktur")
                page.fill("#angle", angle)
                page.fill("#outline", "1. Kegiatan\n2. Materi\n3. Kutipan siswa")
                page.fill("#sources", "Surat dan surel SMA Negeri 1 Cilacap")
                press(page, "Simpan konsep")
                press(page, "Kirim konsep ke Koordinator")
                return page

            b.shot(concept("Siswa antusias"), "step3-concept-submitted")
            page = as_("koordinator")
            page.click("summary:has-text('Kembalikan ke langkah sebelumnya')")
            page.select_option("#to_step", "3")
            page.fill("#reason-return", "Sudut pandang terlalu umum; tonjolkan pemilih pemula.")
            press(page, "Lanjut: periksa pengembalian")
            press(page, "Ya, kembalikan")
            b.shot(page, "step4-returned-to-step3")
            b.shot(concept("Pemilih pemula antusias menyambut pemilu"), "step3-concept-revised")
            page = as_("koordinator")
            press(page, "Setujui dan teruskan")
            b.shot(page, "step4-concept-approved")

            # --- step 5: the penulis writes in the Quill editor; step 6: photos ---------------
            def write(page, title, text, note=""):
                page.goto(f"/intranet/naskah/{case['id']}/tulis")
                page.wait_for_selector(".ql-editor")
                page.fill("#title", title)
                page.fill("#summary", "Tiga ratus siswa kelas XII mengikuti sosialisasi.")
                page.fill("#note", note)
                page.locator(".ql-editor").click()
                page.keyboard.press("Control+A")
                page.keyboard.press("Delete")
                page.keyboard.type(text)
                click_and_load(page, "form.card button.primary")
                page.wait_for_selector(".flash-success")

            page = as_("penulis")
            write(
                page,
                "KPU Cilacap Sapa Pemula di SMA Negeri 1",
                "Ratusan siswa mengikuti sosialisasi bagi pemilih pemula.",
            )
            b.shot(page, "step5-article-written")
            press(as_("penulis"), "Lanjut ke foto")

            page = as_("penulis", f"/intranet/naskah/{case['id']}/foto")
            # both photos chosen at once are sent by the page's script; the grid takes the texts
            page.set_input_files("#photo", [str(path) for path in photos])
            page.wait_for_selector(".photo-item >> nth=1")
            for i, item in enumerate(page.locator(".photo-item").all(), 1):
                item.locator("[name$='-caption']").fill(f"Siswa menyimak materi sosialisasi ({i})")
                item.locator("[name$='-credit']").fill("Humas KPU Cilacap")
                item.locator("[name$='-alt']").fill(
                    f"Siswa duduk di aula menghadap narasumber ({i})"
                )
            submit(page, "Simpan keterangan")
            assert page.locator(".photo-item").count() == 2
            b.shot(page, "step6-photos-uploaded")
            press(as_("penulis"), "Kirim berita dan foto ke Editor")

            # --- step 7: the editor lays out the preview -------------------------------------
            page = as_("editor", f"/intranet/naskah/{case['id']}/pratinjau")
            page.select_option("#layout", "galeri")
            press(page, "Siapkan preview")
            assert page.locator(".preview-banner").is_visible()
            b.shot(page, "step7-preview")
            press(as_("editor"), "Kirim preview ke Koordinator")

            # --- step 8: the koordinator corrects the article and hands it on ----------------
            page = as_("koordinator")
            write(
                page,
                TITLE,
                'Ratusan siswa mengikuti sosialisasi bagi pemilih pemula. "Kami siap memilih," '
                "kata Ani.",
                note="Koreksi judul dan kutipan narasumber.",
            )
            b.shot(page, "step8-corrected")
            press(as_("koordinator"), "Setujui dan teruskan")

            # --- step 9: two approvals; step 10: publication --------------------------------
            press(as_("penanggungjawab"), "Setujui sebagai Penanggung Jawab")
            press(as_("redaktur"), "Setujui sebagai Redaktur")
            b.shot(as_("redaktur"), "step9-approved")
            page = as_("redaktur")
            press(page, "Terbitkan")
            assert page.locator("text=Naskah ini sudah menyelesaikan SOP.").is_visible()
            b.shot(page, "step10-published")
            article_path = page.locator("#terbit a[href^='/berita/']").first.get_attribute("href")

            # --- the anonymous visitor: site and feed (with the app's CSP in force) ----------
            anon = visitor("pengunjung")
            anon.goto("/")
            assert anon.locator(f"text={TITLE}").first.is_visible()
            b.shot(anon, "public-home")
            click_and_load(anon, f"a:has-text('{TITLE}')")
            assert anon.url.endswith(article_path)
            assert anon.locator("article.article h1").inner_text() == TITLE
            assert "pemilih pemula" in anon.locator(".article-body").inner_text()
            assert anon.locator("article.article img").count() >= 2
            b.shot(anon, "public-article")
            click_and_load(anon, ".catnav a:has-text('Sosialisasi')")
            category_path = anon.url.removeprefix(server.url)
            assert anon.locator(f"text={TITLE}").first.is_visible()
            b.shot(anon, "public-category")
            anon.fill("#site-q", "pemilih")
            click_and_load(anon, ".site-search button")
            assert anon.locator(f"text={TITLE}").first.is_visible()
            b.shot(anon, "public-search")
            feed = anon.request.get("/feed.xml")
            assert feed.ok
            entries = feedparser.parse(feed.body()).entries
            assert [(e.title, e.link) for e in entries] == [(TITLE, server.url + article_path)]

            # axe-core is injected as a script, which the app's CSP (script-src 'self')
            # blocks; so this one context, used only for the axe check, bypasses the CSP.
            checker = visitor("axe", bypass_csp=True)
            for path in ("/", article_path, category_path, "/cari?q=pemilih"):
                checker.goto(path)
                checker.wait_for_load_state()
                axe_results[path] = serious_violations(checker)

            # --- the arsiparis: stemmed search, hardcopy, box label, export ------------------
            arsip = b.page_for("arsiparis", PASSWORD)
            arsip.goto("/arsip/cari")
            arsip.fill("#q", "pemilihan")
            click_and_load(arsip, "form.search-form button.primary")
            hits = arsip.locator("li.hit")
            assert hits.count() == 1 and TITLE in hits.first.inner_text()
            # found by the stem: the words marked are "pemilih" (and "memilih"), not the query
            marked = {m.lower() for m in hits.first.locator(".snippet mark").all_inner_texts()}
            assert "pemilih" in marked and "pemilihan" not in marked, marked
            b.shot(arsip, "archive-search-pemilihan")
            click_and_load(arsip, "li.hit h3 a")
            for status in ("dicetak", "distempel"):
                arsip.select_option("#status", status)
                press(arsip, "Simpan status fisik")
            # the box is added once to the managed list, then chosen from it
            record_url = arsip.url
            arsip.goto("/arsip/lokasi")
            arsip.fill("#room", "Ruang Arsip")
            arsip.fill("#cabinet", "Lemari 2")
            arsip.fill("#box", "2026-03")
            press(arsip, "Tambah")
            arsip.goto(record_url)
            arsip.select_option("#status", "disimpan")
            arsip.select_option("#place", label="Ruang Arsip · Lemari 2 · Boks 2026-03")
            arsip.fill("#folder", "11")
            press(arsip, "Simpan status fisik")
            place = "Ruang Arsip · Lemari 2 · Boks 2026-03 · Folder 11"
            assert arsip.locator(f"text={place}").first.is_visible()
            b.shot(arsip, "archive-record-filed")
            with arsip.expect_download() as download:
                arsip.click("a:has-text('Label boks (PDF)')")
            label = tmp_path / "label.pdf"
            download.value.save_as(label)

            arsip.goto("/arsip/cari?q=pemilihan")
            assert "Ruang Arsip · Lemari 2" in arsip.locator("li.hit .location").inner_text()
            arsip.click("#export-form button:has-text('Ekspor hasil ini')")
            arsip.wait_for_url("**/arsip/ekspor/*")
            b.shot(arsip, "archive-export-started")
            # the status page reloads itself every two seconds until the zip is ready
            link = arsip.locator("a:has-text('Unduh zip')")
            link.wait_for(timeout=60_000)
            b.shot(arsip, "archive-export-done")
            with arsip.expect_download() as download:
                link.click()
            assert download.value.suggested_filename.startswith("ekspor-arsip-")
            bag_zip = tmp_path / "ekspor.zip"
            download.value.save_as(bag_zip)
        finally:
            b.close()

    assert b.errors == []
    for path, (_serious, found) in axe_results.items():
        print(f"axe-core {path}: {found or 'no violations'}")  # shown with pytest -s
    serious = {path: s for path, (s, _all) in axe_results.items() if s}
    assert serious == {}, f"axe-core: serious or critical violations: {serious}"
    assert len(axe_results) == 4

    # a folder not named "archive": that one is ARCHIVE_DIR, where strays fail the fixity check
    target = tmp_path / "ekspor-dibuka"
    with zipfile.ZipFile(bag_zip) as z:
        z.extractall(target)
        [root] = {n.split("/")[0] for n in z.namelist()}
    bag = bagit.Bag(str(target / root))
    bag.validate()
    assert bag.info["Record-Count"] == "1"
    text = PdfReader(label).pages[0].extract_text()
    assert "2026-03" in text and "Lemari 2" in text

    with app.app_context():
        c = db.session.execute(db.select(Case)).scalar_one()
        assert c.step == 10 and c.status == "published" and c.slug in article_path
        assert {(m.channel, len(m.files)) for m in c.materials} == {("surat", 1), ("email", 2)}
        assert db.session.execute(db.select(db.func.count(SourceMaterial.id))).scalar_one() == 2
        assert trail.verify_all() == (1, [])
        entries = db.session.execute(
            db.select(TrailEntry).where(TrailEntry.case_id == c.id).order_by(TrailEntry.seq)
        ).scalars()
        assert [(e.step, e.action, e.actor.username) for e in entries] == [
            (1, "complete", "penanggungjawab"),
            (2, "complete", "kontributor"),
            (3, "complete", "redaktur"),
            (4, "return", "koordinator"),
            (3, "complete", "redaktur"),
            (4, "approve", "koordinator"),
            (5, "complete", "penulis"),
            (6, "complete", "penulis"),
            (7, "complete", "editor"),
            (8, "approve", "koordinator"),
            (9, "approve", "penanggungjawab"),
            (9, "approve", "redaktur"),
            (10, "publish", "redaktur"),
            (10, "archive", "redaktur"),
        ]
        revisions = db.session.execute(
            db.select(Revision).where(Revision.case_id == c.id).order_by(Revision.number)
        ).scalars()
        assert [(r.step, r.author.username, r.title) for r in revisions] == [
            (5, "penulis", "KPU Cilacap Sapa Pemula di SMA Negeri 1"),
            (8, "koordinator", TITLE),
        ]
        record = db.session.execute(db.select(ArchiveRecord)).scalar_one()
        assert record.case_id == c.id and record.hardcopy_status == "disimpan"
        assert record.location == "Ruang Arsip / Lemari 2 / 2026-03 / 11"
        assert record.filed_by.username == "arsiparis"
        assert fixity.verify().ok
