"""The archive record made at publication: berkas PDF/A-3b, originals, versions, hardcopy,
manual records and fixity."""

import hashlib
import http.server
import io
import re
import threading

import pikepdf
import pytest
from pypdf import PdfReader

from archive.models import ArchiveFile
from archive.models import ArchiveRecord
from archive.models import ArchiveVersion
from archive.models import FixityRun
from archive.store import archive_store
from intranet.clock import today as office_today
from intranet.extensions import db
from intranet.models import Article
from intranet.models import Case
from intranet.models import SourceMaterial
from intranet.models import TrailEntry
from intranet.models import User
from intranet.services import trail
from tests.fixtures.files import encrypted_pdf
from tests.fixtures.files import image_bytes
from tests.fixtures.files import pdf_bytes
from tests.fixtures.files import pdf_with_javascript
from tests.fixtures.scenarios import ARTICLE_DATA
from tests.fixtures.scenarios import build_published
from tests.fixtures.scenarios import build_scenario

YEAR = office_today().year


def _record(app, case_id=None):
    with app.app_context():
        q = db.select(ArchiveRecord)
        if case_id is not None:
            q = q.where(ArchiveRecord.case_id == case_id)
        record = db.session.execute(q.order_by(ArchiveRecord.id.desc())).scalars().first()
        return record.id if record else None


def _berkas(app, record_id, number=None):
    with app.app_context():
        record = db.session.get(ArchiveRecord, record_id)
        version = record.versions[-1] if number is None else record.versions[number - 1]
        return archive_store().read(version.berkas_sha256)


def _stored_files(app):
    return sorted(rel for rel, _ in archive_store_for(app).walk())


def archive_store_for(app):
    with app.app_context():
        return archive_store()


# --- the record --------------------------------------------------------------------------


def test_publication_makes_the_record_with_every_original(app, scenario):
    cid = scenario["case_id"]
    build_published(app, cid)
    with app.app_context():
        case = db.session.get(Case, cid)
        record = db.session.execute(db.select(ArchiveRecord)).scalar_one()
        assert record.nomor_arsip == f"HM.02.01/0001/3301/{YEAR}"
        assert (record.origin, record.case_id, record.access_class) == ("sop", cid, "biasa")
        assert (record.tingkat, record.media_label) == ("asli", "elektronik, kertas")
        assert (record.retention_active_years, record.retention_inactive_years) == (2, 3)
        assert record.retention_disposition == "permanen"
        assert record.hardcopy_status == "belum_dicetak"
        assert "Rapat pleno DPT" in record.uraian and "AGD" in record.uraian
        [version] = record.versions
        kinds = [f.kind for f in version.files]
        assert kinds == ["sumber", "foto-asli", "foto", "html", "json"]
        store = archive_store()
        for f in version.files:
            assert store.digest(f.sha256) == (f.sha256, f.size)
        assert store.digest(version.berkas_sha256)[0] == version.berkas_sha256
        # the source file and photo are copies of the working store's files
        material = db.session.get(SourceMaterial, scenario["material_id"])
        assert version.files[0].sha256 == material.files[0].sha256
        # the trail names the berkas, after the publication it records
        publish, archived = case.trail[-2:]
        assert (publish.action, archived.action) == ("publish", "archive")
        assert archived.extra["berkas_sha256"] == version.berkas_sha256
        assert archived.extra["nomor_arsip"] == record.nomor_arsip
        assert (version.trail_seq, version.trail_head) == (publish.seq, publish.entry_hash)
        assert trail.verify_all()[1] == []
        # the JSON record holds the whole case
        import json

        data = json.loads(store.read(version.files[-1].sha256))
        assert data["record"]["nomor_arsip"] == record.nomor_arsip
        assert [e["entry_hash"] for e in data["trail"]] == [e.entry_hash for e in case.trail[:-1]]
        assert data["materials"][0]["nomor_agenda"] == material.nomor_agenda
        assert data["revisions"][-1]["content_hash"] == case.revision_hash
        html = store.read(version.files[3].sha256).decode()
        assert "Rapat pleno rekapitulasi DPT berlangsung tertib." in html
        assert version.files[2].sha256 in html  # the published photo, by its archive name


