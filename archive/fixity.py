"""Fixity: recompute every stored checksum, find stray files, check the trail anchors.

The result of each run is kept in ``archive_fixity_runs`` for the records officers.
"""

import hashlib
import json
import time

from flask import current_app
from flask_babel import gettext as _

from archive import disposals
from archive import filing
from archive.models import ArchiveFile
from archive.models import ArchiveRecord
from archive.models import ArchiveVersion
from archive.models import FixityRun
from archive.ocr_models import OcrResult
from archive.snapshot import Anchor
from archive.store import archive_store
from intranet import queue
from intranet.clock import utcnow
from intranet.extensions import db
from intranet.queue import BackgroundTask
from intranet.storage import CHUNK
from intranet.transactions import commit


def registered_files():
    """Every file the archive's rows refer to: sha256 -> list of (nomor arsip, file name).

    A destroyed record's files are not expected (they were removed on the Penanggung
    Jawab's approval, which the record and the fixity log keep); each berita acara is.
    """
    names = {}
    live = ArchiveRecord.stage != "dimusnahkan"
    rows = db.session.execute(
        db.select(ArchiveFile.sha256, ArchiveFile.filename, ArchiveRecord.nomor_arsip)
        .join(ArchiveVersion, ArchiveVersion.id == ArchiveFile.version_id)
        .join(ArchiveRecord, ArchiveRecord.id == ArchiveVersion.record_id)
        .where(live)
    )
    for sha, filename, nomor in rows:
        names.setdefault(sha, []).append(f"{nomor}: {filename}")
    rows = db.session.execute(
        db.select(ArchiveVersion.berkas_sha256, ArchiveVersion.number, ArchiveRecord.nomor_arsip)
        .join(ArchiveRecord, ArchiveRecord.id == ArchiveVersion.record_id)
        .where(live)
    )
    for sha, number, nomor in rows:
        names.setdefault(sha, []).append(f"{nomor}: berkas versi {number}")
    for sha, name in disposals.documents().items():
        names.setdefault(sha, []).append(name)
    rows = db.session.execute(
        db.select(OcrResult.derived_sha256, OcrResult.sha256).where(
            OcrResult.archived.is_(True), OcrResult.derived_sha256.is_not(None)
        )
    )
    for sha, original in rows:
        names.setdefault(sha, []).append(f"PDF/A hasil OCR dari {original[:12]}")
    return names


def trail_problems():
    """Archived versions whose trail anchor no longer holds (the chain was cut or rewritten).

    Each berkas records the entry that headed its case's trail when it was made; the host
    that keeps the trails (``init_app``'s ``anchor_check``) says which anchors no longer
    hold. An imported record has no case here: its trail lives in its berkas and JSON only.
    """
    check = current_app.extensions.get("warta_archive_anchor_check")
    if check is None:
        return []
    rows = db.session.execute(
        db.select(
            ArchiveRecord.nomor_arsip,
            ArchiveVersion.number,
            ArchiveRecord.case_id,
            ArchiveVersion.trail_seq,
            ArchiveVersion.trail_head,
        )
        .join(ArchiveRecord, ArchiveRecord.id == ArchiveVersion.record_id)
        .where(ArchiveVersion.trail_head.is_not(None), ArchiveRecord.case_id.is_not(None))
        .order_by(ArchiveVersion.id)
    )
    return check([Anchor(*row) for row in rows])


def verify(clean=False, progress=None):
    """Check the whole archive and record the run; return the FixityRun.

    ``progress(n)`` is called after each file with its size in bytes. With ``clean``, stray
    files (left by an operation that died before its commit) are removed.
    """
    store = archive_store()
    started = utcnow().replace(microsecond=0)
    disposals.finish_destructions()  # a destruction a crash cut short is finished first
    names = registered_files()
    missing, changed, checked, size_total = [], [], 0, 0
    for sha in sorted(names):
        result = store.digest(sha)
        checked += 1
        if result is None:
            missing.append({"sha256": sha, "names": names[sha]})
        else:
            got, size = result
            size_total += size
            if got != sha:
                changed.append({"sha256": sha, "actual": got, "names": names[sha]})
        if progress:
            progress(result[1] if result else 0)
    # Strays are looked for under the lock, so a file an archiving operation has written but
    # not yet committed is never taken for one.
    stray, cleaned, recent = [], [], []
    grace = current_app.config["ARCHIVE_STRAY_GRACE_SECONDS"]
    db.session.rollback()  # a fresh snapshot: rows committed since the checksums count
    with store.lock(timeout=600):
        registered = registered_files()
        db.session.rollback()
        now = time.time()
        for rel, sha in store.walk():
            if sha is None or sha not in registered:
                # A process killed just after sending its commit to a database server
                # releases the archive lock before the server has finished that commit:
                # a young unregistered file may be about to be registered. Leave it be.
                if now - store.mtime(rel) < grace:
                    recent.append(rel)
                    continue
                stray.append(rel)
                if clean:
                    store.remove_relative(rel)
                    cleaned.append(rel)
        # Beside objects/ only the lock belongs: anything else is named by its full path and
        # left for a person to look at (the archive did not make it, so --clean keeps it).
        for path, mtime in store.walk_outside():
            (recent if now - mtime < grace else stray).append(path)
    trail = trail_problems()
    run = FixityRun(
        started_at=started,
        finished_at=utcnow().replace(microsecond=0),
        files_checked=checked,
        bytes_checked=size_total,
        missing=len(missing),
        changed=len(changed),
        stray=len(stray) - len(cleaned),
        trail_problems=len(trail),
        cleaned=len(cleaned),
        ok=not (missing or changed or trail or len(stray) > len(cleaned)),
        report=json.dumps(
            {
                "missing": missing,
                "changed": changed,
                "stray": [s for s in stray if s not in cleaned],
                "cleaned": cleaned,
                "recent": recent,
                "trail": trail,
            },
            ensure_ascii=False,
        ),
    )
    db.session.add(run)
    db.session.commit()
    return run


