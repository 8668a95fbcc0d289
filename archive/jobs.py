"""Exports built by the background worker, with their progress kept in the database."""

import json
import logging
import os
import secrets
import socket
import threading
import time
from datetime import timedelta
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import SQLAlchemyError

from archive import export
from archive import indexing
from archive.models import WORKER_DIED
from archive.models import ArchiveFile
from archive.models import ArchiveVersion
from archive.models import ExportJob
from intranet import permissions
from intranet import queue
from intranet.clock import utcnow
from intranet.database import read_only
from intranet.extensions import db
from intranet.transactions import ServiceError

log = logging.getLogger(__name__)
MAX_RECORDS = 100_000
#: How often a running export's worker writes its heartbeat.
HEARTBEAT = timedelta(seconds=5)
RUNNING = ("menunggu", "berjalan")


def start_export(user, text, filters, selected=""):
    """Record the export of a search (or of the ids ticked) and start building it."""
    ids = [
        int(x)
        for x in (selected or "").replace(",", " ").split()
        if x.isascii() and x.isdigit() and len(x) <= 18
    ]
    if ids:
        allowed = set(indexing.find_ids(user, "", {}))
        ids = [i for i in dict.fromkeys(ids) if i in allowed]
    else:
        ids = indexing.find_ids(user, text, filters)
    ids = _exportable(user, ids)
    if not ids:
        raise ServiceError(_("Tidak ada arsip untuk diekspor."))
    if len(ids) > MAX_RECORDS:
        raise ServiceError(_("Terlalu banyak arsip untuk satu ekspor; persempit pencarian."))
    described = {"q": text, **{k: str(v) for k, v in filters.items() if v not in (None, "")}}
    job = ExportJob(
        token=secrets.token_urlsafe(24),
        query=json.dumps(described, ensure_ascii=False),
        record_ids=",".join(str(i) for i in ids),
        total=len(ids),
        requested_by_id=user.id,
        heartbeat_at=utcnow(),
        worker=worker_identity(),
    )
    db.session.add(job)
    db.session.flush()
    queue.enqueue("archive.export", dedupe_key=f"export:{job.id}", job_id=job.id)
    db.session.commit()
    return job


def _exportable(user, ids):
    """The records of ``ids`` whose every file ``user`` may read (a bag holds them all)."""
    readable = permissions.readable_classes(user)
    if set(readable) == set(permissions.CLASSES):
        return ids
    withheld = set(
        db.session.execute(
            db.select(ArchiveVersion.record_id)
            .join(ArchiveFile, ArchiveFile.version_id == ArchiveVersion.id)
            .where(ArchiveFile.access_class.not_in(readable))
            .distinct()
        ).scalars()
    )
    return [i for i in ids if i not in withheld]


def job_for(user, token):
    """The user's export job by its token, marking one whose worker died as failed."""
    if not token or len(token) > 64:
        return None
    job = db.session.execute(
        db.select(ExportJob).where(ExportJob.token == token)
    ).scalar_one_or_none()
    if job is None or (job.requested_by_id != user.id and not user.has_role("arsiparis")):
        return None
    if _died(job, utcnow()):
        _fail_dead(job)
    return job


# --- the worker's heartbeat, and what a dead worker leaves ---------------------------------


def _boot_id():
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()[:40] or "-"
    except OSError:
        return "-"


def worker_identity():
    """This process as an export's worker: ``host pid boot-id``."""
    return f"{socket.gethostname()[:120]} {os.getpid()} {_boot_id()}"


def _worker_gone(job):
    """Whether the job's worker process is known to be gone (only knowable on its host)."""
    try:
        host, pid, boot = (job.worker or "").split(" ")
        pid = int(pid)
    except ValueError:
        return False
    me_host, me_pid, me_boot = worker_identity().split(" ")
    if host != me_host:
        return False  # another machine: only its heartbeat can tell
    if boot != me_boot:
        return True  # this machine has restarted since
    if pid == int(me_pid):
        # this process: gone when its thread is, unless the job was only just committed
        # and its thread is still being started (its first heartbeat is that recent)
        if any(t.name == f"ekspor-{job.id}" for t in threading.enumerate()):
            return False
        return utcnow() - (job.heartbeat_at or job.created_at) > 2 * HEARTBEAT
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # someone else's process: alive
    return False


def _died(job, now):
    """Whether a running job's worker died: its process is gone, or its heartbeat is older
    than ``EXPORT_HEARTBEAT_STALE_SECONDS``. A waiting job is in the worker's queue (its
    task is kept in the database until a worker runs it)."""
    if job.status != "berjalan":
        return False
    return now - (job.heartbeat_at or job.created_at) > _stale_bound() or _worker_gone(job)


def _stale_bound():
    return timedelta(seconds=current_app.config.get("EXPORT_HEARTBEAT_STALE_SECONDS", 60))


def _leftovers(token):
    path = export.export_path(token)
    return (path.with_suffix(".part"), path)


