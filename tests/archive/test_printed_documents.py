"""Printed documents fit for signing and filing: the signature block from the SK Tim,
Indonesian dates, codes never cut, and every character drawn with a real glyph."""

import io
import os
import re
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from archive.models import ArchiveRecord
from intranet.clock import tanggal
from intranet.clock import today as office_today
from intranet.extensions import db
from intranet.models import Membership
from intranet.models import User
from intranet.signatures import signature_block
from tests.fixtures.scenarios import manual_record_form

PJ = ("Drs. Sutrisno Hadi, M.Si.", "197001011995031001", "Sekretaris KPU Kabupaten Cilacap")
ARSIPARIS = ("Rina Puspitasari, A.Md.", "198505052010122002", "Arsiparis Pelaksana")

#: An article in every script an Indonesian office writes.
SCRIPTS = {
    "Latin": "Pemilu di Kecamatan Nusawungu: Dér, Øre, ñ, ş, ā ē ī ō ū, Việt",
    "Jawa": "ꦗꦮ ꦲꦏ꧀ꦱꦫ",
    "Arab": "السلام عليكم",
    "Bali": "ᬅᬓ᭄ᬱᬭ",
    "Sunda": "ᮃᮊ᮪ᮞᮛ",
    "Bugis": "ᨔᨘᨑᨛ",
    "Batak": "ᯘᯮᯒᯖ᯲",
    "emoji": "🇮🇩 🗳️ 😀",
}
#: Characters no font has: one of the private use area, one Unicode has not assigned.
UNCOVERED = "\ue000\u0378"


def _sign_as(app, username, person):
    """Give the demo member ``username`` a name, NIP and the jabatan the SK Tim names."""
    name, nip, position = person
    with app.app_context():
        user = db.session.execute(db.select(User).where(User.username == username)).scalar_one()
        user.full_name, user.nip = name, nip
        for m in db.session.execute(
            db.select(Membership).where(Membership.user_id == user.id)
        ).scalars():
            m.position = position
        db.session.commit()


def _text(data, name=None):
    """The text of each page of a PDF; with ``WARTA_PRINT_DIR`` set, the PDF is also kept
    there as ``name``.pdf, to be rendered to PNG pages and looked at."""
    keep = os.environ.get("WARTA_PRINT_DIR")
    if keep and name:
        Path(keep).mkdir(parents=True, exist_ok=True)
        (Path(keep) / f"{name}.pdf").write_bytes(data)
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def _filed(client, title, box="B-01", **overrides):
    """Register an older paper record filed in ``box``; its record id."""
    data = manual_record_form(
        title=title,
        hardcopy_status="disimpan",
        room="Ruang Arsip",
        cabinet="Lemari 1",
        box=box,
        folder="F-1",
        **overrides,
    )
    r = client.post("/arsip/baru", data=data, content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)[-1500:]
    return int(r.headers["Location"].rstrip("/").split("/")[-1])


def _right_edges(data):
    """Per page: the page's width and where its rightmost line of text begins (points).

    A column pushed off the page begins its text beyond the right margin; read from the
    text matrices WeasyPrint writes (in CSS pixels under one page-wide scale).
    """
    import pikepdf

    edges = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            ops = pikepdf.parse_content_stream(page)
            scale = 1.0  # the page-wide transforms set before the first text
            for operands, op in ops:
                if str(op) == "BT":
                    break
                if str(op) == "cm":
                    scale *= float(operands[0])
            starts = [float(operands[4]) * scale for operands, op in ops if str(op) == "Tm"]
            edges.append((float(page.mediabox[2]), max(starts)))
    return edges


def _within_margins(data, margin_mm):
    """True if no text of any page begins beyond the right margin."""
    margin = margin_mm / 25.4 * 72
    return all(start < width - margin for width, start in _right_edges(data))


# --- the signature block -----------------------------------------------------------------


def test_the_signature_block_names_the_sk_tim_members_and_the_office_city(app):
    _sign_as(app, "penanggungjawab", PJ)
    with app.test_request_context():
        block = signature_block("berkas", date(2026, 11, 29))
    assert (block.place, block.date_text) == ("Cilacap", "29 November 2026")
    assert [(s.caption, s.jabatan, s.name, s.nip) for s in block.signers] == [
        ("Mengetahui,", PJ[2], PJ[0], PJ[1]),
        # the demo arsiparis has no NIP and no jabatan in the SK: the role's name stands in
        ("Yang membuat,", "Arsiparis", "Demo Arsiparis", None),
    ]


