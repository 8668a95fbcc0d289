"""Answers kept for a database transaction (``intranet.memo``): worked out once, forgotten
by every write, and never used while the session holds a change not yet written, so a page
never shows a role, a count or a concept from before its own change."""

from intranet import memo
from intranet.clock import today
from intranet.extensions import db
from intranet.models import Case
from intranet.models import Category
from intranet.models import Concept
from intranet.models import User
from intranet.services import cases
from intranet.services import worklists


def _user(username):
    return db.session.execute(db.select(User).where(User.username == username)).scalar_one()


class Counter:
    """An answer that says how many times it was worked out."""

    def __init__(self):
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return self.calls


def test_once_a_transaction_and_again_after_each_write(app):
    with app.app_context():
        answer = Counter()
        assert memo.once("k", answer) == 1 and memo.once("k", answer) == 1
        assert memo.once("other", answer) == 2
        db.session.flush()  # nothing to write: nothing forgotten
        assert memo.once("k", answer) == 1
        db.session.add(Category(slug="memo", name="Memo"))
        db.session.flush()
        assert memo.once("k", answer) == 3 and memo.once("k", answer) == 3
        db.session.commit()
        assert memo.once("k", answer) == 4
        assert db.session.execute(db.select(Category.id).limit(1)).scalar() is not None
        assert memo.once("k", answer) == 4
        db.session.rollback()
        assert memo.once("k", answer) == 5


def test_nothing_kept_while_a_change_is_unwritten(app):
    """An object added or changed but not flushed: each question is worked out afresh, and
    nothing kept before it is used."""
    with app.app_context():
        answer = Counter()
        assert memo.once("k", answer) == 1
        db.session.add(Category(slug="memo", name="Memo"))
        assert memo.once("k", answer) == 2 and memo.once("k", answer) == 3
        memo.keep("k", 99)
        assert memo.once("k", answer) == 4
        db.session.flush()
        assert memo.once("k", answer) == 5 and memo.once("k", answer) == 5
        _user("kontributor").full_name = "Nama Baru"
        assert memo.once("k", answer) == 6
        db.session.rollback()


def test_a_role_ended_in_memory_is_seen_at_once(app):
    with app.app_context():
        user = _user("redaktur")
        assert "redaktur" in user.roles()
        membership = next(m for m in user.memberships if m.role == "redaktur" and m.grants())
        membership.ended_on = today()
        assert "redaktur" not in user.roles()
        db.session.rollback()
        assert "redaktur" in user.roles()


def test_waiting_counts_follow_the_case_moving(app, scenario):
    """The dashboard's and the nav's count, asked again after the case moved in the same
    transaction, counts the case where it is now."""
    with app.app_context():
        koordinator = _user("koordinator")
        before = worklists.held_count(koordinator)
        case = db.session.get(Case, scenario["case_id"])
        at_koordinator = next(s.number for s in case.definition().steps if "koordinator" in s.roles)
        case.step = at_koordinator
        assert worklists.held_count(koordinator) == before + 1
        db.session.flush()
        assert worklists.held_count(koordinator) == before + 1
        assert worklists.waiting_count(koordinator) >= before + 1
        db.session.rollback()
        assert worklists.held_count(koordinator) == before


def test_latest_concept_sees_a_concept_added_in_the_same_transaction(app, scenario):
    with app.app_context():
        case = db.session.get(Case, scenario["case_id"])
        author = _user("redaktur")
        assert cases.latest_concept(case) is None
        assert cases.latest_concepts([case]) == {case.id: None}
        db.session.add(
            Concept(
                case_id=case.id,
                number=1,
                angle="Sudut",
                outline="Kerangka",
                sources="",
                author_id=author.id,
                content_hash="0" * 64,
            )
        )
        assert cases.latest_concept(case).number == 1
        assert cases.latest_concepts([case])[case.id].number == 1
        db.session.rollback()
        assert cases.latest_concept(case) is None
