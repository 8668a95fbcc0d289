"""``/arsip/``: the records area for the arsiparis (and what the access class lets others see)."""

import io
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
from wtforms import SelectChoice

from archive import export
from archive import filing
from archive import fixity
from archive import indexing
from archive import jobs
from archive import listing as daftar
from archive import locations as storage
from archive import numbering
from archive import ocr
from archive import recording
from archive import records
from archive import retention as penyusutan
from archive.forms import ClassificationForm
from archive.forms import ExportForm
from archive.forms import HardcopyForm
from archive.forms import LocationAddForm
from archive.forms import ManualRecordForm
from archive.forms import RetentionForm
from archive.forms import TableImportForm
from archive.models import HARDCOPY_STATUSES
from archive.models import ArchiveRecord
from archive.models import Classification
from archive.models import FixityRun
from archive.models import RetentionRule
from archive.tables import versions as table_versions
from intranet import pdf
from intranet import permissions
from intranet.database import get_or_404
from intranet.forms import BaseForm
from intranet.forms import flash_errors
from intranet.permissions import TEAM
from intranet.permissions import role_required
from intranet.storage import StorageError
from intranet.transactions import ServiceError

bp = Blueprint("archive", __name__, url_prefix="/arsip")

readers = role_required(*TEAM)
keepers = role_required(*permissions.KEEPERS)


def _record_or_404(record_id):
    """The record, 404 if there is none, 403 if its access class keeps the user out."""
    record = get_or_404(ArchiveRecord, record_id)
    if not permissions.can_read_record(current_user, record):
        abort(403)
    return record


def _arg(name, max_length=80):
    value = (request.args.get(name) or "").replace("\x00", "").strip()
    return value[:max_length] or None


def _int_arg(name):
    value = request.args.get(name, "")
    # ASCII digits only: "²".isdigit() is true, int("²") is an error
    return int(value) if value.isascii() and value.isdigit() and 0 < int(value) < 10000 else None


@bp.get("/")
@readers
def index():
    """The records, newest first, with filters; the latest fixity run."""
    filters = {
        "year": _int_arg("tahun"),
        "status": _arg("status") if _arg("status") in HARDCOPY_STATUSES else None,
        "room": _arg("ruang"),
        "cabinet": _arg("lemari"),
        "box": _arg("boks"),
        "text": _arg("q", 200),
    }
    page = _int_arg("halaman") or 1
    rows, total = records.listing(current_user, filters, page)
    runs = fixity.runs(1, "verifikasi") if permissions.keeps_archive(current_user) else []
    return render_template(
        "archive/index.html",
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // 25)),
        filters=filters,
        years=records.years(),
        last_run=runs[0] if runs else None,
    )


@bp.get("/<int:record_id>")
@readers
def record(record_id):
    """A record: metadata, versions with their files, hardcopy status and history."""
    r = _record_or_404(record_id)
    form = HardcopyForm(formdata=None, obj=r, status=r.hardcopy_status)
    storage.set_choices(form, r)
    return render_template(
        "archive/record.html",
        record=r,
        form=form,
        events=records.events(r),
        social_posts=records.social_posts(r),
        failed=fixity.failed_files(),
        penyusutan=penyusutan.record_state(r),
        recognised=ocr.results_for(f.sha256 for v in r.versions for f in v.files),
    )


@bp.post("/<int:record_id>/fisik")
@keepers
def hardcopy(record_id):
    """Record the hardcopy's status and location."""
    r = _record_or_404(record_id)
    form = HardcopyForm()
    if form.validate_on_submit():
        try:
            filing.record_hardcopy(r, current_user, form.data)
        except ServiceError as e:
            flash(str(e), "error")
        else:
            flash(_("Status arsip fisik tersimpan."), "success")
    else:
        flash_errors(form)
    return redirect(url_for("archive.record", record_id=r.id))


@bp.get("/<int:record_id>/versi/<int:number>/berkas.pdf")
@readers
def berkas(record_id, number):
    """Download the berkas PDF of one version."""
    r = _record_or_404(record_id)
    v = records.version_of(r, number) or abort(404)
    if not permissions.can_read_berkas(current_user, r, v):
        abort(403)
    name = f"berkas-{r.nomor_arsip.replace('/', '-')}-v{v.number}.pdf"
    return _send(r, v.berkas_sha256, "application/pdf", name)


@bp.get("/<int:record_id>/berkas/<int:file_id>/ocr.pdf")
@readers
def ocr_pdf(record_id, file_id):
    """Download the derived searchable PDF/A that OCR made of one original (to check it)."""
    r = _record_or_404(record_id)
    f = records.file_of(r, file_id) or abort(404)
    if not permissions.can_read_archive_file(current_user, r, f):
        abort(403)
    read = ocr.result_for(f.sha256)
    if read is None or not read.done or not read.archived:
        abort(404)
    return _send(r, read.derived_sha256, "application/pdf", ocr.derived_name(f.filename))


