"""Penyusutan's operations: assembling a list, the Penanggung Jawab's decision on a
destruction, carrying a list out (transfer, destruction, handover), and legal holds.

A destruction is crash-safe: its state is committed first (the records marked destroyed, the
files to remove written down with their SHA-256), the files are removed after, and
``finish_destructions`` (run again by every destruction and by ``archive verify``) removes
whatever a run that died left behind. A file another record still holds is never removed.
"""

import hashlib
import json
import os

from flask_babel import gettext as _
from sqlalchemy.orm.attributes import flag_modified

from archive import berita_acara
from archive import export
from archive import indexing
from archive import ocr_work
from archive import retention
from archive.filing import add_event
from archive.filing import location_of
from archive.models import ArchiveFile
from archive.models import ArchiveRecord
from archive.models import ArchiveText
from archive.models import ArchiveVersion
from archive.models import FixityRun
from archive.ocr_models import OcrResult
from archive.retention_models import DISPOSAL_KINDS
from archive.retention_models import Disposal
from archive.retention_models import DisposalItem
from archive.retention_models import LegalHold
from archive.store import archive_store
from archive.writing import archiving
from intranet import clock
from intranet import permissions
from intranet.extensions import db
from intranet.storage import file_store
from intranet.transactions import ServiceError
from intranet.transactions import atomic
from intranet.transactions import check_version
from intranet.transactions import commit

#: The due list each kind of list takes its records from.
DUE_OF_LIST = {"pindah": "pemindahan", "musnah": "pemusnahan", "serah": "penyerahan"}
#: The stage a carried-out list leaves its records in.
STAGE_AFTER = {"pindah": "inaktif", "musnah": "dimusnahkan", "serah": "diserahkan"}
NOTE_LIMIT = 500


def _text(value, limit=NOTE_LIMIT):
    return " ".join((value or "").replace("\x00", "").split())[:limit] or None


def _record(record_id, user):
    record = db.session.get(ArchiveRecord, record_id) if 0 < record_id < 2**31 else None
    if record is None or not permissions.can_read_record(user, record):
        raise ServiceError(_("Arsip #%(id)s tidak dikenal.", id=record_id))
    return record


def _check_addable(disposal, record, user):
    """Refuse a record that may not go on ``disposal``, saying why."""
    nomor = record.nomor_arsip
    if record.stage not in retention.LIVE_STAGES:
        raise ServiceError(
            _(
                "Arsip %(nomor)s sudah %(stage)s.",
                nomor=nomor,
                stage=_("dimusnahkan") if record.destroyed else _("diserahkan"),
            )
        )
    if disposal.kind == "musnah" and retention.active_holds([record.id]):
        raise ServiceError(
            _(
                "Arsip %(nomor)s sedang ditahan (legal hold): tidak dapat diusulkan musnah.",
                nomor=nomor,
            )
        )
    if not retention.is_due(record, DUE_OF_LIST[disposal.kind]):
        raise ServiceError(
            _(
                "Arsip %(nomor)s belum jatuh tempo untuk %(what)s.",
                nomor=nomor,
                what=retention.DUE_LABELS[DUE_OF_LIST[disposal.kind]].lower(),
            )
        )
    other = retention.open_lists([record.id]).get(record.id)
    if other is not None:
        if other.id == disposal.id:
            raise ServiceError(_("Arsip %(nomor)s sudah ada dalam daftar ini.", nomor=nomor))
        raise ServiceError(
            _(
                "Arsip %(nomor)s sudah ada dalam daftar penyusutan #%(id)s.",
                nomor=nomor,
                id=other.id,
            )
        )


def _editable(disposal):
    if disposal.status != "disusun":
        raise ServiceError(_("Daftar ini sudah diajukan atau dilaksanakan; tidak dapat diubah."))


@atomic
def create_list(kind, user, record_ids, note=None):
    """Assemble a new list of ``kind`` (pindah, musnah, serah) from due records."""
    if kind not in DISPOSAL_KINDS:
        raise ServiceError(_("Jenis daftar penyusutan tidak dikenal."))
    if not record_ids:
        raise ServiceError(_("Pilih sedikitnya satu arsip untuk daftar ini."))
    disposal = Disposal(kind=kind, status="disusun", note=_text(note, 2000), created_by_id=user.id)
    db.session.add(disposal)
    for record_id in dict.fromkeys(record_ids):
        _add(disposal, _record(record_id, user), user)
    commit()
    return disposal


