"""Answers worked out once in a database transaction.

A page asks the same questions many times (the signed-in person's roles for every link and
badge; what waits on them for the nav and the dashboard). ``once`` keeps an answer in the
session for the rest of its transaction. Any flush, commit or rollback forgets them all, so
whatever a request writes is seen by the next question after it.
"""

from sqlalchemy import event
from sqlalchemy.orm import Session

from intranet.extensions import db

#: The ``Session.info`` key of the answers kept: ``{key: answer}``.
INFO_KEY = "warta.memo"


def once(key, compute, session=None):
    """``compute()``, worked out once per ``key`` in ``session``'s transaction (default: the
    request's session). Keep only immutable answers: every caller gets the same object."""
    session = db.session() if session is None else session
    kept = session.info.setdefault(INFO_KEY, {})
    if key not in kept:
        kept[key] = compute()
    return kept[key]


@event.listens_for(Session, "after_flush")
@event.listens_for(Session, "after_transaction_end")
def _forget(session, _context):
    """A write, a commit or a rollback may change any answer: work them out again."""
    session.info.pop(INFO_KEY, None)
