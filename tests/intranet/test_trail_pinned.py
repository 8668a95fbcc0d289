"""The trail pinned exactly: known-answer hashes, and every hashed column's tampering named.

The expected digests were computed once by hand (hashlib.sha256 over the previous hash, a
newline and ``json.dumps(content, sort_keys=True, separators=(",", ":"),
ensure_ascii=False)``) and are written here as literals, so a renamed key, a dropped key,
other JSON options, another separator or another chaining all change them.
"""

from datetime import date
from datetime import datetime

import pytest
from sqlalchemy import delete
from sqlalchemy import update

from intranet import sop
from intranet.extensions import db
from intranet.models import Case
from intranet.models import Concept
from intranet.models import Delegation
from intranet.models import TeamDecree
from intranet.models import TrailEntry
from intranet.models import User
from intranet.models.trail import GENESIS
from intranet.models.trail import canonical_json
from intranet.models.trail import chain_hash
from intranet.services import cases as case_service
from intranet.services import trail
from tests.fixtures.scenarios import build_scenario

# --- known answers ------------------------------------------------------------------------

FIRST = {
    "case_id": 7,
    "seq": 1,
    "step": 1,
    "attempt": 1,
    "action": "complete",
    "actor_id": 12,
    "role": "penanggungjawab",
    "decree_id": 3,
    "delegation_id": None,
    "on_behalf_of_id": None,
    "note": "Liput rapat pleno — DPT Cilacap",
    "revision_hash": None,
    # stored unsorted and spaced: the hash covers the parsed value, canonically re-encoded
    "data": '{"to": 2, "recipients": [5, 9], "due_date": "2026-03-10"}',
    "occurred_at": datetime(2026, 3, 2, 8, 15, 30),
    # the microseconds are not hashed (timespec="seconds")
    "recorded_at": datetime(2026, 3, 2, 8, 15, 31, 250000),
}
FIRST_CONTENT = {
    "case_id": 7,
    "seq": 1,
    "step": 1,
    "attempt": 1,
    "action": "complete",
    "actor_id": 12,
    "role": "penanggungjawab",
    "decree_id": 3,
    "delegation_id": None,
    "on_behalf_of_id": None,
    "note": "Liput rapat pleno — DPT Cilacap",
    "revision_hash": None,
    "data": {"to": 2, "recipients": [5, 9], "due_date": "2026-03-10"},
    "occurred_at": "2026-03-02T08:15:30",
    "recorded_at": "2026-03-02T08:15:31",
}
FIRST_JSON = (
    '{"action":"complete","actor_id":12,"attempt":1,"case_id":7,'
    '"data":{"due_date":"2026-03-10","recipients":[5,9],"to":2},'
    '"decree_id":3,"delegation_id":null,"note":"Liput rapat pleno — DPT Cilacap",'
    '"occurred_at":"2026-03-02T08:15:30","on_behalf_of_id":null,'
    '"recorded_at":"2026-03-02T08:15:31","revision_hash":null,"role":"penanggungjawab",'
    '"seq":1,"step":1}'
)
FIRST_HASH = "d00c308013ce724f1c863d24a29d2e6e2f77d32a9ef249be6c4d6ec773a80037"

SECOND = {
    "case_id": 7,
    "seq": 2,
    "step": 4,
    "attempt": 2,
    "action": "approve",
    "actor_id": 15,
    "role": "koordinator",
    "decree_id": 3,
    "delegation_id": 4,
    "on_behalf_of_id": 11,
    "note": None,
    "revision_hash": "5e" * 32,
    "data": '{"to": 5}',
    "occurred_at": datetime(2026, 3, 4, 13, 0, 0),
    "recorded_at": datetime(2026, 3, 4, 13, 0, 5),
}
SECOND_CONTENT = {
    "case_id": 7,
    "seq": 2,
    "step": 4,
    "attempt": 2,
    "action": "approve",
    "actor_id": 15,
    "role": "koordinator",
    "decree_id": 3,
    "delegation_id": 4,
    "on_behalf_of_id": 11,
    "note": None,
    "revision_hash": "5e" * 32,
    "data": {"to": 5},
    "occurred_at": "2026-03-04T13:00:00",
    "recorded_at": "2026-03-04T13:00:05",
}
SECOND_HASH = "d1b6925cbe13824cd3f224775ee969a4e8b6fa8edff3078fb199fa18df35b628"


