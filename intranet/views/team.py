"""The current team and its decrees, visible to everyone on the team."""

from collections import defaultdict

from flask import Blueprint
from flask import abort
from flask import render_template
from flask import send_file

from intranet.models import ROLES
from intranet.models import TeamDecree
from intranet.permissions import area_required
from intranet.services import queries
from intranet.services.team import file_store
from intranet.storage import StorageError

bp = Blueprint("team", __name__, url_prefix="/intranet/tim")


@bp.get("/")
@area_required("team")
def index():
    """Who holds which role today, and under which SK."""
    by_role = defaultdict(list)
    for m in queries.current_team():
        by_role[m.role].append(m)
    return render_template(
        "team/index.html", by_role=by_role, roles=ROLES, decrees=queries.all_decrees()
    )


@bp.get("/sk/<int:decree_id>")
@area_required("team")
def decree(decree_id):
    """One SK Tim with its members."""
    return render_template("team/decree.html", decree=queries.get_or_404(TeamDecree, decree_id))


@bp.get("/sk/<int:decree_id>/pindaian")
@area_required("team")
def decree_scan(decree_id):
    """The SK's scanned file, as a download with its checked type."""
    d = queries.get_or_404(TeamDecree, decree_id)
    if not d.scan_sha256:
        abort(404)
    try:
        stream = file_store().open(d.scan_sha256)
    except StorageError:
        abort(404)
    return send_file(
        stream,
        mimetype=d.scan_mimetype,
        as_attachment=True,
        download_name=d.scan_filename,
        max_age=0,
    )
