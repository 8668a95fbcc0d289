"""Yearly counters (agenda book, nomor arsip) that never hand out a number twice."""

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from intranet.extensions import db


def _ensure_counter(model, year):
    """Make sure ``year``'s counter row exists before this transaction locks it.

    On a server database the row is inserted in its own short transaction (ignoring a
    duplicate), so concurrent first numbers of a year never deadlock on it; SQLite, which
    admits one writer at a time, does it in the current transaction.
    """
    table = model.__table__
    dialect = db.session.get_bind().dialect.name
    if dialect == "sqlite":
        db.session.execute(sqlite_insert(table).values(year=year, last=0).on_conflict_do_nothing())
        return
    if db.session.get(model, year) is not None:
        return
    with db.engine.begin() as conn:
        if dialect == "postgresql":
            conn.execute(pg_insert(table).values(year=year, last=0).on_conflict_do_nothing())
        else:
            conn.execute(table.insert().prefix_with("IGNORE").values(year=year, last=0))


def next_seq(model, year):
    """The next number in ``year`` of a counter table (``year``, ``last`` columns).

    The counter row is updated in place: the database locks it until this transaction
    commits, so two transactions never read the same value.
    """
    _ensure_counter(model, year)
    db.session.execute(db.update(model).where(model.year == year).values(last=model.last + 1))
    return db.session.execute(db.select(model.last).where(model.year == year)).scalar_one()
