"""In a real browser: photos in bulk on the photos page (step 6), desktop and phone.

Many files at once (chosen, and dropped on the drop zone) with their progress, the bad one
named; captions and alt texts in the grid; reorder by keyboard (no reload, announced) and by
dragging; rotate; remove after a dialog; without the script, the confirmation page."""

import io

import pytest
from PIL import Image

from intranet.extensions import db
from intranet.models import Case
from intranet.models import Photo
from tests.browser import Browser
from tests.browser import LiveServer
from tests.browser import require_chromium
from tests.conftest import PASSWORD
from tests.fixtures.files import pdf_bytes
from tests.intranet.test_trail import put_case_at

pytestmark = pytest.mark.browser

COLOURS = [(155, 28, 28), (28, 120, 60), (30, 80, 160), (200, 150, 20)]


def jpeg(colour, size=(1200, 800)):
    buf = io.BytesIO()
    img = Image.new("RGB", size, colour)
    img.paste((255, 255, 255), (0, 0, size[0] // 3, size[1] // 5))  # shows the rotation
    img.save(buf, "JPEG", quality=85)
    return buf.getvalue()


@pytest.fixture
def chromium():
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


def order(app, cid):
    with app.app_context():
        return [
            (p.filename, p.rotation)
            for p in db.session.execute(
                db.select(Photo).where(Photo.case_id == cid).order_by(Photo.position, Photo.id)
            ).scalars()
        ]


def names(app, cid):
    return [n for n, _r in order(app, cid)]


def drop_file(page, name, data):
    """Drop a file on the drop zone as a person dragging it from their desktop would."""
    page.evaluate(
        """([name, bytes]) => {
            const dt = new DataTransfer();
            dt.items.add(new File([new Uint8Array(bytes)], name, {type: "image/jpeg"}));
            const zone = document.getElementById("dropzone");
            for (const type of ["dragenter", "dragover", "drop"]) {
                zone.dispatchEvent(new DragEvent(type, {dataTransfer: dt, bubbles: true, cancelable: true}));
            }
        }""",
        [name, list(data)],
    )


def test_photos_in_bulk(app, scenario, chromium, tmp_path):
    from playwright.sync_api import expect

    cid = scenario["case_id"]
    with app.app_context():
        db.session.execute(db.delete(Photo))
        db.session.commit()
    put_case_at(app, cid, 6)
    files = []
    for i, colour in enumerate(COLOURS[:3], 1):
        path = tmp_path / f"kegiatan-{i}.jpg"
        path.write_bytes(jpeg(colour))
        files.append(str(path))
    bad = tmp_path / "undangan.pdf"
    bad.write_bytes(pdf_bytes())
    with LiveServer(app) as server:
        b = Browser(chromium, server.url, "photos")
        try:
            page = b.page_for("penulis", PASSWORD)
            page.goto(f"/intranet/naskah/{cid}/foto")
            b.shot(page, "empty")
            # choose four files at once, one of them not a photo
            page.set_input_files("#dropzone input[type=file]", [*files[:2], str(bad), files[2]])
            page.wait_for_selector(".upload-list li.refused")
            page.wait_for_selector(".photo-item >> nth=2")
            refused = page.locator(".upload-list li.refused").inner_text()
            assert "undangan.pdf" in refused and "Jenis berkas tidak diizinkan" in refused
            assert names(app, cid) == ["kegiatan-1.jpg", "kegiatan-2.jpg", "kegiatan-3.jpg"]
            b.shot(page, "uploaded-bad-one-named")
            # a fourth dropped on the zone
            drop_file(page, "kegiatan-4.jpg", jpeg(COLOURS[3]))
            page.wait_for_selector(".photo-item >> nth=3")
            assert len(names(app, cid)) == 4
            assert page.get_by_text("4 foto belum lengkap").is_visible()

            # the grid: every caption and alt text, one save
            for i, item in enumerate(page.locator(".photo-item").all(), 1):
                item.locator("input[name$='-caption']").fill(f"Kegiatan sosialisasi {i}")
                item.locator("input[name$='-alt']").fill(f"Warga mengikuti sosialisasi, foto {i}")
            b.shot(page, "grid-filled")
            # the save reloads the page: wait for its load, so photos.js has bound its buttons
            with page.expect_navigation(wait_until="load"):
                page.locator(".grid-actions button.primary").first.click()
            page.wait_for_selector("text=Keterangan foto disimpan.")
            assert page.locator(".photo-item.incomplete").count() == 0

            # keyboard: "Turun" on the first photo, twice; no reload, announced, focus kept
            page.evaluate("window.notReloaded = true")
            first = page.locator(".photo-item").first.locator("button[data-what=down]")
            first.focus()
            page.keyboard.press("Enter")
            expect(page.locator("#photo-status")).to_contain_text("urutan 2 dari 4")
            page.keyboard.press("Enter")
            expect(page.locator("#photo-status")).to_contain_text("urutan 3 dari 4")
            assert page.evaluate("window.notReloaded") is True
            assert page.evaluate(
                "document.activeElement.dataset.what === 'down' && "
                "document.activeElement.closest('.photo-item').id"
            ) == page.locator(".photo-item").nth(2).get_attribute("id")
            assert names(app, cid) == [
                "kegiatan-2.jpg",
                "kegiatan-3.jpg",
                "kegiatan-1.jpg",
                "kegiatan-4.jpg",
            ]

            # drag the second photo above the first
            page.locator(".photo-item").nth(1).locator(".photo-thumb img").drag_to(
                page.locator(".photo-item").nth(0).locator(".photo-thumb img"),
                target_position={"x": 20, "y": 5},
            )
            expect(page.locator("#photo-status")).to_contain_text("urutan 1 dari 4")
            assert names(app, cid) == [
                "kegiatan-3.jpg",
                "kegiatan-2.jpg",
                "kegiatan-1.jpg",
                "kegiatan-4.jpg",
            ]

            # rotate the first photo right: a new thumbnail, the original kept
            thumb = page.locator(".photo-item").first.locator("img")
            src = thumb.get_attribute("src")
            page.locator(".photo-item").first.locator("button[data-what=rotate_right]").click()
            expect(thumb).not_to_have_attribute("src", src)
            assert order(app, cid)[0] == ("kegiatan-3.jpg", 90)
            assert "800×1200" in page.locator(".photo-item").first.inner_text()
            b.shot(page, "reordered-rotated")

            # remove: a dialog first; cancelling keeps the photo
            page.locator(".photo-item").nth(1).locator("button[data-what=remove]").click()
            dialog = page.locator("dialog[open]")
            dialog.wait_for()
            assert "Hapus foto ini?" in dialog.inner_text()
            b.shot(page, "remove-dialog")
            dialog.get_by_role("button", name="Batal").click()
            assert page.locator(".photo-item").count() == 4 and len(names(app, cid)) == 4
            page.locator(".photo-item").nth(1).locator("button[data-what=remove]").click()
            page.locator("dialog[open]").get_by_role("button", name="Ya, hapus foto").click()
            expect(page.locator(".photo-item")).to_have_count(3)
            assert names(app, cid) == ["kegiatan-3.jpg", "kegiatan-1.jpg", "kegiatan-4.jpg"]
            assert page.evaluate("window.notReloaded") is True

            # the phone: the same page in one column, nothing wider than the screen
            phone = b.page_for("penulis", PASSWORD, viewport=(390, 844))
            phone.goto(f"/intranet/naskah/{cid}/foto")
            assert phone.evaluate("document.documentElement.scrollWidth") <= 390
            b.shot(phone, "phone")
            first = phone.locator(".photo-item").first.locator("button[data-what=down]")
            first.focus()
            phone.keyboard.press("Enter")
            expect(phone.locator("#photo-status")).to_contain_text("urutan 2 dari 3")
            assert names(app, cid)[:2] == ["kegiatan-1.jpg", "kegiatan-3.jpg"]
            phone.locator(".photo-item").first.locator("button[data-what=remove]").click()
            phone.locator("dialog[open]").wait_for()
            b.shot(phone, "phone-remove-dialog")
            phone.locator("dialog[open]").get_by_role("button", name="Batal").click()

            # save and hand on from the grid
            page.reload()
            page.get_by_role(
                "button", name="Simpan dan kirim berita dan foto ke Editor"
            ).first.click()
            page.wait_for_url(f"**/intranet/naskah/{cid}")
            assert "Keterangan foto disimpan." in page.locator(".flash-success").inner_text()
            b.shot(page, "handed-on")
        finally:
            b.close()
    errors = [e for e in b.errors if "Failed to load resource" not in e]
    assert errors == []
    with app.app_context():
        assert db.session.get(Case, cid).step == 7


def test_without_script_remove_asks_on_a_page(app, scenario, chromium, tmp_path):
    cid = scenario["case_id"]
    put_case_at(app, cid, 6)
    with LiveServer(app) as server:
        b = Browser(chromium, server.url, "photos")
        try:
            ctx = b.browser.new_context(base_url=server.url, java_script_enabled=False)
            page = ctx.new_page()
            page.goto("/intranet/login")
            page.fill("#username", "penulis")
            page.fill("#password", PASSWORD)
            page.click("button.primary")
            page.goto(f"/intranet/naskah/{cid}/foto")
            before = len(names(app, cid))
            page.set_input_files(
                "#dropzone input[type=file]",
                [
                    {"name": "a.jpg", "mimeType": "image/jpeg", "buffer": jpeg(COLOURS[0])},
                    {"name": "b.jpg", "mimeType": "image/jpeg", "buffer": jpeg(COLOURS[1])},
                ],
            )
            page.locator("#photo-upload button[type=submit]").click()
            page.wait_for_selector("text=2 foto ditambahkan.")
            assert len(names(app, cid)) == before + 2
            page.locator(".photo-item").first.locator("button[data-what=remove]").click()
            page.wait_for_selector("text=Hapus foto ini?")
            b.shot(page, "nojs-remove-confirm")
            page.get_by_role("link", name="Batal").click()
            assert len(names(app, cid)) == before + 2
            page.locator(".photo-item").first.locator("button[data-what=remove]").click()
            page.get_by_role("button", name="Ya, hapus foto").click()
            page.wait_for_selector("text=Foto dihapus.")
            assert len(names(app, cid)) == before + 1
            # Naik/Turun still work by posting the page
            last = names(app, cid)[-1]
            page.locator(".photo-item").last.locator("button[data-what=up]").click()
            page.wait_for_selector(".photo-item")
            assert names(app, cid)[-2] == last
            ctx.close()
        finally:
            b.close()


def test_photos_pages_have_no_axe_violation(app, scenario, chromium, login):
    """The grid with incomplete rows, the removal dialog, the confirmation page and a public
    article with its web sizes: axe-core finds nothing, desktop and phone."""
    from tests.app.test_browser_axe import violations
    from tests.intranet.test_photos_bulk import post_files

    cid = scenario["case_id"]
    put_case_at(app, cid, 6)
    c = login("penulis")
    files = [(f"k{i}.jpg", jpeg(colour)) for i, colour in enumerate(COLOURS[:2])]
    assert post_files(c, cid, files).status_code == 302
    with app.app_context():
        pid = db.session.execute(
            db.select(Photo.id).where(Photo.case_id == cid).order_by(Photo.id.desc())
        ).scalar()
    published = build_scenario_published(app)
    found = []
    with LiveServer(app) as server:
        b = Browser(chromium, server.url, "photos")
        try:
            for size, viewport in (("desktop", (1280, 900)), ("phone", (390, 844))):
                ctx = b.browser.new_context(
                    base_url=server.url,
                    viewport={"width": viewport[0], "height": viewport[1]},
                    bypass_csp=True,
                )
                page = ctx.new_page()
                page.goto("/intranet/login")
                page.fill("#username", "penulis")
                page.fill("#password", PASSWORD)
                page.click("button.primary")
                page.wait_for_url("**/intranet/")
                page.goto(f"/intranet/naskah/{cid}/foto")
                found += [(size, "grid", v) for v in violations(page)]
                page.locator(f"#foto-{pid} button[data-what=remove]").click()
                page.locator("dialog[open]").wait_for()
                found += [(size, "dialog", v) for v in violations(page)]
                page.locator("dialog[open]").get_by_role("button", name="Batal").click()
                page.goto(f"/berita/{published}")
                assert page.locator("figure.cover picture source[type='image/webp']").count() == 1
                found += [(size, "article", v) for v in violations(page)]
                # the confirmation page (what a browser without the script gets): the form
                # submitted natively, past the script's click handler
                page.goto(f"/intranet/naskah/{cid}/foto")
                page.evaluate(
                    """(id) => {
                        const b = document.querySelector(`#foto-${id} button[data-what=remove]`);
                        b.form.requestSubmit(b);
                    }""",
                    pid,
                )
                page.wait_for_selector("text=Hapus foto ini?")
                found += [(size, "confirm", v) for v in violations(page)]
                ctx.close()
        finally:
            b.close()
    assert found == []


def build_scenario_published(app):
    from tests.fixtures.scenarios import build_published
    from tests.fixtures.scenarios import build_scenario

    return build_published(app, build_scenario(app)["case_id"])
