"""The scoreboard: every bench in quick mode, each figure next to its bar (DESIGN.md §10).

Each bench prints its own in-run reference and one ``bar: ... -> bar met|BELOW BAR`` line
per bar; this collects them. The reliability and security bars are held by the test suite
(``make test``); they are listed with the tests that hold them.
Usage: python bench/scoreboard.py [--full]
"""

import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHES = (
    "login.py",
    "public_pages.py",
    "archive.py",
    "search.py",
    "export.py",
    "load.py",
    "intranet.py",
    "load_wrk.py",
    "ocr.py",
)
BAR = re.compile(r"^bar: (.*?) -> (bar met|BELOW BAR)\s*$")

#: The reliability and security bars, and the tests that fail when one is not held.
BY_TESTS = [
    ("role x route x method matrix from app.url_map", "tests/app/test_route_matrix.py"),
    ("20 simultaneous approvals of one step: exactly one wins", "tests/app/test_load.py"),
    ("20 SIGKILLs while archiving: 0 torn or orphan files", "tests/archive/test_archive_crash.py"),
    (
        "XSS corpus (>= 300) x page, feeds, PDF, search snippet",
        "tests/app/test_xss.py, tests/archive/test_archive_search.py",
    ),
    (
        "hostile uploads: 0 accepted, 0 5xx",
        "tests/intranet/test_intake.py, tests/intranet/test_photos.py, tests/archive/test_archive.py",
    ),
    ("fuzzed form submissions: 0 5xx", "tests/app/test_fuzz.py"),
    ("never show an unpublished item", "tests/intranet/test_visibility.py"),
]


def run(script, full):
    args = [sys.executable, str(ROOT / "bench" / script)] + ([] if full else ["--quick"])
    start = time.perf_counter()
    proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    sys.stdout.write(proc.stdout)
    if proc.returncode != 0:
        sys.stdout.write(proc.stderr[-3000:])
    bars = [m.groups() for m in map(BAR.match, proc.stdout.splitlines()) if m]
    return proc.returncode, bars, elapsed


def main():
    full = "--full" in sys.argv
    rows, failed = [], []
    for script in BENCHES:
        print(f"== bench/{script}", flush=True)
        code, bars, elapsed = run(script, full)
        print(f"   ({elapsed:.0f} s)\n", flush=True)
        if code != 0:
            failed.append(script)
        if not bars:
            rows.append((script, "no figure (see its output above)", "NOT MEASURED"))
        rows.extend((script, what, verdict) for what, verdict in bars)
    print("== scoreboard" + (" (full)" if full else " (quick mode)"))
    width = max(len(what) for _, what, _ in rows)
    for script, what, verdict in rows:
        mark = "  " if verdict == "bar met" else "!!"
        print(f"{mark} {what:<{width}}  {verdict:<12}  bench/{script}")
    for what, tests in BY_TESTS:
        print(f"   {what:<{width}}  {'by tests':<12}  {tests}")
    short = sum(1 for _, _, v in rows if v != "bar met")
    print(f"{len(rows) - short} of {len(rows)} measured bars met; {short} short or not measured.")
    if failed:
        print(f"benches that failed to run: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    if {"-h", "--help"} & set(sys.argv[1:]):
        print(__doc__)
        sys.exit(0)
    sys.exit(main())
