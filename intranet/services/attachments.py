"""Files attached to the article (PDF): the letter a "Pengumuman" publishes, a budget, a list.

Each goes through the upload checks (active content refused), is stored content-addressed
like every other file, is listed on the public article with a download link, and goes into
the archive record as an original. They change only while the article itself may be
written (steps 5 and 8); once the article is approved they are frozen with it.
"""

from flask import current_app
from flask import send_file
from flask_babel import gettext as _

from intranet.extensions import db
from intranet.models import Attachment
from intranet.services import publishing
from intranet.services.team import delete_if_unused
from intranet.storage import StorageError
from intranet.storage import file_store
from intranet.transactions import ServiceError
from intranet.transactions import atomic
from intranet.transactions import commit
from intranet.uploads import PDF
from intranet.uploads import UploadError
from intranet.uploads import store_upload

#: Attachments per article: a few documents, not a file share.
MAX_ATTACHMENTS = 10
#: What the public may download from an article (what the upload checks read fully).
TYPES = (PDF,)


def attachments(case):
    """The case's attachments in their order."""
    return (
        db.session.execute(
            db.select(Attachment)
            .where(Attachment.case_id == case.id)
            .order_by(Attachment.position, Attachment.id)
        )
        .scalars()
        .all()
    )


def _may_change(parts):
    if "article" not in parts:
        raise ServiceError(
            _("Lampiran hanya dapat diubah selama berita ditulis atau dikoreksi."),
            status=403,
        )


@atomic
def add_attachment(case, user, storage, title, parts):
    """Attach a PDF to the article; ``parts`` are what the person may change now."""
    _may_change(parts)
    rows = attachments(case)
    if len(rows) >= MAX_ATTACHMENTS:
        raise ServiceError(_("Paling banyak %(n)s lampiran per berita.", n=MAX_ATTACHMENTS))
    store = file_store()
    try:
        sha, size, created, mimetype, filename = store_upload(
            store, storage, TYPES, current_app.config["MAX_UPLOAD_BYTES"]
        )
    except UploadError as e:
        raise ServiceError(str(e), status=e.status) from e
    title = " ".join((title or "").split())[:300] or filename.rsplit(".", 1)[0]
    row = Attachment(
        case_id=case.id,
        title=title,
        filename=filename,
        mimetype=mimetype,
        size=size,
        sha256=sha,
        position=max((r.position for r in rows), default=-1) + 1,
        uploaded_by_id=user.id,
    )
    db.session.add(row)
    try:
        commit()
    except BaseException:
        if created:
            delete_if_unused(store, sha)
        raise
    return row


@atomic
def remove_attachment(case, user, attachment, parts):
    """Take an attachment off the article (the stored file stays if anything else uses it)."""
    _may_change(parts)
    sha = attachment.sha256
    db.session.delete(attachment)
    commit()
    delete_if_unused(file_store(), sha)


def public_attachment(slug, attachment_id):
    """``(attachment, gone)`` for the public: an attachment of a visible article (gone False),
    or of a withdrawn one (None, True); ``(None, False)`` for anything else."""
    article = publishing.by_slug(slug)
    if article is None or not 0 < attachment_id < 2**31:
        return None, False
    if article.status == "withdrawn":
        return None, True
    if not publishing.is_visible(article):
        return None, False
    row = db.session.get(Attachment, attachment_id)
    if row is None or row.case_id != article.case_id:
        return None, False
    return row, False


def attachment_response(row):
    """The attachment as a download under its own name; 404 if its file is missing."""
    try:
        stream = file_store().open(row.sha256)
    except StorageError:
        return None
    return send_file(
        stream, mimetype=row.mimetype, as_attachment=True, download_name=row.filename, max_age=0
    )
