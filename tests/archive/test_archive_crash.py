"""Crash safety of archiving: a publishing process killed with SIGKILL at random moments.

A child process publishes prepared cases (step 10) one after another; the test kills it at a
random moment, 20 times: 17 moments spread over the time two publishes take, and 3 a random
while after the child reported a finished publish, so that some kills land between publishes
however slow a loaded machine makes them. After every kill, with fresh sessions: every registered file is in the
archive store and hashes to its name, no record is half made, the trails hold, and
``archive verify --clean`` removes what the dead process left so that ``archive verify`` passes.
At the end one child publishes the cases left to completion, every trail verifies, and the
real ``flask archive verify`` passes.

``ARCHIVE_CRASH_SEED`` replays a run's kill moments (the timing itself varies).
"""

import json
import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from archive import fixity
from archive.models import ArchiveFile
from archive.models import ArchiveRecord
from archive.models import ArchiveVersion
from archive.store import archive_store
from intranet.extensions import db
from intranet.models import Article
from intranet.models import Case
from intranet.models import TrailEntry
from intranet.services import trail
from tests.conftest import base_config
from tests.fixtures.scenarios import build_preview
from tests.fixtures.scenarios import build_scenario

ROOT = Path(__file__).resolve().parents[2]
KILLS = 20
AFTER_PUBLISH = 3  # of the kills, those timed from the child's first finished publish
PER_CHILD = 3  # cases handed to each child; the kill window covers about two publishes
KINDS = ["sumber", "foto-asli", "foto", "html", "json"]

# The child: the test's app configuration (JSON) on the command line. It says "ready" once
# the slow imports and a first (reading) connection are done, then reads the case ids from
# stdin, publishes them one after another and says "published <id> <seconds>" after each.
CHILD = """
import json, sys, time
config = json.loads(sys.argv[1])
from intranet import create_app
from intranet.extensions import db
from intranet.models import Case, User
from intranet.services import publishing

app = create_app(config)
with app.test_request_context():
    db.session.execute(db.select(User.id).limit(1)).all()
print("ready", flush=True)
for case_id in map(int, sys.stdin.readline().split()):
    started = time.monotonic()
    with app.test_request_context(method="POST"):
        case = db.session.get(Case, case_id)
        redaktur = db.session.execute(
            db.select(User).where(User.username == "redaktur")
        ).scalar_one()
        publishing.publish(case, redaktur)
    print("published", case_id, round(time.monotonic() - started, 3), flush=True)
"""


class Child:
    """A publishing process, started ahead so its slow imports overlap the previous round."""

    def __init__(self, config):
        self.proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, json.dumps(config)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.output = []
        self.lines = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.output.append(line)
            self.lines.put(line)
        self.lines.put(None)

    def fail(self, message):
        self.close()
        raise AssertionError(f"{message}\n--- child output ---\n{''.join(self.output)}")

    def start(self, case_ids, timeout=120):
        """Wait until the child is ready, then hand it the cases to publish."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                self.fail("the child never became ready")
            if line is None:
                self.fail("the child ended before it was ready")
            if line.strip() == "ready":
                break
        try:
            self.proc.stdin.write(" ".join(map(str, case_ids)) + "\n")
            self.proc.stdin.close()
        except BrokenPipeError:
            self.fail("the child ended before it was given its cases")

    def finish(self, kill_after=None, after_publish=False, timeout=120):
        """SIGKILL the child ``kill_after`` seconds after it started (else let it end).

        With ``after_publish`` the seconds count from its first "published" line instead.
        """
        if after_publish:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
                except queue.Empty:
                    self.fail("the child never published")
                if line is None:
                    self.fail("the child ended before it published")
                if line.startswith("published "):
                    break
        if kill_after is not None:
            time.sleep(kill_after)
            os.kill(self.proc.pid, signal.SIGKILL)  # not yet reaped, so still our child
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.fail("the child did not end")
        self.close()
        published, durations = [], []
        for line in self.output:
            if line.startswith("published "):
                _, case_id, seconds = line.split()
                published.append(int(case_id))
                durations.append(float(seconds))
        return ChildRun(self.proc.returncode, published, durations, "".join(self.output))

    def close(self):
        """Kill the child if it still runs, reap it and close its pipes."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.reader.join(10)
        for pipe in (self.proc.stdin, self.proc.stdout):
            pipe.close()


class ChildRun:
    """What one child process did: its exit code, the cases it reported, its output."""

    def __init__(self, returncode, published, durations, output):
        self.returncode = returncode
        self.published = published
        self.durations = durations
        self.output = output


