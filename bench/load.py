"""Load and concurrency under gunicorn with 4 workers, on SQLite and on PostgreSQL.

Bars (DESIGN.md section 10):
- 8 writers x 500 edits of a shared case: 0 lost updates, 0 5xx, a 409 only when the form
  really was stale (the 409 page names the newer version; it must be newer than the form's);
- a 90/10 read/write mix at 16 connections for 60 s: 0 errors; req/s and p99 printed.
The reference printed beside the mix is the same server answering /healthz alone.
Usage: python bench/load.py [--quick] [--db sqlite|postgresql|both]
"""

import http.cookiejar
import re
import socket
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._server import Server  # noqa: E402
from bench._server import percentile  # noqa: E402

PG_URL = "postgresql://postgres@127.0.0.1:5432/{db}"


class Session:
    """A logged-in person: cookies, and the CSRF token of the last form seen."""

    def __init__(self, base, username):
        self.base = base
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(jar), NoRedirect()
        )
        page = self.get("/intranet/login")[1]
        self.post(
            "/intranet/login",
            {"csrf_token": token(page), "username": username, "password": "warta-demo"},
        )

    def get(self, path):
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path, data):
        body = urllib.parse.urlencode(data).encode()
        return self._open(urllib.request.Request(self.base + path, data=body))

    def _open(self, request):
        try:
            with self.opener.open(request, timeout=30) as r:
                return r.status, r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            with e:
                return e.code, e.read().decode("utf-8", "replace")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def token(page):
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def concept_case(base):
    """The demo case at step 3 (the concept), whose concept the redaktur saves."""
    s = Session(base, "redaktur")
    page = s.get("/intranet/naskah/")[1]
    for case_id in re.findall(r'href="/intranet/naskah/(\d+)"', page):
        if 'name="angle"' in s.get(f"/intranet/naskah/{case_id}")[1]:
            return int(case_id)
    raise RuntimeError("no case at step 3 in the demo data")


def save_concept(s, case_id, text):
    """Load the case page as a person would, then save the concept from it."""
    status, page = s.get(f"/intranet/naskah/{case_id}")
    if status != 200:
        return status, None, None
    form = re.search(r'action="/intranet/naskah/\d+/konsep".*?</form>', page, re.S).group(0)
    base = int(re.search(r'name="base"[^>]*value="(\d+)"', form).group(1))
    status, body = s.post(
        f"/intranet/naskah/{case_id}/konsep",
        {
            "csrf_token": token(form),
            "base": base,
            "angle": text,
            "outline": "1. Kegiatan\n2. Kutipan",
            "sources": "Surat",
        },
    )
    # the 409 page shows the newest saved version beside the text that was not saved
    newer = re.search(r"Versi tersimpan terbaru \(versi (\d+)", body) if status == 409 else None
    return status, base, int(newer.group(1)) if newer else None


