"""Archive search (tantivy, Indonesian analysis), text extraction, the index queue, reindex,
export to BagIt, import and the Daftar Arsip."""

import csv
import io
import time
import zipfile
from datetime import date

import bagit
import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from pypdf import PdfReader

from archive import extract
from archive import indexing
from archive.models import ArchiveRecord
from archive.models import ArchiveText
from archive.query import QUERY_FIELDS
from archive.query import Parsed
from archive.query import QueryError
from archive.query import parse
from archive.query import stem
from archive.search import SearchIndex
from archive.search import make_schema
from archive.store import archive_store
from intranet import queue
from intranet.clock import today as office_today
from intranet.extensions import db
from intranet.models import SourceMaterial
from tests.fixtures.files import docx_bytes
from tests.fixtures.files import encrypted_pdf
from tests.fixtures.files import image_bytes
from tests.fixtures.files import odt_bytes
from tests.fixtures.files import pdf_bytes
from tests.fixtures.files import zip_bomb_docx
from tests.fixtures.scenarios import build_published
from tests.fixtures.scenarios import build_scenario
from tests.fixtures.xss import executable
from tests.fixtures.xss import variants

YEAR = office_today().year


def _published(app, **material):
    """A published case whose agenda entry's PDF says ``text``; the record id."""
    s = build_scenario(app)
    if material:
        with app.app_context():
            m = db.session.get(SourceMaterial, s["material_id"])
            for k, v in material.items():
                setattr(m, k, v)
            db.session.commit()
    build_published(app, s["case_id"])
    with app.app_context():
        return db.session.execute(
            db.select(ArchiveRecord.id).where(ArchiveRecord.case_id == s["case_id"])
        ).scalar_one()


def _file_in_box(app, client, rid, box):
    """The arsiparis files the record's hardcopy in ``box`` (room R1, cabinet L2)."""
    with app.app_context():
        version = db.session.get(ArchiveRecord, rid).version
    r = client.post(
        f"/arsip/{rid}/fisik",
        data={"status": "disimpan", "version": version, "room": "R1", "cabinet": "L2", "box": box},
    )
    assert r.status_code == 302, r.get_data(as_text=True)[-1000:]


def _hits(client, query="", **args):
    r = client.get("/arsip/cari", query_string={"q": query, **args})
    assert r.status_code in (200, 400)
    return r.get_data(as_text=True)


# --- Indonesian analysis -------------------------------------------------------------------


@pytest.mark.parametrize(
    "words, root",
    [
        (("pemilih", "pemilihan", "memilih", "dipilih", "terpilih"), "pilih"),
        (("diterbitkan", "penerbitan", "terbit"), "terbit"),
        (("sosialisasi", "mensosialisasikan"), "sosialisasi"),
        (("kecamatan",), "camat"),
    ],
)
def test_sastrawi_stems_words_to_one_root(words, root):
    assert {stem(w) for w in words} == {root}


def test_codes_and_numbers_are_not_stemmed():
    assert stem("2026") == "2026" and stem("hm.02.01") == "hm.02.01" and stem("tps") == "tps"


def _index(tmp_path, docs):
    ix = SearchIndex(tmp_path / "ix").create()
    ix.update(docs)
    return ix


DOCS = [
    {
        "id": 1,
        "nomor_arsip": "HM.02.01/0001/3301/2026",
        "codes": ["HM.02.01/0001/3301/2026", "HM.02.01"],
        "title": "Rapat pleno rekapitulasi",
        "content": "Para pemilih datang ke TPS. Daftar pemilih tetap diumumkan. Pémilu damai.",
        "category": "Berita Terkini",
        "category_words": "Berita Terkini",
        "classification": "HM.02.01",
        "year": 2026,
        "date": __import__("datetime").datetime(2026, 3, 1),
        "access": "biasa",
        "box": "B-07",
        "location": "Ruang Arsip / Lemari 2 / B-07 / F-3",
        "hardcopy": "disimpan",
        "senders": ["Bawaslu Kabupaten Cilacap"],
        "media": ["elektronik", "kertas"],
        "fingerprint": "a",
    },
    {
        "id": 2,
        "nomor_arsip": "HM.02.04/0001/3301/2019",
        "title": "Berita acara",
        "content": "Rekapitulasi suara di tingkat kecamatan. Tetap daftar pemilih.",
        "category": "Sosialisasi",
        "category_words": "Sosialisasi",
        "classification": "HM.02.04",
        "year": 2019,
        "date": __import__("datetime").datetime(2019, 5, 3),
        "access": "terbatas",
        "box": "2019-01",
        "hardcopy": "dicetak",
        "media": ["kertas"],
        "fingerprint": "b",
    },
]


