"""Cases (naskah) through the SOP: opening one at handover, deciding at each step, my tasks.

Every change follows one shape: build the case's state, ask the workflow, append the
trail entry, change the case, commit (the case's version column refuses a concurrent
decision), then notify.
"""

import hashlib
from collections.abc import Mapping

from flask_babel import gettext as _
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import flag_modified

from intranet import memo
from intranet import sop
from intranet.clock import office_date
from intranet.clock import today
from intranet.clock import utcnow
from intranet.extensions import db
from intranet.links import absolute_url
from intranet.models import Category
from intranet.models import Concept
from intranet.models import TeamDecree
from intranet.models import TrailEntry
from intranet.models import User
from intranet.models.trail import canonical_json
from intranet.permissions import WORK
from intranet.services import articles
from intranet.services import drafts
from intranet.services import notify
from intranet.services import photos
from intranet.services import previews
from intranet.services import trail
from intranet.services.holidays import holiday_set
from intranet.transactions import ConflictError
from intranet.transactions import ServiceError
from intranet.transactions import atomic
from intranet.transactions import check_version
from intranet.transactions import commit
from intranet.workflow import PUBLISHED
from intranet.workflow import Action
from intranet.workflow import Actor
from intranet.workflow import Approval
from intranet.workflow import CaseState
from intranet.workflow import WorkflowError
from intranet.workflow import add_working_days
from intranet.workflow import allowed_actions
from intranet.workflow import check_edit
from intranet.workflow import correctable
from intranet.workflow import editable
from intranet.workflow import is_overdue
from intranet.workflow import missing_kelengkapan
from intranet.workflow import next_state


def actor_of(user):
    """The workflow's view of a person: id and roles held today."""
    return Actor(user_id=user.id, roles=frozenset(user.roles()))


def sk_in_force():
    """True if some SK Tim is in force today (asked once a transaction, however many cases
    a page checks)."""
    on = today()
    return memo.once(
        ("sk_in_force", on),
        lambda: bool(
            db.session.execute(
                db.select(TeamDecree.id).where(
                    TeamDecree.valid_from <= on, TeamDecree.valid_until >= on
                )
            ).first()
        ),
    )


class _Facts(Mapping):
    """Kelengkapan checks, each looked up in the database only when the workflow asks."""

    def __init__(self, lookups):
        self._lookups, self._known = lookups, {}

    def __getitem__(self, check):
        if check not in self._known:
            self._known[check] = bool(self._lookups[check]())
        return self._known[check]

    def __iter__(self):
        return iter(self._lookups)

    def __len__(self):
        return len(self._lookups)


def case_facts(case):
    """Which kelengkapan checks hold for this case now.

    Checks for work a case does not have yet (the concept, the article, photos, preview,
    publication) stay false until that work is recorded on the case.
    """

    def concept():
        c = latest_concept(case)
        return c and c.angle.strip() and c.outline.strip()

    return _Facts(
        {
            "sk_tim_valid": sk_in_force,
            "assignee": lambda: case.assignment and case.assignment.recipients,
            "source_material": lambda: any(m.files for m in case.materials),
            "category": lambda: case.category_id is not None,
            "concept": concept,
            "article_text": lambda: articles.has_text(case),
            "photos": lambda: photos.has_captioned_photo(case),
            "preview": lambda: previews.has_current_preview(case),
            "published_url": lambda: case.slug,
        }
    )


def latest_concept(case):
    """The newest saved concept of a case, or None (kept for the transaction)."""
    return memo.once(("latest_concept", case.id), lambda: latest_concepts([case])[case.id])


def latest_concepts(cases):
    """``{case id: newest concept or None}`` for a page of cases in one statement; kept for
    the transaction, so ``latest_concept`` asks no more for these cases."""
    found = {case.id: None for case in cases}
    if found:
        newest = (
            db.select(Concept.case_id, db.func.max(Concept.number).label("number"))
            .where(Concept.case_id.in_(sorted(found)))
            .group_by(Concept.case_id)
            .subquery()
        )
        rows = db.session.execute(
            db.select(Concept).join(
                newest,
                db.and_(Concept.case_id == newest.c.case_id, Concept.number == newest.c.number),
            )
        ).scalars()
        for concept in rows:
            found[concept.case_id] = concept
    for case_id, concept in found.items():
        memo.keep(("latest_concept", case_id), concept)
    return found


