"""The state machine and the SOP loader pinned exactly: every value, every message.

Pure: no app, no database. tests/intranet/test_workflow.py checks the shape of the rules; this file
pins the exact Transition, Option and refusal message each rule produces, so a changed
comparison or a swapped field fails a test.
"""

import hashlib
import re
import tomllib
from datetime import date
from datetime import datetime

import pytest

from intranet import sop
from intranet.sop import Definition
from intranet.sop import DefinitionError
from intranet.sop import Step
from intranet.workflow import OPEN
from intranet.workflow import PUBLISHED
from intranet.workflow import Action
from intranet.workflow import Actor
from intranet.workflow import Approval
from intranet.workflow import CaseState
from intranet.workflow import Option
from intranet.workflow import Transition
from intranet.workflow import WorkflowError
from intranet.workflow import _acting_role
from intranet.workflow import allowed_actions
from intranet.workflow import check_edit
from intranet.workflow import editable
from intranet.workflow import is_overdue
from intranet.workflow import missing_kelengkapan
from intranet.workflow import next_state
from intranet.workflow import working_days_between

D = sop.get("sop-3-2022", 1)
ROLES = sop.ROLE_NAMES
ALL_FACTS = {c: True for c in sop.CHECKS}
REV = "a" * 64
OLD = "b" * 64
P = "penanggungjawab"
R = "redaktur"
K = "koordinator"
UID = {role: 100 + i for i, role in enumerate(ROLES)}

FINISHED = "Naskah ini sudah selesai; tidak ada langkah yang terbuka."
NO_REASON = "Alasan pengembalian wajib diisi."
OWN_REVISION = "Anda tidak boleh menyetujui revisi yang Anda tulis sendiri."
TWICE = (
    "Anda sudah memberi persetujuan pada langkah ini; persetujuan berikutnya harus dari orang lain."
)


def case(step, **kw):
    kw.setdefault("facts", ALL_FACTS)
    kw.setdefault("revision_hash", REV)
    return CaseState(definition=D, step=step, **kw)


def actor(*roles, uid=None):
    return Actor(user_id=uid if uid is not None else UID[roles[0]], roles=frozenset(roles))


def refused(message, error=WorkflowError):
    """pytest.raises for exactly this message, nothing more and nothing less."""
    return pytest.raises(error, match=r"\A" + re.escape(message) + r"\Z")


def not_available(step):
    return f"Tindakan ini tidak tersedia pada langkah {step}."


def only_by(step, roles):
    return f"Langkah {step} hanya dapat dikerjakan oleh: {roles}."


def handed_over(step):
    return (
        f"Langkah {step} diserahkan kepada orang lain; hanya dia (atau pelaksana "
        "hariannya) yang dapat mengerjakannya."
    )


def already_given(role):
    return f"Persetujuan sebagai {role} sudah diberikan."


# --- the default definition, field by field ------------------------------------------------

DEFAULT_STEPS = {
    # number: (roles, kind, kelengkapan, output, standard_days, returns_to, all_roles,
    #          edits, reviews)
    1: ((P,), "task", ("sk_tim_valid", "assignee"), "Penugasan", 1, (), False, (), None),
    2: (
        ("kontributor",),
        "task",
        ("source_material", "category"),
        "Bahan informasi diserahkan",
        1,
        (),
        False,
        (),
        None,
    ),
    3: ((R,), "task", ("concept",), "Konsep artikel", 1, (), False, ("concept",), None),
    4: ((K,), "review", (), "Konsep disetujui", 1, (1, 2, 3), False, (), "concept"),
    5: (
        ("penulis",),
        "task",
        ("article_text",),
        "Draf berita",
        1,
        (),
        False,
        ("article", "photos"),
        None,
    ),
    6: (("penulis",), "task", ("photos",), "Foto dokumentasi", 1, (), False, ("photos",), None),
    7: (("editor",), "task", ("preview",), "Preview unpublish", 1, (), False, ("preview",), None),
    8: (
        (K,),
        "review",
        (),
        "Preview terkoreksi",
        1,
        (1, 2, 3, 4, 5, 6, 7),
        False,
        ("article",),
        "article",
    ),
    9: (
        (P, R),
        "review",
        (),
        "Persetujuan terbit",
        1,
        (1, 2, 3, 4, 5, 6, 7, 8),
        True,
        (),
        "article",
    ),
    10: ((R,), "publish", ("published_url",), "Berita terbit dan arsip", 1, (), False, (), None),
}


def test_default_definition_header_is_exact():
    text = (sop.FOLDER / "sop-3-2022.toml").read_text(encoding="utf-8")
    assert (D.code, D.version, D.title, D.number, D.date, D.signed_by) == (
        "sop-3-2022",
        1,
        "SOP Pengelolaan Website",
        "3 Tahun 2022",
        date(2022, 3, 2),
        "Ketua Komisi Pemilihan Umum Kabupaten Cilacap",
    )
    assert D.sha256 == hashlib.sha256(text.encode()).hexdigest()
    assert [s.number for s in D.steps] == list(range(1, 11))
    assert D.first is D.steps[0] and D.first.number == 1
    assert D.last is D.steps[-1] and D.last.number == 10


@pytest.mark.parametrize("number", range(1, 11))
def test_default_steps_are_exact(number):
    s = D.step(number)
    assert s.number == number
    assert (
        s.roles,
        s.kind,
        s.kelengkapan,
        s.output,
        s.standard_days,
        s.returns_to,
        s.all_roles,
        s.edits,
        s.reviews,
    ) == DEFAULT_STEPS[number]


@pytest.mark.parametrize(
    "role,steps",
    [(P, [1, 9]), ("kontributor", [2]), (R, [3, 9, 10]), (K, [4, 8]), ("penulis", [5, 6])]
    + [("editor", [7]), ("arsiparis", []), ("admin", [])],
)
def test_roles_of(role, steps):
    assert D.roles_of(role) == steps


@pytest.mark.parametrize("number", [0, 11, -1])
def test_a_step_that_does_not_exist(number):
    with refused(f"sop-3-2022 v1 has no step {number}", DefinitionError):
        D.step(number)


def test_unknown_definitions_are_refused():
    with refused("no SOP definition sop-3-2022 v99", DefinitionError):
        sop.get("sop-3-2022", 99)
    with refused("no SOP definition sop-tidak-ada v1", DefinitionError):
        sop.get("sop-tidak-ada", 1)
    with refused("no SOP definition sop-tidak-ada", DefinitionError):
        sop.current("sop-tidak-ada")


def test_a_version_defined_twice_is_refused(tmp_path, monkeypatch):
    text = (sop.FOLDER / "sop-3-2022.toml").read_text(encoding="utf-8")
    (tmp_path / "a.toml").write_text(text, encoding="utf-8")
    (tmp_path / "b.toml").write_text(text, encoding="utf-8")
    monkeypatch.setattr(sop, "FOLDER", tmp_path)
    sop.definitions.cache_clear()
    try:
        with refused("b.toml: sop-3-2022 v1 is defined twice", DefinitionError):
            sop.definitions()
    finally:
        sop.definitions.cache_clear()


