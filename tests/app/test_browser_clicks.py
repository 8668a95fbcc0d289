"""How many clicks one article costs: the demo users carry it through all ten SOP steps in
Chromium (desktop), each starting from their own dashboard and going only where a link or a
button on the page takes them, the shortest way the pages offer.

A click is one activation of a link or a button; typing into a field, choosing in a select
and ticking a checkbox are counted apart as fields. A page load is every document the
browser loads (a redirect after a POST loads one page). The login of the morning is not
counted. The table is printed (``pytest -s``) and written to
``build/screenshots/clicks/counts.txt``; the case must end published with the whole trail, so
nothing the SOP requires is skipped to save a click."""

import re
from collections import Counter
from datetime import timedelta

import pytest

from intranet.clock import today
from intranet.extensions import db
from intranet.models import Case
from intranet.models import TrailEntry
from intranet.services import trail
from tests.browser import Browser
from tests.browser import LiveServer
from tests.browser import require_chromium
from tests.conftest import PASSWORD
from tests.fixtures.files import pdf_bytes
from tests.fixtures.files import photo_with_gps

pytestmark = pytest.mark.browser

#: The most clicks one article may cost, all ten steps and all seven people together.
MOST_CLICKS = 24
TITLE = "KPU Cilacap Sapa Pemilih Pemula di SMA Negeri 1"


@pytest.fixture
def chromium():
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


class Person:
    """One demo user in their own browser context, their clicks, fields and page loads
    counted per SOP step."""

    def __init__(self, browser, username, tally):
        self.username = username
        self.page = browser.page_for(username, PASSWORD)
        self.tally = tally
        self.step = None
        self.page.on("load", lambda _page: self._count("loads"))

    def _count(self, what, n=1):
        if self.step is not None:
            self.tally[(self.step, self.username, what)] += n

    def at(self, step):
        """From now on the person's actions count towards ``step``."""
        self.step = step
        return self

    def dashboard(self):
        """The person opens Warta (their dashboard): a page load, no click."""
        self.page.goto("/intranet/")
        self.page.wait_for_load_state()

    def has(self, selector):
        loc = self.page.locator(selector)
        return loc.count() > 0 and loc.first.is_visible()

    def click(self, selector, check=True):
        """One click on a link or button, waiting for the page it leads to; with ``check``,
        the page must show no error. Returns the errors shown."""
        loc = self.page.locator(selector).first
        self._count("clicks")
        with self.page.expect_navigation():
            loc.click()
        self.page.wait_for_load_state()
        errors = self.page.locator(".flash-error, .field.has-error").all_inner_texts()
        assert not (check and errors), (self.username, self.step, errors)
        return errors

    def button(self, text):
        return f"button:visible:has-text('{text}')"

    def fill(self, selector, value):
        self._count("fields")
        self.page.fill(selector, value)

    def select(self, selector, **how):
        self._count("fields")
        self.page.select_option(selector, **how)

    def check(self, selector):
        self._count("fields")
        self.page.check(selector)

    def upload(self, selector, path):
        self._count("fields")
        self.page.set_input_files(selector, str(path))

    def open_task(self, case_id):
        """From the dashboard, the case in "Tugas saya": the link to the step's work, where
        the row has one, else the case."""
        self.dashboard()
        row = f"table.table tr:has(a:has-text('#{case_id} '))"
        if self.page.locator(f"{row} a.work-link").count():
            self.click(f"{row} a.work-link")
        else:
            self.click(f"{row} a:has-text('#{case_id} ')")