def open_checked(sha256):
    """Open a stored file to serve it, hashed first: ``(stream, digest found or None)``.

    The digest is None when the bytes still match. A file is hashed before it is served, not
    while: a mismatch found while streaming would come after the 200 and its headers had
    gone out, leaving the reader with a wrong file and no refusal to read. The same open file
    is then sent from its start (one more read, from the page cache for a recent one).
    Raises ``StorageError`` when the file is missing.
    """
    stream = archive_store().open(sha256)
    h = hashlib.sha256()
    try:
        while chunk := stream.read(CHUNK):
            h.update(chunk)
        stream.seek(0)
    except BaseException:
        stream.close()
        raise
    got = h.hexdigest()
    return stream, (None if got == sha256 else got)


def failed_files():
    """What the latest fixity run found wrong: sha256 -> what (changed or missing), as text."""
    run = db.session.execute(
        db.select(FixityRun)
        .where(FixityRun.kind == "verifikasi")
        .order_by(FixityRun.id.desc())
        .limit(1)
    )
    run = run.scalar_one_or_none()
    if run is None:
        return {}
    details = run.details
    failed = {item["sha256"]: _("berkas hilang") for item in details.get("missing", [])}
    failed.update({item["sha256"]: _("SHA-256 tidak cocok") for item in details.get("changed", [])})
    return failed


def record_override(record, actor, name, sha256, actual):
    """Note in the record's history that a keeper knowingly fetched a file whose bytes no
    longer match their checksum."""
    filing.add_event(
        record, "fiksitas", actor.id, {"file": name, "sha256": sha256, "actual": actual}
    )
    commit()


def runs(limit=20, kind=None):
    """The newest entries of the fixity log (only runs of ``verify`` with ``kind``
    "verifikasi"; destructions are "pemusnahan")."""
    q = db.select(FixityRun).order_by(FixityRun.id.desc()).limit(limit)
    if kind:
        q = q.where(FixityRun.kind == kind)
    return db.session.execute(q).scalars().all()


#: The background task that runs :func:`verify` (nightly, or when the arsiparis asks).
VERIFY_TASK = "archive.verify"


def latest_check():
    """The newest queued verification (a ``BackgroundTask`` row) or None."""
    return db.session.execute(
        db.select(BackgroundTask)
        .where(BackgroundTask.name == VERIFY_TASK)
        .order_by(BackgroundTask.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def request_check():
    """Queue a verification now, unless one is waiting or running: a double click, or two
    people at once, queue one (the key is the newest run's id, the same for both)."""
    current = latest_check()
    if current is not None and current.state in (queue.WAITING, queue.RUNNING):
        return current
    newest = db.session.execute(db.select(db.func.max(FixityRun.id))).scalar()
    key = f"{VERIFY_TASK}:setelah-{newest or 0}"
    if current is not None and current.dedupe_key == key:
        # the check asked after that run has already ended (failed) without a new run
        key = f"{key}:{current.id}"
    row = queue.enqueue(VERIFY_TASK, dedupe_key=key)
    commit()
    return row


def run_of(task):
    """The verification run a finished task recorded, or None."""
    if task is None or task.started_at is None:
        return None
    return db.session.execute(
        db.select(FixityRun)
        .where(
            FixityRun.kind == "verifikasi",
            FixityRun.started_at >= task.started_at.replace(microsecond=0),
        )
        .order_by(FixityRun.id)
        .limit(1)
    ).scalar_one_or_none()
