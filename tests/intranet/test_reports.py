"""The division report: PDF with a chart, XLSX and CSV, in the intranet and on the command line."""

import csv
import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from intranet.clock import today
from tests.fixtures.scenarios import build_published


@pytest.fixture
def published(app, scenario):
    return build_published(app, scenario["case_id"])


def test_report_in_every_format(app, login, published):
    month = today().strftime("%Y-%m")
    c = login("koordinator")
    page = c.get(f"/intranet/naskah/laporan?bulan={month}").get_data(as_text=True)
    assert "Rapat pleno DPT" in page and "<svg" in page
    r = c.get(f"/intranet/naskah/laporan?bulan={month}&format=pdf")
    assert r.mimetype == "application/pdf"
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(r.data)).pages).split())
    assert "Laporan Pengelolaan Website —" in text and "Rapat pleno DPT" in text
    r = c.get(f"/intranet/naskah/laporan?bulan={month}&format=xlsx")
    ws = load_workbook(io.BytesIO(r.data)).active
    assert ws["B2"].value == "Rapat pleno DPT" and ws["C2"].value.endswith(f"/berita/{published}")
    r = c.get(f"/intranet/naskah/laporan?bulan={month}&format=csv")
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True))))
    assert rows[0][0] == "Tanggal terbit" and rows[1][1] == "Rapat pleno DPT" and len(rows[1]) == 16


@pytest.mark.parametrize(
    "query,message",
    [
        ("bulan=2026-13", "TTTT-BB"),
        ("bulan=kemarin", "TTTT-BB"),
        ("bulan=1500-01", "di luar rentang 1900–2100"),
    ],
)
def test_bad_months(login, query, message):
    r = login("koordinator").get(f"/intranet/naskah/laporan?{query}")
    assert r.status_code == 400 and message in r.get_data(as_text=True)


def test_bad_format(login):
    r = login("koordinator").get("/intranet/naskah/laporan?bulan=2026-11&format=docx")
    assert r.status_code == 400 and "Format harus" in r.get_data(as_text=True)


def test_report_on_the_command_line(app, runner, published, tmp_path):
    month = today().strftime("%Y-%m")
    for ext in ("pdf", "xlsx", "csv"):
        out = tmp_path / f"laporan.{ext}"
        r = runner.invoke(args=["report", "division", "--month", month, "--out", str(out)])
        assert r.exit_code == 0, r.output
        assert out.stat().st_size > 100
    r = runner.invoke(
        args=["report", "division", "--month", "2026/11", "--out", str(tmp_path / "x.pdf")]
    )
    assert r.exit_code != 0 and "TTTT-BB" in r.output
