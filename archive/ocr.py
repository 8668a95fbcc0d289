"""OCR of scans and images of documents: a derived searchable PDF/A, the original untouched.

Tesseract (Debian's ``tesseract-ocr`` with its Indonesian model) is run once per file, as a
command, on the page images as they are: an image is given to it directly (a multi-page TIFF
whole), an image-only PDF's page images are taken out of it (a JPEG as its own bytes, others
decoded losslessly) and given together as a list. One run writes the page images with an
invisible text layer (``pdf``), the hOCR each page's word confidences are read from
(``hocr``) and the plain text (``txt``). The PDF is then made PDF/A-2B here with pikepdf: XMP
metadata naming the part and conformance, an sRGB output intent (WeasyPrint's ICC profile,
as for the berkas), a document ID; Tesseract's text font (GlyphLessFont) is embedded, and
nothing in it is transparent, encrypted or active. Each page keeps its original size.

A PDF whose pages all carry text is not recognised again. A PDF that is not simply one scanned
image per page (some pages with text, drawings, several images on a page, annotations) goes
to ``ocrmypdf`` instead, which rasterises such pages and makes the PDF/A with Ghostscript
(``--skip-text``: the pages with text are kept as they are); it costs about three times
as much a page, which is why the common case does without it.

``recognise`` never raises: a file that cannot be recognised comes back ``gagal`` with the
reason, and ``ocr_stored`` records that and goes on. The derived PDF/A is stored
content-addressed in the store that holds the original, linked to it by ``OcrResult``.
"""

import importlib.util
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
from functools import cache
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
#: Image types Tesseract reads as they are (and its PDF keeps a JPEG's own bytes); others,
#: and images with an alpha channel, a palette or CMYK, become PNG first.
DIRECT_IMAGES = {"image/png": ".png", "image/jpeg": ".jpg", "image/tiff": ".tif"}
#: Fewest characters a PDF page's own text must have to count as a text-bearing page.
MIN_PAGE_TEXT = 8
#: Whatever a scan's resolution, an image that does not say gets this one.
DEFAULT_DPI = 300
#: How far (points) a scanned page's image may lie from the page's edges and still be taken
#: as the whole page.
EDGE = 1.0
#: The content-stream operators a scanned page may have: its image placed and drawn.
SCAN_OPERATORS = {"q", "Q", "cm", "Do"}
#: An image's compression a PDF/A keeps as it is (LZW is not allowed in PDF/A).
PDFA_FILTERS = {"/DCTDecode", "/FlateDecode", "/CCITTFaxDecode"}
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
HOCR_PAGE = re.compile(r"<div class=['\"]ocr_page['\"]")
SRGB = "sRGB IEC61966-2.1"


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


@dataclass
class Page:
    """One page to recognise: its image file, resolution and the box it must fill."""

    image: Path
    dpi: float
    box: tuple = ()  # the original page's MediaBox, when the input was a PDF
    rotate: int = 0


@dataclass
class Reading:
    """What Tesseract wrote: the PDF with its text layer, the hOCR and the text."""

    pdf: bytes
    hocr: str
    text: str


class Unreadable(Exception):
    """The input cannot be prepared for recognition; the message says why (Indonesian)."""


class NotPlainScan(Exception):
    """A PDF that is not one scanned image per page (then ocrmypdf reads it)."""


def is_candidate(mimetype):
    """Whether a file of this type can be a scan: an image or a PDF."""
    return mimetype == "application/pdf" or mimetype.startswith("image/")


def derived_name(filename):
    """The file name of an original's derived PDF/A: ``surat.png`` → ``surat.ocr.pdf``."""
    stem = filename.rsplit(".", 1)[0] if "." in filename else filename
    return f"{stem or 'pindaian'}.ocr.pdf"


