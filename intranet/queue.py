"""Background work: each task is a row in ``background_tasks``, handed to a huey queue after
the commit that made it, and run by the worker (``flask --app wsgi worker``).

The row is what counts: the queue only carries its id. A worker claims a row with one
conditional UPDATE (only one worker can win it), holds a lease it renews while the task
runs, and ends the row as done, due again after a back-off, or failed with its reason. A
worker that starts, and every sweep after that, hands again the rows whose worker died
(lease expired, or its process gone on this host) and the rows whose hand-off was lost, so
no task is lost and none runs twice at once; a row whose worker died ``WORKER_DEATHS``
times is failed instead, so a task that kills its worker is not run forever. A dedupe key
makes the same work queued twice one row. A task whose work is no longer wanted raises
``Cancelled``, and work still waiting can be cancelled (``cancel``): either ends the row as
``dibatalkan`` with its reason, never retried.

    @queue.task("archive.export", retries=3)
    def run_export(job_id): ...

    queue.enqueue("archive.export", dedupe_key=f"export:{job.id}", job_id=job.id)
"""

import json
import logging
import os
import socket
import threading
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import time
from datetime import timedelta
from pathlib import Path

from flask import current_app
from huey import RedisHuey
from huey import SqliteHuey
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import Session
from sqlalchemy.orm import mapped_column

from intranet.clock import office_time
from intranet.clock import utcnow
from intranet.extensions import db

log = logging.getLogger(__name__)

STATES = ("menunggu", "berjalan", "selesai", "gagal", "dibatalkan")
WAITING, RUNNING, DONE, FAILED, CANCELLED = STATES
#: A task that raises waits this long before its second attempt, then twice as long each
#: time, at most ``RETRY_LONGEST``.
RETRY_FIRST = timedelta(seconds=30)
RETRY_LONGEST = timedelta(hours=1)
#: A waiting, due row not taken this long after its hand-off is handed to the queue again.
HANDOFF_LAPSE = timedelta(minutes=2)
REASON_LENGTH = 1000
#: What the admin page and ``worker`` call a dead worker's task being run again.
WORKER_DIED = "pekerja berhenti saat tugas berjalan; tugas dijalankan lagi"
#: A row whose worker died this many times while running it is failed, not run again: a task
#: that kills its worker (memory exhausted, a crashing library) would otherwise run forever.
#: A fixed number, not the task's retries: an export (no retries) survives a restart.
WORKER_DEATHS = 3


def worker_stopped(times):
    """The reason a row whose worker died ``times`` times is failed with."""
    return f"Pekerja berhenti saat menjalankan tugas ini {times} kali"


class Cancelled(Exception):
    """Raised by a task whose work is no longer wanted (its file destroyed meanwhile, say):
    the row ends as ``dibatalkan`` with the message as its reason, and is not retried."""


class BackgroundTask(db.Model):
    """One piece of background work: what to run, its state and every attempt's outcome."""

    __tablename__ = "background_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    args: Mapped[str] = mapped_column(Text, default="{}")
    state: Mapped[str] = mapped_column(String(20), default=WAITING, index=True)
    #: The same work queued twice is one row (unique; NULL for work that may repeat).
    dedupe_key: Mapped[str | None] = mapped_column(String(190), unique=True)
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=4)
    last_error: Mapped[str | None] = mapped_column(Text)
    #: When the row may run (now, a scheduled time, or after a back-off).
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    #: When the row was last handed to the queue.
    handed_at: Mapped[datetime | None]
    #: While running: until when the worker holds it (renewed by its heartbeat).
    lease_until: Mapped[datetime | None]
    #: The worker running it (or that ran it last): ``host pid boot-id``.
    worker: Mapped[str | None] = mapped_column(String(200))
    #: How many times a worker died while running it (see ``WORKER_DEATHS``).
    worker_deaths: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    @property
    def arguments(self):
        return json.loads(self.args or "{}")