@pytest.mark.parametrize(
    "query, found",
    [
        ("pemilihan", [1, 2]),
        ("memilih", [1, 2]),
        ("PEMILIH", [1, 2]),
        ("pemilu", [1]),  # "Pémilu" without its accent
        ('"daftar pemilih tetap"', [1]),  # the exact phrase; record 2 has the words apart
        ("kategori:sosialisasi", [2]),
        ("tahun:2019", [2]),
        ("klasifikasi:HM.02.01", [1]),
        ("lokasi:B-07", [1]),
        ("boks:2019-01", [2]),
        ("media:elektronik", [1]),
        ("pengirim:bawaslu", [1]),
        ("tanggal:[2019-01-01 TO 2019-12-31]", [2]),
        ("pemilih tahun:2026", [1]),
        ("yang", []),  # a stop word alone finds nothing
        ("((", []),
        ("pemilih OR kecamatan", [1, 2]),
        ("rapat OR kecamatan", [1, 2]),
        ("pemilih NOT kecamatan", [1]),
        ("pemilih -kecamatan", [1]),
        ("-kecamatan", [1]),
        ("(rapat OR acara) pemilu", [1]),
        ("tahun:[2019 TO 2020]", [2]),
        ("tahun:>=2020", [1]),
        ("tahun:<2020", [2]),
        ("tanggal:2019-05-03", [2]),
        ("tanggal:>2019-05-03", [1]),
        ("tanggal:[2026-01-01 TO *]", [1]),
        ('lokasi:"Lemari 2"', [1]),
        ("judul:rekapitulasi", [1]),  # record 2 says it only in its text
        ("fisik:dicetak", [2]),
        ("rapat:pleno", [1]),  # not a field: the words themselves
        ("pemilih)", [1, 2]),
        ('"daftar yang pemilih"', []),  # a stop word keeps its place in a phrase
    ],
)
def test_queries(tmp_path, query, found):
    ix = _index(tmp_path, DOCS)
    r = ix.query(query, ["biasa", "terbatas"])
    assert sorted(int(h.fields["id"]) for h in r.hits) == found


@pytest.mark.parametrize(
    "query, message",
    [
        ("tahun:dua", "bukan tahun"),
        ("tanggal:kemarin", "bukan tanggal"),
        ('tanggal:[abc TO "', "bukan tanggal"),
        ("tanggal:[2019-01-01]", "Tulis rentang"),
        ("judul:[a TO b]", "hanya untuk tahun"),
        ("judul:>a", "hanya untuk tahun"),
        ("tahun:99999999999999999999", "bukan tahun"),
    ],
)
def test_a_query_that_cannot_be_understood_says_why(tmp_path, query, message):
    ix = _index(tmp_path, DOCS)
    r = ix.query(query, ["biasa", "terbatas"])
    assert r.hits == [] and r.total == 0 and message in r.error
    assert ix.matching_ids(query, ["biasa", "terbatas"]) == []


#: The pieces of the query language, and values that have broken it.
QUERY_OPERATORS = [*'()"-[]*:<>', "OR", "AND", "NOT", "TO", "to", ">=", "<=", "--", "\x00"]
QUERY_VALUES = [
    *("2019", "-5", "2026-01-01", "2026-02-30", "0001-01-01", "9999-12-31", "2262-04-11"),
    *("99999999999999999999", "pemilih", "yang", "HM.02.01/0001", "B-07", "Pémilu", "𝕎", "*"),
]
query_piece = st.one_of(
    st.sampled_from(QUERY_OPERATORS),
    st.sampled_from(QUERY_VALUES),
    st.builds(  # field:value, field:>=value, field:[…, field:( …
        "".join,
        st.tuples(
            st.sampled_from([*QUERY_FIELDS, "rapat", "-tahun", "TAHUN"]),
            st.just(":"),
            st.sampled_from(["", "", "(", "[", '"', "-", "<", "<=", ">", ">=", "> "]),
            st.sampled_from(QUERY_VALUES),
        ),
    ),
    st.text(max_size=3),
)
typed_queries = st.lists(
    st.tuples(query_piece, st.sampled_from(["", "", " ", "  "])), max_size=30
).map(lambda parts: "".join(piece + space for piece, space in parts))


