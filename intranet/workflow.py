"""The SOP as a pure state machine: no Flask, no SQL.

``next_state(case, action, actor)`` answers what an action does to a case, or raises a
``WorkflowError`` whose message can be shown to the person who tried it.
``allowed_actions(case, actor)`` lists what that person may do now (the buttons a page shows).
Services build the small value objects below from the database, ask this module, then write.
"""

from dataclasses import dataclass
from dataclasses import field
from datetime import timedelta

from intranet.sop import AFTER_ACTIONS
from intranet.sop import CHECKS
from intranet.sop import Definition

OPEN = "open"
PUBLISHED = "published"


def N_(msgid):
    """Mark a message for translation without translating it here."""
    return msgid


class WorkflowError(Exception):
    """An action the SOP does not allow; ``msgid`` and ``params`` make a translatable message."""

    def __init__(self, msgid, **params):
        super().__init__(msgid % params if params else msgid)
        self.msgid = msgid
        self.params = params


@dataclass(frozen=True)
class Actor:
    """A person as the SOP sees them: who, and which roles they hold today."""

    user_id: int
    roles: frozenset


@dataclass(frozen=True)
class Approval:
    """An approval recorded at the current attempt of the current step."""

    user_id: int
    role: str
    revision_hash: str | None


@dataclass(frozen=True)
class CaseState:
    """What the SOP needs to know about a case."""

    definition: Definition
    step: int
    status: str = OPEN
    facts: dict = field(default_factory=dict)
    revision_hash: str | None = None
    revision_authors: frozenset = frozenset()
    approvals: tuple = ()
    # Steps handed to particular people: step number → the user ids who may act there.
    owners: dict = field(default_factory=dict)

    @property
    def current(self):
        return self.definition.step(self.step)

    def valid_approvals(self):
        """Approvals bound to the current revision; an edit since voids the others."""
        return [a for a in self.approvals if a.revision_hash == self.revision_hash]


@dataclass(frozen=True)
class Action:
    """An action someone asks for: complete, approve, return (with a step and reason), publish."""

    kind: str
    to_step: int | None = None
    reason: str = ""
    role: str | None = None


@dataclass(frozen=True)
class Transition:
    """What an allowed action does."""

    action: str
    step: int
    role: str
    next_step: int
    status: str
    advanced: bool
    returned_to: int | None = None


@dataclass(frozen=True)
class Option:
    """An action a person may take now, for the page's buttons."""

    kind: str
    role: str
    to_steps: tuple = ()


ACTIONS = ("complete", "approve", "return", "publish")
KIND_ACTIONS = {"task": ("complete",), "review": ("approve", "return"), "publish": ("publish",)}

#: Why an after-publication rule's condition (``when``) refuses an action.
AFTER_REFUSALS = {
    "on_site": N_("Berita ini tidak sedang terbit."),
    "correction_pending": N_("Tidak ada koreksi yang menunggu persetujuan."),
}
FINISHED = N_("Naskah ini sudah selesai; tidak ada langkah yang terbuka.")
SELF_APPROVAL = N_("Anda tidak boleh menyetujui revisi yang Anda tulis sendiri.")


def missing_kelengkapan(case):
    """The kelengkapan checks of the current step that do not hold, as (check, label)."""
    return [(c, CHECKS[c]) for c in case.current.kelengkapan if not case.facts.get(c)]


def _acting_role(case, actor, wanted):
    step = case.current
    fitting = [r for r in step.roles if r in actor.roles]
    if not fitting:
        raise WorkflowError(
            N_("Langkah %(step)s hanya dapat dikerjakan oleh: %(roles)s."),
            step=step.number,
            roles=", ".join(step.roles),
        )
    owners = case.owners.get(step.number)
    if owners and actor.user_id not in owners:
        raise WorkflowError(
            N_(
                "Langkah %(step)s diserahkan kepada orang lain; hanya dia (atau pelaksana "
                "hariannya) yang dapat mengerjakannya."
            ),
            step=step.number,
        )
    if wanted is not None:
        if wanted not in fitting:
            raise WorkflowError(
                N_("Anda tidak memegang peran %(role)s untuk langkah ini."), role=wanted
            )
        return wanted
    if step.all_roles:
        done = {a.role for a in case.valid_approvals()}
        open_roles = [r for r in fitting if r not in done]
        return open_roles[0] if open_roles else fitting[0]
    return fitting[0]


def next_state(case, action, actor):
    """The transition ``action`` by ``actor`` makes from ``case``, or a WorkflowError."""
    if case.status == PUBLISHED:
        return _after_publication(case, action, actor)
    if case.status != OPEN:
        raise WorkflowError(FINISHED)
    if action.kind not in ACTIONS:
        raise WorkflowError(N_("Tindakan tidak dikenal."))
    step = case.current
    if action.kind not in KIND_ACTIONS[step.kind]:
        raise WorkflowError(
            N_("Tindakan ini tidak tersedia pada langkah %(step)s."), step=step.number
        )
    role = _acting_role(case, actor, action.role)

    if action.kind == "return":
        reason = (action.reason or "").strip()
        if not reason:
            raise WorkflowError(N_("Alasan pengembalian wajib diisi."))
        if action.to_step not in step.returns_to:
            raise WorkflowError(
                N_("Langkah %(step)s hanya dapat dikembalikan ke langkah %(allowed)s."),
                step=step.number,
                allowed=", ".join(str(n) for n in step.returns_to) or "-",
            )
        return Transition("return", step.number, role, action.to_step, OPEN, False, action.to_step)

    missing = missing_kelengkapan(case)
    if missing:
        raise WorkflowError(
            N_("Kelengkapan langkah %(step)s belum terpenuhi: %(missing)s."),
            step=step.number,
            missing="; ".join(label for _, label in missing),
        )

    if action.kind == "approve":
        if actor.user_id in case.revision_authors:
            raise WorkflowError(SELF_APPROVAL)
        approvals = case.valid_approvals()
        if any(a.user_id == actor.user_id for a in approvals):
            raise WorkflowError(
                N_(
                    "Anda sudah memberi persetujuan pada langkah ini; "
                    "persetujuan berikutnya harus dari orang lain."
                )
            )
        if step.all_roles:
            if any(a.role == role for a in approvals):
                raise WorkflowError(N_("Persetujuan sebagai %(role)s sudah diberikan."), role=role)
            approved_roles = {a.role for a in approvals} | {role}
            if set(step.roles) - approved_roles:
                return Transition("approve", step.number, role, step.number, OPEN, False)
        return Transition("approve", step.number, role, step.number + 1, OPEN, True)

    if action.kind == "publish":
        return Transition("publish", step.number, role, step.number, PUBLISHED, True)

    return Transition("complete", step.number, role, step.number + 1, OPEN, True)