def child_config(app, tmp_path):
    """The app's own values of every key the test configuration sets, and of its folders."""
    keys = set(base_config(tmp_path, "")) | {k for k in app.config if k.endswith("_DIR")}
    return {key: app.config[key] for key in sorted(keys)}


def prepare_case(app):
    """A case written, laid out and moved to step 10, ready to publish; returns its id."""
    case_id = build_scenario(app)["case_id"]
    build_preview(app, case_id)
    with app.app_context():
        db.session.get(Case, case_id).step = 10
        db.session.commit()
    return case_id


def trail_problems_by_case(app, case_ids):
    """``trail.verify_case`` of each case.

    A prepared case was moved to step 10 directly, so the replay of its trail names that
    until it is published; those problems must stay exactly what they were.
    """
    with app.app_context():
        return {cid: trail.verify_case(db.session.get(Case, cid)) for cid in case_ids}


def check_and_clean(app, prepared, baseline, reported):
    """Check every invariant after a kill, then clean the strays; return how many there were.

    ``prepared`` are all cases handed out, ``baseline`` their trail problems before
    publishing, ``reported`` the cases a child said it had published.
    """
    with app.app_context():
        db.session.remove()
        store = archive_store()

        # (a) every registered file is stored whole under its own name
        for f in db.session.execute(db.select(ArchiveFile)).scalars():
            assert store.digest(f.sha256) == (f.sha256, f.size), f"torn or missing file {f.sha256}"
        for v in db.session.execute(db.select(ArchiveVersion)).scalars():
            got = store.digest(v.berkas_sha256)
            assert got == (v.berkas_sha256, v.berkas_size), f"torn or missing berkas {v.id}"

        # (b) no half record: an article always has its one record, versions and files
        articles = {a.case_id: a for a in db.session.execute(db.select(Article)).scalars()}
        records = db.session.execute(db.select(ArchiveRecord)).scalars().all()
        per_case = Counter(r.case_id for r in records)
        for case_id in articles:
            assert per_case[case_id] == 1, f"case {case_id}: {per_case[case_id]} records"
        for r in records:
            assert r.origin == "sop" and r.case_id in articles, f"record {r.nomor_arsip} orphan"
            assert len(r.versions) >= 1, f"record {r.nomor_arsip} has no version"
            for v in r.versions:
                assert [f.kind for f in v.files] == KINDS, f"record {r.nomor_arsip} v{v.number}"
        assert set(reported) <= set(articles), "a publish the child reported was lost"
        assert set(articles) <= set(prepared)

        # (c) the trails: published cases verify, the others are untouched
        for case_id in prepared:
            case = db.session.get(Case, case_id)
            actions = set(
                db.session.execute(
                    db.select(TrailEntry.action).where(TrailEntry.case_id == case_id)
                ).scalars()
            )
            if case_id in articles:
                assert case.status == "published", f"case {case_id}: {case.status}"
                assert {"publish", "archive"} <= actions, f"case {case_id}: {actions}"
                assert trail.verify_case(case) == [], f"case {case_id}"
            else:
                assert case.status == "open", f"case {case_id}: {case.status}"
                assert not {"publish", "archive"} & actions, f"case {case_id}: {actions}"
                assert trail.verify_case(case) == baseline[case_id], f"case {case_id}"
        problems = trail.verify_all()[1]
        expected = [p for cid in prepared if cid not in articles for p in baseline[cid]]
        assert sorted(problems) == sorted(expected)

        # (d) what the dead process left is stray; verify names it, --clean removes it
        registered = set(fixity.registered_files())
        stray = sorted(rel for rel, sha in store.walk() if sha is None or sha not in registered)
        db.session.rollback()
        if stray:
            run = fixity.verify()
            assert not run.ok and sorted(run.details["stray"]) == stray
        run = fixity.verify(clean=True)
        assert (run.missing, run.changed, run.trail_problems, run.stray) == (0, 0, 0, 0), (
            run.details
        )
        assert sorted(run.details["cleaned"]) == stray
        run = fixity.verify()
        assert run.ok and run.cleaned == 0, run.details
        left = sorted(rel for rel, _ in store.walk())
        assert left == sorted(f"{sha[:2]}/{sha}" for sha in registered)
        db.session.remove()
        return len(stray)


def published_cases(app):
    with app.app_context():
        found = set(db.session.execute(db.select(Article.case_id)).scalars())
        db.session.remove()
        return found