def _add(disposal, record, user, note=None):
    db.session.flush()  # the list's own items count for "already on a list"
    _check_addable(disposal, record, user)
    disposal.items.append(DisposalItem(record=record, note=_text(note)))
    add_event(record, "penyusutan", user.id, {"action": "masuk", "list": disposal.id})


@atomic
def add_records(disposal, user, record_ids, note=None, version=None):
    """Add records to a list still being assembled."""
    check_version(disposal, version)
    _editable(disposal)
    if not record_ids:
        raise ServiceError(_("Pilih sedikitnya satu arsip untuk daftar ini."))
    for record_id in dict.fromkeys(record_ids):
        _add(disposal, _record(record_id, user), user, note)
    _touch(disposal)
    commit()


def _touch(disposal):
    """The list changed: move its version on, so a form loaded before the change is stale."""
    flag_modified(disposal, "status")


def add_by_number(disposal, user, nomor, note=None, version=None):
    """Add one record, typed by its nomor arsip, to a list still being assembled."""
    nomor = _text(nomor, 80)
    record = (
        db.session.execute(
            db.select(ArchiveRecord).where(ArchiveRecord.nomor_arsip == nomor)
        ).scalar_one_or_none()
        if nomor
        else None
    )
    if record is None or not permissions.can_read_record(user, record):
        raise ServiceError(_("Nomor arsip %(nomor)s tidak dikenal.", nomor=nomor or "—"))
    add_records(disposal, user, [record.id], note, version)


@atomic
def remove_record(disposal, user, record_id, version=None):
    """Take a record off a list still being assembled."""
    check_version(disposal, version)
    _editable(disposal)
    item = next((i for i in disposal.items if i.record_id == record_id), None)
    if item is None:
        raise ServiceError(_("Arsip itu tidak ada dalam daftar ini."))
    disposal.items.remove(item)
    add_event(item.record, "penyusutan", user.id, {"action": "keluar", "list": disposal.id})
    _touch(disposal)
    commit()


def _held(disposal):
    """The records of a list under a legal hold now: refuse to go on with them."""
    holds = retention.active_holds([i.record_id for i in disposal.items])
    if holds:
        names = ", ".join(i.record.nomor_arsip for i in disposal.items if i.record_id in holds)
        raise ServiceError(
            _(
                "Arsip berikut sedang ditahan (legal hold) dan tidak boleh dimusnahkan: "
                "%(names)s. Keluarkan dari daftar atau cabut penahanannya lebih dahulu.",
                names=names,
            )
        )


@atomic
def submit(disposal, user, version=None):
    """Submit a destruction list (usul musnah) to the Penanggung Jawab."""
    check_version(disposal, version)
    if disposal.kind != "musnah":
        raise ServiceError(_("Hanya usul musnah yang diajukan untuk persetujuan."))
    _editable(disposal)
    if not disposal.items:
        raise ServiceError(_("Daftar usul musnah masih kosong."))
    _held(disposal)
    disposal.status = "diajukan"
    disposal.submitted_by_id, disposal.submitted_at = user.id, clock.utcnow()
    for item in disposal.items:
        add_event(item.record, "penyusutan", user.id, {"action": "diajukan", "list": disposal.id})
    commit()


def decide(disposal, user, approve, reason=None, version=None):
    """The Penanggung Jawab approves or refuses a submitted destruction list. Approval writes
    the berita acara pemusnahan with its daftar arsip usul musnah."""
    with archiving() as batch:
        return _decide(disposal, user, approve, reason, version, batch)