@pytest.fixture(scope="module")
def searched(tmp_path_factory):
    return _index(tmp_path_factory.mktemp("fuzzed"), DOCS)


@settings(max_examples=400, deadline=None)
@given(text=typed_queries)
def test_every_typed_query_runs_or_says_why(searched, text):
    try:
        parsed = parse(make_schema(), text, ["biasa"])
    except QueryError as e:
        assert str(e).strip()
    else:
        assert isinstance(parsed, Parsed)
    r = searched.query(text, ["biasa", "terbatas"])  # and tantivy takes what was compiled
    if r.error is not None:
        assert r.error.strip() and r.total == 0
        assert searched.matching_ids(text, ["biasa", "terbatas"]) == []


def test_snippets_mark_every_form_of_the_word_and_pages_stop_at_the_last(tmp_path):
    filler = "kata " * 80
    doc = {**DOCS[0], "content": f"Memilih dengan <b>bebas</b>. {filler} Pemilihan bupati."}
    ix = _index(tmp_path, [doc])
    r = ix.query("pemilih", ["biasa"])
    snippet = str(r.hits[0].snippet)
    assert "<mark>Memilih</mark>" in snippet and "<mark>Pemilihan</mark>" in snippet
    assert "&lt;b&gt;bebas&lt;/b&gt;" in snippet and " … " in snippet
    r = ix.query("", ["biasa"], page=99)
    assert (r.page, r.pages, len(r.hits)) == (1, 1, 1)


def test_an_index_of_another_schema_is_set_aside_and_rebuilt_from_the_queue(app):
    rid = _published(app)
    app.config["QUEUE_EAGER"] = ()  # the rebuild waits for the worker's drain task
    with app.app_context():
        path = indexing.index_path()
        (path / "warta-schema-version").write_text("1\n")  # as an older version left it
        index = indexing.search_index()
        assert index.count() == 0 and indexing.pending() == 1
    queue.run_burst(app)
    with app.app_context():
        assert indexing.pending() == 0
        assert index.matching_ids("pemilih", ["biasa"]) == [rid]
    assert sorted(p.name for p in path.parent.iterdir() if p.name.startswith(path.name)) == [
        path.name
    ]


def test_filters_facets_sorting_and_access(tmp_path):
    ix = _index(tmp_path, DOCS)
    r = ix.query("pemilih", ["biasa", "terbatas"], sort="date")
    assert [h.fields["id"] for h in r.hits] == ["1", "2"]
    assert dict(r.facets["year"]) == {2026: 1, 2019: 1}
    assert dict(r.facets["box"]) == {"B-07": 1, "2019-01": 1}
    r = ix.query("pemilih", ["biasa", "terbatas"], filters={"year": 2019, "box": "2019-01"})
    assert [h.fields["id"] for h in r.hits] == ["2"]
    r = ix.query(
        "", ["biasa"], filters={"date_from": date(2026, 1, 1), "date_to": date(2026, 12, 31)}
    )
    assert [h.fields["id"] for h in r.hits] == ["1"]
    assert ix.query("rekapitulasi", ["biasa"]).total == 1  # the restricted one stays hidden
    assert ix.query("rekapitulasi", []).total == 0
    assert ix.matching_ids("pemilih", ["biasa", "terbatas"]) == [1, 2]


def test_highlights_are_escaped_for_the_whole_xss_corpus(tmp_path):
    payloads = list(variants())
    assert len(payloads) >= 300
    docs = [
        {**DOCS[0], "id": i, "content": f"pemilih {p} pemilihan", "title": f"uji {p}"}
        for i, p in enumerate(payloads, start=10)
    ]
    ix = _index(tmp_path, docs)
    shown = 0
    for page in range(1, 100):
        r = ix.query("pemilih", ["biasa"], page=page, per_page=50, facets=False)
        for hit in r.hits:
            assert "<mark>" in hit.snippet
            assert not executable(str(hit.snippet)), hit.snippet
            shown += 1
        if page >= r.pages:
            break
    assert shown == len(payloads)