def test_numbers_run_per_year(app):
    first, second = build_scenario(app), build_scenario(app)
    build_published(app, first["case_id"])
    build_published(app, second["case_id"])
    with app.app_context():
        numbers = db.session.execute(
            db.select(ArchiveRecord.nomor_arsip).order_by(ArchiveRecord.id)
        ).scalars()
        assert list(numbers) == [f"HM.02.01/{n:04d}/3301/{YEAR}" for n in (1, 2)]


def test_berkas_is_pdfa_3b_with_its_originals_embedded(app, scenario):
    cid = scenario["case_id"]
    build_published(app, cid)
    rid = _record(app)
    data = _berkas(app, rid)
    with app.app_context():
        record = db.session.get(ArchiveRecord, rid)
        files = [(f.filename, f.sha256, f.relationship) for f in record.versions[0].files]
        entries = [
            (e.seq, e.entry_hash)
            for e in db.session.execute(
                db.select(TrailEntry).where(TrailEntry.case_id == cid).order_by(TrailEntry.seq)
            ).scalars()
        ]
        nomor = record.nomor_arsip
    with pikepdf.open(io.BytesIO(data)) as pdf:
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "3" and meta["pdfaid:conformance"] == "B"
        assert len(pdf.Root.OutputIntents) == 1
        assert len(pdf.Root.AF) == len(files)
        embedded = {}
        for name, spec in pdf.attachments.items():
            raw = spec.get_file().read_bytes()
            embedded[name] = (
                hashlib.sha256(raw).hexdigest(),
                str(spec.obj.AFRelationship),
                str(spec.obj.EF.F.Subtype),
            )
        for filename, sha, relationship in files:
            got_sha, got_rel, subtype = embedded[filename]
            assert got_sha == sha, filename
            assert got_rel == f"/{relationship}"
            assert subtype.startswith("/")  # a MIME type, as PDF/A-3 requires
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    flat = re.sub(r"\s+", "", text)
    assert nomor in text and "Jejak pelaksanaan SOP" in text
    # every trail entry up to the publication is in the table, with its hash
    for _seq, entry_hash in entries[:-1]:
        assert entry_hash in flat
    for _filename, sha, _rel in files:
        assert sha in flat
    assert "Rapat pleno rekapitulasi DPT berlangsung tertib." in text


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits = []

    def do_GET(self):  # noqa: N802
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()
        self.wfile.write(image_bytes("PNG"))

    def log_message(self, *args):
        """Silent: the test reads what was asked from ``hits``, not from stderr."""


@pytest.fixture
def listener():
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    _Recorder.hits = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", _Recorder.hits
    server.shutdown()
    server.server_close()


HOSTILE = (
    '<p>Serangan</p><img src="file:///etc/passwd"><img src="{url}/img.png">'
    '<a href="http://169.254.169.254/latest/meta-data/">meta</a>'
    '<link rel="stylesheet" href="{url}/x.css"><iframe src="file:///etc/hostname"></iframe>'
    '<object data="file:///etc/passwd"></object>'
    '<div style="background: url(file:///etc/passwd)">x</div>'
)


def test_hostile_html_in_the_berkas_fetches_nothing(app, listener):
    """Even HTML that escaped sanitising cannot make the renderer read files or the network."""
    from archive import pdf

    url, hits = listener
    with app.app_context():
        store = archive_store()
        fetcher = pdf.Fetcher(store, {})
        data = pdf.render(HOSTILE.format(url=url), store, [], "uji", fetcher=fetcher)
    assert hits == []
    assert "file:///etc/passwd" in fetcher.refused and f"{url}/img.png" in fetcher.refused
    assert f"{url}/x.css" in fetcher.refused
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "root:" not in text


def test_hostile_article_is_published_and_archived_without_fetching(app, scenario, listener):
    from intranet.services import cases as case_service
    from intranet.services import publishing
    from intranet.services.articles import latest_revision
    from tests.fixtures.scenarios import build_preview

    url, hits = listener
    cid = scenario["case_id"]
    build_preview(app, cid)
    with app.test_request_context(method="POST"):
        case = db.session.get(Case, cid)
        users = {u.username: u for u in db.session.execute(db.select(User)).scalars()}
        case.step = 5
        data = {**ARTICLE_DATA, "slug": f"serangan-{cid}", "body_html": HOSTILE.format(url=url)}
        data["accept_drops"] = True
        case_service.save_article(case, users["penulis"], data, latest_revision(case).number)
        case.step = 10
        db.session.commit()
        publishing.publish(case, users["redaktur"])
    assert hits == []
    rid = _record(app)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(_berkas(app, rid))).pages)
    assert "Serangan" in text and "root:" not in text


