"""Notifications through a real SMTP server on loopback; the outbox never loses a message."""

from datetime import timedelta

import pytest

from intranet.cli import load_demo
from intranet.clock import utcnow
from intranet.extensions import db
from intranet.models import OutboxMessage
from tests.conftest import PASSWORD
from tests.fixtures.mail import SMTPServer
from tests.fixtures.mail import free_port
from tests.fixtures.scenarios import build_scenario


@pytest.fixture
def smtp():
    server = SMTPServer().start()
    yield server
    server.stop()


def mail_app(app_factory, port):
    app = app_factory(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=port,
        MAIL_SENDER="warta@kpu-cilacap.example",
        MAIL_TIMEOUT=3,
    )
    with app.app_context():
        load_demo(PASSWORD)
    return app


def test_whoever_acts_next_gets_an_email(app_factory, smtp):
    app = mail_app(app_factory, smtp.port)
    build_scenario(app)
    recipients = sorted(rcpt for m in smtp.inbox.messages for rcpt in m.rcpt_tos)
    assert recipients == ["kontributor@warta.invalid", "redaktur@warta.invalid"]
    handover = next(m for m in smtp.inbox.messages if m.rcpt_tos == ["redaktur@warta.invalid"])
    content = handover.content.decode()
    assert "Subject: Bahan informasi diserahkan kepada Anda: Rapat pleno DPT" in content
    assert "/intranet/naskah/" in content
    with app.app_context():
        rows = db.session.execute(db.select(OutboxMessage)).scalars().all()
        assert len(rows) == 2 and all(m.sent_at is not None and m.attempts == 1 for m in rows)


def test_smtp_down_keeps_the_message_and_sends_it_later(app_factory):
    port = free_port()
    app = mail_app(app_factory, port)
    ids = build_scenario(app)  # the server is down: the actions still succeed
    with app.app_context():
        rows = db.session.execute(db.select(OutboxMessage)).scalars().all()
        assert len(rows) == 2
        assert all(
            m.sent_at is None and m.attempts >= 1 and "Connection" in (m.last_error or "")
            for m in rows
        )
        assert all(m.next_attempt_at > utcnow() for m in rows)
    server = SMTPServer(port).start()
    try:
        runner = app.test_cli_runner()
        r = runner.invoke(args=["outbox", "send"])
        assert "0 sent" in r.output  # not due yet: the back-off is respected
        with app.app_context():
            db.session.execute(
                db.update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1))
            )
            db.session.commit()
        r = runner.invoke(args=["outbox", "send"])
        assert r.exit_code == 0 and "2 sent, 0 failed" in r.output
        assert len(server.inbox.messages) == 2
        r = runner.invoke(args=["outbox", "send"])
        assert "0 sent" in r.output  # each message goes out once
    finally:
        server.stop()
    assert ids["case_id"]


def test_without_smtp_messages_stay_in_the_outbox(app, login, scenario):
    page = login("admin").get("/intranet/admin/kotak-keluar").get_data(as_text=True)
    assert "Penugasan baru dari Demo Penanggung Jawab" in page and "menunggu" in page
    r = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert r.exit_code != 0 and "MAIL_SERVER is not configured" in r.output


def test_people_without_an_email_address_are_skipped_not_lost(app_factory, smtp):
    app = mail_app(app_factory, smtp.port)
    with app.app_context():
        from intranet.models import User

        db.session.execute(db.update(User).where(User.username == "redaktur").values(email=None))
        db.session.commit()
    build_scenario(app)
    with app.app_context():
        waiting = (
            db.session.execute(db.select(OutboxMessage).where(OutboxMessage.sent_at.is_(None)))
            .scalars()
            .all()
        )
        assert [m.kind for m in waiting] == ["handover"]


def test_one_broken_message_does_not_block_the_rest(app_factory, smtp):
    app = mail_app(app_factory, smtp.port)
    with app.app_context():
        from intranet.models import User

        user = db.session.execute(db.select(User).where(User.username == "redaktur")).scalar_one()
        for subject in ("Pertama", "Rusak\u2028Bcc: semua@example.com", "Ketiga"):
            db.session.add(
                OutboxMessage(
                    to_user_id=user.id, to_email=user.email, subject=subject, body="isi", kind="uji"
                )
            )
        db.session.commit()
        from intranet.services import notify

        sent, failed = notify.deliver_pending()
        assert (sent, failed) == (2, 1)
        broken = db.session.execute(
            db.select(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
        ).scalar_one()
        assert broken.attempts == 1 and broken.last_error and broken.claimed_at is None
    assert sorted(
        m.content.decode().split("Subject: ")[1].split("\r\n")[0] for m in smtp.inbox.messages
    ) == ["Ketiga", "Pertama"]


def test_two_senders_never_send_a_message_twice(app_factory, smtp):
    import threading

    app = mail_app(app_factory, smtp.port)
    with app.app_context():
        from intranet.models import User

        user = db.session.execute(db.select(User).where(User.username == "redaktur")).scalar_one()
        for i in range(30):
            db.session.add(
                OutboxMessage(
                    to_user_id=user.id,
                    to_email=user.email,
                    subject=f"Pesan {i}",
                    body="isi",
                    kind="uji",
                )
            )
        db.session.commit()

    def send():
        with app.app_context():
            from intranet.services import notify

            notify.deliver_pending()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    subjects = [
        m.content.decode().split("Subject: ")[1].split("\r\n")[0] for m in smtp.inbox.messages
    ]
    assert sorted(subjects) == sorted(f"Pesan {i}" for i in range(30))


def test_an_address_added_later_still_gets_the_mail(app_factory, smtp):
    app = mail_app(app_factory, smtp.port)
    with app.app_context():
        from intranet.models import User

        db.session.execute(db.update(User).where(User.username == "redaktur").values(email=None))
        db.session.commit()
    build_scenario(app)
    with app.app_context():
        from intranet.models import User
        from intranet.services import notify

        db.session.execute(
            db.update(User).where(User.username == "redaktur").values(email="redaktur@kpu.example")
        )
        db.session.commit()
        assert notify.deliver_pending() == (1, 0)
    assert any(m.rcpt_tos == ["redaktur@kpu.example"] for m in smtp.inbox.messages)
