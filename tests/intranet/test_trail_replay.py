"""The trail checked against what it describes, pinned exactly: the archive's anchors
(``anchor_problems``), the case row replayed from the trail (``_replay``), the attempt an
entry records (``_attempt_at``), and a case with no entries at all.

Each test works on the scenario's case (steps 1–2 done, at step 3, attempt 1, two entries:
``to`` 2, then ``to`` 3 with the redaktur handed the material).
"""

from datetime import datetime

import pytest
from sqlalchemy import delete
from sqlalchemy import update

from archive.snapshot import Anchor
from intranet.extensions import db
from intranet.models import Case
from intranet.models import TrailEntry
from intranet.models import User
from intranet.services import trail
from tests.fixtures.scenarios import build_scenario


def _user(username):
    return db.session.execute(db.select(User).where(User.username == username)).scalar_one()


def _heads(app, case_id):
    """``{seq: entry hash}`` of a case's trail."""
    with app.app_context():
        return dict(
            db.session.execute(
                db.select(TrailEntry.seq, TrailEntry.entry_hash).where(
                    TrailEntry.case_id == case_id
                )
            ).all()
        )


def _verify(app, case_id):
    with app.app_context():
        return trail.verify_case(db.session.get(Case, case_id))


def _append(app, case_id, *entries, **case_values):
    """Append ``(step, action, data)`` entries by the redaktur, then set ``case_values`` on
    the case row; commit."""
    with app.app_context():
        case = db.session.get(Case, case_id)
        for step, action, data in entries:
            trail.append(
                case, step=step, action=action, actor=_user("redaktur"), role="redaktur", data=data
            )
        for name, value in case_values.items():
            setattr(case, name, value)
        db.session.commit()


# --- anchors: the chain heads the archive recorded ----------------------------------------


@pytest.fixture
def two_cases(app):
    """Two cases of two entries each (so an anchor's case id must select the right one)."""
    return [build_scenario(app)["case_id"] for _ in range(2)]


def _anchor_problems(app, *anchors):
    with app.app_context():
        return trail.anchor_problems(list(anchors))


def test_anchors_the_trails_still_hold_raise_nothing(app, two_cases):
    first, second = two_cases
    a, b = _heads(app, first), _heads(app, second)
    assert a[2] != b[2]
    assert (
        _anchor_problems(
            app,
            Anchor("0001/ARS/2026", 1, first, 2, a[2]),
            Anchor("0001/ARS/2026", 2, first, 1, a[1]),  # an earlier head, still in place
            Anchor("0002/ARS/2026", 1, second, 2, b[2]),
        )
        == []
    )
    assert _anchor_problems(app) == []


def test_an_anchor_whose_entry_is_missing_is_named(app, two_cases):
    first, _ = two_cases
    head = _heads(app, first)[2]
    assert _anchor_problems(app, Anchor("0001/ARS/2026", 3, first, 3, head)) == [
        f"0001/ARS/2026 versi 3: jejak naskah #{first} tidak lagi memuat entri #3 yang "
        "tercatat di berkas"
    ]
    tamper = delete(TrailEntry).where(TrailEntry.case_id == first, TrailEntry.seq == 2)
    with app.app_context():
        db.session.execute(tamper)
        db.session.commit()
    assert _anchor_problems(app, Anchor("0001/ARS/2026", 1, first, 2, head)) == [
        f"0001/ARS/2026 versi 1: jejak naskah #{first} tidak lagi memuat entri #2 yang "
        "tercatat di berkas"
    ]


def test_an_anchor_whose_hash_differs_is_named(app, two_cases):
    first, second = two_cases
    other_head = _heads(app, second)[2]  # a real head, of the other case
    assert _anchor_problems(
        app,
        Anchor("0001/ARS/2026", 1, first, 2, other_head),
        Anchor("0002/ARS/2026", 4, second, 1, "b" * 64),
    ) == [
        f"0001/ARS/2026 versi 1: jejak naskah #{first} tidak lagi memuat entri #2 yang "
        "tercatat di berkas",
        f"0002/ARS/2026 versi 4: jejak naskah #{second} tidak lagi memuat entri #1 yang "
        "tercatat di berkas",
    ]


def test_an_entry_altered_after_archiving_is_named(app, two_cases):
    first, second = two_cases
    a, b = _heads(app, first), _heads(app, second)
    with app.app_context():
        db.session.execute(
            update(TrailEntry)
            .where(TrailEntry.case_id == first, TrailEntry.seq == 2)
            .values(note="diubah diam-diam")
        )
        db.session.commit()
    # its stored hash still matches the anchor, its content no longer matches the hash
    assert _anchor_problems(
        app,
        Anchor("0002/ARS/2026", 1, second, 2, b[2]),
        Anchor("0001/ARS/2026", 2, first, 2, a[2]),
        Anchor("0001/ARS/2026", 1, first, 1, a[1]),
    ) == ["0001/ARS/2026 versi 2: entri jejak #2 diubah setelah diarsipkan"]


# --- the case row replayed from its trail -------------------------------------------------


def test_the_scenario_replays_to_its_case_row(app, scenario):
    with app.app_context():
        case = db.session.get(Case, scenario["case_id"])
        assert (case.step, case.attempt, case.status) == (3, 1, "open")
        assert trail._replay(case) == []


