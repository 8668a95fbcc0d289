"""In a real browser: the demo users take a case from step 3 to publication at step 10,
with one return and one correction on the way; the arsiparis files its archive record."""

import pikepdf
import pytest
from pypdf import PdfReader

from archive import fixity
from archive.models import ArchiveRecord
from intranet.extensions import db
from intranet.models import Case
from intranet.services import trail
from tests.browser import Browser
from tests.browser import LiveServer
from tests.browser import require_chromium
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def chromium():
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


def test_steps_3_to_10_and_the_archive_in_the_browser(app, scenario, chromium, tmp_path):
    cid = scenario["case_id"]
    with LiveServer(app) as server:
        b = Browser(chromium, server.url, "sop-3-9")
        pages = {}

        def as_(user):
            if user not in pages:
                pages[user] = b.page_for(user, PASSWORD)
            page = pages[user]
            page.goto(f"/intranet/naskah/{cid}")
            return page

        def press(page, label):
            page.click(f"button:has-text('{label}')")
            page.wait_for_load_state()
            assert page.locator(".flash-error").count() == 0, page.locator(
                ".flash-error"
            ).all_inner_texts()

        try:
            page = as_("redaktur")
            page.fill("#angle", "Pemilih pemula antusias menyambut pemilu")
            page.fill("#outline", "1. Kegiatan\n2. Materi\n3. Kutipan siswa")
            page.fill("#sources", "Surat SMA Negeri 1 Cilacap")
            press(page, "Simpan konsep")
            press(page, "Kirim konsep ke Koordinator")
            b.shot(page, "step3-concept-submitted")

            press(as_("koordinator"), "Setujui dan teruskan")

            def write(page, title, text):
                page.goto(f"/intranet/naskah/{cid}/tulis")
                page.wait_for_selector(".ql-editor")
                page.fill("#title", title)
                page.fill("#summary", "Siswa kelas XII mengikuti sosialisasi pemilih pemula.")
                page.locator(".ql-editor").click()
                page.keyboard.press("Control+A")
                page.keyboard.type(text)
                page.click("form.card button.primary")
                page.wait_for_selector(".flash-success")

            page = as_("penulis")
            write(page, "KPU Cilacap Sapa Pemilih Pemula", "Ratusan siswa mengikuti sosialisasi.")
            press(as_("penulis"), "Lanjut ke foto")
            press(as_("penulis"), "Kirim berita dan foto ke Editor")

            def lay_out(layout):
                page = as_("editor")
                page.goto(f"/intranet/naskah/{cid}/pratinjau")
                page.select_option("#layout", layout)
                press(page, "Siapkan preview")
                b.shot(page, f"step7-preview-{layout}")
                press(as_("editor"), "Kirim preview ke Koordinator")

            lay_out("standar")
            page = as_("koordinator")
            page.click("summary:has-text('Kembalikan ke langkah sebelumnya')")
            page.select_option("#to_step", "5")
            page.fill("#reason-return", "Tambahkan kutipan narasumber.")
            press(page, "Lanjut: periksa pengembalian")
            press(page, "Ya, kembalikan")
            b.shot(page, "step8-returned")

            page = as_("penulis")
            write(
                page,
                "KPU Cilacap Sapa Pemilih Pemula",
                'Ratusan siswa mengikuti sosialisasi. "Kami siap memilih," kata Ani.',
            )
            press(as_("penulis"), "Lanjut ke foto")
            press(as_("penulis"), "Kirim berita dan foto ke Editor")
            lay_out("galeri")

            page = as_("koordinator")
            write(
                page,
                "KPU Cilacap Sapa 300 Pemilih Pemula di SMA Negeri 1",
                'Ratusan siswa mengikuti sosialisasi. "Kami siap memilih," kata Ani.',
            )
            press(as_("koordinator"), "Setujui dan teruskan")
            press(as_("penanggungjawab"), "Setujui sebagai Penanggung Jawab")
            press(as_("redaktur"), "Setujui sebagai Redaktur")
            page = as_("redaktur")
            b.shot(page, "step9-approved-timeline")
            assert page.locator("text=percobaan ke-2").count() >= 3
            page.goto(f"/intranet/naskah/{cid}/revisi?a=2&b=3")
            b.shot(page, "revision-comparison")
            assert page.locator("table.diff").is_visible()

            # step 10: the redaktur publishes; the archive record is made with it
            press(as_("redaktur"), "Terbitkan")
            b.shot(as_("redaktur"), "step10-published")
            arsip = b.page_for("arsiparis", PASSWORD)
            arsip.goto("/arsip/")
            b.shot(arsip, "archive-list")
            arsip.click("td a:has-text('HM.02.01/0001')")
            arsip.wait_for_load_state()
            with arsip.expect_download() as download:
                arsip.click("a:has-text('Unduh berkas PDF/A')")
            assert download.value.suggested_filename.startswith("berkas-HM.02.01-0001-")
            berkas_path = tmp_path / "berkas.pdf"
            download.value.save_as(berkas_path)
            for status in ("dicetak", "distempel"):
                arsip.select_option("#status", status)
                press(arsip, "Simpan status fisik")
            # the box is added once to the managed list, then chosen from it
            record_url = arsip.url
            arsip.goto("/arsip/lokasi")
            arsip.fill("#room", "Ruang Arsip")
            arsip.fill("#cabinet", "Lemari 1")
            arsip.fill("#box", "2026-01")
            press(arsip, "Tambah")
            arsip.goto(record_url)
            arsip.select_option("#status", "disimpan")
            arsip.select_option("#place", label="Ruang Arsip · Lemari 1 · Boks 2026-01")
            arsip.fill("#folder", "07")
            press(arsip, "Simpan status fisik")
            b.shot(arsip, "archive-record-filed")
            with arsip.expect_download() as download:
                arsip.click("a:has-text('Label boks (PDF)')")
            label_path = tmp_path / "label.pdf"
            download.value.save_as(label_path)
        finally:
            b.close()
    assert b.errors == []
    with app.app_context():
        case = db.session.get(Case, cid)
        assert case.step == 10 and case.status == "published"
        assert trail.verify_all() == (1, [])
        record = db.session.execute(db.select(ArchiveRecord)).scalar_one()
        assert record.case_id == cid and record.location == "Ruang Arsip / Lemari 1 / 2026-01 / 07"
        assert record.filed_by.username == "arsiparis"
        assert fixity.verify().ok
        with pikepdf.open(berkas_path) as pdf:
            assert pdf.open_metadata()["pdfaid:part"] == "3"
            assert len(pdf.attachments) == len(record.versions[0].files)
    text = PdfReader(label_path).pages[0].extract_text()
    assert "2026-01" in text and "Lemari 1" in text