@dataclass(frozen=True)
class Spec:
    """A registered task: its function, how many times it is retried, and whether queueing
    it again while one waits adds nothing (``coalesce``: it does all there is to do)."""

    name: str
    func: object
    retries: int
    coalesce: bool
    nightly: time | None
    label: str | None


_TASKS = {}


def task(name, retries=3, coalesce=False, nightly=None, label=None):
    """Register ``func`` as the task ``name`` (taking JSON-able keyword arguments).

    ``nightly`` (an office-time ``datetime.time``) also queues it once a night at that time,
    at most once per office date however many workers run. ``label`` is what the admin
    page calls it.
    """

    def register(func):
        _TASKS[name] = Spec(name, func, retries, coalesce, nightly, label)
        return func

    return register


def label(name):
    """What the admin page calls the task ``name`` (its name when it has no label)."""
    spec = _TASKS.get(name)
    return str(spec.label) if spec is not None and spec.label else name


def enqueue(name, dedupe_key=None, run_at=None, **kwargs):
    """Record the task ``name`` with ``kwargs`` in the caller's transaction; it is handed to
    the queue after the commit (nothing is queued if the transaction rolls back).

    Returns the row, or the row already holding ``dedupe_key`` (or, for a coalescing task,
    the one already waiting). ``run_at`` (naive UTC) delays it.
    """
    spec = _TASKS.get(name)
    if spec is None:
        raise KeyError(f"no background task named {name!r}")
    args = json.dumps(kwargs, sort_keys=True, ensure_ascii=False)
    if dedupe_key is not None:
        dedupe_key = str(dedupe_key)[:190]
        found = _existing(BackgroundTask.dedupe_key == dedupe_key)
        if found is not None:
            return found
    if spec.coalesce:
        found = _existing(
            BackgroundTask.name == name,
            BackgroundTask.args == args,
            BackgroundTask.state == WAITING,
            BackgroundTask.attempts == 0,
        )
        # only one that runs no later than asked: a drain waiting for a record set aside
        # to be due again must not hold back the records queued now
        if found is not None and found.next_attempt_at <= max(run_at or utcnow(), utcnow()):
            return found
    now = utcnow()
    due = max(run_at or now, now)
    row = BackgroundTask(
        name=name,
        args=args,
        state=WAITING,
        dedupe_key=dedupe_key,
        max_attempts=spec.retries + 1,
        next_attempt_at=due,
        handed_at=due,
        created_at=now,
    )
    if dedupe_key is None:
        db.session.add(row)
        db.session.flush()
    else:
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:  # queued meanwhile by someone else: theirs is the one
            return _existing(BackgroundTask.dedupe_key == dedupe_key)
    db.session.info.setdefault("warta_queue", []).append((row.id, due))
    return row


def _existing(*where):
    return db.session.execute(
        db.select(BackgroundTask).where(*where).order_by(BackgroundTask.id).limit(1)
    ).scalar_one_or_none()


@event.listens_for(Session, "after_commit")
def _hand_off_after_commit(session):
    pending = session.info.pop("warta_queue", None)
    if not pending:
        return
    try:
        app = current_app._get_current_object()
    except RuntimeError:  # no app: a sweep hands the rows off
        return
    eager = app.config.get("QUEUE_EAGER")
    for row_id, due in pending:
        if eager:
            _run_eagerly(app, row_id, eager)
        else:
            _hand_off(app, row_id, due)


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session, previous_transaction):
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint
        session.info.pop("warta_queue", None)


def _hand_off(app, row_id, due):
    """Give the row's id to the queue, to run at ``due``; a failure here only delays it (a
    sweep hands it again)."""
    try:
        carrier = _carrier(app)
        if due > utcnow():
            carrier.schedule(args=(row_id,), eta=due.replace(tzinfo=UTC))
        else:
            carrier(row_id)
    except Exception:  # noqa: BLE001 - the row is committed; the sweep hands it off again
        log.warning("task %s not handed to the queue; a sweep will", row_id, exc_info=True)


