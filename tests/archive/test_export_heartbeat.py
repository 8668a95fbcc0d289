"""An export whose worker died is rebuilt, not failed: its task is durable.

A web export is built by the background worker; a SIGKILL of that process leaves the job
"berjalan" with a partial zip and its task running under a lease. Its page keeps showing it
under way; once the queue takes the worker for dead (its process gone on this host, or its
lease lapsed) the task runs again, says "dicoba ulang", removes the dead attempt's partial
file and builds the same records into the same token's zip. A build that raises is failed
with its reason and runs again only when the queue's retry policy (or the admin) says so.
Only a job that no task will build any more (its task gone or ended) is failed as dead.
"""

import http.cookiejar
import io
import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import zipfile
from datetime import timedelta
from pathlib import Path

import bagit
import pytest

from archive import jobs
from archive.models import ArchiveRecord
from archive.models import ArchiveVersion
from archive.models import ExportJob
from archive.store import archive_store
from intranet import create_app
from intranet import queue
from intranet.clock import utcnow
from intranet.extensions import db
from intranet.models import User
from tests.app.test_cache_processes import free_port
from tests.conftest import PASSWORD
from tests.conftest import base_config
from tests.fixtures import tasks
from tests.fixtures.scenarios import build_published
from tests.fixtures.scenarios import build_scenario

ROOT = Path(__file__).resolve().parents[2]
DIED = "Ekspor terhenti karena prosesnya mati; silakan mulai lagi."
FAILED = "Ekspor gagal:"
RETRIED = "Dicoba ulang (percobaan ke-2):"
REFRESH = 'http-equiv="refresh"'

# The first worker: ``flask worker`` (``queue.run_worker``, as its command runs it) with the
# bag's writing slowed (each payload file takes a moment), so the test catches it mid-way.
SLOW_WORKER = """
import time
from archive import export
from intranet import create_app, queue
add_stream = export._BagZip.add_stream
def slowly(self, *args, **kwargs):
    time.sleep(0.4)
    return add_stream(self, *args, **kwargs)
export._BagZip.add_stream = slowly
queue.run_worker(create_app(), threads=1)
"""

# The child: a real HTTP server (Werkzeug's threaded server, as ``flask run``) on the test's
# app configuration; it says "ready" once it listens.
SERVER = """
import json, sys
from werkzeug.serving import make_server
from intranet import create_app
config = json.loads(sys.argv[1])
server = make_server("127.0.0.1", int(sys.argv[2]), create_app(config), threaded=True)
print("ready", flush=True)
server.serve_forever()
"""


def _job(app, token=None):
    with app.app_context():
        q = db.select(ExportJob)
        if token:
            q = q.where(ExportJob.token == token)
        job = db.session.execute(q.order_by(ExportJob.id.desc())).scalars().first()
        db.session.expunge_all()
        return job


def _exports(app):
    return Path(app.instance_path) / "exports"


def _parts(app, token):
    """The partial zips of the export ``token`` (one per attempt that left one)."""
    return sorted(_exports(app).glob(f"{token}.*part"))


def _worker_env(config):
    """The environment of a worker process (``flask worker``) on ``config``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARTA_")}
    env["DATABASE_URL"] = config["SQLALCHEMY_DATABASE_URI"]
    for key, value in config.items():
        if key != "SQLALCHEMY_DATABASE_URI":
            env[f"WARTA_{key}"] = value if isinstance(value, str) else json.dumps(value)
    return env


def _config(app, tmp_path, base):
    """The configuration of the child processes: the test app's database, folders, queue."""
    config = {
        k: app.config[k]
        for k in (
            "SECRET_KEY",
            "SQLALCHEMY_DATABASE_URI",
            "FILES_DIR",
            "ARCHIVE_DIR",
            "SEARCH_INDEX_DIR",
            "ARGON2_TIME_COST",
            "ARGON2_MEMORY_COST",
            "ARGON2_PARALLELISM",
        )
    }
    config.update(
        INSTANCE_PATH=app.instance_path,
        WTF_CSRF_ENABLED=False,
        SITE_URL=base,
        ARCHIVE_STRAY_GRACE_SECONDS=0,
        QUEUE_NAME=f"warta-{tmp_path.name}",
        QUEUE_NIGHTLY=False,
    )
    if app.config.get("QUEUE_URL"):
        config["QUEUE_URL"] = app.config["QUEUE_URL"]
    return config


