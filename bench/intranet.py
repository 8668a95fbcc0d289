"""The intranet at office-years of data: 10,000 cases and 100,000 archive records.

A seeded corpus is written in bulk straight into the tables (cases spread over steps 1 to
10, each with its agenda entry, trail entries for the steps passed, article revisions from
step 5 and photo rows from step 6; archive records from ``bench/_corpus.py`` in the database
and in the search index). Each page is then fetched through the in-process Flask test client
by the person who works on it, ``runs`` times, and its server time's p95 printed beside an
in-run reference (``/healthz`` through the same client) and the statements one fetch ran.

Bar (DESIGN.md section 10): each page's p95 <= 30 ms.
Usage: python bench/intranet.py [--quick] [--runs N]
"""

import hashlib
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event  # noqa: E402

from bench._corpus import records as corpus  # noqa: E402
from bench._server import percentile  # noqa: E402
from bench.archive import make_app  # noqa: E402
from intranet.extensions import db  # noqa: E402

BAR_MS = 30.0
SEED = 18
#: Archive record ids start past the demo's own records.
RECORD_OFFSET = 1000
CHUNK = 2000


def _users():
    from intranet.models import User

    return {u.username: u.id for u in db.session.execute(db.select(User)).scalars()}


def _insert(table, rows):
    for start in range(0, len(rows), CHUNK):
        db.session.execute(table.insert(), rows[start : start + CHUNK])


def seed_cases(app, count):
    """``count`` cases over the ten steps, with agenda entries, trail, revisions and photos."""
    from intranet import sop
    from intranet.clock import utcnow
    from intranet.models import Case
    from intranet.models import Photo
    from intranet.models import Revision
    from intranet.models import SourceMaterial
    from intranet.models import TrailEntry
    from intranet.models.intake import case_materials

    rng = random.Random(SEED)
    with app.app_context():
        d = sop.current()
        users = _users()
        roles = {s.number: s.roles[0] for s in d.steps}
        by_role = {r: users.get(r, users["admin"]) for r in set(roles.values())}
        now = utcnow()
        first_case = (db.session.execute(db.select(db.func.max(Case.id))).scalar() or 0) + 1
        first_material = (
            db.session.execute(db.select(db.func.max(SourceMaterial.id))).scalar() or 0
        ) + 1
        cases, materials, links, revisions, photos, trail = [], [], [], [], [], []
        year = now.year
        for i in range(count):
            case_id, material_id = first_case + i, first_material + i
            step = 1 + i % 10
            started = now - timedelta(hours=rng.randint(1, 24 * 30))
            opened = started - timedelta(days=rng.randint(0, 60))
            body = f"<p>Isi uji naskah {i} tentang rapat pleno rekapitulasi.</p>"
            digest = hashlib.sha256(body.encode()).hexdigest()
            cases.append(
                {
                    "id": case_id,
                    "title": f"Naskah uji nomor {i} kegiatan KPU",
                    "category_id": 1 + i % 3,
                    "redaktur_id": users["redaktur"],
                    "definition_code": d.code,
                    "definition_version": d.version,
                    "definition_sha256": d.sha256,
                    "step": step,
                    "attempt": 1,
                    "status": "published" if step == 10 and i % 20 else "open",
                    "step_started_at": started,
                    "revision_hash": digest if step >= 5 else None,
                    "slug": f"naskah-uji-{i}" if step == 10 else None,
                    "trail_seq": max(0, step - 1),
                    "trail_head": None,
                    "opened_by_id": users["kontributor"],
                    "opened_at": opened,
                    "version": 1,
                }
            )
            materials.append(
                {
                    "id": material_id,
                    "year": year + 1 + i // 100000,  # its own year: no clash with the demo's
                    "seq": i + 1,
                    "nomor_agenda": f"{i + 1:05d}/AG/BENCH",
                    "received_on": opened.date(),
                    "channel": ("email", "surat", "fax")[i % 3],
                    "letter_number": f"{i + 1}/PP.01/3301/{year}",
                    "letter_date": opened.date(),
                    "sender_institution": f"Instansi uji {i % 50}",
                    "perihal": f"Undangan kegiatan nomor {i}",
                    "sifat": "biasa",
                    "security_class": "biasa",
                    "category_id": 1 + i % 3,
                    "disposition_to_id": users["redaktur"],
                    "registered_by_id": users["kontributor"],
                    "registered_at": opened,
                    "version": 1,
                }
            )
            links.append({"case_id": case_id, "material_id": material_id})
            prev = "0" * 64
            for seq in range(1, step):
                h = hashlib.sha256(f"{case_id}:{seq}".encode()).hexdigest()
                trail.append(
                    {
                        "case_id": case_id,
                        "seq": seq,
                        "step": seq,
                        "attempt": 1,
                        "action": "complete",
                        "actor_id": by_role[roles[seq]],
                        "role": roles[seq],
                        "note": None,
                        "revision_hash": digest if seq >= 5 else None,
                        "data": f'{{"to": {seq + 1}}}',
                        "occurred_at": opened + timedelta(hours=seq),
                        "recorded_at": opened + timedelta(hours=seq),
                        "prev_hash": prev,
                        "entry_hash": h,
                    }
                )
                prev = h
            cases[-1]["trail_head"] = prev if step > 1 else None
            if step >= 5:
                for n in range(1, rng.randint(1, 3) + 1):
                    revisions.append(
                        {
                            "case_id": case_id,
                            "number": n,
                            "title": f"Berita uji nomor {i} tentang pemilu versi {n}",
                            "slug": f"berita-uji-{i}",
                            "summary": "Ringkasan berita uji.",
                            "body_html": body,
                            "ppid": "serta_merta",
                            "category_id": 1 + i % 3,
                            "credits": "Humas",
                            "kind": "edit",
                            "author_id": users["penulis"],
                            "step": 5,
                            "created_at": opened + timedelta(hours=5, minutes=n),
                            "content_hash": digest,
                        }
                    )
            if step >= 6:
                for n in range(2):
                    photos.append(
                        {
                            "case_id": case_id,
                            "original_sha256": hashlib.sha256(f"o{i}:{n}".encode()).hexdigest(),
                            "sha256": hashlib.sha256(f"p{i}:{n}".encode()).hexdigest(),
                            "thumb_sha256": hashlib.sha256(f"t{i}:{n}".encode()).hexdigest(),
                            "mimetype": "image/jpeg",
                            "filename": f"foto-{i}-{n}.jpg",
                            "width": 1600,
                            "height": 1067,
                            "caption": f"Kegiatan uji {i}",
                            "credit": "Humas KPU",
                            "alt": f"Foto kegiatan uji {i}",
                            "position": n,
                            "is_cover": n == 0,
                            "had_location": False,
                            "rotation": 0,
                            "uploaded_by_id": users["penulis"],
                            "created_at": opened + timedelta(hours=6),
                            "version": 1,
                        }
                    )
        _insert(Case.__table__, cases)
        _insert(SourceMaterial.__table__, materials)
        _insert(case_materials, links)
        _insert(Revision.__table__, revisions)
        _insert(Photo.__table__, photos)
        _insert(TrailEntry.__table__, trail)
        db.session.commit()
        return {"cases": count, "revisions": len(revisions), "photos": len(photos)}, {
            "trail": len(trail)
        }


