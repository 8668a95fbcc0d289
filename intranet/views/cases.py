"""Cases (naskah): the list, the case page with its SOP timeline, and decisions."""

import io

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import send_file
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from archive import records
from intranet.clock import office_time
from intranet.clock import office_to_utc
from intranet.clock import today
from intranet.database import get_or_404
from intranet.forms import flash_errors
from intranet.forms.attachments import AttachmentForm
from intranet.forms.cases import ArticleForm
from intranet.forms.cases import CommentForm
from intranet.forms.cases import ConceptForm
from intranet.forms.cases import DecisionForm
from intranet.forms.cases import PhotoActionForm
from intranet.forms.cases import PhotoEditForm
from intranet.forms.cases import PhotoForm
from intranet.forms.cases import PhotoGridForm
from intranet.forms.cases import PhotoRowForm
from intranet.forms.cases import PreviewForm
from intranet.forms.cases import PublishForm
from intranet.forms.cases import SocialPostForm
from intranet.forms.cases import WithdrawForm
from intranet.forms.intake import SimpleForm
from intranet.models import Attachment
from intranet.models import Case
from intranet.models import Photo
from intranet.permissions import area_required
from intranet.services import articles
from intranet.services import attachments as attachment_service
from intranet.services import cases
from intranet.services import drafts
from intranet.services import handoff
from intranet.services import photos as photo_service
from intranet.services import previews
from intranet.services import publishing
from intranet.services import queries
from intranet.services import reports
from intranet.services import worklists
from intranet.transactions import ServiceError

bp = Blueprint("cases", __name__, url_prefix="/intranet/naskah")
#: The draft kinds as the addresses name them.
DRAFT_KINDS = {"artikel": "article", "konsep": "concept"}


@bp.get("/")
@area_required("cases")
def index():
    """The cases, searched, filtered and ordered by the query string, a page at a time:
    each with the outcome its step awaits and who holds it now."""
    filters = worklists.parse_filters(request.args)
    page = worklists.case_list(filters)
    for message in filters.messages:
        flash(message, "error")
    return render_template(
        "cases/index.html",
        page=page,
        filters=filters,
        steps=worklists.step_choices(),
        categories=cases.categories(active_only=False),
        people=queries.team_members(),
        orders=worklists.ORDER_LABELS,
    )


REVIEW_KINDS = ("approve", "return")


def _photo_url(case):
    return lambda pid, size: url_for("cases.photo_file", case_id=case.id, photo_id=pid, size=size)


def _review(case, options, form, confirm=False, published=None, pending=None):
    """What a review step shows beside its decision: the approve/return options, the
    returns by step name (the step just before chosen), the approvals a step every role
    approves still awaits, the text being decided, and a return waiting to be confirmed."""
    d = case.definition()
    step = d.step(case.step) if case.status == "open" else None
    review = [o for o in options if o.kind in REVIEW_KINDS]
    returns = next((o.to_steps for o in review if o.kind == "return"), ())
    form.to_step.choices = [SelectChoice(n, handoff.step_name(d.step(n))) for n in returns]
    if returns and form.to_step.data not in returns:
        form.to_step.data = max(returns)
    ctx = {
        "review_block": bool(step and step.kind == "review") or pending is not None,
        "review_step": step if step and step.kind == "review" else None,
        "review_options": review,
        "approve_labels": {o.role: handoff.approve_label(case, o.role) for o in review},
        "acting_notes": {o.role: handoff.acting_note(case, current_user, o.role) for o in review},
        "approvals": handoff.required_approvals(case),
        "reading": None,
        "reading_revision": None,
        "compare_with": None,
        "return_confirm": None,
        "decision_form": form,
    }
    revision = None
    if pending is not None:
        revision, ctx["compare_with"] = pending, published.current.revision.number
    elif ctx["review_step"] and ctx["review_step"].reviews == "article":
        revision = articles.latest_revision(case)
        if revision and revision.number > 1:
            ctx["compare_with"] = revision.number - 1
    if revision is not None:
        ctx["reading_revision"] = revision
        ctx["reading"] = articles.article_view(
            revision, photo_service.photos(case), _photo_url(case)
        )
    if confirm:
        to = form.to_step.data
        ctx["return_confirm"] = {
            "to": to,
            "step": handoff.step_name(d.step(to)),
            "holders": handoff.who_text(handoff.waiting_on(case, to)),
            "told": cases.return_recipients(case, to, current_user),
            "reason": (form.reason.data or "").strip(),
            "role": form.role.data or "",
        }
    return ctx


def _work_url(case, editable):
    """Where ``editable`` work of the case's current step is done: the preview, the editor,
    the photos or the concept form; None when the step has no work page for the person."""
    if case.status != "open" or not editable:
        return None
    step = case.definition().step(case.step)
    if step.kind != "task":
        return None
    if "preview" in editable:
        return url_for("cases.preview", case_id=case.id)
    if "article" in editable:
        return url_for("cases.write", case_id=case.id)
    if "photos" in editable:
        return url_for("cases.photos", case_id=case.id)
    if "concept" in editable:
        return url_for("cases.detail", case_id=case.id) + "#konsep"
    return None


