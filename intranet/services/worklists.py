"""Work lists: the case list's search, filters and pages, who holds a case now, the case's
current title, and the count of what waits on a person (the nav badge and the dashboard).

Every filter is applied in SQL; only one page of cases is loaded. Who holds a case is read
from its step's roles in the SOP definition and the people holding them today, with step 3
belonging to the redaktur the material was handed to (``cases.step_owners``).
"""

from dataclasses import dataclass
from dataclasses import field
from datetime import timedelta
from types import MappingProxyType

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from archive import worklist
from intranet import memo
from intranet import sop
from intranet.clock import office_day_start
from intranet.clock import today
from intranet.extensions import db
from intranet.models import Assignment
from intranet.models import AssignmentRecipient
from intranet.models import Case
from intranet.models import Category
from intranet.models import Revision
from intranet.models import SourceMaterial
from intranet.models import TrailEntry
from intranet.models import User
from intranet.models.intake import case_materials
from intranet.services.cases import actor_of
from intranet.services.cases import approvals_of
from intranet.services.cases import overdue
from intranet.services.cases import prefetch
from intranet.services.cases import standing
from intranet.services.cases import step_owners
from intranet.services.holidays import holiday_set
from intranet.workflow import PUBLISHED
from intranet.workflow import is_overdue

PER_PAGE = 25
#: The longest search text taken; a longer one is cut here (with a message).
MAX_QUERY = 100
#: The case list's orderings: the query string's value → the SQL order.
ORDERS = {
    "baru": (Case.id.desc(),),
    "lama": (Case.id.asc(),),
    "langkah": (Case.step.asc(), Case.step_started_at.asc(), Case.id.asc()),
    "sejak": (Case.step_started_at.asc(), Case.id.asc()),
}
ORDER_LABELS = {
    "baru": _l("Terbaru"),
    "lama": _l("Terlama"),
    "langkah": _l("Langkah"),
    "sejak": _l("Paling lama menunggu"),
}
#: The step filter's value for cases that have left the SOP (published).
DONE = "terbit"
#: How far back the overdue cut-off is sought: far more than any standard time plus holidays.
_LOOKBACK_DAYS = 370


@dataclass
class Filters:
    """The case list's query string, validated: bad values are dropped with a message."""

    q: str = ""
    step: str = ""
    holder: int | None = None
    category: int | None = None
    overdue: bool = False
    order: str = "baru"
    page: int = 1
    messages: list = field(default_factory=list)

    def args(self, **change):
        """The query string of these filters (``change`` overrides), empty values left out."""
        values = {
            "q": self.q,
            "langkah": self.step,
            "pemegang": self.holder,
            "kategori": self.category,
            "terlambat": "1" if self.overdue else "",
            "urut": "" if self.order == "baru" else self.order,
            "halaman": self.page if self.page > 1 else "",
        }
        values.update(change)
        return {k: v for k, v in values.items() if v not in ("", None)}


def _int(value):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None


def parse_filters(args):
    """Read the case list's filters from a query string (a MultiDict)."""
    f = Filters()
    q = " ".join((args.get("q") or "").split())
    if len(q) > MAX_QUERY:
        f.messages.append(_("Kata kunci dipotong menjadi %(n)s karakter.", n=MAX_QUERY))
        q = q[:MAX_QUERY]
    f.q = q
    step = args.get("langkah") or ""
    if step:
        if step == DONE or step in {str(s.number) for s in sop.current().steps}:
            f.step = step
        else:
            f.messages.append(_("Langkah tidak dikenal; saringan langkah diabaikan."))
    if args.get("pemegang"):
        holder = _int(args.get("pemegang"))
        if holder is None or db.session.get(User, holder) is None:
            f.messages.append(_("Pemegang tidak dikenal; saringan pemegang diabaikan."))
        else:
            f.holder = holder
    if args.get("kategori"):
        category = _int(args.get("kategori"))
        if category is None or db.session.get(Category, category) is None:
            f.messages.append(_("Kategori tidak dikenal; saringan kategori diabaikan."))
        else:
            f.category = category
    f.overdue = args.get("terlambat") == "1"
    order = args.get("urut") or "baru"
    if order in ORDERS:
        f.order = order
    else:
        f.messages.append(_("Urutan tidak dikenal; naskah diurutkan dari yang terbaru."))
    if args.get("halaman"):
        page = _int(args.get("halaman"))
        if page is None:
            f.messages.append(_("Nomor halaman tidak sah; halaman pertama ditampilkan."))
        else:
            f.page = page
    return f


def _latest_title():
    """The title of a case's newest article revision (a correlated scalar subquery)."""
    return (
        db.select(Revision.title)
        .where(Revision.case_id == Case.id)
        .order_by(Revision.number.desc())
        .limit(1)
        .correlate(Case)
        .scalar_subquery()
    )