def test_genesis_is_sixty_four_zeros():
    assert GENESIS == "0000000000000000000000000000000000000000000000000000000000000000"


def test_content_is_exactly_the_fifteen_hashed_values():
    entry = TrailEntry(**FIRST, prev_hash=GENESIS)
    assert entry.content() == FIRST_CONTENT
    assert list(entry.content()) == list(FIRST_CONTENT)


def test_canonical_json_is_sorted_compact_and_unescaped():
    assert canonical_json(FIRST_CONTENT) == FIRST_JSON


def test_first_entry_of_a_chain_known_answer():
    entry = TrailEntry(**FIRST, prev_hash=GENESIS)
    assert entry.compute_hash() == FIRST_HASH
    assert chain_hash(GENESIS, FIRST_CONTENT) == FIRST_HASH


def test_second_entry_chains_on_the_first_known_answer():
    entry = TrailEntry(**SECOND, prev_hash=FIRST_HASH)
    assert entry.content() == SECOND_CONTENT
    assert entry.compute_hash() == SECOND_HASH
    # the same content after another previous hash is another hash
    assert TrailEntry(**SECOND, prev_hash=GENESIS).compute_hash() == (
        "27b9d914274c7d3ce6de571ec06087a730cf317ee974d70948f03b5405b729ee"
    )


# Append writes the same two entries, with the same hashes, from the same facts.


@pytest.fixture
def bare(app_factory):
    """An app with no demo team: the people, SK, Plh and case of FIRST and SECOND, by id."""
    app = app_factory()
    with app.app_context():
        for uid in (11, 12, 15):
            db.session.add(User(id=uid, username=f"u{uid}", full_name=f"U{uid}", password_hash="x"))
        db.session.add(
            TeamDecree(
                id=3,
                number="3/HM.02-Kpt/3301/2026",
                decree_date=date(2026, 1, 2),
                title="Tim Pengelola Website",
                valid_from=date(2026, 1, 1),
                valid_until=date(2026, 12, 31),
                signed_by="Ketua",
            )
        )
        db.session.add(
            Delegation(
                id=4,
                role="koordinator",
                absent_user_id=11,
                substitute_id=15,
                valid_from=date(2026, 3, 1),
                valid_until=date(2026, 3, 9),
                reason="Dinas luar",
                created_by_id=11,
            )
        )
        d = sop.current()
        db.session.add(
            Case(
                id=7,
                title="Uji rantai",
                category_id=1,
                definition_code=d.code,
                definition_version=d.version,
                definition_sha256=d.sha256,
                step=1,
                attempt=1,
                opened_by_id=12,
            )
        )
        db.session.commit()
    return app