def _holding(case):
    """Who holds the case now and the outcome awaited ("Demo Redaktur — 3. Tulis konsep"),
    for the case page; None once it has left the SOP."""
    if case.status != "open":
        return None
    people = [u for _role, held in handoff.waiting_on(case) for u in held]
    return {
        "people": people,
        "step": handoff.step_name(case.definition().step(case.step)),
        "mine": any(u.id == current_user.id for u in people),
    }


def _page(case, form=None, concept_form=None, conflict=None, comment_form=None, confirm=False):
    options, missing, editable = cases.standing(case, current_user)
    latest = articles.latest_revision(case)
    published = publishing.article_for_case(case)
    if form is None:
        form = DecisionForm(version=case.version)
    pending = articles.pending_correction(published) if published else None
    after = {o.kind for o in options} if published else set()
    review = _review(
        case,
        options,
        form,
        confirm,
        published,
        pending if "approve_correction" in after else None,
    )
    concepts, concepts_total = cases.concepts(case)
    concept = concepts[-1] if concepts else None
    if concept_form is None:
        concept_form = ConceptForm(
            formdata=None,
            base=concept.number if concept else 0,
            angle=concept.angle if concept else "",
            outline=concept.outline if concept else "",
            sources=concept.sources if concept else "",
        )
    concept_draft = "concept" in editable and drafts.restorable(case, current_user, "concept")
    if concept_draft and request.args.get("draf") == "pulihkan" and not concept_form.errors:
        fields = drafts.fields_of(concept_draft)
        concept_form = ConceptForm(formdata=None, base=concept_draft.base_number, **fields)
    return render_template(
        "cases/detail.html",
        case=case,
        concept_draft=concept_draft,
        definition=case.definition(),
        timeline=cases.timeline(case),
        options=options,
        missing=missing,
        overdue=cases.overdue(case),
        due=cases.step_due(case),
        form=form,
        editable=editable,
        concept=concept,
        concepts=concepts,
        concepts_total=concepts_total,
        concept_form=concept_form,
        conflict=conflict,
        article=latest,
        comment_form=comment_form or CommentForm(formdata=None, step=case.step),
        published=published,
        pending_correction=pending,
        after=after,
        publish_form=PublishForm(formdata=None, version=case.version),
        withdraw_form=WithdrawForm(formdata=None),
        social_form=SocialPostForm(formdata=None),
        can_preview=latest is not None,
        archive_record=records.record_for_case(case.id) if published else None,
        holding=_holding(case),
        work_url=_work_url(case, editable),
        current_step=case.definition().step(case.step),
        **review,
    )


@bp.get("/<int:case_id>")
@area_required("cases")
def detail(case_id):
    """The case: the ten SOP steps as a timeline with who did what and when."""
    return _page(get_or_404(Case, case_id))


@bp.post("/<int:case_id>/putuskan")
@area_required("cases")
def decide(case_id):
    """Complete, approve, return or publish at the current step."""
    case = get_or_404(Case, case_id)
    form = DecisionForm()
    form.to_step.choices = []
    if not form.validate_on_submit():
        flash_errors(form)
        return _page(case, form), 400
    if form.action.data == "return" and not form.confirm.data:
        # The first half of a return: checked, nothing changed, then confirmed by name.
        try:
            cases.check_return(
                case,
                current_user,
                form.to_step.data,
                form.reason.data or "",
                role=form.role.data or None,
                version=form.version.data,
            )
        except ServiceError as e:
            flash(str(e), "error")
            form.version.data = case.version
            return _page(case, form), e.status
        return _page(case, form, confirm=True)
    step_before = case.step
    try:
        t = cases.decide(
            case,
            current_user,
            form.action.data,
            to_step=form.to_step.data,
            reason=form.reason.data or "",
            role=form.role.data or None,
            version=form.version.data,
        )
    except ServiceError as e:
        flash(str(e), "error")
        return _page(get_or_404(Case, case_id)), e.status
    flash(handoff.outcome_message(case, t.action, step_before=step_before, role=t.role), "success")
    return redirect(url_for("cases.detail", case_id=case.id))


