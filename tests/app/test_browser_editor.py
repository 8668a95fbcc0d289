"""In a real browser: the penulis uploads a photo and writes the article in the WYSIWYG editor."""

import pytest

from intranet.extensions import db
from intranet.models import Case
from intranet.models import EditorDraft
from intranet.models import Photo
from intranet.services.articles import latest_revision
from tests.browser import ARGS
from tests.browser import CHROMIUM
from tests.browser import SCREENSHOTS
from tests.browser import Browser
from tests.browser import LiveServer
from tests.browser import require_chromium
from tests.conftest import PASSWORD
from tests.fixtures.files import photo_with_gps
from tests.fixtures.scenarios import build_scenario
from tests.intranet.test_trail import put_case_at

pytestmark = pytest.mark.browser


@pytest.fixture
def chromium():
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


def test_write_with_photo_in_the_editor(app, scenario, chromium, tmp_path):
    cid = scenario["case_id"]
    with app.app_context():
        db.session.execute(db.delete(Photo))
        db.session.commit()
    put_case_at(app, cid, 5)
    photo = tmp_path / "rapat-pleno.jpg"
    photo.write_bytes(photo_with_gps())
    with LiveServer(app) as server:
        b = Browser(chromium, server.url, "editor")
        try:
            page = b.page_for("penulis", PASSWORD)
            page.goto(f"/intranet/naskah/{cid}/foto")
            # the page's script sends the chosen photo at once; the grid takes its texts
            page.set_input_files("#photo", str(photo))
            page.wait_for_selector("#photo-grid [name$='-caption']")
            page.fill("#photo-grid [name$='-caption']", "Suasana rapat pleno rekapitulasi DPT")
            page.fill("#photo-grid [name$='-credit']", "Humas KPU Cilacap")
            page.fill("#photo-grid [name$='-alt']", "Peserta rapat duduk menghadap layar")
            page.click("#photo-grid .grid-actions button.primary >> nth=0")
            page.wait_for_selector("text=Keterangan foto disimpan.")
            b.shot(page, "photo-uploaded")

            page.goto(f"/intranet/naskah/{cid}/tulis")
            page.wait_for_selector(".ql-editor")
            page.fill("#title", "Rapat Pleno Rekapitulasi DPT Berjalan Tertib")
            page.fill("#summary", "KPU Kabupaten Cilacap menggelar rapat pleno rekapitulasi DPT.")
            editor = page.locator(".ql-editor")
            editor.click()
            page.keyboard.press("Control+A")
            page.keyboard.press("Delete")
            page.keyboard.type("Rapat pleno dihadiri Bawaslu dan partai politik.")
            page.keyboard.press("Enter")
            page.click("button.ql-bold")
            page.keyboard.type("DPT ditetapkan")
            page.click("button.ql-bold")
            page.keyboard.type(" tanpa keberatan.")
            page.keyboard.press("Enter")
            page.click("button.ql-list[value=bullet]")
            page.keyboard.type("Jumlah pemilih tercatat")
            page.keyboard.press("Enter")
            page.keyboard.type("Tempat pemungutan suara")
            page.keyboard.press("Enter")
            page.click("button.ql-list[value=bullet]")
            page.click("button.ql-image")
            page.click("#photo-picker button[data-src]")
            b.shot(page, "editor-filled")
            page.click("form.card button.primary")
            page.wait_for_selector("text=Revisi")
            b.shot(page, "article-saved")

            page.goto(f"/intranet/naskah/{cid}/pratinjau")
            b.shot(page, "preview")
            assert page.locator(".preview-banner").is_visible()
            assert page.locator(".article-body img").count() == 1
        finally:
            b.close()
    assert b.errors == []
    with app.app_context():
        r = latest_revision(db.session.get(Case, cid))
        p = db.session.execute(db.select(Photo)).scalar_one()
        assert r.title == "Rapat Pleno Rekapitulasi DPT Berjalan Tertib"
        assert "<strong>DPT ditetapkan</strong>" in r.body_html
        assert (
            "<ul><li>Jumlah pemilih tercatat</li><li>Tempat pemungutan suara</li></ul>"
            in r.body_html
        )
        assert f'<img src="/intranet/naskah/{cid}/foto/{p.id}"' in r.body_html
        assert p.had_location and p.caption == "Suasana rapat pleno rekapitulasi DPT"


TPS_TABLE = (
    "<table><thead><tr><th>No</th><th>TPS</th><th>Desa</th><th>Pemilih</th></tr></thead>"
    "<tbody><tr><td>1</td><td>TPS 01</td><td>Gumilir</td><td>287</td></tr>"
    "<tr><td>2</td><td>TPS 02</td><td>Tritih Kulon</td><td>301</td></tr></tbody></table>"
)


def paste_html(page, html):
    """Paste ``html`` into the editor as a browser does (a paste event with text/html)."""
    page.evaluate(
        """html => {
            const dt = new DataTransfer();
            dt.setData('text/html', html);
            dt.setData('text/plain', html.replace(/<[^>]+>/g, ' '));
            const e = new ClipboardEvent('paste', {clipboardData: dt, bubbles: true, cancelable: true});
            document.querySelector('.ql-editor').dispatchEvent(e);
        }""",
        html,
    )