@bp.get("/<int:record_id>/berkas/<int:file_id>")
@readers
def original(record_id, file_id):
    """Download one original file of the record."""
    r = _record_or_404(record_id)
    f = records.file_of(r, file_id) or abort(404)
    if not permissions.can_read_archive_file(current_user, r, f):
        abort(403)
    return _send(r, f.sha256, f.mimetype, f.filename)


def _send(record, sha256, mimetype, name):
    """Send a stored file, hashed first: one whose bytes changed is refused (409), except to
    a keeper who confirms (``?tetap=1``), which the record's history notes. A destroyed
    record's files are gone for good (410, saying when and by whose approval)."""
    if record.destroyed:
        page = render_template(
            "archive/destroyed.html", record=record, destruction=penyusutan.destruction_of(record)
        )
        return page, 410
    try:
        stream, actual = fixity.open_checked(sha256)
    except StorageError:
        abort(410)
    if actual is not None:
        if request.args.get("tetap") != "1" or not permissions.keeps_archive(current_user):
            stream.close()
            page = render_template(
                "archive/fixity_refused.html",
                record=record,
                name=name,
                sha256=sha256,
                actual=actual,
            )
            return page, 409
        fixity.record_override(record, current_user, name, sha256, actual)
    return send_file(stream, mimetype=mimetype, as_attachment=True, download_name=name, max_age=0)


@bp.route("/baru", methods=["GET", "POST"])
@keepers
def new_manual():
    """Register an older paper record with its scans."""
    form = ManualRecordForm()
    storage.set_choices(form)
    form.classification_id.choices = [
        SelectChoice(c.id, f"{c.code} — {c.name}") for c in numbering.classifications()
    ]
    if form.validate_on_submit():
        try:
            r = recording.register_manual(
                form.data, [s for s in request.files.getlist("scans") if s.filename], current_user
            )
        except ServiceError as e:
            flash(str(e), "error")
            return render_template("archive/manual.html", form=form), e.status
        flash(_("Arsip %(nomor)s terdaftar.", nomor=r.nomor_arsip), "success")
        return redirect(url_for("archive.record", record_id=r.id))
    status = 400 if form.is_submitted() else 200
    return render_template("archive/manual.html", form=form), status


@bp.get("/lokasi")
@readers
def locations():
    """The managed places (ruang → lemari/rak → boks) and the filed records by boks."""
    return _locations_page(LocationAddForm(formdata=None))


def _locations_page(form, status=200):
    return render_template(
        "archive/locations.html",
        groups=records.by_location(current_user),
        tree=storage.tree(),
        form=form,
        names={kind: storage.names(kind) for kind in ("ruang", "lemari", "boks")},
    ), status


@bp.post("/lokasi")
@keepers
def add_location():
    """Add a ruang, a lemari/rak in one, or a boks in that."""
    form = LocationAddForm()
    if not form.validate_on_submit():
        return _locations_page(form, 400)
    try:
        entry, new = storage.add(form.room.data, form.cabinet.data, form.box.data)
    except ServiceError as e:
        flash(str(e), "error")
        return _locations_page(form, e.status)
    if new:
        flash(_("%(place)s ditambahkan.", place=entry.line), "success")
    else:
        flash(_("%(place)s sudah ada di daftar.", place=entry.line), "info")
    return redirect(url_for("archive.locations"))


def _box_from_args():
    room, cabinet, box = _arg("ruang"), _arg("lemari"), _arg("boks")
    if not box:
        abort(404)
    rows = records.box(room, cabinet, box)
    if not rows:
        abort(404)
    return room, cabinet, box, rows


@bp.get("/lokasi/label.pdf")
@keepers
def box_label():
    """The label for a box: office, location, years and classification codes, count."""
    room, cabinet, box, rows = _box_from_args()
    html = render_template("archive/box_label.html", room=room, cabinet=cabinet, box=box, rows=rows)
    return _pdf(html, f"label-boks-{box}.pdf")


@bp.get("/lokasi/isi.pdf")
@keepers
def box_list():
    """The content list of a box, by folder."""
    room, cabinet, box, rows = _box_from_args()
    html = render_template("archive/box_list.html", room=room, cabinet=cabinet, box=box, rows=rows)
    return _pdf(html, f"isi-boks-{box}.pdf")


def _pdf(html, name):
    safe = "".join(c if c.isalnum() or c in "-._" else "-" for c in name)
    return send_file(
        pdf.as_stream(pdf.render(html)),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=safe,
        max_age=0,
    )