# --- every (step, action kind): the whole Transition ---------------------------------------

MAIN_ACTOR = {
    1: P,
    2: "kontributor",
    3: R,
    4: K,
    5: "penulis",
    6: "penulis",
    7: "editor",
    8: K,
    9: P,
    10: R,
}

TRANSITIONS = [
    # (step, kind, expected Transition or refusal message); the actor holds MAIN_ACTOR[step]
    (1, "complete", Transition("complete", 1, P, 2, OPEN, True, None)),
    (1, "approve", not_available(1)),
    (1, "return", not_available(1)),
    (1, "publish", not_available(1)),
    (2, "complete", Transition("complete", 2, "kontributor", 3, OPEN, True, None)),
    (2, "approve", not_available(2)),
    (2, "return", not_available(2)),
    (2, "publish", not_available(2)),
    (3, "complete", Transition("complete", 3, R, 4, OPEN, True, None)),
    (3, "approve", not_available(3)),
    (3, "return", not_available(3)),
    (3, "publish", not_available(3)),
    (4, "complete", not_available(4)),
    (4, "approve", Transition("approve", 4, K, 5, OPEN, True, None)),
    (4, "return", Transition("return", 4, K, 1, OPEN, False, 1)),
    (4, "publish", not_available(4)),
    (5, "complete", Transition("complete", 5, "penulis", 6, OPEN, True, None)),
    (5, "approve", not_available(5)),
    (5, "return", not_available(5)),
    (5, "publish", not_available(5)),
    (6, "complete", Transition("complete", 6, "penulis", 7, OPEN, True, None)),
    (6, "approve", not_available(6)),
    (6, "return", not_available(6)),
    (6, "publish", not_available(6)),
    (7, "complete", Transition("complete", 7, "editor", 8, OPEN, True, None)),
    (7, "approve", not_available(7)),
    (7, "return", not_available(7)),
    (7, "publish", not_available(7)),
    (8, "complete", not_available(8)),
    (8, "approve", Transition("approve", 8, K, 9, OPEN, True, None)),
    (8, "return", Transition("return", 8, K, 1, OPEN, False, 1)),
    (8, "publish", not_available(8)),
    (9, "complete", not_available(9)),
    # the first of the two step-9 approvals keeps the case at step 9
    (9, "approve", Transition("approve", 9, P, 9, OPEN, False, None)),
    (9, "return", Transition("return", 9, P, 1, OPEN, False, 1)),
    (9, "publish", not_available(9)),
    (10, "complete", not_available(10)),
    (10, "approve", not_available(10)),
    (10, "return", not_available(10)),
    (10, "publish", Transition("publish", 10, R, 10, PUBLISHED, True, None)),
]


@pytest.mark.parametrize("step,kind,expected", TRANSITIONS)
def test_every_step_and_action_kind(step, kind, expected):
    action = Action(kind, to_step=1, reason="perlu diperbaiki")
    who = actor(MAIN_ACTOR[step])
    if isinstance(expected, Transition):
        assert next_state(case(step), action, who) == expected
    else:
        with refused(expected):
            next_state(case(step), action, who)


def test_the_table_covers_every_step_and_kind():
    assert {(s, k) for s, k, _ in TRANSITIONS} == {
        (s, k) for s in range(1, 11) for k in ("complete", "approve", "return", "publish")
    }


@pytest.mark.parametrize("step,to_step", [(s, t) for s in (4, 8, 9) for t in DEFAULT_STEPS[s][5]])
def test_every_allowed_return(step, to_step):
    t = next_state(
        case(step), Action("return", to_step=to_step, reason="  kurang  "), actor(MAIN_ACTOR[step])
    )
    assert t == Transition("return", step, MAIN_ACTOR[step], to_step, OPEN, False, to_step)


def test_the_final_step_of_step_nine_advances():
    after_p = case(9, approvals=(Approval(8, P, REV),))
    assert next_state(after_p, Action("approve"), actor(R, uid=9)) == Transition(
        "approve", 9, R, 10, OPEN, True, None
    )


# --- what allowed_actions offers, per step and role -----------------------------------------


OPTIONS = {
    1: {P: [Option("complete", P, ())]},
    2: {"kontributor": [Option("complete", "kontributor", ())]},
    3: {R: [Option("complete", R, ())]},
    4: {K: [Option("approve", K, ()), Option("return", K, (1, 2, 3))]},
    5: {"penulis": [Option("complete", "penulis", ())]},
    6: {"penulis": [Option("complete", "penulis", ())]},
    7: {"editor": [Option("complete", "editor", ())]},
    8: {K: [Option("approve", K, ()), Option("return", K, (1, 2, 3, 4, 5, 6, 7))]},
    9: {
        P: [Option("approve", P, ()), Option("return", P, (1, 2, 3, 4, 5, 6, 7, 8))],
        R: [Option("approve", R, ()), Option("return", R, (1, 2, 3, 4, 5, 6, 7, 8))],
    },
    10: {R: [Option("publish", R, ())]},
}


@pytest.mark.parametrize("step", range(1, 11))
@pytest.mark.parametrize("role", ROLES)
def test_options_per_step_and_role(step, role):
    assert allowed_actions(case(step), actor(role)) == OPTIONS[step].get(role, [])


@pytest.mark.parametrize("step", range(1, 11))
def test_options_of_someone_holding_every_role(step):
    everything = Actor(user_id=1, roles=frozenset(ROLES))
    first_role = DEFAULT_STEPS[step][0][0]
    assert allowed_actions(case(step), everything) == OPTIONS[step][first_role]


@pytest.mark.parametrize("step", range(1, 11))
def test_options_without_kelengkapan(step):
    bare = case(step, facts={})
    expected = [] if DEFAULT_STEPS[step][2] else OPTIONS[step][MAIN_ACTOR[step]]
    assert allowed_actions(bare, actor(MAIN_ACTOR[step])) == expected


@pytest.mark.parametrize("step", range(1, 11))
def test_no_options_once_published(step):
    assert allowed_actions(case(step, status=PUBLISHED), actor(MAIN_ACTOR[step])) == []


# --- step 9: which role a person is acting in ----------------------------------------------

BOTH = (P, R)
RET9 = (1, 2, 3, 4, 5, 6, 7, 8)
P_BY_8 = Approval(8, P, REV)
R_BY_9 = Approval(9, R, REV)