def prefetch(cases):
    """Read what the workflow asks of each of a page of cases (approvals, newest concept,
    who wrote the article, whether an SK Tim is in force) in one statement each:
    ``{case id: approvals}``; the rest is kept for the transaction."""
    if cases:
        sk_in_force()
    latest_concepts(cases)
    articles.authorship_of(cases)
    return approvals_of(cases)


def concepts(case, latest=10):
    """The ``latest`` saved concepts of a case, oldest first, and how many there are in all."""
    rows = (
        db.session.execute(
            db.select(Concept)
            .where(Concept.case_id == case.id)
            .order_by(Concept.number.desc())
            .limit(latest)
        )
        .scalars()
        .all()
    )
    total = db.session.execute(
        db.select(db.func.count()).select_from(Concept).where(Concept.case_id == case.id)
    ).scalar_one()
    return rows[::-1], total


def reviewed(case):
    """What the current step reviews, as ``(hash, author ids)``; (None, ()) if nothing."""
    step = case.definition().step(case.step)
    if step.reviews == "concept":
        c = latest_concept(case)
        return (c.content_hash, frozenset({c.author_id})) if c else (None, frozenset())
    if step.reviews == "article":
        return case.revision_hash, frozenset(article_authors(case))
    return case.revision_hash, frozenset()


def article_authors(case):
    """Who wrote the article: they may not approve it (see ``articles.writers``)."""
    return articles.writers(case, at_step=case.step)


def editable_parts(case, user):
    """What ``user`` may change on the case now."""
    return editable(case_state(case), actor_of(user))


def correctable_parts(case, user):
    """What ``user`` may change on the published case, as a correction."""
    return correctable(case_state(case), actor_of(user))


@atomic
def save_concept(case, user, data, base_number):
    """Save a new version of the concept; refuse a save made from an older version (409)."""
    try:
        check_edit(case_state(case), actor_of(user), "concept")
    except WorkflowError as e:
        raise ServiceError(_(e.msgid, **e.params)) from e
    current = latest_concept(case)
    current_number = current.number if current else 0
    if base_number != current_number:
        raise ConflictError(
            _(
                "Konsep sudah disimpan orang lain (versi %(n)s) sejak Anda membukanya.",
                n=current_number,
            )
        )
    concept = Concept(
        case_id=case.id,
        number=current_number + 1,
        angle=data["angle"].strip(),
        outline=data["outline"].strip(),
        sources=(data.get("sources") or "").strip() or None,
        author_id=user.id,
    )
    concept.content_hash = hashlib.sha256(canonical_json(concept.content()).encode()).hexdigest()
    # the draft goes first: its query would otherwise flush the new version early, outside
    # ``commit``'s conflict handling (two saves of the same next number are a stale form, 409)
    drafts.discard(case, user, "concept")
    db.session.add(concept)
    touch(case)
    commit(_("Konsep sudah disimpan orang lain sejak Anda membukanya."), stale=True)
    return concept


def current_approvals(case):
    """Approvals at the current attempt of the current step."""
    return approvals_of([case])[case.id]


def approvals_of(cases):
    """``{case id: approvals}`` at each case's current attempt of its current step (as the
    case object has them), in one statement for a whole page of cases."""
    by_id = {case.id: case for case in cases}
    found = {case_id: [] for case_id in by_id}
    if by_id:
        rows = db.session.execute(
            db.select(TrailEntry.case_id, TrailEntry.step, TrailEntry.attempt)
            .add_columns(TrailEntry.actor_id, TrailEntry.role, TrailEntry.revision_hash)
            .where(TrailEntry.case_id.in_(sorted(by_id)), TrailEntry.action == "approve")
            .order_by(TrailEntry.id)
        )
        for case_id, step, attempt, actor_id, role, revision_hash in rows:
            case = by_id[case_id]
            if step == case.step and attempt == case.attempt:
                found[case_id].append(Approval(actor_id, role, revision_hash))
    return {case_id: tuple(approvals) for case_id, approvals in found.items()}


def published_facts(case):
    """What the after-publication rules ask of a published case, and the correction waiting.

    Returns ``(facts, pending)``: ``on_site`` (published, not withdrawn) and
    ``correction_pending``, and the pending correction's revision (or None).
    """
    article = articles.article_of(case)
    pending = articles.pending_correction(article) if article else None
    on_site = article is not None and article.status == "published"
    return {"on_site": on_site, "correction_pending": pending is not None}, pending