@bp.post("/<int:case_id>/konsep")
@area_required("cases")
def save_concept(case_id):
    """Save a new version of the concept (step 3); a stale save shows both versions (409)."""
    case = get_or_404(Case, case_id)
    form = ConceptForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return _page(case, concept_form=form), 400
    step_before = case.step

    def save():
        return cases.save_concept(case, current_user, form.data, form.base.data)

    try:
        if form.hand_on.data:
            c, t, refusal = cases.save_and_hand_on(case, current_user, save)
        else:
            c, t, refusal = save(), None, None
    except ServiceError as e:
        flash(str(e), "error")
        conflict = cases.latest_concept(case) if e.status == 409 else None
        return _page(case, concept_form=form, conflict=conflict), e.status
    saved = _("Konsep versi %(n)s tersimpan.", n=c.number)
    if refusal:
        flash(_("%(saved)s Naskah belum dikirim: %(why)s", saved=saved, why=refusal), "error")
        return redirect(url_for("cases.detail", case_id=case.id) + "#konsep")
    if t is not None:
        said = handoff.outcome_message(
            case, t.action, step_before=step_before, role=t.role, actor=current_user
        )
        flash(f"{saved} {said}", "success")
        return redirect(url_for("cases.detail", case_id=case.id))
    flash(saved, "success")
    return redirect(url_for("cases.detail", case_id=case.id) + "#konsep")


def _article_form(case, form=None):
    form = form or ArticleForm()
    form.category_id.choices = [SelectChoice(c.id, c.name) for c in cases.categories()]
    return form


def _write_page(case, form, conflict=None, status=200, correction=False, dropped=None):
    photos = [
        {
            "src": articles.photo_src(case.id, p.id),
            "thumb": url_for("cases.photo_file", case_id=case.id, photo_id=p.id, size="kecil"),
            "alt": p.alt,
            "caption": p.caption,
        }
        for p in photo_service.photos(case)
    ]
    return render_template(
        "cases/write.html",
        case=case,
        form=form,
        conflict=conflict,
        photos=photos,
        latest=articles.latest_revision(case),
        editable=(cases.correctable_parts if correction else cases.editable_parts)(
            case, current_user
        ),
        dropped=dropped,
        draft=drafts.restorable(case, current_user, "article"),
        attachments=attachment_service.attachments(case),
        attachment_form=AttachmentForm(formdata=None, prefix="lampiran"),
        correction=correction,
        hand_on_to=None if correction else _hands_on_to(case),
        hand_on_text=_hand_on_text(case),
    ), status


def _hands_on_to(case):
    """Who "Simpan dan serahkan" hands the case to ("Koordinator"), or None when the person
    may not complete the step here."""
    options, missing, editable = cases.standing(case, current_user)
    if case.status != "open":
        return None
    d = case.definition()
    # a work step whose kelengkapan is not there yet is finished by saving that work here
    may_finish = any(o.kind == "complete" for o in options) or (
        d.step(case.step).kind == "task" and editable and missing
    )
    if not may_finish or case.step >= len(d.steps):
        return None
    return _(" dan ").join(handoff.role_name(r) for r in d.step(case.step + 1).roles)


def _hand_on_text(case):
    """The words of a work page's "save and hand on" button from the SOP definition
    ("Simpan dan kirim konsep ke Koordinator"), or None in a definition without them."""
    if case.status != "open":
        return None
    words = case.definition().step(case.step).hand_on
    return _("Simpan dan %(action)s", action=words[:1].lower() + words[1:]) if words else None


@bp.get("/<int:case_id>/tulis")
@area_required("cases")
def write(case_id):
    """The editor: the article's newest revision, ready to change (steps 5 and 8)."""
    case = get_or_404(Case, case_id)
    latest = articles.latest_revision(case)
    concept = cases.latest_concept(case)
    if latest:
        data = {
            k: getattr(latest, k)
            for k in (
                "title",
                "slug",
                "summary",
                "body_html",
                "tags",
                "ppid",
                "category_id",
                "credits",
            )
        }
    else:
        data = {
            "title": case.title,
            "category_id": case.category_id,
            "credits": current_user.full_name,
            "ppid": "serta_merta",
            "summary": concept.angle if concept else "",
        }
    base = latest.number if latest else 0
    draft = drafts.restorable(case, current_user, "article")
    if draft and request.args.get("draf") == "pulihkan":
        data.update(drafts.fields_of(draft))
        base = draft.base_number
        flash(_("Draf dipulihkan ke formulir. Simpan revisi agar tersimpan."), "success")
    form = _article_form(case, ArticleForm(formdata=None, base=base, **data))
    return _write_page(case, form)


@bp.post("/<int:case_id>/tulis")
@area_required("cases")
def save_article(case_id):
    """Save a new revision; a stale save shows both versions and keeps what was typed (409)."""
    case = get_or_404(Case, case_id)
    form = _article_form(case)
    if not form.validate_on_submit():
        flash_errors(form)
        return _write_page(case, form, status=400)
    try:
        r = cases.save_article(case, current_user, form.data, form.base.data)
    except ServiceError as e:
        flash(str(e), "error")
        conflict = articles.latest_revision(case) if e.status == 409 else None
        dropped = getattr(e, "parts", None)
        return _write_page(case, form, conflict=conflict, status=e.status, dropped=dropped)
    if not form.hand_on.data:
        flash(_("Revisi %(n)s tersimpan.", n=r.number), "success")
        return redirect(url_for("cases.write", case_id=case.id))
    return _hand_on(case, r)


