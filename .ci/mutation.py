"""Mutation testing (mutmut) of the modules that hold Warta's rules, each against its own tests.

`make mutation` runs it. For each module below it copies the working tree into
``build/mutation/<name>/`` (so the run sees one snapshot while others edit the tree), writes
a ``[tool.mutmut]`` table into that copy's pyproject.toml, runs ``mutmut run`` there (mutmut
copies the copy again into its ``mutants/``), reads ``mutmut results`` and prints a score per
module (killed / total) with the surviving mutants. ``python .ci/mutation.py workflow trail``
runs only the modules named; ``--keep`` reports the previous run again; ``--again`` runs
the previous run's survivors again against the tests of today (and keeps every other
verdict: a test added to kill a survivor is judged in minutes); ``--ref HEAD``
snapshots a commit instead of the working tree (others' half-done edits stay out of it; the
compiled catalog, which git ignores, is taken from the tree).

A timeout counts as killed (the mutant made the tests hang); "no tests" counts as a survivor
(no selected test reaches the mutated function).
"""

import argparse
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
WORK = ROOT / "build" / "mutation"
COPIED = ("intranet", "archive", "tests", "templates", "static", "translations", "migrations")
COPIED_FILES = ("pyproject.toml", "wsgi.py", "babel.cfg")
MO = Path("translations/en/LC_MESSAGES/messages.mo")
DETECTED = {"killed", "timeout", "caught by type check", "segfault"}
#: How long a mutant's tests may run before it counts as a timeout (killed). mutmut stops
#: them after (estimate + ``timeout_constant``) × ``timeout_multiplier`` seconds of wall
#: time (and twice that in CPU time); its defaults are 1 s and 15. Its per-test estimates
#: leave out fixture set-up (an app and its database for each trail test), so with a lower
#: multiplier alone a surviving mutant, which runs all its tests, passes the limit and is
#: called killed. The constant is therefore the wall time of one whole run of the module's
#: selection, measured just before mutmut starts, under the same load (``nice``, whatever
#: else the machine runs): no mutant runs more tests than that, so a survivor stays well
#: under 2.5 × it, while a mutant that loops costs 2.5 runs instead of 15 × (estimate + 1 s).
TIMEOUT_MULTIPLIER = 2.5


@dataclass
class Module:
    """One unit of mutation: the files mutated and the pytest arguments of the tests owning it."""

    name: str
    files: list[str]
    tests: list[str]
    #: Mutants that only change the text of a message shown to a person, keyed by mutant
    #: name, each with the line the mutant writes. Excluded from the score only while the
    #: mutant still writes that line (otherwise the exclusion is stale and it counts).
    message_text: dict[str, str] = field(default_factory=dict)


# The pure tests of test_after_publication.py: the four that take the app are left out.
AFTER_PUBLICATION_PURE = (
    "not (correction_page or case_page_offers or author_of_a_correction or social_post)"
)

MODULES = [
    Module(
        "workflow",
        ["intranet/workflow.py"],
        [
            "tests/intranet/test_workflow.py",
            "tests/intranet/test_workflow_pinned.py",
            # the due dates: add_working_days, working_days_between, is_overdue
            "tests/intranet/test_working_days_pinned.py",
            "tests/intranet/test_after_publication.py",
            "-k",
            AFTER_PUBLICATION_PURE,
        ],
    ),
    Module(
        "trail",
        ["intranet/models/trail.py", "intranet/services/trail.py"],
        # the two twenty-thread races own the locking, not the chain
        [
            "tests/intranet/test_trail.py",
            "tests/intranet/test_trail_pinned.py",
            "tests/intranet/test_trail_replay.py",
            "tests/intranet/test_trail_chains_pinned.py",
            "-k",
            "not simultaneous",
        ],
    ),
    Module(
        "query",
        ["archive/query.py"],
        [
            "tests/archive/test_search_boundaries.py",
            "tests/archive/test_query_parser.py",
            "tests/archive/test_query_periods_pinned.py",
            "tests/archive/test_archive_search.py",
            # the parser's tests; the rest of test_archive_search builds whole archives
            "-k",
            "test_search_boundaries or test_query_parser or test_query_periods_pinned"
            " or sastrawi or codes_and_numbers"
            " or test_queries or cannot_be_understood or every_typed_query or snippets"
            " or filters_facets or highlights",
        ],
    ),
    Module(
        "permissions",
        ["intranet/permissions.py"],
        ["tests/intranet/test_access_policy.py", "tests/intranet/test_permissions_pinned.py"],
    ),
    Module(
        "uploads",
        ["intranet/uploads.py"],
        # the pure pinned tests and the service-level tests of the active content of PDFs and
        # office files (no app, no database: a mutant's run costs its tests alone). The same
        # hostile files sent through the four upload routes, and the hostile files of the
        # agenda and the scans page, stay in the normal suite: they add an app and a migrated
        # database to every mutant's run and reach the same checks.
        [
            "tests/intranet/test_uploads_pinned.py",
            "tests/intranet/test_uploads_office_pinned.py",
            "tests/intranet/test_uploads_pdf_pinned.py",
            "tests/intranet/test_uploads_eml_pinned.py",
            *(
                f"tests/intranet/test_uploads_active_content.py::{test}"
                for test in (
                    "test_the_hostile_pdfs_hide_their_names_from_a_byte_scan",
                    "test_active_pdf_content_is_refused_naming_it",
                    "test_benign_pdfs_are_accepted",
                    "test_the_node_budget_refuses_an_oversized_pdf",
                    "test_active_office_content_is_refused_naming_it",
                    "test_benign_office_documents_are_accepted",
                )
            ),
        ],
    ),
]