# --- versions ----------------------------------------------------------------------------


def test_correction_and_withdrawal_add_versions_to_the_same_record(app, login, scenario):
    from intranet.services.articles import latest_revision

    cid = scenario["case_id"]
    build_published(app, cid)
    with app.app_context():
        base = latest_revision(db.session.get(Case, cid)).number
    red, pj = login("redaktur"), login("penanggungjawab")
    corrected = {**ARTICLE_DATA, "base": base, "title": "Rapat pleno DPT (koreksi)", "note": "TPS"}
    r = red.post(
        f"/intranet/naskah/{cid}/sosial",
        data={"platform": "instagram", "url": "https://www.instagram.com/p/warta-uji/"},
    )
    assert r.status_code == 302
    assert red.post(f"/intranet/naskah/{cid}/koreksi-terbit", data=corrected).status_code == 302
    assert (
        pj.post(
            f"/intranet/naskah/{cid}/koreksi-terbit/setujui", data={"revision": int(base) + 1}
        ).status_code
        == 302
    )
    r = red.post(f"/intranet/naskah/{cid}/tarik", data={"reason": "Data belum final"})
    assert r.status_code == 302
    rid = _record(app)
    with app.app_context():
        record = db.session.get(ArchiveRecord, rid)
        assert [(v.number, v.reason, v.article_version) for v in record.versions] == [
            (1, "terbit", 1),
            (2, "koreksi", 2),
            (3, "penarikan", 2),
        ]
        assert record.title == "Rapat pleno DPT (koreksi)"
        store = archive_store()
        for v in record.versions:  # the earlier berkas stay
            assert store.digest(v.berkas_sha256)[0] == v.berkas_sha256
        assert trail.verify_all()[1] == []
        case = db.session.get(Case, cid)
        assert [e.action for e in case.trail[-4:]] == [
            "approve_correction",
            "archive",
            "withdraw",
            "archive",
        ]
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(_berkas(app, rid, 3))).pages)
    assert "DITARIK" in text and "Data belum final" in text and "(koreksi)" in text
    page = login("arsiparis").get(f"/arsip/{rid}").get_data(as_text=True)
    assert "https://www.instagram.com/p/warta-uji/" in page
    assert "Versi 3" in page and "Versi 2" in page and "Versi 1" in page
    case_page = red.get(f"/intranet/naskah/{cid}").get_data(as_text=True)
    assert f"/arsip/{rid}" in case_page and "3 versi berkas" in case_page
    assert "penarikan" in page and "koreksi" in page


def test_a_failed_archiving_leaves_no_file_behind(app, login, scenario):
    """A photo missing from the working store: publishing is refused whole, nothing stays."""
    from tests.fixtures.scenarios import build_preview

    cid = scenario["case_id"]
    build_preview(app, cid)
    with app.app_context():
        case = db.session.get(Case, cid)
        case.step = 10
        db.session.commit()
        from intranet.models import Photo
        from intranet.storage import file_store

        photo = db.session.get(Photo, scenario["photo_id"])
        path = file_store().path(photo.original_sha256)
        path.chmod(0o644)
        path.unlink()
    r = login("redaktur").post(f"/intranet/naskah/{cid}/terbitkan", data={"scheduled": ""})
    assert r.status_code in (302, 400)
    follow = login("redaktur").get(f"/intranet/naskah/{cid}").get_data(as_text=True)
    assert "Berkas asli tidak dapat dibaca" in follow or r.status_code == 400
    with app.app_context():
        assert db.session.execute(db.select(ArchiveRecord)).first() is None
        assert db.session.execute(db.select(Article)).first() is None
        assert db.session.get(Case, cid).status == "open"
    assert _stored_files(app) == []


# --- hardcopy ----------------------------------------------------------------------------


