"""Appending to and verifying the hash-chained trail of each case."""

import hashlib
import json

from intranet import audit
from intranet.clock import utcnow
from intranet.extensions import db
from intranet.models import Case
from intranet.models import Concept
from intranet.models import Revision
from intranet.models import TrailEntry
from intranet.models.trail import GENESIS
from intranet.models.trail import canonical_json
from intranet.services import anchors as anchor_log

#: Entries whose revision hash must be content the case has, and what a dangling one is.
#: An approval at a review step approved a concept or a revision; what happens after
#: publication (a correction written, a correction approved) is always a revision.
POINTS_AT = {
    "approve": ((Concept, Revision), "approval of content the case no longer has"),
    "approve_correction": ((Revision,), "approval of content the case no longer has"),
    "correct": ((Revision,), "correction revision the case no longer has"),
}


def append(
    case,
    *,
    step,
    action,
    actor,
    role,
    attempt=None,
    note=None,
    revision_hash=None,
    data=None,
    occurred_at=None,
    source=None,
):
    """Add one entry to ``case``'s trail, chained to the previous one.

    ``source`` is the (decree, delegation) the act was done under, when it is not the
    actor's current one (an act recorded after the fact). The case row carries the chain
    head and the last sequence number under its version column, so two simultaneous appends
    cannot both commit: one fails on the stale version (or on the unique (case, seq) pair)
    and is rolled back whole.
    """
    decree, delegation = source or actor.role_source(role) or (None, None)
    now = utcnow().replace(microsecond=0)
    entry = TrailEntry(
        case=case,
        seq=case.trail_seq + 1,
        step=step,
        attempt=attempt if attempt is not None else _attempt_at(case, step),
        action=action,
        actor_id=actor.id,
        role=role,
        decree_id=decree.id if decree else None,
        delegation_id=delegation.id if delegation else None,
        on_behalf_of_id=delegation.absent_user_id if delegation else None,
        note=note,
        revision_hash=revision_hash,
        data=json.dumps(data or {}, sort_keys=True, ensure_ascii=False),
        occurred_at=(occurred_at or now).replace(microsecond=0),
        recorded_at=now,
        prev_hash=case.trail_head or GENESIS,
    )
    # case_id is needed in the hashed content before the flush assigns it.
    if case.id is None:
        db.session.flush([case])
    entry.case_id = case.id
    entry.entry_hash = entry.compute_hash()
    case.trail_seq = entry.seq
    case.trail_head = entry.entry_hash
    db.session.add(entry)
    return entry


def verify_case(case):
    """Problems in one case's chain, as readable strings (empty when it verifies)."""
    problems = []
    prev = GENESIS
    entries = db.session.execute(
        db.select(TrailEntry).where(TrailEntry.case_id == case.id).order_by(TrailEntry.seq)
    ).scalars()
    expected_seq = 1
    last = None
    for e in entries:
        where = f"case {case.id} entry #{e.seq} (id {e.id})"
        if e.seq != expected_seq:
            problems.append(f"{where}: sequence gap, expected #{expected_seq}")
            break
        if e.prev_hash != prev:
            before = "the chain's start" if e.seq == 1 else f"entry #{e.seq - 1}"
            problems.append(f"{where}: previous hash does not match {before}")
            break
        if e.compute_hash() != e.entry_hash:
            problems.append(f"{where}: content does not match its hash (altered)")
            break
        prev, last, expected_seq = e.entry_hash, e, expected_seq + 1
    if not problems:
        if (last.seq if last else 0) != case.trail_seq:
            problems.append(
                f"case {case.id}: trail ends at #{last.seq if last else 0}, "
                f"case expects #{case.trail_seq} (entries missing)"
            )
        elif (last.entry_hash if last else None) != case.trail_head:
            problems.append(f"case {case.id}: chain head does not match the case record")
    if not problems:
        problems.extend(_replay(case))
    return problems


def verify_cases():
    """Verify every case's chain; ``[(case id, problems)]`` in case order, one per case.

    Each chain is also checked against its last anchor outside the database
    (``services.anchors``), which finds a chain rewritten with every hash recomputed; a
    problem of the anchor log itself comes last, under the case id None.
    """
    anchored = {}
    for _kind, case_id, problem in anchor_log.problems("trail"):
        anchored.setdefault(case_id, []).append(problem)
    results = [
        (case.id, verify_case(case) + anchored.pop(case.id, []))
        for case in db.session.execute(db.select(Case).order_by(Case.id)).scalars()
    ]
    # An anchored case that no longer exists, and the log's own problems.
    return results + sorted(anchored.items(), key=lambda item: item[0] or 0)