def available():
    """Whether Tesseract is installed (``make`` installs it with Debian's packages)."""
    return shutil.which("tesseract") is not None


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
        raise Unreadable("Tesseract tidak terpasang (jalankan make untuk memasangnya)")
    if not is_candidate(mimetype):
        return Outcome("dilewati", note="bukan pindaian atau gambar")
    with tempfile.TemporaryDirectory(prefix="warta-ocr-") as tmp:
        tmp = Path(tmp)
        if mimetype == "application/pdf":
            try:
                if _all_pages_have_text(data):
                    return Outcome("dilewati", note="PDF sudah memiliki teks")
                pages = _scanned_pages(data, tmp)
            except NotPlainScan:
                return _with_ocrmypdf(data, tmp, threshold, language)
        else:
            pages = _image_input(data, mimetype, tmp)
        reading = _tesseract(pages, tmp, language)
    pdf, count = _pdfa(reading.pdf, pages)
    per_page = hocr_confidences(reading.hocr)
    low = flag_pages(per_page, range(1, count + 1), threshold)
    return _outcome(pdf, reading.text, count, per_page, low)


def _outcome(pdf, text, pages, per_page, low):
    words = sum(n for _, _, n in per_page)
    confidence = sum(c * n for _, c, n in per_page) / words if words else None
    return Outcome(
        "selesai",
        pdf=pdf,
        text=_clean_text(text),
        pages=pages,
        confidence=round(confidence, 1) if confidence is not None else None,
        page_confidences=[[p, round(c, 1)] for p, c, _ in per_page],
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


def hocr_confidences(hocr, numbers=None):
    """``[(page, mean word confidence, words)]`` for each page of an hOCR document that has
    a word; the pages are numbered from 1, or by ``numbers`` (one per page, in order)."""
    out = []
    for i, part in enumerate(HOCR_PAGE.split(hocr)[1:]):
        scores = [int(s) for s in WORD_CONFIDENCE.findall(part)]
        if scores:
            page = numbers[i] if numbers else i + 1
            out.append((page, sum(scores) / len(scores), len(scores)))
    return out


# --- the input, as Tesseract reads it --------------------------------------------------------


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
        texts = [len((p.extract_text() or "").strip()) >= MIN_PAGE_TEXT for p in pages]
    except PdfReadError as e:
        raise Unreadable(f"PDF rusak: {str(e)[:200]}") from e
    if any(texts) and not all(texts):
        raise NotPlainScan  # some pages with text, some without: ocrmypdf keeps those
    return all(texts)


def _image_input(data, mimetype, folder):
    """The image as Tesseract takes it: ``[Page]``, with its resolution.

    An image with an alpha channel, a palette, CMYK or a type Tesseract does not read is
    written as PNG (into the temporary folder; the original is never touched), each page of
    a TIFF as its own PNG; of an animation only the first picture is read.
    """
    from PIL import Image
    from PIL import UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            dpi = image.info.get("dpi") or (DEFAULT_DPI, DEFAULT_DPI)
            resolution = round(float(dpi[0])) if dpi and float(dpi[0]) >= 70 else DEFAULT_DPI
            direct = DIRECT_IMAGES.get(mimetype)
            frames = getattr(image, "n_frames", 1)
            if direct and image.mode in ("1", "L", "RGB") and (frames == 1 or direct == ".tif"):
                path = folder / f"masuk{direct}"
                path.write_bytes(data)
                return [Page(path, resolution)]
            pages = []
            for number in range(frames if mimetype == "image/tiff" else 1):
                image.seek(number)
                path = folder / f"masuk-{number + 1}.png"
                _flat(image).save(path, dpi=(resolution, resolution))
                pages.append(Page(path, resolution))
            return pages
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as e:
        raise Unreadable(f"gambar tidak dapat dibaca: {str(e)[:200]}") from e


def _flat(image):
    """The image as greyscale or RGB on white (no alpha, palette or CMYK)."""
    from PIL import Image

    if image.mode in ("1", "L", "RGB"):
        return image
    if image.mode in ("LA", "I;16", "I", "F"):
        return image.convert("L")
    flat = image.convert("RGBA")
    page = Image.new("RGB", flat.size, "white")
    page.paste(flat, mask=flat.getchannel("A"))
    return page


def _scanned_pages(data, folder):
    """Each page's image of an image-only PDF, written for Tesseract; ``NotPlainScan`` when
    a page is anything but one image filling it."""
    import pikepdf

    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PdfError as e:
        raise Unreadable(f"PDF rusak: {str(e)[:200]}") from e
    with pdf:
        pages = []
        for number, page in enumerate(pdf.pages, 1):
            image, box = _page_image(page)
            pages.append(_write_image(image, box, int(page.obj.get("/Rotate", 0)), folder, number))
    return pages


def _page_image(page):
    """The one image that fills ``page``, and the page's MediaBox."""
    import pikepdf

    box = tuple(float(v) for v in page.mediabox)
    if "/Annots" in page.obj:
        raise NotPlainScan
    xobjects = page.obj.get("/Resources", {}).get("/XObject", {})
    if len(xobjects) != 1:
        raise NotPlainScan
    [(name, image)] = list(xobjects.items())
    if image.get("/Subtype") != "/Image" or image.get("/ImageMask") or "/SMask" in image:
        raise NotPlainScan
    ctm, stack, drawn = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0), [], []
    for operands, operator in pikepdf.parse_content_stream(page):
        operator = str(operator)
        if operator not in SCAN_OPERATORS:
            raise NotPlainScan
        if operator == "q":
            stack.append(ctm)
        elif operator == "Q":
            ctm = stack.pop() if stack else ctm
        elif operator == "cm":
            ctm = _concat(tuple(float(v) for v in operands), ctm)
        elif str(operands[0]) == name:
            drawn.append(ctm)
    if len(drawn) != 1:
        raise NotPlainScan
    a, b, c, d, e, f = drawn[0]
    x0, y0, x1, y1 = box
    if abs(b) > 1e-6 or abs(c) > 1e-6 or a <= 0 or d <= 0:
        raise NotPlainScan  # turned or mirrored by the content: ocrmypdf's rasteriser knows how
    if max(abs(e - x0), abs(f - y0), abs(e + a - x1), abs(f + d - y1)) > EDGE:
        raise NotPlainScan
    return image, box