def test_append_writes_the_known_answer_chain(bare, monkeypatch):
    clock = iter([datetime(2026, 3, 2, 8, 15, 31, 250000), datetime(2026, 3, 4, 13, 0, 5, 999)])
    monkeypatch.setattr(trail, "utcnow", lambda: next(clock))
    with bare.app_context():
        case = db.session.get(Case, 7)
        decree = db.session.get(TeamDecree, 3)
        first = trail.append(
            case,
            step=1,
            action="complete",
            actor=db.session.get(User, 12),
            role="penanggungjawab",
            note="Liput rapat pleno — DPT Cilacap",
            data={"to": 2, "recipients": [5, 9], "due_date": "2026-03-10"},
            occurred_at=datetime(2026, 3, 2, 8, 15, 30, 999999),
            source=(decree, None),
        )
        case.step, case.attempt = 4, 2  # the attempt comes from the case at its own step
        second = trail.append(
            case,
            step=4,
            action="approve",
            actor=db.session.get(User, 15),
            role="koordinator",
            revision_hash="5e" * 32,
            data={"to": 5},
            occurred_at=datetime(2026, 3, 4, 13, 0, 0),
            source=(decree, db.session.get(Delegation, 4)),
        )
        case.step, case.attempt = 5, 1
        db.session.commit()
        assert first.content() == FIRST_CONTENT
        assert first.data == '{"due_date": "2026-03-10", "recipients": [5, 9], "to": 2}'
        assert (first.seq, first.prev_hash, first.entry_hash) == (1, GENESIS, FIRST_HASH)
        assert second.content() == SECOND_CONTENT
        assert (second.seq, second.prev_hash, second.entry_hash) == (2, FIRST_HASH, SECOND_HASH)
        # stored to the second, as hashed
        assert (first.occurred_at, first.recorded_at, second.recorded_at) == (
            datetime(2026, 3, 2, 8, 15, 30),
            datetime(2026, 3, 2, 8, 15, 31),
            datetime(2026, 3, 4, 13, 0, 5),
        )
        assert (case.trail_seq, case.trail_head) == (2, SECOND_HASH)
        # the chain holds; only the approved text (never saved here) is missing
        assert trail.verify_case(case) == [
            "case 7 entry #2: approval of content the case no longer has"
        ]


# --- tampering with one real case's trail -------------------------------------------------


def altered(case_id, seq, entry_id):
    return f"case {case_id} entry #{seq} (id {entry_id}): content does not match its hash (altered)"


def entry_ids(app, case_id):
    """``{seq: id}`` of a case's trail entries."""
    with app.app_context():
        rows = db.session.execute(
            db.select(TrailEntry.seq, TrailEntry.id).where(TrailEntry.case_id == case_id)
        ).all()
        return dict(rows)


def user_ids(app):
    with app.app_context():
        return dict(db.session.execute(db.select(User.username, User.id)).all())


def tamper(app, statement):
    with app.app_context():
        db.session.execute(statement)
        db.session.commit()


def verify(app):
    with app.app_context():
        return trail.verify_all()


def cli_verify(runner):
    r = runner.invoke(args=["trail", "verify"])
    return r.exit_code, r.stdout, r.stderr


def broken(*messages, of, cases=None):
    """What ``trail verify`` answers: every message, and how many of ``of`` cases are broken.

    ``cases`` defaults to one broken case per message.
    """
    lines = "".join(f"BROKEN {m}\n" for m in messages)
    count = len(messages) if cases is None else cases
    return 1, lines, f"Error: {count} of {of} case trails do not verify\n"


def prev_mismatch(case_id, seq, entry_id):
    """A wrong previous hash; the first entry chains on the genesis, not on an entry #0."""
    before = "the chain's start" if seq == 1 else f"entry #{seq - 1}"
    return f"case {case_id} entry #{seq} (id {entry_id}): previous hash does not match {before}"


def someone(name):
    return lambda users, scenario: users[name]


# Every column covered by the content hash (all but seq and case_id, which the chain's
# order and ownership catch first: see the tests below) and the value it is changed to.
# The scenario's two entries are by the penanggungjawab and the kontributor under the SK,
# with no Plh, a note each and no revision hash: each new value differs from both.
HASHED_COLUMNS = [
    ("step", 5),
    ("attempt", 2),
    ("action", "approve"),
    ("actor_id", someone("redaktur")),
    ("role", "redaktur"),
    ("decree_id", None),
    ("delegation_id", lambda users, scenario: scenario["delegation_id"]),
    ("on_behalf_of_id", someone("koordinator")),
    ("note", "diubah diam-diam"),
    ("revision_hash", "f" * 64),
    ("data", '{"to": 3}'),
    ("occurred_at", datetime(2026, 1, 2, 3, 4, 5)),
    ("recorded_at", datetime(2026, 1, 2, 3, 4, 5)),
    ("entry_hash", "e" * 64),
]