STEP_NINE = [
    # (roles held, approvals, acting role, approve → Transition or refusal, options)
    # someone holding both roles (user 3)
    (BOTH, (), P, Transition("approve", 9, P, 9, OPEN, False), [("approve", P), ("return", P)]),
    (
        BOTH,
        (P_BY_8,),
        R,
        Transition("approve", 9, R, 10, OPEN, True),
        [("approve", R), ("return", R)],
    ),
    (
        BOTH,
        (R_BY_9,),
        P,
        Transition("approve", 9, P, 10, OPEN, True),
        [("approve", P), ("return", P)],
    ),
    (BOTH, (P_BY_8, R_BY_9), P, already_given(P), [("return", P)]),
    (BOTH, (R_BY_9, P_BY_8), P, already_given(P), [("return", P)]),
    (BOTH, (Approval(3, P, REV),), R, TWICE, [("return", R)]),
    (BOTH, (Approval(3, R, REV),), P, TWICE, [("return", P)]),
    # approvals of an older revision do not count
    (
        BOTH,
        (Approval(8, P, OLD),),
        P,
        Transition("approve", 9, P, 9, OPEN, False),
        [("approve", P), ("return", P)],
    ),
    (
        BOTH,
        (Approval(9, R, OLD),),
        P,
        Transition("approve", 9, P, 9, OPEN, False),
        [("approve", P), ("return", P)],
    ),
    (
        BOTH,
        (Approval(8, P, OLD), R_BY_9),
        P,
        Transition("approve", 9, P, 10, OPEN, True),
        [("approve", P), ("return", P)],
    ),
    (
        BOTH,
        (P_BY_8, Approval(9, R, OLD)),
        R,
        Transition("approve", 9, R, 10, OPEN, True),
        [("approve", R), ("return", R)],
    ),
    # only the penanggungjawab role (user 3)
    ((P,), (), P, Transition("approve", 9, P, 9, OPEN, False), [("approve", P), ("return", P)]),
    ((P,), (P_BY_8,), P, already_given(P), [("return", P)]),
    (
        (P,),
        (R_BY_9,),
        P,
        Transition("approve", 9, P, 10, OPEN, True),
        [("approve", P), ("return", P)],
    ),
    ((P,), (P_BY_8, R_BY_9), P, already_given(P), [("return", P)]),
    (
        (P,),
        (Approval(8, P, OLD),),
        P,
        Transition("approve", 9, P, 9, OPEN, False),
        [("approve", P), ("return", P)],
    ),
    # only the redaktur role (user 3)
    ((R,), (), R, Transition("approve", 9, R, 9, OPEN, False), [("approve", R), ("return", R)]),
    (
        (R,),
        (P_BY_8,),
        R,
        Transition("approve", 9, R, 10, OPEN, True),
        [("approve", R), ("return", R)],
    ),
    ((R,), (R_BY_9,), R, already_given(R), [("return", R)]),
    ((R,), (P_BY_8, R_BY_9), R, already_given(R), [("return", R)]),
    (
        (R,),
        (Approval(9, R, OLD),),
        R,
        Transition("approve", 9, R, 9, OPEN, False),
        [("approve", R), ("return", R)],
    ),
]


@pytest.mark.parametrize("roles,approvals,role,approve,options", STEP_NINE)
def test_step_nine_acting_role(roles, approvals, role, approve, options):
    c = case(9, approvals=approvals)
    who = Actor(user_id=3, roles=frozenset(roles))
    assert _acting_role(c, who, None) == role
    assert next_state(c, Action("return", to_step=8, reason="x"), who) == Transition(
        "return", 9, role, 8, OPEN, False, 8
    )
    if isinstance(approve, Transition):
        assert next_state(c, Action("approve"), who) == approve
    else:
        with refused(approve):
            next_state(c, Action("approve"), who)
    assert allowed_actions(c, who) == [
        Option(kind, r, RET9 if kind == "return" else ()) for kind, r in options
    ]


@pytest.mark.parametrize(
    "approvals,wanted,expected",
    [
        ((), P, Transition("approve", 9, P, 9, OPEN, False)),
        ((), R, Transition("approve", 9, R, 9, OPEN, False)),
        ((P_BY_8,), R, Transition("approve", 9, R, 10, OPEN, True)),
        ((P_BY_8,), P, already_given(P)),
        ((R_BY_9,), R, already_given(R)),
        ((R_BY_9,), P, Transition("approve", 9, P, 10, OPEN, True)),
        ((), K, "Anda tidak memegang peran koordinator untuk langkah ini."),
        ((), "admin", "Anda tidak memegang peran admin untuk langkah ini."),
    ],
)
def test_step_nine_a_named_role(approvals, wanted, expected):
    c = case(9, approvals=approvals)
    who = Actor(user_id=3, roles=frozenset({P, R, K, "admin"}))
    if isinstance(expected, Transition):
        assert _acting_role(c, who, wanted) == wanted
        assert next_state(c, Action("approve", role=wanted), who) == expected
    else:
        with refused(expected):
            next_state(c, Action("approve", role=wanted), who)


def test_a_named_role_not_held():
    with refused("Anda tidak memegang peran redaktur untuk langkah ini."):
        next_state(case(9), Action("approve", role=R), actor(P, uid=3))
    with refused("Anda tidak memegang peran penanggungjawab untuk langkah ini."):
        next_state(case(9), Action("return", to_step=1, reason="x", role=P), actor(R, uid=3))


def test_a_named_role_at_a_single_role_step():
    assert next_state(case(3), Action("complete", role=R), actor(R, P)) == Transition(
        "complete", 3, R, 4, OPEN, True, None
    )
    assert _acting_role(case(3), actor(P, R), None) == R


# --- refusals, each with its message -------------------------------------------------------


@pytest.mark.parametrize("step", [4, 8, 9])
@pytest.mark.parametrize(
    "action",
    [
        Action("return", to_step=1),
        Action("return", to_step=1, reason=""),
        Action("return", to_step=1, reason="   \n\t"),
        Action("return", to_step=1, reason=None),
        # no reason is refused before the target step is looked at
        Action("return", to_step=99, reason=""),
        Action("return"),
    ],
)
def test_a_return_needs_a_reason(step, action):
    assert Action("return", to_step=1).reason == ""
    with refused(NO_REASON):
        next_state(case(step), action, actor(MAIN_ACTOR[step]))


@pytest.mark.parametrize(
    "step,to_step,allowed",
    [
        (4, 4, "1, 2, 3"),
        (4, 5, "1, 2, 3"),
        (4, 0, "1, 2, 3"),
        (4, None, "1, 2, 3"),
        (8, 8, "1, 2, 3, 4, 5, 6, 7"),
        (8, 9, "1, 2, 3, 4, 5, 6, 7"),
        (9, 9, "1, 2, 3, 4, 5, 6, 7, 8"),
        (9, 10, "1, 2, 3, 4, 5, 6, 7, 8"),
    ],
)
def test_a_return_to_a_step_not_allowed(step, to_step, allowed):
    message = f"Langkah {step} hanya dapat dikembalikan ke langkah {allowed}."
    with refused(message):
        next_state(
            case(step), Action("return", to_step=to_step, reason="x"), actor(MAIN_ACTOR[step])
        )