def _queue(config):
    """The queue settings of ``config``, for an app of the test's own."""
    return {k: v for k, v in config.items() if k.startswith("QUEUE_")} | {"QUEUE_EAGER": False}


def _published(app, count):
    """``count`` published articles, each archived as a record; their nomor arsip."""
    for _ in range(count):
        build_published(app, build_scenario(app)["case_id"])
    with app.app_context():
        return sorted(db.session.execute(db.select(ArchiveRecord.nomor_arsip)).scalars())


def _task(app, job_id):
    with app.app_context():
        task = db.session.execute(
            db.select(queue.BackgroundTask).where(
                queue.BackgroundTask.dedupe_key == f"export:{job_id}"
            )
        ).scalar_one()
        return (task.state, task.attempts, task.last_error)


def _check_bag(data, tmp_path, nomors):
    """The zip is a valid BagIt bag holding each record once, and no entry twice."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = z.namelist()
        assert len(names) == len(set(names))
        z.extractall(tmp_path / "bag")
    (root,) = (tmp_path / "bag").iterdir()
    bag = bagit.Bag(str(root))
    bag.validate()
    records = sorted(
        json.loads(p.read_text())["record"]["nomor_arsip"]
        for p in (root / "data" / "arsip").glob("*/arsip.json")
    )
    assert records == nomors
    assert bag.info["Record-Count"] == str(len(nomors))


def test_a_killed_export_worker_has_its_export_rebuilt_from_the_start(app, tmp_path):
    nomors = _published(app, 3)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    config = _config(app, tmp_path, base)
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", SERVER, json.dumps(config), str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", SLOW_WORKER],
        cwd=ROOT,
        env=_worker_env(config),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert server.stdout.readline().strip() == "ready"
        cookies = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cookies))

        def post(path, data):
            body = urllib.parse.urlencode(data).encode()
            return opener.open(base + path, data=body, timeout=30)  # follows the redirect

        post("/intranet/login", {"username": "arsiparis", "password": PASSWORD})
        page = post("/arsip/ekspor", {})
        token = page.geturl().rsplit("/", 1)[1]
        assert REFRESH in page.read().decode()
        deadline = time.monotonic() + 60
        while True:  # caught mid-way: running, with a partial zip on disk
            job = _job(app, token)
            parts = _parts(app, token)
            if job.status == "berjalan" and parts and parts[0].stat().st_size > 0:
                break
            assert job.status in ("menunggu", "berjalan"), job.status
            assert time.monotonic() < deadline, "the export never started"
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        for child in (proc, server):
            if child.poll() is None:
                child.kill()
                child.wait(timeout=30)
        server.stdout.close()
    job = _job(app, token)
    assert (job.status, job.worker.split(" ")[1]) == ("berjalan", str(proc.pid))
    assert job.done < job.total == 3
    (dead_part,) = _parts(app, token)
    assert dead_part.stat().st_size > 0
    assert _task(app, job.id) == ("berjalan", 1, None)

    # the next start of the app fails nothing: the task will run again
    fresh = create_app(  # the same database, folders and queue
        {**base_config(tmp_path, config["SQLALCHEMY_DATABASE_URI"]), **_queue(config)}
    )
    assert _job(fresh, token).status == "berjalan" and dead_part.exists()
    client = fresh.test_client()
    client.post("/intranet/login", data={"username": "arsiparis", "password": PASSWORD})
    html = client.get(f"/arsip/ekspor/{token}").get_data(as_text=True)
    assert REFRESH in html and DIED not in html and FAILED not in html

    # the queue's sweep takes the worker for dead (its process is gone from this host)
    queue.sweep(fresh)
    assert _task(fresh, job.id) == ("menunggu", 1, queue.WORKER_DIED)
    html = client.get(f"/arsip/ekspor/{token}").get_data(as_text=True)
    assert RETRIED in html and REFRESH in html and DIED not in html and FAILED not in html

    restarted = subprocess.Popen(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--burst"],
        cwd=ROOT,
        env=_worker_env(config),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err = restarted.communicate(timeout=300)
    assert restarted.returncode == 0, err
    assert " done, 0 failed, 0 waiting for a retry." in out  # (the archive's OCR beside it)
    job = _job(fresh, token)
    assert (job.status, job.done, job.error) == ("selesai", 3, None)
    assert job.worker.split(" ")[1] == str(restarted.pid)
    assert _task(fresh, job.id)[:2] == ("selesai", 2)
    assert [p.name for p in _exports(fresh).iterdir()] == [f"{token}.zip"]  # no stray part
    html = client.get(f"/arsip/ekspor/{token}").get_data(as_text=True)
    assert "Selesai." in html and REFRESH not in html and "Dicoba ulang" not in html
    r = client.get(f"/arsip/ekspor/{token}/unduh")
    assert r.status_code == 200 and len(r.data) == job.size
    _check_bag(r.data, tmp_path, nomors)
    r.close()
    with fresh.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def queued(app_factory, tmp_path):
    """The demo team's app whose exports go through the queue (run by ``run_burst``)."""
    from intranet.cli import load_demo

    app = app_factory(**tasks.queue_config(tmp_path))
    with app.app_context():
        load_demo(PASSWORD)
    queue.run_burst(app)
    return app