def writers(base, case_id, n_writers, edits):
    """``n_writers`` people saving the same concept ``edits`` times each."""
    sessions = [Session(base, "redaktur") for _ in range(n_writers)]
    counts = {"saved": 0, "stale": 0, "wrong_409": 0, "5xx": 0, "other": 0}
    lock = threading.Lock()

    def work(i, s):
        for n in range(edits):
            status, used, newer = save_concept(s, case_id, f"penulis {i} suntingan {n}")
            with lock:
                if status == 302:
                    counts["saved"] += 1
                elif status == 409:
                    counts["stale" if newer is not None and newer > used else "wrong_409"] += 1
                elif status >= 500:
                    counts["5xx"] += 1
                else:
                    counts["other"] += 1

    start = time.perf_counter()
    threads = [threading.Thread(target=work, args=(i, s)) for i, s in enumerate(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    page = sessions[0].get(f"/intranet/naskah/{case_id}")[1]
    form = re.search(r'action="/intranet/naskah/\d+/konsep".*?</form>', page, re.S).group(0)
    final = int(re.search(r'name="base"[^>]*value="(\d+)"', form).group(1))
    return counts, final, elapsed


def mix(base, case_id, connections, seconds):
    """90% reads (public pages, the case page), 10% concept saves, for ``seconds``."""
    sessions = [Session(base, "redaktur") for _ in range(connections)]
    reads = ["/", "/feed.xml", "/sitemap.xml", f"/intranet/naskah/{case_id}", "/intranet/"]
    lat, errors, lock = [], [], threading.Lock()
    stop = time.perf_counter() + seconds

    def work(i, s):
        n = 0
        while time.perf_counter() < stop:
            n += 1
            t = time.perf_counter()
            if n % 10 == 0:
                status = save_concept(s, case_id, f"campuran {i} {n}")[0]
                ok = status in (302, 409)
            else:
                status = s.get(reads[(i + n) % len(reads)])[0]
                ok = status == 200
            with lock:
                lat.append(time.perf_counter() - t)
                if not ok:
                    errors.append(status)

    threads = [threading.Thread(target=work, args=(i, s)) for i, s in enumerate(sessions)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(lat) / (time.perf_counter() - start), percentile(lat, 99) * 1000, errors


def reference(base, connections, seconds):
    """The same server and client answering /healthz alone: what the machine can do."""
    lat, stop = [], time.perf_counter() + seconds

    def work():
        opener = urllib.request.build_opener()
        while time.perf_counter() < stop:
            t = time.perf_counter()
            with opener.open(base + "/healthz", timeout=30) as r:
                r.read()
            lat.append(time.perf_counter() - t)

    threads = [threading.Thread(target=work) for _ in range(connections)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(lat) / (time.perf_counter() - start), percentile(lat, 99) * 1000


def postgres_reachable():
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
        return True
    except OSError:
        return False


def fresh_postgres_database():
    import psycopg

    name = f"warta_bench_{int(time.time())}"
    with psycopg.connect(PG_URL.format(db="postgres"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_postgres_database(name):
    import psycopg

    with psycopg.connect(PG_URL.format(db="postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(label, env, quick):
    edits, seconds = (50, 10) if quick else (500, 60)
    with Server(workers=4, threads=4, env=env) as server:
        case_id = concept_case(server.url)
        counts, final, elapsed = writers(server.url, case_id, 8, edits)
        lost = final - counts["saved"]
        print(
            f"[{label}] 8 writers x {edits} saves of one concept in {elapsed:.1f} s: "
            f"{counts['saved']} saved, {counts['stale']} stale (409), final version {final}, "
            f"lost {lost}, 5xx {counts['5xx']}, wrong 409 {counts['wrong_409']}, "
            f"other {counts['other']}"
        )
        ok = lost == 0 and counts["5xx"] == 0 and counts["wrong_409"] == 0 and not counts["other"]
        print(
            f"bar: [{label}] 8 writers x {edits} edits: {lost} lost, {counts['5xx']} 5xx, "
            f"{counts['wrong_409']} wrong 409 (bar 0, 0, 0) -> {'bar met' if ok else 'BELOW BAR'}"
        )
        ref_rps, ref_p99 = reference(server.url, 16, min(seconds, 10))
        rps, p99, errors = mix(server.url, case_id, 16, seconds)
        print(
            f"[{label}] reference: /healthz alone at 16 connections: {ref_rps:.0f} req/s, "
            f"p99 {ref_p99:.0f} ms"
        )
        print(
            f"[{label}] 90/10 read/write mix, 16 connections, {seconds} s: {rps:.0f} req/s, "
            f"p99 {p99:.0f} ms, errors {len(errors)} {sorted(set(errors))}"
        )
        print(
            f"bar: [{label}] 90/10 mix at 16 connections: {len(errors)} errors, {rps:.0f} req/s, "
            f"p99 {p99:.0f} ms (bar 0 errors) -> {'bar met' if not errors else 'BELOW BAR'}"
        )


def main():
    quick = "--quick" in sys.argv
    which = sys.argv[sys.argv.index("--db") + 1] if "--db" in sys.argv else "both"
    if which in ("sqlite", "both"):
        run("SQLite", {}, quick)
    if which in ("postgresql", "both"):
        if not postgres_reachable():
            print("PostgreSQL is not reachable on 127.0.0.1:5432: its run is skipped")
            return 0
        name = fresh_postgres_database()
        try:
            run("PostgreSQL", {"DATABASE_URL": PG_URL.format(db=name)}, quick)
        finally:
            drop_postgres_database(name)
    return 0


if __name__ == "__main__":
    if {"-h", "--help"} & set(sys.argv[1:]):
        print(__doc__)
        sys.exit(0)
    sys.exit(main())