def _after_publication(case, action, actor):
    """An action on a published case, as the definition's after-publication rules allow it.

    ``case.facts`` answers the rules' conditions; ``case.revision_authors`` are the authors
    of the correction waiting for approval.
    """
    rule = case.definition.after_rule(action.kind)
    if rule is None:
        known = action.kind in ACTIONS or action.kind in AFTER_ACTIONS
        raise WorkflowError(FINISHED if known else N_("Tindakan tidak dikenal."))
    fitting = [r for r in rule.roles if r in actor.roles]
    if not fitting:
        raise WorkflowError(
            N_("%(action)s hanya dapat dilakukan oleh: %(roles)s."),
            action=rule.label,
            roles=", ".join(rule.roles),
        )
    if action.role is not None and action.role not in fitting:
        raise WorkflowError(
            N_("Anda tidak memegang peran %(role)s untuk tindakan ini."), role=action.role
        )
    for condition in rule.when:
        if not case.facts.get(condition):
            raise WorkflowError(AFTER_REFUSALS[condition])
    if rule.reason and not (action.reason or "").strip():
        raise WorkflowError(N_("Alasan wajib diisi."))
    if rule.separate_from_author and actor.user_id in case.revision_authors:
        raise WorkflowError(SELF_APPROVAL)
    role = action.role or fitting[0]
    return Transition(action.kind, case.step, role, case.step, PUBLISHED, False)


def allowed_actions(case, actor):
    """What ``actor`` may do now, each with the role it would be done in."""
    if case.status == PUBLISHED:
        options = []
        for rule in case.definition.after:
            try:
                t = next_state(case, Action(rule.action, reason="-"), actor)
            except WorkflowError:
                continue
            options.append(Option(rule.action, t.role))
        return options
    if case.status != OPEN:
        return []
    step = case.current
    options = []
    for kind in KIND_ACTIONS[step.kind]:
        probe = Action(kind, to_step=step.returns_to[0] if step.returns_to else None, reason="-")
        try:
            t = next_state(case, probe, actor)
        except WorkflowError:
            continue
        options.append(Option(kind, t.role, step.returns_to if kind == "return" else ()))
    return options


def check_edit(case, actor, what):
    """Raise a WorkflowError unless ``actor`` may change ``what`` on the case now.

    A step's ``edits`` say what its role works on: the concept at step 3, the article at
    steps 5 and 8 (a correction), photos at 6, the preview at 7. A published case has no
    open step: its article changes only through a correction (``correctable``).
    """
    if case.status != OPEN:
        raise WorkflowError(FINISHED)
    step = case.current
    if what not in step.edits:
        raise WorkflowError(
            N_("Pada langkah %(step)s bagian ini tidak dapat diubah."), step=step.number
        )
    _acting_role(case, actor, None)


def editable(case, actor):
    """What ``actor`` may change on the case now (a subset of the step's ``edits``)."""
    allowed = set()
    for what in case.current.edits if case.status == OPEN else ():
        try:
            check_edit(case, actor, what)
        except WorkflowError:
            continue
        allowed.add(what)
    return allowed


def correctable(case, actor):
    """What ``actor`` may change on a published case: the ``edits`` of the after-publication
    rules they may act on now (the article, for whoever may correct it)."""
    if case.status != PUBLISHED:
        return set()
    allowed = {o.kind for o in allowed_actions(case, actor)}
    return {w for r in case.definition.after if r.action in allowed for w in r.edits}


def working_days_between(start, end, holidays=frozenset()):
    """Working days from ``start`` to ``end``, not counting ``start``'s day: Monday to
    Friday, less the office's ``holidays`` (a set of dates: libur nasional, cuti bersama)."""

    start, end = _as_date(start), _as_date(end)
    if end <= start:
        return 0
    days, d = 0, start
    while d < end:
        d += timedelta(days=1)
        if d.weekday() < 5 and d not in holidays:
            days += 1
    return days


def add_working_days(start, days, holidays=frozenset()):
    """The date ``days`` working days after ``start`` (weekends and ``holidays`` skipped):
    the due date of a step that started on ``start`` with a standard of ``days``."""

    d = _as_date(start)
    while days > 0:
        d += timedelta(days=1)
        if d.weekday() < 5 and d not in holidays:
            days -= 1
    return d


def _as_date(value):
    return value.date() if hasattr(value, "date") and callable(value.date) else value


def is_overdue(started_at, now, standard_days, holidays=frozenset()):
    """True if a step started at ``started_at`` has run past its standard working days
    (``holidays`` are not working days: a step due across one is not overdue)."""
    return working_days_between(started_at, now, holidays) > standard_days