# --- text extraction -----------------------------------------------------------------------


def _eml():
    from email.message import EmailMessage

    m = EmailMessage()
    m["From"] = "Humas Bawaslu <humas@bawaslu.example>"
    m["To"] = "kpu@example.org"
    m["Subject"] = "Undangan rapat"
    m.set_content("Mohon hadir pada rapat pemutakhiran data pemilih.")
    m.add_attachment(
        docx_bytes("Rundown rapat koordinasi"),
        maintype="application",
        subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
        filename="rundown.docx",
    )
    return m.as_bytes()


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _odt(text):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        z.writestr(
            "content.xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:'
            'office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
            f"<office:body><office:text><text:h>Judul</text:h><text:p>{text}</text:p>"
            "</office:text></office:body></office:document-content>",
        )
    return out.getvalue()


@pytest.mark.parametrize(
    "data, mimetype, status, words",
    [
        (pdf_bytes("Pemutakhiran daftar pemilih"), "application/pdf", "teks", "daftar pemilih"),
        (docx_bytes("Rundown acara sosialisasi"), DOCX, "teks", "Rundown acara"),
        (_odt("Notulen rapat pleno"), "application/vnd.oasis.opendocument.text", "teks", "Notulen"),
        (odt_bytes(), "application/vnd.oasis.opendocument.text", "gagal", None),
        (_eml(), "message/rfc822", "teks", "Rundown rapat koordinasi"),
        (b"<p>Berita <b>terbit</b></p><script>x()</script>", "text/html", "teks", "Berita terbit"),
        (image_bytes("JPEG"), "image/jpeg", "tanpa_teks", None),
        (pdf_bytes(""), "application/pdf", "tanpa_teks", None),
        (encrypted_pdf(), "application/pdf", "gagal", None),
        (b"PK\x03\x04 rusak", DOCX, "gagal", None),
        (zip_bomb_docx(), DOCX, "gagal", None),
    ],
    ids=[
        "pdf",
        "docx",
        "odt",
        "odt-broken-xml",
        "eml",
        "html",
        "scan",
        "pdf-no-text",
        "encrypted",
        "broken",
        "bomb",
    ],
)
def test_text_extraction(data, mimetype, status, words):
    result = extract.extract(data, mimetype, "x")
    assert result.status == status, result.note
    if words:
        assert words in " ".join(result.text.split())
    if status == "gagal":
        assert result.note


# --- through the app -----------------------------------------------------------------------


def test_the_arsiparis_finds_pemilihan_in_a_record_that_says_pemilih(app, login):
    rid = _published(app)  # the agenda entry's perihal says "... data pemilih"
    arsip = login("arsiparis")
    page = _hits(arsip, "pemilihan")
    assert "HM.02.01/0001/3301" in page and "<mark>pemilih</mark>" in page
    assert "belum dicetak" in page
    # file it in a box, then filter by year and box
    _file_in_box(app, arsip, rid, "B-07")
    page = _hits(arsip, "pemilihan", tahun=YEAR, boks="B-07")
    assert "HM.02.01/0001/3301" in page and "Ruang R1 · Lemari L2 · Boks B-07" in page
    assert "HM.02.01/0001/3301" not in _hits(arsip, "pemilihan", tahun=YEAR - 1)
    assert "HM.02.01/0001/3301" in _hits(arsip, "lokasi:B-07")
    assert "HM.02.01/0001/3301" in _hits(arsip, "pengirim:bawaslu")
    assert "HM.02.01/0001/3301" in _hits(arsip, "orang:redaktur")
    # the text of the source PDF itself is found
    with app.app_context():
        texts = db.session.execute(db.select(ArchiveText)).scalars().all()
        assert any(t.status == "teks" and "SK Tim contoh" in t.text for t in texts)
    assert "HM.02.01/0001/3301" in _hits(arsip, '"SK Tim contoh"')
    # bad input: a broken query, a NUL, an impossible date, a huge page
    r = arsip.get("/arsip/cari", query_string={"q": 'tanggal:[abc TO "'})
    assert r.status_code in (200, 400)
    for args in ({"q": "\x00"}, {"dari": "2026-02-30"}, {"halaman": "99999"}, {"tahun": "x"}):
        assert arsip.get("/arsip/cari", query_string=args).status_code < 500