@bp.get("/fiksitas")
@keepers
def fixity_log():
    """The fixity log: every run of ``archive verify``, and the records set aside from the
    search index."""
    check = fixity.latest_check()
    return render_template(
        "archive/fixity.html",
        runs=fixity.runs(50),
        set_aside=indexing.set_aside(),
        check=check,
        check_run=fixity.run_of(check),
        form=BaseForm(),
    )


@bp.post("/fiksitas/periksa")
@keepers
def fixity_check():
    """Queue a check of every file now (one, however many times it is asked while it
    waits or runs)."""
    if BaseForm().validate_on_submit():
        fixity.request_check()
        flash(_("Pemeriksaan keutuhan berkas masuk antrean dan berjalan di latar."), "success")
    return redirect(url_for("archive.fixity_log"))


@bp.get("/fiksitas/<int:run_id>")
@keepers
def fixity_run(run_id):
    """One fixity run with every file it named."""
    run = get_or_404(FixityRun, run_id)
    return render_template("archive/fixity_run.html", run=run)


@bp.route("/tabel", methods=["GET", "POST"])
@keepers
def tables():
    """The classification and retention tables; a new classification code."""
    form = ClassificationForm(prefix="new")
    form.retention_id.choices = _retention_choices()
    if form.validate_on_submit():
        try:
            c = numbering.save_classification(form.data, actor=current_user)
        except ServiceError as e:
            flash(str(e), "error")
        else:
            flash(_("Kode klasifikasi %(code)s disimpan.", code=c.code), "success")
            return redirect(url_for("archive.tables"))
    elif form.is_submitted():
        flash_errors(form)
    return _tables(form, RetentionForm(prefix="newrule", formdata=None))


@bp.post("/tabel/retensi")
@keepers
def new_retention():
    """A new row of the retention table."""
    form = RetentionForm(prefix="newrule")
    if form.validate_on_submit():
        try:
            numbering.save_retention(form.data, actor=current_user)
        except ServiceError as e:
            flash(str(e), "error")
        else:
            flash(_("Retensi disimpan."), "success")
            return redirect(url_for("archive.tables"))
    else:
        flash_errors(form)
    new = ClassificationForm(prefix="new", formdata=None)
    new.retention_id.choices = _retention_choices()
    return _tables(new, form)


def _tables(new_classification, new_retention):
    status = 400 if request.method == "POST" else 200
    rows = numbering.classifications(active_only=False)
    rules = numbering.retention_rules(active_only=False)
    forms = {}
    for c in rows:
        f = ClassificationForm(formdata=None, obj=c, prefix=f"c{c.id}")
        f.retention_id.choices = _retention_choices()
        forms[c.id] = f
    rule_forms = {r.id: RetentionForm(formdata=None, obj=r, prefix=f"r{r.id}") for r in rules}
    return render_template(
        "archive/tables.html",
        import_form=TableImportForm(formdata=None),
        versions=table_versions(),
        rows=rows,
        rules=rules,
        forms=forms,
        rule_forms=rule_forms,
        form=new_classification,
        rule_form=new_retention,
    ), status


def _retention_choices():
    return [SelectChoice(0, "—")] + [
        SelectChoice(r.id, f"{r.name} ({r.active_years}/{r.inactive_years})")
        for r in numbering.retention_rules(active_only=False)
    ]


@bp.post("/tabel/klasifikasi/<int:classification_id>")
@keepers
def classification(classification_id):
    """Change a row of the classification table."""
    c = get_or_404(Classification, classification_id)
    form = ClassificationForm(prefix=f"c{c.id}")
    form.retention_id.choices = _retention_choices()
    if form.validate_on_submit():
        try:
            numbering.save_classification(form.data, c, actor=current_user)
        except ServiceError as e:
            flash(str(e), "error")
        else:
            flash(_("Kode klasifikasi %(code)s disimpan.", code=c.code), "success")
    else:
        flash_errors(form)
    return redirect(url_for("archive.tables"))


@bp.post("/tabel/retensi/<int:rule_id>")
@keepers
def retention(rule_id):
    """Change a row of the retention table."""
    rule = get_or_404(RetentionRule, rule_id)
    form = RetentionForm(prefix=f"r{rule.id}")
    if form.validate_on_submit():
        try:
            numbering.save_retention(form.data, rule, actor=current_user)
        except ServiceError as e:
            flash(str(e), "error")
        else:
            flash(_("Retensi disimpan."), "success")
    else:
        flash_errors(form)
    return redirect(url_for("archive.tables"))


# --- search, listing and export ------------------------------------------------------------

SORTS = ("relevansi", "tanggal")


