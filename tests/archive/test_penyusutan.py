"""Penyusutan end to end: records made with a short retention, the office clock moved on,
listed as due, then transferred, destroyed on the Penanggung Jawab's approval, or handed over
as a BagIt bag; legal holds; bad inputs; the arsiparis's dashboard."""

import io
import json
import zipfile
from datetime import UTC
from datetime import date
from datetime import datetime

import bagit
import pytest
from pypdf import PdfReader

from archive import disposals
from archive import indexing
from archive import retention
from archive.models import ArchiveEvent
from archive.models import ArchiveRecord
from archive.models import ArchiveText
from archive.models import Classification
from archive.models import FixityRun
from archive.ocr_models import OcrResult
from archive.retention_models import Disposal
from archive.store import archive_store
from intranet import clock
from intranet import queue
from intranet.cli import load_demo
from intranet.extensions import db
from intranet.models import Membership
from intranet.models import TeamDecree
from intranet.models import User
from tests.conftest import PASSWORD
from tests.conftest import Auth
from tests.fixtures.files import image_bytes
from tests.fixtures.files import pdf_bytes
from tests.fixtures.scenarios import manual_record_form

#: The office clock at the start of each test: 2 March 2026, 10:00 in Cilacap.
START = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)


class OfficeClock:
    """The office clock, frozen at a moment the test moves (every ``intranet.clock`` helper
    reads it: today, the timestamps written, the SK Tim's validity)."""

    def __init__(self, monkeypatch, moment):
        self.moment = moment
        test = self
        real = clock.datetime

        class Moved(real):
            @classmethod
            def now(cls, tz=None):
                return test.moment.astimezone(tz) if tz else test.moment.replace(tzinfo=None)

        monkeypatch.setattr(clock, "datetime", Moved)

    def move_to(self, moment):
        assert moment >= self.moment  # time moves forward only
        self.moment = moment


@pytest.fixture
def office(app_factory, monkeypatch):
    """The app under a frozen office clock, the demo team's SK Tim in force for years."""
    moved = OfficeClock(monkeypatch, START)
    app = app_factory()
    with app.app_context():
        load_demo(PASSWORD)
        for decree in db.session.execute(db.select(TeamDecree)).scalars():
            decree.valid_until = date(2099, 12, 31)
        db.session.commit()
    return app, moved


def _client(app, username):
    c = app.test_client()
    r = Auth(c).login(username)
    assert r.status_code == 302, r.get_data(as_text=True)[-500:]
    return c


def _classification(app, code):
    with app.app_context():
        return db.session.execute(
            db.select(Classification.id).where(Classification.code == code)
        ).scalar_one()


def _register(
    app,
    code="HM.02.04",
    date_to="2025-05-03",
    title="Undangan rapat koordinasi",
    status="disimpan",
    extra_scans=(),
):
    """An older paper record registered by the arsiparis, with a PDF and a JPEG scan."""
    arsip = _client(app, "arsiparis")
    data = manual_record_form(
        title=title,
        classification_id=str(_classification(app, code)),
        date_from=min("2025-05-01", date_to),
        date_to=date_to,
        hardcopy_status=status,
        room="Ruang Arsip",
        cabinet="Rak 2",
        box="2025-A",
        folder="7",
        scans=[
            (io.BytesIO(pdf_bytes(f"Pindaian {title}")), "pindaian.pdf"),
            (io.BytesIO(image_bytes("JPEG")), "halaman-1.jpg"),
            *extra_scans,
        ],
    )
    r = arsip.post("/arsip/baru", data=data, content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)[-1500:]
    with app.app_context():
        return db.session.execute(
            db.select(ArchiveRecord.id).where(ArchiveRecord.title == title)
        ).scalar_one()


def _files(app, record_id):
    """Every stored SHA-256 of a record (originals and berkas)."""
    with app.app_context():
        record = db.session.get(ArchiveRecord, record_id)
        return {f["sha256"] for f in disposals._files_of(record)}


def _flashes(client, response):
    """The page a redirect leads to (where the flashed messages show)."""
    assert response.status_code == 302, response.get_data(as_text=True)[-800:]
    return client.get(response.headers["Location"]).get_data(as_text=True)