# --- the queue store (huey) ----------------------------------------------------------------


def store(app):
    """The app's huey: ``SqliteHuey`` in the instance folder, or ``RedisHuey`` when
    ``QUEUE_URL`` is a redis:// address."""
    found = app.extensions.get("warta_huey")
    if found is None:
        found = app.extensions["warta_huey"] = _make_store(app)
    return found


def _make_store(app):
    name = app.config.get("QUEUE_NAME") or "warta"
    url = app.config.get("QUEUE_URL") or ""
    if url.startswith(("redis://", "rediss://", "unix://")):
        huey = RedisHuey(name, url=url, results=False, utc=True)
    elif url:
        raise ValueError(f"QUEUE_URL must be a redis:// address, not {url!r}")
    else:
        path = Path(app.instance_path) / "queue.db"
        huey = SqliteHuey(name, filename=str(path), results=False, utc=True)

    @huey.task(name="warta.run")
    def run(row_id):
        return run_row(app, row_id)

    app.extensions["warta_carrier"] = run
    return huey


def _carrier(app):
    store(app)
    return app.extensions["warta_carrier"]


# --- running a row -------------------------------------------------------------------------


def _boot_id():
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()[:40] or "-"
    except OSError:
        return "-"


def worker_identity():
    """This process as a task's worker: ``host pid boot-id``."""
    return f"{socket.gethostname()[:120]} {os.getpid()} {_boot_id()}"


def _lease(app):
    return timedelta(seconds=int(app.config.get("QUEUE_LEASE_SECONDS", 60)))


def _claim(app, row_id, now):
    """Take a due waiting row for this worker; False if it is not due or someone has it."""
    with db.engine.begin() as conn:
        return bool(
            conn.execute(
                db.update(BackgroundTask)
                .where(
                    BackgroundTask.id == row_id,
                    BackgroundTask.state == WAITING,
                    BackgroundTask.next_attempt_at <= now,
                )
                .values(
                    state=RUNNING,
                    attempts=BackgroundTask.attempts + 1,
                    started_at=now,
                    lease_until=now + _lease(app),
                    worker=worker_identity(),
                    finished_at=None,
                )
            ).rowcount
        )


def _end(row_id, worker, **values):
    """End a running row held by ``worker``; False if it is no longer this worker's."""
    with db.engine.begin() as conn:
        return bool(
            conn.execute(
                db.update(BackgroundTask)
                .where(
                    BackgroundTask.id == row_id,
                    BackgroundTask.state == RUNNING,
                    BackgroundTask.worker == worker,
                )
                .values(**values)
            ).rowcount
        )


def retry_after(attempts):
    """How long a task that failed ``attempts`` times waits: ``RETRY_FIRST``, doubling."""
    return min(RETRY_FIRST * 2 ** min(attempts - 1, 20), RETRY_LONGEST)


