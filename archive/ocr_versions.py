"""A paper record's berkas gains a version that embeds what OCR derived from its scans.

A paper record's berkas is made when it is registered, before the worker has read its scans.
When the OCR of an archived original ends with a derived searchable PDF/A, each paper record
holding that original in its newest version gets a new version (reason ``ocr``) unless that
version's berkas already carries every derived file of its scans: the same scans, a new
record JSON, and each scan's derived PDF/A embedded beside it (relationship Supplement) and
listed with its SHA-256. Each record is one archiving operation (files first, then one
commit; a failure leaves no file and no version behind), so running OCR again adds nothing.

A published article's berkas takes its sources' derived files when it is made; it is rendered
from the publication the host hands in, which the archive does not keep, so it gets no such
version. A destroyed or handed-over record gets nothing.
"""

import json

from archive import berkas
from archive import indexing
from archive import ocr
from archive.filing import add_event
from archive.models import ArchiveFile
from archive.models import ArchiveRecord
from archive.models import ArchiveVersion
from archive.writing import archiving
from intranet.extensions import db
from intranet.transactions import commit

REASON = "ocr"
#: Records still kept by the office (not destroyed, not handed over).
KEPT_STAGES = ("aktif", "inaktif")
#: Who the JSON of such a version says made it.
MADE_BY = "OCR otomatis (pekerja latar)"
NOTE = "Dibuat otomatis setelah OCR pindaian selesai: PDF/A hasil OCR disematkan di berkas."


def add_versions(sha256):
    """Give every paper record whose newest version holds the original ``sha256`` a version
    carrying its scans' derived PDF/A, where it lacks one; return ``[(record id, number)]``
    of the versions made (each committed)."""
    candidates = (
        db.session.execute(
            db.select(ArchiveRecord.id)
            .join(ArchiveVersion, ArchiveVersion.record_id == ArchiveRecord.id)
            .join(ArchiveFile, ArchiveFile.version_id == ArchiveVersion.id)
            .where(
                ArchiveFile.sha256 == sha256,
                ArchiveVersion.number == ArchiveRecord.current_number,
                ArchiveRecord.origin == "manual",
                ArchiveRecord.stage.in_(KEPT_STAGES),
            )
            .distinct()
            .order_by(ArchiveRecord.id)
        )
        .scalars()
        .all()
    )
    db.session.rollback()  # each record is read afresh under the archive lock
    made = []
    for record_id in candidates:
        with archiving() as batch:
            number = _add_version(record_id, batch)
        if number is not None:
            made.append((record_id, number))
    return made


def _add_version(record_id, batch):
    record = db.session.get(ArchiveRecord, record_id)
    if record is None or record.origin != "manual" or record.stage not in KEPT_STAGES:
        db.session.rollback()
        return None
    current = record.current
    derived = derived_files(current, batch.store)
    if not derived or {d["sha256"] for d in derived} <= carried(current, batch.store):
        db.session.rollback()
        return None
    number = current.number + 1
    originals = [_as_dict(f) for f in current.files if f.kind != "json"]
    sha, size = batch.put_bytes(
        berkas.paper_json(record, number, REASON, MADE_BY, originals + derived)
    )
    files = [*originals, berkas.paper_json_entry(record, number, sha, size)]
    pdf = berkas.render_paper(record, number, REASON, files + derived, batch.store)
    berkas_sha, berkas_size = batch.put_bytes(pdf)
    version = ArchiveVersion(
        record=record,
        number=number,
        reason=REASON,
        berkas_sha256=berkas_sha,
        berkas_size=berkas_size,
        created_by_id=record.created_by_id,
    )
    db.session.add(version)
    for i, f in enumerate(files):
        version.files.append(berkas.file_row(i, f))
    record.current_number = number
    add_event(
        record,
        "versi",
        record.created_by_id,
        {
            "version": number,
            "reason": REASON,
            "derived": [{"original": d["original_sha256"], "sha256": d["sha256"]} for d in derived],
        },
        NOTE,
    )
    indexing.enqueue(record.id)
    commit()
    return number


def derived_files(version, store):
    """The derived searchable PDF/A of each scan of ``version`` that the archive holds, as
    files of a berkas, in the order of the scans."""
    scans = [f for f in version.files if f.kind in ocr.SCAN_KINDS]
    results = ocr.results_for(f.sha256 for f in scans)
    out, seen = [], set()
    for f in scans:
        r = results.get(f.sha256)
        if r is None or not r.done or not r.archived or r.derived_sha256 in seen:
            continue
        if not store.exists(r.derived_sha256):  # named missing by the fixity check
            continue
        seen.add(r.derived_sha256)
        size = r.derived_size or store.path(r.derived_sha256).stat().st_size
        out.append(berkas.derived_entry(r, f.filename, f.access_class, size))
    return out


def carried(version, store):
    """The SHA-256 of each derived file the berkas of ``version`` embeds, as its record JSON
    lists them (a version made before OCR, such as a paper record's first, embeds none)."""
    if version.reason != REASON:
        return set()
    [data_file] = [f for f in version.files if f.kind == "json"]
    data = json.loads(store.read(data_file.sha256))
    return {f["sha256"] for f in data["files"] if f["kind"] == berkas.DERIVED_KIND}


def _as_dict(f):
    return {
        "kind": f.kind,
        "sha256": f.sha256,
        "size": f.size,
        "filename": f.filename,
        "mimetype": f.mimetype,
        "relationship": f.relationship,
        "description": f.description or "",
        "access_class": f.access_class,
    }
