"""When OCR runs: queued for each upload that may be a scan, for each archived scan, and
over the whole archive by ``archive ocr``; what the archive's records hold of it.

Two background tasks: ``ocr.file`` recognises an upload in the working file store (agenda
attachments, the files of an ``.eml``, SK scans), ``archive.ocr`` an original in the archive
(a paper record's scans, a source archived before its upload was recognised) and then
refreshes the search documents of the records holding it, and gives each paper record
holding it a version of its berkas that embeds the derived PDF/A (``ocr_versions``). Each
file is recognised once (by its SHA-256: a task for a file already read returns at once, so
the same file queued twice costs nothing); a failure is recorded with its reason and never
holds up another file. An archived original whose records were all destroyed (penyusutan)
is not read: its task ends as cancelled, and destruction cancels the tasks still waiting.
"""

from flask_babel import lazy_gettext as _l

from archive import indexing
from archive import ocr
from archive import ocr_versions
from archive.models import ArchiveFile
from archive.models import ArchiveRecord
from archive.models import ArchiveVersion
from archive.ocr_models import OcrResult
from archive.store import archive_store
from intranet import queue
from intranet.extensions import db
from intranet.storage import file_store

FILE_TASK = "ocr.file"
ARCHIVE_TASK = "archive.ocr"
#: Why the OCR of an archived original is not done (the admin's task list shows it).
GONE = "berkas asli sudah dimusnahkan (penyusutan); OCR tidak diperlukan lagi"


def queue_upload(sha256, mimetype):
    """Queue the OCR of an upload in the working store (in the caller's transaction)."""
    if ocr.is_candidate(mimetype):
        queue.enqueue(FILE_TASK, sha256=sha256, mimetype=mimetype)


def queue_archived(sha256, mimetype):
    """Queue the OCR of an archived original (in the caller's transaction)."""
    if ocr.is_candidate(mimetype):
        queue.enqueue(ARCHIVE_TASK, sha256=sha256, mimetype=mimetype)


@queue.task(FILE_TASK, retries=2, label=_l("OCR berkas unggahan"))
def ocr_upload(sha256, mimetype):
    """The worker's OCR of an upload (a failed recognition is recorded, not retried)."""
    ocr.ocr_stored(file_store(), sha256, mimetype)


@queue.task(ARCHIVE_TASK, retries=2, label=_l("OCR pindaian arsip"))
def ocr_archived(sha256, mimetype):
    """The worker's OCR of an archived original; its records' search documents and its
    paper records' berkas follow. Ends as cancelled when the original was destroyed."""
    if ocr_archive_file(sha256, mimetype) is None:
        raise queue.Cancelled(GONE)
    db.session.commit()


def ocr_archive_file(sha256, mimetype, force=False):
    """OCR one archived original into the archive (reusing an upload's derived PDF/A when
    the working store has it), give its paper records a berkas version embedding the
    derived PDF/A, and queue its records for the index. Returns the result, or None when
    no record that is not destroyed holds the original (then nothing is done)."""
    if not held(sha256):
        db.session.rollback()
        return None
    store = archive_store()
    row = ocr.result_for(sha256)
    working = file_store()
    if (
        row is not None
        and row.done
        and not force
        and not row.archived
        and working.exists(row.derived_sha256)
    ):
        derived = row.derived_sha256
        db.session.rollback()  # read afresh under the lock
        with store.lock():
            if not held(sha256):
                db.session.rollback()
                return None
            store.copy_from(working, derived)
            result = ocr.result_for(sha256)
            result.archived = True
            db.session.commit()
    else:
        result = ocr.ocr_stored(
            store,
            sha256,
            mimetype,
            force=force,
            archived=True,
            lock=store.lock,
            wanted=lambda: held(sha256),
        )
    if result is None:
        return None
    if result.done and result.archived:
        ocr_versions.add_versions(sha256)
    for record_id in records_holding(sha256):
        indexing.enqueue(record_id)
    return result


def held(sha256):
    """Whether a record that is not destroyed holds the archived original ``sha256``."""
    return bool(kept_of([sha256]))