def run_row(app, row_id):
    """Run the row ``row_id`` if it is due and nobody has it; return its new state, or None
    when it was not this worker's to run."""
    with app.app_context():
        now = utcnow()
        if not _claim(app, row_id, now):
            return None
        row = db.session.get(BackgroundTask, row_id)
        name, kwargs, attempts, limit = row.name, row.arguments, row.attempts, row.max_attempts
        db.session.rollback()
        me = worker_identity()
        stop = threading.Event()
        beat = threading.Thread(
            target=_heartbeat, args=(app, row_id, me, stop), daemon=True, name=f"tugas-{row_id}"
        )
        beat.start()
        try:
            spec = _TASKS.get(name)
            if spec is None:
                raise LookupError(f"tugas {name!r} tidak dikenal oleh pekerja ini")
            spec.func(**kwargs)
            db.session.commit()  # a task that returns has finished its work
        except Cancelled as e:  # its work is no longer wanted: ended, never retried
            db.session.rollback()
            reason = str(e)[:REASON_LENGTH] or None
            log.info("task %s (%s) cancelled: %s", row_id, name, reason)
            _end(
                row_id,
                me,
                state=CANCELLED,
                finished_at=utcnow(),
                lease_until=None,
                last_error=reason,
            )
            return CANCELLED
        except Exception as e:  # noqa: BLE001 - recorded on the row; other tasks go on
            db.session.rollback()
            reason = f"{type(e).__name__}: {e}"[:REASON_LENGTH]
            log.warning("task %s (%s) attempt %s failed: %s", row_id, name, attempts, reason)
            later = utcnow()
            if attempts < limit:
                due = later + retry_after(attempts)
                values = dict(state=WAITING, next_attempt_at=due, handed_at=due)
                state = WAITING
            else:
                values, state, due = dict(state=FAILED, finished_at=later), FAILED, None
            _end(row_id, me, last_error=reason, lease_until=None, **values)
            if due is not None:
                _hand_off(app, row_id, due)
            return state
        else:
            _end(row_id, me, state=DONE, finished_at=utcnow(), lease_until=None)
            return DONE
        finally:
            stop.set()
            db.session.remove()


def _heartbeat(app, row_id, me, stop):
    """Renew the running row's lease every third of it until ``stop`` is set."""
    lease = _lease(app)
    with app.app_context():
        while not stop.wait(max(lease.total_seconds() / 3, 0.2)):
            try:
                with db.engine.begin() as conn:
                    conn.execute(
                        db.update(BackgroundTask)
                        .where(
                            BackgroundTask.id == row_id,
                            BackgroundTask.state == RUNNING,
                            BackgroundTask.worker == me,
                        )
                        .values(lease_until=utcnow() + lease)
                    )
            except Exception:  # noqa: BLE001 - the next beat may get through
                log.warning("task %s: lease not renewed", row_id, exc_info=True)


def _run_eagerly(app, row_id, eager):
    """Tests only (``QUEUE_EAGER``: True, or the names of the tasks to run so): run the row
    now, in a fresh app context; any other row is handed to the queue."""
    with app.app_context():
        row = db.session.get(BackgroundTask, row_id)
        name, due = (row.name, row.next_attempt_at) if row is not None else (None, None)
        db.session.remove()
    if name is None:
        return
    if eager is True or name in eager:
        run_row(app, row_id)
    else:
        _hand_off(app, row_id, due)


# --- sweeps: dead workers, lost hand-offs, nightly work ------------------------------------


def _worker_gone(worker):
    """Whether ``worker`` (``host pid boot``) is known to be gone (knowable on its host)."""
    try:
        host, pid, boot = (worker or "").split(" ")
        pid = int(pid)
    except ValueError:
        return False
    me_host, me_pid, me_boot = worker_identity().split(" ")
    if host != me_host:
        return False
    if boot != me_boot:
        return True
    if pid == int(me_pid):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def recover(app):
    """Put back the running rows whose worker died (lease expired, or its process gone on
    this host), failing those whose worker has now died ``WORKER_DEATHS`` times, and hand
    again the due rows whose hand-off was lost; return ``(recovered, handed)``."""
    now = utcnow()
    running = db.session.execute(
        db.select(
            BackgroundTask.id,
            BackgroundTask.worker,
            BackgroundTask.lease_until,
            BackgroundTask.worker_deaths,
        ).where(BackgroundTask.state == RUNNING)
    ).all()
    dead = [
        (row_id, worker, deaths + 1)
        for row_id, worker, lease, deaths in running
        if (lease is None or lease < now) or _worker_gone(worker)
    ]
    db.session.rollback()
    recovered = failed = 0
    for row_id, worker, deaths in dead:
        if deaths >= WORKER_DEATHS:
            values = dict(state=FAILED, finished_at=now, last_error=worker_stopped(deaths))
        else:
            values = dict(
                state=WAITING, next_attempt_at=now, handed_at=None, last_error=WORKER_DIED
            )
        with db.engine.begin() as conn:
            changed = conn.execute(
                db.update(BackgroundTask)
                .where(
                    BackgroundTask.id == row_id,
                    BackgroundTask.state == RUNNING,
                    BackgroundTask.worker == worker,
                )
                .values(lease_until=None, worker_deaths=deaths, **values)
            ).rowcount
        if values["state"] == FAILED:
            failed += changed
        else:
            recovered += changed
    if recovered:
        log.warning("%s task(s) of a dead worker queued again", recovered)
    if failed:
        log.error(
            "%s task(s) failed: their worker died %s times running each", failed, WORKER_DEATHS
        )
    lost = (
        db.session.execute(
            db.select(BackgroundTask.id)
            .where(
                BackgroundTask.state == WAITING,
                BackgroundTask.next_attempt_at <= now,
                db.or_(
                    BackgroundTask.handed_at.is_(None),
                    BackgroundTask.handed_at < now - HANDOFF_LAPSE,
                ),
            )
            .order_by(BackgroundTask.id)
        )
        .scalars()
        .all()
    )
    db.session.rollback()
    for row_id in lost:
        with db.engine.begin() as conn:
            conn.execute(
                db.update(BackgroundTask).where(BackgroundTask.id == row_id).values(handed_at=now)
            )
        _hand_off(app, row_id, now)
    return recovered, len(lost)