def _search_args():
    """The search box, filters and sort from the query string, cleaned."""

    def day(name):
        try:
            return date.fromisoformat(request.args.get(name, ""))
        except ValueError:
            return None

    filters = {
        "year": _int_arg("tahun"),
        "category": _arg("kategori", 120),
        "classification": _arg("klasifikasi", 32),
        "box": _arg("boks"),
        "hardcopy": _arg("fisik") if _arg("fisik") in HARDCOPY_STATUSES else None,
        "media": _arg("media") if _arg("media") in ("elektronik", "kertas") else None,
        "date_from": day("dari"),
        "date_to": day("sampai"),
    }
    sort = _arg("urut") if _arg("urut") in SORTS else "relevansi"
    return _arg("q", 500) or "", filters, sort


#: Query-string names of the filters, for links that add or drop one.
FILTER_ARGS = {
    "year": "tahun",
    "category": "kategori",
    "classification": "klasifikasi",
    "box": "boks",
    "hardcopy": "fisik",
    "media": "media",
    "date_from": "dari",
    "date_to": "sampai",
}


def _args_of(text, filters, sort, **changes):
    args = {"q": text or None, "urut": sort if sort != "relevansi" else None}
    for name, value in filters.items():
        args[FILTER_ARGS[name]] = value.isoformat() if hasattr(value, "isoformat") else value
    args.update(changes)
    return {k: v for k, v in args.items() if v not in (None, "")}


@bp.get("/cari")
@readers
def search():
    """The records officer's search: one box, filters, facets, highlighted results."""

    text, filters, sort = _search_args()
    page = _int_arg("halaman") or 1
    results = indexing.find(
        current_user, text, filters, "date" if sort == "tanggal" else "relevance", page
    )
    found = records.records_by_id([int(h.fields["id"]) for h in results.hits])
    return render_template(
        "archive/search.html",
        text=text,
        filters=filters,
        sort=sort,
        results=results,
        records=found,
        args_of=lambda **changes: _args_of(text, filters, sort, **changes),
        searched=bool(text or any(filters.values())),
        index_warnings=indexing.health(),
    ), (400 if results.error else 200)


@bp.get("/daftar.<fmt>")
@readers
def listing(fmt):
    """The Daftar Arsip of what the search finds, as CSV, XLSX or PDF."""

    if fmt not in ("csv", "xlsx", "pdf"):
        abort(404)
    text, filters, sort = _search_args()
    try:
        ids = indexing.find_ids(current_user, text, filters)
    except ServiceError:  # the search page says why
        return redirect(url_for("archive.search", **_args_of(text, filters, sort)))
    if fmt == "pdf":
        warnings = indexing.health() if text or filters.get("category") else []
        data, mimetype = daftar.listing_pdf(ids, warnings), "application/pdf"
    else:
        out = io.BytesIO()
        (daftar.listing_csv if fmt == "csv" else daftar.listing_xlsx)(ids, out)
        data = out.getvalue()
        mimetype = (
            "text/csv"
            if fmt == "csv"
            else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    return send_file(
        io.BytesIO(data),
        mimetype=mimetype,
        as_attachment=True,
        download_name=f"daftar-arsip.{fmt}",
        max_age=0,
    )


@bp.post("/ekspor")
@keepers
def start_export():
    """Export the search results (or the records ticked) as a BagIt zip, in the background."""

    form = ExportForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for("archive.search"))
    try:
        job = jobs.start_export(current_user, form.q.data or "", _form_filters(form), form.ids.data)
    except ServiceError as e:
        flash(str(e), "error")
        return redirect(url_for("archive.search"))
    return redirect(url_for("archive.export_status", token=job.token))


def _form_filters(form):

    filters = {}
    for name, arg in FILTER_ARGS.items():
        value = (request.form.get(arg) or "").strip()[:120] or None
        if value and name == "year":
            value = int(value) if value.isascii() and value.isdigit() and len(value) <= 4 else None
        elif value and name in ("date_from", "date_to"):
            try:
                value = date.fromisoformat(value)
            except ValueError:
                value = None
        filters[name] = value
    return filters


@bp.get("/ekspor/<token>")
@keepers
def export_status(token):
    """The export's progress, refreshed until the zip is ready."""

    job = jobs.job_for(current_user, token) or abort(404)
    return render_template("archive/export.html", job=job)


@bp.get("/ekspor/<token>/unduh")
@keepers
def export_download(token):
    """Download the finished export."""

    job = jobs.job_for(current_user, token) or abort(404)
    path = export.export_path(job.token)
    if job.status != "selesai" or not path.exists():
        abort(404)
    return send_file(
        path,
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"ekspor-arsip-{job.id}.zip",
        max_age=0,
    )
