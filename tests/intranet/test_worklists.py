"""Work lists: the case list's search, filters and pages; who holds a case; the article's
title; the nav badge; the daily digest; directions closed with their case."""

import re
from contextlib import contextmanager
from datetime import datetime
from datetime import time
from datetime import timedelta

import pytest
from sqlalchemy import event

from intranet import queue
from intranet import sop
from intranet.cli import load_demo
from intranet.clock import office_day_start
from intranet.clock import office_to_utc
from intranet.clock import today
from intranet.clock import utcnow
from intranet.extensions import db
from intranet.models import Assignment
from intranet.models import Case
from intranet.models import Category
from intranet.models import OutboxMessage
from intranet.models import User
from intranet.queue import BackgroundTask
from intranet.services import cases as case_service
from intranet.services import digest
from intranet.services import intake
from intranet.services import nightly
from intranet.services import notify
from intranet.services import worklists
from tests.conftest import PASSWORD
from tests.fixtures.mail import SMTPServer
from tests.fixtures.scenarios import ARTICLE_DATA
from tests.fixtures.scenarios import build_preview
from tests.fixtures.scenarios import build_published


def _users():
    return {u.username: u for u in db.session.execute(db.select(User)).scalars()}


def _add_cases(app, count, step=3, category_id=1, title="Naskah nomor {n}", started=None):
    """``count`` more cases at ``step`` (set-up rows made like the handover makes them)."""
    with app.app_context():
        d = sop.current()
        opener = _users()["kontributor"]
        ids = []
        for n in range(count):
            case = Case(
                title=title.format(n=n),
                category_id=category_id,
                definition_code=d.code,
                definition_version=d.version,
                definition_sha256=d.sha256,
                step=step,
                status="open",
                opened_by_id=opener.id,
                step_started_at=started or utcnow(),
            )
            db.session.add(case)
            db.session.flush()
            ids.append(case.id)
        db.session.commit()
        return ids


def _rows(page):
    """The case numbers listed on a case-list page, in order."""
    return [
        int(n) for n in re.findall(r'<td data-label="#"><a href="/intranet/naskah/(\d+)"', page)
    ]


def test_the_list_says_the_outcome_awaited_and_who_holds_the_case(app, scenario, login):
    page = login("koordinator").get("/intranet/naskah/").get_data(as_text=True)
    assert _rows(page) == [scenario["case_id"]]
    # step 3 by its outcome label in the SOP definition, held by the redaktur the material was handed to
    assert "3. Tulis konsep" in page and "Demo Redaktur" in page
    assert "Mengoreksi konsep" not in page
    with app.app_context():
        case = db.session.get(Case, scenario["case_id"])
        case.step = 4
        db.session.commit()
    page = login("koordinator").get("/intranet/naskah/").get_data(as_text=True)
    assert "4. Periksa konsep" in page and "Demo Koordinator (Kasubag TP Hupmas)" in page


def test_at_step_nine_an_approval_given_leaves_the_case_with_the_others(app, scenario, login):
    build_preview(app, scenario["case_id"])
    with app.test_request_context(method="POST"):
        users = _users()
        case = db.session.get(Case, scenario["case_id"])
        case.step = 9
        db.session.commit()
        assert worklists.waiting_count(users["redaktur"]) == 1
        case_service.decide(case, users["redaktur"], "approve", version=case.version)
        assert worklists.waiting_count(users["redaktur"]) == 0
        assert worklists.waiting_count(users["penanggungjawab"]) == 1
        assert worklists.tasks_for(users["redaktur"]) == []
    page = login("koordinator").get("/intranet/naskah/").get_data(as_text=True)
    row = page[page.index('data-label="Dipegang"') :]
    assert row.startswith('data-label="Dipegang">Demo Penanggung Jawab</td>')


