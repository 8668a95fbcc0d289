"""The case list and the dashboard in Chromium, on a desktop and on a 390×844 phone:
filters, the outcome and holder of each case, the badge; screenshots in
build/screenshots/worklists/."""

from pathlib import Path

import pytest

from intranet.extensions import db
from intranet.models import Case
from tests.browser import Browser
from tests.browser import LiveServer
from tests.browser import require_chromium
from tests.conftest import PASSWORD
from tests.intranet.test_worklists import _add_cases

pytestmark = pytest.mark.browser
AXE = Path(__file__).resolve().parents[1] / "fixtures" / "vendor" / "axe.min.js"


def main_violations(browser, base_url, path, viewport):
    """axe-core's violations of any impact in the page's main content, as the Koordinator."""
    ctx = browser.browser.new_context(
        base_url=base_url, viewport={"width": viewport[0], "height": viewport[1]}, bypass_csp=True
    )
    page = ctx.new_page()
    page.goto("/intranet/login")
    page.fill("#username", "koordinator")
    page.fill("#password", PASSWORD)
    page.click("button.primary")
    page.wait_for_url("**/intranet/")
    page.goto(path)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => await axe.run({include: ['main']}, {resultTypes: ['violations']})"
    )
    ctx.close()
    assert result["passes"], "axe did not run"
    return [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]


@pytest.fixture
def playwright():
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


def test_the_case_list_and_dashboard_on_desktop_and_phone(app, scenario, playwright):
    _add_cases(app, 3, step=4, title="Sosialisasi tahapan pemilu kepada pemilih pemula {n}")
    _add_cases(app, 28, step=5)
    with app.app_context():
        db.session.get(Case, scenario["case_id"]).title = "Rapat pleno rekapitulasi DPT"
        db.session.commit()
    with LiveServer(app) as server:
        browser = Browser(playwright, server.url, "worklists")
        try:
            for label, viewport in (("desktop", (1280, 900)), ("phone", (390, 844))):
                page = browser.page_for("koordinator", PASSWORD, viewport)
                badge = page.locator("#waiting-badge")
                assert badge.count() == 1
                assert badge.inner_text().startswith("3")
                browser.shot(page, f"dashboard-{label}")
                page.goto("/intranet/naskah/")
                assert "32 naskah" in page.inner_text("#case-count")
                # every filter stays inside its card, the holder list (the longest names) too
                outside = page.evaluate(
                    """() => { const form = document.querySelector('form.filters');
                               const style = getComputedStyle(form);
                               const inner = form.getBoundingClientRect().right
                                 - parseFloat(style.paddingRight)
                                 - parseFloat(style.borderRightWidth);
                               return [...form.querySelectorAll('input, select')]
                                 .filter(e => e.getBoundingClientRect().right > inner + 0.5)
                                 .map(e => e.name); }"""
                )
                assert outside == [], (label, outside)
                browser.shot(page, f"list-{label}")
                page.select_option("select[name=langkah]", "4")
                page.click("form.filters button[type=submit]")
                page.wait_for_url("**langkah=4**")
                rows = page.locator("tbody tr")
                assert rows.count() == 3
                assert "4. Periksa konsep" in rows.first.inner_text()
                browser.shot(page, f"list-filtered-{label}")
                page.context.close()
            for path in ("/intranet/", "/intranet/naskah/", "/intranet/naskah/?langkah=4"):
                for viewport in ((1280, 900), (390, 844)):
                    assert main_violations(browser, server.url, path, viewport) == [], path
            assert browser.errors == []
        finally:
            browser.close()