def _new_list(client, kind, ids, note=""):
    return client.post(
        "/arsip/penyusutan/daftar", data={"kind": kind, "ids": [str(i) for i in ids], "note": note}
    )


def _list_id(app):
    with app.app_context():
        return db.session.execute(db.select(db.func.max(Disposal.id))).scalar_one()


def _version(app, disposal_id):
    with app.app_context():
        return db.session.get(Disposal, disposal_id).version


def _status(app, disposal_id):
    with app.app_context():
        return db.session.get(Disposal, disposal_id).status


def _text(pdf):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _due_ids(app, kind):
    with app.app_context():
        return [row.record.id for row in retention.due(kind)]


# --- the due lists ---------------------------------------------------------------------------


def test_due_lists_follow_the_retention_and_the_office_calendar(office):
    app, moved = office
    rid = _register(app)  # HM.02.04: active 1 year, inactive 2, then musnah; ends 2025
    assert _due_ids(app, "pemindahan") == [] and _due_ids(app, "pemusnahan") == []
    moved.move_to(datetime(2026, 12, 31, 16, 59, tzinfo=UTC))  # 23:59 in Cilacap
    assert _due_ids(app, "pemindahan") == []
    moved.move_to(datetime(2026, 12, 31, 17, 0, tzinfo=UTC))  # 1 January 2027 in Cilacap
    assert _due_ids(app, "pemindahan") == [rid]
    assert _due_ids(app, "pemusnahan") == []
    moved.move_to(datetime(2029, 1, 2, 3, 0, tzinfo=UTC))
    assert _due_ids(app, "pemusnahan") == [rid]
    assert _due_ids(app, "penyerahan") == [] and _due_ids(app, "penilaian") == []
    with app.app_context():
        assert retention.due("pemusnahan", classification="HM.02")[0].record.id == rid
        assert retention.due("pemusnahan", classification="HM.03") == []
        assert retention.due("pemusnahan", location="Rak 2")[0].record.id == rid
        assert retention.due("pemusnahan", location="Rak 9") == []
        assert retention.due("pemusnahan", date(2028, 12, 31)) == []

    arsip = _client(app, "arsiparis")
    page = arsip.get("/arsip/penyusutan/?jenis=pemusnahan")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "HM.02.04/0001/3301/2025" in html and "Pemusnahan (1)" in html
    page = arsip.get("/arsip/penyusutan/?jenis=pemusnahan&per=2028-06-30")
    assert "HM.02.04/0001/3301/2025" not in page.get_data(as_text=True)
    bad = arsip.get("/arsip/penyusutan/?per=2029-02-30")
    assert bad.status_code == 400 and "tidak valid" in bad.get_data(as_text=True)

    runner = app.test_cli_runner()
    out = runner.invoke(args=["archive", "retention", "due", "--kind", "pemusnahan"])
    assert out.exit_code == 0, out.output
    assert "Pemusnahan: 1 arsip" in out.output and "HM.02.04/0001/3301/2025" in out.output
    out = runner.invoke(
        args=["archive", "retention", "due", "--as-of", "2027-06-01", "--kind", "pemusnahan"]
    )
    assert "Pemusnahan: 0 arsip" in out.output
    out = runner.invoke(args=["archive", "retention", "due", "--as-of", "kemarin"])
    assert out.exit_code == 2 and "tanggal tidak valid" in out.output
    out = runner.invoke(args=["archive", "retention", "due", "--as-of", "2028-01-01"])
    for label in retention.DUE_LABELS.values():
        assert str(label) in out.output


# --- destruction -----------------------------------------------------------------------------