def test_a_build_that_fails_is_failed_with_its_reason_and_built_again_only_on_a_retry(
    queued, tmp_path
):
    app = queued
    nomors = _published(app, 2)
    queue.run_burst(app)
    with app.app_context():
        sha = db.session.execute(db.select(ArchiveVersion.berkas_sha256)).scalars().first()
        stored = archive_store().path(sha)
    kept = stored.read_bytes()
    stored.unlink()  # a stored berkas gone missing: the build raises
    client = app.test_client()
    client.post("/intranet/login", data={"username": "arsiparis", "password": PASSWORD})
    token = client.post("/arsip/ekspor", data={}).location.rsplit("/", 1)[1]
    job = _job(app, token)
    assert queue.run_burst(app) == {"selesai": 0, "gagal": 1, "menunggu": 0}  # retries=0
    job = _job(app, token)
    assert job.status == "gagal" and "is missing" in job.error and job.finished_at
    state, attempts, reason = _task(app, job.id)
    assert (state, attempts) == ("gagal", 1) and "is missing" in reason
    assert list(_exports(app).iterdir()) == []  # its partial zip removed
    html = client.get(f"/arsip/ekspor/{token}").get_data(as_text=True)
    assert FAILED in html and job.error in html and REFRESH not in html and DIED not in html
    assert client.get(f"/arsip/ekspor/{token}/unduh").status_code == 404
    assert queue.run_burst(app)["gagal"] == 0  # not run again by itself

    # the admin queues it again (Coba lagi): its page waits, then the export is built
    stored.write_bytes(kept)
    with app.app_context():
        assert queue.retry(
            db.session.execute(
                db.select(queue.BackgroundTask.id).where(
                    queue.BackgroundTask.dedupe_key == f"export:{job.id}"
                )
            ).scalar_one()
        )
    html = client.get(f"/arsip/ekspor/{token}").get_data(as_text=True)
    assert "Dicoba ulang:" in html and REFRESH in html and FAILED not in html
    assert queue.run_burst(app)["selesai"] == 1
    job = _job(app, token)
    assert (job.status, job.done, job.error) == ("selesai", 2, None)
    r = client.get(f"/arsip/ekspor/{token}/unduh")
    assert r.status_code == 200
    _check_bag(r.data, tmp_path, nomors)
    r.close()


def _job_row(app, status="berjalan", **values):
    """An export row of the arsiparis as a worker would have left it, with a partial zip on
    disk; returns its token and id."""
    with app.app_context():
        user = db.session.execute(db.select(User).where(User.username == "arsiparis")).scalar_one()
        job = ExportJob(
            token=f"uji-{time.monotonic_ns()}",
            query="{}",
            record_ids="1",
            total=1,
            done=0,
            status=status,
            requested_by_id=user.id,
            heartbeat_at=utcnow() - timedelta(hours=1),
            worker="host-lain 4242 boot-lain 0a1b2c3d",
            **values,
        )
        db.session.add(job)
        db.session.commit()
        token, job_id = job.token, job.id
    _exports(app).mkdir(exist_ok=True)
    (_exports(app) / f"{token}.0a1b2c3d.part").write_bytes(b"PK\x03\x04 setengah jadi")
    return token, job_id


def _give_task(app, job_id, state, attempts, last_error=None):
    with app.app_context():
        db.session.add(
            queue.BackgroundTask(
                name=jobs.TASK,
                args=json.dumps({"job_id": job_id}),
                state=state,
                dedupe_key=f"export:{job_id}",
                attempts=attempts,
                max_attempts=1,
                last_error=last_error,
                lease_until=utcnow() + timedelta(minutes=1) if state == "berjalan" else None,
                worker="host-lain 4242 boot-lain" if state == "berjalan" else None,
            )
        )
        db.session.commit()


