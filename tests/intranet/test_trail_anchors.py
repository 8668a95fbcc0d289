"""Chain heads anchored outside the database: a trail (or the audit log) rewritten in the
database with every hash recomputed is found by ``trail verify`` (``audit verify``)."""

import json
import stat

from sqlalchemy import text

from intranet import audit
from intranet.chain import GENESIS
from intranet.chain import chain_hash
from intranet.extensions import db
from intranet.models import Case
from intranet.models import TrailEntry
from intranet.models import User
from intranet.services import anchors
from intranet.services import cases


def _anchor(runner):
    r = runner.invoke(args=["trail", "anchor"])
    assert r.exit_code == 0, r.output
    return r


def _rewrite_trail(app, case_id, seq, note):
    """What someone who can write the database does: change an entry, then recompute every
    hash after it and the case's head, so the chain verifies on its own."""
    with app.app_context():
        rows = db.session.execute(
            db.select(TrailEntry).where(TrailEntry.case_id == case_id).order_by(TrailEntry.seq)
        ).scalars()
        prev, updates = GENESIS, []
        for e in rows:
            content = e.content()
            if e.seq == seq:
                content["note"] = note
            h = chain_hash(prev, content)
            updates.append({"i": e.id, "note": content["note"], "prev": prev, "h": h})
            prev = h
        db.session.rollback()
        for u in updates:
            db.session.execute(
                text(
                    "UPDATE trail_entries SET note = :note, prev_hash = :prev, "
                    "entry_hash = :h WHERE id = :i"
                ),
                u,
            )
        db.session.execute(
            text("UPDATE cases SET trail_head = :h WHERE id = :c"), {"h": prev, "c": case_id}
        )
        db.session.commit()


def _rewrite_audit(app, seq, action):
    with app.app_context():
        rows = db.session.execute(db.select(audit.AuditEntry).order_by(audit.AuditEntry.seq))
        prev, updates = GENESIS, []
        for e in rows.scalars():
            content = e.content()
            if e.seq == seq:
                content["action"] = action
            h = chain_hash(prev, content)
            updates.append({"i": e.id, "a": content["action"], "prev": prev, "h": h})
            prev = h
        db.session.rollback()
        for u in updates:
            db.session.execute(
                text(
                    "UPDATE audit_entries SET action = :a, prev_hash = :prev, entry_hash = :h "
                    "WHERE id = :i"
                ),
                u,
            )
        db.session.execute(text("UPDATE audit_head SET entry_hash = :h"), {"h": prev})
        db.session.commit()


def test_a_database_only_rewrite_with_recomputed_hashes_fails_trail_verify(app, scenario, runner):
    case_id = scenario["case_id"]
    assert runner.invoke(args=["trail", "verify"]).exit_code == 0
    _anchor(runner)
    _rewrite_trail(app, case_id, 1, "ditulis ulang diam-diam")
    with app.app_context():
        case = db.session.get(Case, case_id)
        from intranet.services import trail

        assert trail.verify_case(case) == []  # the chain alone no longer tells
    r = runner.invoke(args=["trail", "verify"])
    assert r.exit_code == 1, r.output
    assert f"jejak naskah #{case_id}" in r.output and "ditulis ulang" in r.output, r.output
    # the daily fixity run says so too
    r = runner.invoke(args=["archive", "verify", "--quiet"])
    assert r.exit_code == 1 and f"JEJAK   jejak naskah #{case_id}" in r.output, r.output
    # and the rewritten chain is not anchored over the old one
    r = runner.invoke(args=["trail", "anchor"])
    assert r.exit_code == 1 and f"#{case_id}" in r.output, r.output


def test_without_a_rewrite_verify_passes_and_anchoring_is_idempotent(app, scenario, runner):
    r = _anchor(runner)
    assert "0 unchanged" in r.output
    lines = anchors_log(app).read_text().splitlines()
    assert any(json.loads(x)["kind"] == "trail" for x in lines)
    assert any(json.loads(x)["kind"] == "audit" for x in lines)
    r = _anchor(runner)
    assert r.output.startswith("0 chain heads anchored"), r.output
    assert anchors_log(app).read_text().splitlines() == lines
    r = runner.invoke(args=["trail", "verify"])
    assert r.exit_code == 0, r.output
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_a_new_entry_after_the_anchor_extends_the_anchored_head(app, scenario, runner):
    case_id = scenario["case_id"]
    _anchor(runner)
    with app.test_request_context(method="POST"):
        case = db.session.get(Case, case_id)
        user = db.session.execute(
            db.select(User).where(User.username == "koordinator")
        ).scalar_one()
        cases.comment(case, user, "Mohon dicek ulang kutipannya.")
    r = runner.invoke(args=["trail", "verify"])
    assert r.exit_code == 0, r.output
    r = _anchor(runner)
    assert r.output.startswith("1 chain heads anchored"), r.output
    # a rewrite of the entry written after the first anchor is caught from the second on
    with app.app_context():
        seq = db.session.get(Case, case_id).trail_seq
    _rewrite_trail(app, case_id, seq, "komentar lain")
    r = runner.invoke(args=["trail", "verify"])
    assert r.exit_code == 1 and f"#{case_id}" in r.output, r.output


def test_the_key_is_made_once_with_mode_0600(app, scenario, runner):
    with app.app_context():
        key = anchors.key_path()
        log = anchors.log_path()
    assert not key.exists()
    _anchor(runner)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    first = key.read_text()
    assert len(first.strip()) == 64
    _anchor(runner)
    assert key.read_text() == first


def anchors_log(app):
    with app.app_context():
        return anchors.log_path()


def test_an_anchor_line_removed_or_forged_is_caught(app, scenario, runner):
    case_id = scenario["case_id"]
    _anchor(runner)
    with app.test_request_context(method="POST"):
        case = db.session.get(Case, case_id)
        user = db.session.execute(
            db.select(User).where(User.username == "koordinator")
        ).scalar_one()
        cases.comment(case, user, "Catatan kedua.")
    _anchor(runner)
    log = anchors_log(app)
    lines = log.read_text().splitlines()
    assert len(lines) >= 3
    # the middle lines removed (someone hiding the anchor a rewrite would break)
    log.write_text("\n".join([lines[0], lines[-1]]) + "\n")
    r = runner.invoke(args=["trail", "verify"])
    assert r.exit_code == 1 and "log jangkar baris 2" in r.output, r.output
    # a line rewritten to bless a new head, without the key: its HMAC fails
    forged = json.loads(lines[0])
    forged["head"] = "f" * 64
    log.write_text("\n".join([json.dumps(forged), *lines[1:]]) + "\n")
    r = runner.invoke(args=["trail", "verify"])
    assert r.exit_code == 1 and "log jangkar baris 1: HMAC" in r.output, r.output
    log.write_text("\n".join(lines) + "\n")
    assert runner.invoke(args=["trail", "verify"]).exit_code == 0


def test_the_audit_log_rewritten_in_the_database_fails_audit_verify(app, runner):
    args = ["users", "create-admin", "--full-name", "Pemilik", "--password", "sandi-kuat-sekali"]
    for name in ("pemilik", "pemilik2"):
        assert runner.invoke(args=[*args, "--username", name]).exit_code == 0
    _anchor(runner)
    _rewrite_audit(app, 1, "category.create")
    with app.app_context():
        assert audit.verify() == []  # the chain alone no longer tells
    r = runner.invoke(args=["audit", "verify"])
    assert r.exit_code == 1 and "log audit: entri #2" in r.output, r.output  # the anchored head