def test_destruction_end_to_end(office, tmp_path):
    app, moved = office
    page = (io.BytesIO(image_bytes("PNG", size=(90, 60))), "halaman-2.png")
    rid = _register(app, extra_scans=[page])
    keep = _register(app, code="HM.02.01", title="Rilis pers pleno")  # not due: untouched
    queue.run_burst(app)  # the worker reads the scans (OCR) and indexes the records
    with app.app_context():
        record = db.session.get(ArchiveRecord, rid)
        [png] = [f.sha256 for f in record.current.files if f.filename == "halaman-2.png"]
        ocr_row = db.session.execute(db.select(OcrResult).where(OcrResult.sha256 == png))
        derived = ocr_row.scalar_one().derived_sha256
        assert derived and archive_store().exists(derived)
        extracted = set(db.session.execute(db.select(ArchiveText.sha256)).scalars())
    files = _files(app, rid)
    # three scans, the JSON, the berkas, and the PDF/A that OCR derived from the PNG
    assert len(files) >= 6 and derived in files
    # the same JPEG was scanned into the other record: it (and its OCR) stay for its sake
    shared = files & _files(app, keep)
    assert len(shared) in (1, 2) and png not in shared
    moved.move_to(datetime(2029, 1, 2, 3, 0, tzinfo=UTC))
    arsip = _client(app, "arsiparis")
    html = _flashes(arsip, _new_list(arsip, "musnah", [rid], "Usul musnah 2029"))
    lid = _list_id(app)
    assert f"Daftar penyusutan #{lid} disusun." in html
    html = _flashes(
        arsip,
        arsip.post(f"/arsip/penyusutan/daftar/{lid}/ajukan", data={"version": _version(app, lid)}),
    )
    assert "Usul musnah diajukan" in html and _status(app, lid) == "diajukan"

    # the arsiparis who proposed it may not decide it; nor destroy it before the approval
    assert arsip.post(f"/arsip/penyusutan/daftar/{lid}/putuskan", data={}).status_code == 403
    html = _flashes(arsip, arsip.post(f"/arsip/penyusutan/daftar/{lid}/laksanakan", data={}))
    assert "belum disetujui Penanggung Jawab" in html
    assert all(archive_store_has(app, sha) for sha in files)

    pj = _client(app, "penanggungjawab")
    page = pj.get(f"/arsip/penyusutan/daftar/{lid}").get_data(as_text=True)
    assert "Keputusan Penanggung Jawab" in page
    html = _flashes(
        pj,
        pj.post(
            f"/arsip/penyusutan/daftar/{lid}/putuskan",
            data={"decision": "setuju", "reason": "", "version": _version(app, lid)},
        ),
    )
    assert "Keputusan atas usul musnah tersimpan." in html and _status(app, lid) == "disetujui"
    # approving twice: the list no longer waits for a decision
    html = _flashes(
        pj,
        pj.post(
            f"/arsip/penyusutan/daftar/{lid}/putuskan",
            data={"decision": "setuju", "version": _version(app, lid)},
        ),
    )
    assert "tidak sedang menunggu persetujuan" in html

    ba = pj.get(f"/arsip/penyusutan/daftar/{lid}/berita-acara.pdf")
    assert ba.status_code == 200 and ba.data.startswith(b"%PDF")
    (tmp_path / "ba-pemusnahan.pdf").write_bytes(ba.data)
    text = _text(ba.data)
    assert "BERITA ACARA PEMUSNAHAN ARSIP" in text
    assert "2 Januari 2029" in text and "Selasa" in text
    assert "DAFTAR ARSIP USUL MUSNAH" in text and "HM.02.04/0001/3301/2025" in text
    with app.app_context():
        names = {u.username: u for u in db.session.execute(db.select(User)).scalars()}
        assert names["penanggungjawab"].full_name in text
        assert names["arsiparis"].full_name in text
        assert f"BA-PMS/{lid:04d}/3301/2029" in text
    assert all(archive_store_has(app, sha) for sha in files)  # approval destroys nothing

    html = _flashes(
        arsip,
        arsip.post(
            f"/arsip/penyusutan/daftar/{lid}/laksanakan", data={"version": _version(app, lid)}
        ),
    )
    assert "Daftar penyusutan dilaksanakan." in html
    assert not any(archive_store_has(app, sha) for sha in files - shared)
    assert all(archive_store_has(app, sha) for sha in _files(app, keep))
    with app.app_context():  # what was read from the destroyed files goes with them
        assert (
            db.session.execute(db.select(OcrResult).where(OcrResult.sha256 == png)).first() is None
        )
        left = set(db.session.execute(db.select(ArchiveText.sha256)).scalars())
        assert left == extracted - (files - shared) and png in extracted

    with app.app_context():
        record = db.session.get(ArchiveRecord, rid)
        assert (record.stage, record.title) == ("dimusnahkan", "Undangan rapat koordinasi")
        assert record.versions and record.versions[0].files  # the metadata and hashes stay
        d = db.session.get(Disposal, lid)
        assert d.finished_at is not None and archive_store().exists(d.document_sha256)
        [event] = [
            e
            for e in db.session.execute(
                db.select(ArchiveEvent).where(ArchiveEvent.record_id == rid)
            ).scalars()
            if e.extra.get("action") == "dimusnahkan"
        ]
        assert event.extra["approved_by"] == names["penanggungjawab"].full_name
        assert {f["sha256"] for f in event.extra["files"]} == files
        [log] = db.session.execute(
            db.select(FixityRun).where(FixityRun.kind == "pemusnahan")
        ).scalars()
        assert {f["sha256"] for f in log.details["destroyed"]} == files
        assert log.details["approved_by"] == names["penanggungjawab"].full_name

    # verify knows destroyed is not missing; the berita acara is checked like any file
    out = app.test_cli_runner().invoke(args=["archive", "verify", "--quiet"])
    assert out.exit_code == 0, out.output
    assert "OK:" in out.output and "hilang 0" in out.output

    # the record page says so; its files answer 410 with a page that says why
    page = arsip.get(f"/arsip/{rid}").get_data(as_text=True)
    assert "dimusnahkan" in page and f"/arsip/penyusutan/daftar/{lid}/berita-acara.pdf" in page
    with app.app_context():
        file_id = db.session.get(ArchiveRecord, rid).versions[0].files[0].id
    gone = arsip.get(f"/arsip/{rid}/berkas/{file_id}")
    assert gone.status_code == 410 and "Berkas sudah dimusnahkan" in gone.get_data(as_text=True)
    assert arsip.get(f"/arsip/{rid}/versi/1/berkas.pdf").status_code == 410

    # search still finds the metadata, and says it was destroyed
    with app.app_context():
        indexing.drain(timeout=30)
        assert indexing.set_aside() == []
    found = arsip.get("/arsip/cari?q=undangan").get_data(as_text=True)
    assert "HM.02.04/0001/3301/2025" in found and "dimusnahkan" in found
    found = arsip.get("/arsip/cari?q=dimusnahkan").get_data(as_text=True)
    assert "HM.02.04/0001/3301/2025" in found and "Rilis pers pleno" not in found


