"""Every page of the intranet and the archive, for every role that may see it, checked with
axe-core in Chromium at desktop size and on a 390×844 phone: no violation of any impact.

The pages are the route matrix's GET routes (tests/app/test_route_matrix.py): a route added
there is walked here too, with the same real scenario (a case at step 7 with a preview link,
a published and archived article filed in a box, an export, a penyusutan list, a legal hold)
and for each role the matrix answers 200. Downloads (PDF, CSV, XLSX, ZIP, JSON, feeds,
images) are no pages and are left out by their content type.

Also here: the menu disclosure, the error summary of a failed form, and the phone layouts
(the archive search's filters behind one button, the public header, checkbox lists).
"""

import json
from pathlib import Path

import pytest
from flask import url_for

from intranet.clock import today
from intranet.extensions import db
from intranet.models import Assignment
from intranet.models import Case
from intranet.models import User
from tests.app.test_route_matrix import ACCESS
from tests.app.test_route_matrix import PUBLIC
from tests.app.test_route_matrix import expected
from tests.app.test_route_matrix import routes
from tests.app.test_route_matrix import scenario_args
from tests.app.test_route_matrix import url_values
from tests.browser import ARGS
from tests.browser import CHROMIUM
from tests.browser import SCREENSHOTS
from tests.browser import LiveServer
from tests.browser import require_chromium
from tests.conftest import PASSWORD
from tests.conftest import ROLES
from tests.fixtures.files import pdf_bytes
from tests.fixtures.scenarios import build_preview
from tests.fixtures.scenarios import build_scenario
from tests.fixtures.scenarios import material_data
from tests.fixtures.scenarios import upload

AXE = Path(__file__).resolve().parents[1] / "fixtures" / "vendor" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SHOTS = SCREENSHOTS / "a11y"
#: Pages photographed (endpoint, role) at both sizes, to be looked at.
PHOTOGRAPHED = {
    ("dashboard.index", "penanggungjawab"),
    ("intake.handover", "kontributor"),
    ("archive.search", "arsiparis"),
    ("cases.detail", "koordinator"),
}

pytestmark = pytest.mark.browser


@pytest.fixture
def chromium():
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def server(app):
    with LiveServer(app) as live:
        yield live


def new_page(chromium, server, username=None, viewport=DESKTOP, **options):
    """A page in a new context (the CSP bypassed so axe can be injected), signed in as
    ``username`` when given; console and page errors are collected on ``page.errors``."""
    ctx = chromium.new_context(base_url=server.url, viewport=viewport, bypass_csp=True, **options)
    page = ctx.new_page()
    page.errors = []
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    if username:
        page.goto("/intranet/login")
        page.fill("#username", username)
        page.fill("#password", PASSWORD)
        page.click("button.primary")
        page.wait_for_url("**/intranet/")
    return page