def chain_problems(kind, chain_id):
    """One chain's own check (``anchors``' kinds): a case's trail, or the audit log."""
    if kind == "trail":
        case = db.session.get(Case, chain_id)
        return verify_case(case) if case is not None else []
    return audit.verify()


def anchor_heads():
    """Anchor every chain head that verifies outside the database (``anchors``)."""
    return anchor_log.anchor_heads(chain_problems)


def verify_all():
    """Verify every case's chain; return ``(cases_checked, problems)``."""
    results = verify_cases()
    return len(results), [p for _, problems in results for p in problems]


def _replay(case):
    """Check the case row and its reviewed content against what the trail says happened.

    The step, attempt and status must be where the trail's last move left them, the
    redaktur the one the material was handed to, every concept and revision must still
    match its hash, and every approval and correction must point at a hash the case really
    had (``POINTS_AT``).
    """
    entries = (
        db.session.execute(
            db.select(TrailEntry).where(TrailEntry.case_id == case.id).order_by(TrailEntry.seq)
        )
        .scalars()
        .all()
    )
    problems = []
    step, status, redaktur = None, "open", None
    entered = {}
    for e in entries:
        extra = e.extra
        if "to" in extra:
            step = extra["to"]
            entered[step] = entered.get(step, 0) + 1
        if e.action == "publish":
            status = "published"
        if "redaktur_id" in extra:
            redaktur = extra["redaktur_id"]
    if entries and (step, status) != (case.step if status == "open" else step, case.status):
        problems.append(
            f"case {case.id}: at step {case.step} ({case.status}) but the trail leaves it "
            f"at step {step} ({status})"
        )
    elif entries and status == "open" and entered.get(step, 1) != case.attempt:
        problems.append(
            f"case {case.id}: attempt {case.attempt} at step {case.step}, the trail says "
            f"{entered.get(step, 1)}"
        )
    if redaktur is not None and case.redaktur_id != redaktur:
        problems.append(f"case {case.id}: redaktur changed from the one handed the material")
    known = {}
    for model in (Concept, Revision):
        known[model] = set()
        for row in db.session.execute(db.select(model).where(model.case_id == case.id)).scalars():
            digest = hashlib.sha256(canonical_json(row.content()).encode()).hexdigest()
            if digest != row.content_hash:
                problems.append(
                    f"case {case.id}: {model.__tablename__[:-1]} {row.number} "
                    "altered after it was saved"
                )
            known[model].add(row.content_hash)
    for e in entries:
        if e.action not in POINTS_AT or not e.revision_hash:
            continue
        models, dangling = POINTS_AT[e.action]
        if not any(e.revision_hash in known[m] for m in models):
            problems.append(f"case {case.id} entry #{e.seq}: {dangling}")
    return problems


def _attempt_at(case, step):
    """The case's current attempt at ``step`` (its latest, for a step it has left)."""
    if step == case.step:
        return case.attempt
    attempts = [e.attempt for e in case.trail if e.step == step]
    return max(attempts, default=1)


def anchor_problems(anchors):
    """Archived chain heads (``archive.snapshot.Anchor``) the case's trail no longer holds,
    and the chain heads anchored outside the database that it no longer holds (``anchors``),
    so the fixity run finds a trail rewritten in the database too."""
    problems = [p for *_, p in anchor_log.problems("trail")]
    for a in anchors:
        entry = db.session.execute(
            db.select(TrailEntry).where(
                TrailEntry.case_id == a.case_id, TrailEntry.seq == a.trail_seq
            )
        ).scalar_one_or_none()
        if entry is None or entry.entry_hash != a.trail_head:
            problems.append(
                f"{a.nomor_arsip} versi {a.version}: jejak naskah #{a.case_id} "
                f"tidak lagi memuat entri #{a.trail_seq} yang tercatat di berkas"
            )
        elif entry.compute_hash() != entry.entry_hash:
            problems.append(
                f"{a.nomor_arsip} versi {a.version}: entri jejak #{a.trail_seq} "
                "diubah setelah diarsipkan"
            )
    return problems
