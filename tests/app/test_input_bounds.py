"""Input the office never means (year 1 or 9999, a message nested in parts) gets a clear
Indonesian answer and changes nothing: never a 500.

The years a date may fall in live in ``intranet.clock`` (``YEARS`` for new material,
``RECORD_YEARS`` for records, older paper ones included); forms, the query language, the
list and export filters and the index all ask it.
"""

import io
import re
from datetime import date
from datetime import datetime
from email.message import EmailMessage
from email.message import MIMEPart
from pathlib import Path

import pytest

from archive.models import ArchiveRecord
from archive.models import ExportJob
from archive.search import STORABLE
from archive.search import SearchIndex
from intranet.clock import RECORD_YEARS
from intranet.clock import YEARS
from intranet.extensions import db
from intranet.models import Article
from intranet.models import Case
from intranet.models import SourceMaterial
from intranet.models import TeamDecree
from tests.fixtures.files import pdf_bytes
from tests.fixtures.scenarios import build_preview
from tests.fixtures.scenarios import build_published
from tests.fixtures.scenarios import manual_record_form

NEW = f"di luar rentang {YEARS[0]}–{YEARS[1]}"
OLD = f"di luar rentang {RECORD_YEARS[0]}–{RECORD_YEARS[1]}"


def _said(r):
    """What a page told the person (its alerts), for a failing assertion's report."""
    return re.findall(r'role="alert">([^<]*)<', r.get_data(as_text=True))


def _count(app, model):
    with app.app_context():
        return db.session.execute(db.select(db.func.count()).select_from(model)).scalar_one()


def test_the_years_fit_inside_what_the_index_stores():
    """Every date a form accepts is one the search index can store and a query can name."""
    assert RECORD_YEARS[0] <= YEARS[0] and YEARS[1] <= RECORD_YEARS[1]
    assert STORABLE[0] <= datetime(RECORD_YEARS[0], 1, 1)
    assert datetime(RECORD_YEARS[1], 12, 31) <= STORABLE[1]


# --- forms -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "scheduled", ["0001-01-01T00:00", "9999-12-31T23:59", "1899-12-31T23:59", "2101-01-01T00:00"]
)
def test_a_publishing_schedule_outside_the_years_is_refused(app, login, scenario, scheduled):
    cid = scenario["case_id"]
    build_preview(app, cid)
    with app.app_context():
        db.session.get(Case, cid).step = 10
        db.session.commit()
    r = login("redaktur").post(f"/intranet/naskah/{cid}/terbitkan", data={"scheduled": scheduled})
    assert r.status_code == 400 and NEW in r.get_data(as_text=True)
    assert _count(app, Article) == 0
    with app.app_context():
        assert db.session.get(Case, cid).status == "open"


def test_a_schedule_at_the_edge_of_the_years_is_taken(app, login, scenario):
    cid = scenario["case_id"]
    build_preview(app, cid)
    with app.app_context():
        db.session.get(Case, cid).step = 10
        db.session.commit()
    r = login("redaktur").post(
        f"/intranet/naskah/{cid}/terbitkan", data={"scheduled": "2100-12-31T23:59"}
    )
    assert r.status_code == 302
    with app.app_context():
        article = db.session.execute(db.select(Article)).scalar_one()
        assert article.published_at == datetime(2100, 12, 31, 16, 59)  # office time is UTC+7


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "2101-01-01", "9999-12-31"])
def test_an_agenda_entry_dated_outside_the_years_is_refused(app, login, day):
    data = {
        "received_on": "2026-11-20",
        "channel": "surat",
        "letter_date": day,
        "sender_institution": "Bawaslu Kabupaten Cilacap",
        "perihal": "Undangan rapat",
        "sifat": "biasa",
        "security_class": "biasa",
        "category_id": "1",
    }
    c = login("kontributor")
    r = c.post("/intranet/agenda/baru", data=data)
    assert r.status_code == 400 and NEW in r.get_data(as_text=True)
    r = c.post("/intranet/agenda/baru", data={**data, "letter_date": "", "received_on": day})
    assert r.status_code == 400 and NEW in r.get_data(as_text=True)
    assert _count(app, SourceMaterial) == 0


def test_a_decree_dated_outside_the_years_is_refused(app, login):
    before = _count(app, TeamDecree)
    r = login("admin").post(
        "/intranet/admin/sk",
        data={
            "number": "99/SK/2026",
            "decree_date": "9999-12-31",
            "title": "Tim Humas",
            "valid_from": "0001-01-01",
            "valid_until": "2026-12-31",
            "signed_by": "Ketua",
            "scan": (io.BytesIO(pdf_bytes()), "sk.pdf"),
        },
        content_type="multipart/form-data",
    )
    body = r.get_data(as_text=True)
    assert r.status_code == 400 and body.count(NEW) >= 2
    assert _count(app, TeamDecree) == before


