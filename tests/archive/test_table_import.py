"""The official classification and JRA tables loaded from CSV and XLSX files: checked row by
row, previewed, confirmed as a new version that keeps its file; records keep the retention
and the table version they were made under."""

import hashlib
import io
import re
from pathlib import Path

import pytest
from openpyxl import Workbook
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from archive import tables
from archive.models import ArchiveRecord
from archive.models import Classification
from archive.models import RetentionRule
from archive.models import TableVersion
from intranet.audit import AuditEntry
from intranet.extensions import db
from tests.fixtures.scenarios import manual_record_form

EXAMPLES = Path(__file__).resolve().parents[2] / "archive" / "examples"

JRA = (
    "kode_retensi,jenis_arsip,retensi_aktif,retensi_inaktif,keterangan,dasar\n"
    "HM.02,Publikasi berita dan artikel,2,3,permanen,JRA uji\n"
    "HM.03,Siaran pers,1,2,musnah,\n"
    "PL.01,Pemutakhiran data pemilih,2,3,dinilai kembali,\n"
)
KLASIFIKASI = (
    "kode,nama,kode_retensi\n"
    "HM.02,Publikasi dan pemberitaan,HM.02\n"
    "HM.02.01,Berita di laman resmi,HM.02\n"
    "HM.02.02,Siaran pers,HM.03\n"
    "PL.01,Pemutakhiran data pemilih,PL.01\n"
)


