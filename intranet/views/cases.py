"""Cases (naskah): the list, the case page with its SOP timeline, and decisions."""

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from intranet.forms.cases import ConceptForm
from intranet.forms.cases import DecisionForm
from intranet.models import Case
from intranet.permissions import area_required
from intranet.services import ServiceError
from intranet.services import cases
from intranet.services import queries
from intranet.views import flash_errors

bp = Blueprint("cases", __name__, url_prefix="/intranet/naskah")


@bp.get("/")
@area_required("cases")
def index():
    """Every case, with its current step and overdue marks."""
    rows = [{"case": c, "overdue": cases.overdue(c)} for c in cases.all_cases()]
    return render_template("cases/index.html", rows=rows)


def _page(case, form=None, concept_form=None, conflict=None):
    options = cases.options_for(case, current_user)
    if form is None:
        form = DecisionForm(version=case.version)
    returns = next((o.to_steps for o in options if o.kind == "return"), ())
    form.to_step.choices = [SelectChoice(n, str(n)) for n in returns]
    concept = cases.latest_concept(case)
    if concept_form is None:
        concept_form = ConceptForm(
            formdata=None,
            base=concept.number if concept else 0,
            angle=concept.angle if concept else "",
            outline=concept.outline if concept else "",
            sources=concept.sources if concept else "",
        )
    return render_template(
        "cases/detail.html",
        case=case,
        definition=case.definition(),
        timeline=cases.timeline(case),
        options=options,
        missing=cases.missing_for(case),
        overdue=cases.overdue(case),
        form=form,
        editable=cases.editable_parts(case, current_user),
        concept=concept,
        concepts=cases.concepts(case),
        concept_form=concept_form,
        conflict=conflict,
    )


@bp.get("/<int:case_id>")
@area_required("cases")
def detail(case_id):
    """The case: the ten SOP steps as a timeline with who did what and when."""
    return _page(queries.get_or_404(Case, case_id))


@bp.post("/<int:case_id>/putuskan")
@area_required("cases")
def decide(case_id):
    """Complete, approve, return or publish at the current step."""
    case = queries.get_or_404(Case, case_id)
    form = DecisionForm()
    form.to_step.choices = []
    if not form.validate_on_submit():
        flash_errors(form)
        return _page(case, form), 400
    try:
        cases.decide(
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
        return _page(queries.get_or_404(Case, case_id)), e.status
    flash(_("Keputusan tersimpan."), "success")
    return redirect(url_for("cases.detail", case_id=case.id))


@bp.post("/<int:case_id>/konsep")
@area_required("cases")
def save_concept(case_id):
    """Save a new version of the concept (step 3); a stale save shows both versions (409)."""
    case = queries.get_or_404(Case, case_id)
    form = ConceptForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return _page(case, concept_form=form), 400
    try:
        c = cases.save_concept(case, current_user, form.data, form.base.data)
    except ServiceError as e:
        flash(str(e), "error")
        conflict = cases.latest_concept(case) if e.status == 409 else None
        return _page(case, concept_form=form, conflict=conflict), e.status
    flash(_("Konsep versi %(n)s tersimpan.", n=c.number), "success")
    return redirect(url_for("cases.detail", case_id=case.id) + "#konsep")