def seed_records(app, count):
    """``count`` archive records from the search corpus, in the database and the index."""
    from archive.models import ArchiveRecord
    from archive.models import Classification
    from archive.search import SearchIndex

    rng = random.Random(SEED + 1)
    with app.app_context():
        users = _users()
        classes = [c.id for c in db.session.execute(db.select(Classification)).scalars()]
        index = SearchIndex(app.config["SEARCH_INDEX_DIR"])
        if not index.exists():
            index.create()
        rows, docs = [], []
        for doc in corpus(count):
            doc["id"] += RECORD_OFFSET
            docs.append(doc)
            paper = "kertas" in doc["media"]
            box = doc["box"] or None
            active = rng.choice((2, 2, 5, 10))
            inactive = rng.choice((1, 3, 5))
            rows.append(
                {
                    "id": doc["id"],
                    "nomor_arsip": doc["nomor_arsip"] + "/B",
                    "year": doc["year"],
                    "seq": doc["id"],
                    "origin": doc["origin"],
                    "classification_id": classes[doc["id"] % len(classes)],
                    "title": doc["title"][:300],
                    "uraian": doc["summary"],
                    "date_from": doc["date_from"].date(),
                    "date_to": doc["date"].date(),
                    "tingkat": "asli",
                    "media_electronic": True,
                    "media_paper": paper,
                    "access_class": doc["access"],
                    "jumlah": "1 berkas",
                    "retention_active_years": active,
                    "retention_inactive_years": inactive,
                    "active_end_year": doc["date"].year + active,
                    "disposal_end_year": doc["date"].year + active + inactive,
                    "retention_disposition": rng.choice(("musnah", "permanen", "dinilai_kembali")),
                    "hardcopy_status": doc["hardcopy"] if paper else "belum_dicetak",
                    "room": "Ruang Arsip" if box else None,
                    "box": box,
                    "stage": "aktif",
                    "created_by_id": users["arsiparis"],
                    "created_at": doc["date"],
                    "current_number": 1,
                    "version": 1,
                }
            )
            if len(docs) == 500:
                index.update(docs, timeout=120.0)
                docs = []
        if docs:
            index.update(docs, timeout=120.0)
        _insert(ArchiveRecord.__table__, rows)
        db.session.commit()


