"""Step 6: journalistic photos: checked, re-encoded without location data, with thumbnails."""

import io
from datetime import datetime

from flask import abort
from flask import current_app
from flask import send_file
from flask_babel import gettext as _
from PIL import ExifTags
from PIL import Image
from sqlalchemy.orm.attributes import flag_modified

from intranet.extensions import db
from intranet.models import Photo
from intranet.services.team import delete_if_unused
from intranet.storage import StorageError
from intranet.storage import TooLarge
from intranet.storage import file_store
from intranet.transactions import ServiceError
from intranet.transactions import atomic
from intranet.transactions import check_version
from intranet.transactions import commit
from intranet.uploads import PHOTO_TYPES
from intranet.uploads import UploadError
from intranet.uploads import check_bytes_stream
from intranet.workflow import WorkflowError
from intranet.workflow import check_edit

THUMB_SIZE = (480, 480)
#: Photos per case: a gallery, not an album (and what a preview records of them).
MAX_PHOTOS = 40


def photos(case):
    """The case's photos in their order."""
    return (
        db.session.execute(
            db.select(Photo).where(Photo.case_id == case.id).order_by(Photo.position, Photo.id)
        )
        .scalars()
        .all()
    )


def has_captioned_photo(case):
    """The kelengkapan of step 6: at least one photo with a caption and a credit."""
    return any(p.caption.strip() and p.credit.strip() for p in photos(case))


def _may_edit(state, actor):
    try:
        check_edit(state, actor, "photos")
    except WorkflowError as e:
        raise ServiceError(_(e.msgid, **e.params)) from e


def _exif_facts(raw):
    """(date taken, had a GPS location) from the original's EXIF, when it has any."""
    try:
        with Image.open(io.BytesIO(raw)) as img:
            exif = img.getexif()
    except Exception:  # the re-encoded copy was already checked; EXIF is only a bonus
        return None, False
    had_gps = bool(exif.get_ifd(ExifTags.IFD.GPSInfo)) if exif else False
    taken = None
    raw_date = exif.get_ifd(ExifTags.IFD.Exif).get(ExifTags.Base.DateTimeOriginal) if exif else None
    raw_date = raw_date or (exif.get(ExifTags.Base.DateTime) if exif else None)
    if isinstance(raw_date, str):
        try:
            taken = datetime.strptime(raw_date.strip(), "%Y:%m:%d %H:%M:%S").date()
        except ValueError:
            taken = None
    return taken, had_gps


def _thumbnail(clean_bytes, mimetype):
    with Image.open(io.BytesIO(clean_bytes)) as img:
        img.thumbnail(THUMB_SIZE)
        out = io.BytesIO()
        if mimetype == "image/png":
            img.save(out, "PNG", optimize=True)
        else:
            img.convert("RGB").save(out, "JPEG", quality=85)
        return out.getvalue(), img.size


@atomic
def add_photo(case, user, storage, data, state, actor):
    """Add a photo: keep the original, publish a clean copy without EXIF, make a thumbnail."""
    _may_edit(state, actor)
    if len(photos(case)) >= MAX_PHOTOS:
        raise ServiceError(_("Sudah %(n)s foto; hapus yang tidak dipakai dulu.", n=MAX_PHOTOS))
    max_bytes = current_app.config["MAX_UPLOAD_BYTES"]
    raw = storage.stream.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise ServiceError(
            _("Berkas terlalu besar (maksimal %(mb)s MB).", mb=max_bytes // 2**20), status=413
        )
    try:
        checked = check_bytes_stream(io.BytesIO(raw), storage.filename, PHOTO_TYPES, max_bytes)
    except UploadError as e:
        raise ServiceError(str(e), status=e.status) from e
    clean = checked.stream.read()
    thumb, _size = _thumbnail(clean, checked.mimetype)
    with Image.open(io.BytesIO(clean)) as img:
        width, height = img.size
    taken, had_gps = _exif_facts(raw)
    store = file_store()
    created = []
    try:
        digests = []
        for blob in (raw, clean, thumb):
            sha, _n, new = store.put(io.BytesIO(blob), max_bytes=max_bytes)
            digests.append(sha)
            if new:
                created.append(sha)
        existing = photos(case)
        photo = Photo(
            case_id=case.id,
            original_sha256=digests[0],
            sha256=digests[1],
            thumb_sha256=digests[2],
            mimetype=checked.mimetype,
            filename=checked.filename,
            width=width,
            height=height,
            caption=data["caption"].strip(),
            credit=data["credit"].strip(),
            alt=data["alt"].strip(),
            taken_on=data.get("taken_on") or taken,
            position=(max((p.position for p in existing), default=0) + 1),
            is_cover=not existing,
            had_location=had_gps,
            uploaded_by_id=user.id,
        )
        db.session.add(photo)
        flag_modified(case, "step")
        commit()
    except BaseException as e:
        db.session.rollback()
        for sha in created:
            delete_if_unused(store, sha)
        if isinstance(e, TooLarge):
            raise ServiceError(_("Berkas terlalu besar."), status=413) from e
        raise
    return photo


@atomic
def update_photo(case, photo, data, state, actor, version=None):
    """Change a photo's caption, credit, alt text or date."""
    _may_edit(state, actor)
    check_version(photo, version)
    photo.caption = data["caption"].strip()
    photo.credit = data["credit"].strip()
    photo.alt = data["alt"].strip()
    photo.taken_on = data.get("taken_on")
    flag_modified(case, "step")
    commit()


@atomic
def move_photo(case, photo, direction, state, actor):
    """Move a photo one place up or down in the order."""
    _may_edit(state, actor)
    ordered = photos(case)
    i = ordered.index(photo)
    j = i - 1 if direction == "up" else i + 1
    if not 0 <= j < len(ordered):
        return
    ordered[i], ordered[j] = ordered[j], ordered[i]
    for position, p in enumerate(ordered, 1):
        if p.position != position:
            p.position = position
    flag_modified(case, "step")
    commit()


@atomic
def set_cover(case, photo, state, actor):
    """Make one photo the cover."""
    _may_edit(state, actor)
    for p in photos(case):
        if p.is_cover != (p.id == photo.id):
            p.is_cover = p.id == photo.id
    flag_modified(case, "step")
    commit()


@atomic
def remove_photo(case, photo, state, actor):
    """Take a photo out of the case before publication; its files go if nothing else uses them."""
    _may_edit(state, actor)
    digests = (photo.original_sha256, photo.sha256, photo.thumb_sha256)
    was_cover = photo.is_cover
    db.session.delete(photo)
    db.session.flush()
    rest = photos(case)
    if was_cover and rest:
        rest[0].is_cover = True
    flag_modified(case, "step")
    commit()
    store = file_store()
    for sha in set(digests):
        delete_if_unused(store, sha)


def photo_response(photo, size, private=False):
    """Send a photo's clean copy (``penuh``) or thumbnail (``kecil``); 404 if its file is gone.

    ``private`` photos (not published yet) must not be kept by shared caches.
    """

    sha = photo.thumb_sha256 if size == "kecil" else photo.sha256
    mimetype = "image/jpeg" if size == "kecil" and photo.mimetype != "image/png" else photo.mimetype
    try:
        stream = file_store().open(sha)
    except StorageError:
        abort(404)
    response = send_file(stream, mimetype=mimetype, max_age=3600)
    if private:
        response.headers["Cache-Control"] = "private, no-store"
    return response
