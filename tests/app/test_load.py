"""Simultaneous work on one case through the HTTP layer: exactly one approval wins, no save is
lost, a 409 only when the form really was stale. (The full-size runs, with gunicorn workers,
are in ``bench/load.py``.)"""

import threading

from intranet.extensions import db
from intranet.models import Case
from intranet.models import Concept
from intranet.models import TrailEntry
from intranet.services import trail
from tests.intranet.test_trail import put_case_at

CONCEPT = {"angle": "Sudut", "outline": "1. Kegiatan", "sources": "Surat"}


def _at_once(workers):
    """Run the callables in threads released together; their results in order."""
    barrier = threading.Barrier(len(workers))
    results = [None] * len(workers)

    def run(i, work):
        barrier.wait()
        results[i] = work()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def test_twenty_simultaneous_approvals_of_one_step_one_wins(app, login, scenario):
    cid = scenario["case_id"]
    red = login("redaktur")
    assert (
        red.post(f"/intranet/naskah/{cid}/konsep", data={**CONCEPT, "base": 0}).status_code == 302
    )
    with app.app_context():
        version = db.session.get(Case, cid).version
    r = red.post(
        f"/intranet/naskah/{cid}/putuskan", data={"action": "complete", "version": version}
    )
    assert r.status_code == 302
    with app.app_context():
        case = db.session.get(Case, cid)
        assert case.step == 4
        version = case.version
    clients = [login("koordinator") for _ in range(20)]

    def approve(client):
        def work():
            r = client.post(
                f"/intranet/naskah/{cid}/putuskan", data={"action": "approve", "version": version}
            )
            r.close()
            return r.status_code

        return work

    codes = _at_once([approve(c) for c in clients])
    assert codes.count(302) == 1, codes
    assert all(code in (400, 409) for code in codes if code != 302), codes
    with app.app_context():
        case = db.session.get(Case, cid)
        assert case.step == 5
        approvals = db.session.execute(
            db.select(TrailEntry).where(
                TrailEntry.case_id == cid, TrailEntry.step == 4, TrailEntry.action == "approve"
            )
        ).all()
        assert len(approvals) == 1
        seqs = [e.seq for e in case.trail]
        assert seqs == list(range(1, len(seqs) + 1))
        assert trail.verify_all() == (1, [])


def test_eight_writers_lose_no_save_and_409_only_when_stale(app, login, scenario):
    cid = scenario["case_id"]
    put_case_at(app, cid, 3)
    clients = [login("redaktur") for _ in range(8)]
    rounds = 12
    outcome = {"saved": 0, "stale_ok": 0, "stale_wrong": [], "other": []}
    lock = threading.Lock()

    def latest():
        with app.app_context():
            return (
                db.session.execute(
                    db.select(db.func.max(Concept.number)).where(Concept.case_id == cid)
                ).scalar()
                or 0
            )

    def writer(i, client):
        def work():
            for n in range(rounds):
                base = latest()
                r = client.post(
                    f"/intranet/naskah/{cid}/konsep",
                    data={**CONCEPT, "angle": f"penulis {i} putaran {n}", "base": base},
                )
                r.close()
                with lock:
                    if r.status_code == 302:
                        outcome["saved"] += 1
                    elif r.status_code == 409:
                        # a 409 is right only if someone saved after this form was loaded
                        if latest() > base:
                            outcome["stale_ok"] += 1
                        else:
                            outcome["stale_wrong"].append(base)
                    else:
                        outcome["other"].append(r.status_code)

        return work

    _at_once([writer(i, c) for i, c in enumerate(clients)])
    assert outcome["other"] == [] and outcome["stale_wrong"] == []
    assert outcome["saved"] + outcome["stale_ok"] == 8 * rounds
    with app.app_context():
        numbers = db.session.execute(
            db.select(Concept.number).where(Concept.case_id == cid).order_by(Concept.number)
        ).scalars()
        assert list(numbers) == list(range(1, outcome["saved"] + 1))  # every save is there
        assert trail.verify_all() == (1, [])