def test_search_finds_the_working_title_the_article_title_and_the_agenda_number(
    app, scenario, login
):
    others = _add_cases(app, 3, title="Sosialisasi pemilih pemula {n}")
    c = login("redaktur")
    assert _rows(c.get("/intranet/naskah/?q=pleno").get_data(as_text=True)) == [scenario["case_id"]]
    assert _rows(c.get("/intranet/naskah/?q=PEMILIH PEMULA").get_data(as_text=True)) == others[::-1]
    with app.app_context():
        nomor = intake.materials_between(today(), today(), _users()["koordinator"])[0].nomor_agenda
    assert _rows(c.get(f"/intranet/naskah/?q={nomor}").get_data(as_text=True)) == [
        scenario["case_id"]
    ]
    assert _rows(c.get(f"/intranet/naskah/?q=%23{others[1]}").get_data(as_text=True)) == [others[1]]
    # LIKE's wildcards are searched for as they are
    page = c.get("/intranet/naskah/?q=%25").get_data(as_text=True)
    assert _rows(page) == [] and "Tidak ada naskah yang cocok" in page


def test_the_case_takes_the_article_title_once_it_has_one(app, scenario, login):
    with app.test_request_context(method="POST"):
        case = db.session.get(Case, scenario["case_id"])
        case.step = 5
        data = {**ARTICLE_DATA, "title": "Rekapitulasi DPT Cilacap tuntas", "slug": "rekap-dpt"}
        case_service.save_article(case, _users()["penulis"], data, 0)
    c = login("penulis")
    page = c.get("/intranet/naskah/").get_data(as_text=True)
    assert "Rekapitulasi DPT Cilacap tuntas" in page
    assert "judul kerja: Rapat pleno DPT" in page
    # both titles are searched
    for q in ("tuntas", "Rapat pleno"):
        assert _rows(c.get(f"/intranet/naskah/?q={q}").get_data(as_text=True)) == [
            scenario["case_id"]
        ]
    dashboard = c.get("/intranet/").get_data(as_text=True)
    assert f"#{scenario['case_id']} Rekapitulasi DPT Cilacap tuntas" in dashboard
    assert "5. Tulis berita" in dashboard


def test_each_filter_narrows_the_list_in_sql(app, scenario, login):
    with app.app_context():
        second = db.session.execute(
            db.select(Category.id).where(Category.id != 1).order_by(Category.id)
        ).scalar()
    at_five = _add_cases(app, 2, step=5)
    in_second = _add_cases(app, 1, step=8, category_id=second)
    long_ago = datetime.combine(today() - timedelta(days=30), time(9))
    late = _add_cases(app, 1, step=4, started=office_to_utc(long_ago))
    c = login("koordinator")

    def listed(query):
        return sorted(_rows(c.get(f"/intranet/naskah/?{query}").get_data(as_text=True)))

    assert listed("langkah=5") == sorted(at_five)
    assert listed(f"kategori={second}") == in_second
    assert listed("terlambat=1") == late
    with app.app_context():
        users = _users()
        redaktur, penulis, koordinator = (
            users["redaktur"].id,
            users["penulis"].id,
            users["koordinator"].id,
        )
    # the redaktur holds the step-3 case handed to them; the penulis the step-5 cases;
    # the koordinator steps 4 and 8 (and 9 with the PJ)
    assert listed(f"pemegang={redaktur}") == [scenario["case_id"]]
    assert listed(f"pemegang={penulis}") == sorted(at_five)
    assert listed(f"pemegang={koordinator}") == sorted(in_second + late)
    assert listed("langkah=5&kategori=1&terlambat=1") == []
    build_published(app, at_five[0])
    assert listed("langkah=terbit") == [at_five[0]]
    assert at_five[0] not in listed(f"pemegang={penulis}")


