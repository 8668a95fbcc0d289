"""The SOP definition and the pure state machine: every (step, action, role)."""

import re
from datetime import date
from datetime import datetime
from pathlib import Path

import pytest

from intranet import sop
from intranet.sop import DefinitionError
from intranet.workflow import PUBLISHED
from intranet.workflow import Action
from intranet.workflow import Actor
from intranet.workflow import Approval
from intranet.workflow import CaseState
from intranet.workflow import WorkflowError
from intranet.workflow import allowed_actions
from intranet.workflow import is_overdue
from intranet.workflow import next_state
from intranet.workflow import working_days_between

D = sop.current()
ROLES = sop.ROLE_NAMES
ALL_FACTS = {c: True for c in sop.CHECKS}
REV = "a" * 64


def case(step, **kw):
    kw.setdefault("facts", ALL_FACTS)
    kw.setdefault("revision_hash", REV)
    return CaseState(definition=D, step=step, **kw)


def actor(role, uid=None):
    return Actor(user_id=uid or 100 + ROLES.index(role), roles=frozenset({role}))


# --- the definition -----------------------------------------------------------------------


def test_default_definition_is_the_sop():
    assert (D.code, D.version, D.number) == ("sop-3-2022", 3, "3 Tahun 2022")
    assert [s.number for s in D.steps] == list(range(1, 11))
    assert D.step(1).roles == ("penanggungjawab",)
    assert D.step(2).roles == ("kontributor",)
    assert D.step(9).roles == ("penanggungjawab", "redaktur") and D.step(9).all_roles
    assert D.step(10).kind == "publish"
    for n in (4, 8, 9):
        assert D.step(n).returns_to == tuple(range(1, n))
    assert all(s.standard_days == 1 for s in D.steps)


BASE = Path(sop.FOLDER / "sop-3-2022.toml").read_text()


@pytest.mark.parametrize(
    "edit,message",
    [
        (
            lambda t: t.replace('roles = ["kontributor"]', 'roles = ["tukang"]'),
            "unknown role 'tukang'",
        ),
        (lambda t: t.replace("number = 5\n", "number = 50\n"), "numbered 1..10"),
        (
            lambda t: t.replace("returns_to = [1, 2, 3]\n", "returns_to = [5]\n"),
            "earlier step, not 5",
        ),
        (
            lambda t: t.replace('kelengkapan = ["concept"]', 'kelengkapan = ["sihir"]'),
            "unknown kelengkapan",
        ),
        (lambda t: t.replace('kind = "publish"', 'kind = "task"'), "must be of kind 'publish'"),
        (lambda t: t.replace("standard_days = 1\n", "standard_days = 0\n", 1), "standard_days"),
        (lambda t: t.replace("version = 1\n", 'version = "satu"\n'), "'version'"),
        (lambda t: t + "\n[[steps]\n", "not valid TOML"),
        (lambda t: t.replace("all_roles = true", "all_roles = 1"), "'all_roles'"),
        (
            lambda t: t.replace('output = "Penugasan"', 'output = "Penugasan"\nwarna = "merah"'),
            "unknown keys",
        ),
    ],
)
def test_invalid_definitions_are_refused(edit, message):
    with pytest.raises(DefinitionError, match=message):
        sop.parse(edit(BASE), source="test.toml")


def test_a_missing_step_is_refused():
    text = BASE.split("[[steps]]")
    without_five = "[[steps]]".join(text[:5] + text[6:])
    with pytest.raises(DefinitionError, match="numbered"):
        sop.parse(without_five)


def test_a_new_version_leaves_running_cases_on_theirs(tmp_path, monkeypatch):
    v2 = BASE.replace("version = 1", "version = 2").replace(
        "standard_days = 1", "standard_days = 2"
    )
    (tmp_path / "a.toml").write_text(BASE)
    (tmp_path / "b.toml").write_text(v2)
    monkeypatch.setattr(sop, "FOLDER", tmp_path)
    sop.definitions.cache_clear()
    try:
        assert sop.current().version == 2
        assert sop.get("sop-3-2022", 1).step(3).standard_days == 1
        assert sop.get("sop-3-2022", 2).step(3).standard_days == 2
        with pytest.raises(DefinitionError):
            sop.get("sop-3-2022", 3)
    finally:
        sop.definitions.cache_clear()


def test_the_current_definition_names_each_step_by_its_outcome():
    assert [(s.number, s.outcome) for s in D.steps] == [
        (1, "Tugaskan"),
        (2, "Serahkan bahan"),
        (3, "Tulis konsep"),
        (4, "Periksa konsep"),
        (5, "Tulis berita"),
        (6, "Siapkan foto"),
        (7, "Siapkan preview"),
        (8, "Periksa preview"),
        (9, "Setujui terbit"),
        (10, "Terbitkan"),
    ]
    assert D.step(3).hand_on == "Kirim konsep ke Koordinator"
    assert D.step(3).handed == "Konsep dikirim"
    assert D.step(7).hand_on == "Kirim preview ke Koordinator"
    assert all(s.label and s.hand_on and s.handed for s in D.steps)