def test_search_respects_the_access_class(app, login):
    _published(app, security_class="terbatas")
    assert "HM.02.01/0001" not in _hits(login("penulis"), "pemilih")
    assert "HM.02.01/0001" in _hits(login("koordinator"), "pemilih")


def test_a_locked_index_loses_no_update(app, login):
    """The index's writer lock is held elsewhere: publishing still works, the update waits
    in the queue, and the next drain puts it in."""
    with app.app_context():
        index = indexing.search_index()
        held = index.writer(timeout=1)
    try:
        rid = _published(app)
        with app.app_context():
            assert indexing.pending() == 1
    finally:
        held.cancel()
    with app.app_context():
        assert indexing.drain(timeout=5) == 1
        assert indexing.pending() == 0
        assert index.matching_ids("pemilih", ["biasa"]) == [rid]


WRITER = """
import sys, time
from intranet import create_app
from intranet.extensions import db
from archive import indexing
from archive.models import ArchiveRecord
config = {json}
app = create_app(config)
with app.app_context():
    worker, records, rounds = int(sys.argv[1]), [int(x) for x in sys.argv[2].split(",")], 8
    for n in range(rounds):
        for rid in records:
            r = db.session.get(ArchiveRecord, rid)
            r.title = f"judul {{rid}} putaran {{n}} pekerja {{worker}}"
            indexing.enqueue(rid)
        db.session.commit()
        while True:
            try:
                indexing.drain(timeout=30)
                break
            except indexing.IndexBusy:
                time.sleep(0.05)
print("ok")
"""


def _child_config(app):
    """The configuration a child process needs to work on the same instance."""
    keys = (
        "TESTING",
        "SECRET_KEY",
        "SQLALCHEMY_DATABASE_URI",
        "FILES_DIR",
        "ARCHIVE_DIR",
        "SEARCH_INDEX_DIR",
        "WTF_CSRF_ENABLED",
        "RATELIMIT_STORAGE_URI",
    )
    return {**{k: app.config[k] for k in keys}, "INSTANCE_PATH": app.instance_path}


def _script_path(tmp_path, name):
    """Where a child's script goes: not beside tmp_path/archive, which would shadow the package."""
    (tmp_path / "scripts").mkdir()
    return tmp_path / "scripts" / name


def test_four_processes_writing_at_once_lose_no_update(app, tmp_path):
    import subprocess
    import sys

    from archive.store import ArchiveStore  # noqa: F401  (the child imports the same code)

    ids = _manual_records(app, 8)
    config = _child_config(app)
    script = _script_path(tmp_path, "writer.py")
    script.write_text(WRITER.format(json=repr(config)))
    groups = [ids[i::4] for i in range(4)]
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(w), ",".join(map(str, g))],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w, g in enumerate(groups)
    ]
    results = []
    for p in procs:
        with p:
            out, err = p.communicate(timeout=240)
        results.append((p.returncode, out, err))
    for code, out, err in results:
        assert code == 0 and "ok" in out, err[-3000:]
    with app.app_context():
        db.session.rollback()
        assert indexing.pending() == 0
        index = indexing.search_index()
        assert index.count() == len(ids)
        titles = {
            int(h.fields["id"]): h.fields["title"]
            for h in index.query("", ["biasa"], per_page=100, facets=False).hits
        }
        assert titles == {
            rid: f"judul {rid} putaran 7 pekerja {w}"
            for w, group in enumerate(groups)
            for rid in group
        }


def _manual_records(app, n, **overrides):
    """``n`` older paper records registered through the service (no scans)."""
    from archive import recording
    from intranet.models import User

    ids = []
    with app.test_request_context(method="POST"):
        user = db.session.execute(db.select(User).where(User.username == "arsiparis")).scalar_one()
        for i in range(n):
            data = {
                "title": f"Arsip lama {i}",
                "classification_id": 4,
                "uraian": f"Berita acara rapat pleno nomor {i} tentang daftar pemilih.",
                "date_from": date(2019, 1, 1 + i % 28),
                "date_to": date(2019, 2, 1 + i % 28),
                "tingkat": "asli",
                "access_class": "biasa",
                "jumlah": "1 berkas",
                "notes": "",
                "hardcopy_status": "disimpan",
                "room": "Gudang",
                "cabinet": "Rak 1",
                "box": f"2019-{i % 3:02d}",
                "folder": str(i),
                **overrides,
            }
            ids.append(recording.register_manual(data, [], user).id)
    return ids


