"""Each chain's own check and the anchoring of chain heads, pinned exactly through the
services (``trail.chain_problems``, ``trail.anchor_heads``): which chain is checked, what a
damaged one says, and what is anchored, left unchanged or refused."""

from sqlalchemy import update

from intranet import audit
from intranet.extensions import db
from intranet.models import Case
from intranet.models import TrailEntry
from intranet.models import User
from intranet.services import anchors
from intranet.services import trail
from tests.fixtures.scenarios import build_scenario
from tests.intranet.test_trail_anchors import _rewrite_audit
from tests.intranet.test_trail_anchors import _rewrite_trail


def _entry_id(case_id, seq):
    return db.session.execute(
        db.select(TrailEntry.id).where(TrailEntry.case_id == case_id, TrailEntry.seq == seq)
    ).scalar_one()


def _alter(app, case_id, seq):
    """Change an entry's note in the database without touching any hash; its id."""
    with app.app_context():
        db.session.execute(
            update(TrailEntry)
            .where(TrailEntry.case_id == case_id, TrailEntry.seq == seq)
            .values(note="diubah diam-diam")
        )
        db.session.commit()
        return _entry_id(case_id, seq)


def _audited(runner):
    """Two audit entries: two admins created from the command line."""
    args = ["users", "create-admin", "--full-name", "Pemilik", "--password", "sandi-kuat-sekali"]
    for name in ("pemilik", "pemilik2"):
        assert runner.invoke(args=[*args, "--username", name]).exit_code == 0


def test_chain_problems_checks_the_named_trail_only(app):
    a, b = (build_scenario(app)["case_id"] for _ in range(2))
    with app.app_context():
        assert trail.chain_problems("trail", a) == []
        assert trail.chain_problems("trail", b) == []
    eid = _alter(app, b, 1)
    with app.app_context():
        assert trail.chain_problems("trail", b) == [
            f"case {b} entry #1 (id {eid}): content does not match its hash (altered)"
        ]
        assert trail.chain_problems("trail", a) == []
        # a case that is gone has no chain of its own to check
        assert trail.chain_problems("trail", b + 1000) == []
        # any other kind is the audit log, which the trail's damage is not
        assert trail.chain_problems("audit", b) == []


def test_chain_problems_of_the_audit_log(app, runner):
    a = build_scenario(app)["case_id"]
    _audited(runner)
    with app.app_context():
        assert trail.chain_problems("audit", None) == []
        first = (
            db.session.execute(db.select(audit.AuditEntry).order_by(audit.AuditEntry.seq))
            .scalars()
            .first()
        )
        db.session.execute(
            update(audit.AuditEntry.__table__)
            .where(audit.AuditEntry.__table__.c.id == first.id)
            .values(action="category.create")
        )
        db.session.commit()
        expected = [
            f"entri #{first.seq} (id {first.id}): isinya tidak cocok dengan hash-nya (diubah)"
        ]
        assert [str(p) for p in trail.chain_problems("audit", None)] == expected
        assert [str(p) for p in trail.chain_problems("audit", a)] == expected
        assert trail.chain_problems("trail", a) == []


def test_anchor_heads_anchors_moved_chains_and_refuses_a_damaged_one(app, runner):
    a, b = (build_scenario(app)["case_id"] for _ in range(2))
    _audited(runner)
    with app.app_context():
        # two trails and the audit log, each anchored once
        assert trail.anchor_heads() == (3, 0, [])
        assert trail.anchor_heads() == (0, 3, [])
    eid = _alter(app, b, 1)
    with app.app_context():
        # a damaged chain whose head has not moved is not checked again
        assert trail.anchor_heads() == (0, 3, [])
        case = db.session.get(Case, b)
        redaktur = db.session.execute(
            db.select(User).where(User.username == "redaktur")
        ).scalar_one()
        trail.append(case, step=3, action="comment", actor=redaktur, role="redaktur")
        db.session.commit()
        assert trail.anchor_heads() == (
            0,
            2,
            [
                (
                    "trail",
                    b,
                    [f"case {b} entry #1 (id {eid}): content does not match its hash (altered)"],
                )
            ],
        )
        # nothing was anchored over the old head: the same refusal again
        assert trail.anchor_heads()[2][0][:2] == ("trail", b)
    assert a != b


def test_anchor_problems_names_the_trails_and_the_logs_own_problems_only(app, runner):
    a = build_scenario(app)["case_id"]
    _audited(runner)
    with app.app_context():
        assert trail.anchor_heads() == (2, 0, [])
    # the audit log rewritten in the database: the audit's problem, not the trail's
    _rewrite_audit(app, 1, "category.create")
    with app.app_context():
        assert [k for k, _, _ in anchors.problems()] == ["audit"]
        assert trail.anchor_problems([]) == []
    # the trail rewritten the same way: its anchor says so
    _rewrite_trail(app, a, 1, "ditulis ulang diam-diam")
    with app.app_context():
        (expected,) = [p for k, _, p in anchors.problems() if k == "trail"]
        assert [str(p) for p in trail.anchor_problems([])] == [str(expected)]
        assert f"jejak naskah #{a}" in str(expected)


def test_verify_cases_adds_each_trails_anchor_problems_and_leaves_out_the_audits(app, runner):
    a, b = (build_scenario(app)["case_id"] for _ in range(2))
    _audited(runner)
    with app.app_context():
        assert trail.anchor_heads() == (3, 0, [])
    _rewrite_audit(app, 1, "category.create")
    with app.app_context():
        assert trail.verify_cases() == [(a, []), (b, [])]
    _rewrite_trail(app, b, 1, "ditulis ulang diam-diam")
    with app.app_context():
        (expected,) = [p for k, _, p in anchors.problems() if k == "trail"]
        found = [
            (case_id, [str(p) for p in problems]) for case_id, problems in trail.verify_cases()
        ]
        assert found == [(a, []), (b, [str(expected)])]


def test_verify_cases_ends_with_the_logs_own_problems_then_anchored_cases_that_are_gone(app):
    a, b, c = (build_scenario(app)["case_id"] for _ in range(3))
    with app.app_context():
        assert trail.anchor_heads() == (4, 0, [])  # three trails and the audit log
        # two anchored cases removed from the database with everything that names them
        for gone in (c, b):
            for table in reversed(db.metadata.sorted_tables):
                if "case_id" in table.c:
                    db.session.execute(table.delete().where(table.c.case_id == gone))
            db.session.execute(db.delete(Case).where(Case.id == gone))
        db.session.commit()
        # and a line the office's key never signed at the end of the anchor log
        with open(anchors.log_path(), "a", encoding="utf-8") as f:
            f.write('{"kind": "trail", "id": 1, "mac": "palsu"}\n')
        found = [
            (case_id, [str(p) for p in problems]) for case_id, problems in trail.verify_cases()
        ]
        own = [str(p) for k, _, p in anchors.problems() if k is None]
    assert [case_id for case_id, _ in found] == [a, None, b, c]
    assert found[0] == (a, [])
    assert found[1] == (None, own)
    assert "log jangkar baris 5: HMAC tidak cocok" in found[1][1][0]
    for case_id, problems in found[2:]:
        assert len(problems) == 1 and "tidak ada lagi" in problems[0], problems
        assert f"{case_id}" in problems[0]