def _manual(**overrides):
    """A paper record filed in a box (the box named after the oldest year allowed)."""
    return manual_record_form(
        hardcopy_status="disimpan",
        room="Gudang",
        cabinet="Rak 1",
        box="1800-01",
        folder="1",
        **overrides,
    )


@pytest.mark.parametrize(
    "dates",
    [
        {"date_from": "0001-01-01"},
        {"date_from": "1677-01-01"},
        {"date_from": "1799-12-31"},
        {"date_to": "2101-01-01"},
        {"date_to": "9999-12-31"},
    ],
)
def test_a_paper_record_outside_the_years_is_refused(app, login, dates):
    r = login("arsiparis").post(
        "/arsip/baru", data=_manual(**dates), content_type="multipart/form-data"
    )
    assert r.status_code == 400 and OLD in r.get_data(as_text=True)
    assert _count(app, ArchiveRecord) == 0


def test_paper_records_at_the_edges_are_kept_indexed_and_found(app, login):
    """The oldest and newest days a record may have are stored, indexed and searched for."""
    arsip = login("arsiparis")
    for first, last in (("1800-01-01", "1800-01-01"), ("2100-12-31", "2100-12-31")):
        r = arsip.post(
            "/arsip/baru",
            data=_manual(title=f"Berita acara {first[:4]}", date_from=first, date_to=last),
            content_type="multipart/form-data",
        )
        assert r.status_code == 302, _said(r)
    with app.app_context():
        old, new = db.session.execute(
            db.select(ArchiveRecord.id).order_by(ArchiveRecord.date_from)
        ).scalars()
    for query, expected in (
        ("tanggal:1800-01-01", old),
        ("tanggal:2100-12-31", new),
        ("tanggal:<=1800-01-01", old),
        ("tanggal:[2100-01-01 TO *]", new),
    ):
        r = arsip.get("/arsip/cari", query_string={"q": query})
        assert r.status_code == 200, (query, r.get_data(as_text=True)[-800:])
        assert f'href="/arsip/{expected}"' in r.get_data(as_text=True), query
    r = arsip.get("/arsip/daftar.csv?dari=1800-01-01&sampai=1800-12-31")
    assert r.status_code == 200 and "Berita acara 1800" not in r.get_data(as_text=True)
    assert r.get_data(as_text=True).count("\n") == 2  # the header and the one record


def test_the_index_keeps_a_date_it_cannot_store_at_its_nearest_day(tmp_path):
    """A bag from elsewhere may bring any date: the document is indexed, never lost."""
    ix = SearchIndex(tmp_path / "ix").create()
    base = {"title": "Piagam", "access": "biasa", "fingerprint": "x"}
    ix.update(
        [
            {**base, "id": 1, "date": datetime(1500, 6, 1)},
            {**base, "id": 2, "date": date(9999, 12, 31)},
        ]
    )
    assert sorted(ix.matching_ids("piagam", ["biasa"])) == [1, 2]
    shown = {h.fields["id"]: h.fields["date"] for h in ix.query("piagam", ["biasa"]).hits}
    assert shown == {"1": datetime(1500, 6, 1), "2": datetime(9999, 12, 31)}


# --- the query language and the list and export filters --------------------------------------

QUERIES = [
    "tanggal:9999-12-31",
    "tanggal:[2026-01-01 TO 9999-12-31]",
    "tanggal:>=9999-12-31",
    "tanggal:[0001-01-01 TO 2026-01-01]",
    "tanggal:<0001-01-01",
    "tanggal:1799-12-31",
    "tanggal:2101-01-01",
]


@pytest.fixture
def archived(app, scenario):
    build_published(app, scenario["case_id"])
    return _count(app, ArchiveRecord)


@pytest.mark.parametrize("query", QUERIES)
def test_a_search_for_a_day_outside_the_years_runs(login, archived, query):
    """The index stores any date a record can hold (an imported bag may bring one), so a
    query may name any day: it runs, it is not refused."""
    r = login("arsiparis").get("/arsip/cari", query_string={"q": query})
    assert r.status_code == 200 and OLD not in r.get_data(as_text=True)