def test_the_arsiparis_files_the_hardcopy_and_prints_the_box_label(app, login, scenario):
    build_published(app, scenario["case_id"])
    rid = _record(app)
    arsip = login("arsiparis")
    page = arsip.get(f"/arsip/{rid}").get_data(as_text=True)
    assert "belum dicetak" in page
    with app.app_context():
        version = db.session.get(ArchiveRecord, rid).version
    for status in ("dicetak", "distempel"):
        r = arsip.post(f"/arsip/{rid}/fisik", data={"status": status, "version": version})
        assert r.status_code == 302
        version += 1
    # filing needs a location
    r = arsip.post(
        f"/arsip/{rid}/fisik",
        data={"status": "disimpan", "version": version},
        follow_redirects=True,
    )
    assert "harus punya lokasi" in r.get_data(as_text=True)
    location = {"room": "Ruang Arsip", "cabinet": "Lemari 2", "box": "B-07", "folder": "F-3"}
    r = arsip.post(
        f"/arsip/{rid}/fisik", data={"status": "disimpan", "version": version, **location}
    )
    assert r.status_code == 302
    with app.app_context():
        record = db.session.get(ArchiveRecord, rid)
        assert record.hardcopy_status == "disimpan"
        assert record.location == "Ruang Arsip / Lemari 2 / B-07 / F-3"
        assert record.filed_by.username == "arsiparis" and record.filed_at is not None
    page = arsip.get("/arsip/lokasi").get_data(as_text=True)
    assert "B-07" in page and "HM.02.01/0001" in page
    assert "B-07" in arsip.get("/arsip/?boks=B-07").get_data(as_text=True)
    query = "ruang=Ruang+Arsip&lemari=Lemari+2&boks=B-07"
    r = arsip.get(f"/arsip/lokasi/label.pdf?{query}")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    text = PdfReader(io.BytesIO(r.data)).pages[0].extract_text()
    assert "B-07" in text and "Lemari 2" in text and "HM.02.01" in text and str(YEAR) in text
    r = arsip.get(f"/arsip/lokasi/isi.pdf?{query}")
    text = PdfReader(io.BytesIO(r.data)).pages[0].extract_text()
    assert "HM.02.01/0001" in text and "F-3" in text
    assert arsip.get("/arsip/lokasi/label.pdf?boks=tidak-ada").status_code == 404
    history = arsip.get(f"/arsip/{rid}").get_data(as_text=True)
    assert history.count("arsip fisik:") == 3


@pytest.mark.parametrize(
    "data, message",
    [
        ({"status": "hilang"}, "Pilihan tidak valid"),
        ({"status": "disimpan", "box": "B" * 81, "room": "R", "cabinet": "L"}, "Maksimal 80"),
        ({"status": "disimpan", "box": "B\x00", "room": "R", "cabinet": "L"}, "tidak diizinkan"),
        ({"status": "dicetak", "note": "x" * 1001}, "Maksimal 1000"),
        ({"status": "dicetak", "version": "1"}, None),  # stale: the record moved on
    ],
    ids=["unknown status", "box too long", "NUL in box", "note too long", "stale form"],
)
def test_hardcopy_refusals_change_nothing(app, login, scenario, data, message):
    build_published(app, scenario["case_id"])
    rid = _record(app)
    arsip = login("arsiparis")
    with app.app_context():
        record = db.session.get(ArchiveRecord, rid)
        record.notes = "bump"  # version 2, so version 1 is stale
        db.session.commit()
        version = record.version
    payload = {"version": version, **data}
    r = arsip.post(f"/arsip/{rid}/fisik", data=payload, follow_redirects=True)
    assert r.status_code == 200
    body = r.get_data(as_text=True)
    assert (message or "sudah diubah orang lain") in body
    with app.app_context():
        record = db.session.get(ArchiveRecord, rid)
        assert (record.hardcopy_status, record.box, record.version) == (
            "belum_dicetak",
            None,
            version,
        )


# --- manual records ----------------------------------------------------------------------


def _manual(**overrides):
    data = {
        "title": "Berita acara rapat pleno 2019",
        "classification_id": "4",
        "uraian": "Berita acara rapat pleno terbuka rekapitulasi hasil Pemilu 2019.",
        "date_from": "2019-05-01",
        "date_to": "2019-05-03",
        "tingkat": "asli",
        "access_class": "biasa",
        "jumlah": "1 berkas",
        "notes": "",
        "hardcopy_status": "disimpan",
        "room": "Gudang",
        "cabinet": "Rak 1",
        "box": "2019-01",
        "folder": "3",
    }
    data.update(overrides)
    return data