def _concat(m, n):
    """The matrix ``m`` followed by ``n`` (PDF's row-vector convention)."""
    a1, b1, c1, d1, e1, f1 = m
    a2, b2, c2, d2, e2, f2 = n
    return (
        a1 * a2 + b1 * c2,
        a1 * b2 + b1 * d2,
        c1 * a2 + d1 * c2,
        c1 * b2 + d1 * d2,
        e1 * a2 + f1 * c2 + e2,
        e1 * b2 + f1 * d2 + f2,
    )


def _write_image(image, box, rotate, folder, number):
    """A scanned page's image as a file Tesseract reads: a grey or RGB JPEG as its own
    bytes (Tesseract's PDF keeps them), anything else decoded into a lossless PNG."""
    import pikepdf
    from PIL import Image

    width, height = int(image.get("/Width", 0)), int(image.get("/Height", 0))
    if width * height > (Image.MAX_IMAGE_PIXELS or width * height):
        raise Unreadable(f"gambar halaman {number} terlalu besar ({width}×{height} piksel)")
    dpi = width * 72 / (box[2] - box[0]) if width else DEFAULT_DPI
    filters = image.get("/Filter")
    colours = image.get("/ColorSpace")
    if filters == "/DCTDecode" and colours in ("/DeviceGray", "/DeviceRGB"):
        path = folder / f"halaman-{number}.jpg"
        path.write_bytes(image.read_raw_bytes())
        return Page(path, dpi, box, rotate)
    try:
        picture = _flat(pikepdf.PdfImage(image).as_pil_image())
    except Exception as e:  # noqa: BLE001 - an image pikepdf cannot decode: ocrmypdf's turn
        raise NotPlainScan from e
    path = folder / f"halaman-{number}.png"
    picture.save(path, dpi=(round(dpi), round(dpi)))
    return Page(path, dpi, box, rotate)


