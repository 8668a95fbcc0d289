"""Each kind of work moved onto the background worker, driven through the real queue: an
export, the search index's drain, mail, a scheduled publication's mail to the partners
(at the due time, not before) and the nightly verification and anchoring."""

from datetime import datetime
from datetime import timedelta

import pytest

from archive import indexing
from archive.models import ExportJob
from archive.models import FixityRun
from archive.models import IndexQueueEntry
from intranet import queue
from intranet.cli import load_demo
from intranet.clock import office_to_utc
from intranet.clock import utcnow
from intranet.extensions import db
from intranet.models import OutboxMessage
from intranet.models import User
from intranet.queue import BackgroundTask
from intranet.services import nightly
from intranet.services import notify
from tests.conftest import PASSWORD
from tests.fixtures import tasks
from tests.fixtures.mail import SMTPServer
from tests.fixtures.scenarios import build_published

PARTNER = "humas@bawaslu-cilacap.example"


@pytest.fixture
def smtp():
    server = SMTPServer().start()
    yield server
    server.stop()


@pytest.fixture
def app(app_factory, tmp_path, smtp):
    """The demo team's app with mail, its tasks going through the queue (no eager mode)."""
    app = app_factory(
        **tasks.queue_config(tmp_path),
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp.port,
        MAIL_SENDER="warta@kpu-cilacap.example",
        MAIL_TIMEOUT=3,
    )
    with app.app_context():
        load_demo(PASSWORD)
    queue.run_burst(app)  # the demo's own mail
    smtp.inbox.messages.clear()
    return app


def _tasks(app, name):
    with app.app_context():
        return [
            (t.state, t.attempts)
            for t in db.session.execute(
                db.select(BackgroundTask).where(BackgroundTask.name == name)
            ).scalars()
        ]


def _count(app, model):
    with app.app_context():
        return db.session.execute(db.select(db.func.count()).select_from(model)).scalar()


def _clock(monkeypatch, moment):
    """Move the queue's and the outbox's clock to ``moment`` (naive UTC)."""
    for module in (queue, notify):
        monkeypatch.setattr(module, "utcnow", lambda: moment)


def test_an_export_is_built_by_the_worker(app, scenario, login):
    build_published(app, scenario["case_id"])
    queue.run_burst(app)
    arsip = login("arsiparis")
    r = arsip.post("/arsip/ekspor", data={})
    token = r.location.rsplit("/", 1)[1]
    with app.app_context():
        job = db.session.execute(db.select(ExportJob).where(ExportJob.token == token)).scalar_one()
        assert job.status == "menunggu"  # queued, not built by the web request
    assert arsip.get(f"/arsip/ekspor/{token}/unduh").status_code == 404
    assert _tasks(app, "archive.export") == [("menunggu", 0)]
    assert queue.run_burst(app)["selesai"] >= 1
    assert _tasks(app, "archive.export") == [("selesai", 1)]
    with app.app_context():
        job = db.session.execute(db.select(ExportJob).where(ExportJob.token == token)).scalar_one()
        assert (job.status, job.done, job.total) == ("selesai", 1, 1)
    r = arsip.get(f"/arsip/ekspor/{token}/unduh")
    assert r.status_code == 200 and r.data[:2] == b"PK"
    r.close()
    # the same export's task queued again (a lost hand-off, a second worker) builds nothing
    with app.app_context():
        assert queue.enqueue("archive.export", dedupe_key=f"export:{job.id}", job_id=job.id)
        db.session.commit()
    assert queue.run_burst(app) == {"selesai": 0, "gagal": 0, "menunggu": 0}


def test_the_search_index_is_drained_by_the_worker(app, scenario):
    build_published(app, scenario["case_id"])
    assert _count(app, IndexQueueEntry) >= 1  # the publication queued its record
    assert _tasks(app, indexing.DRAIN_TASK) == [("menunggu", 0)]  # one drain, however many
    queue.run_burst(app)
    assert _count(app, IndexQueueEntry) == 0
    assert _tasks(app, indexing.DRAIN_TASK) == [("selesai", 1)]
    with app.app_context():
        admin = db.session.execute(db.select(User).where(User.username == "admin")).scalar_one()
        found = indexing.search_index().query(
            "pleno", indexing._readable(admin), {}, "relevance", 1, 20
        )
        assert found.total == 1


def test_mail_is_sent_by_the_worker_not_by_the_request(app, smtp):
    with app.app_context():
        user = db.session.execute(db.select(User).where(User.username == "redaktur")).scalar_one()
        notify.queue(user, "Uji antrean", "Isi pesan.", "uji")
        notify.queue(user, "Uji antrean kedua", "Isi pesan.", "uji")
        db.session.commit()
    assert smtp.inbox.messages == []
    assert _tasks(app, notify.SEND_TASK) == [("menunggu", 0)]  # one send for both
    queue.run_burst(app)
    assert [m.rcpt_tos for m in smtp.inbox.messages] == [["redaktur@warta.invalid"]] * 2
    assert _tasks(app, notify.SEND_TASK) == [("selesai", 1)]


