"""``/arsip/tabel/impor``: the official classification and JRA tables loaded from a file,
previewed (what will be added, changed, removed, left) and then confirmed; the kept files
of earlier imports."""

import io

from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import send_file
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from archive import tables
from archive.forms import TableConfirmForm
from archive.forms import TableImportForm
from intranet.forms import flash_errors
from intranet.permissions import area_required
from intranet.transactions import ServiceError

bp = Blueprint("table_views", __name__, url_prefix="/arsip/tabel")

keepers = area_required("archive_tables")


@bp.post("/impor")
@keepers
def preview():
    """Check an uploaded table file and show what importing it would change."""
    form = TableImportForm()
    if not form.validate_on_submit():
        return render_template("archive/table_preview.html", form=form, plan=None), 400
    upload = form.file.data
    try:
        version, plan = tables.preview(
            upload.read(tables.MAX_FILE_BYTES + 1),
            upload.filename,
            current_user,
            form.kind.data or None,
        )
    except ServiceError as e:
        errors = getattr(e, "errors", [str(e)])
        page = render_template("archive/table_preview.html", form=form, plan=None, errors=errors)
        return page, e.status
    confirm = TableConfirmForm(formdata=None, token=version.token)
    return render_template(
        "archive/table_preview.html", form=form, plan=plan, version=version, confirm=confirm
    )


@bp.post("/impor/konfirmasi")
@keepers
def confirm():
    """Apply the previewed file (the token it was shown under) as a new table version."""
    form = TableConfirmForm()
    if not form.validate_on_submit():
        flash_errors(form)
        flash(_("Pratinjau impor tidak dipilih; unggah berkasnya lagi."), "error")
        return redirect(url_for("archive.tables"))
    try:
        version = tables.confirm(form.token.data, current_user)
    except ServiceError as e:
        flash(str(e), "error")
    else:
        flash(
            _(
                "Tabel %(label)s berlaku: %(added)d ditambah, %(changed)d diubah, %(removed)d "
                "dihapus, %(unchanged)d tetap.",
                label=version.label,
                added=version.added,
                changed=version.changed,
                removed=version.removed,
                unchanged=version.unchanged,
            ),
            "success",
        )
    return redirect(url_for("archive.tables"))


@bp.get("/versi/<int:version_id>/berkas")
@keepers
def version_file(version_id):
    """The file an import was made from, as it was uploaded."""
    version = tables.applied_version(version_id) or abort(404)
    return send_file(
        io.BytesIO(version.content),
        mimetype="application/octet-stream",
        as_attachment=True,
        download_name=f"{version.kind}-versi-{version.number}-{version.filename}",
        max_age=0,
    )
