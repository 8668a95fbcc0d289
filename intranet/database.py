"""Database engine behaviour: SQLite in WAL mode, with writes that queue instead of failing."""

import sqlite3
from contextlib import contextmanager

from flask import abort
from flask import current_app
from flask import g
from flask import has_app_context
from flask import has_request_context
from flask import request
from sqlalchemy import Text
from sqlalchemy import event
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Engine

from intranet.extensions import db

#: Long text (article bodies, extracted text): MEDIUMTEXT on MariaDB/MySQL, whose TEXT holds
#: only 64 KiB.
LongText = Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@event.listens_for(Engine, "connect")
def _sqlite_connect(dbapi_connection, connection_record):
    """Put every SQLite connection in WAL mode with a busy timeout and foreign keys on."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    timeout = 15000
    if has_app_context():
        timeout = int(current_app.config["SQLITE_BUSY_TIMEOUT_MS"])
    # Transactions are begun by the "begin" hook below, not by the driver.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {timeout}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    """Begin SQLite transactions that may write as IMMEDIATE.

    A deferred transaction that reads and then writes cannot wait for a concurrent writer
    in WAL mode (SQLITE_BUSY_SNAPSHOT): the update would fail or be lost. Taking the write
    lock at BEGIN makes writers queue on the busy timeout instead; reads by safe requests
    stay deferred and never block.
    """
    if conn.dialect.name != "sqlite":
        return
    reading = (has_request_context() and request.method in SAFE_METHODS) or (
        has_app_context() and g.get("warta_read_only")
    )
    conn.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")


@contextmanager
def read_only():
    """Begin the next transactions as a reader (no SQLite write lock), in a request or in a
    background task's app context.

    For slow work before a write, such as checking a password, or a long export that only
    reads: the caller must end the transaction (commit or rollback) before writing.
    """
    g.warta_read_only = True
    try:
        yield
    finally:
        g.warta_read_only = False


def get_or_404(model, ident):
    """The row with this primary key, or a 404 (an id out of range is simply unknown)."""
    if not isinstance(ident, int) or not 0 < ident < 2**31:
        abort(404)
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    return obj