def queue_nightly(now=None):
    """Queue each nightly task whose office time has come today, once per office date
    (the dedupe key makes a second worker's attempt a no-op); return the names queued."""
    now = now or utcnow()
    local = office_time(now)
    queued = []
    for spec in _TASKS.values():
        if spec.nightly is None or local.time() < spec.nightly:
            continue
        key = f"{spec.name}@{local.date().isoformat()}"
        if _existing(BackgroundTask.dedupe_key == key) is not None:
            continue
        enqueue(spec.name, dedupe_key=key)
        try:
            db.session.commit()
        except IntegrityError:  # another worker queued it first
            db.session.rollback()
            continue
        queued.append(spec.name)
    return queued


def sweep(app):
    """One sweep of the worker: recover, hand lost rows off, queue nightly work."""
    with app.app_context():
        try:
            recover(app)
            if app.config.get("QUEUE_NIGHTLY", True):
                queue_nightly()
        finally:
            db.session.remove()


# --- burst and worker ----------------------------------------------------------------------


def _due_rows(now):
    return (
        db.session.execute(
            db.select(BackgroundTask.id)
            .where(BackgroundTask.state == WAITING, BackgroundTask.next_attempt_at <= now)
            .order_by(BackgroundTask.next_attempt_at, BackgroundTask.id)
        )
        .scalars()
        .all()
    )


def run_burst(app):
    """Run everything due (through the queue, then any due row the queue does not hold)
    until nothing is left; return the counts of rows done, failed and waiting for a retry
    (and cancelled, when a task was)."""
    counts = {DONE: 0, FAILED: 0, WAITING: 0}  # and CANCELLED, once one is
    sweep(app)
    huey = store(app)
    while True:
        progressed = False
        for message in _due_messages(huey):
            state = run_row(app, message.args[0])
            if state is not None:
                counts[state] = counts.get(state, 0) + 1
                progressed = True
        with app.app_context():
            rows = _due_rows(utcnow())
            db.session.remove()
        for row_id in rows:
            state = run_row(app, row_id)
            if state is not None:
                counts[state] = counts.get(state, 0) + 1
                progressed = True
        if not progressed:
            break
    return counts


def _due_messages(huey):
    """Take every message the queue holds now; keep the scheduled ones not yet due."""
    now = utcnow()
    for message in huey.read_schedule(now):
        yield message
    while huey.pending_count():  # (never wait on an empty queue: Redis would block)
        message = huey.dequeue()
        if message is None:
            return
        if message.eta is not None and message.eta > now:
            huey.add_schedule(message)
            continue
        yield message