def archive_store_has(app, sha):
    with app.app_context():
        return archive_store().exists(sha)


def test_a_destruction_cut_short_is_finished_by_a_rerun(office):
    app, moved = office
    rid = _register(app)
    files = _files(app, rid)
    moved.move_to(datetime(2029, 1, 2, 3, 0, tzinfo=UTC))
    with app.test_request_context():
        users = {u.username: u for u in db.session.execute(db.select(User)).scalars()}
        d = disposals.create_list("musnah", users["arsiparis"], [rid])
        disposals.submit(d, users["arsiparis"])
        disposals.decide(d, users["penanggungjawab"], True)
        # the state is committed first; the process dies before it removes a file
        disposals._destroy(d, users["arsiparis"], d.version)
        assert db.session.get(ArchiveRecord, rid).destroyed
        assert all(archive_store().exists(sha) for sha in files)
        assert d.finished_at is None
    out = app.test_cli_runner().invoke(args=["archive", "verify", "--quiet"])
    assert out.exit_code == 0, out.output  # the re-run finishes it: no strays, none missing
    assert not any(archive_store_has(app, sha) for sha in files)
    with app.app_context():
        assert db.session.get(Disposal, d.id).finished_at is not None
    out = app.test_cli_runner().invoke(args=["archive", "retention", "finish"])
    assert "0 berkas" in out.output