# --- reindex -------------------------------------------------------------------------------


def test_reindex_skips_what_has_not_changed_and_never_loses_the_index(app, runner):
    ids = _manual_records(app, 5)
    r = runner.invoke(args=["archive", "reindex", "--quiet"])
    assert r.exit_code == 0 and "5 arsip diperiksa, 0 ditulis ulang" in r.output, r.output
    with app.app_context():
        db.session.get(ArchiveRecord, ids[0]).title = "Judul diperbarui"
        db.session.commit()
    r = runner.invoke(args=["archive", "reindex", "--quiet"])
    assert "5 arsip diperiksa, 1 ditulis ulang" in r.output
    with app.app_context():
        assert indexing.search_index().matching_ids("judul:diperbarui", ["biasa"]) == [ids[0]]


def test_reindex_killed_half_way_resumes(app, tmp_path):
    """A rebuild (no index yet) killed after some chunks: the next run writes only the rest,
    and the half-built index never replaced anything."""
    import shutil
    import signal
    import subprocess
    import sys

    ids = _manual_records(app, 12)
    with app.app_context():
        shutil.rmtree(indexing.index_path())
    config = _child_config(app)
    script = _script_path(tmp_path, "reindex.py")
    script.write_text(
        "import os, signal, sys\n"
        "from intranet import create_app\n"
        "from archive import indexing\n"
        f"app = create_app({config!r})\n"
        "done = 0\n"
        "def progress(n):\n"
        "    global done\n"
        "    done += n\n"
        "    print(done, flush=True)\n"
        "    if done >= 6:\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "with app.app_context():\n"
        "    indexing.reindex(progress=progress, chunk=3)\n"
    )
    p = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert p.returncode == -signal.SIGKILL, p.stderr[-2000:]
    with app.app_context():
        assert not SearchIndex(indexing.index_path()).exists()  # nothing half-built went live
        checked, written, removed = indexing.reindex(chunk=3)
        assert (checked, removed) == (12, 0) and written == 6
        assert sorted(indexing.search_index().matching_ids("", ["biasa"])) == sorted(ids)


# --- export, import, Daftar Arsip ----------------------------------------------------------


def _export(app, runner, tmp_path, query=""):
    out = tmp_path / "ekspor.zip"
    args = ["archive", "export", str(out), "--quiet"] + (["--query", query] if query else [])
    r = runner.invoke(args=args)
    assert r.exit_code == 0, r.output
    return out


def _empty_instance(app, app_factory, migrated_db, tmp_path):
    """Another instance whose archive is empty: its own database file on SQLite; on a server
    database (one per run) the same database with the archive's tables emptied. Its own
    archive folder and index either way."""
    import shutil

    from archive import models
    from intranet.cli import load_demo
    from tests.conftest import PASSWORD
    from tests.conftest import TEST_DATABASE_URL

    other = tmp_path / "lain"
    other.mkdir()
    dirs = {
        "ARCHIVE_DIR": str(other / "archive"),
        "SEARCH_INDEX_DIR": str(other / "index"),
        "FILES_DIR": str(other / "files"),
    }
    if TEST_DATABASE_URL:
        with app.app_context():
            for model in (
                models.ArchiveEvent,
                models.ArchiveFile,
                models.ArchiveVersion,
                models.ArchiveRecord,
                models.ArchiveText,
                models.IndexQueueEntry,
                models.ArchiveCounter,
            ):
                db.session.execute(db.delete(model))
            db.session.commit()
        return app_factory(**dirs)
    shutil.copy(migrated_db, other / "warta.db")
    instance = app_factory(SQLALCHEMY_DATABASE_URI=f"sqlite:///{other / 'warta.db'}", **dirs)
    with instance.app_context():
        load_demo(PASSWORD)
    return instance


def _unzip(path, target):
    with zipfile.ZipFile(path) as z:
        z.extractall(target)
        [root] = {n.split("/")[0] for n in z.namelist()}
    return target / root


