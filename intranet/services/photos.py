"""Step 6: journalistic photos: checked, re-encoded without location data, with thumbnails."""

import io
import os
import tempfile
from datetime import datetime
from pathlib import Path

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
from intranet.uploads import IMAGES
from intranet.uploads import PHOTO_TYPES
from intranet.uploads import UploadError
from intranet.uploads import check_bytes_stream
from intranet.workflow import WorkflowError
from intranet.workflow import check_edit

THUMB_SIZE = (480, 480)
#: Photos per case: a gallery, not an album (and what a preview records of them).
MAX_PHOTOS = 40
#: Files sent in one upload (each is checked and kept or refused on its own).
MAX_AT_ONCE = 20
#: The web sizes made from the clean copy for ``srcset`` (never wider than the photo).
RENDITION_WIDTHS = (480, 960, 1600)
#: Rendition formats: WebP for browsers that take it, JPEG (PNG for a PNG) as the fallback.
RENDITION_FORMATS = {
    "webp": ("WEBP", "image/webp"),
    "jpg": ("JPEG", "image/jpeg"),
    "png": ("PNG", "image/png"),
}
#: An hour, as for the clean copies: a rendition's address changes with its content, but a
#: withdrawn article's photos must leave shared caches soon, so it is never "immutable".
RENDITION_MAX_AGE = 3600


def photos(case):
    """The case's photos in their order."""
    return (
        db.session.execute(
            db.select(Photo).where(Photo.case_id == case.id).order_by(Photo.position, Photo.id)
        )
        .scalars()
        .all()
    )


def incomplete(photo):
    """True if the photo still lacks its caption, credit or alt text."""
    return not (photo.caption.strip() and photo.credit.strip() and photo.alt.strip())


def has_captioned_photo(case):
    """The kelengkapan of step 6: at least one photo, and every photo with its caption, credit
    and alt text (a photo uploaded in bulk gets them in the grid afterwards)."""
    rows = photos(case)
    return bool(rows) and not any(incomplete(p) for p in rows)


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


def _turned(clean_bytes, fmt, rotation):
    """The clean copy turned ``rotation`` degrees clockwise (re-encoded as it was made)."""
    if not rotation:
        return clean_bytes
    turn = {
        90: Image.Transpose.ROTATE_270,
        180: Image.Transpose.ROTATE_180,
        270: Image.Transpose.ROTATE_90,
    }[rotation]
    with Image.open(io.BytesIO(clean_bytes)) as img:
        options = {"quality": 92} if fmt in ("JPEG", "WEBP") else {"optimize": True}
        if img.info.get("icc_profile"):
            options["icc_profile"] = img.info["icc_profile"]
        out = io.BytesIO()
        img.transpose(turn).save(out, fmt, **options)
        return out.getvalue()


#: Markup that has no business in a photo: a file carrying it (a polyglot, a script after the
#: picture) is refused, since its original is kept as uploaded. Only long markers, so the
#: compressed bytes of a real photo never match one by chance.
PHOTO_MARKUP = (b"<script", b"<iframe", b"javascript:", b"<!doctype html")


def _refuse_markup(raw):
    window = raw.lower()
    if any(marker in window for marker in PHOTO_MARKUP):
        raise ServiceError(_("Berkas berisi kode aktif (HTML/skrip) dan ditolak."))