# Version 1 of the SOP states no rules after publication (version 2 does; see
# tests/intranet/test_after_publication.py): every known action on a published v1 case is refused.
PUBLISHED_V1 = [
    ("complete", FINISHED),
    ("approve", FINISHED),
    ("return", FINISHED),
    ("publish", FINISHED),
    ("correct", FINISHED),
    ("approve_correction", FINISHED),
    ("withdraw", FINISHED),
    ("social_post", FINISHED),
    ("hapus", "Tindakan tidak dikenal."),
]


@pytest.mark.parametrize("step", range(1, 11))
@pytest.mark.parametrize("kind,message", PUBLISHED_V1)
def test_nothing_happens_to_a_published_v1_case(step, kind, message):
    assert D.after == ()
    everyone = Actor(1, frozenset(ROLES))
    with refused(message):
        next_state(case(step, status=PUBLISHED), Action(kind, to_step=1, reason="x"), everyone)
    assert allowed_actions(case(step, status=PUBLISHED), everyone) == []


@pytest.mark.parametrize("step", [1, 9, 10])
@pytest.mark.parametrize("kind", ["complete", "approve", "return", "publish", "hapus"])
def test_nothing_happens_to_a_case_in_another_status(step, kind):
    # a status that is neither open nor published is refused before the action is looked at
    with refused(FINISHED):
        next_state(
            case(step, status="closed"),
            Action(kind, to_step=1, reason="x"),
            actor(MAIN_ACTOR[step]),
        )
    assert allowed_actions(case(step, status="closed"), actor(MAIN_ACTOR[step])) == []
    assert editable(case(step, status="closed"), actor(MAIN_ACTOR[step])) == set()


@pytest.mark.parametrize("step", [1, 4, 9, 10])
@pytest.mark.parametrize("kind", ["hapus", "", "Approve", "selesai"])
def test_an_unknown_action(step, kind):
    with refused("Tindakan tidak dikenal."):
        next_state(case(step), Action(kind), actor(MAIN_ACTOR[step]))


ROLES_MESSAGE = {
    1: P,
    2: "kontributor",
    3: R,
    4: K,
    5: "penulis",
    6: "penulis",
    7: "editor",
    8: K,
    9: "penanggungjawab, redaktur",
    10: R,
}


@pytest.mark.parametrize(
    "step,role",
    [(s, r) for s in range(1, 11) for r in ROLES if r not in DEFAULT_STEPS[s][0]],
)
def test_the_wrong_role_is_refused_by_name(step, role):
    kind = OPTIONS[step][MAIN_ACTOR[step]][0].kind
    with refused(only_by(step, ROLES_MESSAGE[step])):
        next_state(case(step), Action(kind, to_step=1, reason="x"), actor(role))
    with refused(only_by(step, ROLES_MESSAGE[step])):
        next_state(case(step), Action(kind, to_step=1, reason="x"), Actor(5, frozenset()))


KELENGKAPAN = {
    1: "Kelengkapan langkah 1 belum terpenuhi: SK Tim yang berlaku; penerima tugas.",
    2: (
        "Kelengkapan langkah 2 belum terpenuhi: minimal satu bahan informasi terdaftar "
        "beserta berkasnya; kategori."
    ),
    3: "Kelengkapan langkah 3 belum terpenuhi: konsep artikel.",
    5: "Kelengkapan langkah 5 belum terpenuhi: judul, ringkasan dan isi berita.",
    6: "Kelengkapan langkah 6 belum terpenuhi: minimal satu foto dengan keterangan dan kredit.",
    7: "Kelengkapan langkah 7 belum terpenuhi: preview dari revisi terakhir.",
    10: "Kelengkapan langkah 10 belum terpenuhi: alamat berita terbit.",
}


@pytest.mark.parametrize("step", [1, 2, 3, 5, 6, 7, 10])
def test_missing_kelengkapan_is_named(step):
    kind = DEFAULT_STEPS[step][1]
    action = Action("publish" if kind == "publish" else "complete")
    with refused(KELENGKAPAN[step]):
        next_state(case(step, facts={}), action, actor(MAIN_ACTOR[step]))
    assert missing_kelengkapan(case(step, facts={})) == [
        (c, sop.CHECKS[c]) for c in DEFAULT_STEPS[step][2]
    ]
    assert missing_kelengkapan(case(step)) == []


def test_one_missing_check_of_two():
    facts = {**ALL_FACTS, "category": False}
    with refused("Kelengkapan langkah 2 belum terpenuhi: kategori."):
        next_state(case(2, facts=facts), Action("complete"), actor("kontributor"))
    assert missing_kelengkapan(case(2, facts=facts)) == [("category", "kategori")]


def test_an_error_carries_its_msgid_and_params():
    with pytest.raises(WorkflowError) as e:
        next_state(case(4), Action("complete"), actor(K))
    assert (e.value.msgid, e.value.params) == (
        "Tindakan ini tidak tersedia pada langkah %(step)s.",
        {"step": 4},
    )
    with pytest.raises(WorkflowError) as e:
        next_state(case(4), Action("return", to_step=1), actor(K))
    assert (str(e.value), e.value.msgid, e.value.params) == (NO_REASON, NO_REASON, {})


# --- approvals: revisions, the same person, authors ----------------------------------------


def test_valid_approvals_are_those_of_the_current_revision():
    a, b, c, d = (
        Approval(8, P, REV),
        Approval(9, R, OLD),
        Approval(10, R, None),
        Approval(11, K, REV),
    )
    assert case(9, approvals=(a, b, c, d)).valid_approvals() == [a, d]
    assert case(9, revision_hash=OLD, approvals=(a, b, c, d)).valid_approvals() == [b]
    assert case(9, approvals=()).valid_approvals() == []


@pytest.mark.parametrize("step", [4, 8])
def test_the_same_person_may_not_approve_twice(step):
    mine = case(step, approvals=(Approval(UID[K], K, REV),))
    with refused(TWICE):
        next_state(mine, Action("approve"), actor(K))
    assert allowed_actions(mine, actor(K)) == [Option("return", K, DEFAULT_STEPS[step][5])]
    # an approval of an older revision does not count
    stale = case(step, approvals=(Approval(UID[K], K, OLD),))
    assert next_state(stale, Action("approve"), actor(K)) == Transition(
        "approve", step, K, step + 1, OPEN, True, None
    )


def test_the_same_person_in_another_role_at_step_nine():
    c = case(9, approvals=(Approval(3, P, REV),))
    with refused(TWICE):
        next_state(c, Action("approve"), actor(R, uid=3))
    with refused(TWICE):
        next_state(c, Action("approve", role=R), actor(P, R, uid=3))