@atomic
def _decide(disposal, user, approve, reason, version, batch):
    check_version(disposal, version)
    if disposal.kind != "musnah" or disposal.status != "diajukan":
        raise ServiceError(_("Usul ini tidak sedang menunggu persetujuan."))
    if not permissions.has_role(user, *permissions.DISPOSAL_APPROVERS):
        raise ServiceError(_("Hanya Penanggung Jawab yang dapat memutuskan usul musnah."), 403)
    if permissions.proposed_by(user, disposal):
        raise ServiceError(
            _(
                "Anda menyusun atau mengajukan usul musnah ini; persetujuannya harus "
                "diberikan orang lain (Penanggung Jawab)."
            ),
            403,
        )
    reason = _text(reason, 2000)
    if not approve and not reason:
        raise ServiceError(_("Tuliskan alasan penolakan."))
    disposal.decided_by_id, disposal.decided_at = user.id, clock.utcnow()
    disposal.decision_note = reason
    if approve:
        _held(disposal)
        disposal.status = "disetujui"
        db.session.flush()
        _write_document(disposal, batch)
    else:
        disposal.status = "ditolak"
    for item in disposal.items:
        add_event(
            item.record,
            "penyusutan",
            user.id,
            {"action": disposal.status, "list": disposal.id},
            reason,
        )
    commit()


def execute(disposal, user, data=None, version=None):
    """Carry a list out: transfer its records, destroy them (once approved), or hand them
    over as a BagIt bag. Each writes its berita acara."""
    data = data or {}
    if disposal.kind == "musnah":
        _destroy(disposal, user, version)
        finish_destructions()
        return
    with archiving() as batch:
        if disposal.kind == "pindah":
            _transfer(disposal, user, data, version, batch)
        else:
            bag = export.export_path(f"penyerahan-{disposal.id}")
            try:
                _hand_over(disposal, user, version, batch, bag)
            except BaseException:
                if bag.exists():
                    os.unlink(bag)
                raise


def _executable(disposal, user, version):
    check_version(disposal, version)
    if disposal.status == "dilaksanakan":
        raise ServiceError(_("Daftar ini sudah dilaksanakan."))
    if disposal.kind == "musnah" and disposal.status != "disetujui":
        raise ServiceError(_("Usul musnah ini belum disetujui Penanggung Jawab."))
    if disposal.kind != "musnah" and disposal.status != "disusun":
        raise ServiceError(_("Daftar ini tidak dapat dilaksanakan."))
    if not disposal.items:
        raise ServiceError(_("Daftar ini masih kosong."))
    for item in disposal.items:
        if item.record.stage not in retention.LIVE_STAGES:
            raise ServiceError(
                _("Arsip %(nomor)s sudah tidak dapat disusutkan.", nomor=item.record.nomor_arsip)
            )
    disposal.status = "dilaksanakan"
    disposal.executed_by_id, disposal.executed_at = user.id, clock.utcnow()


def _files_of(record):
    """Every stored file of a record: its originals, each version's berkas, and the
    searchable PDF/A that OCR derived from an original."""
    files = {}
    for v in record.versions:
        files.setdefault(
            v.berkas_sha256,
            {"sha256": v.berkas_sha256, "name": f"berkas versi {v.number}", "size": v.berkas_size},
        )
        for f in v.files:
            files.setdefault(f.sha256, {"sha256": f.sha256, "name": f.filename, "size": f.size})
    names = {sha: f["name"] for sha, f in files.items()}
    derived = db.session.execute(
        db.select(OcrResult.sha256, OcrResult.derived_sha256, OcrResult.derived_size).where(
            OcrResult.sha256.in_(list(names)),
            OcrResult.archived.is_(True),
            OcrResult.derived_sha256.is_not(None),
        )
    )
    for original, sha, size in derived:
        name = f"PDF/A hasil OCR dari {names[original]}"
        files.setdefault(sha, {"sha256": sha, "name": name, "size": size or 0})
    return list(files.values())


