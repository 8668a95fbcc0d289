"""The intranet's landing page: who you are, your roles and the SK that gives them."""

from flask import Blueprint
from flask import render_template
from flask_login import current_user

from archive import worklist
from intranet.permissions import area_required
from intranet.permissions import can
from intranet.services import cases
from intranet.services import intake
from intranet.services import queries

bp = Blueprint("dashboard", __name__, url_prefix="/intranet")


@bp.get("/")
@area_required("dashboard")
def index():
    """The signed-in person's roles and the decrees behind them."""
    return render_template(
        "dashboard/index.html",
        memberships=current_user.valid_memberships(),
        delegations=current_user.valid_delegations(),
        tasks=cases.tasks_for(current_user),
        assignments=intake.assignments_for(current_user),
        pending=queries.pending_memberships() if can("confirm_members") else [],
        archive_work=worklist.for_user(current_user),
        archive_decisions=worklist.awaiting_decision(current_user),
    )