@pytest.mark.parametrize("step", [4, 8, 9])
def test_an_author_may_not_approve_their_revision(step):
    role = MAIN_ACTOR[step]
    mine = case(step, revision_authors=frozenset({5, UID[role]}))
    with refused(OWN_REVISION):
        next_state(mine, Action("approve"), actor(role))
    assert next_state(mine, Action("return", to_step=1, reason="x"), actor(role)) == Transition(
        "return", step, role, 1, OPEN, False, 1
    )
    assert allowed_actions(mine, actor(role)) == [Option("return", role, DEFAULT_STEPS[step][5])]
    # someone else may
    other = actor(role, uid=77)
    assert next_state(mine, Action("approve"), other).action == "approve"


def test_authorship_is_refused_before_a_repeated_approval():
    c = case(4, revision_authors=frozenset({UID[K]}), approvals=(Approval(UID[K], K, REV),))
    with refused(OWN_REVISION):
        next_state(c, Action("approve"), actor(K))


def test_authors_of_a_task_step_may_still_complete_it():
    c = case(5, revision_authors=frozenset({UID["penulis"]}))
    assert next_state(c, Action("complete"), actor("penulis")) == Transition(
        "complete", 5, "penulis", 6, OPEN, True, None
    )


def test_a_second_approval_in_the_same_role():
    c = case(9, approvals=(P_BY_8,))
    with refused(already_given(P)):
        next_state(c, Action("approve"), actor(P, uid=20))
    c = case(9, approvals=(R_BY_9,))
    with refused(already_given(R)):
        next_state(c, Action("approve"), actor(R, uid=20))


# --- owners ---------------------------------------------------------------------------------


@pytest.mark.parametrize("step", range(1, 11))
def test_an_owned_step_refuses_others(step):
    role = MAIN_ACTOR[step]
    owned = case(step, owners={step: frozenset({40, 41})})
    action = Action(OPTIONS[step][role][0].kind, to_step=1, reason="x")
    for uid in (40, 41):
        assert next_state(owned, action, actor(role, uid=uid)).role == role
        assert allowed_actions(owned, actor(role, uid=uid)) == [
            Option(o.kind, o.role, o.to_steps) for o in OPTIONS[step][role]
        ]
    with refused(handed_over(step)):
        next_state(owned, action, actor(role, uid=42))
    assert allowed_actions(owned, actor(role, uid=42)) == []
    # the role check comes first: an owner without the role is told which role it needs
    with refused(only_by(step, ROLES_MESSAGE[step])):
        next_state(owned, action, actor("arsiparis", uid=40))


def test_owners_of_other_steps_do_not_matter():
    c = case(3, owners={4: frozenset({1}), 2: frozenset({1})})
    assert next_state(c, Action("complete"), actor(R, uid=999)).next_step == 4


def test_an_empty_owner_set_restricts_nobody():
    c = case(3, owners={3: frozenset()})
    assert next_state(c, Action("complete"), actor(R, uid=999)).next_step == 4


def test_owner_refusal_comes_before_a_named_role():
    c = case(9, owners={9: frozenset({40})})
    with refused(handed_over(9)):
        next_state(c, Action("approve", role=K), actor(P, uid=41))


def test_owned_steps_and_editing():
    owned = case(5, owners={5: frozenset({40})})
    assert editable(owned, actor("penulis", uid=40)) == {"article", "photos"}
    assert editable(owned, actor("penulis", uid=41)) == set()
    with refused(handed_over(5)):
        check_edit(owned, actor("penulis", uid=41), "article")
    assert check_edit(owned, actor("penulis", uid=40), "article") is None


# --- editing ---------------------------------------------------------------------------------

EDITS = {3: {"concept"}, 5: {"article", "photos"}, 6: {"photos"}, 7: {"preview"}, 8: {"article"}}


@pytest.mark.parametrize("step", range(1, 11))
@pytest.mark.parametrize("what", ["concept", "article", "photos", "preview", "judul"])
def test_check_edit_per_step(step, what):
    role = MAIN_ACTOR[step]
    if what in EDITS.get(step, set()):
        assert check_edit(case(step), actor(role), what) is None
        with refused(only_by(step, ROLES_MESSAGE[step])):
            check_edit(case(step), actor("arsiparis"), what)
    else:
        with refused(f"Pada langkah {step} bagian ini tidak dapat diubah."):
            check_edit(case(step), actor(role), what)
        # the part is refused before the role is looked at
        with refused(f"Pada langkah {step} bagian ini tidak dapat diubah."):
            check_edit(case(step), actor("arsiparis"), what)
    with refused(FINISHED):
        check_edit(case(step, status=PUBLISHED), actor(role), what)


@pytest.mark.parametrize("step", range(1, 11))
def test_editable_per_step(step):
    role = MAIN_ACTOR[step]
    assert editable(case(step), actor(role)) == EDITS.get(step, set())
    assert editable(case(step, facts={}), actor(role)) == EDITS.get(step, set())
    assert editable(case(step), actor("arsiparis")) == set()
    assert editable(case(step), Actor(1, frozenset(ROLES))) == EDITS.get(step, set())
    assert editable(case(step, status=PUBLISHED), actor(role)) == set()


# --- working days ---------------------------------------------------------------------------

# 2026-11-23 is a Monday.
MON, TUE, WED, THU, FRI, SAT, SUN = (date(2026, 11, d) for d in range(23, 30))
NEXT_MON, NEXT_TUE = date(2026, 11, 30), date(2026, 12, 1)


def at(d, hour=9):
    return datetime(d.year, d.month, d.day, hour)


@pytest.mark.parametrize(
    "start,end,days",
    [
        (MON, MON, 0),
        (at(MON, 8), at(MON, 17), 0),
        (at(MON, 17), at(MON, 8), 0),
        (TUE, MON, 0),
        (MON, TUE, 1),
        (at(MON, 17), at(TUE, 8), 1),
        (MON, FRI, 4),
        (FRI, SAT, 0),
        (FRI, SUN, 0),
        (FRI, NEXT_MON, 1),
        (at(FRI, 16), at(NEXT_MON, 8), 1),
        (SAT, SUN, 0),
        (SAT, NEXT_MON, 1),
        (SUN, NEXT_MON, 1),
        (THU, NEXT_TUE, 3),
        (MON, NEXT_MON, 5),
        (MON, NEXT_TUE, 6),
        (at(THU), NEXT_TUE, 3),
        (THU, at(NEXT_TUE, 23), 3),
    ],
)
def test_working_days_between(start, end, days):
    assert working_days_between(start, end) == days


@pytest.mark.parametrize(
    "start,now,standard,overdue",
    [
        (MON, MON, 1, False),
        (at(MON, 8), at(MON, 23), 1, False),
        (MON, TUE, 1, False),  # exactly on the standard
        (MON, WED, 1, True),  # one day past
        (at(MON, 16), at(TUE, 23), 1, False),
        (at(MON, 16), at(WED, 8), 1, True),
        (FRI, NEXT_MON, 1, False),  # over a weekend
        (FRI, NEXT_TUE, 1, True),
        (at(FRI, 17), at(NEXT_MON, 17), 1, False),
        (at(FRI, 17), at(NEXT_TUE, 8), 1, True),
        (THU, NEXT_MON, 2, False),
        (THU, NEXT_TUE, 2, True),
        (SAT, NEXT_MON, 1, False),
        (MON, FRI, 4, False),
        (MON, FRI, 3, True),
    ],
)
def test_is_overdue(start, now, standard, overdue):
    assert is_overdue(start, now, standard) is overdue


