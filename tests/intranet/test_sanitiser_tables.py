"""Content kept whole: tables survive the sanitiser onto the public page, the three feeds and
the berkas PDF; what the sanitiser must drop is named before the save; "½" stays "½"."""

import io
import json
import shutil
import subprocess

import pytest
from lxml import etree
from pypdf import PdfReader

from archive.models import ArchiveRecord
from archive.store import archive_store
from intranet.extensions import db
from intranet.models import Case
from intranet.models import User
from intranet.services import cases as case_service
from intranet.services import publishing
from intranet.services.articles import latest_revision
from intranet.services.sanitiser import dropped_parts
from intranet.services.sanitiser import sanitize
from tests.browser import SCREENSHOTS
from tests.fixtures.scenarios import ARTICLE_DATA
from tests.fixtures.scenarios import build_preview

TPS = (
    "<p>Daftar TPS Kecamatan Cilacap Tengah, ½ jam sebelum dibuka.</p>"
    '<table><caption>Daftar TPS</caption><colgroup><col span="2"><col></colgroup>'
    '<thead><tr><th scope="col">No</th><th scope="col">TPS</th><th scope="col">Desa</th>'
    '<th scope="col">Pemilih</th></tr></thead>'
    "<tbody><tr><td>1</td><td>TPS 01</td><td>Gumilir</td><td>287</td></tr>"
    '<tr><td>2</td><td>TPS 02</td><td rowspan="2">Tritih Kulon</td><td>301</td></tr>'
    '<tr><td colspan="2">TPS 03 (gabungan)</td><td>199</td></tr></tbody></table>'
)


def test_tables_and_their_safe_attributes_survive():
    assert sanitize(TPS) == TPS
    assert dropped_parts(TPS) == []


@pytest.mark.parametrize(
    "html,kept,named",
    [
        ('<table><tr><td colspan="x">a</td></tr></table>', "<td>a</td>", "nilai colspan=x"),
        ('<table><tr><td style="color:red">a</td></tr></table>', "<td>a</td>", "gaya inline"),
        ('<table><tr><th scope="evil">a</th></tr></table>', "<th>a</th>", "nilai scope=evil"),
        ('<table border="1"><tr><td>a</td></tr></table>', "<table>", "atribut border pada"),
        ("<p><span>teks</span></p>", "<p>teks</p>", "unsur <span> (teksnya tetap)"),
        ("<p>a</p><script>alert(1)</script>", "<p>a</p>", "unsur <script> beserta isinya"),
        ('<p onclick="x()">a</p>', "<p>a</p>", "atribut onclick pada <p>"),
        ('<a href="javascript:alert(1)">a</a>', "<a", "tautan dengan alamat tidak aman"),
        ('<img src="https://evil.example/x.png">', "", "gambar yang bukan foto naskah ini"),
        # attributes written bare, as a pasted table may carry them (no 500: named like the rest)
        ("<table><tr><td colspan>a</td></tr></table>", "<td>a</td>", "nilai colspan= pada"),
        ("<table><tr><th scope>a</th></tr></table>", "<th>a</th>", "nilai scope= pada"),
        ("<table><colgroup><col span></colgroup></table>", "<col>", "nilai span= pada"),
    ],
)
def test_what_is_dropped_is_named(html, kept, named):
    assert kept in sanitize(html)
    assert any(named in part for part in dropped_parts(html)), dropped_parts(html)


def test_what_the_editor_adds_itself_is_not_reported():
    html = (
        '<p><a href="https://kpu.go.id" rel="noopener noreferrer" target="_blank">KPU</a></p>'
        '<table><tbody><tr><td data-row="row-1">a</td></tr></tbody></table>'
    )
    assert dropped_parts(html) == []


def test_unicode_is_kept_as_written():
    text = "½ kuota, ¼ sisa, m², ﬁnal, café, Ｆｕｌｌ, 𝐁𝐨𝐥𝐝"
    assert sanitize(f"<p>{text}</p>") == f"<p>{text}</p>"


def publish_with_table(app, case_id):
    """The case written with the TPS table, then published (moved to step 10 directly)."""
    build_preview(app, case_id)
    with app.test_request_context(method="POST"):
        users = {u.username: u for u in db.session.execute(db.select(User)).scalars()}
        case = db.session.get(Case, case_id)
        case.step = 5
        data = {
            **ARTICLE_DATA,
            "title": "Daftar TPS ½ Hari Pemungutan",
            "slug": f"daftar-tps-{case_id}",
            "body_html": TPS,
        }
        case_service.save_article(case, users["penulis"], data, latest_revision(case).number)
        case.step = 10
        db.session.commit()
        publishing.publish(case, users["redaktur"])
        return case.slug


def test_a_table_reaches_the_public_page_the_feeds_and_the_berkas(app, client, scenario, tmp_path):
    slug = publish_with_table(app, scenario["case_id"])
    page = client.get(f"/berita/{slug}").get_data(as_text=True)
    assert "<caption>Daftar TPS</caption>" in page
    assert '<td rowspan="2">Tritih Kulon</td>' in page and '<th scope="col">Pemilih</th>' in page
    assert "Daftar TPS ½ Hari Pemungutan" in page and "½ jam" in page

    rss = etree.fromstring(client.get("/feed.xml").data)
    bodies = [
        e.text or "" for e in rss.iter() if e.tag.endswith("encoded") or e.tag == "description"
    ]
    assert any('<td rowspan="2">Tritih Kulon</td>' in b for b in bodies), bodies
    atom = etree.fromstring(client.get("/feed.atom").data)
    contents = [e.text or "" for e in atom.iter() if e.tag.endswith("content")]
    assert any("<caption>Daftar TPS</caption>" in c for c in contents)
    items = json.loads(client.get("/feed.json").data)["items"]
    assert any('<td colspan="2">TPS 03 (gabungan)</td>' in i.get("content_html", "") for i in items)

    with app.app_context():
        record = db.session.execute(
            db.select(ArchiveRecord).where(ArchiveRecord.case_id == scenario["case_id"])
        ).scalar_one()
        pdf = archive_store().read(record.versions[-1].berkas_sha256)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    for cell in ("TPS 01", "Gumilir", "Tritih Kulon", "TPS 03 (gabungan)", "½ jam"):
        assert cell in text
    # the page with the article, as a picture to look at (Ghostscript draws it)
    if shutil.which("gs"):
        reader = PdfReader(io.BytesIO(pdf))
        number = next(i for i, p in enumerate(reader.pages, 1) if "Gumilir" in p.extract_text())
        out = SCREENSHOTS / "editor"
        out.mkdir(parents=True, exist_ok=True)
        source = tmp_path / "berkas.pdf"
        source.write_bytes(pdf)
        subprocess.run(
            ["gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=png16m", "-r80"]
            + [f"-dFirstPage={number}", f"-dLastPage={number}"]
            + [f"-sOutputFile={out / 'berkas-table.png'}", str(source)],
            check=True,
        )
