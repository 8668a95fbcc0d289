"""The current team and its decrees, visible to everyone on the team."""

from collections import defaultdict

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

from intranet.database import get_or_404
from intranet.forms.intake import DelegationForm
from intranet.forms.intake import SimpleForm
from intranet.models import Delegation
from intranet.models import Membership
from intranet.models import TeamDecree
from intranet.models import User
from intranet.permissions import area_required
from intranet.permissions import can
from intranet.roles import ROLES
from intranet.services import delegations
from intranet.services import queries
from intranet.services import team
from intranet.storage import StorageError
from intranet.storage import file_store
from intranet.transactions import ServiceError

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
    """One SK Tim with its members, and the appointments waiting for confirmation."""
    return render_template(
        "team/decree.html", decree=get_or_404(TeamDecree, decree_id), decide_form=SimpleForm()
    )


@bp.post("/sk/<int:decree_id>/anggota/<int:membership_id>/konfirmasi")
@area_required("confirm_members")
def confirm_member(decree_id, membership_id):
    """The Penanggung Jawab confirms an admin's appointment of themself."""
    return _decide(decree_id, membership_id, team.confirm_member, _("Penunjukan dikonfirmasi."))


@bp.post("/sk/<int:decree_id>/anggota/<int:membership_id>/tolak")
@area_required("confirm_members")
def refuse_member(decree_id, membership_id):
    """The Penanggung Jawab refuses an admin's appointment of themself."""
    return _decide(decree_id, membership_id, team.refuse_member, _("Penunjukan ditolak."))


def _decide(decree_id, membership_id, decide, done):
    d = get_or_404(TeamDecree, decree_id)
    m = get_or_404(Membership, membership_id)
    if SimpleForm().validate_on_submit():
        try:
            decide(d, m, current_user)
        except ServiceError as e:
            flash(str(e), "error")
        else:
            flash(done, "success")
    return redirect(url_for("team.decree", decree_id=d.id))


@bp.get("/sk/<int:decree_id>/pindaian")
@area_required("team")
def decree_scan(decree_id):
    """The SK's scanned file, as a download with its checked type."""
    d = get_or_404(TeamDecree, decree_id)
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


def _delegation_form(form):
    people = [SelectChoice(u.id, u.full_name) for u in queries.team_members()]
    form.role.choices = [SelectChoice(k, v) for k, v in ROLES.items() if k != "admin"]
    form.absent_id.choices = people
    form.substitute_id.choices = people
    return form


@bp.route("/plh", methods=["GET", "POST"])
@area_required("team")
def acting():
    """Acting substitutes (Plh/Plt): the list, and the form for the Penanggung Jawab."""
    form = _delegation_form(DelegationForm())
    status = 200
    if request.method == "POST":
        if not can("delegate"):
            abort(403)
        if form.validate_on_submit():
            try:
                delegations.delegate(
                    form.data,
                    current_user,
                    get_or_404(User, form.absent_id.data),
                    get_or_404(User, form.substitute_id.data),
                )
            except ServiceError as e:
                flash(str(e), "error")
                status = e.status
            else:
                flash(_("Pelaksana harian ditunjuk."), "success")
                return redirect(url_for("team.acting"))
        else:
            status = 400
    return render_template(
        "team/acting.html", form=form, rows=delegations.all_delegations(), revoke_form=SimpleForm()
    ), status


@bp.post("/plh/<int:delegation_id>/cabut")
@area_required("delegate")
def revoke_acting(delegation_id):
    """End a delegation now."""
    d = get_or_404(Delegation, delegation_id)
    if SimpleForm().validate_on_submit():
        try:
            delegations.revoke(d, current_user)
        except ServiceError as e:
            flash(str(e), "error")
        else:
            flash(_("Penunjukan dicabut."), "success")
    return redirect(url_for("team.acting"))
