"""Administration: accounts, SK Tim records and memberships, and the audit log."""

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from intranet import audit
from intranet import queue
from intranet.database import get_or_404
from intranet.forms import flash_errors
from intranet.forms.admin import CategoryForm
from intranet.forms.admin import DecreeForm
from intranet.forms.admin import MembershipForm
from intranet.forms.admin import MembershipRemoveForm
from intranet.forms.admin import PasswordResetForm
from intranet.forms.admin import TaskRetryForm
from intranet.forms.admin import UserCreateForm
from intranet.forms.admin import UserStateForm
from intranet.models import Category
from intranet.models import Membership
from intranet.models import TeamDecree
from intranet.models import User
from intranet.permissions import area_required
from intranet.services import accounts
from intranet.services import categories as category_service
from intranet.services import notify
from intranet.services import queries
from intranet.services import team
from intranet.transactions import ConflictError
from intranet.transactions import ServiceError

bp = Blueprint("admin", __name__, url_prefix="/intranet/admin")


@bp.route("/pengguna", methods=["GET", "POST"])
@area_required("admin")
def users():
    """List accounts and create a new one."""
    form = UserCreateForm()
    if form.validate_on_submit():
        try:
            user = accounts.create_user(
                {**form.data, "password": form.new_password.data}, current_user
            )
        except ServiceError as e:
            flash(str(e), "error")
        else:
            flash(_("Akun %(name)s dibuat.", name=user.username), "success")
            return redirect(url_for("admin.user", user_id=user.id))
    status = 400 if form.is_submitted() else 200
    return render_template("admin/users.html", form=form, users=queries.all_users()), status


@bp.get("/pengguna/<int:user_id>")
@area_required("admin")
def user(user_id):
    """One account: its roles, its state and a password reset."""
    u = get_or_404(User, user_id)
    return render_template(
        "admin/user.html",
        user=u,
        state_form=UserStateForm(version=u.version),
        reset_form=PasswordResetForm(version=u.version),
    )


@bp.post("/pengguna/<int:user_id>/status")
@area_required("admin")
def user_state(user_id):
    """Deactivate or reactivate an account; deactivation ends its sessions."""
    u = get_or_404(User, user_id)
    form = UserStateForm()
    if form.validate_on_submit():
        try:
            accounts.set_active(u, not u.active, current_user, form.version.data)
        except ServiceError as e:
            flash(str(e), "error")
            if isinstance(e, ConflictError):
                return _user_page(u), 409
        else:
            msg = _("Akun diaktifkan.") if u.active else _("Akun dinonaktifkan; sesinya diakhiri.")
            flash(msg, "success")
    else:
        flash_errors(form)
    return redirect(url_for("admin.user", user_id=u.id))


@bp.post("/pengguna/<int:user_id>/sandi")
@area_required("admin")
def user_password(user_id):
    """Set a new password for an account; its sessions end."""
    u = get_or_404(User, user_id)
    form = PasswordResetForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(u, form.new_password.data, current_user, form.version.data)
        except ServiceError as e:
            flash(str(e), "error")
            if isinstance(e, ConflictError):
                return _user_page(u), 409
        else:
            flash(_("Kata sandi %(name)s diganti; sesinya diakhiri.", name=u.username), "success")
    else:
        flash_errors(form)
    return redirect(url_for("admin.user", user_id=u.id))


def _user_page(u):
    return render_template(
        "admin/user.html",
        user=u,
        state_form=UserStateForm(version=u.version),
        reset_form=PasswordResetForm(version=u.version),
    )


@bp.route("/sk", methods=["GET", "POST"])
@area_required("admin")
def decrees():
    """List decrees and record a new one with its scan."""
    form = DecreeForm()
    if form.validate_on_submit():
        try:
            d = team.record_decree(form.data, form.scan.data, current_user)
        except ServiceError as e:
            flash(str(e), "error")
            page = render_template("admin/decrees.html", form=form, decrees=queries.all_decrees())
            return page, e.status
        else:
            flash(_("SK %(number)s tercatat.", number=d.number), "success")
            return redirect(url_for("admin.decree", decree_id=d.id))
    status = 400 if form.is_submitted() else 200
    return render_template("admin/decrees.html", form=form, decrees=queries.all_decrees()), status


def _user_choices():
    return [SelectChoice(u.id, f"{u.full_name} ({u.username})") for u in queries.active_users()]


def _decree_page(d, form=None):
    form = form or MembershipForm(version=d.version)
    form.user_id.choices = _user_choices()
    return render_template(
        "admin/decree.html",
        decree=d,
        form=form,
        remove_form=MembershipRemoveForm(version=d.version),
    )


@bp.get("/sk/<int:decree_id>")
@area_required("admin")
def decree(decree_id):
    """One decree: its members and the form to appoint more."""
    return _decree_page(get_or_404(TeamDecree, decree_id))