def test_the_proposer_cannot_approve_their_own_proposal(office):
    app, moved = office
    rid = _register(app)
    moved.move_to(datetime(2029, 1, 2, 3, 0, tzinfo=UTC))
    with app.app_context():  # the Penanggung Jawab also keeps the archive under the SK Tim
        pj = db.session.execute(db.select(User).where(User.username == "penanggungjawab"))
        pj = pj.scalar_one()
        decree = db.session.execute(db.select(TeamDecree)).scalars().first()
        db.session.add(Membership(user_id=pj.id, decree_id=decree.id, role="arsiparis"))
        db.session.commit()
    both = _client(app, "penanggungjawab")
    _flashes(both, _new_list(both, "musnah", [rid]))
    lid = _list_id(app)
    _flashes(
        both,
        both.post(f"/arsip/penyusutan/daftar/{lid}/ajukan", data={"version": _version(app, lid)}),
    )
    page = both.get(f"/arsip/penyusutan/daftar/{lid}").get_data(as_text=True)
    assert "keputusannya diberikan Penanggung Jawab yang lain" in page
    html = _flashes(
        both,
        both.post(
            f"/arsip/penyusutan/daftar/{lid}/putuskan",
            data={"decision": "setuju", "version": _version(app, lid)},
        ),
    )
    assert "persetujuannya harus diberikan orang lain" in html
    assert _status(app, lid) == "diajukan"
    with app.test_request_context():
        arsiparis = db.session.execute(
            db.select(User).where(User.username == "arsiparis")
        ).scalar_one()
        d = db.session.get(Disposal, lid)
        with pytest.raises(disposals.ServiceError, match="Hanya Penanggung Jawab"):
            disposals.decide(d, arsiparis, True)
    assert _status(app, lid) == "diajukan"


def test_a_refused_proposal_destroys_nothing(office):
    app, moved = office
    rid = _register(app)
    files = _files(app, rid)
    moved.move_to(datetime(2029, 1, 2, 3, 0, tzinfo=UTC))
    arsip, pj = _client(app, "arsiparis"), _client(app, "penanggungjawab")
    _flashes(arsip, _new_list(arsip, "musnah", [rid]))
    lid = _list_id(app)
    arsip.post(f"/arsip/penyusutan/daftar/{lid}/ajukan", data={"version": _version(app, lid)})
    url = f"/arsip/penyusutan/daftar/{lid}/putuskan"
    html = _flashes(pj, pj.post(url, data={"decision": "tolak", "version": _version(app, lid)}))
    assert "Tuliskan alasan penolakan." in html and _status(app, lid) == "diajukan"
    html = _flashes(
        pj,
        pj.post(
            url,
            data={
                "decision": "tolak",
                "reason": "Masih dipakai untuk laporan tahunan.",
                "version": _version(app, lid),
            },
        ),
    )
    assert _status(app, lid) == "ditolak"
    html = _flashes(arsip, arsip.post(f"/arsip/penyusutan/daftar/{lid}/laksanakan", data={}))
    assert "belum disetujui" in html
    assert all(archive_store_has(app, sha) for sha in files)
    with app.app_context():
        d = db.session.get(Disposal, lid)
        assert d.document_sha256 is None and d.decision_note.startswith("Masih dipakai")
        assert db.session.get(ArchiveRecord, rid).stage == "aktif"
    # the record is free for a new list
    _flashes(arsip, _new_list(arsip, "musnah", [rid]))
    assert _list_id(app) == lid + 1


# --- legal holds -------------------------------------------------------------------------------