def test_only_a_job_no_task_will_build_is_failed_as_dead(app, login):
    running, running_id = _job_row(app)  # its worker may be dead: its lease decides
    _give_task(app, running_id, "berjalan", 1)
    recovered, recovered_id = _job_row(app)  # taken for dead: queued again
    _give_task(app, recovered_id, "menunggu", 1, queue.WORKER_DIED)
    rebuilding, rebuilding_id = _job_row(app)  # the second attempt under way
    _give_task(app, rebuilding_id, "berjalan", 2, queue.WORKER_DIED)
    broken, broken_id = _job_row(app)  # the task failed before it could say so
    _give_task(app, broken_id, "gagal", 1, "OperationalError: basis data tidak menjawab")
    threadless, _ = _job_row(app)  # a build thread's job: no task at all
    ended, ended_id = _job_row(app)  # its task ended without ending the job
    _give_task(app, ended_id, "selesai", 1)
    orphan, young = _exports(app) / "tanpa-pekerjaan.part", _exports(app) / "baru.part"
    for part in (orphan, young):  # no running job owns them (the young one's may be new)
        part.write_bytes(b"PK\x03\x04")
    os.utime(orphan, (time.time() - 120, time.time() - 120))

    with app.app_context():
        assert jobs.recover_orphans() == 2
    assert not orphan.exists() and young.exists()
    young.unlink()
    for token in (threadless, ended):
        job = _job(app, token)
        assert (job.status, job.error) == ("gagal", jobs.WORKER_DIED) and job.finished_at
        assert _parts(app, token) == []
    for token in (running, recovered, rebuilding, broken):
        assert _job(app, token).status == "berjalan" and len(_parts(app, token)) == 1

    arsip = login("arsiparis")

    def page(token):
        return arsip.get(f"/arsip/ekspor/{token}").get_data(as_text=True)

    html = page(running)
    assert REFRESH in html and "Dicoba ulang" not in html and FAILED not in html
    for token in (recovered, rebuilding):
        html = page(token)
        assert RETRIED in html and REFRESH in html and FAILED not in html and DIED not in html
    html = page(broken)
    assert FAILED in html and "basis data tidak menjawab" in html and REFRESH not in html
    for token in (threadless, ended):
        html = page(token)
        assert DIED in html and REFRESH not in html

    # a look at the page fails a job whose task ended meanwhile
    with app.app_context():
        db.session.execute(
            db.update(queue.BackgroundTask)
            .where(queue.BackgroundTask.dedupe_key == f"export:{running_id}")
            .values(state="selesai")
        )
        db.session.commit()
    html = page(running)
    assert DIED in html and REFRESH not in html
    assert _job(app, running).status == "gagal" and _parts(app, running) == []


def test_a_late_attempt_taken_over_by_a_later_one_names_no_zip(queued, tmp_path):
    """An attempt whose worker was taken for dead but still runs (its lease lapsed) builds
    into its own partial file and, finding the job another attempt's, drops it."""
    app = queued
    nomors = _published(app, 2)
    queue.run_burst(app)
    client = app.test_client()
    client.post("/intranet/login", data={"username": "arsiparis", "password": PASSWORD})
    token = client.post("/arsip/ekspor", data={}).location.rsplit("/", 1)[1]
    job = _job(app, token)
    with app.app_context():  # a later attempt holds the job now
        db.session.execute(
            db.update(ExportJob)
            .where(ExportJob.id == job.id)
            .values(status="berjalan", worker="host-lain 4242 boot-lain later")
        )
        db.session.commit()
    with app.test_request_context():
        ids = [int(i) for i in job.record_ids.split(",")]
        jobs._build(job.id, "host-lain 4242 boot-lain late", ids, "", token)
    late = _job(app, token)
    assert (late.status, late.worker, late.done, late.size) == (
        "berjalan",
        "host-lain 4242 boot-lain later",
        0,
        None,
    )
    assert list(_exports(app).iterdir()) == []  # its zip dropped, not named
    assert queue.run_burst(app)["selesai"] >= 1  # the task builds it from the start
    job = _job(app, token)
    assert (job.status, job.done) == ("selesai", 2)
    assert [p.name for p in _exports(app).iterdir()] == [f"{token}.zip"]
    r = client.get(f"/arsip/ekspor/{token}/unduh")
    _check_bag(r.data, tmp_path, nomors)
    r.close()
