"""Plain words in Chromium: the record page with its "Detail teknis" closed and opened, the
integrity check started with "Periksa sekarang", a place added and chosen from the list,
and the public 404 in the public site's look; no axe-core violation on any of them, at
desktop size and on a 390×844 phone. Screenshots in build/screenshots/plain/."""

import pytest

from archive import fixity
from archive import locations
from archive.models import ArchiveRecord
from intranet.extensions import db
from tests.app.test_browser_axe import DESKTOP
from tests.app.test_browser_axe import PHONE
from tests.app.test_browser_axe import chromium  # noqa: F401  (the fixture)
from tests.app.test_browser_axe import new_page
from tests.app.test_browser_axe import violations
from tests.browser import SCREENSHOTS
from tests.browser import LiveServer
from tests.fixtures.scenarios import build_published

SHOTS = SCREENSHOTS / "plain"

pytestmark = pytest.mark.browser


def _errors(page):
    """The console's errors but the 404 of the page asked for on purpose."""
    return [e for e in page.errors if "status of 404" not in e]


def _shoot(page, name):
    """Screenshots at both sizes, and axe-core's verdict at each."""
    found = []
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        page.screenshot(path=str(SHOTS / f"{name}-{size}.png"), full_page=True)
        found += [(size, v) for v in violations(page)]
    page.set_viewport_size(DESKTOP)
    assert found == [], (name, found)


def test_plain_words_in_the_browser(app, scenario, chromium):  # noqa: F811
    SHOTS.mkdir(parents=True, exist_ok=True)
    build_published(app, scenario["case_id"])
    with app.app_context():
        record_id = db.session.execute(db.select(ArchiveRecord.id)).scalar_one()
        locations.add("Ruang Arsip Lt. 1", "Lemari 2", "Boks 03")
        fixity.verify()
    with LiveServer(app) as server:
        page = new_page(chromium, server, "arsiparis")

        # the record: sizes in KB, the hashes closed away
        page.goto(f"/arsip/{record_id}")
        assert page.get_by_text("SHA-256", exact=False).first.is_visible() is False
        assert "KB" in page.locator("section:has(h2:has-text('Versi berkas'))").inner_text()
        page.select_option("#status", "disimpan")
        page.select_option("#place", label="Ruang Arsip Lt. 1 · Lemari 2 · Boks 03")
        page.fill("#folder", "7")
        page.click("button:has-text('Simpan status fisik')")
        page.wait_for_load_state()
        assert page.locator(
            "text=Ruang Arsip Lt. 1 · Lemari 2 · Boks 03 · Folder 7"
        ).first.is_visible()
        _shoot(page, "record")
        details = page.locator("details.technical").first
        details.locator("summary").click()
        assert details.locator(".hash").first.is_visible()
        page.screenshot(path=str(SHOTS / "record-detail-teknis-desktop.png"), full_page=True)

        # the integrity check, started from its page
        page.goto("/arsip/fiksitas")
        assert "flask --app" not in page.content()
        page.click("button:has-text('Periksa sekarang')")
        page.wait_for_load_state()
        assert page.locator(".check-state").inner_text().strip()
        assert page.locator("button:has-text('Periksa sekarang')").is_disabled()
        _shoot(page, "fixity-queued")

        # a place added on the locations page
        page.goto("/arsip/lokasi")
        page.fill("#room", "Ruang Ruang Arsip Lt. 1")
        page.fill("#cabinet", "Lemari 2")
        page.fill("#box", "Boks Boks 04")
        page.click("button:has-text('Tambah')")
        page.wait_for_load_state()
        assert (
            page.locator(".flash-success")
            .inner_text()
            .strip()
            .startswith("Ruang Arsip Lt. 1 · Lemari 2 · Boks 04")
        )
        assert "Ruang Ruang" not in page.content() and "Boks Boks" not in page.content()
        _shoot(page, "locations")

        # an archive address that does not exist keeps the intranet's look
        page.goto("/arsip/tidak/ada")
        assert page.locator("body.public").count() == 0
        page.screenshot(path=str(SHOTS / "intranet-404-desktop.png"), full_page=True)
        assert _errors(page) == [], page.errors
        page.context.close()

        # the public 404: the public site's header, search and a way home
        visitor = new_page(chromium, server)
        response = visitor.goto("/berita/tidak-ada-lagi")
        assert response.status == 404
        assert visitor.locator("body.public header.topbar").count() == 1
        assert visitor.locator("main a:has-text('Kembali ke beranda')").is_visible()
        visitor.fill("#error-q", "pemilih")
        _shoot(visitor, "public-404")
        visitor.click("main form button:has-text('Cari')")
        visitor.wait_for_url("**/cari?q=pemilih")
        assert _errors(visitor) == [], visitor.errors
        visitor.context.close()