def test_the_overdue_filter_agrees_with_each_case_s_overdue_mark(app, login):
    from intranet.models.calendar import Holiday

    with app.app_context():
        db.session.add(
            Holiday(day=today() - timedelta(days=3), name="Libur uji", kind="libur_nasional")
        )
        db.session.commit()
    ids = []
    for back in range(16):
        started = office_to_utc(datetime.combine(today() - timedelta(days=back), time(23, 30)))
        ids += _add_cases(app, 1, step=3 + back % 7, started=started)
    with app.test_request_context():
        expected = sorted(i for i in ids if case_service.overdue(db.session.get(Case, i)))
    assert expected and len(expected) < len(ids)
    page = login("koordinator").get("/intranet/naskah/?terlambat=1").get_data(as_text=True)
    assert sorted(_rows(page)) == expected


def test_pages_of_25_with_bounds(app, scenario, login):
    ids = sorted(_add_cases(app, 30) + [scenario["case_id"]], reverse=True)
    c = login("redaktur")
    first = c.get("/intranet/naskah/").get_data(as_text=True)
    assert _rows(first) == ids[:25]
    assert "31 naskah" in first and "halaman 1 dari 2" in first
    assert 'href="/intranet/naskah/?halaman=2"' in first
    second = c.get("/intranet/naskah/?halaman=2").get_data(as_text=True)
    assert _rows(second) == ids[25:]
    oldest_first = c.get("/intranet/naskah/?urut=lama&halaman=2").get_data(as_text=True)
    assert _rows(oldest_first) == sorted(ids)[25:]
    # the filters stay in the page links
    assert "urut=lama" in oldest_first and "halaman=1" in oldest_first
    past = c.get("/intranet/naskah/?halaman=99")
    assert past.status_code == 200
    page = past.get_data(as_text=True)
    assert _rows(page) == ids[25:] and "halaman terakhir ditampilkan" in page


def test_a_search_counts_and_pages_its_own_matches(app, scenario, login):
    """A text search's total and pages come with its rows (one pass over the cases): the
    count is of the matches alone, a page past the last shows the last, and no match says so."""
    ids = sorted(_add_cases(app, 28, title="Pleno rekap {n}"), reverse=True)
    _add_cases(app, 5, title="Sosialisasi {n}")
    c = login("redaktur")
    first = c.get("/intranet/naskah/?q=rekap").get_data(as_text=True)
    assert _rows(first) == ids[:25] and "28 naskah" in first and "halaman 1 dari 2" in first
    second = c.get("/intranet/naskah/?q=rekap&halaman=2").get_data(as_text=True)
    assert _rows(second) == ids[25:] and "28 naskah" in second
    past = c.get("/intranet/naskah/?q=rekap&halaman=7").get_data(as_text=True)
    assert _rows(past) == ids[25:] and "halaman terakhir ditampilkan" in past
    assert "28 naskah" in past
    none = c.get("/intranet/naskah/?q=tidak-ada-yang-cocok&halaman=3").get_data(as_text=True)
    assert _rows(none) == [] and "0 naskah" in none
    assert "Tidak ada naskah yang cocok" in none


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("halaman=-1", "Nomor halaman tidak sah"),
        ("halaman=abc", "Nomor halaman tidak sah"),
        ("halaman=0", "Nomor halaman tidak sah"),
        ("halaman=99999999999999999999", "Nomor halaman tidak sah"),
        ("langkah=99", "Langkah tidak dikenal"),
        ("langkah=x%00", "Langkah tidak dikenal"),
        ("kategori=unknown", "Kategori tidak dikenal"),
        ("kategori=9999", "Kategori tidak dikenal"),
        ("pemegang=-5", "Pemegang tidak dikenal"),
        ("urut=DROP", "Urutan tidak dikenal"),
        ("q=" + "x" * 5000, "Kata kunci dipotong"),
    ],
)
def test_bad_query_strings_are_ignored_with_a_message(app, scenario, login, query, message):
    r = login("redaktur").get(f"/intranet/naskah/?{query}")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert message in page
    if not query.startswith("q="):
        assert _rows(page) == [scenario["case_id"]]