def _like(text):
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _search(q):
    """Cases whose working title, any article title or any agenda number matches ``q``;
    ``#12`` or ``12`` also finds case 12."""
    pattern = _like(q)
    # the matching revisions and agenda entries are each read once (not probed again for
    # every case), and the cases asked whether they are among them
    conditions = [
        db.func.lower(Case.title).like(pattern, escape="\\"),
        Case.id.in_(
            db.select(Revision.case_id).where(
                db.func.lower(Revision.title).like(pattern, escape="\\")
            )
        ),
        Case.id.in_(
            db.select(case_materials.c.case_id)
            .join(SourceMaterial, SourceMaterial.id == case_materials.c.material_id)
            .where(db.func.lower(SourceMaterial.nomor_agenda).like(pattern, escape="\\"))
        ),
    ]
    number = _int(q.removeprefix("#"))
    if number is not None:
        conditions.append(Case.id == number)
    return db.or_(*conditions)


def _definitions_in_use():
    """Every loaded SOP definition, as ``(code, version, definition)``."""
    return [(d.code, d.version, d) for d in sop.definitions().values()]


def _at_steps(steps_of):
    """Open cases at the steps ``steps_of(definition)`` names, under each definition."""
    parts, every_step = [], set()
    for code, version, d in _definitions_in_use():
        steps = list(steps_of(d))
        if steps:
            every_step.update(steps)
            parts.append(
                db.and_(
                    Case.definition_code == code,
                    Case.definition_version == version,
                    Case.step.in_(steps),
                )
            )
    if not parts:
        return db.false()
    # the steps of every definition once more, outside the OR: the (status, step) index
    # then reads only the cases at those steps, not every open case
    return db.and_(Case.status == "open", Case.step.in_(sorted(every_step)), db.or_(*parts))


def _held_by(roles):
    """Open cases waiting on the person of ``held_params`` holding ``roles``: at a step of
    one of the roles; a step owned by a particular redaktur (step 3) only for that redaktur
    and their Plh.

    The person is two parameters of the clause (their id and the redaktur they stand for),
    so the clause is built once per set of roles and SOP definitions and kept: building it
    cost more than the query it makes."""
    return _kept_by_roles(_HELD_BY, roles, _held_by_clause)


def _kept_by_roles(kept, roles, build):
    """``build(roles)``, kept in ``kept`` for the set of roles and the SOP definitions it was
    built from (a clause or statement whose only inputs those are)."""
    definitions, roles = sop.definitions(), frozenset(roles)
    found = kept.get(roles)
    if found is None or found[0] is not definitions:
        found = kept[roles] = (definitions, build(roles))
    return found[1]


def held_params(user):
    """The parameters of ``_held_by`` for ``user``: who they are and whose step-3 cases they
    hold (their own, and those of a redaktur they stand in for as Plh)."""
    owners = {user.id} | {
        d.absent_user_id for d in user.valid_delegations() if d.role == "redaktur"
    }
    return {"held_user": user.id, "held_owners": sorted(owners)}


def _held_by_clause(roles):
    at_role_steps = _at_steps(lambda d: [s.number for s in d.steps if set(s.roles) & roles])
    # at a step every listed role approves (step 9), one approval given waits for the others
    approved = (
        db.select(TrailEntry.id)
        .where(
            TrailEntry.case_id == Case.id,
            TrailEntry.step == Case.step,
            TrailEntry.attempt == Case.attempt,
            TrailEntry.action == "approve",
            TrailEntry.actor_id == db.bindparam("held_user"),
            TrailEntry.revision_hash == Case.revision_hash,
        )
        .exists()
    )
    return db.and_(
        at_role_steps,
        db.or_(
            Case.step.not_in(OWNED_STEPS),
            Case.redaktur_id.is_(None),
            Case.redaktur_id.in_(db.bindparam("held_owners", expanding=True)),
        ),
        ~approved,
    )


#: ``_held_by``'s clauses and ``_waiting``'s statements by set of roles:
#: ``{roles: (the definitions they were built from, clause)}``.
_HELD_BY = {}
_WAITING = {}


#: Steps that belong to the case's own redaktur rather than to every holder of the role.
OWNED_STEPS = (3,)


def _overdue_cutoff(standard_days, on, holidays):
    """The first office date whose steps are not yet overdue on ``on``: a step started
    before it has run past ``standard_days`` working days."""
    day = on
    for _i in range(_LOOKBACK_DAYS):
        if is_overdue(day - timedelta(days=1), on, standard_days, holidays):
            return day
        day -= timedelta(days=1)
    return day