@pytest.mark.parametrize("version", [1, 2])
def test_older_definitions_name_their_steps_by_their_output(version):
    old = sop.get("sop-3-2022", version)
    assert [s.outcome for s in old.steps] == [s.output for s in old.steps]
    assert old.step(3).outcome == "Konsep artikel"
    assert all(s.label is None and s.hand_on is None and s.handed is None for s in old.steps)


@pytest.mark.parametrize("key", ["label", "hand_on", "handed"])
@pytest.mark.parametrize("value", ['""', '"  "', "3", "true"])
def test_outcome_words_must_be_text(key, value):
    text = BASE.replace('output = "Penugasan"', f'output = "Penugasan"\n{key} = {value}')
    with pytest.raises(DefinitionError, match=f"step #1: '{key}' must be a non-empty text"):
        sop.parse(text, source="test.toml")


def test_outcome_words_are_optional_and_stripped():
    text = BASE.replace('output = "Penugasan"', 'output = "Penugasan"\nlabel = " Tugaskan "')
    d = sop.parse(text, source="test.toml")
    assert (d.step(1).label, d.step(1).outcome, d.step(2).outcome) == (
        "Tugaskan",
        "Tugaskan",
        "Bahan informasi diserahkan",
    )


# --- every (step, action, role) -------------------------------------------------------------

EXPECTED = {
    # step: (kind's actions, roles allowed)
    1: ("complete", {"penanggungjawab"}),
    2: ("complete", {"kontributor"}),
    3: ("complete", {"redaktur"}),
    4: ("approve", {"koordinator"}),
    5: ("complete", {"penulis"}),
    6: ("complete", {"penulis"}),
    7: ("complete", {"editor"}),
    8: ("approve", {"koordinator"}),
    9: ("approve", {"penanggungjawab", "redaktur"}),
    10: ("publish", {"redaktur"}),
}

#: The roles of each step as the refusal names them, in the SOP definition's order.
STEP_ROLES = {
    1: "penanggungjawab",
    2: "kontributor",
    3: "redaktur",
    4: "koordinator",
    5: "penulis",
    6: "penulis",
    7: "editor",
    8: "koordinator",
    9: "penanggungjawab, redaktur",
    10: "redaktur",
}


@pytest.mark.parametrize("step", range(1, 11))
@pytest.mark.parametrize("kind", ["complete", "approve", "return", "publish"])
@pytest.mark.parametrize("role", ROLES)
def test_every_step_action_role(step, kind, role):
    main, allowed_roles = EXPECTED[step]
    is_review = main == "approve"
    valid_kind = kind == main or (kind == "return" and is_review)
    action = Action(kind, to_step=1 if kind == "return" else None, reason="perlu diperbaiki")
    if valid_kind and role in allowed_roles:
        t = next_state(case(step), action, actor(role))
        assert t.role == role and t.step == step
        if kind == "return":
            assert (t.next_step, t.returned_to, t.advanced) == (1, 1, False)
        elif kind == "publish":
            assert t.status == PUBLISHED and t.advanced
        elif step == 9:
            assert (t.next_step, t.advanced) == (9, False)  # the second approval is still needed
        else:
            assert (t.next_step, t.advanced) == (step + 1, True)
    else:
        if not valid_kind:  # the kind is judged before the role
            message = f"Tindakan ini tidak tersedia pada langkah {step}."
        else:
            message = f"Langkah {step} hanya dapat dikerjakan oleh: {STEP_ROLES[step]}."
        with pytest.raises(WorkflowError, match=f"^{re.escape(message)}$"):
            next_state(case(step), action, actor(role))


@pytest.mark.parametrize("step", range(1, 11))
@pytest.mark.parametrize("role", ROLES)
def test_allowed_actions_match_next_state(step, role):
    main, allowed_roles = EXPECTED[step]
    kinds = [o.kind for o in allowed_actions(case(step), actor(role))]
    if role not in allowed_roles:
        assert kinds == []
    elif main == "approve":
        assert kinds == ["approve", "return"]
    else:
        assert kinds == [main]


def test_missing_kelengkapan_blocks_finishing_with_the_reason():
    facts = {**ALL_FACTS, "source_material": False}
    with pytest.raises(WorkflowError, match="bahan informasi"):
        next_state(case(2, facts=facts), Action("complete"), actor("kontributor"))
    assert allowed_actions(case(2, facts=facts), actor("kontributor")) == []


def test_return_needs_a_reason_and_an_allowed_step():
    with pytest.raises(WorkflowError, match="Alasan"):
        next_state(case(4), Action("return", to_step=3, reason="   "), actor("koordinator"))
    with pytest.raises(WorkflowError, match="hanya dapat dikembalikan"):
        next_state(case(4), Action("return", to_step=5, reason="x"), actor("koordinator"))
    with pytest.raises(WorkflowError, match="hanya dapat dikembalikan"):
        next_state(case(4), Action("return", to_step=None, reason="x"), actor("koordinator"))
    t = next_state(case(8), Action("return", to_step=5, reason="foto kurang"), actor("koordinator"))
    assert t.next_step == 5