def test_nobody_signs_for_a_role_outside_the_decree_or_after_the_membership_ended(app):
    with app.app_context():
        m = db.session.execute(
            db.select(Membership).where(Membership.role == "arsiparis")
        ).scalar_one()
        valid_until = m.decree.valid_until
        m.ended_on = office_today()
        db.session.commit()
    with app.test_request_context():
        ended = signature_block("berkas").signers[1]
        after = signature_block("berkas", date(valid_until.year + 1, 1, 2)).signers[0]
    # the block still prints, with dotted lines for a name written by hand
    assert (ended.jabatan, ended.name, ended.nip) == ("Arsiparis", None, None)
    assert (after.jabatan, after.name) == ("Penanggung Jawab", None)


def test_the_place_is_the_configured_office_city(app_factory):
    app = app_factory(OFFICE_CITY="Purwokerto")
    with app.test_request_context():
        assert signature_block("laporan", date(2026, 1, 1)).place == "Purwokerto"


@pytest.mark.parametrize(
    "day, text",
    [
        (date(2026, 11, 29), "29 November 2026"),
        (date(2026, 1, 1), "1 Januari 2026"),
        (date(2026, 8, 17), "17 Agustus 2026"),
    ],
)
def test_dates_are_written_the_indonesian_way(day, text):
    assert tanggal(day) == text


# --- box label and content list ----------------------------------------------------------


def test_the_box_label_and_content_list_carry_the_signature_block(app, login):
    _sign_as(app, "penanggungjawab", PJ)
    _sign_as(app, "arsiparis", ARSIPARIS)
    arsip = login("arsiparis")
    for i in range(3):
        _filed(arsip, f"Berita acara rapat pleno ke-{i + 1}")
    query = "ruang=Ruang+Arsip&lemari=Lemari+1&boks=B-01"
    label = _text(arsip.get(f"/arsip/lokasi/label.pdf?{query}").data, "label-boks")
    assert len(label) == 1
    assert ARSIPARIS[0] in label[0] and f"NIP. {ARSIPARIS[1]}" in label[0]
    assert f"Cilacap, {tanggal(office_today())}" in label[0]
    assert "HM.02.04/0001/3301/2019" in label[0] and "HM.02.04/0003/3301/2019" in label[0]
    r = arsip.get(f"/arsip/lokasi/isi.pdf?{query}")
    assert _within_margins(r.data, 12)
    pages = _text(r.data, "isi-boks")
    text = "\n".join(pages)
    for name, nip, position in (PJ, ARSIPARIS):
        assert name in text and f"NIP. {nip}" in text and position in text
    assert "1 Mei 2019 – 3 Mei 2019" in text
    for n in (1, 2, 3):
        assert re.search(rf"^.*HM\.02\.04/000{n}/3301/2019", text, re.M)


# --- every glyph real ----------------------------------------------------------------------


def _weasy_missing(text):
    """The code points WeasyPrint drew without a glyph in a page of ``text`` set in the
    printed documents' font stack."""
    from weasyprint import HTML

    from intranet.pdf import missing_glyphs

    css = (Path(__file__).parents[2] / "templates" / "pdf" / "_print.css").read_text()
    document = HTML(
        string=f"<html lang='id'><style>{css}</style><body><p>{text}</p></body></html>"
    ).render()
    document.write_pdf()
    return missing_glyphs(document)


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_every_script_an_office_writes_is_drawn_with_real_glyphs(script):
    assert _weasy_missing(SCRIPTS[script]) == []


def test_a_character_no_font_has_is_detected():
    assert _weasy_missing(f"Rapat {UNCOVERED} pleno") == [0x378, 0xE000]


def _publish(app, case_id, title, body_html):
    """Write, lay out and publish a case with this article (steps moved directly); the
    publication's error message, or None when it was published."""
    from intranet.models import Case
    from intranet.services import cases as case_service
    from intranet.services import publishing
    from intranet.transactions import ServiceError
    from tests.fixtures.scenarios import ARTICLE_DATA

    with app.test_request_context(method="POST"):
        users = {u.username: u for u in db.session.execute(db.select(User)).scalars()}
        case = db.session.get(Case, case_id)
        case.step = 5
        base = case_service.articles.latest_revision(case)
        data = {
            **ARTICLE_DATA,
            "title": title,
            "body_html": body_html,
            "slug": f"aksara-nusantara-{case_id}",
        }
        case_service.save_article(case, users["penulis"], data, base.number if base else 0)
        case.step = 7
        case_service.lay_out_preview(case, users["editor"], "standar")
        case.step = 10
        db.session.commit()
        try:
            publishing.publish(case, users["redaktur"])
        except ServiceError as e:
            db.session.rollback()
            return str(e)
    return None


