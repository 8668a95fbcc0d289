"""The counts every intranet page asks read an index alone (SQLite's query plan): at
office-years of data a count that reads the table rows instead costs 5-30 times more
(bench/intranet.py), and nothing else would show an index that lost a column."""

import pytest

from archive import worklist
from intranet.extensions import db
from intranet.models import Case
from intranet.models import User
from intranet.services import worklists


def _plan(statement):
    sql = str(statement.compile(db.engine, compile_kwargs={"literal_binds": True}))
    connection = db.session.connection().connection.driver_connection
    return [row[3] for row in connection.execute("EXPLAIN QUERY PLAN " + sql)]


@pytest.fixture
def sqlite_only(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("the plans are SQLite's")
    return app


def _user(username):
    return db.session.execute(db.select(User).where(User.username == username)).scalar_one()


@pytest.mark.parametrize("username", ["koordinator", "redaktur", "penanggungjawab"])
def test_waiting_cases_are_counted_from_the_worklist_index(sqlite_only, username):
    with sqlite_only.test_request_context():
        user = _user(username)
        plan = _plan(
            db.select(db.func.count(Case.id))
            .where(worklists._held_by(user.roles()))
            .params(worklists.held_params(user))
        )
        assert "COVERING INDEX ix_cases_worklist (status=? AND step=?)" in plan[0], plan
        assert "ix_trail_entries_approvals (case_id=? AND action=? AND actor_id=?)" in plan[2], plan


def test_the_oldest_waiting_page_sorts_index_entries_only(sqlite_only):
    with sqlite_only.test_request_context():
        user = _user("koordinator")
        ids = (
            db.select(Case.id)
            .where(worklists._held_by(user.roles()))
            .order_by(Case.opened_at, Case.id)
            .limit(25)
            .params(worklists.held_params(user))
        )
        assert "COVERING INDEX ix_cases_worklist" in _plan(ids)[0]


def test_overdue_cases_are_read_as_index_ranges(sqlite_only):
    with sqlite_only.test_request_context():
        plan = _plan(db.select(db.func.count(Case.id)).where(worklists._overdue()))
        assert plan[0] == "MULTI-INDEX OR", plan
        assert all(
            "COVERING INDEX ix_cases_worklist (status=? AND step=? AND step_started_at<?)" in p
            for p in plan
            if p.startswith("SEARCH")
        ), plan


def test_hardcopy_waiting_is_counted_from_its_index(sqlite_only):
    with sqlite_only.test_request_context():
        plan = _plan(worklist.hardcopy_count(_user("arsiparis")))
        assert plan == [
            "SEARCH archive_records USING COVERING INDEX ix_archive_records_hardcopy_paper "
            "(media_paper=? AND hardcopy_status=? AND stage=? AND access_class=?)"
        ], plan