@atomic
def _destroy(disposal, user, version):
    _executable(disposal, user, version)
    _held(disposal)
    now = clock.utcnow()
    destroyed = []
    approver = disposal.decided_by.full_name
    for item in disposal.items:
        record = item.record
        files = _files_of(record)
        item.destroyed = json.dumps(files, ensure_ascii=False)
        record.stage, record.stage_at = "dimusnahkan", now
        add_event(
            record,
            "penyusutan",
            user.id,
            {
                "action": "dimusnahkan",
                "list": disposal.id,
                "approved_by": approver,
                "berita_acara": disposal.document_sha256,
                "files": files,
            },
        )
        indexing.enqueue(record.id)
        destroyed += [{**f, "nomor_arsip": record.nomor_arsip} for f in files]
    # the OCR still waiting for an original no kept record holds would read a file about to go
    db.session.flush()
    ocr_work.cancel_queued(
        {f.sha256 for item in disposal.items for v in item.record.versions for f in v.files}
    )
    db.session.add(
        FixityRun(
            kind="pemusnahan",
            started_at=now.replace(microsecond=0),
            finished_at=now.replace(microsecond=0),
            files_checked=len(destroyed),
            bytes_checked=sum(f["size"] for f in destroyed),
            missing=0,
            changed=0,
            stray=0,
            trail_problems=0,
            cleaned=0,
            ok=True,
            report=json.dumps(
                {
                    "destroyed": destroyed,
                    "list": disposal.id,
                    "approved_by": approver,
                    "approved_at": clock.iso(disposal.decided_at),
                    "executed_by": user.full_name,
                    "berita_acara": disposal.document_sha256,
                },
                ensure_ascii=False,
            ),
        )
    )
    commit()


def live_files():
    """Every SHA-256 a record that is not destroyed, or a berita acara, still holds."""
    live = set(
        db.session.execute(
            db.select(ArchiveFile.sha256)
            .join(ArchiveVersion, ArchiveVersion.id == ArchiveFile.version_id)
            .join(ArchiveRecord, ArchiveRecord.id == ArchiveVersion.record_id)
            .where(ArchiveRecord.stage != "dimusnahkan")
        ).scalars()
    )
    live.update(
        db.session.execute(
            db.select(ArchiveVersion.berkas_sha256)
            .join(ArchiveRecord, ArchiveRecord.id == ArchiveVersion.record_id)
            .where(ArchiveRecord.stage != "dimusnahkan")
        ).scalars()
    )
    live.update(documents())
    live.update(
        db.session.execute(
            db.select(OcrResult.derived_sha256)
            .join(ArchiveFile, ArchiveFile.sha256 == OcrResult.sha256)
            .join(ArchiveVersion, ArchiveVersion.id == ArchiveFile.version_id)
            .join(ArchiveRecord, ArchiveRecord.id == ArchiveVersion.record_id)
            .where(
                ArchiveRecord.stage != "dimusnahkan",
                OcrResult.archived.is_(True),
                OcrResult.derived_sha256.is_not(None),
            )
        ).scalars()
    )
    return live


def _forget(gone, live, store):
    """What the archive derived from destroyed files goes with them: their extracted text,
    and their OCR (kept, without the archive's copy, while the working store still holds an
    upload of the same bytes). A derived PDF/A the destruction's list does not name (OCR
    finished while the destruction was being decided) is removed here; returns how many."""
    if not gone:
        return 0
    db.session.execute(db.delete(ArchiveText).where(ArchiveText.sha256.in_(gone)))
    working = file_store()
    removed = 0
    for row in db.session.execute(
        db.select(OcrResult).where(OcrResult.sha256.in_(gone), OcrResult.archived.is_(True))
    ).scalars():
        derived = row.derived_sha256
        if derived and derived not in live and store.exists(derived):
            store.delete(derived)
            removed += 1
        if working.exists(row.sha256):
            row.archived = False
        else:
            db.session.delete(row)
    return removed


def documents():
    """The berita acara of every list: sha256 -> a name for it."""
    rows = db.session.execute(
        db.select(Disposal.document_sha256, Disposal.id, Disposal.kind).where(
            Disposal.document_sha256.is_not(None)
        )
    )
    return {sha: f"berita acara daftar penyusutan #{i} ({kind})" for sha, i, kind in rows}


def finish_destructions():
    """Remove the files of every carried-out destruction not yet finished; return how many
    files were removed. Safe to run again at any time: a file still held elsewhere stays."""
    pending = (
        db.session.execute(
            db.select(Disposal).where(
                Disposal.kind == "musnah",
                Disposal.status == "dilaksanakan",
                Disposal.finished_at.is_(None),
            )
        )
        .scalars()
        .all()
    )
    removed = 0
    store = archive_store()
    for disposal in pending:
        with store.lock(timeout=600):
            live = live_files()
            gone = []
            for item in disposal.items:
                for f in item.destroyed_files:
                    if f["sha256"] in live:
                        continue
                    gone.append(f["sha256"])
                    if store.exists(f["sha256"]):
                        store.delete(f["sha256"])
                        removed += 1
            removed += _forget(gone, live, store)
            disposal.finished_at = clock.utcnow()
            commit()
    return removed


