"""The intranet's landing page: who you are, your roles and the SK that gives them."""

from flask import Blueprint
from flask import render_template
from flask_login import current_user

from archive import worklist
from intranet.permissions import area_required
from intranet.permissions import can
from intranet.services import intake
from intranet.services import queries
from intranet.services import worklists

bp = Blueprint("dashboard", __name__, url_prefix="/intranet")


@bp.app_context_processor
def waiting_badge():
    """``waiting_count()`` for the nav's badge: what waits on the signed-in person, counted
    only when a page's nav asks for it."""

    def count():
        return worklists.waiting_count(current_user) if current_user.is_authenticated else 0

    return {"waiting_count": count}


@bp.get("/")
@area_required("dashboard")
def index():
    """The signed-in person's roles and the decrees behind them."""
    return render_template(
        "dashboard/index.html",
        memberships=current_user.valid_memberships(),
        delegations=current_user.valid_delegations(),
        tasks=worklists.tasks_for(current_user, limit=worklists.PER_PAGE),
        held=worklists.held_count(current_user),
        assignments=intake.assignments_for(current_user),
        pending=queries.pending_memberships() if can("confirm_members") else [],
        archive_work=worklist.for_user(current_user),
        archive_decisions=worklist.awaiting_decision(current_user),
    )