def case_state(case, approvals=None):
    """The workflow's view of a case; ``approvals`` its ``current_approvals`` when already
    read with a page of others (``approvals_of``)."""
    if case.status == PUBLISHED:
        facts, pending = published_facts(case)
        return CaseState(
            definition=case.definition(),
            step=case.step,
            status=case.status,
            facts=facts,
            revision_hash=pending.content_hash if pending else None,
            revision_authors=frozenset({pending.author_id}) if pending else frozenset(),
        )
    revision_hash, authors = reviewed(case)
    return CaseState(
        definition=case.definition(),
        step=case.step,
        status=case.status,
        facts=case_facts(case),
        revision_hash=revision_hash,
        revision_authors=authors,
        approvals=current_approvals(case) if approvals is None else approvals,
        owners=step_owners(case),
    )


def step_owners(case):
    """Step 3 belongs to the redaktur the material was handed to (and their Plh).

    When that person no longer holds the role, any redaktur may take the step over.
    """
    r = case.redaktur
    if r is None or not r.active or "redaktur" not in {m.role for m in r.valid_memberships()}:
        return {}

    substitutes = [d for d in r.delegations_given if d.role == "redaktur"]
    return {3: frozenset({r.id} | {d.substitute_id for d in substitutes if d.in_force()})}


def allow(case, user, kind, reason=""):
    """The transition ``kind`` by ``user`` makes, or a ServiceError saying why it may not."""
    try:
        return next_state(case_state(case), Action(kind, reason=reason), actor_of(user))
    except WorkflowError as e:
        raise ServiceError(_(e.msgid, **e.params)) from e


def standing(case, user, actor=None, approvals=None):
    """What ``user`` may do on ``case`` now, from one look at the case.

    Returns ``(options, missing, editable)``: the actions allowed, the current step's
    kelengkapan that do not hold yet as (check, label), and the parts that may be changed.
    """
    state, actor = case_state(case, approvals), actor or actor_of(user)
    return allowed_actions(state, actor), missing_kelengkapan(state), editable(state, actor)


def _next_attempt(case, step):
    """The attempt number for entering ``step`` now: one more than the times it was entered.

    Every entry that moved the case records where it moved it (``data.to``).
    """
    entered = sum(1 for e in case.trail if e.extra.get("to") == step)
    return entered + 1


@atomic
def decide(
    case, user, kind, *, to_step=None, reason="", role=None, version=None, extra=None, then=None
):
    """Take an SOP action on a case: complete, approve, return or publish.

    ``extra`` joins the trail entry's data; ``then(case, transition)`` runs in the same
    transaction after the case has moved (publication uses both).
    """
    check_version(case, version)
    state = case_state(case)
    try:
        t = next_state(
            state, Action(kind, to_step=to_step, reason=reason, role=role), actor_of(user)
        )
    except WorkflowError as e:
        raise ServiceError(_(e.msgid, **e.params)) from e
    step_before = case.step
    moves = t.next_step != step_before
    data = {"to": t.next_step} if moves else {}
    if t.returned_to:
        data["returned_to"] = t.returned_to
    next_attempt = _next_attempt(case, t.next_step) if moves else case.attempt
    # Submitting the preview (step 7) sends the reviewers each their own signed link; so
    # does reaching the final approvals, with the text as corrected at step 8.
    preview, reviewers = None, []
    d = case.definition()
    if t.advanced and "preview" in d.step(step_before).edits:
        preview = previews.latest_preview(case)
        reviewers = holders_of({"koordinator", "penanggungjawab"})
    elif t.advanced and t.next_step <= len(d.steps) and d.step(t.next_step).all_roles:
        preview = previews.current_for(case, user)
        reviewers = holders_of(set(d.step(t.next_step).roles))
    if preview is not None:
        reviewers = [u for u in reviewers if u.id != user.id]
        data.update(preview_id=preview.id, sent_to=[u.id for u in reviewers])
    data.update(extra or {})
    trail.append(
        case,
        step=step_before,
        action=t.action,
        actor=user,
        role=t.role,
        note=(reason or "").strip() or None,
        revision_hash=state.revision_hash,
        data=data,
    )
    if moves:
        case.attempt = next_attempt
        case.step = t.next_step
        case.step_started_at = utcnow()
    case.status = t.status
    db.session.flush()
    if then is not None:
        then(case, t)
    if preview:
        previews.send_links(case, preview, reviewers)
    else:
        _notify_after(case, t, user, step_before, reason)
    # Two decisions racing for the same trail entry number: the later form was stale (409).
    commit(stale=True)
    return t