def test_the_tamper_list_covers_every_hashed_key():
    hashed = set(TrailEntry(**FIRST, prev_hash=GENESIS).content())
    assert {c for c, _ in HASHED_COLUMNS} == (hashed - {"seq", "case_id"}) | {"entry_hash"}


@pytest.mark.parametrize("seq", [1, 2])
@pytest.mark.parametrize("column,value", HASHED_COLUMNS, ids=[c for c, _ in HASHED_COLUMNS])
def test_changing_a_hashed_column_names_that_entry_as_altered(
    app, scenario, runner, column, value, seq
):
    case_id = scenario["case_id"]
    assert verify(app) == (1, [])
    if callable(value):
        value = value(user_ids(app), scenario)
    target = entry_ids(app, case_id)[seq]
    with app.app_context():
        assert getattr(db.session.get(TrailEntry, target), column) != value
    tamper(app, update(TrailEntry).where(TrailEntry.id == target).values({column: value}))
    with app.app_context():
        assert getattr(db.session.get(TrailEntry, target), column) == value
    message = altered(case_id, seq, target)
    assert verify(app) == (1, [message])
    assert cli_verify(runner) == broken(message, of=1)


@pytest.mark.parametrize("seq,new_prev", [(1, "a" * 64), (2, GENESIS)])
def test_changing_prev_hash_names_that_entry(app, scenario, runner, seq, new_prev):
    case_id = scenario["case_id"]
    ids = entry_ids(app, case_id)
    tamper(app, update(TrailEntry).where(TrailEntry.id == ids[seq]).values(prev_hash=new_prev))
    message = prev_mismatch(case_id, seq, ids[seq])
    assert verify(app) == (1, [message])
    assert cli_verify(runner) == broken(message, of=1)


def test_a_renumbered_entry_is_a_sequence_gap(app, scenario, runner):
    case_id = scenario["case_id"]
    ids = entry_ids(app, case_id)
    tamper(app, update(TrailEntry).where(TrailEntry.id == ids[2]).values(seq=3))
    message = f"case {case_id} entry #3 (id {ids[2]}): sequence gap, expected #2"
    assert verify(app) == (1, [message])
    assert cli_verify(runner) == broken(message, of=1)


@pytest.mark.parametrize(
    "values,message",
    [
        ({"trail_head": "c" * 64}, "chain head does not match the case record"),
        ({"trail_seq": 3}, "trail ends at #2, case expects #3 (entries missing)"),
        ({"trail_seq": 1}, "trail ends at #2, case expects #1 (entries missing)"),
    ],
)
def test_the_case_record_anchors_the_chain(app, scenario, runner, values, message):
    case_id = scenario["case_id"]
    tamper(app, update(Case).where(Case.id == case_id).values(values))
    assert verify(app) == (1, [f"case {case_id}: {message}"])
    assert cli_verify(runner) == broken(f"case {case_id}: {message}", of=1)