def run_worker(app, threads=2):
    """Run the worker until SIGINT or SIGTERM: huey's consumer runs the rows handed to the
    queue, and a sweep (at start, then every ``QUEUE_SWEEP_SECONDS``) recovers dead workers'
    rows, lost hand-offs and the nightly work."""
    huey = store(app)
    stop = threading.Event()
    every = float(app.config.get("QUEUE_SWEEP_SECONDS", 30))

    def sweeper():
        while True:
            try:
                sweep(app)
            except Exception:  # noqa: BLE001 - a database hiccup: the next sweep retries
                log.exception("queue sweep failed")
            if stop.wait(every):
                return

    thread = threading.Thread(target=sweeper, daemon=True, name="tugas-sapu")
    thread.start()
    # an idle SQLite queue is polled at least every second (Redis blocks on its list)
    consumer = huey.create_consumer(
        workers=threads, periodic=False, worker_type="thread", max_delay=1.0
    )
    try:
        consumer.run()
    finally:
        stop.set()


# --- what the admin sees -------------------------------------------------------------------


def listing(limit=200):
    """The tasks the admin page lists: waiting and running, failed, and the latest done or
    cancelled."""
    order = (BackgroundTask.id.desc(),)
    active = (
        db.session.execute(
            db.select(BackgroundTask)
            .where(BackgroundTask.state.in_((WAITING, RUNNING)))
            .order_by(BackgroundTask.next_attempt_at, BackgroundTask.id)
            .limit(limit)
        )
        .scalars()
        .all()
    )
    failed = (
        db.session.execute(
            db.select(BackgroundTask)
            .where(BackgroundTask.state == FAILED)
            .order_by(*order)
            .limit(limit)
        )
        .scalars()
        .all()
    )

    def recent(state):
        return (
            db.session.execute(
                db.select(BackgroundTask)
                .where(BackgroundTask.state == state)
                .order_by(BackgroundTask.finished_at.desc(), *order)
                .limit(50)
            )
            .scalars()
            .all()
        )

    return {
        "active": active,
        "failed": failed,
        "done": recent(DONE),
        "cancelled": recent(CANCELLED),
    }


def retry(row_id):
    """Queue a failed task again (attempts and worker deaths counted afresh); False if it
    is not failed. Committed here; handed to the queue after the commit."""
    row = db.session.get(BackgroundTask, row_id)
    if row is None or row.state != FAILED:
        return False
    now = utcnow()
    changed = db.session.execute(
        db.update(BackgroundTask)
        .where(BackgroundTask.id == row_id, BackgroundTask.state == FAILED)
        .values(
            state=WAITING,
            attempts=0,
            worker_deaths=0,
            next_attempt_at=now,
            handed_at=now,
            finished_at=None,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        db.session.rollback()
        return False
    db.session.info.setdefault("warta_queue", []).append((row_id, now))
    db.session.commit()
    return True


def cancel(name, reason, match):
    """Cancel the waiting rows of the task ``name`` whose arguments ``match`` (a predicate on
    their keyword arguments), in the caller's transaction: each ends as ``dibatalkan`` with
    ``reason`` and is never run (its queue message finds it no longer waiting). A row
    running now is not touched: the task itself must see that its work is gone. Returns
    how many were cancelled."""
    rows = db.session.execute(
        db.select(BackgroundTask.id, BackgroundTask.args).where(
            BackgroundTask.name == name, BackgroundTask.state == WAITING
        )
    ).all()
    ids = [row_id for row_id, args in rows if match(json.loads(args or "{}"))]
    if not ids:
        return 0
    return db.session.execute(
        db.update(BackgroundTask)
        .where(BackgroundTask.id.in_(ids), BackgroundTask.state == WAITING)
        .values(
            state=CANCELLED,
            last_error=str(reason)[:REASON_LENGTH],
            finished_at=utcnow(),
            handed_at=None,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
