"""The worker as its own process: ``flask worker --burst`` runs what is queued and exits;
a worker killed with SIGKILL mid-task leaves the task to run again after the restart, and
nothing runs twice to its end; a task whose worker keeps dying is failed, not run forever."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from intranet import queue
from intranet.cli import load_demo
from intranet.extensions import db
from intranet.queue import BackgroundTask
from tests.conftest import PASSWORD
from tests.conftest import Auth
from tests.fixtures import tasks

ROOT = Path(__file__).resolve().parents[2]
APP = "tests.fixtures.tasks:create"


@pytest.fixture
def app(app_factory, tmp_path):
    """An app whose tasks go through the queue, with a short lease."""
    return app_factory(**tasks.queue_config(tmp_path), QUEUE_LEASE_SECONDS=3)


def worker_env(app):
    """The environment of a worker process on the test app's database, folders and queue."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARTA_")}
    env.update(
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        WARTA_INSTANCE_PATH=app.instance_path,
        WARTA_SECRET_KEY=app.config["SECRET_KEY"],
        WARTA_FILES_DIR=app.config["FILES_DIR"],
        WARTA_ARCHIVE_DIR=app.config["ARCHIVE_DIR"],
        WARTA_SEARCH_INDEX_DIR=app.config["SEARCH_INDEX_DIR"],
        WARTA_QUEUE_NAME=app.config["QUEUE_NAME"],
        WARTA_QUEUE_LEASE_SECONDS=str(app.config["QUEUE_LEASE_SECONDS"]),
        WARTA_QUEUE_SWEEP_SECONDS="1",
        WARTA_QUEUE_NIGHTLY="false",
    )
    if app.config.get("QUEUE_URL"):
        env["WARTA_QUEUE_URL"] = app.config["QUEUE_URL"]
    return env


def flask(*args):
    return [sys.executable, "-m", "flask", "--app", APP, *args]


def _rows(app, prefix=""):
    with app.app_context():
        rows = db.session.execute(
            db.select(BackgroundTask)
            .where(BackgroundTask.name.startswith(prefix))
            .order_by(BackgroundTask.id)
        )
        return [(r.name, r.state, r.attempts) for r in rows.scalars()]


def _wait_for(condition, what, timeout=60):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def test_worker_burst_runs_what_is_queued_and_exits(app, tmp_path):
    out = tmp_path / "out.txt"
    with app.app_context():
        queue.enqueue("tests.note", path=str(out), text="satu")
        queue.enqueue("tests.note", path=str(out), text="dua")
        queue.enqueue("tests.poison", path=str(tmp_path / "p.txt"))
        db.session.commit()
    done = _burst(app)
    assert done.returncode == 0, done.stderr
    assert "2 done, 0 failed, 1 waiting for a retry." in done.stdout
    assert out.read_text() == "satu\ndua\n"
    assert sorted(_rows(app)) == [
        ("tests.note", "selesai", 1),
        ("tests.note", "selesai", 1),
        ("tests.poison", "menunggu", 1),
    ]


