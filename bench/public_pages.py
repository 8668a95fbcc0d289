"""Public pages under gunicorn and wrk, against a bare Flask hello-world in the same run.

Bar (DESIGN.md section 10): home, an article page and /feed.xml at >= 50% of hello-world's
req/s, p99 <= 50 ms, at 16 connections on loopback.
Usage: python bench/public_pages.py [--quick]   (or bench/http.sh)
"""

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._server import BIN  # noqa: E402
from bench._server import ROOT  # noqa: E402
from bench._server import Server  # noqa: E402
from bench._server import free_port  # noqa: E402

BAR_RATIO, BAR_P99_MS = 0.5, 50.0
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
    db.session.commit()
"""
    subprocess.run([str(BIN / "python"), "-c", code], cwd=ROOT, env=env, check=True)


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
            for path in ("/", "/berita/berita-uji-5", "/feed.xml"):
                subprocess.run(["curl", "-s", "-o", "/dev/null", server.url + path], check=False)
            ref_rps, ref_p99, _ = wrk(f"http://127.0.0.1:{hello_port}/", seconds)
            print(
                f"reference: hello-world (gunicorn -w {WORKERS}): {ref_rps:.0f} req/s, p99 {ref_p99:.1f} ms"
            )
            print(f"{count} published articles, wrk -c16 -d{seconds}s")
            short = 0
            for path in ("/", "/berita/berita-uji-5", "/feed.xml"):
                rps, p99, errors = wrk(server.url + path, seconds)
                ok = rps >= BAR_RATIO * ref_rps and p99 <= BAR_P99_MS and errors == 0
                short += not ok
                print(
                    f"{path:24} {rps:8.0f} req/s ({rps / ref_rps:4.0%} of hello-world), "
                    f"p99 {p99:6.1f} ms, errors {errors}"
                )
                print(
                    f"bar: public {path} {rps / ref_rps:.0%} of hello-world, p99 {p99:.1f} ms, "
                    f"{errors} errors (bar >= 50%, p99 <= 50 ms, 0 errors) -> "
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