@bp.post("/sk/<int:decree_id>/anggota")
@area_required("admin")
def add_member(decree_id):
    """Appoint a person to a role under this decree."""
    d = get_or_404(TeamDecree, decree_id)
    form = MembershipForm()
    form.user_id.choices = _user_choices()
    if form.validate_on_submit():
        try:
            m = team.add_member(
                d,
                get_or_404(User, form.user_id.data),
                form.role.data,
                form.position.data,
                current_user,
                form.version.data,
            )
        except ServiceError as e:
            flash(str(e), "error")
            status = 409 if isinstance(e, ConflictError) else 400
            return _decree_page(d, form), status
        if m.is_pending and m.user_id == current_user.id:
            flash(
                _(
                    "Penunjukan Anda sendiri tercatat, tetapi baru berlaku setelah "
                    "dikonfirmasi penanggung jawab."
                ),
                "info",
            )
        elif m.is_pending and m.role != "penanggungjawab":
            flash(
                _(
                    "Penunjukan akun yang Anda buat sendiri tercatat, tetapi baru berlaku "
                    "setelah dikonfirmasi penanggung jawab yang sedang menjabat."
                ),
                "info",
            )
        elif m.is_pending:
            flash(
                _(
                    "Penunjukan penanggung jawab baru tercatat, tetapi baru berlaku setelah "
                    "dikonfirmasi penanggung jawab yang sedang menjabat."
                ),
                "info",
            )
        else:
            flash(_("Anggota ditambahkan."), "success")
        return redirect(url_for("admin.decree", decree_id=d.id))
    return _decree_page(d, form), 400


@bp.post("/sk/<int:decree_id>/anggota/<int:membership_id>/hapus")
@area_required("admin")
def remove_member(decree_id, membership_id):
    """End an appointment under this decree today (it stays listed as history)."""
    d = get_or_404(TeamDecree, decree_id)
    m = get_or_404(Membership, membership_id)
    form = MembershipRemoveForm()
    if form.validate_on_submit():
        try:
            team.end_member(d, m, current_user, form.version.data)
        except ServiceError as e:
            flash(str(e), "error")
            if isinstance(e, ConflictError):
                return _decree_page(d), 409
        else:
            flash(_("Anggota dikeluarkan dari SK."), "success")
    return redirect(url_for("admin.decree", decree_id=d.id))


@bp.get("/audit")
@area_required("audit")
def audit_log():
    """The admin audit log, newest first, and whether its chain verifies."""
    page = request.args.get("halaman", 1, type=int)
    page = page if page and 0 < page < 2**31 else 1
    rows, total = audit.entries(page, AUDIT_PAGE)
    return render_template(
        "admin/audit.html",
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // AUDIT_PAGE)),
        problems=audit.verify(),
    )


#: Entries per page of the audit log.
AUDIT_PAGE = 50


@bp.get("/kotak-keluar")
@area_required("admin")
def outbox():
    """Every notification, sent or waiting, newest first."""
    return render_template("admin/outbox.html", messages=notify.recent())


@bp.get("/tugas")
@area_required("admin")
def tasks():
    """The background tasks: waiting and running, failed with their reason, recently done."""
    return render_template(
        "admin/tasks.html",
        tasks=queue.listing(),
        form=TaskRetryForm(),
        label=queue.label,
        worker_deaths=queue.WORKER_DEATHS,
    )


@bp.post("/tugas/<int:task_id>/ulang")
@area_required("admin")
def retry_task(task_id):
    """Queue a failed task again ("Coba lagi")."""
    get_or_404(queue.BackgroundTask, task_id)
    form = TaskRetryForm()
    if not form.validate_on_submit():
        flash_errors(form)
    elif queue.retry(task_id):
        flash(_("Tugas #%(id)s diantrekan lagi.", id=task_id), "success")
    else:
        flash(_("Hanya tugas yang gagal yang dapat dicoba lagi."), "error")
    return redirect(url_for("admin.tasks"))


@bp.route("/kategori", methods=["GET", "POST"])
@area_required("admin")
def categories():
    """The list of news categories, and a new one."""
    form = CategoryForm()
    if form.validate_on_submit():
        try:
            c = category_service.save_category(form.data, actor=current_user)
        except ServiceError as e:
            flash(str(e), "error")
        else:
            flash(_("Kategori %(name)s disimpan.", name=c.name), "success")
            return redirect(url_for("admin.categories"))
    status = 400 if form.is_submitted() else 200
    rows = category_service.all_categories()
    forms = {c.id: CategoryForm(formdata=None, obj=c) for c in rows}
    return render_template("admin/categories.html", form=form, rows=rows, forms=forms), status


@bp.post("/kategori/<int:category_id>")
@area_required("admin")
def category(category_id):
    """Rename, reorder or (de)activate a category."""
    c = get_or_404(Category, category_id)
    form = CategoryForm()
    if form.validate_on_submit():
        try:
            category_service.save_category(form.data, c, actor=current_user)
        except ServiceError as e:
            flash(str(e), "error")
        else:
            flash(_("Kategori %(name)s disimpan.", name=c.name), "success")
    else:
        flash_errors(form)
    return redirect(url_for("admin.categories"))