# --- the loader: a valid minimal definition -------------------------------------------------

MINIMAL = """\
code = "uji"
version = 2
title = "Uji"
number = "1 Tahun 2024"
date = 2024-01-02
signed_by = "Kepala"

[[steps]]
number = 1
kegiatan = "Menugaskan"
roles = ["penanggungjawab"]
kind = "task"
kelengkapan = ["assignee", "sk_tim_valid"]
output = "Penugasan"
standard_days = 2

[[steps]]
number = 2
kegiatan = "Menulis"
roles = ["penulis"]
kind = "task"
output = "Draf"
standard_days = 1
edits = ["article", "photos"]

[[steps]]
number = 3
kegiatan = "Memeriksa"
roles = ["koordinator", "redaktur"]
kind = "review"
all_roles = true
kelengkapan = []
output = "Disetujui"
standard_days = 3
returns_to = [2, 1, 2]
reviews = "article"

[[steps]]
number = 4
kegiatan = "Menerbitkan"
roles = ["redaktur"]
kind = "publish"
output = "Terbit"
standard_days = 1
"""


def test_a_minimal_definition_parses_exactly():
    d = sop.parse(MINIMAL, source="t.toml")
    assert d == Definition(
        code="uji",
        version=2,
        title="Uji",
        number="1 Tahun 2024",
        date=date(2024, 1, 2),
        signed_by="Kepala",
        steps=(
            Step(
                number=1,
                kegiatan="Menugaskan",
                roles=("penanggungjawab",),
                kind="task",
                kelengkapan=("assignee", "sk_tim_valid"),
                output="Penugasan",
                standard_days=2,
                returns_to=(),
                all_roles=False,
                edits=(),
                reviews=None,
            ),
            Step(
                number=2,
                kegiatan="Menulis",
                roles=("penulis",),
                kind="task",
                kelengkapan=(),
                output="Draf",
                standard_days=1,
                returns_to=(),
                all_roles=False,
                edits=("article", "photos"),
                reviews=None,
            ),
            Step(
                number=3,
                kegiatan="Memeriksa",
                roles=("koordinator", "redaktur"),
                kind="review",
                kelengkapan=(),
                output="Disetujui",
                standard_days=3,
                returns_to=(1, 2),
                all_roles=True,
                edits=(),
                reviews="article",
            ),
            Step(
                number=4,
                kegiatan="Menerbitkan",
                roles=("redaktur",),
                kind="publish",
                kelengkapan=(),
                output="Terbit",
                standard_days=1,
                returns_to=(),
                all_roles=False,
                edits=(),
                reviews=None,
            ),
        ),
        sha256=hashlib.sha256(MINIMAL.encode()).hexdigest(),
        after=(),
    )
    assert d.roles_of("redaktur") == [3, 4]
    assert (d.first.number, d.last.number) == (1, 4)


def test_a_minimal_definition_drives_the_state_machine():
    d = sop.parse(MINIMAL)
    c = CaseState(definition=d, step=3, facts={}, revision_hash=REV)
    both = Actor(1, frozenset({K, R}))
    assert next_state(c, Action("approve"), both) == Transition(
        "approve", 3, K, 3, OPEN, False, None
    )
    after_k = CaseState(
        definition=d, step=3, facts={}, revision_hash=REV, approvals=(Approval(2, K, REV),)
    )
    assert next_state(after_k, Action("approve"), both) == Transition(
        "approve", 3, R, 4, OPEN, True, None
    )
    with refused("Langkah 3 hanya dapat dikembalikan ke langkah 1, 2."):
        next_state(c, Action("return", to_step=3, reason="x"), both)


def test_a_review_step_without_returns():
    text = MINIMAL.replace("returns_to = [2, 1, 2]\n", "")
    d = sop.parse(text)
    assert d.step(3).returns_to == ()
    c = CaseState(definition=d, step=3, revision_hash=REV)
    who = Actor(1, frozenset({K}))
    with refused("Langkah 3 hanya dapat dikembalikan ke langkah -."):
        next_state(c, Action("return", to_step=1, reason="x"), who)
    assert allowed_actions(c, who) == [Option("approve", K, ())]


# --- the loader: every refusal --------------------------------------------------------------

HEADER = MINIMAL.split("[[steps]]")[0]


def variant(old, new, count=1):
    """MINIMAL with ``old`` (which must occur exactly ``count`` times) replaced once."""
    assert MINIMAL.count(old) == count, old
    return MINIMAL.replace(old, new, 1)


def step_block(n):
    return "[[steps]]" + MINIMAL.split("[[steps]]")[n]


def in_step(n, old, new):
    """MINIMAL with ``old`` replaced inside step ``n`` only."""
    block = step_block(n)
    assert block.count(old) == 1, (n, old)
    return MINIMAL.replace(block, block.replace(old, new))


