"""Steps 1–2: directions, the agenda book of source material, .eml import, handover."""

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

from intranet import pdf
from intranet.clock import today
from intranet.database import get_or_404
from intranet.forms import flash_errors
from intranet.forms.intake import AgendaPrintForm
from intranet.forms.intake import AssignmentForm
from intranet.forms.intake import EmlImportForm
from intranet.forms.intake import HandoverForm
from intranet.forms.intake import MaterialForm
from intranet.forms.intake import SimpleForm
from intranet.models import Assignment
from intranet.models import SourceFile
from intranet.models import SourceMaterial
from intranet.models import User
from intranet.models.intake import CHANNELS
from intranet.permissions import area_required
from intranet.permissions import can
from intranet.permissions import can_read_material
from intranet.services import cases as case_service
from intranet.services import intake
from intranet.services import queries
from intranet.storage import StorageError
from intranet.storage import file_store
from intranet.transactions import ServiceError

bp = Blueprint("intake", __name__, url_prefix="/intranet")


def _team_choices():
    return [SelectChoice(u.id, f"{u.full_name} ({u.username})") for u in queries.team_members()]


def _redaktur_choices(blank=True):
    people = [SelectChoice(u.id, u.full_name) for u in case_service.holders_of({"redaktur"})]
    return ([SelectChoice("", "—")] if blank else []) + people


def _category_choices():
    return [SelectChoice(c.id, c.name) for c in case_service.categories()]


def _assignment_choices(blank=True):
    mine = [
        SelectChoice(a.id, f"#{a.id} · {' '.join(a.instruction.split())}")
        for a in intake.assignments_for(current_user)
    ]
    return ([SelectChoice("", "—")] if blank else []) + mine


# --- step 1 ------------------------------------------------------------------------------


@bp.route("/penugasan", methods=["GET", "POST"])
@area_required("assignments")
def assignments():
    """All directions; the Penanggung Jawab gives a new one here."""
    form = AssignmentForm()
    form.recipients.choices = _team_choices()
    status = 200
    if request.method == "POST":
        if not can("assign"):
            abort(403)
        if form.validate_on_submit():
            people = [get_or_404(User, i) for i in form.recipients.data]
            try:
                a = intake.give_assignment(form.data, current_user, people)
            except ServiceError as e:
                flash(str(e), "error")
                status = e.status
            else:
                flash(_("Penugasan #%(id)s diberikan.", id=a.id), "success")
                return redirect(url_for("intake.assignment", assignment_id=a.id))
        else:
            status = 400
    return render_template(
        "intake/assignments.html", form=form, assignments=intake.all_assignments()
    ), status


@bp.get("/penugasan/<int:assignment_id>")
@area_required("assignments")
def assignment(assignment_id):
    """One direction: text, recipients and their receipts, cases opened under it."""
    a = get_or_404(Assignment, assignment_id)
    return render_template("intake/assignment.html", a=a, form=SimpleForm(version=a.version))


@bp.post("/penugasan/<int:assignment_id>/terima")
@area_required("assignments")
def acknowledge(assignment_id):
    """A recipient confirms receipt (menerima tugas)."""
    a = get_or_404(Assignment, assignment_id)
    if SimpleForm().validate_on_submit():
        try:
            intake.acknowledge(a, current_user)
        except ServiceError as e:
            flash(str(e), "error")
        else:
            flash(_("Penugasan diterima."), "success")
    return redirect(url_for("intake.assignment", assignment_id=a.id))


@bp.post("/penugasan/<int:assignment_id>/tutup")
@area_required("assign")
def close(assignment_id):
    """Close a direction."""
    a = get_or_404(Assignment, assignment_id)
    form = SimpleForm()
    if form.validate_on_submit():
        try:
            intake.close_assignment(a, current_user, form.version.data)
        except ServiceError as e:
            flash(str(e), "error")
            if e.status == 409:
                return render_template(
                    "intake/assignment.html", a=a, form=SimpleForm(version=a.version)
                ), 409
        else:
            flash(_("Penugasan ditutup."), "success")
    return redirect(url_for("intake.assignment", assignment_id=a.id))


# --- step 2: the agenda book --------------------------------------------------------------


#: Agenda entries shown on one page of the book.
AGENDA_PER_PAGE = 50


def _bounded(value, low, high):
    """A number from the query string, or None when missing or out of range."""
    return value if value is not None and low <= value <= high else None


@bp.get("/agenda")
@area_required("agenda")
def agenda():
    """The agenda book: search and filter."""
    args = request.args
    year = _bounded(args.get("tahun", type=int), 1900, 2999)
    category = _bounded(args.get("kategori", type=int), 1, 2**31 - 1)
    channel = args.get("saluran") if args.get("saluran") in CHANNELS else None
    query = (args.get("q") or "").strip()[:200]
    page = _bounded(args.get("halaman", type=int), 1, 100_000) or 1
    # one more than a page: whether a next page exists, without counting the book
    rows = intake.materials(
        query=query,
        year=year,
        channel=channel,
        category_id=category,
        viewer=current_user,
        limit=AGENDA_PER_PAGE + 1,
        offset=(page - 1) * AGENDA_PER_PAGE,
    )
    return render_template(
        "intake/agenda.html",
        rows=rows[:AGENDA_PER_PAGE],
        page=page,
        more=len(rows) > AGENDA_PER_PAGE,
        q=query,
        year=year,
        channel=channel,
        category=category,
        categories=case_service.categories(active_only=False),
        channels=CHANNELS,
        print_form=AgendaPrintForm(formdata=None, start=today().replace(day=1), end=today()),
    )