def table(tally, people):
    """The counts as a text table: per step and person, per person, and in total."""
    lines = [f"{'langkah':<8} {'orang':<16} {'klik':>5} {'isian':>6} {'halaman':>8}"]
    for step in range(1, 11):
        for who in people:
            row = [tally[(step, who, w)] for w in ("clicks", "fields", "loads")]
            if any(row):
                lines.append(f"{step:<8} {who:<16} {row[0]:>5} {row[1]:>6} {row[2]:>8}")
    lines.append("")
    for who in people:
        row = [
            sum(v for (_s, w, k), v in tally.items() if w == who and k == what)
            for what in ("clicks", "fields", "loads")
        ]
        lines.append(f"{'':<8} {who:<16} {row[0]:>5} {row[1]:>6} {row[2]:>8}")
    total = [
        sum(v for (_s, _w, k), v in tally.items() if k == what)
        for what in ("clicks", "fields", "loads")
    ]
    lines.append(f"{'jumlah':<8} {'':<16} {total[0]:>5} {total[1]:>6} {total[2]:>8}")
    return "\n".join(lines), total[0]


def test_one_article_through_ten_steps_costs_few_clicks(app, chromium, tmp_path):
    letter = tmp_path / "surat-permohonan.pdf"
    letter.write_bytes(pdf_bytes("Permohonan narasumber sosialisasi"))
    photo = tmp_path / "sosialisasi.jpg"
    photo.write_bytes(photo_with_gps((800, 600)))
    with app.test_request_context():
        due = (today() + timedelta(days=7)).isoformat()
    tally = Counter()
    order = ["penanggungjawab", "kontributor", "redaktur", "koordinator", "penulis", "editor"]

    with LiveServer(app) as server:
        b = Browser(chromium, server.url, "clicks")
        try:
            people = {u: Person(b, u, tally) for u in order}
            pj, kontributor, redaktur, koordinator, penulis, editor = people.values()

            # --- 1: the penanggungjawab gives the direction ---------------------------------
            pj.at(1).dashboard()
            pj.click("#main-nav a:has-text('Penugasan')")
            pj.fill("#instruction", "Liput sosialisasi pemilih pemula di SMA Negeri 1 Cilacap.")
            pj.check("#recipients li:has-text('(kontributor)') input")
            pj.fill("#due_date", due)
            pj.click(pj.button("Berikan penugasan"))

            # --- 2: the kontributor registers the letter and hands it to the redaktur ---------
            k = kontributor.at(2)
            k.dashboard()
            k.click("a:has-text('Catat bahan informasi')")
            k.select("#channel", value="surat")
            k.fill("#letter_number", "421.3/117/SMA.1/2026")
            k.fill("#letter_date", k.page.input_value("#received_on"))
            k.fill("#sender_institution", "SMA Negeri 1 Cilacap")
            k.fill("#perihal", "Permohonan narasumber sosialisasi pemilih pemula")
            k.select("#category_id", label="Sosialisasi")
            k.select("#assignment_id", index=1)
            k.upload("#files", letter)
            if k.has(k.button("Simpan dan serahkan")):
                k.click(k.button("Simpan dan serahkan"))
            else:
                k.click(k.button("Simpan ke buku agenda"))
                k.click("main a:text-is('Serahkan')")
            k.fill("#title", "Sosialisasi pemilih pemula SMA Negeri 1")
            if not k.page.locator("#category_id").input_value():
                k.select("#category_id", label="Sosialisasi")
            k.click(k.button("Serahkan"))
            case_id = int(re.search(r"/naskah/(\d+)", k.page.url).group(1))
            b.shot(k.page, "step2-handed-over")

            # --- 3: the redaktur writes the concept and sends it on --------------------------
            r = redaktur.at(3)
            r.open_task(case_id)
            r.fill("#angle", "Pemilih pemula antusias menyambut pemilu")
            r.fill("#outline", "1. Kegiatan\n2. Materi\n3. Kutipan siswa")
            if r.has(r.button("Simpan dan kirim")):
                b.shot(r.page, "step3-concept-form")
                r.click(r.button("Simpan dan kirim"))
            else:
                r.click(r.button("Simpan konsep"))
                r.click("form.decision button.primary")
            b.shot(r.page, "step3-sent")

            # --- 4: the koordinator approves the concept ------------------------------------
            ko = koordinator.at(4)
            ko.open_task(case_id)
            b.shot(ko.page, "step4-case-page")
            ko.click("form.decision button.primary")

            # --- 5: the penulis writes the article; 6: the photos ----------------------------
            p = penulis.at(5)
            p.open_task(case_id)
            if "/tulis" not in p.page.url:
                p.click("a:has-text('Tulis / koreksi berita')")
            p.page.wait_for_selector(".ql-editor")
            p.fill("#title", TITLE)
            p.fill("#summary", "Tiga ratus siswa kelas XII mengikuti sosialisasi.")
            p.page.locator(".ql-editor").click()
            p._count("fields")
            p.page.keyboard.type("Ratusan siswa mengikuti sosialisasi bagi pemilih pemula.")
            hand_on = "form.card button[name=hand_on]:visible"
            if p.has(hand_on):
                p.click(hand_on)
            else:
                p.click("form.card button.primary")
                p.click("main a:has-text('Naskah #')")
                p.click("form.decision button.primary")
            b.shot(p.page, "step5-done")

            p.at(6)
            if "/foto" not in p.page.url:
                p.click("main a.button:text-is('Foto')")
            p._count("clicks")  # opening the file chooser (or dropping the file) is one
            p.upload("#photo", photo)
            # the page's script sends a chosen photo at once (no other click); the grid then
            # asks for its texts
            p.page.wait_for_selector("#photo-grid [name$='-caption']")
            # the texts a photo needs, where the page asks for them after the upload
            for suffix, text in (
                ("caption", "Siswa menyimak materi sosialisasi"),
                ("credit", "Humas KPU Cilacap"),
                ("alt", "Siswa duduk di aula menghadap narasumber"),
            ):
                grid = p.page.locator(f"#photo-grid [name$='-{suffix}']")
                for i in range(grid.count()):
                    if not grid.nth(i).input_value():
                        p._count("fields")
                        grid.nth(i).fill(text)
            hand_on = "main button[name=hand_on]:visible"
            refused = p.click(hand_on, check=False) if p.has(hand_on) else ["no hand-on here"]
            if refused:
                print(f"step 6: the photos page did not hand on: {refused}")
                p.click("main a:has-text('Naskah #')")
                p.click("form.decision button.primary")
            b.shot(p.page, "step6-done")

            # --- 7: the editor prepares the preview and sends it ----------------------------
            e = editor.at(7)
            e.open_task(case_id)
            if "/pratinjau" not in e.page.url:
                e.click("main a.button:text-is('Preview')")
            e.select("#layout", value="galeri")
            if e.has(e.button("Kirim preview")):
                b.shot(e.page, "step7-preview-page")
                e.click(e.button("Kirim preview"))
            else:
                e.click(e.button("Siapkan preview"))
                e.click("main a:has-text('Naskah #')")
                e.click("form.decision button.primary")
            b.shot(e.page, "step7-sent")

            # --- 8: the koordinator approves the preview ------------------------------------
            ko.at(8).open_task(case_id)
            ko.click("form.decision button.primary")

            # --- 9: both approvals; 10: the redaktur publishes ------------------------------
            pj.at(9).open_task(case_id)
            pj.click("form.decision button.primary")
            r.at(9).open_task(case_id)
            r.click("form.decision button.primary")
            r.at(10)
            if not r.has(r.button("Terbitkan")):
                r.open_task(case_id)
            r.click(r.button("Terbitkan"))
            assert r.has("text=Naskah ini sudah menyelesaikan SOP.")
            b.shot(r.page, "step10-published")
        finally:
            b.close()

    text, total = table(tally, order)
    out = b.shots / "counts.txt"
    out.write_text(text + "\n", encoding="utf-8")
    print("\n" + text)  # shown with pytest -s
    assert b.errors == []

    with app.app_context():
        c = db.session.get(Case, case_id)
        assert c.step == 10 and c.status == "published"
        entries = db.session.execute(
            db.select(TrailEntry).where(TrailEntry.case_id == c.id).order_by(TrailEntry.seq)
        ).scalars()
        assert [(e.step, e.action, e.actor.username) for e in entries] == [
            (1, "complete", "penanggungjawab"),
            (2, "complete", "kontributor"),
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
        assert trail.verify_all() == (1, [])
    assert total <= MOST_CLICKS, text