@pytest.mark.parametrize(
    "text,message",
    [
        # the header
        (variant('code = "uji"\n', ""), "t.toml: 'code' is missing or not a str"),
        (variant('code = "uji"\n', "code = 3\n"), "t.toml: 'code' is missing or not a str"),
        (variant("version = 2\n", ""), "t.toml: 'version' is missing or not a int"),
        (variant("version = 2\n", 'version = "2"\n'), "t.toml: 'version' is missing or not a int"),
        (variant("version = 2\n", "version = 2.0\n"), "t.toml: 'version' is missing or not a int"),
        # a TOML boolean is an int to Python, never a version
        (variant("version = 2\n", "version = true\n"), "t.toml: 'version' is missing or not a int"),
        (variant('title = "Uji"\n', ""), "t.toml: 'title' is missing or not a str"),
        (variant('number = "1 Tahun 2024"\n', ""), "t.toml: 'number' is missing or not a str"),
        (
            variant('number = "1 Tahun 2024"\n', "number = 1\n"),
            "t.toml: 'number' is missing or not a str",
        ),
        (variant("date = 2024-01-02\n", ""), "t.toml: 'date' is missing or not a date"),
        (
            variant("date = 2024-01-02\n", 'date = "2024-01-02"\n'),
            "t.toml: 'date' is missing or not a date",
        ),
        (
            variant("date = 2024-01-02\n", "date = 10:00:00\n"),
            "t.toml: 'date' is missing or not a date",
        ),
        # a datetime is a date to Python, never the date a definition was signed
        (
            variant("date = 2024-01-02\n", "date = 2024-01-02T10:00:00\n"),
            "t.toml: 'date' is missing or not a date",
        ),
        (
            variant("date = 2024-01-02\n", "date = 2024-01-02T10:00:00+07:00\n"),
            "t.toml: 'date' is missing or not a date",
        ),
        (variant('signed_by = "Kepala"\n', ""), "t.toml: 'signed_by' is missing or not a str"),
        (HEADER, "t.toml: 'steps' is missing or not a list"),
        (HEADER + "[steps]\nnumber = 1\n", "t.toml: 'steps' is missing or not a list"),
        (variant("version = 2\n", "version = 0\n"), "t.toml: version must be 1 or more"),
        (variant("version = 2\n", "version = -3\n"), "t.toml: version must be 1 or more"),
        (HEADER + "steps = []\n", "t.toml: no steps"),
        # a step's shape
        (HEADER + 'steps = ["a"]\n', "t.toml: step #1: not a table"),
        (
            in_step(
                2,
                'output = "Draf"\n',
                'output = "Draf"\nwarna = "merah"\nukuran = 1\nbobot = 2\nzona = 3\nalias = 4\n',
            ),
            # sorted, whatever order the keys come in
            "t.toml: step #2: unknown keys ['alias', 'bobot', 'ukuran', 'warna', 'zona']",
        ),
        (in_step(1, "number = 1\n", ""), "t.toml: step #1: 'number' is missing or not a int"),
        (
            in_step(1, "number = 1\n", 'number = "1"\n'),
            "t.toml: step #1: 'number' is missing or not a int",
        ),
        (
            in_step(1, "number = 1\n", "number = true\n"),
            "t.toml: step #1: 'number' is missing or not a int",
        ),
        (
            in_step(2, 'kegiatan = "Menulis"\n', ""),
            "t.toml: step #2: 'kegiatan' is missing or not a str",
        ),
        (
            in_step(2, 'roles = ["penulis"]\n', ""),
            "t.toml: step #2: 'roles' is missing or not a list",
        ),
        (
            in_step(2, 'roles = ["penulis"]\n', 'roles = "penulis"\n'),
            "t.toml: step #2: 'roles' is missing or not a list",
        ),
        (in_step(2, 'kind = "task"\n', ""), "t.toml: step #2: 'kind' is missing or not a str"),
        (
            in_step(2, 'kind = "task"\n', "kind = 1\n"),
            "t.toml: step #2: 'kind' is missing or not a str",
        ),
        (in_step(2, 'output = "Draf"\n', ""), "t.toml: step #2: 'output' is missing or not a str"),
        (
            in_step(2, "standard_days = 1\n", ""),
            "t.toml: step #2: 'standard_days' is missing or not a int",
        ),
        (
            in_step(2, "standard_days = 1\n", "standard_days = true\n"),
            "t.toml: step #2: 'standard_days' is missing or not a int",
        ),
        (
            in_step(2, "standard_days = 1\n", "standard_days = 1.5\n"),
            "t.toml: step #2: 'standard_days' is missing or not a int",
        ),
        # a step's values
        (in_step(2, 'roles = ["penulis"]', "roles = []"), "t.toml: step #2: no roles"),
        (
            in_step(2, 'roles = ["penulis"]', 'roles = ["penulis", "tukang"]'),
            "t.toml: step #2: unknown role 'tukang'",
        ),
        (
            in_step(2, 'roles = ["penulis"]', 'roles = ["penulis", "penulis"]'),
            "t.toml: step #2: role 'penulis' is listed twice",
        ),
        # all_roles would count one approval as both
        (
            in_step(3, 'roles = ["koordinator", "redaktur"]', 'roles = ["redaktur", "redaktur"]'),
            "t.toml: step #3: role 'redaktur' is listed twice",
        ),
        (in_step(2, 'kind = "task"', 'kind = "rapat"'), "t.toml: step #2: unknown kind 'rapat'"),
        (
            in_step(1, 'kelengkapan = ["assignee", "sk_tim_valid"]', 'kelengkapan = ["sihir"]'),
            "t.toml: step #1: unknown kelengkapan check 'sihir'",
        ),
        (
            in_step(1, 'kelengkapan = ["assignee", "sk_tim_valid"]', "kelengkapan = 5"),
            "t.toml: step #1: 'kelengkapan' must be a list of check names",
        ),
        (
            in_step(
                1, 'kelengkapan = ["assignee", "sk_tim_valid"]', 'kelengkapan = [["assignee"]]'
            ),
            "t.toml: step #1: 'kelengkapan' must be a list of check names",
        ),
        # not split into letters
        (
            in_step(1, 'kelengkapan = ["assignee", "sk_tim_valid"]', 'kelengkapan = "assignee"'),
            "t.toml: step #1: 'kelengkapan' must be a list of check names",
        ),
        (
            in_step(1, 'kelengkapan = ["assignee", "sk_tim_valid"]', "kelengkapan = [1]"),
            "t.toml: step #1: 'kelengkapan' must be a list of check names",
        ),
        (
            in_step(2, "standard_days = 1", "standard_days = 0"),
            "t.toml: step #2: standard_days must be 1 or more",
        ),
        (
            in_step(2, "standard_days = 1", "standard_days = -1"),
            "t.toml: step #2: standard_days must be 1 or more",
        ),
        (
            in_step(3, "returns_to = [2, 1, 2]", "returns_to = 1"),
            "t.toml: step #3: 'returns_to' must be a list of step numbers",
        ),
        (
            in_step(3, "returns_to = [2, 1, 2]", 'returns_to = ["1"]'),
            "t.toml: step #3: 'returns_to' must be a list of step numbers",
        ),
        (
            in_step(3, "returns_to = [2, 1, 2]", "returns_to = [true]"),
            "t.toml: step #3: 'returns_to' must be a list of step numbers",
        ),
        (
            in_step(3, "all_roles = true", 'all_roles = "ya"'),
            "t.toml: step #3: 'all_roles' must be true or false",
        ),
        (
            in_step(3, "all_roles = true", "all_roles = 1"),
            "t.toml: step #3: 'all_roles' must be true or false",
        ),
        (
            in_step(2, 'roles = ["penulis"]', 'roles = ["penulis"]\nall_roles = true'),
            "t.toml: step #2: 'all_roles' needs two or more roles",
        ),
        (
            in_step(2, 'edits = ["article", "photos"]', 'edits = ["article", "judul"]'),
            "t.toml: step #2: 'edits' must list some of concept, article, photos, preview",
        ),
        (
            in_step(2, 'edits = ["article", "photos"]', 'edits = "article"'),
            "t.toml: step #2: 'edits' must list some of concept, article, photos, preview",
        ),
        (
            in_step(3, 'reviews = "article"', 'reviews = "photos"'),
            "t.toml: step #3: 'reviews' must be one of concept, article, on a review step",
        ),
        (
            in_step(2, 'edits = ["article", "photos"]', 'reviews = "article"'),
            "t.toml: step #2: 'reviews' must be one of concept, article, on a review step",
        ),
        # the steps together
        (
            in_step(2, "number = 2", "number = 5"),
            "t.toml: steps must be numbered 1..4 in order, got [1, 5, 3, 4]",
        ),
        (
            in_step(2, "number = 2", "number = 1"),
            "t.toml: steps must be numbered 1..4 in order, got [1, 1, 3, 4]",
        ),
        (
            in_step(2, "number = 2", "number = 3"),
            "t.toml: steps must be numbered 1..4 in order, got [1, 3, 3, 4]",
        ),
        (
            in_step(1, "number = 1", "number = 0"),
            "t.toml: steps must be numbered 1..4 in order, got [0, 2, 3, 4]",
        ),
        (
            in_step(2, "number = 2", "number = 1").replace("number = 1", "number = 2", 1),
            "t.toml: steps must be numbered 1..4 in order, got [2, 1, 3, 4]",
        ),
        (
            MINIMAL.replace(step_block(2), ""),
            "t.toml: steps must be numbered 1..3 in order, got [1, 3, 4]",
        ),
        (
            in_step(3, "returns_to = [2, 1, 2]", "returns_to = [1, 3]"),
            "t.toml: step 3 may only return to an earlier step, not 3",
        ),
        (
            in_step(3, "returns_to = [2, 1, 2]", "returns_to = [4]"),
            "t.toml: step 3 may only return to an earlier step, not 4",
        ),
        (
            in_step(3, "returns_to = [2, 1, 2]", "returns_to = [0, 1]"),
            "t.toml: step 3 may only return to an earlier step, not 0",
        ),
        (
            in_step(2, 'output = "Draf"', 'output = "Draf"\nreturns_to = [1]'),
            "t.toml: step 2 returns cases but is not a review",
        ),
        (
            in_step(4, 'kind = "publish"', 'kind = "task"'),
            "t.toml: the last step, and only the last, must be of kind 'publish'",
        ),
        (
            in_step(2, 'kind = "task"', 'kind = "publish"'),
            "t.toml: the last step, and only the last, must be of kind 'publish'",
        ),
    ],
)
def test_an_invalid_definition_is_refused(text, message):
    with refused(message, DefinitionError):
        sop.parse(text, source="t.toml")


