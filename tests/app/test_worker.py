"""The background worker: tasks recorded in the database, run through the real queue."""

from datetime import timedelta

import pytest

from intranet import queue
from intranet.cli import load_demo
from intranet.extensions import db
from intranet.queue import BackgroundTask
from tests.conftest import PASSWORD
from tests.fixtures import tasks


@pytest.fixture
def app(app_factory, tmp_path):
    """The demo team's app, its tasks going through the queue (no eager mode)."""
    app = app_factory(**tasks.queue_config(tmp_path))
    with app.app_context():
        load_demo(PASSWORD)
    return app


def _rows(app):
    with app.app_context():
        rows = db.session.execute(db.select(BackgroundTask).order_by(BackgroundTask.id))
        return [(r.name, r.state, r.attempts, r.last_error) for r in rows.scalars()]


def test_enqueued_task_runs_after_commit_through_the_queue(app, tmp_path):
    out = tmp_path / "out.txt"
    with app.app_context():
        row = queue.enqueue("tests.note", path=str(out), text="halo")
        assert queue.store(app).pending_count() == 0  # not before the commit
        db.session.commit()
        assert queue.store(app).pending_count() == 1
        row_id = row.id
    counts = queue.run_burst(app)
    assert counts == {"selesai": 1, "gagal": 0, "menunggu": 0}
    assert out.read_text() == "halo\n"
    assert _rows(app) == [("tests.note", "selesai", 1, None)]
    assert queue.store(app).pending_count() == 0
    assert queue.run_row(app, row_id) is None  # done: never again


def test_rolled_back_enqueue_queues_nothing(app, tmp_path):
    with app.app_context():
        queue.enqueue("tests.note", path=str(tmp_path / "x"), text="x")
        db.session.rollback()
    assert queue.store(app).pending_count() == 0
    assert queue.run_burst(app) == {"selesai": 0, "gagal": 0, "menunggu": 0}
    assert _rows(app) == []


def test_same_dedupe_key_queued_twice_runs_once(app, tmp_path):
    out = tmp_path / "out.txt"
    with app.app_context():
        first = queue.enqueue("tests.note", dedupe_key="sekali", path=str(out), text="a")
        again = queue.enqueue("tests.note", dedupe_key="sekali", path=str(out), text="a")
        assert again.id == first.id
        db.session.commit()
        later = queue.enqueue("tests.note", dedupe_key="sekali", path=str(out), text="a")
        db.session.commit()
        assert later.id == first.id
    queue.run_burst(app)
    with app.app_context():
        queue.enqueue("tests.note", dedupe_key="sekali", path=str(out), text="a")
        db.session.commit()
    queue.run_burst(app)
    assert out.read_text() == "a\n"
    assert len(_rows(app)) == 1


def test_unknown_task_and_arguments_that_are_not_json_are_refused(app):
    with app.app_context():
        with pytest.raises(KeyError):
            queue.enqueue("tests.nothing")
        with pytest.raises(TypeError):
            queue.enqueue("tests.note", path=object(), text="x")
        db.session.commit()
    assert _rows(app) == []


def test_failing_task_is_retried_with_back_off_then_succeeds(app, tmp_path, monkeypatch):
    runs = tmp_path / "runs.txt"
    start = queue.utcnow().replace(microsecond=0)  # (MariaDB keeps whole seconds)
    now = [start]
    monkeypatch.setattr(queue, "utcnow", lambda: now[0])
    with app.app_context():
        queue.enqueue("tests.flaky", path=str(runs), fail_times=2)
        db.session.commit()
    assert queue.run_burst(app) == {"selesai": 0, "gagal": 0, "menunggu": 1}
    with app.app_context():
        row = db.session.execute(db.select(BackgroundTask)).scalar_one()
        assert row.next_attempt_at == start + queue.RETRY_FIRST
        assert "percobaan ke-1 gagal" in row.last_error
    # not due yet: nothing runs
    now[0] = start + queue.RETRY_FIRST - timedelta(seconds=1)
    assert queue.run_burst(app) == {"selesai": 0, "gagal": 0, "menunggu": 0}
    now[0] = start + queue.RETRY_FIRST
    assert queue.run_burst(app) == {"selesai": 0, "gagal": 0, "menunggu": 1}
    with app.app_context():
        row = db.session.execute(db.select(BackgroundTask)).scalar_one()
        assert row.next_attempt_at == now[0] + 2 * queue.RETRY_FIRST  # doubled
    now[0] += 2 * queue.RETRY_FIRST
    assert queue.run_burst(app) == {"selesai": 1, "gagal": 0, "menunggu": 0}
    assert runs.read_text() == "run\nrun\nrun\n"
    assert _rows(app)[0][:3] == ("tests.flaky", "selesai", 3)