def _hand_on(case, revision):
    """After "Simpan dan serahkan": complete the step the revision was written at, and say
    who holds the case next (or why the step cannot end yet)."""
    step_before = case.step
    try:
        cases.decide(case, current_user, "complete", version=case.version)
    except ServiceError as e:
        flash(
            _(
                "Revisi %(n)s tersimpan, tetapi langkah belum dapat diselesaikan: %(why)s",
                n=revision.number,
                why=str(e),
            ),
            "error",
        )
        return redirect(url_for("cases.write", case_id=case.id))
    flash(
        _("Revisi %(n)s tersimpan. ", n=revision.number)
        + handoff.outcome_message(case, "complete", step_before=step_before, actor=current_user),
        "success",
    )
    # the next step may be the person's own (step 6, the photos): straight to its page
    following = _work_url(case, cases.editable_parts(case, current_user))
    return redirect(following or url_for("cases.detail", case_id=case.id))


@bp.post("/<int:case_id>/draf/<any(artikel, konsep):kind>")
@area_required("cases")
def save_draft(case_id, kind):
    """Autosave (JSON, CSRF in the X-CSRFToken header): the person's draft of the article or
    the concept; answers with the time saved, or the reason it was refused."""
    case = get_or_404(Case, case_id)
    # refused before it is read: a draft's JSON is at most 6 bytes a character (escapes)
    if (request.content_length or 0) > 6 * drafts.MAX_PAYLOAD:
        return {"error": _("Draf terlalu besar.")}, 413
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("base"), int):
        return {"error": _("Draf tidak terbaca.")}, 400
    try:
        saved_at = cases.save_draft(
            case, current_user, DRAFT_KINDS[kind], body["base"], body.get("fields")
        )
    except ServiceError as e:
        return {"error": str(e)}, e.status
    saved = office_time(saved_at).strftime("%H:%M")
    return {"saved_at": saved, "message": _("Draf tersimpan %(time)s", time=saved)}


@bp.post("/<int:case_id>/draf/<any(artikel, konsep):kind>/buang")
@area_required("cases")
def discard_draft(case_id, kind):
    """The person throws away their unsaved draft ("Buang")."""
    case = get_or_404(Case, case_id)
    if not SimpleForm().validate_on_submit():
        abort(400)
    drafts.discard_draft(case, current_user, DRAFT_KINDS[kind])
    flash(_("Draf dibuang."), "success")
    if kind == "konsep":
        return redirect(url_for("cases.detail", case_id=case.id) + "#konsep")
    if publishing.article_for_case(case) is not None:
        return redirect(url_for("cases.correct_published", case_id=case.id))
    return redirect(url_for("cases.write", case_id=case.id))


@bp.post("/<int:case_id>/lampiran")
@area_required("cases")
def add_attachment(case_id):
    """Attach a PDF to the article (checked like every upload; active content refused)."""
    case = get_or_404(Case, case_id)
    form = AttachmentForm(prefix="lampiran")
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for("cases.write", case_id=case.id))
    try:
        row = attachment_service.add_attachment(
            case,
            current_user,
            form.file.data,
            form.title.data,
            cases.editable_parts(case, current_user),
        )
    except ServiceError as e:
        flash(str(e), "error")
        return redirect(url_for("cases.write", case_id=case.id))
    flash(_("Lampiran %(title)s ditambahkan.", title=row.title), "success")
    return redirect(url_for("cases.write", case_id=case.id) + "#lampiran")


def _case_attachment(case_id, attachment_id):
    case = get_or_404(Case, case_id)
    row = get_or_404(Attachment, attachment_id)
    if row.case_id != case.id:
        abort(404)
    return case, row


@bp.post("/<int:case_id>/lampiran/<int:attachment_id>/hapus")
@area_required("cases")
def remove_attachment(case_id, attachment_id):
    """Take an attachment off the article."""
    case, row = _case_attachment(case_id, attachment_id)
    if not SimpleForm().validate_on_submit():
        abort(400)
    try:
        attachment_service.remove_attachment(
            case, current_user, row, cases.editable_parts(case, current_user)
        )
    except ServiceError as e:
        flash(str(e), "error")
        return redirect(url_for("cases.write", case_id=case.id))
    flash(_("Lampiran dihapus."), "success")
    return redirect(url_for("cases.write", case_id=case.id) + "#lampiran")


@bp.get("/<int:case_id>/lampiran/<int:attachment_id>")
@area_required("cases")
def attachment_file(case_id, attachment_id):
    """An attachment, as a download, for the team."""
    _case, row = _case_attachment(case_id, attachment_id)
    return attachment_service.attachment_response(row) or abort(404)