def test_a_refused_message_is_sent_by_a_later_send_after_its_back_off(app, smtp, monkeypatch):
    start = utcnow()
    _clock(monkeypatch, start)
    smtp.stop()  # the server is down
    with app.app_context():
        notify.queue_address("mitra@contoh.example", "Uji", "Isi.", "uji")
        db.session.commit()
    queue.run_burst(app)
    with app.app_context():
        msg = db.session.execute(db.select(OutboxMessage)).scalars().all()[-1]
        assert (msg.sent_at, msg.attempts) == (None, 1) and msg.last_error
        retry_at = msg.next_attempt_at
    # the send task queued the next send for the message's retry
    waiting = _tasks(app, notify.SEND_TASK)
    assert ("menunggu", 0) in waiting
    restarted = SMTPServer(port=smtp.port).start()
    smtp.controller = restarted.controller  # the fixture stops this one
    _clock(monkeypatch, retry_at - timedelta(seconds=1))
    queue.run_burst(app)
    assert restarted.inbox.messages == []  # not before its back-off
    _clock(monkeypatch, retry_at)
    queue.run_burst(app)
    assert [m.rcpt_tos for m in restarted.inbox.messages] == [["mitra@contoh.example"]]


def test_scheduled_publication_emails_partners_at_the_due_time_not_before(
    app, scenario, smtp, monkeypatch
):
    when = (utcnow() + timedelta(hours=2)).replace(microsecond=0)
    build_published(app, scenario["case_id"], when=when)
    queue.run_burst(app)  # everything due now (the record's index), not the partner's mail
    assert [m for m in smtp.inbox.messages if m.rcpt_tos == [PARTNER]] == []
    with app.app_context():
        partner = db.session.execute(
            db.select(OutboxMessage).where(OutboxMessage.kind == "partner")
        ).scalar_one()
        assert (partner.next_attempt_at, partner.sent_at) == (when, None)
    _clock(monkeypatch, when - timedelta(seconds=1))
    queue.run_burst(app)
    assert [m for m in smtp.inbox.messages if m.rcpt_tos == [PARTNER]] == []
    _clock(monkeypatch, when)
    counts = queue.run_burst(app)
    assert counts["selesai"] >= 1
    told = [m for m in smtp.inbox.messages if m.rcpt_tos == [PARTNER]]
    assert len(told) == 1 and "Subject: Berita terbit" in told[0].content.decode()
    queue.run_burst(app)  # and only once
    assert len([m for m in smtp.inbox.messages if m.rcpt_tos == [PARTNER]]) == 1


def test_publication_now_emails_partners_at_once(app, scenario, smtp):
    build_published(app, scenario["case_id"])
    assert [m for m in smtp.inbox.messages if m.rcpt_tos == [PARTNER]] == []  # by the worker
    queue.run_burst(app)
    assert len([m for m in smtp.inbox.messages if m.rcpt_tos == [PARTNER]]) == 1


def _office(day, hour, minute):
    return office_to_utc(
        datetime.combine(day, datetime.min.time()).replace(hour=hour, minute=minute)
    )


def _nights(app, name, since):
    """The office dates from ``since`` on that the nightly task ``name`` was queued for,
    each with its state."""
    with app.app_context():
        rows = db.session.execute(
            db.select(BackgroundTask.dedupe_key, BackgroundTask.state)
            .where(BackgroundTask.name == name)
            .order_by(BackgroundTask.id)
        ).all()
    return [(key.split("@")[1], state) for key, state in rows if key.split("@")[1] >= since]


def test_nightly_work_is_queued_once_per_office_night_at_its_time(app, monkeypatch):
    app.config["QUEUE_NIGHTLY"] = True
    day = utcnow().date() + timedelta(days=3)
    night, next_night = day.isoformat(), (day + timedelta(days=1)).isoformat()
    runs = _count(app, FixityRun)
    _clock(monkeypatch, _office(day, 0, 59))
    queue.run_burst(app)
    assert _nights(app, nightly.VERIFY_TASK, night) == []
    _clock(monkeypatch, _office(day, 1, 0))
    queue.run_burst(app)
    assert _nights(app, nightly.VERIFY_TASK, night) == [(night, "selesai")]
    assert _nights(app, nightly.ANCHOR_TASK, night) == []  # its time is 01:30
    assert _count(app, FixityRun) == runs + 1
    _clock(monkeypatch, _office(day, 1, 30))
    queue.run_burst(app)
    queue.sweep(app)  # a second worker's sweep the same night queues nothing
    queue.run_burst(app)
    assert _nights(app, nightly.VERIFY_TASK, night) == [(night, "selesai")]
    assert _nights(app, nightly.ANCHOR_TASK, night) == [(night, "selesai")]
    assert _count(app, FixityRun) == runs + 1
    # the next office night (which begins at 17:00 UTC): once more each
    _clock(monkeypatch, _office(day + timedelta(days=1), 1, 45))
    queue.run_burst(app)
    for name in (nightly.VERIFY_TASK, nightly.ANCHOR_TASK):
        assert _nights(app, name, night) == [(night, "selesai"), (next_night, "selesai")]
    assert _count(app, FixityRun) == runs + 2
