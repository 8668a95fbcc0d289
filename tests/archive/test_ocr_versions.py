"""A paper record's OCR in its berkas: when the worker has read a scan, the record's berkas
gains a version embedding the derived searchable PDF/A (once, however often OCR runs again);
a failed OCR adds nothing; a scan whose records were destroyed is not read, its waiting task
cancelled by the destruction or ending quietly when it runs.

The scans are generated (tests/fixtures/scans.py), as in test_ocr.py.
"""

import hashlib
import io
import json
import zipfile

import pikepdf
import pytest
from pypdf import PdfReader

from archive import disposals
from archive import ocr
from archive import ocr_work
from archive.importing import schema_problems
from archive.models import ArchiveEvent
from archive.models import ArchiveRecord
from archive.models import ArchiveVersion
from archive.models import Classification
from archive.retention_models import Disposal
from archive.store import archive_store
from intranet import queue
from intranet.extensions import db
from intranet.models import User
from tests.archive.test_ocr import imported_elsewhere
from tests.fixtures.scans import clean_page
from tests.fixtures.scans import fax_page
from tests.fixtures.scenarios import manual_record_form

pytestmark = pytest.mark.skipif(not ocr.available(), reason="tesseract is not installed")


def sha(data):
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def app(app):
    """The demo app with its background tasks left to the worker (``queue.run_burst``)."""
    app.config["QUEUE_EAGER"] = False
    return app


def _register(app, arsip, scan, title="Berita acara lama", code=None):
    """A paper record registered with one generated scan; returns its id."""
    extra = {}
    if code is not None:  # a classification whose retention has run out (destroyable now)
        with app.app_context():
            extra["classification_id"] = str(
                db.session.execute(
                    db.select(Classification.id).where(Classification.code == code)
                ).scalar_one()
            )
    form = manual_record_form(title=title, scans=[(io.BytesIO(scan.data), scan.filename)], **extra)
    r = arsip.post("/arsip/baru", data=form, content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)[-1500:]
    with app.app_context():
        return db.session.execute(
            db.select(ArchiveRecord.id).where(ArchiveRecord.title == title)
        ).scalar_one()


def _versions(app, record_id):
    with app.app_context():
        rows = db.session.execute(
            db.select(ArchiveVersion.number, ArchiveVersion.reason)
            .where(ArchiveVersion.record_id == record_id)
            .order_by(ArchiveVersion.number)
        )
        return [tuple(r) for r in rows]


def _scan_of(app, record_id):
    """``(sha256, bytes)`` of the record's scan, as archived."""
    with app.app_context():
        record = db.session.get(ArchiveRecord, record_id)
        [scan] = [f.sha256 for f in record.versions[0].files if f.kind == "pindaian"]
        return scan, archive_store().read(scan)


def _ocr_tasks(app):
    with app.app_context():
        rows = db.session.execute(
            db.select(queue.BackgroundTask)
            .where(queue.BackgroundTask.name == ocr_work.ARCHIVE_TASK)
            .order_by(queue.BackgroundTask.id)
        ).scalars()
        return [(t.state, t.attempts, t.last_error) for t in rows]