def _fail_dead(job):
    """Mark a job whose worker died as failed (unless it ended meanwhile); remove its files."""
    ended = db.session.execute(
        db.update(ExportJob)
        .where(ExportJob.id == job.id, ExportJob.status.in_(RUNNING))
        .values(status="gagal", error=WORKER_DIED, finished_at=utcnow())
    ).rowcount
    db.session.commit()
    if ended:
        log.warning("export %s: its worker %s died; marked as failed", job.id, job.worker)
        for leftover in _leftovers(job.token):
            leftover.unlink(missing_ok=True)
    db.session.refresh(job)


def recover_dead_jobs():
    """Fail every export whose worker died and remove the partial files it left, and any
    ``.part`` file no running export owns; return the number of jobs failed."""
    now = utcnow()
    jobs = db.session.execute(db.select(ExportJob).where(ExportJob.status.in_(RUNNING)))
    dead = [job for job in jobs.scalars() if _died(job, now)]
    for job in dead:
        _fail_dead(job)
    running = set(
        db.session.execute(
            db.select(ExportJob.token).where(ExportJob.status.in_(RUNNING))
        ).scalars()
    )
    db.session.rollback()
    # A job started since the query above has a row but is not in ``running``: only a file
    # left alone for longer than a heartbeat may be taken for an orphan.
    young = time.time() - _stale_bound().total_seconds()
    for part in export.export_path("-").parent.glob("*.part"):
        if part.name.removesuffix(".part") not in running and _mtime(part) < young:
            part.unlink(missing_ok=True)
    return len(dead)


def _mtime(path):
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return float("inf")


def recover_at_start(app):
    """At app start: fail the exports whose worker died (a database without the table yet,
    as before its first migration, has none)."""
    with app.app_context():
        try:
            count = recover_dead_jobs()
        except SQLAlchemyError:
            db.session.rollback()
            count = 0
        finally:
            db.session.remove()
    if count:
        log.warning("%s export(s) whose worker died marked as failed", count)


def _pulse(app, job_id, stop):
    """Write the job's heartbeat every ``HEARTBEAT`` until ``stop`` is set."""
    with app.app_context():
        while not stop.wait(HEARTBEAT.total_seconds()):
            try:
                _set(job_id, heartbeat_at=utcnow())
            except SQLAlchemyError:  # the next beat may get through
                log.warning("export %s: heartbeat not written", job_id, exc_info=True)


def _set(job_id, **values):
    """Write a running job's progress; return False if it is no longer running (a look at
    it judged its worker dead and marked it failed)."""
    with db.engine.begin() as conn:
        return bool(
            conn.execute(
                db.update(ExportJob)
                .where(ExportJob.id == job_id, ExportJob.status.in_(RUNNING))
                .values(**values)
            ).rowcount
        )


@queue.task("archive.export", retries=0, label=_l("Ekspor arsip"))
def run_export(job_id):
    """Build the export ``job_id`` (the worker's task); a job no longer waiting (done, or
    failed because an earlier worker died) is left as it is."""
    app = current_app._get_current_object()
    me = threading.current_thread()
    name, me.name = me.name, f"ekspor-{job_id}"
    try:
        _run(app, job_id)
    finally:
        me.name = name


def _run(app, job_id):

    with app.app_context(), read_only():
        job = db.session.get(ExportJob, job_id)
        if job is None:  # removed before its thread started: nothing to build
            log.warning("export %s vanished before it started", job_id)
            return
        if job.status != "menunggu":
            log.warning("export %s is %s; not built again", job_id, job.status)
            db.session.rollback()
            return
        ids = [int(i) for i in job.record_ids.split(",") if i]
        query = json.loads(job.query).get("q", "")
        token = job.token
        db.session.rollback()
        path = export.export_path(token)
        part = path.with_suffix(".part")
        done = 0

        def progress(n):
            nonlocal done
            done += n
            if done % 10 == 0 or done == len(ids):
                _set(job_id, done=done)

        stop = threading.Event()
        pulse = threading.Thread(
            target=_pulse, args=(app, job_id, stop), daemon=True, name=f"ekspor-{job_id}-nadi"
        )
        try:
            _set(job_id, status="berjalan", heartbeat_at=utcnow(), worker=worker_identity())
            pulse.start()
            with open(part, "wb") as out:
                export.export_bag(ids, out, query, progress=progress)
            part.replace(path)
            if not _set(
                job_id,
                status="selesai",
                done=len(ids),
                size=path.stat().st_size,
                finished_at=utcnow(),
            ):
                path.unlink(missing_ok=True)  # already failed: nobody may download it
        except Exception as e:  # noqa: BLE001 - the job records why it failed
            log.exception("export %s failed", job_id)
            part.unlink(missing_ok=True)
            _set(job_id, status="gagal", error=str(e)[:500], finished_at=utcnow())
        finally:
            stop.set()
            db.session.remove()
