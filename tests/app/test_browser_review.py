"""Deciding where one reads, in Chromium on a desktop and a 390×844 phone: at steps 4, 8 and
9 the approve button is within the first screen of the case page and of the preview page,
the text decided is readable there, a return is confirmed naming who is told, and axe-core
finds nothing in the main content. Screenshots in build/screenshots/review/."""

from pathlib import Path

import pytest

from intranet.extensions import db
from intranet.models import Case
from intranet.models import User
from intranet.services import cases
from tests.browser import Browser
from tests.browser import LiveServer
from tests.browser import require_chromium
from tests.conftest import PASSWORD
from tests.fixtures.scenarios import ARTICLE_DATA
from tests.fixtures.scenarios import build_preview
from tests.fixtures.scenarios import build_published
from tests.intranet.test_review_panel import at_step_4

pytestmark = pytest.mark.browser
AXE = Path(__file__).resolve().parents[1] / "fixtures" / "vendor" / "axe.min.js"
VIEWPORTS = {"desktop": (1280, 900), "phone": (390, 844)}


@pytest.fixture
def playwright():
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


def step_of(app, cid):
    with app.app_context():
        return db.session.get(Case, cid).step


def complete_step_7(app, cid):
    """Set-up while the live server runs (the test client's host is not its host): the
    editor submits the preview, through the service."""
    with app.test_request_context(method="POST"):
        editor = db.session.execute(db.select(User).where(User.username == "editor"))
        cases.decide(db.session.get(Case, cid), editor.scalar_one(), "complete")


def violations(page):
    """axe-core's violations of any impact in the page's main content."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => await axe.run({include: ['main']}, {resultTypes: ['violations']})"
    )
    assert result["passes"], "axe did not run"
    return [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]


def first_screen(browser, page, label, height):
    """The approve button's bottom edge is within the first screen; a shot of that screen."""
    box = page.locator("#setujui").bounding_box()
    assert box is not None and box["y"] + box["height"] <= height, (label, box)
    page.screenshot(path=str(browser.shots / f"first-screen-{label}.png"))
    browser.shot(page, label)
    return box


def test_review_steps_put_the_decision_on_the_first_screen(app, login, scenario, playwright):
    cid = scenario["case_id"]
    at_step_4(app, login, cid)
    with LiveServer(app) as server:
        b = Browser(playwright, server.url, "review")
        try:
            # --- step 4: the concept beside the decision; a return confirmed by name -------
            for label, (w, h) in VIEWPORTS.items():
                page = b.page_for("koordinator", PASSWORD, (w, h))
                page.goto(f"/intranet/naskah/{cid}")
                first_screen(b, page, f"step4-case-{label}", h)
                assert page.locator(".review-read").inner_text().count("Antusiasme") == 1
                page.context.close()
            page = b.page_for("koordinator", PASSWORD, VIEWPORTS["phone"])
            page.goto(f"/intranet/naskah/{cid}")
            page.click("summary:has-text('Kembalikan ke langkah sebelumnya')")
            assert page.locator("#to_step").input_value() == "3"
            page.fill("#reason-return", "Sudut pandang terlalu umum.")
            b.shot(page, "step4-return-chosen-phone")
            with page.expect_navigation():
                page.click("button:has-text('Lanjut: periksa pengembalian')")
            confirm = page.locator(".confirm-return").inner_text()
            assert "Langkah itu dikerjakan oleh Redaktur (Demo Redaktur)." in confirm
            assert "Yang diberi tahu lewat email: Demo Redaktur" in confirm
            b.shot(page, "step4-return-confirm-phone")
            assert step_of(app, cid) == 4
            with page.expect_navigation():
                page.click(".confirm-return a:has-text('Batal')")
            assert step_of(app, cid) == 4
            with page.expect_navigation():
                page.click("#setujui")
            assert "(Demo Penulis)." in page.locator(".flash-success").inner_text()
            b.shot(page, "step4-approved-phone")
            page.context.close()
            assert step_of(app, cid) == 5

            # --- step 8: the article on the case page and the decision on the preview -------
            build_preview(app, cid)
            complete_step_7(app, cid)
            for label, (w, h) in VIEWPORTS.items():
                page = b.page_for("koordinator", PASSWORD, (w, h))
                page.goto(f"/intranet/naskah/{cid}")
                first_screen(b, page, f"step8-case-{label}", h)
                assert "berlangsung tertib" in page.locator(".review-read").inner_text()
                page.goto(f"/intranet/naskah/{cid}/pratinjau")
                first_screen(b, page, f"step8-preview-{label}", h)
                page.context.close()
            page = b.page_for("koordinator", PASSWORD, VIEWPORTS["desktop"])
            page.goto(f"/intranet/naskah/{cid}/pratinjau")
            with page.expect_navigation():
                page.click("#setujui")
            assert "Penanggung Jawab" in page.locator(".flash-success").inner_text()
            page.context.close()
            assert step_of(app, cid) == 9

            # --- step 9: each approval given or awaited -------------------------------------
            for who in ("penanggungjawab", "redaktur"):
                for label, (w, h) in VIEWPORTS.items():
                    page = b.page_for(who, PASSWORD, (w, h))
                    page.goto(f"/intranet/naskah/{cid}")
                    first_screen(b, page, f"step9-case-{who}-{label}", h)
                    page.goto(f"/intranet/naskah/{cid}/pratinjau")
                    first_screen(b, page, f"step9-preview-{who}-{label}", h)
                    page.context.close()
                page = b.page_for(who, PASSWORD, VIEWPORTS["phone"])
                page.goto(f"/intranet/naskah/{cid}")
                with page.expect_navigation():
                    page.click("#setujui")
                b.shot(page, f"step9-approved-by-{who}-phone")
                page.context.close()
            assert step_of(app, cid) == 10
            assert b.errors == []
        finally:
            b.close()


