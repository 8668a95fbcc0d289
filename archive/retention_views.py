"""``/arsip/penyusutan``: the due lists, the penyusutan lists and their berita acara, and
legal holds on records."""

from datetime import date

from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import send_file
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from archive import berita_acara
from archive import disposals
from archive import locations
from archive import retention
from archive.models import ArchiveRecord
from archive.retention_forms import AddRecordForm
from archive.retention_forms import DecisionForm
from archive.retention_forms import ExecuteForm
from archive.retention_forms import HoldForm
from archive.retention_forms import LiftForm
from archive.retention_forms import NewListForm
from archive.retention_forms import RemoveRecordForm
from archive.retention_forms import SubmitForm
from archive.retention_models import Disposal
from archive.retention_models import LegalHold
from intranet import clock
from intranet import pdf
from intranet import permissions
from intranet.clock import RECORD_YEARS
from intranet.database import get_or_404
from intranet.forms import flash_errors
from intranet.permissions import area_required
from intranet.storage import StorageError
from intranet.transactions import ServiceError

bp = Blueprint("retention", __name__, url_prefix="/arsip/penyusutan")

readers = area_required("archive_dispose")
keepers = area_required("archive_keep")
approvers = area_required("archive_approve")

#: The most records one form may tick.
MAX_IDS = 1000


def _arg(name, max_length=80):
    value = (request.args.get(name) or "").replace("\x00", "").strip()
    return value[:max_length] or None


def _as_of():
    """The date the due lists are for (``?per=YYYY-MM-DD``, default today): (date, error)."""
    raw = _arg("per", 10)
    if not raw:
        return clock.today(), None
    try:
        day = date.fromisoformat(raw) if raw.isascii() else None
    except ValueError:
        day = None
    if day is None or not clock.in_years(day, RECORD_YEARS):
        return clock.today(), _(
            "Tanggal %(value)s tidak valid; daftar dihitung per hari ini.", value=raw
        )
    return day, None


def _ids():
    """The record ids ticked in a form (ASCII digits only, at most MAX_IDS)."""
    values = request.form.getlist("ids")[: MAX_IDS + 1]
    if len(values) > MAX_IDS:
        raise ServiceError(_("Paling banyak %(n)s arsip sekali pilih.", n=MAX_IDS))
    ids = []
    for value in values:
        value = value.strip()
        if not (value.isascii() and value.isdigit() and 0 < len(value) <= 10):
            raise ServiceError(_("Pilihan arsip tidak valid."))
        ids.append(int(value))
    return ids


def _list_or_404(disposal_id):
    return get_or_404(Disposal, disposal_id)


@bp.get("/")
@readers
def index():
    """The due lists (by date, classification and location) and the penyusutan lists."""
    kind = _arg("jenis") if _arg("jenis") in retention.DUE_KINDS else "pemindahan"
    as_of, error = _as_of()
    if error:
        flash(error, "error")
    classification, location = _arg("klasifikasi", 32), _arg("lokasi")
    rows = retention.due(kind, as_of, current_user, classification, location)
    return render_template(
        "archive/penyusutan.html",
        kind=kind,
        as_of=as_of,
        classification=classification,
        location=location,
        rows=rows,
        counts=retention.due_counts(as_of, current_user),
        lists=retention.lists(),
        form=NewListForm(formdata=None, kind=retention.LIST_OF_DUE.get(kind)),
        list_of_due=retention.LIST_OF_DUE,
    ), (400 if error else 200)


@bp.post("/daftar")
@keepers
def new_list():
    """Assemble a new list from the records ticked on a due list."""
    form = NewListForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for("retention.index"))
    try:
        d = disposals.create_list(form.kind.data, current_user, _ids(), form.note.data)
    except ServiceError as e:
        flash(str(e), "error")
        return redirect(url_for("retention.index"))
    flash(_("Daftar penyusutan #%(id)s disusun.", id=d.id), "success")
    return redirect(url_for("retention.detail", disposal_id=d.id))


@bp.get("/daftar/<int:disposal_id>")
@readers
def detail(disposal_id):
    """A list: its records, where it stands, what may be done next."""
    d = _list_or_404(disposal_id)
    execute_form = ExecuteForm(formdata=None)
    locations.set_choices(execute_form)
    return render_template(
        "archive/penyusutan_list.html",
        disposal=d,
        holds=retention.active_holds([i.record_id for i in d.items]),
        add_form=AddRecordForm(formdata=None),
        decision_form=DecisionForm(formdata=None),
        execute_form=execute_form,
        may_decide=permissions.can_decide_disposal(current_user, d),
        bag=disposals.bag_path(d) is not None,
    )