def save_and_hand_on(case, user, save):
    """The work of a step saved, then the step completed: one click on a work page ("Simpan
    dan kirim ke Koordinator").

    ``save()`` saves the work in its own transaction and returns what it saved; a refusal
    there (ServiceError) changes nothing and is raised. The step is then completed as
    ``user``; when the SOP refuses that (a kelengkapan missing), the work stays saved and
    the refusal is returned for the page to say. Returns ``(saved, transition, refusal)``
    with exactly one of ``transition`` and ``refusal`` set.
    """
    saved = save()
    try:
        t = decide(case, user, "complete", version=case.version)
    except ServiceError as e:
        return saved, None, str(e)
    return saved, t, None


def _notify_after(case, t, actor, step_before, reason):
    """Tell whoever must act next; on a return, also those whose steps are redone."""
    d = case.definition()
    link = absolute_url("cases.detail", case_id=case.id)
    if t.returned_to:
        subject = _(
            "Naskah #%(id)s dikembalikan ke langkah %(step)s", id=case.id, step=t.returned_to
        )
        body = _(
            '%(who)s mengembalikan naskah "%(title)s" dari langkah %(from)s ke langkah %(to)s.\n'
            "Alasan: %(reason)s\n\n%(link)s",
            who=actor.full_name,
            title=case.title,
            to=t.returned_to,
            reason=reason.strip(),
            link=link,
            **{"from": step_before},
        )
        for user in return_recipients(case, t.returned_to, actor, step_before):
            notify.queue(user, subject, body, "return", case)
        return
    if case.status != "open" or not t.advanced:
        return
    step = d.step(case.step)
    subject = _("Naskah #%(id)s menunggu Anda: langkah %(step)s", id=case.id, step=step.number)
    body = _(
        'Naskah "%(title)s" kini berada di langkah %(step)s: %(kegiatan)s.\n\n%(link)s',
        title=case.title,
        step=step.number,
        kegiatan=step.kegiatan,
        link=link,
    )
    for user in _people_for_steps(case, d, [step.number], exclude=None):
        notify.queue(user, subject, body, "next_step", case)


def return_recipients(case, to_step, actor, step_before=None):
    """Who is told when ``actor`` returns the case to ``to_step``: the people at that step
    and at every step it will pass through again (see ``_people_for_steps``)."""
    steps = range(to_step, (step_before or case.step) + 1)
    return _people_for_steps(case, case.definition(), steps, exclude=actor)


def check_return(case, user, to_step, reason, role=None, version=None):
    """Refuse (ServiceError) a return the SOP would refuse, changing nothing: the first
    half of a return, before the person confirms it."""
    check_version(case, version)
    try:
        return next_state(
            case_state(case),
            Action("return", to_step=to_step, reason=reason, role=role),
            actor_of(user),
        )
    except WorkflowError as e:
        raise ServiceError(_(e.msgid, **e.params)) from e


def _people_for_steps(case, definition, steps, exclude):
    """Active people who hold a role of these steps today, plus whoever acted at them."""
    roles = {r for n in steps for r in definition.step(n).roles}
    people = {u.id: u for u in holders_of(roles)}
    acted = db.session.execute(
        db.select(User)
        .join(TrailEntry, TrailEntry.actor_id == User.id)
        .where(TrailEntry.case_id == case.id, TrailEntry.step.in_(list(steps)))
    ).scalars()
    for u in acted:
        people[u.id] = u
    # step 3 belongs to the redaktur the material was handed to, when there is one
    if list(steps) == [3] and case.redaktur is not None and case.redaktur.active:
        people = {case.redaktur_id: case.redaktur}
    return [u for u in people.values() if u.active and (exclude is None or u.id != exclude.id)]


def holders_of(roles):
    """Active users holding any of ``roles`` today (directly or as a substitute)."""
    users = db.session.execute(db.select(User).where(User.active.is_(True))).scalars()
    return [u for u in users if u.roles() & set(roles)]


def overdue(case, now=None):
    """True if the current step has run past its standard time (working days, the office's
    holidays skipped)."""
    if case.status != "open":
        return False
    step = case.definition().step(case.step)
    return is_overdue(
        office_date(case.step_started_at),
        office_date(now or utcnow()),
        step.standard_days,
        holiday_set(),
    )


def step_due(case):
    """The date the current step is due: its standard working days after it started, the
    office's holidays skipped (None once the case has left the SOP)."""
    if case.status != "open":
        return None
    step = case.definition().step(case.step)
    return add_working_days(office_date(case.step_started_at), step.standard_days, holiday_set())