def test_a_whole_trail_moved_to_another_case_is_altered(app, runner):
    """Two cases with identical histories swap their trails and chain heads.

    Every sequence number, previous hash and replayed step still fits; only case_id
    in the hashed content tells the entries were written for the other case.
    """
    a = build_scenario(app)["case_id"]
    b = build_scenario(app)["case_id"]
    assert verify(app) == (2, [])
    a_ids, b_ids = entry_ids(app, a), entry_ids(app, b)
    with app.app_context():
        heads = dict(db.session.execute(db.select(Case.id, Case.trail_head)).all())
        # through seq + 100, so the unique (case_id, seq) pair holds row by row
        db.session.execute(
            update(TrailEntry).where(TrailEntry.case_id == a).values(seq=TrailEntry.seq + 100)
        )
        db.session.execute(update(TrailEntry).where(TrailEntry.case_id == b).values(case_id=a))
        db.session.execute(
            update(TrailEntry)
            .where(TrailEntry.seq > 100)
            .values(case_id=b, seq=TrailEntry.seq - 100)
        )
        db.session.execute(update(Case).where(Case.id == a).values(trail_head=heads[b]))
        db.session.execute(update(Case).where(Case.id == b).values(trail_head=heads[a]))
        db.session.commit()
    assert entry_ids(app, a) == b_ids and entry_ids(app, b) == a_ids
    problems = [altered(a, 1, b_ids[1]), altered(b, 1, a_ids[1])]
    assert verify(app) == (2, problems)
    assert cli_verify(runner) == broken(*problems, of=2)


@pytest.fixture
def four_entries(app, scenario):
    """The scenario's case with two comments after its two entries; ``(case id, {seq: id})``."""
    case_id = scenario["case_id"]
    with app.test_request_context(method="POST"):
        case = db.session.get(Case, case_id)
        redaktur = db.session.execute(
            db.select(User).where(User.username == "redaktur")
        ).scalar_one()
        case_service.comment(case, redaktur, "Catatan pertama.")
        case_service.comment(case, redaktur, "Catatan kedua.")
        assert case.trail_seq == 4
    ids = entry_ids(app, case_id)
    assert sorted(ids) == [1, 2, 3, 4]
    assert verify(app) == (1, [])
    return case_id, ids


@pytest.mark.parametrize("seq", [1, 2, 3])
def test_a_deleted_entry_is_named(app, four_entries, runner, seq):
    case_id, ids = four_entries
    tamper(app, delete(TrailEntry).where(TrailEntry.id == ids[seq]))
    # the entry now where the deleted one was is named, with the number it lacks
    message = f"case {case_id} entry #{seq + 1} (id {ids[seq + 1]}): sequence gap, expected #{seq}"
    assert verify(app) == (1, [message])
    assert cli_verify(runner) == broken(message, of=1)


def test_a_deleted_last_entry_is_missing(app, four_entries, runner):
    case_id, ids = four_entries
    tamper(app, delete(TrailEntry).where(TrailEntry.id == ids[4]))
    message = f"case {case_id}: trail ends at #3, case expects #4 (entries missing)"
    assert verify(app) == (1, [message])
    assert cli_verify(runner) == broken(message, of=1)


@pytest.mark.parametrize("seq_a,seq_b", [(1, 2), (2, 3), (3, 4), (1, 4)])
def test_two_swapped_entries_are_named(app, four_entries, runner, seq_a, seq_b):
    case_id, ids = four_entries
    with app.app_context():
        db.session.execute(update(TrailEntry).where(TrailEntry.id == ids[seq_a]).values(seq=-1))
        db.session.execute(update(TrailEntry).where(TrailEntry.id == ids[seq_b]).values(seq=seq_a))
        db.session.execute(update(TrailEntry).where(TrailEntry.id == ids[seq_a]).values(seq=seq_b))
        db.session.commit()
    # the later entry, now first of the two, does not chain on the one before it
    message = prev_mismatch(case_id, seq_a, ids[seq_b])
    assert verify(app) == (1, [message])
    assert cli_verify(runner) == broken(message, of=1)


# --- every case at once ------------------------------------------------------------------


@pytest.fixture
def three_cases(app):
    """Three cases from the same scenario, two entries each: ``[(case id, {seq: id})]``."""
    cases = [build_scenario(app)["case_id"] for _ in range(3)]
    trails = [(c, entry_ids(app, c)) for c in cases]
    assert [sorted(ids) for _, ids in trails] == [[1, 2], [1, 2], [1, 2]]
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(TrailEntry.id))).scalar_one() == 6
    return trails