def test_the_arsiparis_registers_an_older_paper_record(app, login):
    arsip = login("arsiparis")
    assert arsip.get("/arsip/baru").status_code == 200
    data = _manual(
        scans=[
            (io.BytesIO(pdf_bytes("Berita acara")), "berita-acara.pdf"),
            (io.BytesIO(image_bytes("JPEG")), "halaman-1.jpg"),
        ]
    )
    r = arsip.post("/arsip/baru", data=data, content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)[-1500:]
    with app.app_context():
        record = db.session.execute(db.select(ArchiveRecord)).scalar_one()
        assert record.nomor_arsip == "HM.02.04/0001/3301/2019"
        assert (record.origin, record.case_id, record.hardcopy_status) == (
            "manual",
            None,
            "disimpan",
        )
        assert record.location == "Gudang / Rak 1 / 2019-01 / 3"
        assert record.retention_disposition == "musnah"
        [version] = record.versions
        assert [f.kind for f in version.files] == ["pindaian", "pindaian", "json"]
        berkas = archive_store().read(version.berkas_sha256)
        names = [f.filename for f in version.files]
    with pikepdf.open(io.BytesIO(berkas)) as pdf:
        assert sorted(pdf.attachments) == sorted(names)
        assert pdf.open_metadata()["pdfaid:part"] == "3"
    page = arsip.get(f"/arsip/{record.id}").get_data(as_text=True)
    assert "HM.02.04/0001/3301/2019" in page and "halaman-1.jpg" in page
    # the berkas and every original download
    r = arsip.get(f"/arsip/{record.id}/versi/1/berkas.pdf")
    assert r.data == berkas
    r.close()
    with app.app_context():
        f = db.session.execute(
            db.select(ArchiveFile).where(ArchiveFile.filename == "berita-acara.pdf")
        ).scalar_one()
    r = arsip.get(f"/arsip/{record.id}/berkas/{f.id}")
    assert hashlib.sha256(r.data).hexdigest() == f.sha256
    r.close()


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"title": ""}, "Wajib diisi"),
        ({"date_to": "2019-04-01"}, "Tanggal akhir tidak boleh sebelum tanggal awal"),
        ({"date_from": "2019-13-45"}, "Tanggal tidak valid"),
        ({"classification_id": "999"}, "Pilihan tidak valid"),
        ({"access_class": "sangat rahasia"}, "Pilihan tidak valid"),
        ({"hardcopy_status": "disimpan", "box": ""}, "harus punya lokasi"),
        ({"scans": [(io.BytesIO(b"MZ\x90\x00 not a scan"), "virus.exe")]}, "tidak diizinkan"),
        ({"scans": [(io.BytesIO(pdf_with_javascript()), "aktif.pdf")]}, "aktif.pdf"),
        ({"scans": [(io.BytesIO(encrypted_pdf()), "terkunci.pdf")]}, "terkunci.pdf"),
        ({"scans": [(io.BytesIO(image_bytes("PNG")), "../../etc/passwd.png")]}, None),
    ],
    ids=[
        "no title",
        "dates reversed",
        "impossible date",
        "unknown classification",
        "unknown access class",
        "filed without a box",
        "executable",
        "PDF with JavaScript",
        "encrypted PDF",
        "traversal name",
    ],
)
def test_manual_record_refusals_leave_nothing(app, login, overrides, message):
    data = _manual(**overrides)
    r = login("arsiparis").post("/arsip/baru", data=data, content_type="multipart/form-data")
    body = r.get_data(as_text=True)
    if message is None:  # a traversal name is made safe, not refused
        assert r.status_code == 302
        with app.app_context():
            names = db.session.execute(db.select(ArchiveFile.filename)).scalars().all()
            assert all("/" not in n and ".." not in n for n in names)
        return
    assert r.status_code in (400, 413) and message in body, body[-2000:]
    with app.app_context():
        assert db.session.execute(db.select(ArchiveRecord)).first() is None
        assert db.session.execute(db.select(ArchiveVersion)).first() is None
    assert _stored_files(app) == []


# --- access ------------------------------------------------------------------------------