def test_export_is_a_valid_bag_and_imports_into_an_empty_instance(
    app, app_factory, migrated_db, runner, tmp_path, login
):
    rid = _published(app)
    _manual_records(app, 2)
    arsip = login("arsiparis")
    _file_in_box(app, arsip, rid, "B-07")
    out = _export(app, runner, tmp_path)
    bag = bagit.Bag(str(_unzip(out, tmp_path / "buka")))
    assert bag.is_valid() and set(bag.algorithms) == {"sha256"}
    info = bag.info
    assert info["Source-Organization"] == "KPU Kabupaten Cilacap"
    assert info["Record-Count"] == "3" and info["Bagging-Date"] == office_today().isoformat()
    payload = set(bag.payload_files())
    assert "data/daftar-arsip.csv" in payload and "data/daftar-arsip.xlsx" in payload
    with app.app_context():
        record = db.session.get(ArchiveRecord, rid)
        folder = f"data/arsip/{record.nomor_arsip.replace('/', '-')}"
        expected = {f.sha256 for v in record.versions for f in v.files}
        expected |= {v.berkas_sha256 for v in record.versions}
        nomors = set(db.session.execute(db.select(ArchiveRecord.nomor_arsip)).scalars())
    sums = {bag.entries[p]["sha256"] for p in payload if p.startswith(folder + "/")}
    assert expected <= sums and f"{folder}/arsip.json" in payload
    with open(bag.path + "/data/daftar-arsip.csv", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    assert rows[0][:3] == ["Nomor arsip", "Kode klasifikasi", "Uraian informasi"]
    assert {r[0] for r in rows[1:]} == nomors
    # the XLSX holds the CSV's rows, an empty field an empty cell
    sheet = load_workbook(bag.path + "/data/daftar-arsip.xlsx").active
    cells = [[v if v is not None else "" for v in row] for row in sheet.iter_rows(values_only=True)]
    assert cells == rows

    other = _empty_instance(app, app_factory, migrated_db, tmp_path)
    r = other.test_cli_runner().invoke(args=["archive", "import", str(out)])
    assert r.exit_code == 0 and "3 arsip diimpor" in r.output, r.output
    r = other.test_cli_runner().invoke(args=["archive", "verify", "--quiet"])
    assert r.exit_code == 0, r.output
    with other.app_context():
        imported = db.session.execute(
            db.select(ArchiveRecord).where(ArchiveRecord.nomor_arsip == record.nomor_arsip)
        ).scalar_one()
        assert {f.sha256 for v in imported.versions for f in v.files} | {
            v.berkas_sha256 for v in imported.versions
        } == expected
        store = archive_store()
        for sha in expected:
            assert store.digest(sha)[0] == sha
        assert imported.location == "R1 / L2 / B-07"
        index = indexing.search_index()
        assert imported.id in index.matching_ids("pemilihan", ["biasa"])
        assert index.matching_ids("pengirim:bawaslu", ["biasa"]) == [imported.id]
    # a second import into the now non-empty archive is refused
    r = other.test_cli_runner().invoke(args=["archive", "import", str(out)])
    assert r.exit_code != 0 and "tidak kosong" in r.output


def test_an_export_reads_each_record_once_for_the_bag_and_both_lists(app, tmp_path):
    """The bag, the CSV and the XLSX come from one reading of the records (one statement
    for a chunk of records, however many outputs are made from them)."""
    from sqlalchemy import event

    from archive.export import export_bag

    _manual_records(app, 3)
    seen = []

    def count(conn, cursor, statement, *args):
        if "FROM archive_records" in statement and "archive_records.id IN" in statement:
            seen.append(statement)

    with app.app_context():
        ids = list(db.session.execute(db.select(ArchiveRecord.id)).scalars())
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            with open(tmp_path / "ekspor.zip", "wb") as out:
                export_bag(ids, out)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
    assert len(seen) == 1, seen
    with zipfile.ZipFile(tmp_path / "ekspor.zip") as z:
        names = z.namelist()
    assert sum(n.endswith(("daftar-arsip.csv", "daftar-arsip.xlsx")) for n in names) == 2


def test_a_tampered_bag_is_refused_whole_naming_the_file(
    app, app_factory, migrated_db, runner, tmp_path
):
    _published(app)
    out = _export(app, runner, tmp_path)
    tampered = tmp_path / "rusak.zip"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(tampered, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename.endswith("berkas-v1.pdf"):
                data = data[:100] + bytes([data[100] ^ 1]) + data[101:]
                bad = item.filename.split("/", 1)[1]
            dst.writestr(item, data)
    other = _empty_instance(app, app_factory, migrated_db, tmp_path)
    r = other.test_cli_runner().invoke(args=["archive", "import", str(tampered)])
    assert r.exit_code != 0 and "ditolak" in r.output and bad in r.output, r.output
    with other.app_context():
        assert db.session.execute(db.select(ArchiveRecord)).first() is None
        assert list(archive_store().walk()) == []
    # unsafe names are refused before anything is unpacked
    evil = tmp_path / "jahat.zip"
    with zipfile.ZipFile(evil, "w") as z:
        z.writestr("bag/../../keluar.txt", b"x")
    r = other.test_cli_runner().invoke(args=["archive", "import", str(evil)])
    assert r.exit_code != 0 and "tidak aman" in r.output
    r = other.test_cli_runner().invoke(args=["archive", "import", str(tmp_path / "buka.txt")])
    assert r.exit_code != 0


def test_export_in_the_browser_shows_progress_and_downloads(app, login, tmp_path):
    _published(app)
    arsip = login("arsiparis")
    page = _hits(arsip, "pemilih")
    assert "Ekspor hasil ini" in page
    r = arsip.post("/arsip/ekspor", data={"q": "pemilih"})
    assert r.status_code == 302 and "/arsip/ekspor/" in r.location
    status = r.location
    for _ in range(200):
        page = arsip.get(status).get_data(as_text=True)
        if "Unduh zip" in page or "gagal" in page:
            break
        assert "<progress" in page
        time.sleep(0.1)
    assert "Unduh zip" in page, page[-1500:]
    r = arsip.get(status + "/unduh")
    assert r.status_code == 200 and r.mimetype == "application/zip"
    (tmp_path / "unduh.zip").write_bytes(r.data)
    r.close()
    assert bagit.Bag(str(_unzip(tmp_path / "unduh.zip", tmp_path / "u"))).is_valid()
    # only the one who asked (or an arsiparis) may follow it; others get 403 or 404
    assert login("admin").get(status).status_code == 404
    assert login("penulis").get(status).status_code == 403
    r = arsip.post("/arsip/ekspor", data={"q": "tidakadakatasepertiini"}, follow_redirects=True)
    assert "Tidak ada arsip untuk diekspor" in r.get_data(as_text=True)
    r = arsip.post("/arsip/ekspor", data={"ids": "1; DROP TABLE"}, follow_redirects=True)
    assert "Pilihan tidak valid" in r.get_data(as_text=True)


def test_daftar_arsip_in_three_formats(app, login):
    _published(app)
    _manual_records(app, 2, uraian='=HYPERLINK("http://x") berita acara')
    c = login("arsiparis")
    r = c.get("/arsip/daftar.csv")
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    r.close()
    assert len(rows) == 4 and rows[0][-1] == "Keterangan"
    assert all(not row[2].startswith("=") for row in rows[1:])  # no formulas
    r = c.get("/arsip/daftar.xlsx", query_string={"q": "tahun:2019"})
    ws = load_workbook(io.BytesIO(r.data)).active
    r.close()
    assert ws.max_row == 3 and ws["A2"].value.startswith("HM.02.04/")
    r = c.get("/arsip/daftar.pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(r.data)).pages)
    r.close()
    assert "Daftar Arsip" in text and "HM.02.01/0001/3301" in "".join(text.split())
    assert c.get("/arsip/daftar.exe").status_code == 404


def test_a_writer_killed_with_sigkill_leaves_no_lock_behind(tmp_path):
    import signal
    import subprocess
    import sys

    from archive.search import IndexBusy

    ix = SearchIndex(tmp_path / "ix").create()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from archive.search import SearchIndex\n"
            "w = SearchIndex(sys.argv[1]).writer()\n"
            "print('held', flush=True)\n"
            "time.sleep(120)\n",
            str(ix.path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(IndexBusy):
            ix.writer(timeout=0.3)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
        holder.stdout.close()
    ix.update([DOCS[0]], timeout=5)
    assert ix.count() == 1