@bp.get("/<int:case_id>/revisi")
@area_required("cases")
def revisions(case_id):
    """Every revision of the article; any two can be compared."""
    case = get_or_404(Case, case_id)
    rows = articles.revisions(case)
    a = request.args.get("a", type=int)
    b = request.args.get("b", type=int)
    table = None
    if a and b:
        by_number = {r.number: r for r in rows}
        if a in by_number and b in by_number:
            table = articles.compare(by_number[a], by_number[b])
        else:
            flash(_("Revisi yang dipilih tidak ada."), "error")
    return render_template("cases/revisions.html", case=case, rows=rows, table=table, a=a, b=b)


def _wants_json():
    """The page's script asks for JSON (``Accept: application/json``); a form post does not."""
    return request.accept_mimetypes.best == "application/json"


def _photo_page(case, form=None, status=200, row_forms=None, confirm=None):
    rows = photo_service.photos(case)
    row_forms = row_forms or {}
    return render_template(
        "cases/photos.html",
        case=case,
        rows=rows,
        form=form or PhotoForm(),
        row_forms={
            p.id: row_forms.get(p.id) or PhotoRowForm(formdata=None, obj=p, prefix=f"p{p.id}")
            for p in rows
        },
        grid_form=PhotoGridForm(),
        action_form=PhotoActionForm(),
        editable=cases.editable_parts(case, current_user),
        incomplete={p.id for p in rows if photo_service.incomplete(p)},
        hand_on_to=_hands_on_to(case),
        hand_on_text=_hand_on_text(case),
        confirm=confirm,
        max_at_once=photo_service.MAX_AT_ONCE,
        max_mb=current_app.config["MAX_UPLOAD_BYTES"] // 2**20,
    ), status


@bp.route("/<int:case_id>/foto", methods=["GET", "POST"])
@area_required("cases")
def photos(case_id):
    """The case's photos; the penulis uploads one or many at once (each file kept or refused
    on its own), then completes captions, credits and alt texts in the grid."""
    case = get_or_404(Case, case_id)
    if request.method == "GET":
        return _photo_page(case)
    as_json = _wants_json()
    form = PhotoForm()
    files = [f for f in request.files.getlist("photo") if f and f.filename]
    if not form.validate_on_submit() or not files or len(files) > photo_service.MAX_AT_ONCE:
        if form.errors:
            messages = [str(e) for errors in form.errors.values() for e in errors]
        elif not files:
            messages = [_("Pilih foto.")]
        else:
            messages = [
                _(
                    "Terlalu banyak berkas sekaligus (%(n)s; maksimal %(max)s). Tidak ada yang "
                    "diunggah; kirim sebagian dulu.",
                    n=len(files),
                    max=photo_service.MAX_AT_ONCE,
                )
            ]
        if as_json:
            return {"added": [], "refused": [{"name": "", "message": m} for m in messages]}, 400
        if form.errors:
            flash_errors(form)
        else:
            flash(messages[0], "error")
        return _photo_page(case, form, 400)
    added, refused, status = [], [], 400
    for storage in files:
        name = storage.filename
        try:
            photo = cases.add_photo(case, current_user, storage, form.data)
        except ServiceError as e:
            refused.append({"name": name, "message": str(e)})
            status = e.status if status == 400 else status
            continue
        added.append({"name": name, "id": photo.id})
    if as_json:
        return {"added": added, "refused": refused}, (201 if added else status)
    for r in refused:
        flash(_("%(name)s ditolak: %(why)s", name=r["name"], why=r["message"]), "error")
    if not added:
        return _photo_page(case, form, status)
    flash(
        _(
            "%(n)s foto ditambahkan. Lengkapi keterangan dan teks alternatifnya di tabel.",
            n=len(added),
        ),
        "success",
    )
    return redirect(url_for("cases.photos", case_id=case.id))