def test_only_the_sop_team_reads_the_list(app, scenario, login, client):
    assert login("admin").get("/intranet/naskah/").status_code == 403
    assert client.get("/intranet/naskah/").status_code == 302
    for role in ("kontributor", "arsiparis", "penulis"):
        assert login(role).get("/intranet/naskah/").status_code == 200


@contextmanager
def _counting():
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_the_badge_counts_what_the_dashboard_lists_in_one_query(app, scenario, login):
    _add_cases(app, 2, step=4)
    with app.test_request_context():
        users = _users()
        for name, expected in (("koordinator", 2), ("redaktur", 1), ("penulis", 0)):
            user = users[name]
            user.roles()  # loaded once per request by the login check already
            with _counting() as statements:
                count = worklists.waiting_count(user)
            assert count == expected, name
            assert len(statements) == 1
            assert count == len(worklists.tasks_for(user))
        # the scenario's direction was acknowledged at the handover: nothing waits
        assert worklists.waiting_count(users["kontributor"]) == 0
    page = login("koordinator").get("/intranet/").get_data(as_text=True)
    assert re.search(r'id="waiting-badge">2<span class="visually-hidden"> tugas menunggu', page)
    assert 'id="waiting-count">2</span>' in page  # the dashboard's own count, seen on a phone
    # each row names the outcome awaited, linked to where it is decided
    assert len(re.findall(r"#putuskan\">4\. Periksa konsep</a>", page)) == 2
    assert "waiting-badge" not in login("penulis").get("/intranet/").get_data(as_text=True)


def test_an_unread_direction_is_counted_in_the_badge(app, login):
    with app.test_request_context(method="POST"):
        users = _users()
        intake.give_assignment(
            {"instruction": "Liput sosialisasi.", "due_date": today() + timedelta(days=3)},
            users["penanggungjawab"],
            [users["kontributor"]],
        )
        assert worklists.waiting_count(users["kontributor"]) == 1
    page = login("kontributor").get("/intranet/").get_data(as_text=True)
    assert 'id="waiting-badge">1<' in page


def test_records_waiting_for_their_hardcopy_are_counted_for_the_arsiparis(app, scenario, login):
    build_published(app, scenario["case_id"])
    with app.test_request_context():
        users = _users()
        arsiparis = users["arsiparis"]
        arsiparis.roles()
        with _counting() as statements:
            assert worklists.waiting_count(arsiparis) == 1  # its record, belum dicetak
        assert len(statements) == 1
        assert worklists.waiting_count(users["penulis"]) == 0
    page = login("arsiparis").get("/intranet/").get_data(as_text=True)
    assert 'id="waiting-badge">1<' in page and "Belum dicetak: 1 arsip" in page


def _mail_app(app_factory, port):
    app = app_factory(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_SENDER="warta@kpu-cilacap.example"
    )
    with app.app_context():
        load_demo(PASSWORD)
    return app


@pytest.fixture
def smtp():
    server = SMTPServer().start()
    yield server
    server.stop()


def _office(day, hour, minute=0):
    return office_to_utc(datetime.combine(day, time(hour, minute)))


def _digests_to(smtp, address):
    return [m for m in smtp.inbox.messages if m.rcpt_tos == [address]]


def test_the_arsiparis_gets_the_daily_digest_once_a_day(app_factory, smtp, runner):
    app = _mail_app(app_factory, smtp.port)
    from tests.fixtures.scenarios import build_scenario

    scenario = build_scenario(app)
    build_published(app, scenario["case_id"])
    smtp.inbox.messages.clear()
    day = today() + timedelta(days=2)
    with app.app_context():
        assert digest.send_digests(_office(day, 7)) >= 1
        assert digest.send_digests(_office(day, 16)) == 0  # the same office day
    mails = _digests_to(smtp, "arsiparis@warta.invalid")
    assert len(mails) == 1
    text = mails[0].content.decode()
    assert "Ringkasan harian Warta" in text and "Belum dicetak (1):" in text
    assert "Rapat pleno DPT" in text and "/arsip/" in text
    # the redaktur's waiting case is not theirs: the case is published; nobody else is told
    assert _digests_to(smtp, "penulis@warta.invalid") == []
    # the next office day (from 17:00 UTC): once more
    with app.app_context():
        assert digest.send_digests(_office(day + timedelta(days=1), 7)) >= 1
    assert len(_digests_to(smtp, "arsiparis@warta.invalid")) == 2
    # the command sends today's (a third), then nothing more today
    cli = app.test_cli_runner()
    first = cli.invoke(args=["notify", "digest"])
    assert first.exit_code == 0, first.output
    again = cli.invoke(args=["notify", "digest"])
    assert again.exit_code == 0 and again.output.startswith("0 digest")
    assert len(_digests_to(smtp, "arsiparis@warta.invalid")) == 3


