"""Exports built by the background worker, with their progress kept in the database."""

import json
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import datetime

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
TASK = "archive.export"
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
    )
    db.session.add(job)
    db.session.flush()
    queue.enqueue(TASK, dedupe_key=_task_key(job.id), job_id=job.id)
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


def _task_key(job_id):
    """The dedupe key of the background task that builds the export ``job_id``."""
    return f"export:{job_id}"


@dataclass(frozen=True)
class ExportView:
    """An export as its page shows it: the job read together with the task that builds it,
    so a job whose task runs again is shown waiting or running, never failed."""

    id: int
    token: str
    status: str
    total: int
    done: int
    size: int | None
    error: str | None
    created_at: datetime
    #: The attempt under way (or next), 1 the first; counted by the background task.
    attempt: int
    #: An earlier attempt ended unfinished (its worker died, or it failed and is run again).
    retried: bool

    @property
    def running(self):
        """Still waiting or being built (its page keeps refreshing)."""
        return self.status in RUNNING

    @property
    def worker_died(self):
        """Failed because the process building it died and no task will build it."""
        return self.status == "gagal" and self.error == WORKER_DIED


def job_for(user, token):
    """The user's export by its token, as its page shows it (``ExportView``); a running job
    that no task will build any more (its task is gone or ended) is failed here."""
    if not token or len(token) > 64:
        return None
    job = db.session.execute(
        db.select(ExportJob).where(ExportJob.token == token)
    ).scalar_one_or_none()
    if job is None or (job.requested_by_id != user.id and not user.has_role("arsiparis")):
        return None
    task = _tasks_of([job.id]).get(job.id)
    if _orphaned(job, task):
        _fail_orphan(job)
    return _view(job, task)


def _tasks_of(job_ids):
    """The background task building each of ``job_ids``, by job id."""
    keys = {_task_key(i): i for i in job_ids}
    found = db.session.execute(
        db.select(queue.BackgroundTask).where(queue.BackgroundTask.dedupe_key.in_(keys))
    ).scalars()
    return {keys[task.dedupe_key]: task for task in found}


def _will_run(task):
    return task is not None and task.state in (queue.WAITING, queue.RUNNING)


def _orphaned(job, task):
    """A job left waiting or running that no task will build: its task is gone, or ended
    without ending the job (as a build thread's job, when its process died)."""
    return job.status in RUNNING and (task is None or task.state == queue.DONE)


def _view(job, task):
    attempt, retried, done, error = 1, False, job.done, job.error
    if job.status == "selesai":
        status = "selesai"
    elif _will_run(task):
        # a failed job whose task runs again (a retry) waits to be built from the start
        status = job.status if job.status in RUNNING else "menunggu"
        attempt = task.attempts + (1 if task.state == queue.WAITING else 0)
        retried = task.last_error is not None
        done = job.done if task.state == queue.RUNNING else 0
        error = None
    else:
        status = "gagal"
        if task is not None and task.state == queue.FAILED and job.status != "gagal":
            error = task.last_error  # the task failed before it could say so on the job
    return ExportView(
        id=job.id,
        token=job.token,
        status=status,
        total=job.total,
        done=done,
        size=job.size,
        error=error,
        created_at=job.created_at,
        attempt=max(attempt, 1),
        retried=retried,
    )


# --- what an attempt leaves, and the jobs no task will build --------------------------------


def _exports_folder():
    return export.export_path("-").parent


def _part_path(token, attempt_id):
    """An attempt's partial zip: its own file, so a late attempt never writes another's."""
    return _exports_folder() / f"{token}.{attempt_id}.part"


def _token_of_part(path):
    return path.name.split(".", 1)[0]


def _remove_leftovers(token):
    """Remove every partial zip of the export ``token`` and any zip not recorded as built."""
    export.export_path(token).unlink(missing_ok=True)
    for part in _exports_folder().glob("*.part"):
        if _token_of_part(part) == token:
            part.unlink(missing_ok=True)


def _fail_orphan(job):
    """Fail a job no task will build (unless it ended meanwhile) and remove its files."""
    ended = db.session.execute(
        db.update(ExportJob)
        .where(ExportJob.id == job.id, ExportJob.status.in_(RUNNING))
        .values(status="gagal", error=WORKER_DIED, finished_at=utcnow())
    ).rowcount
    db.session.commit()
    if ended:
        log.warning("export %s: no task will build it; marked as failed", job.id)
        _remove_leftovers(job.token)
    db.session.refresh(job)