def test_nobody_approves_their_own_revision():
    mine = case(8, revision_authors=frozenset({101}))
    with pytest.raises(WorkflowError, match="tulis sendiri"):
        next_state(mine, Action("approve"), actor("koordinator", uid=101))
    # but they may return it
    assert next_state(mine, Action("return", to_step=5, reason="x"), actor("koordinator", uid=101))
    assert [o.kind for o in allowed_actions(mine, actor("koordinator", uid=101))] == ["return"]


def test_step_nine_needs_two_different_people():
    both = Actor(user_id=7, roles=frozenset({"penanggungjawab", "redaktur"}))
    first = next_state(case(9), Action("approve"), both)
    assert (first.role, first.advanced) == ("penanggungjawab", False)
    after_first = case(9, approvals=(Approval(7, "penanggungjawab", REV),))
    with pytest.raises(WorkflowError, match="orang lain"):
        next_state(after_first, Action("approve"), both)
    with pytest.raises(WorkflowError, match="sudah diberikan"):
        next_state(after_first, Action("approve"), actor("penanggungjawab", uid=8))
    t = next_state(after_first, Action("approve"), actor("redaktur", uid=9))
    assert (t.role, t.next_step, t.advanced) == ("redaktur", 10, True)


def test_an_edit_voids_earlier_approvals():
    stale = case(9, revision_hash="b" * 64, approvals=(Approval(7, "penanggungjawab", REV),))
    t = next_state(stale, Action("approve"), actor("redaktur", uid=9))
    assert t.advanced is False  # the penanggungjawab must approve the new revision again
    t = next_state(stale, Action("approve"), actor("penanggungjawab", uid=7))
    assert t.advanced is False


def test_an_explicit_role_must_be_held():
    with pytest.raises(WorkflowError, match="tidak memegang peran"):
        next_state(case(9), Action("approve", role="redaktur"), actor("penanggungjawab"))


def test_a_finished_case_has_no_actions():
    done = case(10, status=PUBLISHED)
    with pytest.raises(WorkflowError, match="sudah selesai"):
        next_state(done, Action("publish"), actor("redaktur"))
    assert allowed_actions(done, actor("redaktur")) == []


def test_unknown_action():
    with pytest.raises(WorkflowError, match="tidak dikenal"):
        next_state(case(3), Action("hapus"), actor("redaktur"))


@pytest.mark.parametrize(
    "start,end,days",
    [
        (date(2026, 11, 23), date(2026, 11, 23), 0),  # Monday, same day
        (date(2026, 11, 23), date(2026, 11, 24), 1),
        (date(2026, 11, 27), date(2026, 11, 30), 1),  # Friday to Monday
        (date(2026, 11, 28), date(2026, 11, 29), 0),  # Saturday to Sunday
        (datetime(2026, 11, 23, 16, 0), datetime(2026, 11, 25, 9, 0), 2),
    ],
)
def test_working_days(start, end, days):
    assert working_days_between(start, end) == days


def test_overdue():
    assert not is_overdue(date(2026, 11, 23), date(2026, 11, 24), 1)
    assert is_overdue(date(2026, 11, 23), date(2026, 11, 25), 1)
    assert not is_overdue(date(2026, 11, 27), date(2026, 11, 30), 1)  # over a weekend


def test_the_role_list_is_one_list():
    from intranet.roles import ROLES as labelled

    assert tuple(labelled) == sop.ROLE_NAMES


@pytest.mark.parametrize("step", range(1, 11))
@pytest.mark.parametrize("role", ROLES)
def test_who_may_edit_what_at_each_step(step, role):
    from intranet.workflow import editable

    expected = {
        3: ("redaktur", {"concept"}),
        5: ("penulis", {"article", "photos"}),
        6: ("penulis", {"photos"}),
        7: ("editor", {"preview"}),
        8: ("koordinator", {"article"}),
    }
    who, what = expected.get(step, (None, set()))
    assert editable(case(step), actor(role)) == (what if role == who else set())
    assert editable(case(step, status=PUBLISHED), actor(role)) == set()


def test_edits_and_reviews_are_validated():
    with pytest.raises(DefinitionError, match="'edits'"):
        sop.parse(BASE.replace('edits = ["concept"]', 'edits = ["judul"]'))
    with pytest.raises(DefinitionError, match="'reviews'"):
        sop.parse(BASE.replace('reviews = "concept"', 'reviews = "foto"'))


def test_a_step_handed_to_one_person_is_theirs():
    owned = case(3, owners={3: frozenset({103})})
    assert next_state(owned, Action("complete"), actor("redaktur", uid=103)).next_step == 4
    with pytest.raises(WorkflowError, match="diserahkan kepada orang lain"):
        next_state(owned, Action("complete"), actor("redaktur", uid=999))
    with pytest.raises(WorkflowError, match="hanya dapat dikerjakan oleh"):
        next_state(owned, Action("complete"), actor("penulis", uid=103))