# --- Tesseract and the PDF/A -----------------------------------------------------------------


def _tesseract(pages, folder, language):
    """One Tesseract run over ``pages``: its PDF (images and text layer), hOCR and text."""
    if len(pages) == 1:
        source = str(pages[0].image)
    else:
        listing = folder / "halaman.txt"
        listing.write_text("".join(f"{p.image}\n" for p in pages), "utf-8")
        source = str(listing)
    resolutions = {round(p.dpi) for p in pages}
    dpi = ["--dpi", str(resolutions.pop())] if len(resolutions) == 1 else []
    out = folder / "keluar"
    # One OpenMP thread: a second one only spins on a busy machine (measured on two busy
    # cores: 1.0–1.8 s a page with Tesseract's default threads, 0.4–0.7 s with one).
    env = {**os.environ, "OMP_THREAD_LIMIT": THREADS}
    command = ["tesseract", source, str(out), "-l", language, *dpi, "pdf", "hocr", "txt"]
    done = subprocess.run(  # noqa: S603 - a fixed command, our own temporary paths
        command, capture_output=True, timeout=TIMEOUT, env=env, check=False
    )
    written = [out.with_suffix(s) for s in (".pdf", ".hocr", ".txt")]
    if done.returncode != 0 or not all(p.exists() for p in written):
        detail = _last_line(done.stderr)
        reason = f"Tesseract berhenti dengan galat (kode {done.returncode})"
        raise Unreadable(f"{reason}: {detail}" if detail else reason)
    pdf, hocr, text = written
    return Reading(
        pdf.read_bytes(), hocr.read_text("utf-8", "replace"), text.read_text("utf-8", "replace")
    )


@cache
def srgb_profile():
    """The sRGB ICC profile of the output intent: the one WeasyPrint ships for its PDF/A."""
    spec = importlib.util.find_spec("weasyprint")
    folder = Path(spec.submodule_search_locations[0])
    return (folder / "pdf" / "sRGB2014.icc").read_bytes()


def _pdfa(data, pages):
    """Tesseract's PDF as PDF/A-2B, each page the size of its original; (bytes, pages)."""
    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page, source in zip(pdf.pages, pages, strict=False):
            if source.box:
                _fit(pdf, page, source)
        producer = str(pdf.docinfo.get("/Producer", "Tesseract"))
        if "/Info" in pdf.trailer:
            del pdf.trailer["/Info"]
        with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta["pdfaid:part"] = "2"
            meta["pdfaid:conformance"] = "B"
            meta["pdf:Producer"] = f"Warta OCR ({producer})"
            meta["xmp:CreatorTool"] = "Warta"
            meta["xmp:CreateDate"] = utcnow().replace(microsecond=0).isoformat() + "Z"
        profile = pikepdf.Stream(pdf, srgb_profile())
        profile["/N"] = 3
        intent = pikepdf.Dictionary(
            Type=pikepdf.Name.OutputIntent,
            S=pikepdf.Name.GTS_PDFA1,
            OutputConditionIdentifier=SRGB,
            Info=SRGB,
            DestOutputProfile=profile,
        )
        pdf.Root.OutputIntents = pikepdf.Array([pdf.make_indirect(intent)])
        out = io.BytesIO()
        pdf.save(out, fix_metadata_version=False)
        return out.getvalue(), len(pdf.pages)


def _fit(pdf, page, source):
    """Give ``page`` its original's MediaBox and turn, its content scaled into it."""
    import pikepdf

    x0, y0, x1, y1 = source.box
    _, _, width, height = (float(v) for v in page.mediabox)
    sx, sy = (x1 - x0) / width, (y1 - y0) / height
    if max(abs(sx - 1), abs(sy - 1), abs(x0), abs(y0)) > 1e-4:
        page.contents_add(
            pdf.make_stream(f"q {sx:.6f} 0 0 {sy:.6f} {x0:.4f} {y0:.4f} cm\n".encode()),
            prepend=True,
        )
        page.contents_add(pdf.make_stream(b"\nQ"))
        page.obj.MediaBox = pikepdf.Array([float(v) for v in source.box])
    if source.rotate:
        page.obj.Rotate = source.rotate


