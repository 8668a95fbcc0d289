"""Login throttling: wrong logins counted in a store every worker and host shares.

Two limits: per account and address (``LOGIN_RATE_LIMIT``) and, looser because an office
shares one NAT address, per address over all accounts (``LOGIN_RATE_LIMIT_PER_ADDRESS``).
Both windows slide. Only failures count: a correct login does not use up anything.

Why the attempt is counted *before* the password is checked, and taken back on success:
recording a failure only after the (slow) check would let every guess of a simultaneous
burst pass the count before any of them is recorded. So each attempt, in one short
transaction under a lock on its address, counts the failures still in the window, is
refused if a limit is reached, and otherwise is recorded under both keys and committed. The
password is then checked outside the lock, while the attempt already counts for every guess
that arrives meanwhile. A success deletes its own attempt again and clears the account's
failures from that address; a failure simply stays. What remains in the store are exactly
the failures, and no more attempts than the limit are ever being checked or failed at once.
A success leaves the address's other failures in place, so guessing across many accounts
from one address stays limited.

The store (``RATELIMIT_STORAGE_URI``):

- ``database`` (the default, nothing to set up): the ``login_failures`` table. The lock is
  the database's own: SQLite admits one writer at a time (write transactions begin
  IMMEDIATE), PostgreSQL takes a transaction-scoped advisory lock, MariaDB/MySQL a named
  lock (``GET_LOCK``) released after the commit. Each attempt prunes the rows that have left
  their window.
- ``redis://...`` (or ``rediss://``, ``unix://``): one sorted set per key; a Lua script
  counts and records atomically, and the keys expire with their window.

A refusal carries the seconds until enough counted failures have left the window to allow
the next attempt (``Retry-After``).
"""

import hashlib
import math
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC
from datetime import timedelta

import redis
from flask import current_app
from flask_babel import gettext as _
from limits import parse
from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import ServiceUnavailable

from intranet.clock import utcnow
from intranet.extensions import db
from intranet.models.throttle import LoginFailure
from intranet.transactions import ServiceError

DATABASE = "database"
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
#: How long an attempt waits for another attempt from the same address (MariaDB/MySQL).
LOCK_WAIT_SECONDS = 10


class Throttled(ServiceError):
    """Too many failed logins; ``retry_after`` is in seconds (HTTP 429 with Retry-After)."""

    def __init__(self, retry_after):
        super().__init__(
            _(
                "Terlalu banyak percobaan masuk yang gagal dari alamat ini. "
                "Silakan coba lagi dalam %(minutes)d menit.",
                minutes=math.ceil(retry_after / 60),
            ),
            status=429,
        )
        self.retry_after = retry_after


@dataclass(frozen=True)
class Key:
    """One limit: ``account`` counts this address guessing this account, ``address`` all."""

    kind: str
    address: str
    account: str
    amount: int
    window: timedelta


@dataclass
class Attempt:
    """A login attempt counted before its password is checked."""

    keys: list
    ticket: object


def init_app(app):
    """Choose the store named by ``RATELIMIT_STORAGE_URI``; refuse one that cannot share."""
    uri = app.config["RATELIMIT_STORAGE_URI"] or DATABASE
    if uri == DATABASE:
        store = DatabaseStore()
    elif uri.startswith(REDIS_SCHEMES):
        store = RedisStore(uri)
    else:
        raise ValueError(
            f"RATELIMIT_STORAGE_URI={uri!r}: use 'database' (the default) or a redis:// URL; "
            "a store inside one process would let each worker count on its own"
        )
    app.extensions["warta_throttle"] = store


def _limit(name):
    item = parse(current_app.config[name])
    return item.amount, timedelta(seconds=item.get_expiry())


def keys_for(address, username):
    """The two keys an attempt from ``address`` at ``username`` counts under."""
    address = (address or "-")[:64]
    account = (username or "").strip().lower()[:64]
    amount, window = _limit("LOGIN_RATE_LIMIT")
    per_address, address_window = _limit("LOGIN_RATE_LIMIT_PER_ADDRESS")
    return [
        Key("account", address, account, amount, window),
        Key("address", address, account, per_address, address_window),
    ]


def attempt(address, username):
    """Count a login attempt before its password is checked; raise Throttled if over a limit.

    Called with no transaction open in the session: the store works on its own connection.
    """
    keys = keys_for(address, username)
    # Nothing is pending when a login is tried; let go of any SQLite lock this request holds.
    db.session.rollback()
    store = current_app.extensions["warta_throttle"]
    wait, ticket = store.acquire(keys, utcnow())
    if wait:
        raise Throttled(wait)
    return Attempt(keys, ticket)


def succeeded(attempt):
    """Take a successful attempt back and clear the account's failures from its address."""
    current_app.extensions["warta_throttle"].forget(attempt.keys, attempt.ticket)


def wait_seconds(times, key, now):
    """Seconds until enough of ``times`` (oldest first, inside the window) leave it to let
    one more attempt in; 0 if the key is under its limit."""
    if len(times) < key.amount:
        return 0
    frees_at = times[len(times) - key.amount] + key.window
    return max(1, math.ceil((frees_at - now).total_seconds()))