@pytest.mark.parametrize("args", ["sampai=9999-12-31", "dari=0001-01-01", "dari=2101-01-01"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_a_listing_filtered_outside_the_years_is_made(login, archived, args, fmt):
    r = login("arsiparis").get(f"/arsip/daftar.{fmt}?{args}")
    assert r.status_code == 200


@pytest.mark.parametrize(
    "data, found",
    [
        ({"sampai": "9999-12-31"}, 1),
        ({"dari": "0001-01-01"}, 1),
        ({"dari": "2101-01-01"}, 0),
        ({"q": "tanggal:[2026-01-01 TO 9999-12-31]"}, 1),
    ],
)
def test_an_export_filtered_outside_the_years_runs(app, login, archived, data, found):
    c = login("arsiparis")
    r = c.post("/arsip/ekspor", data=data, follow_redirects=True)
    body = r.get_data(as_text=True)
    assert OLD not in body
    assert ("Tidak ada arsip untuk diekspor" in body) == (not found)
    assert _count(app, ExportJob) == found


def test_the_report_month_follows_the_years(login):
    c = login("koordinator")
    for month in ("1899-12", "2101-01", "2999-01"):
        r = c.get(f"/intranet/naskah/laporan?bulan={month}&format=csv")
        assert r.status_code == 400 and NEW in r.get_data(as_text=True)


# --- an email with its attachments nested in parts -------------------------------------------


def nested_eml(bad=True):
    """A message whose attachments sit in a multipart inside the multipart."""
    msg = EmailMessage()
    msg["From"] = "Humas Bawaslu <humas@bawaslu.example>"
    msg["To"] = "kpu@kpu.example"
    msg["Subject"] = "Berkas bertingkat"
    msg["Date"] = "Fri, 20 Nov 2026 09:30:00 +0700"
    msg.set_content("Isi surel dengan lampiran di dalam bagian.")
    inner = MIMEPart()
    inner.add_attachment(
        pdf_bytes("Dalam"), maintype="application", subtype="pdf", filename="dalam.pdf"
    )
    if bad:
        inner.add_attachment(
            b"MZ\x90\x00" + b"\0" * 64,
            maintype="application",
            subtype="octet-stream",
            filename="setup.exe",
        )
    deeper = MIMEPart()
    deeper.add_attachment(
        pdf_bytes("Terdalam"), maintype="application", subtype="pdf", filename="terdalam.pdf"
    )
    inner.attach(deeper)
    msg.make_mixed()
    msg.attach(inner)
    return msg.as_bytes()


def _import(client, raw):
    return client.post(
        "/intranet/agenda/impor-eml",
        data={
            "eml": (io.BytesIO(raw), "bertingkat.eml"),
            "category_id": "1",
            "sifat": "biasa",
            "security_class": "biasa",
        },
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize("bad", [True, False])
def test_attachments_nested_in_parts_are_found_and_checked(app, login, bad):
    c = login("kontributor")
    r = _import(c, nested_eml(bad))
    assert r.status_code == 302, _said(r)
    page = c.get(r.location).get_data(as_text=True)
    assert ("Lampiran dilewati: setup.exe" in page) is bad
    with app.app_context():
        m = db.session.execute(db.select(SourceMaterial)).scalar_one()
        files = [(f.filename, f.origin) for f in m.files]
        assert files == [
            ("bertingkat.eml", "eml"),
            ("dalam.pdf", "eml-part"),
            ("terdalam.pdf", "eml-part"),
        ]
        stored = (
            Path(app.config["FILES_DIR"]) / m.files[0].sha256[:2] / m.files[0].sha256
        ).read_bytes()
    assert b"TVqQ" not in stored and b"MZ\x90" not in stored
    assert ("Lampiran ini dihapus oleh Warta: setup.exe" in stored.decode()) is bad


def test_an_attached_email_with_nested_parts_is_refused_clearly(app, login):
    """An .eml uploaded as an agenda file whose refused part hides in a nested multipart."""
    c = login("kontributor")
    r = c.post(
        "/intranet/agenda/baru",
        data={
            "received_on": "2026-11-20",
            "channel": "email",
            "sender_institution": "Bawaslu Kabupaten Cilacap",
            "perihal": "Surel diteruskan",
            "sifat": "biasa",
            "security_class": "biasa",
            "category_id": "1",
            "files": [(io.BytesIO(nested_eml()), "diteruskan.eml")],
        },
        content_type="multipart/form-data",
    )
    body = r.get_data(as_text=True)
    assert r.status_code == 400 and re.search(r"setup\.exe: Jenis berkas tidak diizinkan", body)
    assert _count(app, SourceMaterial) == 0


#: Characters str.isdigit() accepts that int() does not: superscripts, circled digits.
NOT_ASCII_DIGITS = ["²", "①", "٣", "12²"]


@pytest.mark.parametrize("value", NOT_ASCII_DIGITS)
def test_digits_that_are_not_ascii_are_no_number_and_no_500(login, archived, value):
    c = login("arsiparis")
    for url in (
        f"/arsip/?tahun={value}",
        f"/arsip/?halaman={value}",
        f"/arsip/cari?q=rapat&tahun={value}",
        f"/arsip/cari?q=rapat&halaman={value}",
        f"/arsip/daftar.csv?tahun={value}",
    ):
        r = c.get(url)
        assert r.status_code == 200, url
        r.close()
    r = c.post("/arsip/ekspor", data={"q": "", "tahun": value, "pilih": f"{value} 1"})
    assert r.status_code < 500
