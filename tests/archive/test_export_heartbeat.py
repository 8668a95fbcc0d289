"""An export whose worker died: its heartbeat stops, and the job is failed, cleaned and said so.

A web export is built by the background worker; a SIGKILL of that process leaves the job
"berjalan" with a ``.part`` file. The next app start, and every look at the job's page,
fail such a job (its heartbeat is stale, or its process is gone from this host), remove what
it left and say why, without refreshing the page any more.
"""

import http.cookiejar
import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import timedelta
from pathlib import Path

from archive import jobs
from archive.models import ArchiveFile
from archive.models import ArchiveVersion
from archive.models import ExportJob
from archive.store import archive_store
from intranet.clock import utcnow
from intranet.extensions import db
from intranet.models import User
from tests.app.test_cache_processes import free_port
from tests.conftest import PASSWORD
from tests.fixtures.scenarios import build_published
from tests.fixtures.scenarios import build_scenario

ROOT = Path(__file__).resolve().parents[2]
DIED = "Ekspor terhenti karena prosesnya mati; silakan mulai lagi."
REFRESH = 'http-equiv="refresh"'

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


def _part(app, token):
    return Path(app.instance_path) / "exports" / f"{token}.part"


def _make_export_big(app, copies=60, size=8 << 20):
    """Give the archived version many large originals (one stored object, many rows), so an
    export takes seconds to write."""
    with app.app_context():
        store = archive_store()
        sha, size, _created = store.put_bytes(os.urandom(size))
        version = db.session.execute(db.select(ArchiveVersion)).scalars().first()
        for i in range(copies):
            db.session.add(
                ArchiveFile(
                    version_id=version.id,
                    position=1000 + i,
                    kind="sumber",
                    sha256=sha,
                    size=size,
                    filename=f"besar-{i}.bin",
                    mimetype="application/octet-stream",
                )
            )
        db.session.commit()


def _worker_env(config):
    """The environment of a worker process (``flask worker``) on ``config``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARTA_")}
    env["DATABASE_URL"] = config["SQLALCHEMY_DATABASE_URI"]
    for key, value in config.items():
        if key != "SQLALCHEMY_DATABASE_URI":
            env[f"WARTA_{key}"] = value if isinstance(value, str) else json.dumps(value)
    return env


def test_a_killed_export_worker_is_failed_cleaned_and_said_so(app, app_factory, tmp_path):
    build_published(app, build_scenario(app)["case_id"])
    _make_export_big(app)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
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
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", SERVER, json.dumps(config), str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
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
            part = _part(app, token)
            if job.status == "berjalan" and part.exists() and part.stat().st_size > 0:
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
    assert job.done < job.total and part.exists()

    fresh = app_factory()  # the next start of the app, on the same database and folders
    job = _job(fresh, token)
    assert (job.status, job.error) == ("gagal", jobs.WORKER_DIED)
    assert job.finished_at is not None
    assert not part.exists()
    assert list((Path(app.instance_path) / "exports").iterdir()) == []
    client = fresh.test_client()
    client.post("/intranet/login", data={"username": "arsiparis", "password": PASSWORD})
    r = client.get(f"/arsip/ekspor/{token}")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and DIED in html and REFRESH not in html
    assert client.get(f"/arsip/ekspor/{token}/unduh").status_code == 404


def _stale_job(app, login, **values):
    """A running export row of the arsiparis (as a worker would have left it), with a
    ``.part`` file on disk; returns its token."""
    with app.app_context():
        user = db.session.execute(db.select(User).where(User.username == "arsiparis")).scalar_one()
        job = ExportJob(
            token=f"uji-{len(values)}-{time.monotonic_ns()}",
            query="{}",
            record_ids="1",
            total=1,
            status="berjalan",
            requested_by_id=user.id,
            **values,
        )
        db.session.add(job)
        db.session.commit()
        token = job.token
    part = _part(app, token)
    part.parent.mkdir(exist_ok=True)
    part.write_bytes(b"PK\x03\x04 setengah jadi")
    return token


def test_the_recovery_fails_a_job_whose_heartbeat_is_stale(app, login):
    with app.app_context():
        identity = jobs.worker_identity()
    host, _pid, boot = identity.split(" ")
    alive = f"{host} {os.getppid()} {boot}"  # a live process on this host: our parent
    stale = _stale_job(app, login, heartbeat_at=utcnow() - timedelta(minutes=5), worker=alive)
    fresh = _stale_job(app, login, heartbeat_at=utcnow(), worker=alive)
    gone_pid = _a_pid_that_is_gone()
    gone = _stale_job(app, login, heartbeat_at=utcnow(), worker=f"{host} {gone_pid} {boot}")
    elsewhere = _stale_job(app, login, heartbeat_at=utcnow(), worker=f"elsewhere 1 {boot}")
    exports = _part(app, stale).parent
    orphan, young = exports / "tanpa-pekerjaan.part", exports / "baru-dimulai.part"
    for part in (orphan, young):  # no running job owns them (the young one's row may be new)
        part.write_bytes(b"PK\x03\x04")
    os.utime(orphan, (time.time() - 120, time.time() - 120))
    with app.app_context():
        assert jobs.recover_dead_jobs() == 2
    assert not orphan.exists() and young.exists()
    young.unlink()
    assert (_job(app, stale).status, _job(app, stale).error) == ("gagal", jobs.WORKER_DIED)
    assert (_job(app, gone).status, _job(app, gone).error) == ("gagal", jobs.WORKER_DIED)
    assert not _part(app, stale).exists() and not _part(app, gone).exists()
    for token in (fresh, elsewhere):  # a heartbeat just written: still running
        assert _job(app, token).status == "berjalan" and _part(app, token).exists()

    arsip = login("arsiparis")
    html = arsip.get(f"/arsip/ekspor/{stale}").get_data(as_text=True)
    assert DIED in html and REFRESH not in html
    assert REFRESH in arsip.get(f"/arsip/ekspor/{fresh}").get_data(as_text=True)

    # the job's page looks too: a heartbeat that goes stale is failed when it is looked at
    with app.app_context():
        db.session.execute(
            db.update(ExportJob)
            .where(ExportJob.token == fresh)
            .values(heartbeat_at=utcnow() - timedelta(seconds=61))
        )
        db.session.commit()
    html = arsip.get(f"/arsip/ekspor/{fresh}").get_data(as_text=True)
    assert DIED in html and REFRESH not in html
    assert _job(app, fresh).status == "gagal" and not _part(app, fresh).exists()


def _a_pid_that_is_gone():
    """The pid of a process that has ended and been reaped."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])  # noqa: S603
    proc.wait()
    return proc.pid


def test_a_job_of_this_process_just_committed_is_not_taken_for_dead(app, login):
    """Between the job's commit and its thread's start, a look at it must not fail it."""
    with app.app_context():
        me = jobs.worker_identity()
    starting = _stale_job(app, login, heartbeat_at=utcnow(), worker=me)  # no thread yet
    abandoned = _stale_job(
        app, login, heartbeat_at=utcnow() - jobs.HEARTBEAT * 3, worker=me
    )  # this process, its thread long gone
    with app.app_context():
        assert jobs.recover_dead_jobs() == 1
    assert _job(app, starting).status == "berjalan" and _part(app, starting).exists()
    assert (_job(app, abandoned).status, _job(app, abandoned).error) == ("gagal", jobs.WORKER_DIED)