@bp.post("/<int:case_id>/foto/keterangan")
@area_required("cases")
def caption_photos(case_id):
    """Save the texts of every photo in the grid at once; "Simpan dan kirim" then completes
    step 6 and says who holds the case next."""
    case = get_or_404(Case, case_id)
    grid = PhotoGridForm()
    if not grid.validate_on_submit():
        flash_errors(grid)
        return _photo_page(case, status=400)
    row_forms, rows, bad = {}, [], False
    for place, p in enumerate(photo_service.photos(case), 1):
        if f"p{p.id}-caption" not in request.form:
            continue
        rf = PhotoRowForm(prefix=f"p{p.id}")
        row_forms[p.id] = rf
        if not rf.validate():
            bad = True
            for name, errors in rf.errors.items():
                for error in errors:
                    flash(
                        _(
                            "Foto %(n)s, %(field)s: %(error)s",
                            n=place,
                            field=getattr(rf, name).label.text,
                            error=error,
                        ),
                        "error",
                    )
            continue
        rows.append((p, rf.data, rf.version.data))
    if bad:
        return _photo_page(case, status=400, row_forms=row_forms)
    if not rows:
        flash(_("Tidak ada keterangan foto yang dikirim."), "error")
        return _photo_page(case, status=400)
    step_before = case.step

    def save():
        return cases.change_photos(case, current_user, rows)

    try:
        if grid.hand_on.data:
            _saved, t, refusal = cases.save_and_hand_on(case, current_user, save)
        else:
            _saved, t, refusal = save(), None, None
    except ServiceError as e:
        flash(str(e), "error")
        return _photo_page(case, status=e.status, row_forms=row_forms)
    saved = _("Keterangan foto disimpan.")
    if refusal:
        flash(
            _("%(saved)s Langkah belum dapat diselesaikan: %(why)s", saved=saved, why=refusal),
            "error",
        )
        return redirect(url_for("cases.photos", case_id=case.id))
    if t is None:
        flash(saved, "success")
        return redirect(url_for("cases.photos", case_id=case.id))
    said = handoff.outcome_message(
        case, t.action, step_before=step_before, role=t.role, actor=current_user
    )
    flash(f"{saved} {said}", "success")
    return redirect(url_for("cases.detail", case_id=case.id))


def _case_photo(case_id, photo_id):
    case = get_or_404(Case, case_id)
    photo = get_or_404(Photo, photo_id)
    if photo.case_id != case.id:
        abort(404)
    return case, photo


@bp.post("/<int:case_id>/foto/<int:photo_id>/ubah")
@area_required("cases")
def update_photo(case_id, photo_id):
    """Change a photo's caption, credit, alt text or date."""
    case, photo = _case_photo(case_id, photo_id)
    form = PhotoEditForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return _photo_page(case, status=400)
    try:
        cases.change_photo(case, current_user, photo, "update", form.data, form.version.data)
    except ServiceError as e:
        flash(str(e), "error")
        return _photo_page(case, status=e.status)
    flash(_("Keterangan foto disimpan."), "success")
    return redirect(url_for("cases.photos", case_id=case.id))


@bp.post("/<int:case_id>/foto/<int:photo_id>/atur")
@area_required("cases")
def arrange_photo(case_id, photo_id):
    """Move a photo (a place up or down, or to a place), make it the cover, turn it 90°, or
    remove it (after a confirmation step). The page's script asks for JSON."""
    case, photo = _case_photo(case_id, photo_id)
    as_json = _wants_json()
    form = PhotoActionForm()
    what = form.what.data
    error = None
    if not form.validate_on_submit():
        error = next(iter(e for errors in form.errors.values() for e in errors), None)
    elif what == "move" and not form.position.data:
        error = _("Pilih urutan tujuan foto.")
    if error:
        if as_json:
            return {"ok": False, "message": str(error)}, 400
        if form.errors:
            flash_errors(form)
        else:
            flash(error, "error")
        return _photo_page(case, status=400)
    if what == "remove" and form.confirm.data != "1":
        if as_json:
            return {"ok": False, "message": _("Penghapusan belum dikonfirmasi.")}, 400
        return _photo_page(case, confirm=photo)
    try:
        cases.change_photo(case, current_user, photo, what, {"position": form.position.data})
    except ServiceError as e:
        if as_json:
            return {"ok": False, "message": str(e)}, e.status
        flash(str(e), "error")
        return _photo_page(case, status=e.status)
    messages = {
        "remove": _("Foto dihapus."),
        "cover": _("Foto sampul diganti."),
        "rotate_left": _("Foto diputar 90° ke kiri."),
        "rotate_right": _("Foto diputar 90° ke kanan."),
    }
    if as_json:
        body = {"ok": True, "message": messages.get(what, _("Urutan foto disimpan."))}
        if what.startswith("rotate"):
            body["thumb"] = url_for(
                "cases.photo_file",
                case_id=case.id,
                photo_id=photo.id,
                size="kecil",
                v=photo.sha256[:12],
            )
            body["size"] = f"{photo.width}×{photo.height}"
        return body
    if what in messages:
        flash(messages[what], "success")
    return redirect(url_for("cases.photos", case_id=case.id))


@bp.get("/<int:case_id>/foto/<int:photo_id>", defaults={"size": "penuh"})
@bp.get("/<int:case_id>/foto/<int:photo_id>/<any(kecil, penuh):size>")
@area_required("cases")
def photo_file(case_id, photo_id, size):
    """A photo (the clean copy, without EXIF) or its thumbnail, shown inline."""
    _case, photo = _case_photo(case_id, photo_id)
    return photo_service.photo_response(photo, size)


