"""Exports built in the background, with their progress kept in the database."""

import json
import logging
import secrets
import threading
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _

from archive import export
from archive import indexing
from archive.models import ArchiveFile
from archive.models import ArchiveVersion
from archive.models import ExportJob
from intranet import permissions
from intranet.clock import utcnow
from intranet.database import read_only
from intranet.extensions import db
from intranet.transactions import ServiceError

log = logging.getLogger(__name__)
#: A job that has shown no progress for this long died with its worker.
STALE = timedelta(minutes=30)
MAX_RECORDS = 100_000


def start_export(user, text, filters, selected=""):
    """Record the export of a search (or of the ids ticked) and start building it."""
    ids = [int(x) for x in (selected or "").replace(",", " ").split() if x.isdigit()]
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
    db.session.commit()
    app = current_app._get_current_object()
    threading.Thread(target=_run, args=(app, job.id), daemon=True, name=f"ekspor-{job.id}").start()
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
    if job.status in ("menunggu", "berjalan") and utcnow() - job.created_at > STALE * (
        1 + job.total // 1000
    ):
        job.status, job.error = "gagal", "proses ekspor berhenti"
        db.session.commit()
    return job


def _set(job_id, **values):
    with db.engine.begin() as conn:
        conn.execute(db.update(ExportJob).where(ExportJob.id == job_id).values(**values))


def _run(app, job_id):

    with app.app_context(), read_only():
        job = db.session.get(ExportJob, job_id)
        if job is None:  # removed before its thread started: nothing to build
            log.warning("export %s vanished before it started", job_id)
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

        try:
            _set(job_id, status="berjalan")
            with open(part, "wb") as out:
                export.export_bag(ids, out, query, progress=progress)
            part.replace(path)
            _set(
                job_id,
                status="selesai",
                done=len(ids),
                size=path.stat().st_size,
                finished_at=utcnow(),
            )
        except Exception as e:  # noqa: BLE001 - the job records why it failed
            log.exception("export %s failed", job_id)
            part.unlink(missing_ok=True)
            _set(job_id, status="gagal", error=str(e)[:500], finished_at=utcnow())
        finally:
            db.session.remove()