def violations(page):
    """axe-core's violations of any impact on the page as it stands."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    assert result["testEngine"]["name"] == "axe-core" and result["passes"], "axe did not run"
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
    ]


def html_pages(app, login, scanned_decree):
    """[(endpoint, url, [principals])] of every GET route answering an HTML page: the
    principals are the roles the matrix answers 200 (None: anonymous, for public pages)."""
    gets = [(e, r) for e, m, r in routes(app) if m == "GET" and (e, m) in ACCESS]
    needed = {a for _, r in gets for a in r.arguments} | {e for e, _ in gets}
    args = scenario_args(app, login, scanned_decree, needed)
    at_steps = cases_at_steps(app)
    pages = []
    for endpoint, rule in sorted(gets, key=lambda g: g[0]):
        with app.test_request_context():
            url = url_for(endpoint, **url_values(endpoint, rule, args))
        who = ACCESS[(endpoint, "GET")][0]
        # a public page is the same page for everyone: walked once, by an anonymous visitor
        candidates = [None] if who == PUBLIC else [None, *ROLES]
        allowed = [p for p in candidates if expected((endpoint, "GET"), p, url, args)[0] == 200]
        if not allowed:
            continue
        client = app.test_client() if allowed[0] is None else login(allowed[0])
        with client.get(url) as response:
            assert response.status_code == 200, (endpoint, url, response.status_code)
            if response.mimetype != "text/html":
                continue
        pages.append((endpoint, url, allowed))
        if endpoint in CASE_PAGES:  # the same page for a case at each other step
            for case_id in at_steps.values():
                with app.test_request_context():
                    other = url_for(
                        endpoint, **{**url_values(endpoint, rule, args), "case_id": case_id}
                    )
                pages.append((endpoint, other, allowed))
    return pages


#: The case pages whose content changes with the step: walked for a case at each step.
CASE_PAGES = {"cases.detail", "cases.write", "cases.photos"}
#: The steps of those cases (the scenario's own case is at step 7, a published one at 10).
STEPS = (3, 4, 5, 6, 8, 9)


def cases_at_steps(app):
    """{step: case id} of cases opened through the services and moved to each step the way
    the scenario fixtures move theirs."""
    cases = {}
    for step in STEPS:
        case_id = build_scenario(app)["case_id"]
        if step >= 5:
            build_preview(app, case_id)
        with app.app_context():
            db.session.get(Case, case_id).step = step
            db.session.commit()
        cases[step] = case_id
    return cases


#: Everyone who walks the pages (None: an anonymous visitor), in three parts of three, so
#: the walk (minutes in all) runs on several test workers at once.
PRINCIPALS = [None, *ROLES]
PARTS = 3


# about 90 pages x 2 sizes for up to three roles: minutes, not the suite's 300 s per test
@pytest.mark.timeout(1800)
@pytest.mark.parametrize("part", range(PARTS))
def test_every_page_for_every_role_has_no_axe_violation(app, login, scanned_decree, chromium, part):
    principals = PRINCIPALS[part::PARTS]
    pages = html_pages(app, login, scanned_decree)
    walked = {e for e, _, _ in pages}
    # the walk covers the intranet, the archive and penyusutan, not only a few pages
    assert {"dashboard.index", "cases.detail", "archive.search", "retention.detail"} <= walked
    assert len(pages) >= 40 + len(CASE_PAGES) * len(STEPS), len(pages)
    SHOTS.mkdir(parents=True, exist_ok=True)
    found, visits = {}, 0
    with LiveServer(app) as server:
        for principal in principals:
            mine = [(e, url) for e, url, allowed in pages if principal in allowed]
            if not mine:
                continue
            page = new_page(chromium, server, principal)
            for endpoint, url in mine:
                response = page.goto(url)
                assert response.status == 200, (principal, url, response.status)
                for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
                    page.set_viewport_size(viewport)
                    visits += 1
                    for v in violations(page):
                        found.setdefault((v["id"], v["impact"], v["help"]), []).append(
                            (principal or "anonymous", size, url, v["nodes"])
                        )
                    if (endpoint, principal) in PHOTOGRAPHED:
                        name = f"{endpoint.replace('.', '-')}-{principal}-{size}.png"
                        page.screenshot(path=str(SHOTS / name), full_page=True)
            assert page.errors == [], page.errors
            page.context.close()
    # each walker saw every page they may open, at both sizes
    assert visits == 2 * sum(1 for *_, allowed in pages for p in principals if p in allowed)
    assert visits > 0
    # this part of the walk, for whoever fixes what it found
    (SHOTS / f"axe-walk-{part + 1}-of-{PARTS}.json").write_text(
        json.dumps(
            {
                "walkers": [p or "anonymous" for p in principals],
                "pages": [[e, url, [p or "anonymous" for p in who]] for e, url, who in pages],
                "violations": [[list(k), v] for k, v in sorted(found.items())],
            },
            indent=1,
        )
    )
    assert found == {}, "\n".join(f"{k}: {len(v)}× e.g. {v[:3]}" for k, v in sorted(found.items()))


def test_menu_is_a_disclosure_button_on_a_phone_and_simply_shown_without_javascript(
    app, chromium, server
):
    page = new_page(chromium, server, "penulis", viewport=PHONE)
    page.goto("/intranet/akun")
    button = page.locator("button.nav-toggle")
    nav = page.locator("#main-nav")
    assert button.is_visible() and button.get_attribute("aria-controls") == "main-nav"
    assert button.get_attribute("aria-expanded") == "false" and not nav.is_visible()
    # by keyboard: the skip link first, then the brand, then the menu button
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "nav-toggle"
    page.keyboard.press("Enter")
    assert button.get_attribute("aria-expanded") == "true" and nav.is_visible()
    page.screenshot(path=str(SHOTS / "menu-open-phone.png"))
    page.keyboard.press("Escape")
    assert button.get_attribute("aria-expanded") == "false" and not nav.is_visible()
    assert page.evaluate("document.activeElement.className") == "nav-toggle"
    assert violations(page) == []
    # on a desktop the menu is always shown and the button is not
    page.set_viewport_size(DESKTOP)
    assert nav.is_visible() and not button.is_visible()
    # without JavaScript the menu is open and no button is there to confuse anyone
    bare = new_page(chromium, server, "penulis", viewport=PHONE, java_script_enabled=False)
    bare.goto("/intranet/akun")
    assert bare.locator("#main-nav a", has_text="Naskah").is_visible()
    assert not bare.locator("button.nav-toggle").is_visible()
    assert page.errors == []


def test_a_failed_form_opens_with_an_error_summary_that_takes_the_focus(app, chromium, server):
    page = new_page(chromium, server, "penanggungjawab")
    page.goto("/intranet/penugasan")
    page.fill("#instruction", "")
    with page.expect_navigation():
        page.click("button.primary:has-text('Berikan penugasan')")
    summary = page.locator("#error-summary")
    assert summary.get_attribute("role") == "alert"
    assert page.evaluate("document.activeElement.id") == "error-summary"
    # the instruction, the recipients and the due date are all missing
    assert summary.locator("h2").inner_text() == "Ada 3 kesalahan"
    links = summary.locator("a")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert hrefs == ["#instruction", "#recipients", "#due_date"]
    for href in hrefs:
        assert page.locator(href).count() == 1, href
    # each field says it is invalid and names its message
    for field_id in ("instruction", "due_date"):
        field = page.locator(f"#{field_id}")
        assert field.get_attribute("aria-invalid") == "true"
        message = page.locator("#" + field.get_attribute("aria-describedby").split()[-1])
        assert message.inner_text().strip()
    assert page.locator("fieldset:has(#recipients)").get_attribute("aria-describedby") == (
        "recipients-hint recipients-error"
    )
    page.screenshot(path=str(SHOTS / "error-summary-desktop.png"))
    # a link of the summary leads to its field
    links.first.click()
    assert page.evaluate("location.hash") == "#instruction"
    assert violations(page) == []
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Assignment.id))).scalar_one() == 0
    # the refused form answers 400, which the console reports; nothing else went wrong
    assert [e for e in page.errors if "status of 400" not in e] == []


def test_phone_search_filters_behind_one_button_public_brand_and_checkboxes(
    app, login, scanned_decree, chromium
):
    # a published and archived article to find (made before the server takes the address)
    scenario_args(app, login, scanned_decree, {"record_id"})
    with LiveServer(app) as server:
        phone_layouts(app, chromium, server)


def phone_layouts(app, chromium, server):
    page = new_page(chromium, server, "arsiparis", viewport=PHONE)
    page.goto("/arsip/cari")
    first = page.locator("ol.hits li.hit").first
    assert first.bounding_box()["y"] < PHONE["height"], first.bounding_box()
    toggle = page.locator("button.filter-toggle")
    assert toggle.is_visible() and not page.locator("#search-filters").is_visible()
    assert not page.locator("#search-facets").is_visible()
    page.screenshot(path=str(SHOTS / "archive-search-phone.png"))
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert page.locator("input[name=tahun]").is_visible()
    assert page.locator("#search-facets").is_visible()
    page.screenshot(path=str(SHOTS / "archive-search-phone-filters.png"), full_page=True)
    # a filter set shows on the button, still collapsed
    page.goto("/arsip/cari?media=elektronik")
    assert "1 aktif" in page.locator("button.filter-toggle").inner_text()
    # on a desktop the filters are always there and the button is not
    page.set_viewport_size(DESKTOP)
    assert page.locator("input[name=tahun]").is_visible() and not toggle.is_visible()
    # without JavaScript a phone shows the filters open, and no button that does nothing
    bare = new_page(chromium, server, "arsiparis", viewport=PHONE, java_script_enabled=False)
    bare.goto("/arsip/cari")
    assert bare.locator("input[name=tahun]").is_visible()
    assert not bare.locator("button.filter-toggle").is_visible()
    bare.context.close()

    # the public header: the office's name on one line at 390 px
    visitor = new_page(chromium, server, viewport=PHONE)
    visitor.goto("/")
    name = visitor.locator(".topbar .brand strong")
    line = visitor.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('.topbar .brand strong')).lineHeight)"
    )
    assert name.bounding_box()["height"] <= line * 1.1, (name.bounding_box(), line)
    assert visitor.locator(".topbar .brand").bounding_box()["height"] <= 40
    visitor.screenshot(path=str(SHOTS / "public-header-phone.png"))

    # penugasan: recipients ticked by touch-sized clicks on their labels
    with app.app_context():
        people = {u.username: u.id for u in db.session.execute(db.select(User)).scalars()}
    pj = new_page(chromium, server, "penanggungjawab", viewport=PHONE)
    pj.goto("/intranet/penugasan")
    assert pj.locator("select[multiple]").count() == 0
    pj.fill("#instruction", "Liput sosialisasi pemilih pemula.")
    for who in ("kontributor", "redaktur"):
        box = pj.locator(f"#recipients input[value='{people[who]}']")
        pj.locator(f"label[for='{box.get_attribute('id')}']").click()
        assert box.is_checked()
    pj.fill("#due_date", today().isoformat())
    pj.screenshot(path=str(SHOTS / "penugasan-phone.png"), full_page=True)
    with pj.expect_navigation():
        pj.click("button.primary:has-text('Berikan penugasan')")
    assert pj.locator(".flash-success").count() == 1, pj.content()[:2000]
    with app.app_context():
        made = db.session.execute(
            db.select(Assignment).where(Assignment.instruction.like("Liput sosialisasi%"))
        ).scalar_one()
        assert sorted(r.user.username for r in made.recipients) == ["kontributor", "redaktur"]
        assignment_id = made.id

    # handover: two agenda entries ticked, one case opened with both
    from intranet.services import intake

    with app.test_request_context(method="POST"):
        kontributor = db.session.get(User, people["kontributor"])
        materials = [
            intake.register_material(
                material_data(assignment_id=assignment_id, perihal=perihal),
                [upload(pdf_bytes(perihal), "surat.pdf")],
                kontributor,
            ).id
            for perihal in ("Undangan sosialisasi SMA 1", "Undangan sosialisasi SMA 2")
        ]
    k = new_page(chromium, server, "kontributor", viewport=PHONE)
    k.goto("/intranet/naskah/serahkan")
    k.select_option("#assignment_id", str(assignment_id))
    for material_id in materials:
        box = k.locator(f"#material_ids input[value='{material_id}']")
        box.click()
        assert box.is_checked()
    k.fill("#title", "Sosialisasi pemilih pemula")
    k.select_option("#redaktur_id", str(people["redaktur"]))
    k.screenshot(path=str(SHOTS / "handover-phone.png"), full_page=True)
    with k.expect_navigation():
        k.click("button.primary:has-text('Serahkan')")
    assert k.locator(".flash-success").count() == 1, k.content()[:2000]
    from intranet.models import SourceMaterial

    with app.app_context():
        cases = [[c.id for c in db.session.get(SourceMaterial, m).cases] for m in materials]
    assert len(cases[0]) == 1 and cases[0] == cases[1], cases
    for p in (page, visitor, pj, k):
        assert p.errors == [], p.errors