def test_a_legal_hold_blocks_destruction_until_lifted(office):
    app, moved = office
    rid = _register(app)
    files = _files(app, rid)
    moved.move_to(datetime(2029, 1, 2, 3, 0, tzinfo=UTC))
    arsip, pj = _client(app, "arsiparis"), _client(app, "penanggungjawab")
    html = _flashes(arsip, arsip.post(f"/arsip/penyusutan/arsip/{rid}/tahan", data={"reason": ""}))
    assert "Alasan penahanan" in html
    html = _flashes(
        arsip,
        arsip.post(f"/arsip/penyusutan/arsip/{rid}/tahan", data={"reason": "sengketa pemilu"}),
    )
    assert "Arsip ditahan" in html
    page = arsip.get(f"/arsip/{rid}").get_data(as_text=True)
    assert "sengketa pemilu" in page and "tidak dapat dimusnahkan sampai penahanan dicabut" in page
    due = arsip.get("/arsip/penyusutan/?jenis=pemusnahan").get_data(as_text=True)
    assert "HM.02.04/0001/3301/2025" in due and "ditahan" in due  # shown, not tickable
    assert f'name="ids" value="{rid}"' not in due
    html = _flashes(arsip, _new_list(arsip, "musnah", [rid]))
    assert "sedang ditahan (legal hold)" in html
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Disposal.id))).scalar_one() == 0
        [hold] = retention.holds_of(db.session.get(ArchiveRecord, rid))

    # lifted, proposed and approved; held again before the destruction: nothing destroyed
    html = _flashes(pj, pj.post(f"/arsip/penyusutan/tahan/{hold.id}/cabut", data={"reason": ""}))
    assert "Alasan pencabutan" in html
    _flashes(
        pj, pj.post(f"/arsip/penyusutan/tahan/{hold.id}/cabut", data={"reason": "Perkara selesai"})
    )
    _flashes(arsip, _new_list(arsip, "musnah", [rid]))
    lid = _list_id(app)
    arsip.post(f"/arsip/penyusutan/daftar/{lid}/ajukan", data={"version": _version(app, lid)})
    pj.post(
        f"/arsip/penyusutan/daftar/{lid}/putuskan",
        data={"decision": "setuju", "version": _version(app, lid)},
    )
    assert _status(app, lid) == "disetujui"
    _flashes(pj, pj.post(f"/arsip/penyusutan/arsip/{rid}/tahan", data={"reason": "gugatan PTUN"}))
    html = _flashes(
        arsip,
        arsip.post(
            f"/arsip/penyusutan/daftar/{lid}/laksanakan", data={"version": _version(app, lid)}
        ),
    )
    assert "tidak boleh dimusnahkan: HM.02.04/0001/3301/2025" in html
    assert all(archive_store_has(app, sha) for sha in files)
    assert _status(app, lid) == "disetujui"
    with app.app_context():
        assert db.session.get(ArchiveRecord, rid).stage == "aktif"
        holds = retention.holds_of(db.session.get(ArchiveRecord, rid))
        assert [h.reason for h in holds] == ["gugatan PTUN", "sengketa pemilu"]
        assert holds[1].lift_reason == "Perkara selesai"
        kinds = [
            (e.kind, e.extra.get("action"))
            for e in db.session.execute(
                db.select(ArchiveEvent).where(ArchiveEvent.record_id == rid)
            ).scalars()
        ]
        assert kinds.count(("tahan", "dipasang")) == 2 and ("tahan", "dicabut") in kinds
    # only the holder's lift opens the way again
    with app.app_context():
        current = retention.holds_of(db.session.get(ArchiveRecord, rid))[0].id
    _flashes(pj, pj.post(f"/arsip/penyusutan/tahan/{current}/cabut", data={"reason": "Dicabut"}))
    _flashes(
        arsip,
        arsip.post(
            f"/arsip/penyusutan/daftar/{lid}/laksanakan", data={"version": _version(app, lid)}
        ),
    )
    assert not any(archive_store_has(app, sha) for sha in files)


# --- bad inputs --------------------------------------------------------------------------------


