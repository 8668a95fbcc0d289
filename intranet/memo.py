"""Answers worked out once in a database transaction.

A page asks the same questions many times (the signed-in person's roles for every link and
badge; what waits on them for the nav and the dashboard). ``once`` keeps an answer in the
session for the rest of its transaction. Any flush, commit or rollback forgets them all,
and while the session holds a change not yet written nothing is kept or reused: every
question is then worked out afresh, as the query it saves would have seen it.
"""

from sqlalchemy import event
from sqlalchemy.orm import Session

from intranet.extensions import db

#: The ``Session.info`` key of the answers kept: ``{key: answer}``.
INFO_KEY = "warta.memo"


def _kept(session):
    """The session's kept answers, or None while it holds unwritten changes (then they are
    forgotten: an object added, deleted or changed may change any answer)."""
    if session.new or session.deleted or session.identity_map.check_modified():
        session.info.pop(INFO_KEY, None)
        return None
    return session.info.setdefault(INFO_KEY, {})


def once(key, compute, session=None):
    """``compute()``, worked out once per ``key`` in ``session``'s transaction (default: the
    request's session). Keep only immutable answers: every caller gets the same object."""
    kept = _kept(db.session() if session is None else session)
    if kept is None:
        return compute()
    if key not in kept:
        kept[key] = compute()
    return kept[key]


def keep(key, answer, session=None):
    """Keep ``answer`` for ``key`` as if ``once`` had worked it out: for a page that reads
    one question's answers for many cases in one statement."""
    kept = _kept(db.session() if session is None else session)
    if kept is not None:
        kept[key] = answer


@event.listens_for(Session, "after_flush")
@event.listens_for(Session, "after_transaction_end")
def _forget(session, _context):
    """A write, a commit or a rollback may change any answer: work them out again."""
    session.info.pop(INFO_KEY, None)