def _act(disposal_id, form_class, action, done):
    """Validate ``form_class``, run ``action(disposal, form)``, flash ``done`` or the error."""
    d = _list_or_404(disposal_id)
    form = form_class()
    if form.validate_on_submit():
        try:
            action(d, form)
        except ServiceError as e:
            flash(str(e), "error")
        else:
            flash(done, "success")
    else:
        flash_errors(form)
    return redirect(url_for("retention.detail", disposal_id=disposal_id))


@bp.post("/daftar/<int:disposal_id>/tambah")
@keepers
def add(disposal_id):
    """Add a record, by its nomor arsip, to a list being assembled."""
    return _act(
        disposal_id,
        AddRecordForm,
        lambda d, f: disposals.add_by_number(
            d, current_user, f.nomor.data, f.note.data, f.version.data
        ),
        _("Arsip ditambahkan ke daftar."),
    )


@bp.post("/daftar/<int:disposal_id>/keluarkan")
@keepers
def remove(disposal_id):
    """Take a record off a list being assembled."""
    return _act(
        disposal_id,
        RemoveRecordForm,
        lambda d, f: disposals.remove_record(d, current_user, f.record_id.data, f.version.data),
        _("Arsip dikeluarkan dari daftar."),
    )


@bp.post("/daftar/<int:disposal_id>/ajukan")
@keepers
def submit(disposal_id):
    """Submit a destruction list to the Penanggung Jawab."""
    return _act(
        disposal_id,
        SubmitForm,
        lambda d, f: disposals.submit(d, current_user, f.version.data),
        _("Usul musnah diajukan kepada Penanggung Jawab."),
    )


@bp.post("/daftar/<int:disposal_id>/putuskan")
@approvers
def decide(disposal_id):
    """The Penanggung Jawab approves or refuses a destruction list."""
    return _act(
        disposal_id,
        DecisionForm,
        lambda d, f: disposals.decide(
            d, current_user, f.decision.data == "setuju", f.reason.data, f.version.data
        ),
        _("Keputusan atas usul musnah tersimpan."),
    )


@bp.post("/daftar/<int:disposal_id>/laksanakan")
@keepers
def execute(disposal_id):
    """Carry a list out: transfer, destroy (once approved) or hand over its records."""
    return _act(
        disposal_id,
        ExecuteForm,
        lambda d, f: disposals.execute(d, current_user, f.data, f.version.data),
        _("Daftar penyusutan dilaksanakan."),
    )


@bp.get("/daftar/<int:disposal_id>/berita-acara.pdf")
@readers
def document(disposal_id):
    """The list's berita acara (with its daftar arsip), as stored."""
    d = _list_or_404(disposal_id)
    if not d.document_sha256:
        abort(404)
    try:
        data = berita_acara.read_document(d)
    except StorageError:
        abort(410)
    return send_file(
        pdf.as_stream(data),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"berita-acara-{d.kind}-{d.id}.pdf",
        max_age=0,
    )


@bp.get("/daftar/<int:disposal_id>/penyerahan.zip")
@keepers
def bag(disposal_id):
    """The handover's BagIt bag (records, berita acara penyerahan, daftar arsip)."""
    path = disposals.bag_path(_list_or_404(disposal_id)) or abort(404)
    return send_file(
        path,
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"penyerahan-arsip-{disposal_id}.zip",
        max_age=0,
    )


@bp.post("/arsip/<int:record_id>/tahan")
@readers
def hold(record_id):
    """Place a legal hold on a record."""
    record = get_or_404(ArchiveRecord, record_id)
    if not permissions.can_read_record(current_user, record):
        abort(403)
    form = HoldForm()
    if form.validate_on_submit():
        try:
            disposals.place_hold(record, current_user, form.reason.data)
        except ServiceError as e:
            flash(str(e), "error")
        else:
            flash(_("Arsip ditahan: tidak dapat dimusnahkan sampai penahanan dicabut."), "success")
    else:
        flash_errors(form)
    return redirect(url_for("archive.record", record_id=record.id))


@bp.post("/tahan/<int:hold_id>/cabut")
@readers
def lift(hold_id):
    """Lift a legal hold."""
    h = get_or_404(LegalHold, hold_id)
    if not permissions.can_read_record(current_user, h.record):
        abort(403)
    form = LiftForm()
    if form.validate_on_submit():
        try:
            disposals.lift_hold(h, current_user, form.reason.data)
        except ServiceError as e:
            flash(str(e), "error")
        else:
            flash(_("Penahanan dicabut."), "success")
    else:
        flash_errors(form)
    return redirect(url_for("archive.record", record_id=h.record_id))