def test_verify_all_checks_every_case(app, three_cases, runner):
    assert verify(app) == (3, [])
    assert cli_verify(runner) == (0, "3 case trails verify.\n", "")


def test_verify_all_with_no_cases(app, runner):
    assert verify(app) == (0, [])
    assert cli_verify(runner) == (0, "0 case trails verify.\n", "")


@pytest.mark.parametrize("which,seq", [(0, 1), (1, 2), (2, 1)])
def test_a_tamper_in_one_case_names_only_that_case(app, three_cases, runner, which, seq):
    case_id, ids = three_cases[which]
    redaktur = user_ids(app)["redaktur"]
    tamper(app, update(TrailEntry).where(TrailEntry.id == ids[seq]).values(actor_id=redaktur))
    message = altered(case_id, seq, ids[seq])
    assert verify(app) == (3, [message])
    assert cli_verify(runner) == broken(message, of=3)


def test_tampers_in_two_cases_are_each_named_in_case_order(app, three_cases, runner):
    (first, first_ids), _, (third, third_ids) = three_cases
    tamper(app, update(TrailEntry).where(TrailEntry.id == third_ids[2]).values(note="x"))
    tamper(app, update(TrailEntry).where(TrailEntry.id == first_ids[2]).values(role="admin"))
    problems = [altered(first, 2, first_ids[2]), altered(third, 2, third_ids[2])]
    assert verify(app) == (3, problems)
    assert cli_verify(runner) == broken(*problems, of=3)


# --- approvals must point at content the case still has -----------------------------------


@pytest.fixture
def approved_concept(app, scenario):
    """The redaktur writes a concept and completes step 3; the koordinator approves it."""
    with app.test_request_context(method="POST"):
        users = {u.username: u for u in db.session.execute(db.select(User)).scalars()}
        case = db.session.get(Case, scenario["case_id"])
        concept = case_service.save_concept(
            case,
            users["redaktur"],
            {"angle": "Sudut berita", "outline": "Kerangka", "sources": "KPU"},
            0,
        )
        case_service.decide(case, users["redaktur"], "complete")
        case_service.decide(case, users["koordinator"], "approve")
        approval = case.trail[-1]
        assert (approval.seq, approval.action, approval.step, approval.revision_hash) == (
            4,
            "approve",
            4,
            concept.content_hash,
        )
        assert (case.step, case.attempt) == (5, 1)
    assert verify(app) == (1, [])
    return scenario["case_id"]


def test_an_approval_of_deleted_content_is_named(app, approved_concept, runner):
    tamper(app, delete(Concept))
    message = f"case {approved_concept} entry #4: approval of content the case no longer has"
    assert verify(app) == (1, [message])
    assert cli_verify(runner) == broken(message, of=1)


def test_altered_concept_still_matching_its_approval_is_named_once(app, approved_concept, runner):
    tamper(app, update(Concept).values(angle="Sudut lain"))
    message = f"case {approved_concept}: concept 1 altered after it was saved"
    assert verify(app) == (1, [message])
    assert cli_verify(runner) == broken(message, of=1)


def test_a_rehashed_concept_is_altered_and_its_approval_dangles(app, approved_concept, runner):
    tamper(app, update(Concept).values(content_hash="a" * 64))
    problems = [
        f"case {approved_concept}: concept 1 altered after it was saved",
        f"case {approved_concept} entry #4: approval of content the case no longer has",
    ]
    assert verify(app) == (1, problems)
    # two problems, one broken case
    assert cli_verify(runner) == broken(*problems, of=1, cases=1)