def test_invalid_toml_is_refused_with_the_parser_message():
    text = MINIMAL + "\n[[steps]\n"
    with pytest.raises(tomllib.TOMLDecodeError) as e:
        tomllib.loads(text)
    with refused(f"t.toml: not valid TOML: {e.value}", DefinitionError):
        sop.parse(text, source="t.toml")


def test_the_default_source_name():
    with refused("<definition>: no steps", DefinitionError):
        sop.parse(HEADER + "steps = []\n")
    with refused("<definition>: step #1: no roles", DefinitionError):
        sop.parse(in_step(1, 'roles = ["penanggungjawab"]', "roles = []"))


def test_the_first_invalid_step_is_reported():
    text = in_step(2, 'kind = "task"', 'kind = "rapat"')
    text = text.replace(
        'roles = ["redaktur"]\nkind = "publish"', 'roles = ["tukang"]\nkind = "publish"'
    )
    assert "tukang" in text
    with refused("t.toml: step #2: unknown kind 'rapat'", DefinitionError):
        sop.parse(text, source="t.toml")


# --- the loader: rules after publication (their semantics: tests/intranet/test_after_publication.py) --

AFTER = """
[[after_publication]]
action = "withdraw"
label = "Menarik"
roles = ["redaktur", "penanggungjawab"]
when = ["on_site", "correction_pending"]
reason = true
separate_from_author = true
edits = ["article"]

[[after_publication]]
action = "social_post"
label = "Mencatat"
roles = ["redaktur"]
"""


def test_rules_after_publication_parse_exactly():
    d = sop.parse(MINIMAL + AFTER)
    assert d.after == (
        sop.AfterRule(
            action="withdraw",
            label="Menarik",
            roles=("redaktur", "penanggungjawab"),
            when=("on_site", "correction_pending"),
            reason=True,
            separate_from_author=True,
            edits=("article",),
        ),
        sop.AfterRule(
            action="social_post",
            label="Mencatat",
            roles=("redaktur",),
            when=(),
            reason=False,
            separate_from_author=False,
            edits=(),
        ),
    )
    assert d.after_rule("social_post") is d.after[1]
    assert d.after_rule("correct") is None


def after_variant(old, new):
    assert AFTER.count(old) == 1, old
    return MINIMAL + AFTER.replace(old, new)


@pytest.mark.parametrize(
    "text,message",
    [
        (
            MINIMAL.replace("[[steps]]", "after_publication = 1\n[[steps]]", 1),
            "t.toml: 'after_publication' must be a list of tables",
        ),
        (
            MINIMAL.replace("[[steps]]", 'after_publication = ["a"]\n[[steps]]', 1),
            "t.toml: after_publication #1: not a table",
        ),
        (
            after_variant('action = "social_post"\n', ""),
            "t.toml: after_publication #2: 'action' is missing or not a str",
        ),
        (
            after_variant('action = "social_post"\n', "action = 1\n"),
            "t.toml: after_publication #2: 'action' is missing or not a str",
        ),
        (
            after_variant('roles = ["redaktur"]\n', 'roles = "redaktur"\n'),
            "t.toml: after_publication #2: 'roles' is missing or not a list",
        ),
        (
            after_variant('roles = ["redaktur"]\n', "roles = []\n"),
            "t.toml: after_publication #2: no roles",
        ),
        (
            after_variant(
                'roles = ["redaktur", "penanggungjawab"]',
                'roles = ["redaktur", "penanggungjawab", "redaktur"]',
            ),
            "t.toml: after_publication #1: role 'redaktur' is listed twice",
        ),
        (
            after_variant('action = "social_post"', 'action = "publish"'),
            "t.toml: after_publication #2: unknown action 'publish'",
        ),
        (
            after_variant('when = ["on_site", "correction_pending"]', 'when = "on_site"'),
            "t.toml: after_publication #1: 'when' must list some of on_site, correction_pending",
        ),
        # a list is unhashable: refused, not a TypeError
        (
            after_variant('when = ["on_site", "correction_pending"]', 'when = [["on_site"]]'),
            "t.toml: after_publication #1: 'when' must list some of on_site, correction_pending",
        ),
        (
            after_variant("separate_from_author = true", "separate_from_author = 1"),
            "t.toml: after_publication #1: 'separate_from_author' must be true or false",
        ),
        (
            after_variant('edits = ["article"]', 'edits = "article"'),
            "t.toml: after_publication #1: 'edits' may only list article",
        ),
        (
            after_variant('action = "social_post"', 'action = "withdraw"'),
            "t.toml: an after-publication action is defined twice",
        ),
    ],
)
def test_an_invalid_rule_after_publication_is_refused(text, message):
    with refused(message, DefinitionError):
        sop.parse(text, source="t.toml")