@atomic
def _transfer(disposal, user, data, version, batch):
    location = location_of(data)
    if not (location["room"] and location["cabinet"] and location["box"]):
        raise ServiceError(
            _("Tuliskan lokasi penyimpanan inaktif: ruang, lemari/rak dan boks tujuan.")
        )
    for value in location.values():
        if value and len(value) > 80:
            raise ServiceError(_("Isian lokasi terlalu panjang (paling banyak 80 karakter)."))
    _executable(disposal, user, version)
    for key, value in location.items():
        setattr(disposal, key, value)
    now = clock.utcnow()
    for item in disposal.items:
        record = item.record
        before = record.location
        for key, value in location.items():
            setattr(record, key, value)
        record.stage, record.stage_at = "inaktif", now
        add_event(
            record,
            "penyusutan",
            user.id,
            {
                "action": "dipindahkan",
                "list": disposal.id,
                "from": before,
                "to": record.location,
                "place": record.place,
            },
        )
        indexing.enqueue(record.id)
    db.session.flush()
    _write_document(disposal, batch)
    commit()


@atomic
def _hand_over(disposal, user, version, batch, bag_path):
    _executable(disposal, user, version)
    db.session.flush()
    document = _write_document(disposal, batch)
    db.session.flush()
    disposal_id, ids = disposal.id, [i.record_id for i in disposal.items]
    name = f"berita-acara-penyerahan-{disposal_id}.pdf"
    tmp = bag_path.with_suffix(".part")
    with open(tmp, "wb") as out:  # the export reads in chunks and lets go of every row
        export.export_bag(
            ids, out, f"penyerahan #{disposal_id}", extra=[(f"data/{name}", document)]
        )
    os.replace(tmp, bag_path)
    disposal = db.session.get(Disposal, disposal_id)
    disposal.bag_sha256, disposal.bag_size = _sha256_of(bag_path)
    now = clock.utcnow()
    for item in disposal.items:
        item.record.stage, item.record.stage_at = "diserahkan", now
        add_event(item.record, "penyusutan", user.id, {"action": "diserahkan", "list": disposal.id})
        indexing.enqueue(item.record_id)
    commit()


def _sha256_of(path):
    h, size = hashlib.sha256(), 0
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def bag_path(disposal):
    """The handover bag of a carried-out penyerahan (None if there is none)."""
    if disposal.kind != "serah" or not disposal.bag_sha256:
        return None
    path = export.export_path(f"penyerahan-{disposal.id}")
    return path if path.exists() else None


def _write_document(disposal, batch):
    data = berita_acara.render(disposal)
    disposal.document_sha256, disposal.document_size = batch.put_bytes(data)
    return data


# --- legal holds ---------------------------------------------------------------------------


@atomic
def place_hold(record, user, reason):
    """Place a legal hold on a record (e.g. "sengketa pemilu"): it cannot be destroyed."""
    reason = _text(reason)
    if not reason:
        raise ServiceError(_("Tuliskan alasan penahanan."))
    if record.stage not in retention.LIVE_STAGES:
        raise ServiceError(_("Arsip ini sudah tidak disimpan di sini; tidak dapat ditahan."))
    if retention.active_holds([record.id]):
        raise ServiceError(_("Arsip ini sudah ditahan."))
    hold = LegalHold(record=record, reason=reason, placed_by_id=user.id)
    db.session.add(hold)
    add_event(record, "tahan", user.id, {"action": "dipasang"}, reason)
    commit()
    return hold


@atomic
def lift_hold(hold, user, reason):
    """Lift a legal hold, with the reason and the person."""
    reason = _text(reason)
    if not reason:
        raise ServiceError(_("Tuliskan alasan pencabutan penahanan."))
    if hold.lifted_at is not None:
        raise ServiceError(_("Penahanan ini sudah dicabut."))
    hold.lift_reason, hold.lifted_by_id, hold.lifted_at = reason, user.id, clock.utcnow()
    add_event(hold.record, "tahan", user.id, {"action": "dicabut"}, reason)
    commit()
