"""Dates follow the office's calendar (Asia/Jakarta, UTC+7), not the server's clock.

Timestamps are stored as naive UTC. From 17:00 to 24:00 UTC the office is already on the
next day; every date the office sees (a record's kurun waktu, a report's month, working days
of a step, a scheduled publication typed into the form) must come from its own calendar.
"""

import csv
import io
from datetime import date
from datetime import datetime
from datetime import timedelta

from intranet.clock import office_date
from intranet.clock import office_day_start
from intranet.clock import office_to_utc
from intranet.clock import today
from intranet.clock import utcnow
from intranet.extensions import db
from intranet.models import Article
from intranet.models import Case
from intranet.services import cases
from tests.fixtures.scenarios import build_preview
from tests.fixtures.scenarios import build_published

#: 00:30 on 25 November in Jakarta.
LATE_EVENING_UTC = datetime(2026, 11, 24, 17, 30)


def test_conversions_use_the_office_zone(app):
    with app.app_context():
        assert office_date(LATE_EVENING_UTC) == date(2026, 11, 25)
        assert office_date(datetime(2026, 11, 24, 16, 59)) == date(2026, 11, 24)
        assert office_day_start(date(2026, 11, 25)) == datetime(2026, 11, 24, 17, 0)
        # a whole-hour offset, never the zone's historic local mean time (+7:07)
        assert office_to_utc(datetime(2026, 12, 1, 9, 0)) == datetime(2026, 12, 1, 2, 0)
    # outside any application context the configured default still applies
    assert office_date(LATE_EVENING_UTC) == date(2026, 11, 25)
    assert today() == office_date(utcnow())


def test_scheduled_time_in_the_form_is_office_time(app, login, scenario):
    cid = scenario["case_id"]
    build_preview(app, cid)
    with app.app_context():
        db.session.get(Case, cid).step = 10
        db.session.commit()
    day = today() + timedelta(days=2)
    r = login("redaktur").post(
        f"/intranet/naskah/{cid}/terbitkan", data={"scheduled": f"{day.isoformat()}T09:00"}
    )
    assert r.status_code == 302, r.get_data(as_text=True)[-2000:]
    with app.app_context():
        article = db.session.execute(db.select(Article)).scalar_one()
        assert article.published_at == datetime.combine(day, datetime.min.time()) + timedelta(
            hours=2
        )


def test_report_month_and_times_follow_the_office_calendar(app, login, scenario):
    slug = build_published(app, scenario["case_id"])
    with app.app_context():
        # 1 November 2026, 00:30 in Jakarta; still 31 October in UTC
        db.session.execute(db.update(Article).values(published_at=datetime(2026, 10, 31, 17, 30)))
        db.session.commit()
    c = login("koordinator")
    october = c.get("/intranet/naskah/laporan?bulan=2026-10&format=csv").get_data(as_text=True)
    assert slug not in october
    november = c.get("/intranet/naskah/laporan?bulan=2026-11&format=csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(november)))
    assert rows[1][2].endswith(f"/berita/{slug}") and rows[1][0] == "2026-11-01 00:30 WIB"


def test_working_days_count_office_days(app, scenario):
    with app.app_context():
        case = db.session.get(Case, scenario["case_id"])
        assert case.definition().step(case.step).standard_days == 1
        # Thursday 26 November, 17:30 UTC, is already Friday in the office
        case.step_started_at = datetime(2026, 11, 26, 17, 30)
        monday_morning = datetime(2026, 11, 30, 3, 0)  # 10:00 in the office
        # Friday to Monday is one working day in the office (two counted from Thursday)
        assert not cases.overdue(case, monday_morning)
        assert cases.overdue(case, monday_morning + timedelta(days=1))


def test_archive_record_dates_follow_the_office_calendar(app, scenario):
    with app.app_context():
        case = db.session.get(Case, scenario["case_id"])
        case.opened_at = datetime(2026, 1, 4, 17, 30)
        for m in case.materials:
            m.registered_at = datetime(2026, 1, 4, 17, 45)
        db.session.commit()
    build_published(app, scenario["case_id"])
    with app.app_context():
        from archive.models import ArchiveRecord

        record = db.session.execute(db.select(ArchiveRecord)).scalar_one()
        assert record.date_from == date(2026, 1, 5)
        assert record.date_to == today() and record.year == today().year