def test_a_worker_killed_mid_task_leaves_it_to_run_again_after_restart(app, tmp_path):
    out, release = tmp_path / "out.txt", tmp_path / "lepas"
    note = tmp_path / "note.txt"
    with app.app_context():
        queue.enqueue("tests.block", path=str(out), release=str(release))
        queue.enqueue("tests.note", path=str(note), text="sekali")
        db.session.commit()
    first = subprocess.Popen(  # noqa: S603 - our own interpreter and code
        flask("worker", "--threads", "1"),
        cwd=ROOT,
        env=worker_env(app),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(lambda: out.exists() and "start" in out.read_text(), "the task never started")
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait(timeout=30)
    assert out.read_text() == f"start {first.pid}\n"
    with app.app_context():
        row = db.session.execute(
            db.select(BackgroundTask).where(BackgroundTask.name == "tests.block")
        ).scalar_one()
        assert (row.state, row.attempts, row.worker.split(" ")[1]) == (
            "berjalan",
            1,
            str(first.pid),
        )
    release.touch()
    second = subprocess.Popen(  # noqa: S603 - our own interpreter and code
        flask("worker"),
        cwd=ROOT,
        env=worker_env(app),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(
            lambda: [r[1] for r in _rows(app, "tests.")] == ["selesai", "selesai"],
            "the task did not run again",
        )
    finally:
        second.send_signal(signal.SIGINT)
        try:
            second.wait(timeout=30)
        except subprocess.TimeoutExpired:
            second.kill()
            second.wait(timeout=30)
        log = second.stderr.read()
        second.stderr.close()
    assert "Traceback" not in log, log
    assert out.read_text() == f"start {first.pid}\nstart {second.pid}\nend {second.pid}\n"
    assert note.read_text() == "sekali\n"  # ran once, by whichever worker took it
    assert _rows(app, "tests.") == [("tests.block", "selesai", 2), ("tests.note", "selesai", 1)]
    with app.app_context():
        row = db.session.execute(
            db.select(BackgroundTask).where(BackgroundTask.name == "tests.block")
        ).scalar_one()
        assert row.last_error == queue.WORKER_DIED


def test_a_task_whose_lease_lapsed_elsewhere_runs_again(app, tmp_path, monkeypatch):
    """A worker on another host cannot be looked at: its lease lapsing is what tells."""
    out = tmp_path / "out.txt"
    with app.app_context():
        queue.enqueue("tests.note", path=str(out), text="lagi")
        db.session.commit()
        now = queue.utcnow()
        db.session.execute(
            db.update(BackgroundTask).values(
                state="berjalan",
                attempts=1,
                worker="host-lain 4242 boot-lain",
                lease_until=now + queue.timedelta(seconds=3),
            )
        )
        db.session.commit()
    assert queue.run_burst(app)["selesai"] == 0  # its lease holds: not taken
    monkeypatch.setattr(queue, "utcnow", lambda: now + queue.timedelta(seconds=4))
    assert queue.run_burst(app)["selesai"] == 1
    assert out.read_text() == "lagi\n"


def _burst(app):
    """One ``flask worker --burst`` process, run to its end."""
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        flask("worker", "--burst"),
        cwd=ROOT,
        env=worker_env(app),
        capture_output=True,
        text=True,
        timeout=120,
    )


def _fatal_row(app):
    with app.app_context():
        row = db.session.execute(
            db.select(BackgroundTask).where(BackgroundTask.name == "tests.fatal")
        ).scalar_one()
        return row.state, row.attempts, row.worker_deaths, row.last_error


def test_a_task_whose_worker_keeps_dying_is_failed_with_its_reason_and_can_be_retried(
    app, tmp_path
):
    """The task kills its worker each time (no retries of its own): it runs again after each
    death until its worker has died ``WORKER_DEATHS`` times, then it is failed."""
    out = tmp_path / "out.txt"
    with app.app_context():
        load_demo(PASSWORD)
        queue.enqueue("tests.fatal", path=str(out))
        db.session.commit()
    assert queue.WORKER_DEATHS == 3
    for run in range(1, queue.WORKER_DEATHS + 1):
        done = _burst(app)
        assert done.returncode == -signal.SIGKILL, (done.stdout, done.stderr)
        assert len(out.read_text().splitlines()) == run
        # the row is left running; the next worker's sweep counts the earlier deaths
        assert _fatal_row(app)[:3] == ("berjalan", run, run - 1)
    done = _burst(app)  # its sweep fails the row instead of running it a fourth time
    assert done.returncode == 0, done.stderr
    assert "0 done, 0 failed, 0 waiting for a retry." in done.stdout
    assert len(out.read_text().splitlines()) == queue.WORKER_DEATHS
    reason = "Pekerja berhenti saat menjalankan tugas ini 3 kali"
    assert _fatal_row(app) == ("gagal", 3, 3, reason)
    # the admin sees it failed with the reason, and queues it again
    admin = app.test_client()
    assert Auth(admin).login("admin").status_code == 302
    page = admin.get("/intranet/admin/tugas").get_data(as_text=True)
    assert "<h2>Gagal</h2>" in page
    failed = page[page.find("<h2>Gagal</h2>") : page.find("Menunggu dan berjalan")]
    assert "tests.fatal" in failed and reason in failed and "Coba lagi" in failed
    with app.app_context():
        row_id = db.session.execute(db.select(BackgroundTask.id)).scalar_one()
    r = admin.post(f"/intranet/admin/tugas/{row_id}/ulang")
    assert r.status_code == 302
    assert _fatal_row(app)[:3] == ("menunggu", 0, 0)
    # run afresh: its deaths are counted from zero again
    assert _burst(app).returncode == -signal.SIGKILL
    assert len(out.read_text().splitlines()) == queue.WORKER_DEATHS + 1
    assert _burst(app).returncode == -signal.SIGKILL
    assert _fatal_row(app)[:3] == ("berjalan", 2, 1)