def test_broken_cases_are_counted_not_their_problems(app, approved_concept, runner):
    """One case with two problems and another with one: two of three cases are broken."""
    other = build_scenario(app)["case_id"]
    build_scenario(app)
    tamper(app, update(Concept).values(content_hash="a" * 64))
    other_ids = entry_ids(app, other)
    tamper(app, update(TrailEntry).where(TrailEntry.id == other_ids[1]).values(note="x"))
    problems = [
        f"case {approved_concept}: concept 1 altered after it was saved",
        f"case {approved_concept} entry #4: approval of content the case no longer has",
        altered(other, 1, other_ids[1]),
    ]
    assert verify(app) == (3, problems)
    assert cli_verify(runner) == broken(*problems, of=3, cases=2)


def test_an_approval_without_a_hash_is_not_checked_against_content(app, approved_concept):
    """An approval that reviewed nothing (no hash) needs no content behind it."""
    with app.app_context():
        approval = db.session.execute(
            db.select(TrailEntry).where(TrailEntry.action == "approve")
        ).scalar_one()
        approval.revision_hash = None
        approval.entry_hash = approval.compute_hash()
        # nothing follows the approval, so only the case's chain head moves
        db.session.execute(update(Case).values(trail_head=approval.entry_hash))
        db.session.execute(delete(Concept))
        db.session.commit()
    assert verify(app) == (1, [])


# --- after publication: corrections and their approvals point at revisions the case has ---


@pytest.fixture
def written(app, approved_concept):
    """The approved case with its article written (a revision): ``(case id, revision, concept)``.

    The entries after publication are appended through ``trail.append`` as the publishing
    service writes them, so only the hash each one carries is under test.
    """
    from tests.fixtures.scenarios import ARTICLE_DATA

    with app.test_request_context(method="POST"):
        penulis = db.session.execute(db.select(User).where(User.username == "penulis")).scalar_one()
        case = db.session.get(Case, approved_concept)
        revision = case_service.save_article(case, penulis, dict(ARTICLE_DATA), 0)
        concept = db.session.execute(db.select(Concept)).scalar_one()
        hashes = revision.content_hash, concept.content_hash
    assert verify(app) == (1, [])
    return approved_concept, *hashes


def after_publication(app, case_id, *entries):
    """Append ``(action, revision hash)`` entries by the redaktur; their sequence numbers."""
    with app.app_context():
        case = db.session.get(Case, case_id)
        redaktur = db.session.execute(
            db.select(User).where(User.username == "redaktur")
        ).scalar_one()
        seqs = [
            trail.append(
                case,
                step=case.step,
                action=action,
                actor=redaktur,
                role="redaktur",
                revision_hash=revision_hash,
            ).seq
            for action, revision_hash in entries
        ]
        db.session.commit()
        return seqs


def test_a_correction_and_its_approval_of_a_revision_the_case_has_verify(app, written):
    case_id, revision, _ = written
    after_publication(app, case_id, ("correct", revision), ("approve_correction", revision))
    assert verify(app) == (1, [])


@pytest.mark.parametrize(
    "action,message",
    [
        ("approve_correction", "approval of content the case no longer has"),
        ("correct", "correction revision the case no longer has"),
    ],
)
def test_a_correction_or_its_approval_of_unknown_content_is_named(
    app, written, runner, action, message
):
    case_id, revision, _ = written
    (seq,) = after_publication(app, case_id, (action, "a" * 64))
    problem = f"case {case_id} entry #{seq}: {message}"
    assert verify(app) == (1, [problem])
    assert cli_verify(runner) == broken(problem, of=1)


@pytest.mark.parametrize(
    "action,message",
    [
        ("approve_correction", "approval of content the case no longer has"),
        ("correct", "correction revision the case no longer has"),
    ],
)
def test_a_correction_or_its_approval_points_at_a_revision_not_a_concept(
    app, written, action, message
):
    """What is corrected after publication is the article: a concept's hash is no revision."""
    case_id, _, concept = written
    (seq,) = after_publication(app, case_id, (action, concept))
    assert verify(app) == (1, [f"case {case_id} entry #{seq}: {message}"])