def test_an_article_in_every_script_is_archived_as_pdf_a_with_every_glyph(app, scenario):
    body = "".join(f"<p>{name}: {text}</p>" for name, text in SCRIPTS.items())
    assert _publish(app, scenario["case_id"], "Aksara Nusantara ꦗꦮ 🇮🇩", body) is None
    with app.app_context():
        from archive.store import archive_store

        record = db.session.execute(db.select(ArchiveRecord)).scalar_one()
        data = archive_store().read(record.versions[0].berkas_sha256)
    pages = _text(data, "berkas-aksara")
    text = "\n".join(pages)
    assert SCRIPTS["Latin"] in text and "السلام" in text
    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        meta = pdf.open_metadata()
        assert meta.pdfa_status == "3B"


def test_an_article_with_a_character_no_font_has_is_not_archived_and_not_published(app, scenario):
    from archive.store import archive_store
    from intranet.models import Article

    with app.app_context():
        before = sorted(rel for rel, _ in archive_store().walk())
    message = _publish(
        app, scenario["case_id"], "Rapat pleno", f"<p>Rapat pleno {UNCOVERED} tertib.</p>"
    )
    assert message is not None
    assert "U+E000 (karakter area privat)" in message
    assert "U+0378 (kode yang belum ditetapkan Unicode)" in message
    with app.app_context():
        assert db.session.execute(db.select(ArchiveRecord)).first() is None
        assert db.session.execute(db.select(Article)).first() is None
        assert sorted(rel for rel, _ in archive_store().walk()) == before


@pytest.mark.parametrize("field", ["title", "uraian", "notes"])
def test_a_paper_record_with_a_character_no_font_has_is_refused_naming_it(app, login, field):
    arsip = login("arsiparis")
    data = manual_record_form(**{field: "Berita acara \ue000 lama"})
    r = arsip.post("/arsip/baru", data=data, content_type="multipart/form-data")
    assert r.status_code == 422
    assert "U+E000" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(db.select(ArchiveRecord)).first() is None


# --- the berkas and the Daftar Arsip --------------------------------------------------------


def test_the_berkas_cover_carries_the_signature_block_and_indonesian_dates(app, login):
    _sign_as(app, "penanggungjawab", PJ)
    _sign_as(app, "arsiparis", ARSIPARIS)
    rid = _filed(login("arsiparis"), "Berita acara rapat pleno")
    with app.app_context():
        from archive.store import archive_store

        record = db.session.get(ArchiveRecord, rid)
        data = archive_store().read(record.versions[0].berkas_sha256)
    cover = _text(data, "berkas-manual")[0]
    assert "1 Mei 2019 – 3 Mei 2019" in cover
    assert f"Cilacap, {tanggal(office_today())}" in cover
    for name, nip, position in (PJ, ARSIPARIS):
        assert name in cover and f"NIP. {nip}" in cover and position in cover
    assert "HM.02.04/0001/3301/2019" in cover.splitlines()


def test_the_daftar_arsip_never_cuts_an_archive_number_or_a_row(app_factory):
    from intranet.cli import load_demo
    from tests.conftest import PASSWORD
    from tests.conftest import Auth

    # a longer number than the default, and descriptions long enough to fill pages
    app = app_factory(ARCHIVE_NUMBER_FORMAT="{classification}/{seq:05d}/KPU-{region}/{year}")
    with app.app_context():
        load_demo(PASSWORD)
    _sign_as(app, "arsiparis", ARSIPARIS)
    arsip = app.test_client()
    assert Auth(arsip).login("arsiparis").status_code == 302
    uraian = "Berita acara rapat pleno terbuka rekapitulasi daftar pemilih tetap. " * 4
    for i in range(24):
        _filed(arsip, f"Berita acara ke-{i + 1}", uraian=uraian + f"Akhir uraian {i + 1}.")
    r = arsip.get("/arsip/daftar.pdf")
    assert r.status_code == 200
    pages = _text(r.data, "daftar-arsip")
    assert _within_margins(r.data, 12)
    assert len(pages) >= 2
    numbers = [f"HM.02.04/{n:05d}/KPU-3301/2019" for n in range(1, 25)]
    lines = [line for page in pages for line in page.splitlines()]
    for number in numbers:
        # whole, on one line, exactly once
        assert sum(number in line for line in lines) == 1, number
    words = " ".join(" ".join(pages).split())
    for i in range(24):
        assert f"Akhir uraian {i + 1}." in words  # no cell cut at the page's foot
    for page in pages:
        assert "Nomor arsip" in page  # the header repeats on every page
    assert "NIP. " + ARSIPARIS[1] in pages[-1]


# --- the agenda book ----------------------------------------------------------------------


