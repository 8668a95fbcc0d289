"""Exporting archive records as a zipped BagIt bag, against its in-run reference (``zip -0``).

Bar (issue "performance at the next scale"): exporting 10,000 records runs at >= 90% of the speed of
``zip -0`` over the same files in the same run, and memory stays flat as the export grows.

Set-up: an app on a fresh SQLite folder (as bench/archive.py makes it: migrated, demo users),
then N synthetic records inserted in bulk straight into the tables (not through publishing,
which renders a PDF/A per record). Each record has one version with a berkas (PDF-like) and
four originals: a camera JPEG, a letter PDF, a DOCX and the case JSON, all distinct,
incompressible bytes from a seeded generator, written with ``archive_store().put_bytes``.
Its per-file fsyncs are skipped during the set-up only (two per file: 50,000 files took
4-7 minutes on the bench machine); the files land where and as ``put_bytes`` puts them.
The sizes (berkas 60-120 KB, JPEG 200-400 KB, two of 20-80 KB, JSON 1-3 KB:
about 0.5 MB a record, 5 GB for 10,000 records) times ``--scale`` (1 unless given). Smaller
files weigh the export's fixed cost per record more: at 0.4, one quick run gave 43% where
1 gave 73%.

Timed: ``archive.export.export_bag`` for all N records into a file, in a child process (so
its peak RSS is its own). Reference: Info-ZIP ``zip -0 -q OUT -@`` over exactly the payload
files of those records (names on stdin: 50,000 paths do not fit on a command line), output in
the same folder. Every payload file is read once first, so the page cache is warm for both,
and dirty pages are synced before each run. The two alternate (zip, export, zip, export, ...,
zip; three exports in quick mode, two in the full run) and the best of each is taken, as other
work on the machine only ever slows a run down. Throughput is the payload bytes (the same
files for both) over the wall-clock seconds; CPU seconds are shown beside them.
Memory: peak RSS of the export child at N/4, N/2 and N records; flat means the N-record peak
is less than 50 MB above the N/4-record peak. In quick mode (or with ``--validate``) the bag
is unzipped and validated with the ``bagit`` library.
Usage: python bench/export.py [--quick] [--records N] [--scale S] [--validate]
"""

import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from intranet import create_app  # noqa: E402
from intranet.extensions import db  # noqa: E402

BAR_RATIO = 0.9
FLAT_MB = 50
SEED = 20261120
KB = 1024
#: The originals of each record: (kind, filename, mimetype, description, min size, max size).
BERKAS = (60 * KB, 120 * KB)
ORIGINALS = (
    ("foto-asli", "pleno-1.jpg", "image/jpeg", "Foto kegiatan", 200 * KB, 400 * KB),
    ("sumber", "undangan.pdf", "application/pdf", "Surat undangan", 20 * KB, 80 * KB),
    (
        "sumber",
        "rundown.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "Rundown acara",
        20 * KB,
        80 * KB,
    ),
    ("json", "kasus.json", "application/json", "Rekaman kasus", 1 * KB, 3 * KB),
)
HEADS = {
    "image/jpeg": (b"\xff\xd8\xff\xe1", b"\xff\xd9"),
    "application/pdf": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", b"\n%%EOF\n"),
}
URAIAN = (
    "Berita rapat pleno terbuka rekapitulasi daftar pemilih tetap di aula kantor KPU "
    "Kabupaten Cilacap, dihadiri Bawaslu, perwakilan partai politik dan unsur pemerintah "
    "daerah, bersumber dari bahan nomor agenda {n}/AG/2025"
)


# --- set-up: records inserted in bulk, their files in the archive store ---------------------