def kept_of(shas):
    """Those of the archived originals ``shas`` that a record not destroyed holds."""
    return set(
        db.session.execute(
            db.select(ArchiveFile.sha256)
            .join(ArchiveVersion, ArchiveVersion.id == ArchiveFile.version_id)
            .join(ArchiveRecord, ArchiveRecord.id == ArchiveVersion.record_id)
            .where(ArchiveFile.sha256.in_(list(shas)), ArchiveRecord.stage != "dimusnahkan")
            .distinct()
        ).scalars()
    )


def cancel_queued(shas):
    """Cancel the waiting OCR of those archived originals ``shas`` that no record still kept
    holds, in the caller's transaction (the records holding them are being destroyed);
    return how many tasks were cancelled."""
    shas = set(shas)
    gone = shas - kept_of(shas) if shas else set()
    if not gone:
        return 0
    return queue.cancel(ARCHIVE_TASK, GONE, lambda args: args.get("sha256") in gone)


def records_holding(sha256):
    """The ids of the records whose files include ``sha256``."""
    return sorted(
        set(
            db.session.execute(
                db.select(ArchiveVersion.record_id)
                .join(ArchiveFile, ArchiveFile.version_id == ArchiveVersion.id)
                .where(ArchiveFile.sha256 == sha256)
            ).scalars()
        )
    )


def archive_candidates(everything=False):
    """``[(sha256, mimetype)]`` of archived originals that may be scans, held by a record
    that is not destroyed: all of them, or (by default) those not yet recognised into the
    archive (never tried, failed, or recognised only in the working store)."""
    rows = db.session.execute(
        db.select(ArchiveFile.sha256, ArchiveFile.mimetype)
        .join(ArchiveVersion, ArchiveVersion.id == ArchiveFile.version_id)
        .join(ArchiveRecord, ArchiveRecord.id == ArchiveVersion.record_id)
        .where(ArchiveFile.kind.in_(ocr.SCAN_KINDS), ArchiveRecord.stage != "dimusnahkan")
        .distinct()
        .order_by(ArchiveFile.sha256)
    ).all()
    wanted = {sha: mimetype for sha, mimetype in rows if ocr.is_candidate(mimetype)}
    if everything:
        return sorted(wanted.items())
    settled = set(
        db.session.execute(
            db.select(OcrResult.sha256).where(
                OcrResult.sha256.in_(list(wanted)),
                db.or_(
                    OcrResult.status == "dilewati",
                    db.and_(OcrResult.status == "selesai", OcrResult.archived.is_(True)),
                ),
            )
        ).scalars()
    )
    return sorted((sha, m) for sha, m in wanted.items() if sha not in settled)


def ocr_archive(everything=False, progress=None):
    """OCR the archive's scans (``archive ocr``); return counts by status (``dibatalkan``:
    destroyed meanwhile). The records' search documents are refreshed afterwards."""
    counts = {"selesai": 0, "dilewati": 0, "gagal": 0, "dibatalkan": 0}
    for sha, mimetype in archive_candidates(everything):
        result = ocr_archive_file(sha, mimetype, force=everything)
        db.session.commit()
        status = result.status if result is not None else "dibatalkan"
        counts[status] = counts.get(status, 0) + 1
        if progress:
            progress(1)
    return counts


def archived_derivatives():
    """``{derived sha256: original sha256}`` of every derived PDF/A the archive holds."""
    return dict(
        db.session.execute(
            db.select(OcrResult.derived_sha256, OcrResult.sha256).where(
                OcrResult.archived.is_(True), OcrResult.derived_sha256.is_not(None)
            )
        ).all()
    )


def failures():
    """The archived scans whose OCR failed, each with its reason."""
    return _of_archive(OcrResult.status == "gagal")


def to_check():
    """The archived scans with a page whose recognition a person should check."""
    return _of_archive(OcrResult.status == "selesai", OcrResult.low_pages != "")


def _of_archive(*where):
    archived = db.select(ArchiveFile.sha256).where(ArchiveFile.kind.in_(ocr.SCAN_KINDS))
    return (
        db.session.execute(
            db.select(OcrResult)
            .where(OcrResult.sha256.in_(archived), *where)
            .order_by(OcrResult.sha256)
        )
        .scalars()
        .all()
    )