def test_review_pages_pass_axe(app, login, scenario, playwright):
    cid = scenario["case_id"]
    at_step_4(app, login, cid)
    with LiveServer(app) as server:
        b = Browser(playwright, server.url, "review")
        try:
            for w, h in VIEWPORTS.values():
                ctx = b.browser.new_context(
                    base_url=server.url, viewport={"width": w, "height": h}, bypass_csp=True
                )
                page = ctx.new_page()
                page.goto("/intranet/login")
                page.fill("#username", "koordinator")
                page.fill("#password", PASSWORD)
                page.click("button.primary")
                page.wait_for_url("**/intranet/")
                page.goto(f"/intranet/naskah/{cid}")
                assert violations(page) == []
                page.click("summary:has-text('Kembalikan ke langkah sebelumnya')")
                page.fill("#reason-return", "Kurang.")
                with page.expect_navigation():
                    page.click("button:has-text('Lanjut: periksa pengembalian')")
                assert violations(page) == []
                ctx.close()
            build_preview(app, cid)
            complete_step_7(app, cid)
            for w, h in VIEWPORTS.values():
                ctx = b.browser.new_context(
                    base_url=server.url, viewport={"width": w, "height": h}, bypass_csp=True
                )
                page = ctx.new_page()
                page.goto("/intranet/login")
                page.fill("#username", "koordinator")
                page.fill("#password", PASSWORD)
                page.click("button.primary")
                page.wait_for_url("**/intranet/")
                for path in (f"/intranet/naskah/{cid}", f"/intranet/naskah/{cid}/pratinjau"):
                    page.goto(path)
                    assert violations(page) == [], path
                ctx.close()
        finally:
            b.close()


def log_in(page, username):
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button.primary")


def test_the_emailed_link_logs_in_and_returns_to_decide(app, scenario, playwright):
    cid = scenario["case_id"]
    token = build_preview(app, cid, recipient="koordinator")
    complete_step_7(app, cid)
    with LiveServer(app) as server:
        b = Browser(playwright, server.url, "review")
        try:
            w, h = VIEWPORTS["phone"]
            ctx = b.browser.new_context(
                base_url=server.url, viewport={"width": w, "height": h}, bypass_csp=True
            )
            page = ctx.new_page()
            page.goto(f"/pratinjau/{token}")
            assert violations(page) == []
            banner = page.locator(".preview-banner")
            assert banner.locator("a", has_text="Halaman naskah").get_attribute("href") == (
                f"/intranet/naskah/{cid}"
            )
            b.shot(page, "link-anonymous-phone")
            with page.expect_navigation():
                banner.locator("a", has_text="Masuk untuk memutuskan").click()
            log_in(page, "koordinator")
            assert page.url == f"{server.url}/intranet/naskah/{cid}/pratinjau"
            first_screen(b, page, "link-after-login-preview-phone", h)
            assert violations(page) == []
            with page.expect_navigation():
                page.click("#setujui")
            assert step_of(app, cid) == 9
            ctx.close()
            assert b.errors == []
        finally:
            b.close()


def test_a_published_correction_is_approved_from_the_first_screen(app, login, scenario, playwright):
    cid = scenario["case_id"]
    build_published(app, cid)
    corrected = {**ARTICLE_DATA, "base": "1", "title": "Judul koreksi terbit"}
    red = login("redaktur")
    assert red.post(f"/intranet/naskah/{cid}/koreksi-terbit", data=corrected).status_code == 302
    with LiveServer(app) as server:
        b = Browser(playwright, server.url, "review")
        try:
            for label, (w, h) in VIEWPORTS.items():
                page = b.page_for("penanggungjawab", PASSWORD, (w, h))
                page.goto(f"/intranet/naskah/{cid}")
                first_screen(b, page, f"correction-case-{label}", h)
                assert "Judul koreksi terbit" in page.locator(".review-read").inner_text()
                page.context.close()
            ctx = b.browser.new_context(
                base_url=server.url, viewport={"width": 390, "height": 844}, bypass_csp=True
            )
            page = ctx.new_page()
            page.goto("/intranet/login")
            log_in(page, "penanggungjawab")
            page.goto(f"/intranet/naskah/{cid}")
            assert violations(page) == []
            with page.expect_navigation():
                page.click("#setujui")
            assert (
                "Koreksi disetujui dan diterbitkan" in page.locator(".flash-success").inner_text()
            )
            b.shot(page, "correction-approved-phone")
            ctx.close()
            assert b.errors == []
        finally:
            b.close()
