"""Checking uploaded files before they are stored: type by content, structure, size, name."""

import os
import warnings

from flask_babel import gettext as _
from PIL import Image
from werkzeug.utils import secure_filename

from intranet.storage import TooLarge

SIGNATURES = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}
EXTENSIONS = {
    "application/pdf": {".pdf"},
    "image/png": {".png"},
    "image/jpeg": {".jpg", ".jpeg"},
}
# Markup that a browser could run if the file were ever served as HTML or SVG.
ACTIVE_MARKUP = (
    b"<script",
    b"<html",
    b"<!doctype html",
    b"<svg",
    b"<?php",
    b"<iframe",
    b"javascript:",
)
MAX_PIXELS = 40_000_000


class UploadError(ValueError):
    """An upload was refused; the message is fit to show the user."""


def check_upload(storage, allowed, max_bytes):
    """Check a Werkzeug ``FileStorage``; return ``(mimetype, safe_filename)`` or raise UploadError.

    The type comes from the file's content, never from its name or the browser's claim, and
    the name's extension must agree with it. The stream is left rewound.
    """
    name = secure_filename(storage.filename or "")[:200]
    stream = storage.stream
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    if size == 0:
        raise UploadError(_("Berkas kosong."))
    if size > max_bytes:
        raise UploadError(_("Berkas terlalu besar (maksimal %(mb)s MB).", mb=max_bytes // 2**20))
    head = stream.read(16)
    stream.seek(0)
    mimetype = next(
        (m for m in allowed if any(head.startswith(sig) for sig in SIGNATURES[m])), None
    )
    if mimetype is None:
        raise UploadError(_("Jenis berkas tidak diizinkan. Unggah PDF, PNG atau JPEG."))
    ext = os.path.splitext(name)[1].lower()
    if ext not in EXTENSIONS[mimetype]:
        raise UploadError(_("Nama berkas tidak sesuai dengan isinya."))
    _refuse_active_markup(stream)
    if mimetype == "application/pdf":
        _check_pdf(stream, size)
    else:
        _check_image(stream)
    stream.seek(0)
    return mimetype, name


def _refuse_active_markup(stream):
    tail = b""
    while chunk := stream.read(1024 * 1024):
        window = (tail + chunk).lower()
        if any(marker in window for marker in ACTIVE_MARKUP):
            stream.seek(0)
            raise UploadError(_("Berkas berisi kode aktif (HTML/skrip) dan ditolak."))
        tail = window[-32:]
    stream.seek(0)


def _check_pdf(stream, size):
    stream.seek(max(0, size - 2048))
    if b"%%EOF" not in stream.read():
        raise UploadError(_("Berkas PDF rusak atau tidak lengkap."))
    stream.seek(0)


def _check_image(stream):
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(stream) as img:
                if img.width * img.height > MAX_PIXELS:
                    raise UploadError(_("Gambar terlalu besar (jumlah piksel berlebihan)."))
                img.verify()
        except UploadError:
            raise
        except (Image.DecompressionBombWarning, Image.DecompressionBombError) as e:
            raise UploadError(_("Gambar terlalu besar (jumlah piksel berlebihan).")) from e
        except Exception as e:  # Pillow raises many types for broken files
            raise UploadError(_("Berkas gambar rusak.")) from e
    stream.seek(0)


def store_upload(store, storage, allowed, max_bytes):
    """Check and store an upload; return ``(sha256, size, created, mimetype, filename)``."""
    mimetype, name = check_upload(storage, allowed, max_bytes)
    try:
        sha, size, created = store.put(storage.stream, max_bytes=max_bytes)
    except TooLarge as e:
        raise UploadError(_("Berkas terlalu besar.")) from e
    return sha, size, created, mimetype, name