def _material_form(form):
    form.category_id.choices = _category_choices()
    form.assignment_id.choices = _assignment_choices()
    form.disposition_to_id.choices = _redaktur_choices()
    return form


@bp.route("/agenda/baru", methods=["GET", "POST"])
@area_required("agenda_write")
def new_material():
    """Register source material with its files."""
    form = _material_form(MaterialForm())
    if request.method == "GET":
        form.received_on.data = today()
    if form.validate_on_submit():
        try:
            m = intake.register_material(
                form.data, request.files.getlist(form.files.name), current_user
            )
        except ServiceError as e:
            flash(str(e), "error")
            return render_template("intake/material_form.html", form=form), e.status
        flash(_("Tercatat dengan nomor agenda %(n)s.", n=m.nomor_agenda), "success")
        if form.hand_on.data:
            return redirect(url_for("intake.handover", bahan=m.id))
        return redirect(url_for("intake.material", material_id=m.id))
    return render_template(
        "intake/material_form.html", form=form
    ), 400 if form.is_submitted() else 200


@bp.route("/agenda/impor-eml", methods=["GET", "POST"])
@area_required("agenda_write")
def import_eml():
    """Register an entry from an .eml file: sender, date, subject, body and attachments."""
    form = _material_form(EmlImportForm())
    if form.validate_on_submit():
        extra = {
            k: form.data[k]
            for k in (
                "category_id",
                "sifat",
                "security_class",
                "assignment_id",
                "disposition_to_id",
            )
        }
        try:
            m, skipped = intake.import_eml(form.eml.data, extra, current_user)
        except ServiceError as e:
            flash(str(e), "error")
            return render_template("intake/eml_form.html", form=form), e.status
        flash(_("Surel tercatat dengan nomor agenda %(n)s.", n=m.nomor_agenda), "success")
        for s in skipped:
            flash(_("Lampiran dilewati: %(why)s", why=s), "info")
        return redirect(url_for("intake.material", material_id=m.id))
    return render_template("intake/eml_form.html", form=form), 400 if form.is_submitted() else 200


def _readable_material(material_id):
    """The agenda entry, or 404 / 403 when its security class keeps it from this person."""
    m = get_or_404(SourceMaterial, material_id)
    if not can_read_material(current_user, m):
        abort(403)
    return m


@bp.get("/agenda/<int:material_id>")
@area_required("agenda")
def material(material_id):
    """One agenda entry with its files and the cases it went into."""
    return render_template("intake/material.html", m=_readable_material(material_id))


@bp.get("/agenda/<int:material_id>/berkas/<int:file_id>")
@area_required("agenda")
def material_file(material_id, file_id):
    """A file of an agenda entry, always as a download."""
    m = _readable_material(material_id)
    f = get_or_404(SourceFile, file_id)
    if f.material_id != m.id:
        abort(404)
    try:
        stream = file_store().open(f.sha256)
    except StorageError:
        abort(404)
    return send_file(
        stream, mimetype=f.mimetype, as_attachment=True, download_name=f.filename, max_age=0
    )


@bp.get("/agenda/cetak")
@area_required("agenda")
def print_agenda():
    """The agenda book for a period as a PDF, laid out like the paper book."""
    form = AgendaPrintForm(request.args)
    if not form.validate():
        flash_errors(form)
        return redirect(url_for("intake.agenda"))
    rows = intake.materials_between(form.start.data, form.end.data, current_user)
    html = render_template(
        "intake/agenda_pdf.html",
        rows=rows,
        start=form.start.data,
        end=form.end.data,
        office=current_app.config["OFFICE_NAME"],
    )
    data = pdf.render(html)
    name = f"buku-agenda-{form.start.data.isoformat()}-{form.end.data.isoformat()}.pdf"
    return send_file(
        pdf.as_stream(data), mimetype="application/pdf", as_attachment=True, download_name=name
    )


# --- step 2 done: handover ----------------------------------------------------------------


@bp.route("/naskah/serahkan", methods=["GET", "POST"])
@area_required("agenda_write")
def handover():
    """Select material and hand it to a Redaktur, opening the case at step 3."""
    form = HandoverForm()
    form.assignment_id.choices = _assignment_choices(blank=False)
    available = intake.materials(available_only=True, viewer=current_user)
    form.material_ids.choices = [
        SelectChoice(m.id, f"{m.nomor_agenda} · {m.perihal[:70]}") for m in available
    ]
    form.category_id.choices = _category_choices()
    form.redaktur_id.choices = _redaktur_choices(blank=False)
    if request.method == "GET" and request.args.get("bahan", type=int):
        form.material_ids.data = [request.args.get("bahan", type=int)]
        # the material just registered fills in what it already says
        chosen = next((m for m in available if m.id == form.material_ids.data[0]), None)
        if chosen is not None:
            if chosen.assignment_id:
                form.assignment_id.data = chosen.assignment_id
            form.category_id.data = chosen.category_id
            form.title.data = chosen.perihal[:300]
            if chosen.disposition_to_id:
                form.redaktur_id.data = chosen.disposition_to_id
    if form.validate_on_submit():
        try:
            case = intake.hand_over(form.data, current_user)
        except ServiceError as e:
            flash(str(e), "error")
            return render_template("intake/handover.html", form=form), e.status
        flash(_("Bahan diserahkan; naskah #%(id)s dibuka di langkah 3.", id=case.id), "success")
        return redirect(url_for("cases.detail", case_id=case.id))
    return render_template("intake/handover.html", form=form), 400 if form.is_submitted() else 200