def test_restricted_records_are_kept_from_those_the_class_leaves_out(app, login, scenario):
    with app.app_context():
        m = db.session.get(SourceMaterial, scenario["material_id"])
        m.security_class = "terbatas"
        db.session.commit()
    build_published(app, scenario["case_id"])
    rid = _record(app)
    with app.app_context():
        assert db.session.get(ArchiveRecord, rid).access_class == "terbatas"
    for who in ("penulis", "editor", "redaktur", "kontributor"):
        c = login(who)
        assert c.get(f"/arsip/{rid}").status_code == 403
        assert c.get(f"/arsip/{rid}/versi/1/berkas.pdf").status_code == 403
        assert "HM.02.01/0001" not in c.get("/arsip/").get_data(as_text=True)
    for who in ("arsiparis", "admin", "koordinator", "penanggungjawab"):
        c = login(who)
        assert c.get(f"/arsip/{rid}").status_code == 200
        assert "HM.02.01/0001" in c.get("/arsip/").get_data(as_text=True)


def test_ordinary_records_are_read_by_the_team_but_filed_by_the_arsiparis(app, login, scenario):
    build_published(app, scenario["case_id"])
    rid = _record(app)
    penulis = login("penulis")
    page = penulis.get(f"/arsip/{rid}").get_data(as_text=True)
    assert "HM.02.01/0001" in page and "Simpan status fisik" not in page
    assert penulis.post(f"/arsip/{rid}/fisik", data={"status": "dicetak"}).status_code == 403
    r = penulis.get(f"/arsip/{rid}/versi/1/berkas.pdf")
    assert r.status_code == 200 and r.data.startswith(b"%PDF")
    r.close()
    assert penulis.get(f"/arsip/{rid}/versi/7/berkas.pdf").status_code == 404
    assert penulis.get(f"/arsip/{rid}/berkas/999999").status_code == 404
    assert penulis.get("/arsip/99999").status_code == 404


# --- tables ------------------------------------------------------------------------------


def test_the_tables_ship_marked_samples_and_are_editable(app, login):
    arsip = login("arsiparis")
    page = arsip.get("/arsip/tabel").get_data(as_text=True)
    assert "CONTOH" in page and "HM.02.01" in page and "jadwal retensi arsip resmi" in page
    r = arsip.post(
        "/arsip/tabel/retensi",
        data={
            "newrule-name": "Berita website (JRA 2026)",
            "newrule-active_years": "3",
            "newrule-inactive_years": "7",
            "newrule-disposition": "permanen",
        },
    )
    assert r.status_code == 302
    from archive.models import Classification
    from archive.models import RetentionRule

    with app.app_context():
        rule = db.session.execute(
            db.select(RetentionRule).where(RetentionRule.name == "Berita website (JRA 2026)")
        ).scalar_one()
        c = db.session.execute(
            db.select(Classification).where(Classification.code == "HM.02.01")
        ).scalar_one()
        cid, cversion = c.id, c.version
    r = arsip.post(
        f"/arsip/tabel/klasifikasi/{cid}",
        data={
            f"c{cid}-code": "HM.02.01",
            f"c{cid}-name": "Publikasi website",
            f"c{cid}-retention_id": str(rule.id),
            f"c{cid}-active": "y",
            f"c{cid}-version": str(cversion),
        },
    )
    assert r.status_code == 302
    with app.app_context():
        c = db.session.get(Classification, cid)
        assert (c.name, c.retention_id, c.is_sample) == ("Publikasi website", rule.id, False)
    # refusals: a duplicate code, a bad code, years out of range, an unknown disposition
    r = arsip.post(
        "/arsip/tabel", data={"new-code": "HM.02.02", "new-name": "Ganda", "new-retention_id": "0"}
    )
    assert r.status_code == 400 and "sudah ada" in r.get_data(as_text=True)
    r = arsip.post(
        "/arsip/tabel", data={"new-code": "HM 02/<x>", "new-name": "X", "new-retention_id": "0"}
    )
    assert r.status_code == 400 and "Hanya huruf" in r.get_data(as_text=True)
    r = arsip.post(
        "/arsip/tabel/retensi",
        data={
            "newrule-name": "X",
            "newrule-active_years": "-1",
            "newrule-inactive_years": "500",
            "newrule-disposition": "dibakar",
        },
    )
    body = r.get_data(as_text=True)
    assert r.status_code == 400 and "Antara 0 dan 100" in body and "Pilihan tidak valid" in body


# --- fixity ------------------------------------------------------------------------------