def test_the_agenda_book_carries_the_signature_block_and_whole_agenda_numbers(app, login):
    from intranet.services import intake
    from tests.fixtures.files import pdf_bytes
    from tests.fixtures.scenarios import material_data
    from tests.fixtures.scenarios import upload

    _sign_as(app, "koordinator", ("Agus Salim, S.Sos.", "198001012005011003", "Kasubag TP Hupmas"))
    day = office_today()
    with app.test_request_context(method="POST"):
        k = db.session.execute(db.select(User).where(User.username == "kontributor")).scalar_one()
        for i in range(14):
            intake.register_material(
                material_data(
                    received_on=day,
                    perihal=f"Undangan rapat koordinasi pemutakhiran data pemilih ke-{i + 1} "
                    + "dengan Dinas Kependudukan dan Pencatatan Sipil " * 2
                    + SCRIPTS["Jawa"],
                ),
                [upload(pdf_bytes(str(i)), "a.pdf")],
                k,
            )
    r = login("koordinator").get(f"/intranet/agenda/cetak?start={day}&end={day}")
    assert r.status_code == 200
    pages = _text(r.data, "buku-agenda")
    assert _within_margins(r.data, 12)  # no column pushed off the page
    lines = [line for page in pages for line in page.splitlines()]
    for n in range(1, 15):
        number = f"{n:04d}/AGD-WEB/3301/{day.year}"
        assert sum(number in line for line in lines) == 1, number
    text = "\n".join(pages)
    assert f"Periode {tanggal(day)} – {tanggal(day)}" in text
    assert "Agus Salim, S.Sos." in pages[-1] and "NIP. 198001012005011003" in pages[-1]
    assert "Kasubag TP Hupmas" in pages[-1] and "Yang mencatat," in pages[-1]


# --- the division report ------------------------------------------------------------------


def test_the_division_report_names_the_office_the_month_and_the_steps(app, login, scenario):
    from intranet.clock import bulan
    from tests.fixtures.scenarios import build_published

    build_published(app, scenario["case_id"])
    month = office_today().strftime("%Y-%m")
    c = login("koordinator")
    r = c.get(f"/intranet/naskah/laporan?bulan={month}&format=pdf")
    pages = _text(r.data, "laporan-divisi")
    assert _within_margins(r.data, 12)
    words = " ".join(" ".join(pages).split())
    assert "KPU KABUPATEN CILACAP" in words
    assert f"Laporan Pengelolaan Website — {bulan(office_today())}" in words
    for name in ("1. Penugasan", "3. Konsep artikel", "10. "):
        assert name in words
    assert "Rapat pleno DPT" in words and "Tidak ada berita" not in words
    assert "Mengetahui," in words and "Yang melaporkan," in words
    r = c.get(f"/intranet/naskah/laporan?bulan={month}&format=csv")
    header = r.get_data(as_text=True).splitlines()[0]
    assert "Langkah 1. Penugasan (hari kerja)" in header
    page = c.get(f"/intranet/naskah/laporan?bulan={month}").get_data(as_text=True)
    assert "1. Penugasan: " in page


def test_a_month_with_nothing_published_says_so_instead_of_a_chart_of_zeros(app, login):
    c = login("koordinator")
    r = c.get("/intranet/naskah/laporan?bulan=2019-02&format=pdf")
    assert r.status_code == 200
    pages = _text(r.data, "laporan-divisi-kosong")
    words = " ".join(" ".join(pages).split())
    assert "Laporan Pengelolaan Website — Februari 2019" in words
    assert "Tidak ada berita yang terbit pada Februari 2019." in words
    assert "Rata-rata hari kerja" not in words
    page = c.get("/intranet/naskah/laporan?bulan=2019-02").get_data(as_text=True)
    assert "<svg" not in page and "Tidak ada berita terbit pada bulan ini." in page


def test_the_export_buttons_send_the_month_typed_in(app, login):
    from html.parser import HTMLParser

    c = login("koordinator")
    page = c.get("/intranet/naskah/laporan?bulan=2019-02").get_data(as_text=True)

    class Form(HTMLParser):
        """The report form's fields and its export buttons."""

        def __init__(self):
            super().__init__()
            self.inside, self.fields, self.buttons, self.action = False, {}, [], None

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "form" and "filters" in (a.get("class") or "").split():
                self.inside, self.action = True, a.get("action")
            elif self.inside and tag == "input" and a.get("name"):
                self.fields[a["name"]] = a.get("value", "")
            elif self.inside and tag == "button" and a.get("name") == "format":
                self.buttons.append(a["value"])

        def handle_endtag(self, tag):
            if tag == "form":
                self.inside = False

    form = Form()
    form.feed(page)
    assert form.buttons == ["pdf", "xlsx", "csv"]
    # a person types another month, then presses a button: the browser sends the form
    form.fields["bulan"] = "2019-03"
    for fmt in form.buttons:
        r = c.get(
            form.action or "/intranet/naskah/laporan",
            query_string={**form.fields, "format": fmt},
        )
        assert r.status_code == 200
        assert r.headers["Content-Disposition"].endswith(f"laporan-divisi-2019-03.{fmt}")
