"""Hand-offs in words: what a decision did, who holds the case next, whose approval waits.

The case page, the preview page and the confirmation after each decision all say these
things; they are worded here once.
"""

from flask_babel import gettext as _

from intranet.extensions import db
from intranet.models import TrailEntry
from intranet.roles import ROLES
from intranet.services import articles
from intranet.services import worklists


def step_name(step):
    """A step as people name it: its number and its outcome ("3. Tulis konsep"; a definition
    without outcome labels names it by its output, "3. Konsep artikel")."""
    return f"{step.number}. {step.outcome}"


def role_name(role):
    """A role's label as the pages show it."""
    return str(ROLES.get(role, role))


def waiting_on(case, step=None):
    """``[(role, [user, ...]), ...]``: the roles the case waits on at ``step`` (the current
    step by default; a role that already approved the current revision there is left out)
    and who holds each today (step 3: the case's own redaktur)."""
    number = step or case.step
    team = worklists.role_holders()
    approved = (
        worklists.approved_roles([case]).get(case.id, frozenset())
        if number == case.step
        else frozenset()
    )
    waiting = []
    for role in case.definition().step(number).roles:
        if role in approved:
            continue
        people = worklists.holders(case, {role: team.get(role, [])}, step=number)
        waiting.append((role, people))
    return waiting


def who_text(waiting):
    """ "Redaktur (Demo Redaktur)" for each role in ``waiting``, joined with "dan"."""
    parts = []
    for role, people in waiting:
        names = ", ".join(u.full_name for u in people) or _("belum ada pemegang peran")
        parts.append(f"{role_name(role)} ({names})")
    return _(" dan ").join(parts)


def outcome_message(case, action, *, step_before, role=None, actor=None):
    """What a decision just did and who is next, for the confirmation after it.

    ``case`` is the case after the decision; ``action`` the action taken at ``step_before``
    in ``role`` by ``actor``. A step that names its hand-on says it in its words: "Konsep
    dikirim ke Koordinator (Demo Koordinator)."; when the next step is the actor's own, it
    says so ("Berikutnya untuk Anda: 6. Siapkan foto.").
    """
    d = case.definition()
    before = d.step(step_before)
    if action == "approve_correction":
        return _("Koreksi disetujui dan diterbitkan; situs kini menampilkan teks yang dikoreksi.")
    if case.status != "open":
        return _("Berita diterbitkan.")
    who = who_text(waiting_on(case))
    if action == "return":
        return _(
            "Naskah dikembalikan ke langkah %(step)s. Kini ditangani %(who)s.",
            step=step_name(d.step(case.step)),
            who=who,
        )
    if case.step == step_before:
        return _(
            "Persetujuan Anda sebagai %(role)s tercatat. Menunggu persetujuan %(who)s.",
            role=role_name(role),
            who=who,
        )
    if before.handed:
        people = [u for _role, held in waiting_on(case) for u in held]
        if actor is not None and people and all(u.id == actor.id for u in people):
            return _(
                "%(done)s. Berikutnya untuk Anda: %(step)s.",
                done=before.handed,
                step=step_name(d.step(case.step)),
            )
        return _("%(done)s ke %(who)s.", done=before.handed, who=who)
    done = (
        before.output
        if action == "approve"
        else _("Langkah %(step)s selesai", step=step_name(before))
    )
    return _("%(done)s. Naskah diteruskan ke %(who)s.", done=done, who=who)


def required_approvals(case):
    """Each approval the current step needs (a step every listed role approves), as
    ``{role, entry, revision, holders}``: ``entry`` the approval given on the current
    revision (by whom, when) and ``revision`` its number, or None with ``holders`` the
    people who hold the awaited role today."""
    step = case.definition().step(case.step)
    if case.status != "open" or not step.all_roles:
        return []
    given = {
        e.role: e
        for e in db.session.execute(
            db.select(TrailEntry)
            .where(
                TrailEntry.case_id == case.id,
                TrailEntry.step == case.step,
                TrailEntry.attempt == case.attempt,
                TrailEntry.action == "approve",
                TrailEntry.revision_hash == case.revision_hash,
            )
            .order_by(TrailEntry.seq)
        ).scalars()
    }
    numbers = {r.content_hash: r.number for r in articles.revisions(case)}
    team = worklists.role_holders()
    rows = []
    for role in step.roles:
        entry = given.get(role)
        rows.append(
            {
                "role": role,
                "entry": entry,
                "revision": numbers.get(entry.revision_hash) if entry else None,
                "holders": [] if entry else worklists.holders(case, {role: team.get(role, [])}),
            }
        )
    return rows


def approve_label(case, role):
    """The approve button says what it does: at a step every listed role approves, the role
    approved as; elsewhere, who the case goes to next."""
    d = case.definition()
    step = d.step(case.step)
    if step.all_roles or step.number >= len(d.steps):
        return _("Setujui sebagai %(role)s", role=role_name(role))
    nxt = d.step(step.number + 1)
    return _("Setujui dan teruskan ke %(roles)s", roles=" & ".join(role_name(r) for r in nxt.roles))


def acting_note(case, user, role):
    """For a person holding more than one of the step's roles: which one they approve as
    (the other approval must come from someone else), else None."""
    step = case.definition().step(case.step)
    held = [r for r in step.roles if r in user.roles()]
    if not step.all_roles or len(held) < 2:
        return None
    others = [role_name(r) for r in held if r != role]
    return _(
        "Anda memegang peran %(roles)s pada langkah ini. Persetujuan ini dicatat sebagai "
        "%(role)s; persetujuan sebagai %(others)s harus diberikan orang lain.",
        roles=_(" dan ").join(role_name(r) for r in held),
        role=role_name(role),
        others=", ".join(others),
    )