def _verify(runner):
    result = runner.invoke(args=["archive", "verify", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "OK:" in result.output and "hilang 0" in result.output and "liar 0" in result.output


def test_a_paper_records_ocr_is_embedded_in_a_new_version_of_its_berkas_once(
    app, login, runner, tmp_path, app_factory, migrated_db
):

    scan = clean_page()
    arsip = login("arsiparis")
    record_id = _register(app, arsip, scan)
    scan_sha, original = _scan_of(app, record_id)
    with app.app_context():
        first_berkas = db.session.get(ArchiveRecord, record_id).current.berkas_sha256
    assert _versions(app, record_id) == [(1, "manual")]  # OCR is queued, not yet read

    counts = queue.run_burst(app)
    assert counts["gagal"] == 0 and counts["menunggu"] == 0
    assert _versions(app, record_id) == [(1, "manual"), (2, "ocr")]
    assert _ocr_tasks(app) == [("selesai", 1, None)]
    with app.app_context():
        row = ocr.result_for(scan_sha)
        assert row.done and row.archived
        derived = row.derived_sha256
        record = db.session.get(ArchiveRecord, record_id)
        assert record.current_number == 2
        v1, v2 = record.versions
        assert v1.berkas_sha256 == first_berkas  # the first berkas stays as it was
        # the new version keeps the same scan and a JSON of its own; the derived PDF/A is no
        # original (the OCR result registers it)
        assert [(f.kind, f.sha256) for f in v2.files][0] == ("pindaian", scan_sha)
        assert [f.kind for f in v2.files] == ["pindaian", "json"]
        assert v2.files[1].filename == f"rekaman-{record_id}-v2.json"
        assert derived not in {f.sha256 for f in v2.files}
        berkas = archive_store().read(v2.berkas_sha256)
        assert sha(berkas) == v2.berkas_sha256
        data = json.loads(archive_store().read(v2.files[1].sha256))
        assert sha(archive_store().read(scan_sha)) == scan_sha
        assert archive_store().read(scan_sha) == original  # the original, untouched
        event = db.session.execute(
            db.select(ArchiveEvent).where(
                ArchiveEvent.record_id == record_id, ArchiveEvent.kind == "versi"
            )
        ).scalar_one()
        assert event.extra["version"] == 2 and event.extra["reason"] == "ocr"
        assert event.extra["derived"] == [{"original": scan_sha, "sha256": derived}]
    # the record JSON of version 2 lists the derived file beside its original
    assert data["version"]["number"] == 2 and data["version"]["reason"] == "ocr"
    listed = {f["kind"]: f for f in data["files"]}
    assert listed["pindaian"]["sha256"] == scan_sha
    assert listed["turunan OCR"] == {
        "kind": "turunan OCR",
        "filename": "undangan.ocr.pdf",
        "sha256": derived,
        "size": len(archive_store_read(app, derived)),
        "mimetype": "application/pdf",
        "relationship": "Supplement",
        "original_sha256": scan_sha,
    }
    # the berkas: PDF/A-3, the scan as its source, the derived PDF/A as a supplement, the JSON
    with pikepdf.open(io.BytesIO(berkas)) as pdf:
        assert pdf.open_metadata()["pdfaid:part"] == "3"
        embedded = {
            name: (spec.get_file().read_bytes(), str(spec.obj.AFRelationship))
            for name, spec in pdf.attachments.items()
        }
        af = {str(spec.AFRelationship) for spec in pdf.Root.AF}
    assert set(embedded) == {scan.filename, "undangan.ocr.pdf", f"rekaman-{record_id}-v2.json"}
    assert embedded[scan.filename] == (original, "/Source")
    data_bytes, relationship = embedded["undangan.ocr.pdf"]
    assert relationship == "/Supplement" and sha(data_bytes) == derived
    with pikepdf.open(io.BytesIO(data_bytes)) as inner:
        assert inner.open_metadata()["pdfaid:part"] == "2"
    assert af == {"/Source", "/Supplement", "/Data"}
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(berkas)).pages)
    flat = text.replace("\n", "")
    assert derived in flat and scan_sha in flat
    assert "2 — turunan OCR ditambahkan" in text and "Pelengkap" in text

    # the record page lists both versions, the new one with its reason, and its history
    page = arsip.get(f"/arsip/{record_id}").get_data(as_text=True)
    assert "Versi 2 — turunan OCR ditambahkan" in page and "Versi 1 — pendaftaran manual" in page
    assert "versi 2 (turunan OCR ditambahkan)" in page and "Dibuat otomatis setelah OCR" in page
    with arsip.get(f"/arsip/{record_id}/versi/2/berkas.pdf") as r:
        assert r.status_code == 200 and r.data == berkas

    # OCR again: a task queued again, then the whole archive read again, add no version
    with app.app_context():
        ocr_work.queue_archived(scan_sha, scan.mimetype)
        db.session.commit()
    assert queue.run_burst(app)["selesai"] >= 1
    result = runner.invoke(args=["archive", "ocr", "--all", "--quiet"])
    assert result.exit_code == 0 and "1 dibaca OCR" in result.output, result.output
    result = runner.invoke(args=["archive", "ocr", "--quiet"])
    assert result.exit_code == 0 and "0 dibaca OCR" in result.output, result.output
    assert _versions(app, record_id) == [(1, "manual"), (2, "ocr")]
    with app.app_context():
        assert ocr.result_for(scan_sha).derived_sha256 == derived  # the same reading
        assert archive_store().exists(derived)
    _verify(runner)

    # the export carries both berkas and the derived file, and passes the schema an import
    # checks; an empty instance imports it whole
    out = tmp_path / "ekspor.zip"
    result = runner.invoke(args=["archive", "export", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as z:
        [name] = [n for n in z.namelist() if n.endswith("/arsip.json")]
        exported = json.loads(z.read(name))
        assert schema_problems(exported) == []
        assert [(v["number"], v["reason"]) for v in exported["versions"]] == [
            (1, "manual"),
            (2, "ocr"),
        ]
        v2 = exported["versions"][1]
        [path] = [n for n in z.namelist() if n.endswith(v2["berkas"]["path"])]
        assert z.read(path) == berkas
        [item] = exported["ocr"]
        assert (item["original_sha256"], item["sha256"]) == (scan_sha, derived)
    other = imported_elsewhere(app, app_factory, migrated_db, tmp_path, out)
    with other.app_context():
        imported = db.session.execute(
            db.select(
                ArchiveVersion.number, ArchiveVersion.reason, ArchiveVersion.berkas_sha256
            ).order_by(ArchiveVersion.number)
        ).all()
        assert [tuple(v)[:2] for v in imported] == [(1, "manual"), (2, "ocr")]
        assert imported[1][2] == sha(berkas)
    _verify(other.test_cli_runner())


def archive_store_read(app, sha256):
    with app.app_context():
        return archive_store().read(sha256)


def test_a_failed_ocr_adds_no_version_and_a_later_reading_does(
    app, login, runner, monkeypatch, tmp_path
):
    scan = fax_page()
    record_id = _register(app, login("arsiparis"), scan)
    scan_sha, _ = _scan_of(app, record_id)
    # Tesseract without its language data: the recognition fails, for real
    empty = tmp_path / "tessdata"
    empty.mkdir()
    monkeypatch.setenv("TESSDATA_PREFIX", str(empty))
    counts = queue.run_burst(app)
    assert counts["gagal"] == 0  # the failure is recorded on the scan, not retried
    with app.app_context():
        row = ocr.result_for(scan_sha)
        assert row.status == "gagal" and row.note.startswith("Tesseract berhenti dengan galat")
        assert row.derived_sha256 is None
    assert _versions(app, record_id) == [(1, "manual")]
    _verify(runner)
    # read again once Tesseract has its model: the version follows
    monkeypatch.delenv("TESSDATA_PREFIX")
    result = runner.invoke(args=["archive", "ocr", "--quiet"])
    assert result.exit_code == 0 and "1 dibaca OCR" in result.output, result.output
    assert _versions(app, record_id) == [(1, "manual"), (2, "ocr")]
    _verify(runner)


def _users(app):
    with app.app_context():
        return {u.username: u.id for u in db.session.execute(db.select(User)).scalars()}


def _destroy(app, record_id, cut_short=False):
    """Destroy a record on an approved usul musnah (its retention has run out). With
    ``cut_short`` the process stops after the decision is committed, before any file goes."""
    ids = _users(app)
    with app.test_request_context():
        users = {name: db.session.get(User, i) for name, i in ids.items()}
        d = disposals.create_list("musnah", users["arsiparis"], [record_id])
        disposals.submit(d, users["arsiparis"])
        disposals.decide(d, users["penanggungjawab"], True)
        if cut_short:
            disposals._destroy(d, users["arsiparis"], d.version)
        else:
            disposals.execute(d, users["arsiparis"], version=d.version)
        assert db.session.get(ArchiveRecord, record_id).destroyed
        return d.id


def test_destruction_cancels_the_waiting_ocr_of_its_scans(app, login, runner):
    record_id = _register(app, login("arsiparis"), fax_page(), code="HM.02.04")
    scan_sha, _ = _scan_of(app, record_id)
    assert _ocr_tasks(app) == [("menunggu", 0, None)]
    _destroy(app, record_id)
    assert _ocr_tasks(app) == [("dibatalkan", 0, ocr_work.GONE)]
    counts = queue.run_burst(app)  # (the index's drain runs)
    assert counts["gagal"] == counts["menunggu"] == 0 and "dibatalkan" not in counts
    assert _ocr_tasks(app) == [("dibatalkan", 0, ocr_work.GONE)]  # never run
    with app.app_context():
        assert ocr.result_for(scan_sha) is None and ocr_work.failures() == []
        assert not archive_store().exists(scan_sha)
    assert _versions(app, record_id) == [(1, "manual")]
    # the admin sees the task cancelled, with its reason, and nothing to retry
    page = login("admin").get("/intranet/admin/tugas").get_data(as_text=True)
    assert "Tidak ada tugas yang gagal." in page
    cancelled = page[page.index("Dibatalkan baru-baru ini") :]
    assert "OCR pindaian arsip" in cancelled and ocr_work.GONE in cancelled
    # nothing is left to read: archive ocr does not try the destroyed scan
    result = runner.invoke(args=["archive", "ocr", "--quiet"])
    assert result.exit_code == 0 and "0 dibaca OCR, 0 sudah berteks, 0 gagal" in result.output
    _verify(runner)


def test_an_ocr_task_whose_scan_was_destroyed_meanwhile_ends_quietly(app, login, runner):
    """The task was running when the record was destroyed (a cancellation leaves a running
    task be), and its worker died: run again, it finds the original gone."""
    record_id = _register(app, login("arsiparis"), fax_page(), code="HM.02.04")
    scan_sha, _ = _scan_of(app, record_id)
    with app.app_context():
        now = queue.utcnow()
        db.session.execute(
            db.update(queue.BackgroundTask)
            .where(queue.BackgroundTask.name == ocr_work.ARCHIVE_TASK)
            .values(
                state="berjalan",
                attempts=1,
                worker="host-lain 4242 boot-lain",
                lease_until=now - queue.timedelta(seconds=1),
            )
        )
        db.session.commit()
    _destroy(app, record_id)
    assert _ocr_tasks(app) == [("berjalan", 1, None)]  # not cancelled: it is running
    counts = queue.run_burst(app)  # its lease lapsed: run again, it ends as cancelled
    assert counts["dibatalkan"] == 1 and counts["gagal"] == counts["menunggu"] == 0
    assert _ocr_tasks(app) == [("dibatalkan", 2, ocr_work.GONE)]
    assert "dibatalkan" not in queue.run_burst(app)  # not retried
    assert _ocr_tasks(app) == [("dibatalkan", 2, ocr_work.GONE)]
    with app.app_context():
        assert ocr.result_for(scan_sha) is None and ocr_work.failures() == []
    assert _versions(app, record_id) == [(1, "manual")]
    _verify(runner)


def test_a_scan_kept_by_another_record_is_still_read_for_that_record_only(app, login, runner):
    scan = fax_page()
    arsip = login("arsiparis")
    gone = _register(app, arsip, scan, title="Usul musnah", code="HM.02.04")
    kept = _register(app, arsip, scan, title="Arsip tetap")
    scan_sha, _ = _scan_of(app, gone)
    assert _scan_of(app, kept)[0] == scan_sha
    _destroy(app, gone)
    # the other record holds the scan: its OCR is not cancelled, and reads it
    assert [t[0] for t in _ocr_tasks(app)] == ["menunggu", "menunggu"]
    assert queue.run_burst(app)["gagal"] == 0
    assert _versions(app, kept) == [(1, "manual"), (2, "ocr")]
    assert _versions(app, gone) == [(1, "manual")]
    with app.app_context():
        assert ocr.result_for(scan_sha).archived and archive_store().exists(scan_sha)
    _verify(runner)


def test_a_derived_file_made_while_its_record_was_being_destroyed_goes_with_it(app, login, runner):
    """OCR that finished between the destruction's list of files and their removal: the
    derived PDF/A the list does not name is removed too, so no stray is left."""
    scan = fax_page()
    record_id = _register(app, login("arsiparis"), scan, code="HM.02.04")
    scan_sha, _ = _scan_of(app, record_id)
    disposal_id = _destroy(app, record_id, cut_short=True)
    with app.app_context():
        # the worker's reading, saved after the destruction had listed the record's files
        store = archive_store()
        result = ocr.ocr_stored(store, scan_sha, scan.mimetype, archived=True, lock=store.lock)
        derived = result.derived_sha256
        assert result.done and result.archived
        item = db.session.get(Disposal, disposal_id).items[0]
        assert derived not in {f["sha256"] for f in item.destroyed_files}
        assert archive_store().exists(derived)
    _verify(runner)  # finishes the destruction first
    with app.app_context():
        assert not archive_store().exists(derived) and not archive_store().exists(scan_sha)
        assert ocr.result_for(scan_sha) is None