class Counter:
    """The SQL statements run while it listens."""

    def __init__(self):
        self.n = 0

    def __call__(self, *_args):
        self.n += 1


def measure(client, engine, url, runs):
    """p95 and median server time (ms) of ``runs`` GETs of ``url``, one fetch's statements,
    and the p95 of the CPU time the serving thread spent (steadier on a shared machine: the
    SQLite database works in the same thread)."""
    client.get(url)  # warm: templates compiled, caches filled
    counter = Counter()
    event.listen(engine, "before_cursor_execute", counter)
    try:
        r = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", counter)
    assert r.status_code == 200, (url, r.status_code)
    times, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.thread_time()
        r = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.thread_time() - start_cpu) * 1000)
        assert r.status_code == 200, (url, r.status_code)
    return percentile(times, 95), percentile(times, 50), counter.n, percentile(cpu, 95)


def login(app, username):
    client = app.test_client()
    r = client.post(
        "/intranet/login",
        data={"username": username, "password": app.config["DEMO_PASSWORD"]},
    )
    assert r.status_code == 302, (username, r.status_code)
    return client


def pages(app):
    """(label, person, url) of every page measured."""
    from archive.models import ArchiveRecord
    from intranet.models import Case
    from intranet.models import User

    with app.app_context():
        redaktur = db.session.execute(
            db.select(User.id).where(User.username == "redaktur")
        ).scalar_one()
        case_id = db.session.execute(
            db.select(db.func.max(Case.id)).where(Case.step == 9)
        ).scalar_one()
        record_id = db.session.execute(db.select(db.func.max(ArchiveRecord.id))).scalar_one()
    return [
        ("dashboard koordinator", "koordinator", "/intranet/"),
        ("dashboard redaktur", "redaktur", "/intranet/"),
        ("dashboard penanggungjawab", "penanggungjawab", "/intranet/"),
        ("dashboard arsiparis", "arsiparis", "/intranet/"),
        ("case list", "koordinator", "/intranet/naskah/"),
        ("case list step", "koordinator", "/intranet/naskah/?langkah=5"),
        ("case list holder", "koordinator", f"/intranet/naskah/?pemegang={redaktur}"),
        ("case list search", "koordinator", "/intranet/naskah/?q=nomor+77"),
        ("case list overdue", "koordinator", "/intranet/naskah/?terlambat=1&urut=sejak"),
        ("case page", "koordinator", f"/intranet/naskah/{case_id}"),
        ("agenda book", "kontributor", "/intranet/agenda"),
        ("archive search", "arsiparis", "/arsip/cari?q=rekapitulasi+pemilih&tahun=2024"),
        ("record page", "arsiparis", f"/arsip/{record_id}"),
    ]


def main():
    quick = "--quick" in sys.argv
    n_cases, n_records = (2000, 10000) if quick else (10000, 100000)
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 30
    with tempfile.TemporaryDirectory(prefix="warta-bench-intranet-") as folder:
        app = make_app(folder)
        app.config["WTF_CSRF_ENABLED"] = False  # the bench logs in without reading the form
        start = time.perf_counter()
        made, trail = seed_cases(app, n_cases)
        seed_records(app, n_records)
        print(
            f"corpus: {made['cases']} cases, {made['revisions']} revisions, "
            f"{made['photos']} photo rows, {trail['trail']} trail entries, "
            f"{n_records} archive records (seeded in {time.perf_counter() - start:.0f} s)"
        )
        with app.app_context():
            engine = db.engine
        clients = {}
        ref_client = clients.setdefault("koordinator", login(app, "koordinator"))
        ref_p95, ref_p50, _n, ref_cpu = measure(ref_client, engine, "/healthz", runs)
        print(
            f"reference: /healthz through the same client: p95 {ref_p95:.1f} ms "
            f"(CPU p95 {ref_cpu:.1f} ms)"
        )
        worst = []
        for label, person, url in pages(app):
            client = clients.get(person) or clients.setdefault(person, login(app, person))
            p95, p50, statements, cpu = measure(client, engine, url, runs)
            worst.append((label, p95, cpu))
            print(
                f"  {label:26} p95 {p95:6.1f} ms  median {p50:6.1f} ms  "
                f"CPU p95 {cpu:6.1f} ms  ({p95 / ref_p95:5.1f}x ref)  {statements} statements"
            )
        scale = f"{n_cases} cases, {n_records} records"
        for label, p95, cpu in worst:
            verdict = "bar met" if p95 <= BAR_MS else "BELOW BAR"
            print(
                f"bar: intranet {label} p95 {p95:.1f} ms (CPU {cpu:.1f} ms) at {scale} "
                f"(bar 30 ms) -> {verdict}"
            )
    return 0


if __name__ == "__main__":
    if {"-h", "--help"} & set(sys.argv[1:]):
        print(__doc__)
        sys.exit(0)
    sys.exit(main())