def test_verify_passes_then_names_a_changed_missing_or_stray_file(app, runner, login, scenario):
    build_published(app, scenario["case_id"])
    result = runner.invoke(args=["archive", "verify"])
    assert result.exit_code == 0, result.output
    assert "OK: 6 berkas" in result.output
    with app.app_context():
        version = db.session.execute(db.select(ArchiveVersion)).scalar_one()
        photo = version.files[1]
        json_file = version.files[-1]
        store = archive_store()
        path = store.path(photo.sha256)
        path.chmod(0o644)
        raw = bytearray(path.read_bytes())
        raw[len(raw) // 2] ^= 0x01  # flip one bit in the middle
        path.write_bytes(bytes(raw))
        store.path(json_file.sha256).unlink()
        stray = store.root / "ab" / ("ab" + "0" * 62)
        stray.parent.mkdir(exist_ok=True)
        stray.write_bytes(b"tidak terdaftar")
        (store.root / ".incoming-x1").write_bytes(b"sisa tulis")
    result = runner.invoke(args=["archive", "verify", "--quiet"])
    assert result.exit_code == 1
    out = result.output
    assert f"BERUBAH {photo.sha256}" in out and photo.filename in out
    assert f"HILANG  {json_file.sha256}" in out and json_file.filename in out
    assert "LIAR    ab/ab000" in out and "LIAR    .incoming-x1" in out
    page = login("arsiparis").get("/arsip/fiksitas").get_data(as_text=True)
    assert "ada masalah" in page
    with app.app_context():
        run = (
            db.session.execute(db.select(FixityRun).order_by(FixityRun.id.desc())).scalars().first()
        )
        assert (run.missing, run.changed, run.stray, run.ok) == (1, 1, 2, False)
    detail = login("arsiparis").get(f"/arsip/fiksitas/{run.id}").get_data(as_text=True)
    assert photo.sha256 in detail and json_file.filename in detail
    assert "menemukan masalah" in login("arsiparis").get("/arsip/").get_data(as_text=True)
    result = runner.invoke(args=["archive", "verify", "--clean", "--quiet"])
    assert "DIHAPUS ab/ab000" in result.output and "DIHAPUS .incoming-x1" in result.output
    assert result.exit_code == 1  # the changed and missing files are still wrong


def test_verify_notices_a_trail_cut_after_archiving(app, runner, scenario):
    """Deleting the last entries and resetting the case's head passes the chain check alone;
    the berkas's recorded anchor catches it."""
    cid = scenario["case_id"]
    build_published(app, cid)
    with app.app_context():
        case = db.session.get(Case, cid)
        keep = case.trail_seq - 2  # drop the publication and its archive entry
        for e in list(case.trail):
            if e.seq > keep:
                db.session.delete(e)
        db.session.flush()
        last = db.session.execute(
            db.select(TrailEntry).where(TrailEntry.case_id == cid, TrailEntry.seq == keep)
        ).scalar_one()
        db.session.execute(
            db.update(Case)
            .where(Case.id == cid)
            .values(trail_seq=keep, trail_head=last.entry_hash, status="open", step=10)
        )
        db.session.commit()
    result = runner.invoke(args=["archive", "verify", "--quiet"])
    assert result.exit_code == 1 and "JEJAK" in result.output and f"#{cid}" in result.output


def test_a_young_unregistered_file_is_left_alone(app, runner, scenario):
    """A commit may still be landing on the database server when its process has died:
    ``--clean`` leaves unregistered files younger than the grace period, then removes them."""
    import os
    import time

    build_published(app, scenario["case_id"])
    app.config["ARCHIVE_STRAY_GRACE_SECONDS"] = 600
    with app.app_context():
        store = archive_store()
        young = store.root / "cd" / ("cd" + "1" * 62)
        young.parent.mkdir(exist_ok=True)
        young.write_bytes(b"sedang disimpan")
    result = runner.invoke(args=["archive", "verify", "--clean", "--quiet"])
    assert result.exit_code == 0 and "BARU    cd/cd111" in result.output, result.output
    assert young.exists()
    old = time.time() - 3600
    os.utime(young, (old, old))
    result = runner.invoke(args=["archive", "verify", "--clean", "--quiet"])
    assert "DIHAPUS cd/cd111" in result.output and not young.exists()
