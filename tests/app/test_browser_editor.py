"""In a real browser: the penulis uploads a photo and writes the article in the WYSIWYG editor."""

import pytest

from intranet.extensions import db
from intranet.models import Case
from intranet.models import Photo
from intranet.services.articles import latest_revision
from tests.browser import Browser
from tests.browser import LiveServer
from tests.browser import require_chromium
from tests.conftest import PASSWORD
from tests.fixtures.files import photo_with_gps
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
            page.set_input_files("#photo", str(photo))
            page.fill("#caption", "Suasana rapat pleno rekapitulasi DPT")
            page.fill("#credit", "Humas KPU Cilacap")
            page.fill("#alt", "Peserta rapat duduk menghadap layar")
            page.click("form[enctype] button.primary")
            page.wait_for_selector("text=Foto ditambahkan.")
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