def test_poison_task_fails_with_reason_and_others_still_run(app, tmp_path, monkeypatch):
    now = [queue.utcnow()]
    monkeypatch.setattr(queue, "utcnow", lambda: now[0])
    out = tmp_path / "out.txt"
    with app.app_context():
        queue.enqueue("tests.poison", path=str(tmp_path / "p.txt"))
        queue.enqueue("tests.note", path=str(out), text="satu")
        queue.enqueue("tests.note", path=str(out), text="dua")
        db.session.commit()
    assert queue.run_burst(app) == {"selesai": 2, "gagal": 0, "menunggu": 1}
    now[0] += queue.RETRY_FIRST
    assert queue.run_burst(app) == {"selesai": 0, "gagal": 1, "menunggu": 0}
    assert out.read_text() == "satu\ndua\n"
    rows = _rows(app)
    assert rows[0] == ("tests.poison", "gagal", 2, "ValueError: berkas rusak")
    # the admin's retry queues it afresh; it fails again, with its reason
    with app.app_context():
        row_id = db.session.execute(
            db.select(BackgroundTask.id).where(BackgroundTask.name == "tests.poison")
        ).scalar_one()
        assert queue.retry(row_id) is True
        assert queue.retry(row_id) is False  # waiting now, not failed
    assert queue.run_burst(app)["menunggu"] == 1
    assert (tmp_path / "p.txt").read_text().count("poison") == 3


def test_a_task_no_longer_wanted_ends_cancelled_with_its_reason_never_retried(app, tmp_path):
    runs, out = tmp_path / "runs.txt", tmp_path / "out.txt"
    with app.app_context():
        unwanted = queue.enqueue(
            "tests.unwanted", path=str(runs), reason="berkasnya sudah dimusnahkan"
        )
        keep = queue.enqueue("tests.note", path=str(out), text="tetap")
        drop = queue.enqueue("tests.note", path=str(out), text="batal")
        db.session.commit()
        # waiting work cancelled by its arguments, in the caller's transaction
        assert queue.cancel("tests.note", "tidak diperlukan lagi", lambda a: a["text"] == "x") == 0
        assert (
            queue.cancel("tests.note", "tidak diperlukan lagi", lambda a: a["text"] == "batal") == 1
        )
        db.session.rollback()  # rolled back: nothing cancelled
        assert (
            queue.cancel("tests.note", "tidak diperlukan lagi", lambda a: a["text"] == "batal") == 1
        )
        db.session.commit()
        keep_id, drop_id, unwanted_id = keep.id, drop.id, unwanted.id
    assert queue.run_burst(app) == {"selesai": 1, "gagal": 0, "menunggu": 0, "dibatalkan": 1}
    assert runs.read_text() == "unwanted\n" and out.read_text() == "tetap\n"
    assert _rows(app) == [
        ("tests.unwanted", "dibatalkan", 1, "berkasnya sudah dimusnahkan"),
        ("tests.note", "selesai", 1, None),
        ("tests.note", "dibatalkan", 0, "tidak diperlukan lagi"),
    ]
    assert queue.run_row(app, drop_id) is None  # its queue message finds it cancelled
    with app.app_context():
        assert queue.retry(drop_id) is False  # only a failed task is queued again
        listed = queue.listing()
        assert {t.id for t in listed["cancelled"]} == {drop_id, unwanted_id}
        assert [t.id for t in listed["done"]] == [keep_id]
    assert queue.run_burst(app) == {"selesai": 0, "gagal": 0, "menunggu": 0}
    assert runs.read_text() == "unwanted\n"
    # the admin sees each with its reason
    admin = app.test_client()
    r = admin.post("/intranet/login", data={"username": "admin", "password": PASSWORD})
    assert r.status_code == 302
    page = admin.get("/intranet/admin/tugas").get_data(as_text=True)
    cancelled = page[page.index("Dibatalkan baru-baru ini") :]
    assert "berkasnya sudah dimusnahkan" in cancelled and "tidak diperlukan lagi" in cancelled