def _overdue():
    """Open cases whose current step has run past its standard working days."""
    on, holidays, parts = today(), holiday_set(), []
    cutoffs = {}  # by standard days: most steps share a few
    for code, version, d in _definitions_in_use():
        for s in d.steps:
            if s.standard_days not in cutoffs:
                cutoffs[s.standard_days] = office_day_start(
                    _overdue_cutoff(s.standard_days, on, holidays)
                )
            cutoff = cutoffs[s.standard_days]
            # "open" in every part: each part is then one range of the worklist index
            # (status, step, step_started_at), read one after the other
            parts.append(
                db.and_(
                    Case.status == "open",
                    Case.step == s.number,
                    Case.step_started_at < cutoff,
                    Case.definition_code == code,
                    Case.definition_version == version,
                )
            )
    return db.or_(*parts) if parts else db.false()


@dataclass
class Page:
    """One page of the case list."""

    rows: list
    total: int
    page: int
    pages: int
    filters: Filters


def case_list(filters):
    """One page of cases matching ``filters``, each as ``{case, title, outcome, holders,
    overdue}``; a page past the last shows the last."""
    conditions, params = [], {}
    if filters.q:
        conditions.append(_search(filters.q))
    if filters.step == DONE:
        conditions.append(Case.status == PUBLISHED)
    elif filters.step:
        conditions += [Case.status == "open", Case.step == int(filters.step)]
    if filters.holder is not None:
        holder = db.session.get(User, filters.holder)
        conditions.append(_held_by(holder.roles()))
        params.update(held_params(holder))
    if filters.category is not None:
        conditions.append(Case.category_id == filters.category)
    if filters.overdue:
        conditions.append(_overdue())
    rows = total = None
    if filters.q:
        # a text search reads every case: the page and its total come from that one pass
        rows = _page_rows(conditions, params, filters.order, filters.page, with_total=True)
        if rows:
            total = rows[0].total
        elif filters.page == 1:
            total = 0
    if total is None:  # the other filters are counted from an index alone
        total = db.session.execute(
            db.select(db.func.count(Case.id)).where(*conditions), params
        ).scalar_one()
    pages = max(1, -(-total // PER_PAGE))
    if filters.page > pages:
        filters.messages.append(
            _("Halaman %(n)s tidak ada; halaman terakhir ditampilkan.", n=filters.page)
        )
        filters.page = pages
        rows = None
    if rows is None:
        rows = _page_rows(conditions, params, filters.order, filters.page)
    team = role_holders()
    approved = approved_roles([row.Case for row in rows])
    return Page(
        rows=[
            describe(row.Case, row.article_title, team, approved.get(row.Case.id, frozenset()))
            for row in rows
        ],
        total=total,
        page=filters.page,
        pages=pages,
        filters=filters,
    )


def _page_rows(conditions, params, order, page, with_total=False):
    """Page ``page`` of the cases matching ``conditions`` (with their ``params``) in
    ``order``: rows of the case and its article title, and with ``with_total`` the count of
    every matching case (``total``, a window count over the same pass).

    The page's ids are picked first, so the article titles are read for those cases alone."""
    columns = [Case.id] + ([db.func.count().over().label("total")] if with_total else [])
    picked = (
        db.select(*columns)
        .where(*conditions)
        .order_by(*ORDERS[order])
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
        .subquery()
    )
    return db.session.execute(
        db.select(Case, _latest_title().label("article_title"), *picked.c[1:])
        .join(picked, picked.c.id == Case.id)
        .options(selectinload(Case.category), selectinload(Case.redaktur))
        .order_by(*ORDERS[order]),
        params,
    ).all()


def role_holders():
    """Active people holding each role today, by name: ``{role: (user, ...)}``; read once a
    transaction however many parts of a page ask."""
    return memo.once(("role_holders", today()), _role_holders)


def _role_holders():
    users = db.session.execute(
        db.select(User)
        .options(*User.with_roles())
        .where(User.active.is_(True))
        .order_by(User.full_name)
    ).scalars()
    team = {}
    for u in users:
        for role in u.roles():
            team.setdefault(role, []).append(u)
    return MappingProxyType({role: tuple(people) for role, people in team.items()})


def approved_roles(cases, approvals=None):
    """``{case id: roles}`` whose approval the case already has at its current step and
    attempt, on its current revision (a step every listed role approves waits only on the
    others); one query for all ``cases``, none when their ``approvals_of`` is given."""
    cases = [c for c in cases if c.status == "open"]
    approvals = approvals_of(cases) if approvals is None else approvals
    found = {}
    for case in cases:
        roles = {
            a.role
            for a in approvals[case.id]
            if a.revision_hash is not None and a.revision_hash == case.revision_hash
        }
        if roles:
            found[case.id] = roles
    return found


def holders(case, team, approved=frozenset(), step=None):
    """The people whose action the case awaits now (none once it has left the SOP): the
    holders of the step's roles not yet ``approved``; step 3 its own redaktur. ``step``
    asks about another step of the case (the one a return would send it to)."""
    if case.status != "open":
        return []
    step = case.definition().step(step or case.step)
    r = case.redaktur
    if step.number in OWNED_STEPS and r is not None and r in team.get("redaktur", ()):
        return [r]
    people = {}
    for role in step.roles:
        if role in approved:
            continue
        for u in team.get(role, ()):
            people[u.id] = u
    return sorted(people.values(), key=lambda u: u.full_name)


def describe(case, article_title, team, approved=frozenset()):
    """A case as the lists show it: its current title, the outcome its step awaits, who
    holds it now and its overdue mark."""
    step = case.definition().step(case.step)
    return {
        "case": case,
        "title": article_title or case.title,
        "outcome": step.outcome if case.status == "open" else None,
        "step": step,
        "holders": holders(case, team, approved),
        "overdue": overdue(case),
    }


def current_titles(case_ids):
    """``{case id: title}``: the newest article revision's title, else the working title."""
    if not case_ids:
        return {}
    rows = db.session.execute(
        db.select(Case.id, Case.title, _latest_title()).where(Case.id.in_(list(case_ids)))
    )
    return {case_id: article or title for case_id, title, article in rows}


def step_choices():
    """The step filter's choices: each step of the current definition by its outcome."""
    return [(str(s.number), f"{s.number}. {s.outcome}") for s in sop.current().steps] + [
        (DONE, _("Terbit (selesai)"))
    ]


def waiting_count(user):
    """How many things wait on ``user``: open cases at a step of their roles (step 3 only
    for its own redaktur), directions given to them not yet acknowledged, and for a keeper
    of the archive the records whose hardcopy is still to print, stamp or file. The nav
    badge and the dashboard show this number."""
    return sum(_waiting(user))


def held_count(user):
    """How many open cases wait on ``user`` (the dashboard's "lihat semua" beside its page)."""
    return _waiting(user)[0]


def _waiting(user):
    """``(cases, unread directions[, hardcopy])`` waiting on ``user``: one statement besides
    the person's roles, once a transaction however many parts of a page ask."""

    def count():
        statement = _kept_by_roles(_WAITING, user.roles(), lambda _roles: _waiting_of(user))
        return tuple(db.session.execute(statement, held_params(user)).one())

    return memo.once(("waiting", user.id, today()), count)


def _waiting_of(user):
    """``_waiting``'s statement for the roles of ``user`` (its other inputs are parameters)."""
    unread_q = (
        db.select(db.func.count(AssignmentRecipient.id))
        .join(Assignment, Assignment.id == AssignmentRecipient.assignment_id)
        .where(
            AssignmentRecipient.user_id == db.bindparam("held_user"),
            AssignmentRecipient.acknowledged_at.is_(None),
            Assignment.closed_at.is_(None),
        )
    )
    cases_q = db.select(db.func.count(Case.id)).where(_held_by(user.roles()))
    counts = [cases_q.scalar_subquery(), unread_q.scalar_subquery()]
    hardcopy = worklist.hardcopy_count(user)  # asks the roles alone
    if hardcopy is not None:
        counts.append(hardcopy.scalar_subquery())
    return db.select(*counts)


def tasks_for(user, limit=None):
    """The open cases waiting on ``user`` now, each with its options, what is missing, the
    outcome its step awaits and its overdue mark. The candidates come from SQL (the cases at
    a step of the person's roles); the workflow then says whether they may act. ``limit``
    keeps the first that many (the dashboard's page): candidates are read a page at a time,
    so the work done stays that of one page however many cases wait."""
    roles, actor = user.roles(), actor_of(user)
    query = (
        db.select(Case)
        .options(selectinload(Case.redaktur))
        .where(_held_by(roles))
        .order_by(Case.opened_at, Case.id)
    )
    tasks, team, offset, params = [], None, 0, held_params(user)
    while limit is None or len(tasks) < limit:
        batch = query if limit is None else query.limit(limit).offset(offset)
        candidates = db.session.execute(batch, params).scalars().all()
        if not candidates:
            break
        titles = current_titles([c.id for c in candidates])
        team = role_holders() if team is None else team
        approvals = prefetch(candidates)
        approved = approved_roles(candidates, approvals)
        for case in candidates:
            options, missing, _editable = standing(case, user, actor, approvals[case.id])
            step = case.definition().step(case.step)
            owners = step_owners(case).get(step.number)
            may_act = bool(options) or (bool(set(step.roles) & roles) and bool(missing))
            if owners and user.id not in owners:
                may_act = False
            if may_act:
                row = describe(case, titles.get(case.id), team, approved.get(case.id, frozenset()))
                row.update(options=options, missing=missing)
                tasks.append(row)
        if limit is None or len(candidates) < limit:
            break
        offset += limit
    return tasks if limit is None else tasks[:limit]