def test_sigkill_while_archiving_never_tears_or_orphans(app, tmp_path):
    seed = int(os.environ.get("ARCHIVE_CRASH_SEED") or random.SystemRandom().randrange(2**32))
    rng = random.Random(seed)
    config = child_config(app, tmp_path)
    prepared, baseline = [], {}

    def pending(n):
        """``n`` prepared cases not yet published (preparing more when needed)."""
        done = published_cases(app)
        waiting = [cid for cid in prepared if cid not in done]
        while len(waiting) < n:
            cid = prepare_case(app)
            baseline.update(trail_problems_by_case(app, [cid]))
            prepared.append(cid)
            waiting.append(cid)
        return waiting[:n]

    children, history = [], []

    def check(reported, where):
        """``check_and_clean``, its failure naming the seed, the kill and the ones before."""
        try:
            return check_and_clean(app, prepared, baseline, reported)
        except AssertionError as e:
            raise AssertionError(f"seed {seed}, {where}; kills so far {history}: {e}") from e

    def spawn():
        children.append(Child(config))
        return children[-1]

    try:
        # Calibration: one child publishes two cases to completion; the kill window is as
        # long as both publishes together (the first one in a fresh process is the slower).
        started = time.monotonic()
        child = spawn()
        child.start(pending(2))
        following = spawn()  # each next child starts up while the one before publishes
        run = child.finish()
        assert run.returncode == 0 and len(run.published) == 2, f"seed {seed}\n{run.output}"
        window = sum(run.durations)
        check(run.published, "after the calibration")
        timings = [f"calibration {time.monotonic() - started:.1f}s, publishes {run.durations}"]

        # Stratified kill moments, one in each part of the window, and a few counted from a
        # finished publish (at most half a publish later); all in a random order.
        timed = KILLS - AFTER_PUBLISH
        delays = [(window * (i + rng.random()) / timed, False) for i in range(timed)]
        delays += [(window / 4 * rng.random(), True) for _ in range(AFTER_PUBLISH)]
        rng.shuffle(delays)
        mid_archive = completed = 0
        reported = list(run.published)
        for i, (delay, after_publish) in enumerate(delays):
            before = published_cases(app)
            child = following
            child.start(pending(PER_CHILD))
            following = spawn()
            run = child.finish(kill_after=delay, after_publish=after_publish)
            since = "a publish" if after_publish else "start"
            where = f"kill {i + 1}/{KILLS} {delay:.3f}s after {since} (window {window:.3f}s)"
            assert run.returncode in (-signal.SIGKILL, 0), f"seed {seed}, {where}\n{run.output}"
            assert "Traceback" not in run.output, f"seed {seed}, {where}\n{run.output}"
            reported += run.published
            stray = check(reported, where)
            new = len(published_cases(app) - before)
            history.append((round(delay, 3), since, new, stray))
            completed += new
            mid_archive += stray > 0
        timings.append(f"{KILLS} kills {time.monotonic() - started:.1f}s")

        # The kills landed both inside archiving and between publishes.
        assert mid_archive >= 1, f"seed {seed}: no kill left a stray file: {history}"
        assert completed >= 1, f"seed {seed}: no killed child completed a publish: {history}"

        # A restart: one more child publishes every case left (at least one) to completion,
        # after which every trail verifies and the real command is content.
        pending(1)
        done = published_cases(app)
        rest = [cid for cid in prepared if cid not in done]
        following.start(rest)
        run = following.finish()
        assert run.returncode == 0 and run.published == rest, f"seed {seed}\n{run.output}"
        reported += run.published
        assert check(reported, "after the restart") == 0, f"seed {seed}"
        assert published_cases(app) == set(prepared), f"seed {seed}"
        with app.app_context():
            assert trail.verify_all() == (len(prepared), []), f"seed {seed}"
    finally:
        for child in children:
            child.close()
    env = {
        **os.environ,
        "DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
        "WARTA_SECRET_KEY": config["SECRET_KEY"],
        "WARTA_INSTANCE_PATH": config["INSTANCE_PATH"],
        **{f"WARTA_{key}": value for key, value in config.items() if key.endswith("_DIR")},
    }
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "archive", "verify", "--quiet"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"seed {seed}\n{result.stdout}{result.stderr}"
    files = 3 + 3 * len(published_cases(app))  # the shared originals, then 3 per record
    assert result.stdout.startswith(f"OK: {files} berkas"), f"seed {seed}\n{result.stdout}"
    timings.append(f"total {time.monotonic() - started:.1f}s")
    print(f"seed {seed}; {'; '.join(timings)}; mid-archive kills {mid_archive}; {history}")