def test_an_open_case_at_another_step_than_its_trail_is_named(app, scenario):
    case_id = scenario["case_id"]
    _append(app, case_id, step=5)
    assert _verify(app, case_id) == [
        f"case {case_id}: at step 5 (open) but the trail leaves it at step 3 (open)"
    ]


def test_a_published_case_replays_at_any_step(app, scenario):
    """After publication the case's step is not compared (only the trail's last move)."""
    case_id = scenario["case_id"]
    _append(app, case_id, (3, "publish", None), status="published", step=10, attempt=4)
    assert _verify(app, case_id) == []


def test_a_publication_the_case_row_does_not_show_is_named(app, scenario):
    case_id = scenario["case_id"]
    _append(app, case_id, (3, "publish", None))
    assert _verify(app, case_id) == [
        f"case {case_id}: at step 3 (open) but the trail leaves it at step 3 (published)"
    ]


def test_a_published_case_row_the_trail_does_not_show_is_named(app, scenario):
    case_id = scenario["case_id"]
    _append(app, case_id, status="published")
    assert _verify(app, case_id) == [
        f"case {case_id}: at step 3 (published) but the trail leaves it at step 3 (open)"
    ]


def test_the_attempt_is_how_often_the_trail_entered_the_step(app, scenario):
    case_id = scenario["case_id"]
    # returned to step 2 and handed on again: step 3 entered twice, step 2 twice
    _append(app, case_id, (3, "return", {"to": 2}), (2, "complete", {"to": 3}))
    assert _verify(app, case_id) == [f"case {case_id}: attempt 1 at step 3, the trail says 2"]
    _append(app, case_id, attempt=2)
    assert _verify(app, case_id) == []
    _append(app, case_id, attempt=3)
    assert _verify(app, case_id) == [f"case {case_id}: attempt 3 at step 3, the trail says 2"]


def test_another_redaktur_than_the_one_handed_the_material_is_named(app, scenario):
    case_id = scenario["case_id"]
    with app.app_context():
        editor = _user("editor").id
    _append(app, case_id, redaktur_id=editor)
    assert _verify(app, case_id) == [
        f"case {case_id}: redaktur changed from the one handed the material"
    ]


# --- a case with no entries ---------------------------------------------------------------


def test_a_case_with_no_entries_and_none_expected_verifies(app, scenario):
    case_id = scenario["case_id"]
    with app.app_context():
        db.session.execute(delete(TrailEntry).where(TrailEntry.case_id == case_id))
        db.session.execute(
            update(Case).where(Case.id == case_id).values(trail_seq=0, trail_head=None)
        )
        db.session.commit()
    assert _verify(app, case_id) == []


def test_a_case_whose_every_entry_is_gone_is_named(app, scenario):
    case_id = scenario["case_id"]
    with app.app_context():
        db.session.execute(delete(TrailEntry).where(TrailEntry.case_id == case_id))
        db.session.commit()
    assert _verify(app, case_id) == [
        f"case {case_id}: trail ends at #0, case expects #2 (entries missing)"
    ]


# --- the attempt each appended entry records ----------------------------------------------


def test_append_records_the_attempt_at_the_entrys_step(app, scenario):
    """At the case's own step its attempt; at a step it has left, the latest attempt the
    trail holds there (seen at once, before any flush); at a step never reached, 1; an attempt
    given is kept."""
    with app.app_context():
        case = db.session.get(Case, scenario["case_id"])
        assert [(e.step, e.attempt) for e in case.trail] == [(1, 1), (2, 1)]
        redaktur = _user("redaktur")

        def add(step, **kw):
            return trail.append(
                case, step=step, action="comment", actor=redaktur, role="redaktur", **kw
            ).attempt

        assert add(4, attempt=3) == 3
        assert add(5, attempt=2) == 2
        assert add(4) == 3
        assert add(6) == 1
        assert add(1) == 1
        case.attempt = 2
        assert add(3) == 2
        assert add(5) == 2
        assert [(e.seq, e.step, e.attempt) for e in case.trail] == [
            (1, 1, 1),
            (2, 2, 1),
            (3, 4, 3),
            (4, 5, 2),
            (5, 4, 3),
            (6, 6, 1),
            (7, 1, 1),
            (8, 3, 2),
            (9, 5, 2),
        ]


def test_append_keeps_the_data_unescaped_and_no_decree_for_a_role_held_under_none(app, scenario):
    with app.app_context():
        case = db.session.get(Case, scenario["case_id"])
        penulis = _user("penulis")
        assert penulis.role_source("koordinator") is None  # neither held nor delegated today
        e = trail.append(
            case,
            step=3,
            action="comment",
            actor=penulis,
            role="koordinator",
            data={"n": "Pémilu — ✓"},
        )
        assert (e.decree_id, e.delegation_id, e.on_behalf_of_id) == (None, None, None)
        assert e.data == '{"n": "Pémilu — ✓"}'


def test_an_entry_without_data_hashes_empty_data():
    e = TrailEntry(
        data=None,
        occurred_at=datetime(2026, 3, 2, 8, 15, 30),
        recorded_at=datetime(2026, 3, 2, 8, 15, 31),
    )
    assert (e.content()["data"], e.extra) == ({}, {})
    e.data = ""
    assert (e.content()["data"], e.extra) == ({}, {})
