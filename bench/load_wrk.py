"""The intranet under an authenticated wrk load: gunicorn with one worker per core, 16
connections, a 90/10 read/write mix, on SQLite and on PostgreSQL.

The workers are gunicorn's sync workers, one per core (at least two), as the README deploys
Warta (``--workers "$(nproc)"``): each takes the next request from the shared socket when it
is free. More workers than cores do not answer more: a page is CPU work, so extra workers
only share the cores and every request in flight finishes later (measured on 2 cores, 10 s
runs, SQLite: 2 workers 177-178 req/s, p99 174-197 ms; 3 workers 145-176 req/s, p99
227-314 ms; 4 workers 136-171 req/s, p99 301-326 ms). Threaded workers (``--threads``)
keep each keep-alive connection on the worker that accepted it, so a worker that happened to
accept more of wrk's 16 connections answers them slower while the others sit idle. Measured
on one machine within minutes: SQLite 88 req/s, p99 669 ms threaded (4 x 4 threads) against
100-119 req/s, p99 331-488 ms sync (five runs); PostgreSQL 72 req/s, p99 930 ms against
92 req/s, p99 390 ms.

The person (redaktur) logs in from Python; the session cookie and a CSRF token from a form
they were shown go to ``bench/wrk/mix.lua`` through the environment. Reads cycle the
dashboard, the case list, a case page, the agenda book, the archive search and the account
page; every tenth request posts a comment on the case with the CSRF token (302 expected).
wrk counts every answer that is not 2xx or 3xx as an error. The reference printed beside
it is the same server answering ``/healthz`` to wrk alone at the same 16 connections.

Bar (DESIGN.md section 10): p99 <= 300 ms and 0 errors for the mix.
Usage: python bench/load_wrk.py [--quick] [--db sqlite|postgresql|both] [--workers N]
"""

import http.cookiejar
import os
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._server import Server  # noqa: E402
from bench.load import PG_URL  # noqa: E402
from bench.load import NoRedirect  # noqa: E402
from bench.load import drop_postgres_database  # noqa: E402
from bench.load import fresh_postgres_database  # noqa: E402
from bench.load import postgres_reachable  # noqa: E402
from bench.load import token  # noqa: E402

HERE = Path(__file__).resolve().parent
P99_BAR_MS = 300.0


def deployed_workers():
    """One sync worker per core, at least two: the README's ``--workers "$(nproc)"``."""
    return max(2, os.cpu_count() or 1)


def signed_in(base, username="redaktur"):
    """Log in as ``username``: (the Cookie header, a case id, that case page's CSRF token)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())

    def get(path):
        with opener.open(base + path, timeout=30) as r:
            return r.read().decode()

    login = get("/intranet/login")
    body = urllib.parse.urlencode(
        {"csrf_token": token(login), "username": username, "password": "warta-demo"}
    ).encode()
    try:
        opener.open(base + "/intranet/login", data=body, timeout=30)
    except urllib.error.HTTPError as e:
        if e.code != 302:
            raise
    case_id = re.search(r'href="/intranet/naskah/(\d+)"', get("/intranet/naskah/")).group(1)
    page = get(f"/intranet/naskah/{case_id}")
    form = re.search(r'action="/intranet/naskah/\d+/komentar".*?</form>', page, re.S).group(0)
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return cookie, case_id, token(form)


def wrk(url, seconds, script=None, env=None):
    """wrk -t2 -c16 on ``url``: (req/s, p99 ms, non-2xx/3xx answers, socket errors)."""
    args = ["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    if script:
        args += ["-s", str(script)]
    out = subprocess.run(
        [*args, url], capture_output=True, text=True, check=True, env={**os.environ, **(env or {})}
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    factor = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: (.*)", out)
    return rps, float(p99.group(1)) * factor, int(bad.group(1)) if bad else 0, sockets


def comments(base, cookie, case_id):
    """How many comments the case page shows (the writes that landed)."""
    request = urllib.request.Request(
        f"{base}/intranet/naskah/{case_id}", headers={"Cookie": cookie}
    )
    with urllib.request.urlopen(request, timeout=30) as r:
        return r.read().decode().count("Komentar uji beban")


def run(label, env, seconds, workers):
    with Server(workers=workers, threads=1, env=env) as server:  # sync workers, as deployed
        cookie, case_id, csrf = signed_in(server.url)
        reads = [
            "/intranet/",
            "/intranet/naskah/",
            f"/intranet/naskah/{case_id}",
            "/intranet/agenda",
            "/arsip/cari?q=rapat",
            "/intranet/akun",
        ]
        ref_rps, ref_p99, _bad, _sockets = wrk(server.url + "/healthz", min(seconds, 10))
        print(
            f"[{label}] reference: /healthz alone, wrk -c16: {ref_rps:.0f} req/s, p99 {ref_p99:.1f} ms"
        )
        rps, p99, bad, sockets = wrk(
            server.url,
            seconds,
            HERE / "wrk" / "mix.lua",
            {
                "WARTA_COOKIE": cookie,
                "WARTA_CSRF": csrf,
                "WARTA_CASE": case_id,
                "WARTA_READS": " ".join(reads),
            },
        )
        written = comments(server.url, cookie, case_id)
        print(
            f"[{label}] 90/10 mix, {workers} workers, wrk -c16, {seconds} s: {rps:.0f} req/s, "
            f"p99 {p99:.1f} ms, {bad} non-2xx/3xx, socket errors: "
            f"{sockets.group(1) if sockets else 'none'}; comments saved (shown): {written}"
        )
        ok = bad == 0 and sockets is None and p99 <= P99_BAR_MS and written > 0
        print(
            f"bar: [{label}] intranet 90/10 mix under wrk: p99 {p99:.0f} ms, {bad} errors, "
            f"{rps:.0f} req/s (bar p99 300 ms, 0 errors) -> {'bar met' if ok else 'BELOW BAR'}"
        )


def main():
    quick = "--quick" in sys.argv
    seconds = 10 if quick else 60
    which = sys.argv[sys.argv.index("--db") + 1] if "--db" in sys.argv else "both"
    workers = (
        int(sys.argv[sys.argv.index("--workers") + 1])
        if "--workers" in sys.argv
        else deployed_workers()
    )
    if which in ("sqlite", "both"):
        run("SQLite", {}, seconds, workers)
    if which in ("postgresql", "both"):
        if not postgres_reachable():
            print("PostgreSQL is not reachable on 127.0.0.1:5432: its run is skipped")
            return 0
        name = fresh_postgres_database()
        try:
            run("PostgreSQL", {"DATABASE_URL": PG_URL.format(db=name)}, seconds, workers)
        finally:
            drop_postgres_database(name)
    return 0


if __name__ == "__main__":
    if {"-h", "--help"} & set(sys.argv[1:]):
        print(__doc__)
        sys.exit(0)
    sys.exit(main())