def _send_preview(case, layout):
    """The "Kirim preview ke ..." action: the preview laid out (again only if the text or
    the layout changed since the last one), then step 7 completed, its reviewers sent their
    links."""
    step_before = case.step

    def prepare():
        latest = previews.latest_preview(case)
        if latest and latest.layout == layout and latest.revision_hash == case.revision_hash:
            return latest
        return cases.lay_out_preview(case, current_user, layout)

    try:
        _preview, t, refusal = cases.save_and_hand_on(case, current_user, prepare)
    except ServiceError as e:
        flash(str(e), "error")
        return redirect(url_for("cases.preview", case_id=case.id), 303)
    if refusal:
        flash(_("Preview disiapkan, tetapi belum dikirim: %(why)s", why=refusal), "error")
        return redirect(url_for("cases.preview", case_id=case.id), 303)
    flash(
        handoff.outcome_message(
            case, t.action, step_before=step_before, role=t.role, actor=current_user
        ),
        "success",
    )
    return redirect(url_for("cases.detail", case_id=case.id))


@bp.route("/<int:case_id>/pratinjau", methods=["GET", "POST"])
@area_required("cases")
def preview(case_id):
    """The current revision as the public will see it; the editor lays it out (step 7)."""
    case = get_or_404(Case, case_id)
    if request.method == "POST":
        form = PreviewForm()
        if not form.validate_on_submit():
            flash_errors(form)
            return redirect(url_for("cases.preview", case_id=case.id))
        if form.hand_on.data:
            return _send_preview(case, form.layout.data)
        try:
            cases.lay_out_preview(case, current_user, form.layout.data)
        except ServiceError as e:
            flash(str(e), "error")
            return redirect(url_for("cases.detail", case_id=case.id)), 303
        hand_on = case.definition().step(case.step).hand_on
        flash(
            _('Preview disiapkan. Periksa, lalu pilih "%(action)s".', action=hand_on)
            if hand_on
            else _("Preview disiapkan. Selesaikan langkah 7 untuk mengirimkannya."),
            "success",
        )
        return redirect(url_for("cases.preview", case_id=case.id))
    revision = articles.latest_revision(case)
    if revision is None:
        abort(404)
    latest = previews.latest_preview(case)
    layout = (
        latest.layout if latest and latest.revision_hash == revision.content_hash else "standar"
    )
    a = articles.article_view(
        revision,
        photo_service.photos(case),
        lambda pid, size: url_for("cases.photo_file", case_id=case.id, photo_id=pid, size=size),
        layout,
    )
    note = _("Revisi %(n)s · hanya untuk tim", n=revision.number)
    options, missing, editable = cases.standing(case, current_user)
    decision = DecisionForm(version=case.version)
    review = _review(case, options, decision)
    return render_template(
        "cases/preview.html",
        a=a,
        case=case,
        preview=True,
        preview_note=note,
        latest=latest,
        form=PreviewForm(layout=layout),
        editable=editable,
        openings=latest.openings if latest else [],
        missing=missing,
        current_step=case.definition().step(case.step),
        **review,
    )


@bp.post("/<int:case_id>/komentar")
@area_required("cases")
def add_comment(case_id):
    """Comment on the case or on one of its steps."""
    case = get_or_404(Case, case_id)
    form = CommentForm()
    form.step.choices = []
    if not form.validate_on_submit():
        flash_errors(form)
        return _page(case, comment_form=form), 400
    try:
        cases.comment(case, current_user, form.text.data, form.step.data)
    except ServiceError as e:
        flash(str(e), "error")
        return _page(case, comment_form=form), e.status
    flash(_("Komentar ditambahkan."), "success")
    return redirect(url_for("cases.detail", case_id=case.id) + "#alur")


@bp.post("/<int:case_id>/terbitkan")
@area_required("cases")
def publish(case_id):
    """Publish the approved article, now or at a scheduled time (step 10)."""
    case = get_or_404(Case, case_id)
    form = PublishForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return _page(case), 400
    when = office_to_utc(form.scheduled.data) if form.scheduled.data else None
    try:
        publishing.publish(case, current_user, when, version=form.version.data)
    except ServiceError as e:
        flash(str(e), "error")
        return _page(get_or_404(Case, case_id)), e.status
    flash(_("Berita diterbitkan."), "success")
    return redirect(url_for("cases.detail", case_id=case.id))


def _on_article(case_id, form, act, done):
    """Validate ``form``, run ``act(article, form)`` on the case's article, then flash ``done``."""
    case = get_or_404(Case, case_id)
    article = publishing.article_for_case(case) or abort(404)
    if not form.validate_on_submit():
        flash_errors(form)
        return _page(case), 400
    try:
        act(article, form)
    except ServiceError as e:
        flash(str(e), "error")
        return _page(case), e.status
    flash(done, "success")
    return redirect(url_for("cases.detail", case_id=case.id) + "#terbit")