def mutmut_table(module, baseline):
    """The [tool.mutmut] table for ``module`` (TOML), its tests taking ``baseline`` seconds."""

    def toml_list(items):
        return "[" + ", ".join(f'"{i}"' for i in items) + "]"

    return (
        "\n[tool.mutmut]\n"
        'source_paths = ["intranet", "archive"]\n'
        f"only_mutate = {toml_list(module.files)}\n"
        f"pytest_add_cli_args_test_selection = {toml_list(module.tests)}\n"
        # xdist would fork its own workers inside each mutant's run
        'pytest_add_cli_args = ["-p", "no:xdist"]\n'
        f"also_copy = {toml_list(COPIED[2:] + COPIED_FILES[1:])}\n"
        "use_git_change_detection = false\n"
        f"timeout_multiplier = {TIMEOUT_MULTIPLIER}\n"
        f"timeout_constant = {baseline:.1f}\n"
    )


def snapshot(work, names, files, ref=None):
    """Copy the folders ``names`` and the files ``files`` of the tree (or of commit ``ref``)
    into ``work``."""
    if ref:
        tar = subprocess.run(  # noqa: S603 - git with a ref given on our command line
            ["git", "archive", "--format=tar", ref, "--", *names, *files],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout
        with tarfile.open(fileobj=io.BytesIO(tar)) as t:
            t.extractall(work, filter="data")
    else:
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
        for name in names:
            shutil.copytree(ROOT / name, work / name, ignore=ignore)
        for name in files:
            shutil.copy2(ROOT / name, work / name)


def prepare(module, ref=None):
    """A fresh snapshot (of the tree, or of commit ``ref``) in build/mutation/<name>/."""
    work = WORK / module.name
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    snapshot(work, COPIED, COPIED_FILES, ref)
    if ref and (ROOT / MO).exists():
        shutil.copy2(ROOT / MO, work / MO)
    baseline = measure(module, work)
    with open(work / "pyproject.toml", "a", encoding="utf-8") as f:
        f.write(mutmut_table(module, baseline))
    return work


def again(module, children, ref=None):
    """Run the last run's survivors of ``module`` again against the tests of today (of the
    tree, or of commit ``ref``) and its selection here; every other verdict is kept.

    A test added to kill a survivor is judged without running every mutant again (a killed
    mutant stays killed when tests are added). The mutated code must not have changed since
    that run: the snapshot of the module keeps it.
    """
    work = WORK / module.name
    survivors = [n for n, s in results(work).items() if s not in DETECTED and s != "skipped"]
    kept = {p: json.loads(p.read_text()) for p in (work / "mutants").rglob("*.meta")}
    shutil.rmtree(work / "tests")
    snapshot(work, ["tests"], [], ref)
    toml = (work / "pyproject.toml").read_text(encoding="utf-8")
    toml = toml[: toml.index("\n[tool.mutmut]\n")]
    (work / "pyproject.toml").write_text(toml, encoding="utf-8")
    baseline = measure(module, work)
    with open(work / "pyproject.toml", "a", encoding="utf-8") as f:
        f.write(mutmut_table(module, baseline))
    print(f"   {len(survivors)} survivors run again", flush=True)
    if survivors:
        # a changed selection makes mutmut forget every verdict; the others are put back
        mutmut(work, "run", "--max-children", str(children), *survivors)
    for path, old in kept.items():
        new = json.loads(path.read_text())
        codes = new["exit_code_by_key"]
        for name, code in old["exit_code_by_key"].items():
            if codes.get(name) is None and name not in survivors:
                codes[name] = code
        path.write_text(json.dumps(new), encoding="utf-8")
    return work


def measure(module, work):
    """Seconds (wall time) of one run of ``module``'s tests in ``work`` (they must pass)."""
    started = time.monotonic()
    subprocess.run(  # noqa: S603 - our own venv's pytest, arguments from this file
        [str(BIN / "python"), "-m", "pytest", "-q", "-x", "-p", "no:xdist", *module.tests],
        cwd=work,
        env=env(work),
        capture_output=True,
        check=True,
    )
    seconds = time.monotonic() - started
    print(f"   its tests: {seconds:.1f} s", flush=True)
    return seconds


def env(work):
    """The environment of the runs in ``work``: the SQLite schema, migrated by the first run
    (``measure``), is copied by every later one instead of applying the migrations again
    (``WARTA_TEST_SCHEMA`` in tests/conftest.py), which each mutant's run would otherwise do."""
    return {**os.environ, "WARTA_TEST_SCHEMA": str(work / "schema.db")}


def mutmut(work, *args, check=True):
    """Run mutmut in ``work``; its output (a run's output is also kept in mutmut.log there)."""
    proc = subprocess.run(  # noqa: S603 - our own venv's mutmut, arguments from this file
        [str(BIN / "mutmut"), *args],
        cwd=work,
        env=env(work),
        capture_output=True,
        text=True,
        check=False,
    )
    if args[0] == "run":
        (work / "mutmut.log").write_text(proc.stdout + proc.stderr, encoding="utf-8")
    if check and proc.returncode != 0:
        sys.stdout.write(proc.stdout[-4000:])
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"mutmut {' '.join(args)} failed in {work}")
    return proc.stdout