def timeline(case):
    """The SOP steps of a case with every trail entry at each, for the case page."""
    d = case.definition()
    by_step = {s.number: [] for s in d.steps}
    # who acted, for whom and under which SK: read for every entry at once (the page names
    # them all), not asked of each entry in turn
    entries = db.session.execute(
        db.select(TrailEntry)
        .where(TrailEntry.case_id == case.id)
        .order_by(TrailEntry.seq)
        .options(
            selectinload(TrailEntry.actor),
            selectinload(TrailEntry.on_behalf_of),
            selectinload(TrailEntry.decree),
        )
    ).scalars()
    for e in entries:
        by_step.setdefault(e.step, []).append(e)
    rows = []
    for s in d.steps:
        entries = by_step[s.number]
        if case.status != "open" or s.number < case.step:
            state = "done" if entries else "skipped"
        elif s.number == case.step:
            state = "current"
        else:
            state = "todo"
        rows.append({"step": s, "entries": entries, "state": state})
    return rows


def categories(active_only=True):
    """News categories in their order."""
    q = db.select(Category).order_by(Category.position, Category.name)
    if active_only:
        q = q.where(Category.active.is_(True))
    return db.session.execute(q).scalars().all()


def definition_for_new_cases():
    """The SOP definition new cases start under."""
    return sop.current()


def save_article(case, user, data, base_number):
    """Save the article as a new revision (step 5, or a correction at step 8)."""
    return articles.save_revision(case, user, data, base_number, case_state(case), actor_of(user))


def touch(case):
    """Bump the case's version: a decision taken on the page as it was loaded is now stale."""
    flag_modified(case, "step")


def save_draft(case, user, kind, base_number, fields):
    """Autosave ``user``'s draft of the article or the concept (same rule as saving it);
    return when it was saved."""
    state, actor = case_state(case), actor_of(user)
    parts = editable(state, actor) | correctable(state, actor)
    return drafts.save_draft(case, user, kind, base_number, fields, parts)


def add_photo(case, user, storage, data):
    """Add a journalistic photo (steps 5–6)."""
    return photos.add_photo(case, user, storage, data, case_state(case), actor_of(user))


def change_photo(case, user, photo, what, data=None, version=None):
    """Edit, move, make cover, rotate or remove a photo (steps 5–6)."""
    state, actor = case_state(case), actor_of(user)
    if what == "update":
        return photos.update_photo(case, photo, data, state, actor, version)
    if what in ("up", "down"):
        return photos.move_photo(case, photo, what, state, actor)
    if what == "cover":
        return photos.set_cover(case, photo, state, actor)
    if what == "remove":
        return photos.remove_photo(case, photo, state, actor)
    if what in ("rotate_left", "rotate_right"):
        return photos.rotate_photo(case, photo, -90 if what == "rotate_left" else 90, state, actor)
    if what == "move":
        return photos.move_photo_to(case, photo, data["position"], state, actor)
    raise ServiceError(_("Tindakan tidak dikenal."))


def change_photos(case, user, rows):
    """Save the caption, credit, alt text and date of several photos at once (the grid)."""
    return photos.update_photos(case, rows, case_state(case), actor_of(user))


def lay_out_preview(case, user, layout):
    """Lay out the unpublished preview of the current revision (step 7)."""
    return previews.lay_out(case, user, layout, case_state(case), actor_of(user))


#: How many times a comment is written again on top of a trail that moved meanwhile.
COMMENT_ATTEMPTS = 3


def comment(case, user, text, step=None):
    """A comment on the case (or on one of its steps), kept in the trail's timeline.

    Anyone working on the SOP may comment; the comment names the role the person holds
    (their first work role) and the SK behind it, like every other trail entry. A comment
    does not rest on what the person saw of the case, so one that finds the trail moved by
    another entry committed meanwhile (two comments at the same moment) is appended again
    on top of it, up to ``COMMENT_ATTEMPTS`` times, instead of being refused as stale.
    """
    for attempt in range(1, COMMENT_ATTEMPTS + 1):
        try:
            return _comment(case, user, text, step)
        except ConflictError:
            if attempt == COMMENT_ATTEMPTS:
                raise


@atomic
def _comment(case, user, text, step):
    roles = [r for r in WORK if r in user.roles()]
    if not roles:
        raise ServiceError(_("Hanya anggota tim yang dapat berkomentar."))
    d = case.definition()
    step = step or case.step
    if not 1 <= step <= len(d.steps):
        raise ServiceError(_("Langkah tidak dikenal."))
    text = text.strip()
    if not text:
        raise ServiceError(_("Komentar kosong."))
    trail.append(
        case,
        step=step,
        action="comment",
        actor=user,
        role=roles[0],
        note=text,
        attempt=case.attempt if step == case.step else None,
    )
    touch(case)
    commit()
