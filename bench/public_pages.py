"""Public pages under gunicorn and wrk, against a bare Flask hello-world in the same run.

Bars (issue "performance at the next scale"): a cache hit for `/`, an article, a category,
the three feeds and the sitemap at >= 100% of hello-world's req/s, p99 <= 20 ms, 0 errors, at
16 connections on loopback; and still correct: during a run, an article is published,
corrected and withdrawn (each its own commit, made as the services make it: the content, the
generation bump, the commit), and no request started more than FRESH_BOUND_S after a commit
may show the state from before it, on either worker.
Usage: python bench/public_pages.py [--quick]   (or bench/http.sh)
"""

import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._server import BIN  # noqa: E402
from bench._server import ROOT  # noqa: E402
from bench._server import Server  # noqa: E402
from bench._server import free_port  # noqa: E402

BAR_RATIO, BAR_P99_MS = 1.0, 20.0
FRESH_BOUND_S = 1.0
PATHS = (
    "/",
    "/berita/berita-uji-5",
    "/kategori/berita-terkini",
    "/feed.xml",
    "/feed.atom",
    "/feed.json",
    "/sitemap.xml",
)
WORKERS = "2"


def seed_articles(env, count):
    """``count`` published articles written straight into the database (synthetic, for load)."""
    code = f"""
import hashlib
from datetime import timedelta
from intranet import create_app
from intranet.extensions import db
from intranet.models import Article, Case, PublishedVersion, Revision, User
from intranet.clock import utcnow
app = create_app()
with app.app_context():
    user = db.session.execute(db.select(User).where(User.username == "redaktur")).scalar_one()
    now = utcnow()
    for i in range({count}):
        slug = f"berita-uji-{{i}}"
        body = "<p>" + ("Rapat pleno rekapitulasi daftar pemilih tetap berlangsung tertib. " * 30) + "</p>"
        case = Case(title=f"Berita uji {{i}}", category_id=1 + i % 6, definition_code="sop-3-2022", definition_version=1,
                    definition_sha256="-", step=10, status="published", opened_by_id=user.id, slug=slug)
        db.session.add(case); db.session.flush()
        rev = Revision(case_id=case.id, number=1, title=f"Berita uji nomor {{i}} tentang pemilu", slug=slug,
                       summary="Ringkasan berita uji untuk pengukuran.", body_html=body, ppid="serta_merta",
                       category_id=case.category_id, credits="Humas", author_id=user.id, step=5,
                       content_hash=hashlib.sha256(body.encode()).hexdigest())
        db.session.add(rev); db.session.flush()
        a = Article(case_id=case.id, slug=slug, category_id=case.category_id, published_at=now - timedelta(minutes=i))
        db.session.add(a); db.session.flush()
        db.session.add(PublishedVersion(article_id=a.id, number=1, revision_id=rev.id, revision_hash=rev.content_hash,
                                        published_at=a.published_at, published_by_id=user.id))
    publishing.bump()
    db.session.commit()
"""
    code = code.replace(
        "from intranet.clock import utcnow",
        "from intranet.clock import utcnow\nfrom intranet.services import publishing",
    )
    subprocess.run([str(BIN / "python"), "-c", code], cwd=ROOT, env=env, check=True)


#: The three changes of the freshness check, each as the services make it: the content, the
#: generation bump, one commit. Each prints the wall-clock time of its commit.
CHANGE = """
import hashlib, sys, time
from intranet import create_app
from intranet.clock import utcnow
from intranet.extensions import db
from intranet.models import Article, Case, PublishedVersion, Revision, User
from intranet.services import publishing
kind = sys.argv[1]
app = create_app()
with app.app_context():
    user = db.session.execute(db.select(User).where(User.username == "redaktur")).scalar_one()
    now = utcnow()
    slug = "berita-segar"
    if kind == "publish":
        body = "<p>Berita segar untuk uji kesegaran tembolok.</p>"
        case = Case(title="Berita segar", category_id=1, definition_code="sop-3-2022", definition_version=1,
                    definition_sha256="-", step=10, status="published", opened_by_id=user.id, slug=slug)
        db.session.add(case); db.session.flush()
        rev = Revision(case_id=case.id, number=1, title="Berita segar terbit", slug=slug, summary="Segar.",
                       body_html=body, ppid="serta_merta", category_id=1, credits="Humas", author_id=user.id,
                       step=5, content_hash=hashlib.sha256(body.encode()).hexdigest())
        db.session.add(rev); db.session.flush()
        a = Article(case_id=case.id, slug=slug, category_id=1, published_at=now)
        db.session.add(a); db.session.flush()
        db.session.add(PublishedVersion(article_id=a.id, number=1, revision_id=rev.id, revision_hash=rev.content_hash,
                                        published_at=now, published_by_id=user.id))
    else:
        a = db.session.execute(db.select(Article).where(Article.slug == slug)).scalar_one()
        if kind == "correct":
            body = "<p>Berita segar yang dikoreksi.</p>"
            rev = Revision(case_id=a.case_id, number=2, title="Berita segar dikoreksi", slug=slug, summary="Segar.",
                           body_html=body, ppid="serta_merta", category_id=1, credits="Humas", author_id=user.id,
                           step=5, content_hash=hashlib.sha256(body.encode()).hexdigest())
            db.session.add(rev); db.session.flush()
            db.session.add(PublishedVersion(article_id=a.id, number=2, revision_id=rev.id,
                                            revision_hash=rev.content_hash, published_at=now, published_by_id=user.id))
            a.current_number = 2
        else:
            a.status = "withdrawn"
            a.withdrawn_at = now
            a.withdrawn_reason = "Uji kesegaran tembolok."
    publishing.bump()
    db.session.commit()
    print(time.time())
"""

