"""Backing up and restoring an instance, against its in-run reference (plain ``tar``).

No bar yet: the figures, and how far the checksums, the fsyncs and the search index rebuild
put the backup and the restore from copying the same bytes with ``tar``.

Set-up: an app on a fresh SQLite folder (as bench/archive.py makes it: migrated, demo users)
with N synthetic archive records inserted in bulk, their files in the archive store (as
bench/export.py builds its corpus: a berkas and four originals a record, incompressible,
sizes times ``--scale``).

Timed: ``intranet.backup.create_backup`` of that instance to a tar (database snapshot, every
file hashed, fsync, rename), beside ``tar -cf`` of the same database file and folders, in the
same run: they alternate (tar, backup, tar, backup, tar) and the best of each is taken, the
page cache warm for both. Then ``intranet.backup.restore_backup`` into a fresh, empty,
migrated instance (every member checked first, then written with an fsync each, the database
loaded, the search index rebuilt for N records), beside ``tar -xf`` of the reference tar into
an empty folder; the restore's time until its last member is written is shown apart from the
database load and the reindex.
Usage: python bench/backup.py [--quick] [--records N] [--scale S]
"""

import contextlib
import io
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402

from bench import archive as archive_bench  # noqa: E402
from bench.export import build_records  # noqa: E402
from intranet import backup  # noqa: E402
from intranet import create_app  # noqa: E402
from intranet.cli import load_demo  # noqa: E402
from intranet.extensions import db  # noqa: E402


def app_config(folder):
    """bench/archive.py's configuration, the login throttle counting in the database."""
    return {**archive_bench.app_config(folder), "RATELIMIT_STORAGE_URI": "database"}


def empty_app(folder):
    """A fresh instance in ``folder``: migrated, no rows, no files."""
    app = create_app(app_config(folder))
    with app.app_context(), contextlib.redirect_stderr(io.StringIO()):
        upgrade()
    return app


def make_app(folder):
    """A fresh instance in ``folder`` with the demo team (as bench/archive.py makes it)."""
    app = empty_app(folder)
    with app.app_context():
        load_demo(app.config["DEMO_PASSWORD"])
    return app


def run_tar(folder, out):
    """``tar -cf`` of the database file and the two folders (those there are); seconds."""
    names = [n for n in ("warta.db", "files", "archive") if (folder / n).exists()]
    t = time.perf_counter()
    subprocess.run(["tar", "-cf", str(out), "-C", str(folder), *names], check=True)
    subprocess.run(["sync", "-f", str(out)], check=True)
    return time.perf_counter() - t


def run_backup(app, out):
    with app.app_context():
        t = time.perf_counter()
        manifest = backup.create_backup(out)
        seconds = time.perf_counter() - t
        db.session.remove()
    return seconds, manifest


def main():
    quick = "--quick" in sys.argv

    def option(name, default, kind):
        return kind(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else default

    n = option("--records", 100 if quick else 1000, int)
    scale = option("--scale", 0.25 if quick else 1.0, float)
    with tempfile.TemporaryDirectory(prefix="warta-bench-backup-") as root:
        root = Path(root)
        t = time.perf_counter()
        source = make_app(root / "source")
        payload = build_records(source, n, scale)
        total = sum(s for _, s in payload)
        print(
            f"set-up: {n} records, {len(payload)} archive files, {total / 1e6:.1f} MB "
            f"(sizes x{scale:g}) in {time.perf_counter() - t:.1f} s"
        )
        for p in (root / "source").rglob("*"):  # a warm page cache for both
            if p.is_file():
                p.read_bytes()

        tars, backups = [], []
        for _ in range(2):
            tars.append(run_tar(root / "source", root / "ref.tar"))
            seconds, manifest = run_backup(source, root / "backup.tar")
            backups.append(seconds)
        tars.append(run_tar(root / "source", root / "ref.tar"))
        size = (root / "backup.tar").stat().st_size
        ref, best = min(tars), min(backups)
        print(
            f"tar -cf of the database and folders ({(root / 'ref.tar').stat().st_size / 1e6:.1f} "
            f"MB), {len(tars)} runs: "
            + ", ".join(f"{s:.2f}" for s in tars)
            + f" s; best {ref:.2f} s"
        )
        print(
            f"backup create ({len(manifest['members'])} members, {size / 1e6:.1f} MB), "
            f"{len(backups)} runs: " + ", ".join(f"{s:.2f}" for s in backups) + f" s; best "
            f"{best:.2f} s ({best / ref:.2f}x tar, {size / best / 1e6:.0f} MB/s)"
        )

        extract = root / "extracted"
        extract.mkdir()
        t = time.perf_counter()
        subprocess.run(["tar", "-xf", str(root / "ref.tar"), "-C", str(extract)], check=True)
        subprocess.run(["sync", "-f", str(extract / "warta.db")], check=True)
        untar = time.perf_counter() - t

        target = empty_app(root / "target")
        written = []
        with target.app_context():
            t = time.perf_counter()
            backup.restore_backup(
                root / "backup.tar", progress=lambda _n: written.append(time.perf_counter())
            )
            restore = time.perf_counter() - t
            members = written[-1] - t
            db.session.remove()
        print(f"tar -xf of the reference tar: {untar:.2f} s")
        print(
            f"backup restore: {restore:.2f} s ({restore / untar:.2f}x tar -xf); checked and "
            f"written in {members:.2f} s ({members / untar:.2f}x tar -xf), database load and "
            f"reindex of {n} records {restore - members:.2f} s"
        )
    return 0


if __name__ == "__main__":
    if {"-h", "--help"} & set(sys.argv[1:]):
        print(__doc__)
        sys.exit(0)
    sys.exit(main())