def _copies(raw, filename, rotation, max_bytes):
    """From the original: the checked (mimetype, safe name), the clean copy turned by
    ``rotation``, its thumbnail and its size."""
    try:
        checked = check_bytes_stream(io.BytesIO(raw), filename, PHOTO_TYPES, max_bytes)
    except UploadError as e:
        raise ServiceError(str(e), status=e.status) from e
    clean = _turned(checked.stream.read(), IMAGES[checked.mimetype], rotation)
    thumb, _size = _thumbnail(clean, checked.mimetype)
    with Image.open(io.BytesIO(clean)) as img:
        size = img.size
    return checked, clean, thumb, size


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
    """Add a photo: keep the original, publish a clean copy without EXIF, make a thumbnail.

    Caption and alt text may come later (in the grid); the credit defaults to the uploader.
    """
    _may_edit(state, actor)
    if len(photos(case)) >= MAX_PHOTOS:
        raise ServiceError(_("Sudah %(n)s foto; hapus yang tidak dipakai dulu.", n=MAX_PHOTOS))
    max_bytes = current_app.config["MAX_UPLOAD_BYTES"]
    raw = storage.stream.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise ServiceError(
            _("Berkas terlalu besar (maksimal %(mb)s MB).", mb=max_bytes // 2**20), status=413
        )
    checked, clean, thumb, (width, height) = _copies(raw, storage.filename, 0, max_bytes)
    _refuse_markup(raw)
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
            caption=(data.get("caption") or "").strip(),
            credit=(data.get("credit") or "").strip() or user.full_name,
            alt=(data.get("alt") or "").strip(),
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
def move_photo_to(case, photo, position, state, actor):
    """Put a photo at ``position`` (1 is first) in the order; the others keep theirs."""
    _may_edit(state, actor)
    ordered = [p for p in photos(case) if p.id != photo.id]
    ordered.insert(max(0, min(position - 1, len(ordered))), photo)
    for n, p in enumerate(ordered, 1):
        if p.position != n:
            p.position = n
    flag_modified(case, "step")
    commit()


@atomic
def update_photos(case, rows, state, actor):
    """Save the texts of several photos at once (the grid): ``rows`` are
    ``(photo, data, version)``; one stale row refuses them all."""
    _may_edit(state, actor)
    for photo, data, version in rows:
        if photo.case_id != case.id:
            raise ServiceError(_("Foto tidak ditemukan."), status=404)
        check_version(photo, version)
        photo.caption = data["caption"].strip()
        photo.credit = data["credit"].strip()
        photo.alt = data["alt"].strip()
        photo.taken_on = data.get("taken_on")
    flag_modified(case, "step")
    commit()


@atomic
def rotate_photo(case, photo, degrees, state, actor):
    """Turn a photo 90° left or right: the clean copy and thumbnail are made again from the
    original (kept untouched for the archive) turned by the new ``rotation``."""
    _may_edit(state, actor)
    if degrees not in (90, -90):
        raise ServiceError(_("Tindakan tidak dikenal."))
    rotation = (photo.rotation + degrees) % 360
    max_bytes = current_app.config["MAX_UPLOAD_BYTES"]
    store = file_store()
    try:
        with store.open(photo.original_sha256) as f:
            raw = f.read()
    except StorageError as e:
        raise ServiceError(_("Berkas asli foto tidak ditemukan."), status=404) from e
    _checked, clean, thumb, (width, height) = _copies(raw, photo.filename, rotation, max_bytes)
    old = {photo.sha256, photo.thumb_sha256}
    created = []
    try:
        digests = []
        for blob in (clean, thumb):
            sha, _n, new = store.put(io.BytesIO(blob), max_bytes=max_bytes)
            digests.append(sha)
            if new:
                created.append(sha)
        photo.sha256, photo.thumb_sha256 = digests
        photo.rotation = rotation
        photo.width, photo.height = width, height
        flag_modified(case, "step")
        commit()
    except BaseException:
        db.session.rollback()
        for sha in created:
            delete_if_unused(store, sha)
        raise
    for sha in old - set(digests):
        delete_if_unused(store, sha)


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


def rendition_key(photo):
    """The part of a rendition's address that changes with the photo's content."""
    return photo.sha256[:16]


def fallback_format(photo):
    """The rendition format for browsers without WebP: PNG for a PNG, else JPEG."""
    return "png" if photo.mimetype == "image/png" else "jpg"


def rendition_widths(photo):
    """The web widths of a photo: each of ``RENDITION_WIDTHS`` narrower than the photo, and the
    photo's own width when it is under the largest."""
    widths = [w for w in RENDITION_WIDTHS if w < photo.width]
    if photo.width <= RENDITION_WIDTHS[-1] and photo.width not in widths:
        widths.append(photo.width)
    return widths or [RENDITION_WIDTHS[0]]


def largest_web_width(photo):
    return rendition_widths(photo)[-1]


def sources(photo, url):
    """``srcset`` strings for a photo, given ``url(photo, width, fmt)``: ``webp``, the
    fallback ``srcset`` and ``src`` (the fallback at 960 or the largest under it)."""
    widths = rendition_widths(photo)
    fmt = fallback_format(photo)
    middle = max((w for w in widths if w <= 960), default=widths[0])
    return {
        "webp": ", ".join(f"{url(photo, w, 'webp')} {w}w" for w in widths),
        "srcset": ", ".join(f"{url(photo, w, fmt)} {w}w" for w in widths),
        "src": url(photo, middle, fmt),
    }


def _renditions_dir():
    configured = current_app.config.get("RENDITIONS_DIR")
    return (
        Path(configured)
        if configured
        else Path(current_app.config["FILES_DIR"]).with_name("renditions")
    )


def rendition_path(photo, width, fmt):
    """The cached rendition of the photo's clean copy at ``width`` in ``fmt``, made now if it
    is not there yet (Pillow, written to a temporary name first); None if the size or format
    is not one of the photo's or its clean copy is gone."""
    if fmt not in RENDITION_FORMATS or width not in rendition_widths(photo):
        return None
    if fmt not in ("webp", fallback_format(photo)):
        return None
    folder = _renditions_dir() / photo.sha256[:2]
    path = folder / f"{photo.sha256}-{width}.{fmt}"
    if path.exists():
        return path
    try:
        with file_store().open(photo.sha256) as f, Image.open(f) as img:
            img.load()
            if img.width > width:
                img = img.resize(
                    (width, max(1, round(img.height * width / img.width))), Image.Resampling.LANCZOS
                )
            pil_format = RENDITION_FORMATS[fmt][0]
            if pil_format == "JPEG" and img.mode not in ("RGB", "L"):
                img = img.convert("RGB")
            options = {"quality": 82} if pil_format in ("JPEG", "WEBP") else {"optimize": True}
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=folder, suffix=".part")
            try:
                with os.fdopen(fd, "wb") as out:
                    img.save(out, pil_format, **options)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
    except StorageError:
        return None
    return path


def rendition_response(photo, width, fmt, key, private=False):
    """Send a web-size rendition, kept an hour by caches (its address names its content);
    404 for a stale ``key``, a size or format the photo does not have, or a lost file."""
    if key != rendition_key(photo):
        abort(404)
    path = rendition_path(photo, width, fmt)
    if path is None:
        abort(404)
    response = send_file(path, mimetype=RENDITION_FORMATS[fmt][1], max_age=RENDITION_MAX_AGE)
    if private:
        response.headers["Cache-Control"] = "private, no-store"
    else:
        response.headers["Cache-Control"] = f"public, max-age={RENDITION_MAX_AGE}"
    return response