def payload_bytes(rng, size, mimetype):
    head, tail = HEADS.get(mimetype, (b"", b""))
    if mimetype == "application/json":
        filler = rng.randbytes(size // 2).hex()[: size - 40]
        return json.dumps({"format": "warta-case/1", "filler": filler}).encode()
    return head + rng.randbytes(size - len(head) - len(tail)) + tail


def build_records(app, n, scale):
    """Insert ``n`` records with one version, a berkas and four originals each.

    Returns the payload files as (path relative to the store root, size).
    """
    from archive.models import ArchiveCounter
    from archive.models import ArchiveFile
    from archive.models import ArchiveRecord
    from archive.models import ArchiveVersion
    from archive.models import Classification
    from archive.numbering import format_nomor_arsip
    from archive.store import archive_store
    from intranet.models import User

    rng = random.Random(SEED)
    year = 2025
    payload = []
    # put_bytes as it is, but without its two fsyncs per file (set-up only, not timed)
    with app.app_context(), mock.patch.object(os, "fsync", lambda fd: None):
        store = archive_store()
        users = {u.username: u for u in db.session.execute(db.select(User)).scalars()}
        creator, filer = users["redaktur"], users["koordinator"]
        cls = db.session.execute(
            db.select(Classification).where(Classification.code == "HM.02.01")
        ).scalar_one()
        rule = cls.retention
        first = {
            model: (db.session.execute(db.select(db.func.max(model.id))).scalar() or 0) + 1
            for model in (ArchiveRecord, ArchiveVersion, ArchiveFile)
        }
        rec_id, ver_id, file_id = first[ArchiveRecord], first[ArchiveVersion], first[ArchiveFile]
        base = datetime(year, 1, 2, 8, 0)

        def put(size, mimetype):
            data = payload_bytes(rng, max(64, int(size * scale)), mimetype)
            sha, length, _created = store.put_bytes(data)
            payload.append((store.path(sha).relative_to(store.root).as_posix(), length))
            return sha, length

        for start in range(0, n, 500):
            records, versions, files = [], [], []
            for i in range(start, min(n, start + 500)):
                seq = i + 1
                made = base + timedelta(minutes=37 * i)
                day = made.date()
                filed = i % 3 != 0
                records.append(
                    {
                        "id": rec_id,
                        "nomor_arsip": format_nomor_arsip(seq, year, cls),
                        "year": year,
                        "seq": seq,
                        "origin": "sop",
                        "case_id": None,
                        "classification_id": cls.id,
                        "title": f"Rapat Pleno Rekapitulasi DPT Berjalan Tertib ({seq})",
                        "uraian": URAIAN.format(n=seq),
                        "date_from": day,
                        "date_to": day if i % 5 else day + timedelta(days=2),
                        "tingkat": "asli",
                        "media_electronic": True,
                        "media_paper": True,
                        "access_class": "biasa" if i % 10 else "terbatas",
                        "jumlah": "1 berkas",
                        "notes": None if i % 7 else "Foto tambahan di media sosial resmi",
                        "retention_id": rule.id if rule else None,
                        "retention_active_years": rule.active_years if rule else 0,
                        "retention_inactive_years": rule.inactive_years if rule else 0,
                        "retention_disposition": rule.disposition if rule else "permanen",
                        # the stored due years, as ``archive.models.due_years`` keeps them
                        "active_end_year": (day if i % 5 else day + timedelta(days=2)).year
                        + (rule.active_years if rule else 0),
                        "disposal_end_year": (day if i % 5 else day + timedelta(days=2)).year
                        + (rule.active_years + rule.inactive_years if rule else 0),
                        "hardcopy_status": "disimpan" if filed else "belum_dicetak",
                        "room": "Ruang Arsip" if filed else None,
                        "cabinet": f"Lemari {i // 2000 + 1}" if filed else None,
                        "box": f"Boks {i // 100 + 1:03d}" if filed else None,
                        "folder": f"Map {i // 10 + 1:04d}" if filed else None,
                        "filed_by_id": filer.id if filed else None,
                        "filed_at": made + timedelta(days=3) if filed else None,
                        "current_number": 1,
                        "created_by_id": creator.id,
                        "created_at": made,
                        "version": 1,
                    }
                )
                sha, size = put(rng.randint(*BERKAS), "application/pdf")
                versions.append(
                    {
                        "id": ver_id,
                        "record_id": rec_id,
                        "number": 1,
                        "reason": "terbit",
                        "berkas_sha256": sha,
                        "berkas_size": size,
                        "trail_seq": 12,
                        "trail_head": rng.randbytes(32).hex(),
                        "article_version": 1,
                        "created_by_id": creator.id,
                        "created_at": made,
                    }
                )
                for position, (kind, name, mime, description, low, high) in enumerate(ORIGINALS, 1):
                    sha, size = put(rng.randint(low, high), mime)
                    files.append(
                        {
                            "id": file_id,
                            "version_id": ver_id,
                            "position": position,
                            "kind": kind,
                            "sha256": sha,
                            "size": size,
                            "filename": name,
                            "mimetype": mime,
                            "description": description,
                        }
                    )
                    file_id += 1
                rec_id += 1
                ver_id += 1
            db.session.execute(db.insert(ArchiveRecord), records)
            db.session.execute(db.insert(ArchiveVersion), versions)
            db.session.execute(db.insert(ArchiveFile), files)
            db.session.commit()
        db.session.merge(ArchiveCounter(year=year, last=n))
        db.session.commit()
    return payload


# --- what is timed ---------------------------------------------------------------------------


def memory(field):
    """VmRSS (now) or VmHWM (peak) of this process, in bytes. VmHWM rather than ru_maxrss: a
    child's ru_maxrss starts from its parent's peak (Linux keeps it across fork and exec)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def cpu_seconds(who):
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def child(folder, count, out_path):
    """In a child process: export the first ``count`` records; print figures as JSON."""
    from archive.export import export_bag
    from archive.models import ArchiveRecord
    from bench.archive import app_config
    from intranet.database import read_only

    app = create_app(app_config(folder))
    with app.app_context(), read_only():
        ids = list(
            db.session.execute(
                db.select(ArchiveRecord.id).order_by(ArchiveRecord.id).limit(count)
            ).scalars()
        )
        db.session.rollback()
        before = memory("VmHWM")
        cpu = cpu_seconds(resource.RUSAGE_SELF)
        start = time.perf_counter()
        with open(out_path, "wb") as out:
            files = export_bag(ids, out, "bench")
        seconds = time.perf_counter() - start
        cpu = cpu_seconds(resource.RUSAGE_SELF) - cpu
    peak = memory("VmHWM")
    print(
        json.dumps(
            {
                "records": len(ids),
                "files": files,
                "seconds": seconds,
                "cpu": cpu,
                "rss_before": before,
                "peak": peak,
                "rss_end": memory("VmRSS"),
                "size": os.path.getsize(out_path),
            }
        )
    )
    return 0


def run_export(folder, count, out_path):
    os.sync()
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(folder), str(count), str(out_path)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"export of {count} records failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_zip(store_root, paths, out_path):
    """``zip -0`` over the payload files (names on stdin): seconds, CPU seconds, size."""
    os.sync()
    cpu = cpu_seconds(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        ["zip", "-0", "-q", str(out_path), "-@"],
        input="\n".join(paths) + "\n",
        cwd=store_root,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    cpu = cpu_seconds(resource.RUSAGE_CHILDREN) - cpu
    if done.returncode != 0:
        raise RuntimeError(f"zip -0 failed ({done.returncode}): {done.stderr[-2000:]}")
    size = os.path.getsize(out_path)
    os.unlink(out_path)
    return seconds, cpu, size


def warm(store_root, paths):
    """Read every payload file once, so zip and the export start from the same warm cache."""
    total = 0
    for p in paths:
        with open(store_root / p, "rb") as f:
            while chunk := f.read(1 << 20):
                total += len(chunk)
    return total


def validate(zip_path, work, expected_files):
    """Unzip the bag and validate it with the bagit library (every checksum)."""
    import bagit

    target = Path(work) / "unzipped"
    with zipfile.ZipFile(zip_path) as z:
        z.extractall(target)
    roots = list(target.iterdir())
    if len(roots) != 1:
        raise RuntimeError(f"the zip holds {len(roots)} top folders")
    bag = bagit.Bag(str(roots[0]))
    start = time.perf_counter()
    bag.validate()
    seconds = time.perf_counter() - start
    count = len(bag.payload_entries())
    if count != expected_files:
        raise RuntimeError(f"bag has {count} payload files, the export said {expected_files}")
    algs = ", ".join(sorted(bag.algorithms))
    shutil.rmtree(target)
    return count, algs, seconds


def main():
    if sys.argv[1:2] == ["--child"]:
        folder, count, out = sys.argv[2:5]
        return child(folder, int(count), out)
    quick = "--quick" in sys.argv

    def option(name, default, kind):
        return kind(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else default

    n = option("--records", 1000 if quick else 10000, int)
    scale = option("--scale", 1.0, float)
    rounds = 3 if quick else 2
    check_bag = quick or "--validate" in sys.argv

    from bench.archive import make_app

    mean = (sum(BERKAS) / 2 + sum((lo + hi) / 2 for *_x, lo, hi in ORIGINALS)) * scale
    with tempfile.TemporaryDirectory(prefix="warta-bench-export-") as folder:
        folder = Path(folder)
        # the store, one output at a time (and the unzipped bag when validating), and room
        need = n * mean * (3.2 if check_bag else 2.2) + 2e9
        free = shutil.disk_usage(folder).free
        if free < need:
            raise RuntimeError(
                f"not enough disk: {free / 1e9:.1f} GB free, {need / 1e9:.1f} GB needed; "
                "give a smaller --scale"
            )
        t = time.perf_counter()
        app = make_app(folder)
        payload = build_records(app, n, scale)
        paths = [p for p, _ in payload]
        total = sum(s for _, s in payload)
        print(
            f"set-up: {n} records, {len(payload)} payload files, {total / 1e9:.2f} GB in the "
            f"archive store (sizes x{scale:g} of berkas 60-120 KB, JPEG 200-400 KB, 2 x 20-80 "
            f"KB, JSON 1-3 KB; {free / 1e9:.0f} GB free) in {time.perf_counter() - t:.1f} s"
        )
        store_root = Path(app.config["ARCHIVE_DIR"]) / "objects"
        warm(store_root, paths)

        zips, exports = [], []
        for r in range(rounds):
            zips.append(run_zip(store_root, paths, folder / "ref.zip"))
            exports.append(run_export(folder, n, folder / "export.zip"))
            if check_bag and r == 0:
                (folder / "export.zip").rename(folder / "keep.zip")
            else:
                os.unlink(folder / "export.zip")
        zips.append(run_zip(store_root, paths, folder / "ref.zip"))
        ref = min(s for s, _c, _z in zips)
        full = min(exports, key=lambda e: e["seconds"])
        ref_mbs, exp_mbs = total / ref / 1e6, total / full["seconds"] / 1e6
        ratio = exp_mbs / ref_mbs
        print(
            f"reference: zip -0 of the same {len(paths)} payload files "
            f"({zips[0][2] / 1e9:.2f} GB zip), {len(zips)} runs: "
            + ", ".join(f"{s:.2f}" for s, _c, _z in zips)
            + f" s (CPU {min(c for _s, c, _z in zips):.2f} s); best {ref:.2f} s, "
            f"{ref_mbs:.0f} MB/s"
        )
        print(
            f"export_bag of {n} records ({full['files']} payload files, "
            f"{full['size'] / 1e9:.2f} GB zip), {len(exports)} runs: "
            + ", ".join(f"{e['seconds']:.2f}" for e in exports)
            + f" s (CPU {min(e['cpu'] for e in exports):.2f} s); best {full['seconds']:.2f} s, "
            f"{exp_mbs:.0f} MB/s of payload "
            f"({ratio:.0%} of zip -0's speed; {n / full['seconds']:.0f} records/s)"
        )

        peaks = {}
        for count in (n // 4, n // 2):
            peaks[count] = run_export(folder, count, folder / "part.zip")
            os.unlink(folder / "part.zip")
        peaks[n] = max(exports, key=lambda e: e["peak"])
        growth = (peaks[n]["peak"] - peaks[n // 4]["peak"]) / 1e6
        print(
            "export peak RSS (child process; "
            f"{full['rss_before'] / 1e6:.0f} MB after app start-up): "
            + ", ".join(f"{c} records {p['peak'] / 1e6:.0f} MB" for c, p in peaks.items())
            + f"; N/4 -> N {growth:+.1f} MB (flat: less than {FLAT_MB} MB)"
        )
        if check_bag:
            count, algs, seconds = validate(folder / "keep.zip", folder, full["files"])
            print(
                f"bag validated with bagit: {count} payload files, manifests {algs}, every "
                f"checksum checked in {seconds:.1f} s"
            )
    for label, ok in (
        (f"export {ratio:.0%} of zip -0's speed (bar >= {BAR_RATIO:.0%})", ratio >= BAR_RATIO),
        (
            f"export memory {growth:+.1f} MB from N/4 to N records (bar flat: < {FLAT_MB} MB)",
            growth < FLAT_MB,
        ),
    ):
        print(f"bar: {label} -> {'bar met' if ok else 'BELOW BAR'}")
    return 0


if __name__ == "__main__":
    if {"-h", "--help"} & set(sys.argv[1:]):
        print(__doc__)
        sys.exit(0)
    sys.exit(main())
