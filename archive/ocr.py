"""OCR of scans and images of documents: a derived searchable PDF/A, the original untouched.

The work is done by ``ocrmypdf`` (Debian's package, run as a command: it brings its own
Python, Ghostscript and Tesseract, and its library would pin a pikepdf of its own) with
Tesseract's Indonesian model. Each page's mean word confidence comes from the hOCR that
Tesseract wrote for ``ocrmypdf``'s own text layer (``--pdf-renderer hocr``), so confidence
costs no second recognition. A PDF whose pages all carry text is not recognised again; one
with some scanned pages has only those recognised (``--skip-text``).

``recognise`` never raises: a file that cannot be recognised comes back ``gagal`` with the
reason, and ``ocr_stored`` records that and goes on. The derived PDF/A is stored
content-addressed in the store that holds the original, linked to it by ``OcrResult``.
"""

import io
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from contextlib import nullcontext
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from flask import current_app
from sqlalchemy.exc import IntegrityError

from archive.ocr_models import OcrResult
from intranet.clock import utcnow
from intranet.extensions import db

LANGUAGE = "ind"
#: The kinds of archived originals that may be scans: a source file, a paper record's scan
#: (the photos of an article are pictures, not documents). Their OCR text is indexed.
SCAN_KINDS = ("sumber", "pindaian")
#: A page whose mean word confidence is below this (0–100) is flagged for a person to check.
LOW_CONFIDENCE = 75.0
#: Longest a recognition may take (seconds) before it is given up as failed.
TIMEOUT = 900
#: OpenMP threads of each Tesseract run (``WARTA_OCR_THREADS`` overrides).
THREADS = os.environ.get("WARTA_OCR_THREADS", "1")
#: Image types Tesseract's input conversion reads as they are; others become PNG first.
DIRECT_IMAGES = {"image/png": ".png", "image/jpeg": ".jpg", "image/tiff": ".tif"}
#: Fewest characters a PDF page's own text must have to count as a text-bearing page.
MIN_PAGE_TEXT = 8
#: Whatever a scan's resolution, an image that does not say gets this one.
DEFAULT_DPI = 300
#: ocrmypdf's exit codes → what a person is told.
EXIT_REASONS = {
    2: "berkas masukan tidak dapat dibaca sebagai PDF atau gambar",
    3: "program OCR (ocrmypdf/Tesseract) tidak lengkap terpasang",
    4: "hasil OCR tidak lolos pemeriksaan PDF/A",
    6: "PDF sudah memiliki teks",
    7: "Tesseract atau Ghostscript berhenti dengan galat",
    8: "PDF terenkripsi",
    10: "konversi ke PDF/A gagal",
    15: "galat tak terduga pada ocrmypdf",
}
WORD_CONFIDENCE = re.compile(r"class=['\"]ocrx_word['\"][^>]*?x_wconf (\d+)")


@dataclass
class Outcome:
    """What one recognition produced."""

    status: str  # selesai | dilewati | gagal
    pdf: bytes | None = None
    text: str = ""
    pages: int | None = None
    confidence: float | None = None
    page_confidences: list = field(default_factory=list)
    low_pages: list = field(default_factory=list)
    note: str = ""
    duration: float = 0.0
    language: str = LANGUAGE


class Unreadable(Exception):
    """The input cannot be prepared for recognition; the message says why (Indonesian)."""


def is_candidate(mimetype):
    """Whether a file of this type can be a scan: an image or a PDF."""
    return mimetype == "application/pdf" or mimetype.startswith("image/")


def derived_name(filename):
    """The file name of an original's derived PDF/A: ``surat.png`` → ``surat.ocr.pdf``."""
    stem = filename.rsplit(".", 1)[0] if "." in filename else filename
    return f"{stem or 'pindaian'}.ocr.pdf"


def available():
    """Whether ``ocrmypdf`` is installed (``make`` installs it with Debian's packages)."""
    return shutil.which("ocrmypdf") is not None


def low_confidence():
    return float(current_app.config.get("OCR_LOW_CONFIDENCE", LOW_CONFIDENCE))


def recognise(data, mimetype, threshold=LOW_CONFIDENCE, language=LANGUAGE):
    """OCR ``data``: an ``Outcome`` with the derived PDF/A, its text and confidences."""
    started = time.monotonic()
    try:
        outcome = _recognise(data, mimetype, threshold, language)
    except Unreadable as e:
        outcome = Outcome("gagal", note=str(e)[:300])
    except subprocess.TimeoutExpired:
        outcome = Outcome("gagal", note=f"OCR melebihi batas waktu {TIMEOUT} detik")
    except Exception as e:  # noqa: BLE001 - a hostile or broken file fails alone
        outcome = Outcome("gagal", note=f"{type(e).__name__}: {str(e)[:200]}")
    outcome.duration = time.monotonic() - started
    outcome.language = language
    return outcome