class DatabaseStore:
    """Failures in the ``login_failures`` table, counted under a lock on the address."""

    def acquire(self, keys, now):
        """Count and, if under both limits, record the attempt; (wait seconds, row ids)."""
        with _address_lock(keys[0].address) as conn:
            return self._count_and_record(conn, keys, now)

    def _count_and_record(self, conn, keys, now):
        table = LoginFailure.__table__
        # Pruning first also takes SQLite's write lock before anything is read.
        for key in keys:
            conn.execute(
                delete(table).where(table.c.kind == key.kind, table.c.at <= now - key.window)
            )
        wait = 0
        for key in keys:
            q = select(table.c.at).where(
                table.c.kind == key.kind,
                table.c.address == key.address,
                table.c.at > now - key.window,
            )
            if key.kind == "account":
                q = q.where(table.c.account == key.account)
            times = conn.execute(q.order_by(table.c.at)).scalars().all()
            wait = max(wait, wait_seconds(times, key, now))
        if wait:
            return wait, None
        ids = [
            conn.execute(
                insert(table).values(
                    kind=key.kind, address=key.address, account=key.account, at=now
                )
            ).inserted_primary_key[0]
            for key in keys
        ]
        return 0, ids

    def forget(self, keys, ids):
        """Delete the attempt's rows and the account's failures from this address.

        Under the same lock on the address as ``acquire``: two successful logins from one
        address deleting the same rows unlocked deadlock on PostgreSQL. A login that has
        proved its password is not refused because its count could not be cleared: the
        failure is logged, and its rows leave with their window.
        """
        table = LoginFailure.__table__
        account = keys[0]
        try:
            with _address_lock(account.address) as conn:
                conn.execute(delete(table).where(table.c.id.in_(ids)))
                conn.execute(
                    delete(table).where(
                        table.c.kind == account.kind,
                        table.c.address == account.address,
                        table.c.account == account.account,
                    )
                )
        except (OperationalError, ServiceUnavailable):
            current_app.logger.exception(
                "login throttle: could not clear the count of %s", account.address
            )


@contextmanager
def _address_lock(address):
    """A connection holding the lock on ``address``, committed on leaving.

    PostgreSQL: a transaction-scoped advisory lock; MariaDB/MySQL: a named lock on the
    connection; SQLite admits one writer at a time anyway (write transactions begin
    IMMEDIATE).
    """
    with db.engine.connect() as conn:
        named_lock = conn.dialect.name in ("mysql", "mariadb")
        if named_lock:
            got = conn.execute(
                text("SELECT GET_LOCK(:name, :wait)"),
                {"name": _lock_name(address), "wait": LOCK_WAIT_SECONDS},
            ).scalar()
            conn.commit()  # the lock belongs to the connection; start afresh under it
            if got != 1:
                raise ServiceUnavailable()
        try:
            if conn.dialect.name == "postgresql":
                conn.execute(select(func.pg_advisory_xact_lock(_lock_number(address))))
            yield conn
            conn.commit()
        finally:
            if named_lock:
                conn.execute(text("SELECT RELEASE_LOCK(:name)"), {"name": _lock_name(address)})
                conn.commit()


def _lock_name(address):
    """A MariaDB lock name (at most 64 characters) for one address."""
    return "warta-login-" + hashlib.sha256(address.encode()).hexdigest()[:40]


def _lock_number(address):
    """A PostgreSQL advisory lock key (signed 64-bit) for one address."""
    digest = hashlib.sha256(b"warta-login:" + address.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


#: KEYS: the sorted sets; ARGV: now (ms), the attempt's member, then window (ms) and amount
#: per key. Returns the milliseconds to wait (0: recorded under every key).
REDIS_SCRIPT = """
local now = tonumber(ARGV[1])
local wait = 0
for i, key in ipairs(KEYS) do
  local window = tonumber(ARGV[1 + 2 * i])
  local amount = tonumber(ARGV[2 + 2 * i])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local count = redis.call('ZCARD', key)
  if count >= amount then
    local oldest = redis.call('ZRANGE', key, count - amount, count - amount, 'WITHSCORES')
    wait = math.max(wait, tonumber(oldest[2]) + window - now, 1)
  end
end
if wait > 0 then
  return wait
end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[2])
  redis.call('PEXPIRE', key, tonumber(ARGV[1 + 2 * i]))
end
return 0
"""


class RedisStore:
    """Failures in Redis sorted sets (score: the attempt's time), counted by one script."""

    def __init__(self, uri):
        self.client = redis.Redis.from_url(uri, socket_timeout=5, socket_connect_timeout=5)
        self.script = self.client.register_script(REDIS_SCRIPT)

    @staticmethod
    def _name(key):
        if key.kind == "account":
            return f"warta:login:account:{key.address}|{key.account}"
        return f"warta:login:address:{key.address}"

    def acquire(self, keys, now):
        """Count and, if under both limits, record the attempt; (wait seconds, member)."""
        member = uuid.uuid4().hex
        args = [int(now.replace(tzinfo=UTC).timestamp() * 1000), member]
        for key in keys:
            args += [int(key.window.total_seconds() * 1000), key.amount]
        try:
            wait_ms = int(self.script(keys=[self._name(k) for k in keys], args=args))
        except redis.RedisError as e:  # cannot count: refuse rather than let guesses through
            current_app.logger.warning("login throttle store unreachable: %s", e)
            raise ServiceUnavailable() from e
        if wait_ms:
            return math.ceil(wait_ms / 1000), None
        return 0, member

    def forget(self, keys, member):
        """Take the attempt back from the address key and clear the account key."""
        account, address = keys
        try:
            with self.client.pipeline() as pipe:
                pipe.zrem(self._name(address), member)
                pipe.delete(self._name(account))
                pipe.execute()
        except redis.RedisError as e:  # the login stands; the failures lapse with the window
            current_app.logger.warning("login throttle store unreachable: %s", e)