def test_bad_inputs_change_nothing(office):
    app, moved = office
    rid = _register(app)
    other = _register(app, title="Surat edaran lama")
    not_due = _register(app, code="HM.02.01", title="Berita terbaru", date_to="2026-02-01")
    moved.move_to(datetime(2029, 1, 2, 3, 0, tzinfo=UTC))
    arsip = _client(app, "arsiparis")

    def count():
        with app.app_context():
            return db.session.execute(db.select(db.func.count(Disposal.id))).scalar_one()

    cases = [
        ({"kind": "musnah"}, "Pilih sedikitnya satu arsip"),  # empty list
        ({"kind": "musnah", "ids": [str(not_due)]}, "belum jatuh tempo"),  # record not due
        ({"kind": "pindah", "ids": [str(rid)]}, None),  # made below, then a second list
        ({"kind": "musnah", "ids": ["abc"]}, "Pilihan arsip tidak valid"),
        ({"kind": "musnah", "ids": ["²"]}, "Pilihan arsip tidak valid"),
        ({"kind": "musnah", "ids": ["99999"]}, "tidak dikenal"),
        ({"kind": "hapus", "ids": [str(rid)]}, "Jenis daftar"),
    ]
    for data, message in cases[:2]:
        html = _flashes(arsip, arsip.post("/arsip/penyusutan/daftar", data=data))
        assert message in html and count() == 0, data
    # a record already on another list (a transfer being assembled)
    _flashes(arsip, arsip.post("/arsip/penyusutan/daftar", data=cases[2][0]))
    moved_list = _list_id(app)
    html = _flashes(arsip, _new_list(arsip, "musnah", [rid]))
    assert f"sudah ada dalam daftar penyusutan #{moved_list}" in html and count() == 1
    for data, message in cases[3:]:
        html = _flashes(arsip, arsip.post("/arsip/penyusutan/daftar", data=data))
        assert message in html and count() == 1, data

    _flashes(arsip, _new_list(arsip, "musnah", [other]))
    lid = _list_id(app)
    url = f"/arsip/penyusutan/daftar/{lid}"
    stale = _version(app, lid)
    html = _flashes(
        arsip, arsip.post(f"{url}/tambah", data={"nomor": "TIDAK/ADA", "version": stale})
    )
    assert "Nomor arsip TIDAK/ADA tidak dikenal" in html
    html = _flashes(
        arsip,
        arsip.post(f"{url}/tambah", data={"nomor": "HM.02.04/0002/3301/2025", "version": stale}),
    )
    assert "sudah ada dalam daftar ini" in html
    html = _flashes(
        arsip, arsip.post(f"{url}/keluarkan", data={"record_id": rid, "version": stale})
    )
    assert "tidak ada dalam daftar ini" in html
    # a form loaded from an older version of the list is stale
    html = _flashes(arsip, arsip.post(f"{url}/ajukan", data={"version": stale - 1}))
    assert "sudah diubah orang lain" in html and _status(app, lid) == "disusun"
    # an empty list cannot be submitted
    html = _flashes(
        arsip, arsip.post(f"{url}/keluarkan", data={"record_id": other, "version": stale})
    )
    assert "dikeluarkan" in html
    html = _flashes(arsip, arsip.post(f"{url}/ajukan", data={"version": stale}))
    assert "sudah diubah orang lain" in html  # removing the record moved the version on
    html = _flashes(arsip, arsip.post(f"{url}/ajukan", data={"version": _version(app, lid)}))
    assert "masih kosong" in html and _status(app, lid) == "disusun"
    assert arsip.get("/arsip/penyusutan/daftar/99999").status_code == 404
    assert arsip.get(f"{url}/berita-acara.pdf").status_code == 404  # none written yet


# --- transfer and handover ---------------------------------------------------------------------


def test_transfer_records_the_inactive_location(office, tmp_path):
    app, moved = office
    rid = _register(app)
    moved.move_to(datetime(2027, 1, 4, 3, 0, tzinfo=UTC))
    arsip = _client(app, "arsiparis")
    _flashes(arsip, _new_list(arsip, "pindah", [rid]))
    lid = _list_id(app)
    url = f"/arsip/penyusutan/daftar/{lid}/laksanakan"
    html = _flashes(arsip, arsip.post(url, data={"room": "Gudang", "version": _version(app, lid)}))
    assert "Tuliskan lokasi penyimpanan inaktif" in html and _status(app, lid) == "disusun"
    html = _flashes(
        arsip,
        arsip.post(
            url,
            data={
                "room": "Gudang Arsip Inaktif",
                "cabinet": "Rak 5",
                "box": "INAKTIF-2027-01",
                "folder": "1",
                "version": _version(app, lid),
            },
        ),
    )
    assert "Daftar penyusutan dilaksanakan." in html
    with app.app_context():
        record = db.session.get(ArchiveRecord, rid)
        assert record.location == "Gudang Arsip Inaktif / Rak 5 / INAKTIF-2027-01 / 1"
        assert record.stage == "inaktif"
        [event] = [
            e
            for e in db.session.execute(
                db.select(ArchiveEvent).where(ArchiveEvent.record_id == rid)
            ).scalars()
            if e.extra.get("action") == "dipindahkan"
        ]
        assert event.extra["from"] == "Ruang Arsip / Rak 2 / 2025-A / 7"
    ba = arsip.get(f"/arsip/penyusutan/daftar/{lid}/berita-acara.pdf")
    (tmp_path / "ba-pemindahan.pdf").write_bytes(ba.data)
    text = _text(ba.data)
    assert "BERITA ACARA PEMINDAHAN ARSIP INAKTIF" in text and "4 Januari 2027" in text
    assert "Gudang Arsip Inaktif · Rak 5 · Boks INAKTIF-2027-01 · Folder 1" in text
    assert "HM.02.04/0001/3301/2025" in text
    # moved records are due no more for a transfer, and still for their destruction later
    assert _due_ids(app, "pemindahan") == []
    moved.move_to(datetime(2029, 1, 2, 3, 0, tzinfo=UTC))
    assert _due_ids(app, "pemusnahan") == [rid]
    out = app.test_cli_runner().invoke(args=["archive", "verify", "--quiet"])
    assert out.exit_code == 0, out.output