def results(work):
    """{mutant name: status} from ``mutmut results --all true``."""
    out = mutmut(work, "results", "--all", "true")
    return dict(re.findall(r"^\s+(\S+): (.+)$", out, re.MULTILINE))


def written_line(work, mutant):
    """The line(s) the mutant writes, from ``mutmut show`` (the diff's + lines)."""
    diff = mutmut(work, "show", mutant, check=False)
    return " | ".join(
        line[1:].strip()
        for line in diff.splitlines()
        if line.startswith("+") and not line.startswith("+++")
    )


def score(module, work):
    """(detected, total, survivors with their diffs' written lines, excluded names)."""
    statuses = results(work)
    excluded = []
    for name, expected in module.message_text.items():
        if statuses.get(name) == "survived" and written_line(work, name) == expected:
            excluded.append(name)
        elif name in statuses and statuses[name] not in DETECTED:
            print(f"  stale exclusion (mutant changed): {name}", file=sys.stderr)
    counted = {n: s for n, s in statuses.items() if n not in excluded and s != "skipped"}
    detected = sum(1 for s in counted.values() if s in DETECTED)
    survivors = [
        (n, s, written_line(work, n)) for n, s in sorted(counted.items()) if s not in DETECTED
    ]
    return detected, len(counted), survivors, excluded


def main():
    """Run the modules asked for (all by default) and print the table and the survivors."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help="names of modules (default: all)")
    parser.add_argument("--keep", action="store_true", help="report the last run again")
    parser.add_argument(
        "--again",
        action="store_true",
        help="run the last run's survivors again against today's tests, keep the rest",
    )
    parser.add_argument("--children", type=int, default=2, help="mutmut worker processes")
    parser.add_argument("--ref", help="snapshot this commit instead of the working tree")
    args = parser.parse_args()
    wanted = [m for m in MODULES if not args.modules or m.name in args.modules]

    rows = []
    started = time.monotonic()
    for module in wanted:
        t0 = time.monotonic()
        if args.keep:
            work = WORK / module.name
        elif args.again:
            print(f"== {module.name}: the survivors of the last run", flush=True)
            work = again(module, args.children, args.ref)
        else:
            print(f"== {module.name}: {', '.join(module.files)}", flush=True)
            work = prepare(module, args.ref)
            mutmut(work, "run", "--max-children", str(args.children))
        detected, total, survivors, excluded = score(module, work)
        rows.append((module, detected, total, survivors, excluded, time.monotonic() - t0))

    print()
    print(f"{'module':<12} {'killed':>7} {'total':>6} {'score':>7} {'excl.':>5} {'time':>7}")
    for module, detected, total, _, excluded, seconds in rows:
        pct = 100 * detected / total if total else 100.0
        print(
            f"{module.name:<12} {detected:>7} {total:>6} {pct:>6.1f}% {len(excluded):>5}"
            f" {seconds:>6.0f}s"
        )
    print(f"total time {time.monotonic() - started:.0f}s")
    for module, _, _, survivors, _, _ in rows:
        if survivors:
            print(
                f"\nSurvivors in {module.name} (`mutmut show NAME` in build/mutation/"
                f"{module.name}):"
            )
            for name, status, line in survivors:
                print(f"  {name} [{status}]: {line}")


if __name__ == "__main__":
    main()