def _recognise(data, mimetype, threshold, language):
    if not available():
        raise Unreadable("ocrmypdf tidak terpasang (jalankan make untuk memasangnya)")
    if not is_candidate(mimetype):
        return Outcome("dilewati", note="bukan pindaian atau gambar")
    with tempfile.TemporaryDirectory(prefix="warta-ocr-") as tmp:
        tmp = Path(tmp)
        args = []
        if mimetype == "application/pdf":
            if _all_pages_have_text(data):
                return Outcome("dilewati", note="PDF sudah memiliki teks")
            source = tmp / "masuk.pdf"
            source.write_bytes(data)
        else:
            source, dpi = _image_input(data, mimetype, tmp)
            args += ["--image-dpi", str(dpi)]
        work = tmp / "kerja"
        work.mkdir()
        output, sidecar = tmp / "keluar.pdf", tmp / "teks.txt"
        command = [
            "ocrmypdf",
            "-l",
            language,
            "--output-type",
            "pdfa",
            "--skip-text",
            "--pdf-renderer",
            "hocr",
            "--optimize",
            "0",
            "--sidecar",
            str(sidecar),
            "--keep-temporary-files",
            "--quiet",
            *args,
            str(source),
            str(output),
        ]
        # TMPDIR puts ocrmypdf's kept working folder (with Tesseract's hOCR) inside ours.
        # One OpenMP thread per Tesseract: ocrmypdf runs pages in parallel itself, and
        # OpenMP's waiting threads spin on a busy machine (measured: 3 s a page instead of 19).
        env = {**os.environ, "TMPDIR": str(work), "OMP_THREAD_LIMIT": THREADS}
        done = subprocess.run(  # noqa: S603 - a fixed command, our own temporary paths
            command, capture_output=True, timeout=TIMEOUT, env=env, check=False
        )
        if done.returncode == 6:
            return Outcome("dilewati", note=EXIT_REASONS[6])
        if done.returncode != 0 or not output.exists():
            reason = EXIT_REASONS.get(done.returncode, f"OCR gagal (kode {done.returncode})")
            detail = _last_line(done.stderr)
            return Outcome("gagal", note=(f"{reason}: {detail}" if detail else reason)[:300])
        pdf = output.read_bytes()
        text = sidecar.read_text("utf-8", "replace") if sidecar.exists() else ""
        pages = _page_count(pdf)
        per_page = _hocr_confidences(work)
        low = flag_pages(per_page, _ocr_pages(work), threshold)
    words = sum(n for _, _, n in per_page)
    confidence = sum(c * n for _, c, n in per_page) / words if words else None
    page_confidences = [[p, round(c, 1)] for p, c, _ in per_page]
    return Outcome(
        "selesai",
        pdf=pdf,
        text=_clean_text(text),
        pages=pages,
        confidence=round(confidence, 1) if confidence is not None else None,
        page_confidences=page_confidences,
        low_pages=low,
    )


def flag_pages(per_page, recognised, threshold):
    """The pages a person should check: those whose mean word confidence is below
    ``threshold``, and those Tesseract looked at and found no word on (blank or unreadable).

    ``per_page`` is ``[(page, mean confidence, words)]``, ``recognised`` every page number
    Tesseract was run on (pages that already had text are not).
    """
    found = {p for p, _, n in per_page if n}
    low = {p for p, c, n in per_page if n and c < threshold}
    low |= {p for p in recognised if p not in found}
    return sorted(low)


def _all_pages_have_text(data):
    """Whether every page of the PDF already carries text (then nothing is recognised)."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise Unreadable("PDF terenkripsi")
        pages = reader.pages
        if not len(pages):
            raise Unreadable("PDF tanpa halaman")
        return all(len((p.extract_text() or "").strip()) >= MIN_PAGE_TEXT for p in pages)
    except PdfReadError as e:
        raise Unreadable(f"PDF rusak: {str(e)[:200]}") from e


def _image_input(data, mimetype, folder):
    """The image as Tesseract's input conversion takes it, and its resolution.

    An image with an alpha channel, a palette or a type the conversion does not read is
    written as PNG (into the temporary folder; the original is never touched).
    """
    from PIL import Image
    from PIL import UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            dpi = image.info.get("dpi") or (DEFAULT_DPI, DEFAULT_DPI)
            resolution = round(float(dpi[0])) if dpi and float(dpi[0]) >= 70 else DEFAULT_DPI
            direct = DIRECT_IMAGES.get(mimetype)
            if direct and image.mode in ("1", "L", "RGB", "CMYK"):
                path = folder / f"masuk{direct}"
                path.write_bytes(data)
                return path, resolution
            flat = image.convert("RGBA")
            page = Image.new("RGB", flat.size, "white")
            page.paste(flat, mask=flat.getchannel("A"))
            path = folder / "masuk.png"
            page.save(path, dpi=(resolution, resolution))
            return path, resolution
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as e:
        raise Unreadable(f"gambar tidak dapat dibaca: {str(e)[:200]}") from e


def _page_count(pdf):
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as doc:
        return len(doc.pages)


def _hocr_files(work):
    return sorted(work.glob("ocrmypdf.io.*/*_ocr_hocr.hocr"))


def _ocr_pages(work):
    return [int(p.name.split("_", 1)[0]) for p in _hocr_files(work)]


def _hocr_confidences(work):
    """``[(page, mean word confidence, words)]`` for each page Tesseract recognised a word on."""
    out = []
    for path in _hocr_files(work):
        page = int(path.name.split("_", 1)[0])
        scores = [int(s) for s in WORD_CONFIDENCE.findall(path.read_text("utf-8", "replace"))]
        if scores:
            out.append((page, sum(scores) / len(scores), len(scores)))
    return out


def _clean_text(text):
    """The sidecar's text without the markers ocrmypdf writes for skipped pages."""
    lines = [ln for ln in text.replace("\f", "\n").splitlines() if not ln.startswith("[OCR ")]
    return "\n".join(lines).strip()