def test_handover_makes_a_bag_that_validates(office, tmp_path):
    app, moved = office
    # HM.02.03: active 2 years, inactive 3, then permanen; ends 2020, so due from 2026
    rid = _register(app, code="HM.02.03", title="Dokumentasi pleno 2019", date_to="2020-02-01")
    assert _due_ids(app, "penyerahan") == [rid]
    arsip = _client(app, "arsiparis")
    _flashes(arsip, _new_list(arsip, "serah", [rid]))
    lid = _list_id(app)
    html = _flashes(
        arsip,
        arsip.post(
            f"/arsip/penyusutan/daftar/{lid}/laksanakan", data={"version": _version(app, lid)}
        ),
    )
    assert "Daftar penyusutan dilaksanakan." in html
    zipped = arsip.get(f"/arsip/penyusutan/daftar/{lid}/penyerahan.zip")
    assert zipped.status_code == 200
    data = zipped.data
    zipped.close()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        z.extractall(tmp_path / "bag")
        names = z.namelist()
    [root] = {n.split("/")[0] for n in names}
    bag = bagit.Bag(str(tmp_path / "bag" / root))
    bag.validate()  # raises on any checksum or Oxum that does not match
    payload = tmp_path / "bag" / root / "data"
    ba = (payload / f"berita-acara-penyerahan-{lid}.pdf").read_bytes()
    (tmp_path / "ba-penyerahan.pdf").write_bytes(ba)
    text = _text(ba)
    assert "BERITA ACARA PENYERAHAN ARSIP STATIS" in text
    assert "DAFTAR ARSIP YANG DISERAHKAN" in text and "HM.02.03/0001/3301/2020" in text
    listing = (payload / "daftar-arsip.csv").read_text(encoding="utf-8-sig")
    assert "HM.02.03/0001/3301/2020" in listing
    [record_json] = list((payload / "arsip").glob("*/arsip.json"))
    assert json.loads(record_json.read_text())["record"]["title"] == "Dokumentasi pleno 2019"
    with app.app_context():
        record = db.session.get(ArchiveRecord, rid)
        assert record.stage == "diserahkan"
        assert db.session.get(Disposal, lid).bag_sha256
    assert _due_ids(app, "penyerahan") == []
    html = _flashes(arsip, _new_list(arsip, "serah", [rid]))
    assert "sudah diserahkan" in html


# --- the arsiparis's dashboard -------------------------------------------------------------------


def test_the_dashboard_shows_what_waits_on_the_arsiparis_and_the_pj(office):
    app, moved = office
    rid = _register(app)
    _register(app, title="Belum dicetak", status="belum_dicetak")
    moved.move_to(datetime(2029, 1, 2, 3, 0, tzinfo=UTC))
    arsip = _client(app, "arsiparis")
    page = arsip.get("/intranet/").get_data(as_text=True)
    assert "Arsip menunggu Anda" in page
    assert "/arsip/?status=belum_dicetak" in page and "Belum dicetak: 1 arsip" in page
    assert "Pemusnahan: 2 arsip" in page and "/arsip/penyusutan/?jenis=pemusnahan" in page
    _flashes(arsip, _new_list(arsip, "musnah", [rid]))
    lid = _list_id(app)
    arsip.post(f"/arsip/penyusutan/daftar/{lid}/ajukan", data={"version": _version(app, lid)})
    pj = _client(app, "penanggungjawab")
    page = pj.get("/intranet/").get_data(as_text=True)
    assert "Usul musnah menunggu keputusan Anda" in page
    assert f"/arsip/penyusutan/daftar/{lid}" in page
    assert "Usul musnah menunggu keputusan Anda" not in arsip.get("/intranet/").get_data(
        as_text=True
    )
    penulis = _client(app, "penulis")
    assert "Arsip menunggu Anda" not in penulis.get("/intranet/").get_data(as_text=True)