@bp.post("/<int:case_id>/tarik")
@area_required("cases")
def withdraw(case_id):
    """Withdraw a published article, with a reason."""
    return _on_article(
        case_id,
        WithdrawForm(),
        lambda article, form: publishing.withdraw(article, current_user, form.reason.data),
        _("Berita ditarik dari situs."),
    )


@bp.post("/<int:case_id>/sosial")
@area_required("cases")
def social(case_id):
    """Record an official social media post of the article."""
    return _on_article(
        case_id,
        SocialPostForm(),
        lambda article, form: publishing.add_social_post(
            article, current_user, form.platform.data, form.url.data
        ),
        _("Tautan media sosial dicatat."),
    )


@bp.get("/laporan")
@area_required("cases")
def report():
    """The division report: pick a month, download it as PDF, XLSX or CSV."""
    month = (request.args.get("bulan") or today().strftime("%Y-%m"))[:7]
    fmt = request.args.get("format")
    try:
        start, end = reports.parse_month(month)
        if fmt:
            data, mimetype, name = reports.build(month, fmt)
            return send_file(
                io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name
            )
        rows = reports.rows(start, end)
    except reports.ReportError as e:
        flash(str(e), "error")
        return render_template("reports/page.html", month=month, rows=[], chart=None), 400
    return render_template(
        "reports/page.html",
        month=f"{start:%Y-%m}",
        rows=rows,
        chart=reports.chart_svg(rows),
        steps=reports.step_names(),
    )


def _published_article(case):
    article = publishing.article_for_case(case)
    if article is None:
        abort(404)
    return article


@bp.route("/<int:case_id>/koreksi-terbit", methods=["GET", "POST"])
@area_required("cases")
def correct_published(case_id):
    """The redaktur corrects a published article; the penanggungjawab then approves it."""
    case = get_or_404(Case, case_id)
    article = _published_article(case)
    if request.method == "GET":
        latest = articles.latest_revision(case)
        data = {
            k: getattr(latest, k)
            for k in (
                "title",
                "slug",
                "summary",
                "body_html",
                "tags",
                "ppid",
                "category_id",
                "credits",
            )
        }
        base = latest.number
        draft = drafts.restorable(case, current_user, "article")
        if draft and request.args.get("draf") == "pulihkan":
            data.update(drafts.fields_of(draft))
            base = draft.base_number
            flash(_("Draf dipulihkan ke formulir. Simpan koreksi agar tersimpan."), "success")
        form = _article_form(case, ArticleForm(formdata=None, base=base, **data))
        return _write_page(case, form, correction=True)
    form = _article_form(case)
    if not form.validate_on_submit():
        flash_errors(form)
        return _write_page(case, form, status=400, correction=True)
    try:
        publishing.save_published_correction(article, current_user, form.data, form.base.data)
    except ServiceError as e:
        flash(str(e), "error")
        conflict = articles.latest_revision(case) if e.status == 409 else None
        dropped = getattr(e, "parts", None)
        return _write_page(
            case, form, conflict=conflict, status=e.status, correction=True, dropped=dropped
        )
    flash(_("Koreksi disimpan; menunggu persetujuan penanggung jawab."), "success")
    return redirect(url_for("cases.detail", case_id=case.id) + "#terbit")


@bp.post("/<int:case_id>/koreksi-terbit/setujui")
@area_required("cases")
def approve_published_correction(case_id):
    """The penanggungjawab approves the correction: the public reads it from now on."""
    case = get_or_404(Case, case_id)
    article = _published_article(case)
    if not SimpleForm().validate_on_submit():
        abort(400)
    revision = request.form.get("revision", "")
    if not revision.isascii() or not revision.isdigit() or len(revision) > 9:
        flash(_("Revisi koreksi yang disetujui tidak disebut."), "error")
        return _page(case), 400
    try:
        publishing.approve_published_correction(article, current_user, int(revision))
    except ServiceError as e:
        flash(str(e), "error")
        return _page(case), e.status
    flash(handoff.outcome_message(case, "approve_correction", step_before=case.step), "success")
    return redirect(url_for("cases.detail", case_id=case.id) + "#terbit")


@bp.get("/<int:case_id>/versi/<int:number>")
@area_required("cases")
def published_version(case_id, number):
    """Any version of the article as it was published, for staff."""
    case = get_or_404(Case, case_id)
    article = _published_article(case)
    version = next((v for v in article.versions if v.number == number), None)
    if version is None:
        abort(404)
    a = articles.article_view(
        version.revision,
        publishing.photos_of(version),
        lambda pid, size: url_for("cases.photo_file", case_id=case.id, photo_id=pid, size=size),
        version.layout,
        version.published_at,
    )
    note = _("Versi terbit %(n)s dari %(m)s · hanya untuk tim", n=number, m=article.current_number)
    return render_template(
        "cases/preview.html",
        a=a,
        case=case,
        preview=True,
        preview_note=note,
        latest=None,
        form=None,
        editable=set(),
        openings=[],
    )