def recover_orphans():
    """Fail every waiting or running export that no task will build, and remove any partial
    zip no such export owns; return the number of jobs failed. (An export whose worker died
    is not among them: its task runs again and rebuilds it.)"""
    jobs = (
        db.session.execute(db.select(ExportJob).where(ExportJob.status.in_(RUNNING)))
        .scalars()
        .all()
    )
    tasks = _tasks_of([job.id for job in jobs])
    orphans = [job for job in jobs if _orphaned(job, tasks.get(job.id))]
    for job in orphans:
        _fail_orphan(job)
    running = set(
        db.session.execute(
            db.select(ExportJob.token).where(ExportJob.status.in_(RUNNING))
        ).scalars()
    )
    db.session.rollback()
    # A job started (or rebuilt) since the query above is not in ``running``: only a file
    # left alone for longer than a task's lease may be taken for an orphan.
    young = time.time() - int(current_app.config.get("QUEUE_LEASE_SECONDS", 60))
    for part in _exports_folder().glob("*.part"):
        if _token_of_part(part) not in running and _mtime(part) < young:
            part.unlink(missing_ok=True)
    return len(orphans)


def _mtime(path):
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return float("inf")


def recover_at_start(app):
    """At app start: fail the exports no task will build (a database without the tables
    yet, as before its first migration, has none)."""
    with app.app_context():
        try:
            count = recover_orphans()
        except SQLAlchemyError:
            db.session.rollback()
            count = 0
        finally:
            db.session.remove()
    if count:
        log.warning("%s export(s) no task will build marked as failed", count)


# --- the worker's task ---------------------------------------------------------------------


def _set(job_id, attempt_id, **values):
    """Write the attempt's progress; False if the job is no longer this attempt's (a later
    attempt took it over after this one's worker was taken for dead)."""
    with db.engine.begin() as conn:
        return bool(
            conn.execute(
                db.update(ExportJob)
                .where(
                    ExportJob.id == job_id,
                    ExportJob.status == "berjalan",
                    ExportJob.worker == attempt_id,
                )
                .values(**values)
            ).rowcount
        )


@queue.task(TASK, retries=0, label=_l("Ekspor arsip"))
def run_export(job_id):
    """Build the export ``job_id`` from the start (the worker's task).

    The task is durable: run again after its worker died, it removes what the dead attempt
    left and builds the same records into the same token's zip. A job already built, or
    gone, is left as it is. A build that raises records its reason on the job and raises
    again, so the queue's retry policy decides whether it runs once more.
    """
    with read_only():
        job = db.session.get(ExportJob, job_id)
        if job is None:
            log.warning("export %s vanished before it was built", job_id)
            return
        if job.status == "selesai":
            log.warning("export %s is built already; not built again", job_id)
            db.session.rollback()
            return
        ids = [int(i) for i in job.record_ids.split(",") if i]
        query = json.loads(job.query).get("q", "")
        token, again = job.token, job.status != "menunggu"
        db.session.rollback()
        attempt_id = f"{queue.worker_identity()} {secrets.token_hex(4)}"
        with db.engine.begin() as conn:
            started = conn.execute(
                db.update(ExportJob)
                .where(ExportJob.id == job_id, ExportJob.status != "selesai")
                .values(
                    status="berjalan",
                    done=0,
                    size=None,
                    error=None,
                    finished_at=None,
                    heartbeat_at=utcnow(),
                    worker=attempt_id,
                )
            ).rowcount
        if not started:  # built or removed meanwhile
            return
        if again:
            log.warning("export %s: an earlier attempt did not finish; built again", job_id)
        _remove_leftovers(token)
        _build(job_id, attempt_id, ids, query, token)


def _build(job_id, attempt_id, ids, query, token):
    path, part = export.export_path(token), _part_path(token, attempt_id)
    done = 0

    def progress(n):
        nonlocal done
        done += n
        if done % 10 == 0 or done == len(ids):
            _set(job_id, attempt_id, done=done, heartbeat_at=utcnow())

    try:
        with open(part, "wb") as out:
            export.export_bag(ids, out, query, progress=progress)
        size = part.stat().st_size
        with db.engine.begin() as conn:  # the zip is named only while the row says so
            won = conn.execute(
                db.update(ExportJob)
                .where(
                    ExportJob.id == job_id,
                    ExportJob.status == "berjalan",
                    ExportJob.worker == attempt_id,
                )
                .values(
                    status="selesai",
                    done=len(ids),
                    size=size,
                    finished_at=utcnow(),
                    heartbeat_at=utcnow(),
                )
            ).rowcount
            if won:
                part.replace(path)
        if not won:
            log.warning("export %s: a later attempt took it over; this zip dropped", job_id)
            part.unlink(missing_ok=True)
    except Exception as e:
        log.exception("export %s failed", job_id)
        part.unlink(missing_ok=True)
        _set(job_id, attempt_id, status="gagal", error=str(e)[:500], finished_at=utcnow())
        raise
