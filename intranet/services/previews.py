"""Step 7: the unpublished preview, its signed expiring links, and who opened them."""

from datetime import timedelta

from flask import current_app
from flask import request
from flask_babel import gettext as _
from itsdangerous import BadSignature
from itsdangerous import SignatureExpired
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy.orm.attributes import flag_modified

from intranet.clock import office_time
from intranet.clock import utcnow
from intranet.extensions import db
from intranet.links import absolute_url
from intranet.models import Case
from intranet.models import Photo
from intranet.models import Preview
from intranet.models import PreviewOpening
from intranet.models import User
from intranet.services import notify
from intranet.services.articles import latest_revision
from intranet.services.photos import photos
from intranet.transactions import ServiceError
from intranet.transactions import atomic
from intranet.transactions import commit
from intranet.workflow import WorkflowError
from intranet.workflow import check_edit

LAYOUTS = ("standar", "galeri")
#: Who checks and approves a preview (steps 8 and 9).
REVIEWERS = ("koordinator", "penanggungjawab", "redaktur")


class PreviewLinkError(Exception):
    """A preview link that cannot be honoured; ``status`` is 403 (not valid) or 410 (expired)."""

    def __init__(self, message, status):
        super().__init__(message)
        self.status = status


def _serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="warta-preview-link")


def make_token(preview, user):
    """A signed token letting ``user`` open ``preview`` without logging in."""
    return _serializer().dumps({"p": preview.id, "u": user.id})


def read_token(token):
    """The (preview, user) a token grants, or PreviewLinkError."""
    max_age = int(current_app.config["PREVIEW_LINK_DAYS"]) * 86400
    try:
        data = _serializer().loads(token, max_age=max_age)
    except SignatureExpired as e:
        raise PreviewLinkError(_("Tautan preview ini sudah kedaluwarsa."), 410) from e
    except BadSignature as e:
        raise PreviewLinkError(_("Tautan preview ini tidak sah."), 403) from e
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("p"), int)
        or not isinstance(data.get("u"), int)
    ):
        raise PreviewLinkError(_("Tautan preview ini tidak sah."), 403)
    preview = db.session.get(Preview, data["p"])
    user = db.session.get(User, data["u"])
    if preview is None or user is None or not user.active or not user.has_role(*REVIEWERS):
        raise PreviewLinkError(_("Tautan preview ini tidak sah."), 403)
    if preview.expires_at < utcnow():
        raise PreviewLinkError(_("Tautan preview ini sudah kedaluwarsa."), 410)

    case = db.session.get(Case, preview.case_id)
    if case.status != "open":
        raise PreviewLinkError(_("Naskah ini sudah selesai; preview tidak berlaku lagi."), 410)
    if latest_preview(case).id != preview.id:
        raise PreviewLinkError(_("Preview ini sudah diganti dengan yang lebih baru."), 410)
    return preview, user


def open_link(token, viewer):
    """The (preview, addressee) a link grants to ``viewer``: the signed-in user, or None.

    A link is its addressee's alone. Anyone else who is signed in (the admin reading the
    outbox, a colleague it was forwarded to) is refused, so nobody opens it, or is recorded
    as having opened it, in another person's name. Without a login the holder of a valid
    link is taken to be the person it was mailed to, as the SOP's review by email needs.
    """
    preview, user = read_token(token)
    if viewer is not None and viewer.id != user.id:
        raise PreviewLinkError(
            _(
                "Tautan preview ini dikirim untuk orang lain, bukan untuk %(name)s. "
                "Buka tautan yang dikirim kepada Anda sendiri.",
                name=viewer.full_name,
            ),
            403,
        )
    return preview, user


def latest_preview(case):
    """The newest preview of the case, or None."""
    return db.session.execute(
        db.select(Preview).where(Preview.case_id == case.id).order_by(Preview.id.desc()).limit(1)
    ).scalar_one_or_none()


def has_current_preview(case):
    """The kelengkapan of step 7: a preview laid out from the current revision."""
    p = latest_preview(case)
    return bool(p and case.revision_hash and p.revision_hash == case.revision_hash)


@atomic
def lay_out(case, user, layout, state, actor):
    """Lay the current revision out as the unpublished preview (step 7)."""
    try:
        check_edit(state, actor, "preview")
    except WorkflowError as e:
        raise ServiceError(_(e.msgid, **e.params)) from e
    if layout not in LAYOUTS:
        raise ServiceError(_("Tata letak tidak dikenal."))
    preview = _new_preview(case, user, layout)
    commit()
    return preview


def _new_preview(case, user, layout):
    """Lay out the newest revision with the case's photos as they are now (not committed)."""
    revision = latest_revision(case)
    if revision is None:
        raise ServiceError(_("Berita belum ditulis."))
    preview = Preview(
        case_id=case.id,
        revision_id=revision.id,
        revision_hash=revision.content_hash,
        layout=layout,
        photo_ids=",".join(str(p.id) for p in photos(case)),
        created_by_id=user.id,
        expires_at=utcnow() + timedelta(days=int(current_app.config["PREVIEW_LINK_DAYS"])),
    )
    db.session.add(preview)
    flag_modified(case, "step")
    db.session.flush()
    return preview


def current_for(case, user):
    """A preview of the current revision, laid out again (same layout) if the text changed.

    Used when the case reaches the final approvals after a correction, so the approvers
    check exactly the text they approve. Joins the caller's transaction.
    """
    latest = latest_preview(case)
    if latest and latest.revision_hash == case.revision_hash:
        return latest
    return _new_preview(case, user, latest.layout if latest else "standar")


def send_links(case, preview, recipients):
    """Queue each recipient's own signed link; return their ids (for the trail)."""
    sent = []
    for user in recipients:
        link = absolute_url("public.preview", token=make_token(preview, user))
        notify.queue(
            user,
            _("Preview berita menunggu pemeriksaan: %(title)s", title=preview.revision.title),
            _(
                "Preview (belum terbit) naskah #%(id)s siap diperiksa:\n%(link)s\n\n"
                "Tautan ini hanya untuk Anda dan berlaku sampai %(until)s.",
                id=case.id,
                link=link,
                until=office_time(preview.expires_at).strftime("%d-%m-%Y %H:%M %Z"),
            ),
            "preview",
            case,
        )
        sent.append(user.id)
    return sent


def record_opening(preview, user):
    """Note that ``user``, the link's addressee (see ``open_link``), opened the preview."""
    db.session.add(
        PreviewOpening(
            preview_id=preview.id,
            user_id=user.id,
            ip_address=(request.remote_addr or "")[:64],
            user_agent=(request.user_agent.string or "")[:255],
        )
    )
    db.session.commit()


def preview_photos(preview):
    """The photos as they were when the preview was laid out, in that order."""
    ids = [int(i) for i in preview.photo_ids.split(",") if i]
    by_id = {
        p.id: p for p in db.session.execute(db.select(Photo).where(Photo.id.in_(ids))).scalars()
    }
    return [by_id[i] for i in ids if i in by_id]
