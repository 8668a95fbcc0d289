"""The case list and the nav badge with many cases, against an in-run reference (the same
client fetching the account page, which has the nav and no list).

Figures: each list query's time (first page, a filter, a search, the last page) and its
number of SQL statements, over ``count`` cases in steps 3 to 10, a third with an article
revision; and the Koordinator's dashboard, which lists every case waiting on them (an
eighth of all at each of steps 4 and 8). The list loads one page, so its time should stay
near the reference's however many cases there are; the dashboard grows with the cases
waiting on the person.
Usage: python bench/worklists.py [--quick]
"""

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event  # noqa: E402

from bench.archive import make_app  # noqa: E402
from intranet.extensions import db  # noqa: E402

QUERIES = {
    "first page": "/intranet/naskah/",
    "step filter": "/intranet/naskah/?langkah=5",
    "search": "/intranet/naskah/?q=nomor+77",
    "overdue": "/intranet/naskah/?terlambat=1&urut=sejak",
    "last page": "/intranet/naskah/?halaman=9999",
    "dashboard": "/intranet/",
}


def seed(app, count):
    """``count`` cases spread over the ten steps (synthetic rows, for load)."""
    import hashlib

    from intranet import sop
    from intranet.clock import utcnow
    from intranet.models import Case
    from intranet.models import Revision
    from intranet.models import User

    with app.app_context():
        d = sop.current()
        user = db.session.execute(db.select(User).where(User.username == "penulis")).scalar_one()
        now = utcnow()
        for i in range(count):
            step = 3 + i % 8
            case = Case(
                title=f"Naskah uji nomor {i}",
                category_id=1 + i % 3,
                definition_code=d.code,
                definition_version=d.version,
                definition_sha256=d.sha256,
                step=step,
                status="published" if step == 10 else "open",
                opened_by_id=user.id,
                step_started_at=now,
            )
            db.session.add(case)
            if i % 3 == 0:
                db.session.flush()
                body = f"<p>Isi uji {i}</p>"
                db.session.add(
                    Revision(
                        case_id=case.id,
                        number=1,
                        title=f"Berita uji nomor {i} tentang pemilu",
                        slug=f"berita-uji-{i}",
                        summary="Ringkasan.",
                        body_html=body,
                        ppid="serta_merta",
                        category_id=case.category_id,
                        credits="Humas",
                        author_id=user.id,
                        step=5,
                        content_hash=hashlib.sha256(body.encode()).hexdigest(),
                    )
                )
        db.session.commit()


def timed(client, url, runs):
    """The median time of ``runs`` GETs of ``url`` (ms) and the statements of one."""
    statements = []

    def count(*_args):
        statements.append(1)

    times = []
    for i in range(runs):
        if i == runs - 1:
            event.listen(db.engine, "before_cursor_execute", count)
        start = time.perf_counter()
        r = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert r.status_code == 200, (url, r.status_code)
    event.remove(db.engine, "before_cursor_execute", count)
    return statistics.median(times), len(statements)


def main():
    quick = "--quick" in sys.argv
    count, runs = (1000, 5) if quick else (5000, 15)
    with tempfile.TemporaryDirectory() as folder:
        app = make_app(folder)
        seed(app, count)
        app.config["WTF_CSRF_ENABLED"] = False  # the bench logs in without reading the form
        client = app.test_client()
        r = client.post(
            "/intranet/login",
            data={"username": "koordinator", "password": app.config["DEMO_PASSWORD"]},
        )
        assert r.status_code == 302, r.status_code
        with app.app_context():
            ref_ms, ref_statements = timed(client, "/intranet/akun", runs)
            print(
                f"{count} cases; reference (account page): {ref_ms:.1f} ms, "
                f"{ref_statements} statements"
            )
            for label, url in QUERIES.items():
                ms, statements = timed(client, url, runs)
                print(f"  {label:12} {ms:7.1f} ms ({ms / ref_ms:4.1f}x)  {statements} statements")
    return 0


if __name__ == "__main__":
    sys.exit(main())