def test_autosave_leave_warning_restore_toolbar_and_table(app, scenario, chromium):
    cid = scenario["case_id"]
    put_case_at(app, cid, 5)
    dialogs = []
    with LiveServer(app) as server:
        b = Browser(chromium, server.url, "editor")
        try:
            page = b.page_for("penulis", PASSWORD)
            page.on("dialog", lambda d: (dialogs.append((d.type, d.message)), d.dismiss()))
            page.goto(f"/intranet/naskah/{cid}/tulis")
            page.wait_for_selector(".ql-editor")

            # every toolbar control has an Indonesian name (and a tooltip)
            names = page.eval_on_selector_all(
                ".ql-toolbar button, .ql-toolbar .ql-picker-label",
                "els => els.map(e => [e.getAttribute('aria-label') || '', e.title || ''])",
            )
            assert names and all(label for label, _title in names), names
            labels = {label for label, _title in names}
            assert {"Tebal", "Miring", "Daftar bernomor", "Gaya paragraf", "Hapus format"} <= labels
            assert not labels & {"bold", "italic", "Normal", "link", "clean"}
            page.click(".ql-header .ql-picker-label")
            items = page.eval_on_selector_all(
                ".ql-header .ql-picker-item", "els => els.map(e => e.getAttribute('aria-label'))"
            )
            assert items == ["Judul bagian", "Subjudul", "Paragraf biasa"]
            page.keyboard.press("Escape")
            b.shot(page, "toolbar-names")

            # typing, a pasted TPS table; leaving the body saves the draft at once
            page.fill("#title", "Daftar TPS Pilkada ½ Putaran")
            editor = page.locator(".ql-editor")
            editor.click()
            page.keyboard.press("Control+A")
            page.keyboard.press("Delete")
            page.keyboard.type("Berikut daftar TPS di Kecamatan Cilacap Tengah.")
            page.keyboard.press("Enter")
            paste_html(page, TPS_TABLE)
            assert page.locator(".ql-editor table td").count() >= 8
            page.click("#summary")
            page.keyboard.type("Ringkasan daftar TPS.")
            page.click("#tags")
            page.wait_for_selector("#draft-status:has-text('Draf tersimpan')")
            b.shot(page, "draft-autosaved")

            # an in-app link asks first; dismissing stays on the page with the text
            page.click(f"a[href='/intranet/naskah/{cid}']")
            assert dialogs and dialogs[-1][0] == "confirm"
            assert "belum disimpan" in dialogs[-1][1]
            assert page.url.endswith("/tulis")
            assert "Daftar TPS" in page.input_value("#title")
        finally:
            page.context.close()

        # a new visit: the draft is offered back, and restored
        try:
            page = b.page_for("penulis", PASSWORD)
            page.goto(f"/intranet/naskah/{cid}/tulis")
            offer = page.locator("#draft-offer")
            assert offer.is_visible()
            assert "Ada draf yang belum disimpan (" in offer.inner_text()
            b.shot(page, "draft-offered")
            page.click("#draft-offer a.button")
            page.wait_for_selector(".ql-editor table")
            assert page.input_value("#title") == "Daftar TPS Pilkada ½ Putaran"
            assert page.locator(".ql-editor td", has_text="TPS 02").count() == 1
            b.shot(page, "draft-restored")
            page.click("#article-form button.primary")
            page.wait_for_selector("text=Revisi 1 tersimpan.")
            b.shot(page, "table-saved")
        finally:
            b.close()
    assert b.errors == []
    with app.app_context():
        r = latest_revision(db.session.get(Case, cid))
        assert r.title == "Daftar TPS Pilkada ½ Putaran"
        assert "<table>" in r.body_html and "<td>TPS 02</td>" in r.body_html
        assert "<td>Tritih Kulon</td>" in r.body_html
        assert "data-row" not in r.body_html
        assert (
            db.session.execute(db.select(db.func.count()).select_from(EditorDraft)).scalar_one()
            == 0
        )


def test_editor_pages_have_no_axe_violation(app, scenario, chromium, login):
    from tests.app.test_browser_axe import DESKTOP
    from tests.app.test_browser_axe import PHONE
    from tests.app.test_browser_axe import violations

    cid = scenario["case_id"]  # at step 3: the redaktur's concept, with a draft waiting
    concept = {"angle": "Sudut pandang sementara", "outline": "1. Pembuka"}
    r = login("redaktur").post(
        f"/intranet/naskah/{cid}/draf/konsep", json={"base": 0, "fields": concept}
    )
    assert r.status_code == 200
    second = build_scenario(app)["case_id"]
    put_case_at(app, second, 5)
    r = login("penulis").post(
        f"/intranet/naskah/{second}/draf/artikel",
        json={"base": 0, "fields": {"title": "Draf", "body_html": "<p>Teks</p>"}},
    )
    assert r.status_code == 200
    found = []
    with LiveServer(app) as server:
        browser = chromium.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for who, url, ready in (
                ("redaktur", f"/intranet/naskah/{cid}", "#draft-offer"),
                ("penulis", f"/intranet/naskah/{second}/tulis", ".ql-editor"),
            ):
                ctx = browser.new_context(base_url=server.url, bypass_csp=True)
                page = ctx.new_page()
                page.goto("/intranet/login")
                page.fill("#username", who)
                page.fill("#password", PASSWORD)
                page.click("button.primary")
                page.wait_for_url("**/intranet/")
                page.goto(url)
                page.wait_for_selector(ready)
                assert page.locator("#draft-offer").is_visible()
                for viewport in (DESKTOP, PHONE):
                    page.set_viewport_size(viewport)
                    found += [(url, v) for v in violations(page)]
                if who == "penulis":  # the photo picker, open
                    page.set_viewport_size(DESKTOP)
                    page.click("button.ql-image")
                    page.wait_for_selector("#photo-picker[open]")
                    found += [(url + " (foto)", v) for v in violations(page)]
                    page.screenshot(path=str(SCREENSHOTS / "editor" / "photo-picker.png"))
                ctx.close()
        finally:
            browser.close()
    assert found == []