def test_the_digest_lists_the_cases_waiting_on_a_person(app, scenario):
    with app.test_request_context():
        body = digest.body_for(_users()["redaktur"], today())
        assert f"#{scenario['case_id']} Rapat pleno DPT: 3. Tulis konsep" in body
        assert f"/intranet/naskah/{scenario['case_id']}" in body
        assert digest.body_for(_users()["admin"], today()) is None


def _clock(monkeypatch, moment):
    for module in (queue, notify, digest):
        monkeypatch.setattr(module, "utcnow", lambda: moment)


def test_the_worker_sends_the_digest_at_seven_office_time(app, scenario, monkeypatch):
    app.config["QUEUE_NIGHTLY"] = True
    app.config["QUEUE_EAGER"] = ()
    day = today() + timedelta(days=3)
    key = f"{nightly.DIGEST_TASK}@{day.isoformat()}"

    def digests():
        with app.app_context():
            return db.session.execute(
                db.select(db.func.count(OutboxMessage.id)).where(
                    OutboxMessage.kind == digest.KIND,
                    OutboxMessage.created_at >= office_day_start(day),
                )
            ).scalar_one()

    _clock(monkeypatch, _office(day, 6, 59))
    queue.run_burst(app)
    assert digests() == 0
    _clock(monkeypatch, _office(day, 7, 0))
    queue.run_burst(app)
    after_seven = digests()
    assert after_seven >= 1  # the redaktur's waiting case
    _clock(monkeypatch, _office(day, 9, 0))
    queue.run_burst(app)
    assert digests() == after_seven
    with app.app_context():
        rows = db.session.execute(
            db.select(BackgroundTask.state).where(BackgroundTask.dedupe_key == key)
        ).all()
        assert [r.state for r in rows] == ["selesai"]


def test_a_direction_closes_when_its_case_is_published(app, scenario):
    with app.app_context():
        assert db.session.get(Assignment, scenario["assignment_id"]).closed_at is None
    build_published(app, scenario["case_id"])
    with app.app_context():
        assert db.session.get(Assignment, scenario["assignment_id"]).closed_at is not None


def test_a_direction_with_another_case_on_its_way_stays_open(app, scenario):
    with app.app_context():
        other = _add_cases(app, 1)[0]
        db.session.get(Case, other).assignment_id = scenario["assignment_id"]
        db.session.commit()
    build_published(app, scenario["case_id"])
    with app.app_context():
        assert db.session.get(Assignment, scenario["assignment_id"]).closed_at is None


def test_the_direction_picker_shows_the_whole_instruction(app, login):
    instruction = (
        "Liput rapat koordinasi pemutakhiran data pemilih berkelanjutan bersama Bawaslu, "
        "Dukcapil dan partai politik di aula kantor, termasuk sesi tanya jawab."
    )
    with app.test_request_context(method="POST"):
        users = _users()
        a = intake.give_assignment(
            {"instruction": instruction, "due_date": today() + timedelta(days=3)},
            users["penanggungjawab"],
            [users["kontributor"]],
        )
        assignment_id = a.id
    page = login("kontributor").get("/intranet/naskah/serahkan").get_data(as_text=True)
    assert f"#{assignment_id} · {instruction}</option>" in page