def _last_line(stderr):
    lines = [ln.strip() for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    return lines[-1][:200] if lines else ""


# --- results, stored -----------------------------------------------------------------------


def result_for(sha256):
    """The OCR result of a file (by its SHA-256), or None."""
    return db.session.execute(
        db.select(OcrResult).where(OcrResult.sha256 == sha256)
    ).scalar_one_or_none()


def results_for(shas):
    """``{sha256: OcrResult}`` for these files."""
    shas = list(set(shas))
    if not shas:
        return {}
    rows = db.session.execute(db.select(OcrResult).where(OcrResult.sha256.in_(shas))).scalars()
    return {r.sha256: r for r in rows}


def _read(store, sha256):
    with store.open(sha256) as f:
        return f.read()


def ocr_stored(store, sha256, mimetype, force=False, archived=False, lock=None):
    """OCR a stored file once; the derived PDF/A goes into the same ``store``. Commits.

    Done or skipped files are not done again unless ``force``; a failed one is tried again.
    ``lock`` (the archive's) is held while the derived file is written and registered, so
    the archive's stray check never sees it half-registered. Returns the ``OcrResult``.
    """
    row = result_for(sha256)
    if row is not None and row.status != "gagal" and not force:
        if not (archived and row.done and not row.archived):
            return row
    try:
        data = _read(store, sha256)
    except OSError as e:
        outcome = Outcome("gagal", note=f"berkas asli tidak dapat dibaca: {e}"[:300])
    else:
        if row is not None and row.done and not force and store.exists(row.derived_sha256):
            outcome = None  # made earlier in this store: only the link is new
        else:
            outcome = recognise(data, mimetype, threshold=low_confidence())
    db.session.rollback()
    with lock() if lock else nullcontext():
        return _save(store, sha256, mimetype, outcome, archived)


def _save(store, sha256, mimetype, outcome, archived):
    row = result_for(sha256)
    if row is None:
        row = OcrResult(sha256=sha256, mimetype=mimetype)
        db.session.add(row)
    created = replaced = None
    if outcome is not None:
        derived_sha = derived_size = None
        if outcome.pdf is not None:
            derived_sha, derived_size, new = store.put(io.BytesIO(outcome.pdf))
            created = derived_sha if new else None
        if row.derived_sha256 not in (None, derived_sha) and row.archived == archived:
            replaced = row.derived_sha256  # read again: the earlier result, in this store
        row.status = outcome.status
        row.derived_sha256, row.derived_size = derived_sha, derived_size
        row.language = outcome.language
        row.pages = outcome.pages
        row.confidence = outcome.confidence
        row.page_confidences = json.dumps(outcome.page_confidences)
        row.low_pages = ",".join(str(p) for p in outcome.low_pages)
        row.text = outcome.text
        row.note = outcome.note[:300] or None
        row.duration_ms = round(outcome.duration * 1000)
        row.archived = archived and derived_sha is not None
        row.made_at = utcnow()
    elif archived:
        row.archived = True
    try:
        db.session.commit()
    except IntegrityError:  # made meanwhile by another worker: theirs stands
        db.session.rollback()
        if created:
            store.delete(created)
        return result_for(sha256)
    except BaseException:
        db.session.rollback()
        if created:
            store.delete(created)
        raise
    if replaced is not None and not _derived_elsewhere(replaced):
        store.delete(replaced)  # no row names it any more: it would be a stray
    return row


def _derived_elsewhere(derived_sha):
    return (
        db.session.execute(
            db.select(OcrResult.id).where(OcrResult.derived_sha256 == derived_sha).limit(1)
        ).first()
        is not None
    )