#: How a page polled after each change would still show the state from before it (a page may
#: show a later state: a request started before the next commit may be answered after it).
OLD = {
    "publish": lambda body: "Berita segar" not in body,
    "correct": lambda body: "Berita segar terbit" in body,
    "withdraw": lambda body: "Berita segar" in body,
}


def poll(url, stop, seen):
    """GET ``url`` until ``stop``; keep (start time, body) of each answer."""
    while not stop.is_set():
        started = time.time()
        try:
            with urllib.request.urlopen(url, timeout=5) as r:  # noqa: S310 - loopback bench server
                seen.append((started, r.read().decode()))
        except OSError:
            seen.append((started, None))


def freshness(server, seconds):
    """Publish, correct and withdraw under load; the longest an old state was served after a commit."""
    stop = threading.Event()
    seen = {path: [] for path in ("/", "/feed.json", "/kategori/berita-terkini")}
    threads = [
        threading.Thread(target=poll, args=(server.url + path, stop, seen[path]), daemon=True)
        for path in seen
        for _ in range(2)
    ]
    load = subprocess.Popen(
        ["wrk", "-t1", "-c8", f"-d{seconds * 3 + 6}s", server.url + "/"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for t in threads:
        t.start()
    commits = {}
    try:
        for kind in OLD:
            time.sleep(seconds)
            out = subprocess.run(
                [str(BIN / "python"), "-c", CHANGE, kind],
                cwd=ROOT,
                env=server.env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            commits[kind] = float(out.strip().splitlines()[-1])
        time.sleep(seconds)
    finally:
        stop.set()
        for t in threads:
            t.join(10)
        load.terminate()
        load.wait(10)
    worst, errors, polls = 0.0, 0, 0
    order = list(OLD)
    for path, answers in seen.items():
        for started, body in answers:
            polls += 1
            if body is None:
                errors += 1
                continue
            for i, kind in enumerate(order):
                if started < commits[kind]:
                    break
                nxt = commits[order[i + 1]] if i + 1 < len(order) else float("inf")
                if started >= nxt:
                    continue
                if OLD[kind](body):
                    if started - commits[kind] > worst:
                        worst, where = started - commits[kind], (path, kind)
    if worst > FRESH_BOUND_S:
        print(f"old state on {where[0]} after the {where[1]}")
    return worst, errors, polls


def wrk(url, seconds):
    out = subprocess.run(
        ["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    factor = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, float(p99.group(1)) * factor, int(errors.group(1)) if errors else 0


def main():
    if not shutil.which("wrk"):
        print("wrk is not installed (Debian package wrk); http bench skipped")
        return 0
    quick = "--quick" in sys.argv
    count, seconds = (300, 4) if quick else (1000, 10)
    with Server(workers=int(WORKERS), threads=1) as server:
        seed_articles(server.env, count)
        hello_port = free_port()
        hello = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "-w",
                WORKERS,
                "-b",
                f"127.0.0.1:{hello_port}",
                "bench.hello:app",
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            time.sleep(1.5)
            for path in PATHS:
                subprocess.run(["curl", "-s", "-o", "/dev/null", server.url + path], check=False)
            ref_rps, ref_p99, _ = wrk(f"http://127.0.0.1:{hello_port}/", seconds)
            print(
                f"reference: hello-world (gunicorn -w {WORKERS}): {ref_rps:.0f} req/s, p99 {ref_p99:.1f} ms"
            )
            print(f"{count} published articles, wrk -c16 -d{seconds}s, cache hits")
            for path in PATHS:
                rps, p99, errors = wrk(server.url + path, seconds)
                ok = rps >= BAR_RATIO * ref_rps and p99 <= BAR_P99_MS and errors == 0
                print(
                    f"{path:28} {rps:8.0f} req/s ({rps / ref_rps:4.0%} of hello-world), "
                    f"p99 {p99:6.1f} ms, errors {errors}"
                )
                print(
                    f"bar: public {path} {rps / ref_rps:.0%} of hello-world, p99 {p99:.1f} ms, "
                    f"{errors} errors (bar >= 100%, p99 <= 20 ms, 0 errors) -> "
                    f"{'bar met' if ok else 'BELOW BAR'}"
                )
            worst, errors, polls = freshness(server, 2 if quick else 4)
            ok = worst <= FRESH_BOUND_S and errors == 0
            print(
                f"freshness: publish, correct, withdraw under load; {polls} polls of /, /feed.json "
                f"and a category on both workers; old state served at most {worst * 1000:.0f} ms "
                "after a commit"
            )
            print(
                f"bar: public cache fresh after publish/correct/withdraw, old state {worst * 1000:.0f} ms "
                f"after the commit, {errors} errors (bar <= {FRESH_BOUND_S * 1000:.0f} ms, 0 errors) -> "
                f"{'bar met' if ok else 'BELOW BAR'}"
            )
        finally:
            hello.terminate()
            hello.wait(10)
    return 0


if __name__ == "__main__":
    if {"-h", "--help"} & set(sys.argv[1:]):
        print(__doc__)
        sys.exit(0)
    sys.exit(main())