# --- PDFs that are not plain scans: ocrmypdf -------------------------------------------------


def _with_ocrmypdf(data, tmp, threshold, language):
    """OCR a PDF that mixes text and scanned pages, or whose pages are not one image each,
    with ocrmypdf (Ghostscript rasterises and makes the PDF/A); pages with text are kept."""
    if shutil.which("ocrmypdf") is None:
        raise Unreadable(
            "PDF ini bukan pindaian sederhana dan perlu ocrmypdf, yang tidak terpasang "
            "(jalankan make untuk memasangnya)"
        )
    source = tmp / "masuk.pdf"
    source.write_bytes(data)
    work = tmp / "kerja"
    work.mkdir()
    output, sidecar = tmp / "keluar-ocrmypdf.pdf", tmp / "teks-ocrmypdf.txt"
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
        str(source),
        str(output),
    ]
    # TMPDIR puts ocrmypdf's kept working folder (with Tesseract's hOCR) inside ours.
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
    hocr = sorted(work.glob("ocrmypdf.io.*/*_ocr_hocr.hocr"))
    numbers = [int(p.name.split("_", 1)[0]) for p in hocr]
    per_page = [
        found
        for path, number in zip(hocr, numbers, strict=True)
        for found in hocr_confidences(path.read_text("utf-8", "replace"), [number])
    ]
    pdf = output.read_bytes()
    text = sidecar.read_text("utf-8", "replace") if sidecar.exists() else ""
    low = flag_pages(per_page, numbers, threshold)
    return _outcome(pdf, text, _page_count(pdf), per_page, low)


def _page_count(pdf):
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as doc:
        return len(doc.pages)


def _clean_text(text):
    """Tesseract's text without the markers ocrmypdf writes for skipped pages."""
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


def ocr_stored(store, sha256, mimetype, force=False, archived=False, lock=None, wanted=None):
    """OCR a stored file once; the derived PDF/A goes into the same ``store``. Commits.

    Done or skipped files are not done again unless ``force``; a failed one is tried again.
    ``lock`` (the archive's) is held while the derived file is written and registered, so
    the archive's stray check never sees it half-registered. ``wanted``, when given, is
    asked under that lock just before anything is written: when it says no (the original
    was destroyed meanwhile), nothing is written and None is returned. Returns the
    ``OcrResult``.
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
        if wanted is not None and not wanted():
            db.session.rollback()
            return None
        return _save(store, sha256, mimetype, outcome, archived)


def _save(store, sha256, mimetype, outcome, archived):
    row = result_for(sha256)
    if row is None:
        row = OcrResult(sha256=sha256, mimetype=mimetype)
        db.session.add(row)
    created = replaced = None
    if outcome is not None:
        derived_sha = derived_size = None
        if _same_reading(row, outcome, archived, store):
            # read again to the same words: the derived file made before stands (the new
            # one differs only in its dates and ID), so a berkas embedding it stays current
            derived_sha, derived_size = row.derived_sha256, row.derived_size
        elif outcome.pdf is not None:
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


def _same_reading(row, outcome, archived, store):
    """Whether ``outcome`` reads a file whose derived PDF/A ``store`` holds to the same pages,
    text and word confidences as that PDF/A's result ``row``."""
    return (
        row.id is not None
        and row.done
        and row.archived == archived
        and outcome.pdf is not None
        and outcome.pages == row.pages
        and outcome.text == row.text
        and json.dumps(outcome.page_confidences) == row.page_confidences
        and store.exists(row.derived_sha256)
    )


def _derived_elsewhere(derived_sha):
    return (
        db.session.execute(
            db.select(OcrResult.id).where(OcrResult.derived_sha256 == derived_sha).limit(1)
        ).first()
        is not None
    )