def upload(client, data, name, kind=""):
    # encoded here in memory: the test client would spool a large body to a file it never
    # closes
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), name), "kind": kind})
    return client.post(
        "/arsip/tabel/impor",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def token_of(response):
    found = re.search(r'name="token" type="hidden" value="([^"]+)"', response.get_data(True))
    assert found, response.get_data(as_text=True)
    return found.group(1)


def preview_and_confirm(client, data, name):
    r = upload(client, data, name)
    assert r.status_code == 200, r.get_data(as_text=True)
    r = client.post("/arsip/tabel/impor/konfirmasi", data={"token": token_of(r)})
    assert r.status_code == 302 and r.location == "/arsip/tabel"
    return r


def snapshot():
    """Everything an import may change: both tables and the versions."""
    rules = db.session.execute(db.select(RetentionRule).order_by(RetentionRule.id)).scalars()
    codes = db.session.execute(db.select(Classification).order_by(Classification.id)).scalars()
    return (
        [(r.id, r.code, r.name, r.active, r.active_years, r.version) for r in rules],
        [(c.id, c.code, c.name, c.retention_id, c.active, c.version) for c in codes],
        db.session.execute(db.select(db.func.count(TableVersion.id))).scalar(),
    )


def xlsx(rows):
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_preview_shows_what_changes_then_confirm_applies_it(app, login):
    arsip = login("arsiparis")
    with app.app_context():
        before = snapshot()
    r = upload(arsip, JRA.encode(), "jra.csv")
    page = r.get_data(as_text=True)
    assert r.status_code == 200
    # three codes added, the five CONTOH rows removed, nothing kept yet
    assert "3 baris: 3 ditambah, 0 diubah, 5 dihapus, 0 tetap." in page
    assert "HM.03" in page and "(CONTOH)" in page
    with app.app_context():
        assert snapshot()[:2] == before[:2]
        pending = db.session.execute(db.select(TableVersion)).scalar_one()
        assert (pending.status, pending.number) == ("pratinjau", None)
    token = token_of(r)
    # the admin, a keeper too, cannot confirm what the arsiparis previewed
    r = login("admin").post("/arsip/tabel/impor/konfirmasi", data={"token": token})
    assert r.status_code == 302
    with app.app_context():
        assert snapshot()[:2] == before[:2]
    r = arsip.post("/arsip/tabel/impor/konfirmasi", data={"token": token}, follow_redirects=True)
    page = r.get_data(as_text=True)
    assert "Tabel JRA versi 1 berlaku: 3 ditambah, 0 diubah, 5 dihapus, 0 tetap." in page
    assert "Riwayat versi" in page and "jra.csv" in page
    with app.app_context():
        active = (
            db.session.execute(db.select(RetentionRule).where(RetentionRule.active.is_(True)))
            .scalars()
            .all()
        )
        assert sorted(r.code for r in active) == ["HM.02", "HM.03", "PL.01"]
        pl = next(r for r in active if r.code == "PL.01")
        assert (pl.active_years, pl.inactive_years, pl.disposition) == (2, 3, "dinilai_kembali")
        samples = (
            db.session.execute(db.select(RetentionRule).where(RetentionRule.is_sample.is_(True)))
            .scalars()
            .all()
        )
        assert len(samples) == 5 and not any(s.active for s in samples)
        v = db.session.execute(db.select(TableVersion)).scalar_one()
        assert (v.kind, v.number, v.status, v.token) == ("jra", 1, "berlaku", None)
        assert v.sha256 == hashlib.sha256(JRA.encode()).hexdigest()
        assert (v.rows, v.added, v.changed, v.removed, v.unchanged) == (3, 3, 0, 5, 0)
        assert v.imported_by.username == "arsiparis"
        entry = db.session.execute(
            db.select(AuditEntry).where(AuditEntry.action == "tables.import")
        ).scalar_one()
        assert entry.object_id == v.id
        version_id = v.id
    # the same token cannot be used twice
    r = arsip.post("/arsip/tabel/impor/konfirmasi", data={"token": token}, follow_redirects=True)
    assert "Pratinjau impor tidak ditemukan" in r.get_data(as_text=True)
    # the kept file, byte for byte
    r = arsip.get(f"/arsip/tabel/versi/{version_id}/berkas")
    assert r.status_code == 200 and r.data == JRA.encode()
    assert arsip.get("/arsip/tabel/versi/99999/berkas").status_code == 404


def test_the_shipped_examples_import_as_csv_and_xlsx(app, login):
    arsip = login("arsiparis")
    preview_and_confirm(arsip, (EXAMPLES / "jra-contoh.xlsx").read_bytes(), "jra-contoh.xlsx")
    preview_and_confirm(
        arsip, (EXAMPLES / "klasifikasi-contoh.csv").read_bytes(), "klasifikasi-contoh.csv"
    )
    with app.app_context():
        c = db.session.execute(
            db.select(Classification).where(Classification.code == "HM.02.02")
        ).scalar_one()
        assert (c.retention.code, c.is_sample, c.active) == ("HM.03", False, True)
        # the CONTOH codes the example does not hold are retired, the rest taken over
        left = (
            db.session.execute(
                db.select(Classification).where(
                    Classification.active.is_(True), Classification.is_sample.is_(True)
                )
            )
            .scalars()
            .all()
        )
        assert left == []
        versions = tables.versions()
        assert [(v.kind, v.number) for v in versions] == [("klasifikasi", 1), ("jra", 1)]
    # the CSV of the same JRA changes nothing: a new version, every row unchanged
    r = upload(arsip, (EXAMPLES / "jra-contoh.csv").read_bytes(), "jra-contoh.csv")
    assert "8 baris: 0 ditambah, 0 diubah, 0 dihapus, 8 tetap." in r.get_data(as_text=True)


def test_reimport_makes_a_version_and_records_keep_their_retention(app, login):
    arsip = login("arsiparis")
    # a record made under a CONTOH row before any import
    r = arsip.post("/arsip/baru", data=manual_record_form(classification_id="5"))
    assert r.status_code == 302
    with app.app_context():
        sample_record = db.session.execute(db.select(ArchiveRecord)).scalar_one()
        sample_rule = sample_record.retention_id
        assert sample_record.retention.is_sample
        assert (sample_record.retention_version, sample_record.classification_version) == (
            None,
            None,
        )
    preview_and_confirm(arsip, JRA.encode(), "jra.csv")
    preview_and_confirm(arsip, KLASIFIKASI.encode(), "klasifikasi.csv")
    with app.app_context():
        c = db.session.execute(
            db.select(Classification).where(Classification.code == "HM.02.01")
        ).scalar_one()
        cid, first_rule = c.id, c.retention_id
    r = arsip.post("/arsip/baru", data=manual_record_form(classification_id=str(cid)))
    assert r.status_code == 302
    # JRA version 2: HM.02 is kept longer and then destroyed
    changed = JRA.replace(
        "HM.02,Publikasi berita dan artikel,2,3,permanen",
        "HM.02,Publikasi berita dan artikel,5,10,musnah",
    )
    r = upload(arsip, changed.encode(), "jra-2.csv")
    assert "3 baris: 0 ditambah, 1 diubah, 0 dihapus, 2 tetap." in r.get_data(as_text=True)
    arsip.post("/arsip/tabel/impor/konfirmasi", data={"token": token_of(r)})
    r = arsip.post("/arsip/baru", data=manual_record_form(classification_id=str(cid)))
    assert r.status_code == 302
    with app.app_context():
        old, new = (
            db.session.execute(
                db.select(ArchiveRecord)
                .where(ArchiveRecord.classification_id == cid)
                .order_by(ArchiveRecord.id)
            )
            .scalars()
            .all()
        )
        assert (old.retention_active_years, old.retention_inactive_years) == (2, 3)
        assert old.retention_disposition == "permanen"
        assert old.retention_id == first_rule and not old.retention.active
        assert old.retention_version.label == "JRA versi 1"
        assert old.classification_version.label == "klasifikasi versi 1"
        assert (new.retention_active_years, new.retention_inactive_years) == (5, 10)
        assert new.retention_disposition == "musnah"
        assert new.retention_version.label == "JRA versi 2"
        # the classification follows the new JRA row of its code
        c = db.session.get(Classification, cid)
        assert c.retention_id == new.retention_id != first_rule
        assert (c.retention.code, c.retention.active) == ("HM.02", True)
        # the record made under a CONTOH row still names it
        kept = db.session.get(ArchiveRecord, sample_record.id)
        assert kept.retention_id == sample_rule and kept.retention.is_sample
        assert not kept.retention.active and kept.retention_version is None
        assert [v.label for v in tables.versions()] == [
            "JRA versi 2",
            "klasifikasi versi 1",
            "JRA versi 1",
        ]
        old_id, kept_id = old.id, kept.id
    # the record pages say which table each retention came from
    page = arsip.get(f"/arsip/{old_id}").get_data(as_text=True)
    assert "aktif 2 tahun" in page and "menurut JRA versi 1" in page
    page = arsip.get(f"/arsip/{kept_id}").get_data(as_text=True)
    assert "menurut baris CONTOH" in page


BAD_JRA = (
    "# contoh berkas dengan baris salah\n"
    "kode_retensi;jenis_arsip;retensi_aktif;retensi_inaktif;keterangan;dasar\n"
    ";Tanpa kode;1;1;musnah;\n"  # line 3
    "HM.01;Protokol;2;3;musnah;\n"
    "HM.01;Protokol lagi;2;3;musnah;\n"  # line 5: duplicate
    "HM.02;Publikasi;dua;3;permanen;\n"  # line 6: not a number
    "HM.03;Siaran pers;2;-1;musnah;\n"  # line 7: negative
    "HM.04;Dokumentasi;2;3;dibakar;\n"  # line 8: unknown disposition
    'HM.05;=HYPERLINK("http://x");2;3;musnah;\n'  # line 9: a formula
    "HM 06/<b>;Kode aneh;2;3;musnah;\n"  # line 10: a bad code
    "HM.07;;2;3;musnah;\n"  # line 11: no name
    "HM.08;Lama;2;300;permanen;\n"  # line 12: out of range
)


def test_bad_rows_are_each_named_and_nothing_changes(app, login, runner):
    arsip = login("arsiparis")
    with app.app_context():
        before = snapshot()
    r = upload(arsip, BAD_JRA.encode(), "jra-salah.csv")
    page = r.get_data(as_text=True)
    assert r.status_code == 400
    for message in (
        "Baris 3: kode retensi kosong.",
        "Baris 5: kode HM.01 ganda (sudah ada di baris 4).",
        "Baris 6: retensi aktif harus bilangan bulat tahun (tertulis \u201cdua\u201d).",
        "Baris 7: retensi inaktif harus antara 0 dan 100 tahun (tertulis -1).",
        "Baris 8: keterangan \u201cdibakar\u201d tidak dikenal",
        "Baris 9, kolom B: berisi rumus; tulis nilainya saja.",
        "Baris 10: kode HM 06/&lt;B&gt; tidak sah",
        "Baris 11: jenis arsip kosong.",
        "Baris 12: retensi inaktif harus antara 0 dan 100 tahun (tertulis 300).",
    ):
        assert message in page, message
    assert "Baris 4:" not in page
    result = runner.invoke(args=["archive", "tables", "import", _write(app, BAD_JRA, "x.csv")])
    assert result.exit_code == 1
    assert "GALAT   Baris 3: kode retensi kosong." in result.output
    with app.app_context():
        assert snapshot() == before


def _write(app, text, name, binary=False):
    path = Path(app.config["INSTANCE_PATH"]) / name
    path.write_bytes(text if binary else text.encode())
    return str(path)


def test_a_classification_naming_an_unknown_retention_code_is_refused(app, login):
    arsip = login("arsiparis")
    preview_and_confirm(arsip, JRA.encode(), "jra.csv")
    with app.app_context():
        before = snapshot()
    bad = KLASIFIKASI + "HK.01,Produk hukum,HK.01\n,Tanpa kode,HM.02\n"
    r = upload(arsip, bad.encode(), "klasifikasi.csv")
    page = r.get_data(as_text=True)
    assert r.status_code == 400
    assert "Baris 7: kode kosong." in page
    r = upload(arsip, (KLASIFIKASI + "HK.01,Produk hukum,HK.01\n").encode(), "klasifikasi.csv")
    assert r.status_code == 400
    assert "Baris 6: kode retensi HK.01 tidak ada di jadwal retensi (JRA) yang berlaku" in (
        r.get_data(as_text=True)
    )
    with app.app_context():
        assert snapshot() == before


@pytest.mark.parametrize(
    ("data", "name", "status", "message"),
    [
        (b"", "kosong.csv", 400, "Berkas kosong."),
        (b"kode,nama,kode_retensi\n", "kepala.csv", 400, "Berkas tidak berisi baris data."),
        (b"# hanya catatan\n\n", "catatan.csv", 400, "Berkas tidak berisi kepala kolom."),
        (b"a,b\n1,2\n", "aneh.csv", 400, "Kepala kolom tidak dikenal (a, b)."),
        (b"%PDF-1.7\n", "tabel.pdf", 400, "Jenis berkas tidak dikenal"),
        (b"\x00\x01kode", "biner.csv", 400, "Jenis berkas tidak dikenal"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "lama.xls", 400, "Format XLS lama tidak diterima"),
        (b"PK\x03\x04rusak", "rusak.xlsx", 400, "Berkas XLSX rusak atau bukan XLSX."),
        (b"kode,nama\n" + b"A,b\n" * 700_000, "besar.csv", 413, "Berkas terlalu besar"),
    ],
    ids=[
        "empty",
        "header-only",
        "comments-only",
        "unknown-header",
        "pdf",
        "binary",
        "xls",
        "corrupt-xlsx",
        "oversize",
    ],
)
def test_files_that_are_not_a_table_are_refused(app, login, data, name, status, message):
    arsip = login("arsiparis")
    with app.app_context():
        before = snapshot()
    r = upload(arsip, data, name)
    assert r.status_code == status
    assert message in r.get_data(as_text=True)
    with app.app_context():
        assert snapshot() == before


def test_the_kind_named_must_match_the_header(login):
    r = upload(login("arsiparis"), KLASIFIKASI.encode(), "k.csv", kind="jra")
    assert r.status_code == 400
    assert "Kolom wajib tidak ada untuk tabel JRA: jenis_arsip, retensi_aktif" in r.get_data(True)


def test_csv_in_latin1_with_semicolons_and_with_bom(app, login):
    arsip = login("arsiparis")
    latin = (
        "kode_retensi;jenis_arsip;retensi_aktif;retensi_inaktif;keterangan;dasar\r\n"
        "HM.02;Publikasi kegiatan Bupati \u2013 caf\u00e9 demokrasi;2;3;permanen;\r\n"
    ).encode("cp1252")
    preview_and_confirm(arsip, latin, "jra-latin.csv")
    bom = ("\ufeff" + KLASIFIKASI.replace("HM.02.02,Siaran pers,HM.03\n", "")).encode()
    bom = bom.replace(b"PL.01,Pemutakhiran data pemilih,PL.01\n", b"")
    preview_and_confirm(arsip, bom, "klasifikasi-bom.csv")
    with app.app_context():
        rule = db.session.execute(
            db.select(RetentionRule).where(RetentionRule.code == "HM.02")
        ).scalar_one()
        assert rule.name == "Publikasi kegiatan Bupati \u2013 caf\u00e9 demokrasi"
        assert (
            db.session.execute(
                db.select(Classification.name).where(Classification.code == "HM.02.01")
            ).scalar_one()
            == "Berita di laman resmi"
        )


def test_xlsx_with_a_formula_or_a_date_for_years_is_refused(app, login):
    header = ["kode_retensi", "jenis_arsip", "retensi_aktif", "retensi_inaktif", "keterangan"]
    data = xlsx(
        [
            header,
            ["HM.02", "Publikasi", 2, "=1+2", "permanen"],
            ["HM.03", "Siaran", 2.5, 3, "musnah"],
        ]
    )
    arsip = login("arsiparis")
    with app.app_context():
        before = snapshot()
    r = upload(arsip, data, "jra.xlsx")
    page = r.get_data(as_text=True)
    assert r.status_code == 400
    assert "Baris 2, kolom D: berisi rumus; tulis nilainya saja." in page
    assert "Baris 3: retensi aktif harus bilangan bulat tahun (tertulis \u201c2.5\u201d)." in page
    with app.app_context():
        assert snapshot() == before
    # the same sheet with values imports, numbers given as numbers
    good = xlsx(
        [
            header,
            ["HM.02", "Publikasi", 2, 3, "Permanen"],
            ["HM.03", "Siaran", 1.0, 2, "Dinilai Kembali"],
        ]
    )
    preview_and_confirm(arsip, good, "jra.xlsx")
    with app.app_context():
        rule = db.session.execute(
            db.select(RetentionRule).where(RetentionRule.code == "HM.03")
        ).scalar_one()
        assert (rule.active_years, rule.disposition) == (1, "dinilai_kembali")


def test_a_preview_is_void_once_the_tables_change(app, login):
    arsip = login("arsiparis")
    first = upload(arsip, JRA.encode(), "jra.csv")
    preview_and_confirm(arsip, JRA.replace("HM.03,Siaran pers", "HM.03,Siaran").encode(), "b.csv")
    with app.app_context():
        before = snapshot()
    r = arsip.post(
        "/arsip/tabel/impor/konfirmasi", data={"token": token_of(first)}, follow_redirects=True
    )
    assert "Tabel sudah berubah sejak pratinjau dibuat" in r.get_data(as_text=True)
    with app.app_context():
        assert snapshot() == before
    # a confirmation without a token changes nothing either
    r = arsip.post("/arsip/tabel/impor/konfirmasi", data={}, follow_redirects=True)
    assert "Pratinjau impor tidak dipilih" in r.get_data(as_text=True)


def test_the_command_line_checks_tries_and_imports(app, runner):
    path = _write(app, JRA, "jra.csv")
    with app.app_context():
        before = snapshot()
    result = runner.invoke(args=["archive", "tables", "import", path, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "UJI COBA (tidak disimpan): tabel JRA, 3 baris: 3 ditambah" in result.output
    assert "TAMBAH  PL.01  Pemutakhiran data pemilih" in result.output
    with app.app_context():
        assert snapshot() == before
    result = runner.invoke(args=["archive", "tables", "import", path])
    assert result.exit_code == 0, result.output
    assert "OK: tabel JRA versi 1, 3 baris: 3 ditambah, 0 diubah, 5 dihapus, 0 tetap" in (
        result.output
    )
    result = runner.invoke(
        args=["archive", "tables", "import", _write(app, KLASIFIKASI, "k.csv"), "--kind", "jra"]
    )
    assert result.exit_code == 1 and "Kolom wajib tidak ada untuk tabel JRA" in result.output
    xl = _write(app, (EXAMPLES / "klasifikasi-contoh.xlsx").read_bytes(), "k.xlsx", binary=True)
    result = runner.invoke(args=["archive", "tables", "import", xl])
    # the example names JRA codes this JRA does not hold
    assert result.exit_code == 1
    assert "Baris 5: kode retensi HM.01 tidak ada di jadwal retensi" in result.output
    with app.app_context():
        v = db.session.execute(db.select(TableVersion)).scalar_one()
        assert (v.kind, v.number, v.imported_by_id) == ("jra", 1, None)


def test_only_keepers_import(login):
    for role in ("penulis", "penanggungjawab"):
        assert upload(login(role), JRA.encode(), "jra.csv").status_code == 403
