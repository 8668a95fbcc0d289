"""The stored due years of a record follow its last date and its retention on every write,
so the keeper's due counts, read from their index, stay right."""

from datetime import date

from archive import retention
from archive.models import ArchiveRecord
from intranet.extensions import db
from tests.fixtures.scenarios import manual_record_form


def _stored(app, record_id):
    with app.app_context():
        db.session.expire_all()
        return db.session.execute(
            db.select(ArchiveRecord.active_end_year, ArchiveRecord.disposal_end_year).where(
                ArchiveRecord.id == record_id
            )
        ).one()


def test_due_years_follow_the_dates_and_the_retention(app, login):
    r = login("arsiparis").post("/arsip/baru", data=manual_record_form())
    assert r.status_code == 302, r.get_data(as_text=True)[-1500:]
    with app.app_context():
        record = db.session.execute(db.select(ArchiveRecord)).scalars().one()
        record_id, end = record.id, record.date_to.year
        active, inactive = record.retention_active_years, record.retention_inactive_years
    assert tuple(_stored(app, record_id)) == (end + active, end + active + inactive)

    with app.app_context():
        record = db.session.get(ArchiveRecord, record_id)
        record.date_to = date(2010, 6, 30)
        record.retention_active_years = 2
        record.retention_inactive_years = 3
        record.retention_disposition = "musnah"
        db.session.commit()
    assert tuple(_stored(app, record_id)) == (2012, 2015)
    with app.app_context():
        counts = retention.due_counts(as_of=date(2014, 1, 1))
        assert counts["pemindahan"] >= 1 and counts["pemusnahan"] == 0
        assert retention.due_counts(as_of=date(2016, 1, 1))["pemusnahan"] >= 1
        assert retention.due_counts(as_of=date(2015, 12, 31))["pemusnahan"] == 0
        assert record_id in [d.record.id for d in retention.due("pemusnahan", date(2016, 1, 1))]

        record = db.session.get(ArchiveRecord, record_id)
        record.retention_inactive_years = 10
        db.session.commit()
    assert tuple(_stored(app, record_id)) == (2012, 2022)
    with app.app_context():
        assert retention.due_counts(as_of=date(2016, 1, 1))["pemusnahan"] == 0
