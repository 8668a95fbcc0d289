"""Checking uploaded files before they are stored: type by content, structure, size, name.

The type comes from the bytes, never from the name or the browser's claim, and the name's
extension must agree with it. Images are re-encoded (dropping metadata and anything hidden
after the picture); office documents are opened as zip archives with limits against zip
bombs, and every XML part is read for macros, OLE objects, DDE and links outside the file;
every object of a PDF is read for scripts, actions and embedded files; emails must parse as
RFC 822 messages. Whatever is refused leaves nothing behind. Every upload path (the agenda
book, an imported email's attachments, archive scans, the SK Tim scan) asks this module.
"""

import email
import io
import os
import posixpath
import pyexpat
import re
import warnings
import zipfile
from dataclasses import dataclass
from email import policy
from email.parser import BytesHeaderParser

from flask_babel import gettext as _
from PIL import Image
from PIL import ImageOps
from werkzeug.utils import secure_filename

from intranet.storage import TooLarge

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
WEBP = "image/webp"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
EML = "message/rfc822"

EXTENSIONS = {
    PDF: {".pdf"},
    PNG: {".png"},
    JPEG: {".jpg", ".jpeg"},
    WEBP: {".webp"},
    DOCX: {".docx"},
    ODT: {".odt"},
    EML: {".eml"},
}
IMAGES = {PNG: "PNG", JPEG: "JPEG", WEBP: "WEBP"}
SCAN_TYPES = (PDF, PNG, JPEG)
PHOTO_TYPES = (JPEG, PNG, WEBP)
SOURCE_TYPES = (PDF, PNG, JPEG, WEBP, DOCX, ODT, EML)
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
ZIP_MAX_ENTRIES = 2000
ZIP_MAX_TOTAL = 200 * 1024 * 1024
ZIP_MAX_RATIO = 150
# Macros, ActiveX and embedded objects in Word and OpenDocument files.
OFFICE_ACTIVE = re.compile(
    r"(vbaProject|vbaData|activeX|oleObject|/embeddings/|^Basic/|^Scripts/|macros)", re.I
)
EML_HEADER = re.compile(
    rb"^(from|to|subject|date|received|return-path|message-id|mime-version|delivered-to|"
    rb"content-type|reply-to|x-[a-z0-9-]+):",
    re.IGNORECASE,
)


class UploadError(ValueError):
    """An upload was refused; the message is fit to show the user. ``status`` is 400 or 413."""

    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


@dataclass
class Checked:
    """A file that passed: its type, a safe name, the bytes to store, and any notes."""

    mimetype: str
    filename: str
    stream: io.IOBase
    notes: tuple = ()


def check_upload(storage, allowed, max_bytes, clean_email=False):
    """Check a Werkzeug ``FileStorage`` against ``allowed`` types; return a Checked or raise.

    An email with attachments the office refuses is refused, unless ``clean_email``: then
    those attachments are replaced by a note and the notes are returned with the file.
    """
    return check_bytes_stream(storage.stream, storage.filename, allowed, max_bytes, clean_email)


def check_bytes_stream(stream, filename, allowed, max_bytes, clean_email=False):
    """Check an open binary stream with its client-side name (see ``check_upload``)."""
    name = safe_filename(filename)
    if name is None:
        raise UploadError(_("Nama berkas tidak valid."))
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    if size == 0:
        raise UploadError(_("Berkas kosong."))
    if size > max_bytes:
        raise UploadError(
            _("Berkas terlalu besar (maksimal %(mb)s MB).", mb=max_bytes // 2**20), status=413
        )
    head = stream.read(64)
    stream.seek(0)
    mimetype = sniff(head, stream)
    if mimetype not in allowed:
        raise UploadError(_("Jenis berkas tidak diizinkan."))
    ext = os.path.splitext(name)[1].lower()
    if ext not in EXTENSIONS[mimetype]:
        raise UploadError(_("Nama berkas tidak sesuai dengan isinya."))
    if mimetype == PDF:
        _refuse_active_markup(stream)
        _check_pdf(stream, size)
        _refuse_pdf_active_content(stream)
        out = stream
    elif mimetype in IMAGES:
        out = _reencode_image(stream, IMAGES[mimetype])
    elif mimetype in (DOCX, ODT):
        _check_office(stream, mimetype)
        out = stream
    else:
        raw = stream.read()
        stream.seek(0)
        if clean_email:
            cleaned, notes = clean_eml(raw, max_bytes)
            out = io.BytesIO(cleaned)
            return Checked(mimetype, name, out, tuple(notes))
        refused = eml_refused_parts(raw, max_bytes)
        if refused:
            raise UploadError(
                _(
                    "Surel berisi lampiran yang tidak diizinkan (%(list)s). Gunakan Impor surel.",
                    list="; ".join(refused),
                )
            )
        out = stream
    out.seek(0)
    return Checked(mimetype, name, out)


def safe_filename(filename):
    """A safe stored name keeping the original extension, or None if there is none.

    Path parts are dropped; a stem that secure_filename empties (e.g. non-Latin script)
    becomes "berkas", and only the stem is shortened, so the extension survives.
    """
    raw = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    stem, ext = os.path.splitext(raw)
    ext = ext.lower()
    if not stem or not re.fullmatch(r"\.[a-z0-9]{1,8}", ext):
        return None
    stem = secure_filename(stem).strip("._")[:150] or "berkas"
    return stem + ext


def sniff(head, stream):
    """The type of a file from its first bytes (and, for zips, its member list)."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(stream) as z:
                names = set(z.namelist())
                if "word/document.xml" in names and "[Content_Types].xml" in names:
                    return DOCX
                if "mimetype" in names and z.read("mimetype")[:60] == ODT.encode():
                    return ODT
        except (zipfile.BadZipFile, OSError, KeyError, ValueError, RuntimeError):
            return None
        finally:
            stream.seek(0)
        return None
    first = head.lstrip(b"\r\n\t ")
    if EML_HEADER.match(first) and _looks_like_email(stream):
        return EML
    return None


def _looks_like_email(stream):
    """Headers, a blank line, then a body: a message a mail client would open."""

    sample = stream.read(256 * 1024)
    stream.seek(0)
    if b"\x00" in sample:
        return False
    msg = BytesHeaderParser(policy=policy.default).parsebytes(sample)
    return bool(msg.get("From") or msg.get("Subject")) and bool(
        msg.get("Date") or msg.get("Received")
    )


def _refuse_active_markup(stream):
    tail = b""
    while chunk := stream.read(1024 * 1024):
        window = (tail + chunk).lower()
        if any(marker in window for marker in ACTIVE_MARKUP):
            stream.seek(0)
            raise UploadError(_("Berkas berisi kode aktif (HTML/skrip) dan ditolak."))
        tail = window[-32:]
    stream.seek(0)


PDF_MAX_OBJECTS = 200_000
# Every dictionary, array and value is visited once; past this the file is refused unread.
PDF_MAX_NODES = 2_000_000
# Action types (/S) refused wherever they appear, and why.
PDF_ACTIONS = {
    "/JavaScript": "script",
    "/Launch": "launch",
    "/GoToR": "remote",
    "/GoToE": "remote",
    "/SubmitForm": "form",
    "/ImportData": "form",
    "/RichMediaExecute": "media",
    "/Rendition": "media",
    "/Movie": "media",
}
# Keys refused in any dictionary: scripts, automatic actions, embedded files, active media.
PDF_KEYS = {
    "/JS": "script",
    "/JavaScript": "script",
    "/AA": "auto",
    "/Launch": "launch",
    "/EmbeddedFiles": "embedded",
    "/EmbeddedFile": "embedded",
    "/EF": "embedded",
    "/RichMedia": "media",
    "/RichMediaContent": "media",
    "/XFA": "xfa",
}
# Annotation types (/Subtype) that carry files or play active media.
PDF_SUBTYPES = {
    "/FileAttachment": "embedded",
    "/RichMedia": "media",
    "/Movie": "media",
    "/Screen": "media",
    "/3D": "media",
}
# Where a script was found is named by the entry point it hangs from.
PDF_ENTRY_POINTS = {"/OpenAction", "/AA", "/Annots", "/Names", "/AcroForm", "/Outlines"}
# A link in a letter may open a web page or a mail; never a local or network file.
LINK_SCHEMES = ("http://", "https://", "mailto:")


def _pdf_refusal(kind, marker):
    """The message for a PDF refused for ``kind`` of active content found at ``marker``."""
    reasons = {
        "script": _("berisi JavaScript"),
        "launch": _("berisi perintah menjalankan program"),
        "remote": _("berisi tautan ke berkas lain"),
        "file-link": _("berisi tautan ke berkas lokal atau jaringan"),
        "form": _("berisi formulir yang mengirim atau memuat data"),
        "auto": _("berisi tindakan otomatis"),
        "embedded": _("berisi berkas sisipan"),
        "media": _("berisi media aktif"),
        "xfa": _("berisi formulir XFA"),
    }
    return UploadError(
        _("Berkas PDF ditolak: %(reason)s (%(marker)s).", reason=reasons[kind], marker=marker)
    )


def _refuse_pdf_active_content(stream):
    """Open the PDF and refuse scripts, actions and embedded files anywhere in it.

    Every object is read, compressed object streams included: reached from the trailer
    (so a refusal can say where the content hangs) and then any object nothing refers to.
    """
    import pikepdf

    try:
        pdf = pikepdf.open(stream)
    except pikepdf.PasswordError as e:
        stream.seek(0)
        raise UploadError(_("PDF terenkripsi tidak dapat diterima.")) from e
    except Exception as e:  # pikepdf raises several types for broken files
        stream.seek(0)
        raise UploadError(_("Berkas PDF rusak atau tidak lengkap.")) from e
    try:
        with pdf:
            if pdf.is_encrypted:
                raise UploadError(_("PDF terenkripsi tidak dapat diterima."))
            objects = pdf.objects
            if len(objects) > PDF_MAX_OBJECTS:
                raise UploadError(_("Berkas PDF terlalu rumit."))
            _walk_pdf(pikepdf, [pdf.trailer, *objects])
    except UploadError:
        stream.seek(0)
        raise
    except Exception as e:  # a damaged object found while reading
        stream.seek(0)
        raise UploadError(_("Berkas PDF rusak atau tidak lengkap.")) from e
    stream.seek(0)


def _walk_pdf(pikepdf, roots):
    """Visit every dictionary and array under ``roots`` once; raise at the first active part.

    Indirect objects are visited once each (so reference cycles end); the number of values
    visited is bounded by PDF_MAX_NODES.
    """
    seen = set()
    budget = PDF_MAX_NODES
    stack = [(root, "") for root in reversed(roots)]
    while stack:
        obj, where = stack.pop()
        budget -= 1
        if budget < 0:
            raise UploadError(_("Berkas PDF terlalu rumit."))
        if obj.is_indirect:
            if obj.objgen in seen:
                continue
            seen.add(obj.objgen)
        if isinstance(obj, pikepdf.Array):
            items = [item for item in obj if _is_container(pikepdf, item)]
            stack.extend((item, where) for item in reversed(items))
        elif isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
            entries = dict(obj.items())  # one call into pikepdf, not one per key
            _check_pdf_dictionary(pikepdf, entries, where)
            # in key order, so that the same file is always refused for the same reason
            for key in sorted(entries, reverse=True):
                value = entries[key]
                if _is_container(pikepdf, value):
                    stack.append((value, where if where in PDF_ENTRY_POINTS else key))


def _is_container(pikepdf, obj):
    return isinstance(obj, (pikepdf.Dictionary, pikepdf.Array, pikepdf.Stream))


def _check_pdf_dictionary(pikepdf, d, where):
    """Refuse the entries ``d`` of a dictionary that is, or directly names, active content.

    ``where`` is the key it was reached by, named in a refusal for a script.
    """
    for key in d:
        if key in PDF_KEYS:
            kind = PDF_KEYS[key]
            raise _pdf_refusal(kind, (where or key) if kind == "script" else key)
    action = _pdf_name(pikepdf, d.get("/S"))
    if action in PDF_ACTIONS:
        kind = PDF_ACTIONS[action]
        raise _pdf_refusal(kind, (where or action) if kind == "script" else action)
    if action == "/URI":
        target = d.get("/URI")
        uri = bytes(target).decode("latin-1") if isinstance(target, pikepdf.String) else ""
        if not uri.strip().lower().startswith(LINK_SCHEMES):
            raise _pdf_refusal("file-link", "/URI")
    if _pdf_name(pikepdf, d.get("/Type")) == "/EmbeddedFile":
        raise _pdf_refusal("embedded", "/EmbeddedFile")
    subtype = _pdf_name(pikepdf, d.get("/Subtype"))
    if subtype in PDF_SUBTYPES:
        raise _pdf_refusal(PDF_SUBTYPES[subtype], subtype)
    opening = d.get("/OpenAction")
    if isinstance(opening, pikepdf.Dictionary):
        # A destination (an array, or a GoTo action) only turns to a page; anything else
        # would run as soon as the file is opened.
        action = _pdf_name(pikepdf, opening.get("/S"))
        if action in PDF_ACTIONS:
            kind = PDF_ACTIONS[action]
            raise _pdf_refusal(kind, "/OpenAction" if kind == "script" else action)
        if action != "/GoTo":
            raise _pdf_refusal("auto", "/OpenAction")


def _pdf_name(pikepdf, value):
    return str(value) if isinstance(value, pikepdf.Name) else None


def _check_pdf(stream, size):
    stream.seek(max(0, size - 2048))
    if b"%%EOF" not in stream.read():
        raise UploadError(_("Berkas PDF rusak atau tidak lengkap."))
    stream.seek(0)


def _reencode_image(stream, fmt):
    """Decode the image within a pixel budget and save a clean copy without metadata."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(stream) as img:
                if img.width * img.height > MAX_PIXELS:
                    raise UploadError(_("Gambar terlalu besar (jumlah piksel berlebihan)."))
                img.load()
                clean = ImageOps.exif_transpose(img)
                if fmt == "JPEG" and clean.mode not in ("RGB", "L"):
                    clean = clean.convert("RGB")
                out = io.BytesIO()
                options = {"quality": 92} if fmt in ("JPEG", "WEBP") else {"optimize": True}
                if img.info.get("icc_profile"):
                    options["icc_profile"] = img.info["icc_profile"]  # colours, not metadata
                clean.save(out, fmt, **options)
        except UploadError:
            raise
        except (Image.DecompressionBombWarning, Image.DecompressionBombError) as e:
            raise UploadError(_("Gambar terlalu besar (jumlah piksel berlebihan).")) from e
        except Exception as e:  # Pillow raises many types for broken files
            raise UploadError(_("Berkas gambar rusak.")) from e
    out.seek(0)
    return out


def _check_office(stream, mimetype):
    """Refuse zip bombs, traversal names and encrypted members in DOCX/ODT files."""
    try:
        with zipfile.ZipFile(stream) as z:
            infos = z.infolist()
            if len(infos) > ZIP_MAX_ENTRIES:
                raise UploadError(_("Dokumen berisi terlalu banyak bagian."))
            total = 0
            for info in infos:
                if info.filename.startswith("/") or ".." in info.filename.split("/"):
                    raise UploadError(_("Dokumen berisi nama berkas yang tidak aman."))
                if OFFICE_ACTIVE.search(info.filename):
                    raise UploadError(_("Dokumen berisi makro atau objek sisipan dan ditolak."))
                if info.flag_bits & 0x1:
                    raise UploadError(_("Dokumen terenkripsi tidak dapat diterima."))
                total += info.file_size
                ratio = info.file_size / max(info.compress_size, 1)
                if total > ZIP_MAX_TOTAL or (
                    info.file_size > 1024 * 1024 and ratio > ZIP_MAX_RATIO
                ):
                    raise UploadError(_("Dokumen mencurigakan (bom zip) dan ditolak."))
            bad = z.testzip()
            if bad is not None:
                raise UploadError(_("Dokumen rusak."))
            for info in infos:
                _scan_office_part(z, info, mimetype)
    except UploadError:
        stream.seek(0)
        raise
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, NotImplementedError) as e:
        stream.seek(0)
        raise UploadError(_("Dokumen rusak.")) from e
    stream.seek(0)


# Relationship types (the last part of the type's URI) that bring code or foreign objects.
OOXML_ACTIVE_RELATIONSHIPS = {
    "vbaProject": "macro",
    "wordVbaData": "macro",
    "keyMapCustomizations": "macro",
    "oleObject": "ole",
    "package": "ole",
    "activeXControl": "ole",
    "activeXControlBinary": "ole",
    "aFChunk": "ole",
}
# Elements, by local name whatever their prefix: (why, the name a refusal shows).
OOXML_ACTIVE_ELEMENTS = {
    "object": ("ole", "w:object"),
    "OLEObject": ("ole", "o:OLEObject"),
    "control": ("ole", "w:control"),
    "altChunk": ("ole", "w:altChunk"),
    "script": ("script", "script"),
}
ODF_ACTIVE_ELEMENTS = {
    "object-ole": ("ole", "draw:object-ole"),
    "applet": ("ole", "draw:applet"),
    "plugin": ("ole", "draw:plugin"),
    "script": ("script", "office:script"),
    "event-listener": ("script", "script:event-listener"),
    "dde-source": ("dde", "office:dde-source"),
    "dde-connection-decl": ("dde", "text:dde-connection-decl"),
    "dde-connection": ("dde", "text:dde-connection"),
    "dde-link": ("dde", "table:dde-link"),
}
# Word field commands that run programs, embed OLE links or read other files.
OOXML_FIELDS = {
    "DDE": "dde",
    "DDEAUTO": "dde",
    "LINK": "ole",
    "INCLUDETEXT": "external",
    "INCLUDEPICTURE": "external",
    "IMPORT": "external",
}
WEB_SCHEMES = ("http://", "https://")
# Members read as XML whatever their first bytes say: every part and relationship of a Word
# file, and content, styles, settings, meta and manifest of an OpenDocument file.
XML_NAMES = (".xml", ".rels")
# Bytes that may come before the first "<" of an XML member: the UTF-8 and UTF-16 byte-order
# marks, blanks, and the NUL halves of UTF-16 characters.
XML_LEADING = b"\xef\xbb\xbf\xff\xfe \t\r\n\x00"
URL_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)


def _office_refusal(kind, marker):
    """The message for a document refused for ``kind`` of active content named ``marker``."""
    reasons = {
        "macro": _("berisi makro"),
        "ole": _("berisi objek OLE atau ActiveX"),
        "external": _("berisi tautan eksternal"),
        "dde": _("berisi perintah DDE"),
        "script": _("berisi skrip"),
        "field": _("berisi field yang perintahnya disusun dari field lain"),
    }
    return UploadError(
        _("Dokumen ditolak: %(reason)s (%(marker)s).", reason=reasons[kind], marker=marker)
    )


def _scan_office_part(z, info, mimetype):
    """Parse one member that is XML and refuse active content in it.

    A member is XML by its name (``.xml``, ``.rels``) or, whatever its name, when its first
    text is ``<`` (UTF-8 or UTF-16, after a byte-order mark and blanks): a part may be named
    anything its content type says. Expat reads the bytes and finds the encoding itself; an
    XML member it cannot read is refused, never skipped. Namespaces are not resolved:
    elements are matched by local name, so another prefix for the same namespace changes
    nothing. A DTD is refused (none belongs in these files), so no entity is ever expanded;
    the member is read in chunks.
    """
    if not info.filename.lower().endswith(XML_NAMES) and not _starts_like_xml(z, info):
        return
    scan = _OoxmlScan(info.filename) if mimetype == DOCX else _OdfScan(info.filename)
    parser = pyexpat.ParserCreate()
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_doctype
    parser.StartElementHandler = scan.start
    parser.EndElementHandler = scan.end
    parser.CharacterDataHandler = scan.text
    with z.open(info) as f:
        try:
            while chunk := f.read(64 * 1024):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except pyexpat.ExpatError as e:
            raise UploadError(
                _(
                    "Dokumen ditolak: bagian XML %(part)s tidak dapat dibaca.",
                    part=info.filename[:120],
                )
            ) from e


def _starts_like_xml(z, info):
    """Whether a member's first text, past byte-order marks, blanks and NULs, is ``<``."""
    with z.open(info) as f:
        while chunk := f.read(64 * 1024):
            rest = chunk.lstrip(XML_LEADING)
            if rest:
                return rest.startswith(b"<")
    return False


def _refuse_doctype(*args):
    raise UploadError(_("Dokumen rusak."))


def _local(name):
    return name.rsplit(":", 1)[-1]


class _Field:
    """A complex Word field being read: its instruction so far, and whether that is done."""

    def __init__(self, nested):
        self.instruction = ""
        self.nested = nested  # begun inside another field's instruction
        self.checked = False  # the instruction has ended (w:fldChar separate or end)


class _OoxmlScan:
    """Refusals for one part of a Word document: relationships, content types, objects, fields.

    Word builds a field's instruction from the instruction text of its runs and the results
    of the fields nested in it, so a field name made by a nested field (``{ {QUOTE 68 68 69
    ...} ... }`` is DDEAUTO) cannot be read here: it is refused, as is a QUOTE nested in an
    instruction. Deleted instruction text (tracked changes) is read like the rest.
    """

    def __init__(self, part):
        self.part = part
        self.fields = []  # the complex fields open at this point, innermost last
        self.in_instruction = False

    def start(self, name, attrs):
        local = _local(name)
        attrs = {_local(k): v for k, v in attrs.items()}
        if local in OOXML_ACTIVE_ELEMENTS:
            raise _office_refusal(*OOXML_ACTIVE_ELEMENTS[local])
        if local == "Relationship":
            self._relationship(attrs)
        elif local in ("Default", "Override"):
            macro = re.search(
                r"macroEnabled|vbaProject|vbaData", attrs.get("ContentType", ""), re.I
            )
            if macro:
                raise _office_refusal("macro", macro.group())
        elif local == "fldSimple":
            _check_field(attrs.get("instr", ""), self._nest())
        elif local == "fldChar":
            char = attrs.get("fldCharType")
            if char == "begin":
                self.fields.append(_Field(self._nest()))
            elif char in ("separate", "end") and self.fields:
                field = self.fields[-1]
                if not field.checked:
                    _check_field(field.instruction, field.nested)
                    field.checked = True
                if char == "end":
                    self.fields.pop()
        elif local in ("instrText", "delInstrText"):
            self.in_instruction = True

    def _nest(self):
        """Whether a field starting here is nested in an instruction; refuse one naming it."""
        if not self.fields or self.fields[-1].checked:
            # in a result, which may itself be part of an outer field's instruction
            return any(not field.checked for field in self.fields)
        words = self.fields[-1].instruction
        # until blank text follows the field name, a nested field's result would extend it
        if not words or not any(c.isspace() for c in words):
            raise _office_refusal("field", "w:fldChar")
        return True

    def end(self, name):
        if _local(name) in ("instrText", "delInstrText"):
            self.in_instruction = False

    def text(self, data):
        if self.in_instruction and self.fields:
            field = self.fields[-1]
            # leading blanks are dropped, so no padding pushes the name past the limit
            field.instruction = (field.instruction + data).lstrip()[:4096]

    def _relationship(self, attrs):
        kind = attrs.get("Type", "").rstrip("/").rsplit("/", 1)[-1]
        if kind in OOXML_ACTIVE_RELATIONSHIPS:
            raise _office_refusal(OOXML_ACTIVE_RELATIONSHIPS[kind], kind)
        if attrs.get("TargetMode", "").lower() == "external":
            target = attrs.get("Target", "").strip()
            if kind == "hyperlink" and target.lower().startswith((*WEB_SCHEMES, "mailto:")):
                return
            # Word records the template a letter was made from as a local path; a template
            # fetched from a server is the attack
            if kind == "attachedTemplate" and not _network_path(target):
                return
            raise _office_refusal("external", kind or "Relationship")


def _network_path(target):
    """Whether ``target`` names something on another machine (a URL or a UNC path)."""
    target = target.strip().replace("\\", "/")
    if target.startswith("//"):
        return True
    scheme = URL_SCHEME.match(target)
    if scheme is None or len(scheme.group()) == 2:  # a relative path, or a drive letter
        return False
    if scheme.group().lower() != "file:":
        return True
    rest = target[5:]
    return rest.startswith("//") and not rest.startswith("///")


def _check_field(instruction, nested=False):
    """Refuse a Word field that runs a program, links an OLE object or reads a file.

    A QUOTE nested in another field's instruction is refused too: it spells out a command
    from character codes.
    """
    words = instruction.split()
    if not words:
        return
    command = words[0].strip('"').upper()
    if nested and command == "QUOTE":
        raise _office_refusal("field", command)
    if command not in OOXML_FIELDS:
        return
    target = words[1].strip('"').lower() if len(words) > 1 else ""
    # a picture pasted from a web page keeps its address in a field; that is no attack
    if command in ("INCLUDEPICTURE", "IMPORT") and target.startswith(WEB_SCHEMES):
        return
    raise _office_refusal(OOXML_FIELDS[command], command)


class _OdfScan:
    """Refusals for one part of an OpenDocument file: objects, scripts, DDE, outside links."""

    def __init__(self, part):
        self.folder = posixpath.dirname(part)

    def start(self, name, attrs):
        local = _local(name)
        if local in ODF_ACTIVE_ELEMENTS:
            raise _office_refusal(*ODF_ACTIVE_ELEMENTS[local])
        if local == "encryption-data":
            raise UploadError(_("Dokumen terenkripsi tidak dapat diterima."))
        for key, value in attrs.items():
            if _local(key) == "href":
                self._link(local, value.strip())

    def _link(self, element, href):
        if not href:
            return
        if element == "template":  # the template it was made from, as a local path
            if _network_path(href):
                raise _office_refusal("external", "meta:template")
            return
        if element == "a":  # a hyperlink the reader may follow: web pages, mail, this file
            if href.lower().startswith((*WEB_SCHEMES, "mailto:", "#")):
                return
            raise _office_refusal("external", "xlink:href")
        # anything else (an image, an object, a section) must be inside the package
        inside = posixpath.normpath(posixpath.join(self.folder, href.replace("\\", "/")))
        if URL_SCHEME.match(href) or href.startswith(("/", "\\")) or inside.startswith(".."):
            raise _office_refusal("external", "xlink:href")

    def end(self, name):
        """An element's end tells nothing in ODF: links and scripts are in its start."""

    def text(self, data):
        """ODF's text carries no commands (unlike Word's field instructions)."""


def store_upload(store, storage, allowed, max_bytes):
    """Check and store an upload; return ``(sha256, size, created, mimetype, filename)``."""
    checked = check_upload(storage, allowed, max_bytes)
    return store_checked(store, checked, max_bytes)


def store_checked(store, checked, max_bytes):
    """Store a checked file; return ``(sha256, size, created, mimetype, filename)``."""
    try:
        sha, size, created = store.put(checked.stream, max_bytes=max_bytes)
    except TooLarge as e:
        raise UploadError(_("Berkas terlalu besar."), status=413) from e
    return sha, size, created, checked.mimetype, checked.filename


#: How deep multiparts may nest in a message before it is refused.
EML_MAX_NESTING = 16


def eml_attachments(part, depth=0):
    """Every attachment of a message, those in multiparts nested inside it too: each part
    that is not a multipart and not the message's own text (an attached message is one
    attachment). ``UploadError`` when multiparts nest deeper than ``EML_MAX_NESTING``."""
    for sub in part.iter_parts():
        if sub.get_content_maintype() == "multipart":
            if depth >= EML_MAX_NESTING:
                raise UploadError(_("Bagian surel bertingkat terlalu dalam."))
            yield from eml_attachments(sub, depth + 1)
        elif sub.is_attachment() or sub.get_content_type() not in ("text/plain", "text/html"):
            yield sub


def eml_refused_parts(raw, max_bytes, depth=0):
    """Attachments of an email that the office would refuse, as readable reasons."""

    msg = email.message_from_bytes(raw, policy=policy.default)
    refused = []
    for part in eml_attachments(msg):
        name = part.get_filename() or "lampiran"
        try:
            payload = part.get_payload(decode=True) or b""
            checked = check_bytes_stream(io.BytesIO(payload), name, SOURCE_TYPES, max_bytes)
            if checked.mimetype == EML and depth < 3:
                refused += [
                    f"{name} › {r}" for r in eml_refused_parts(payload, max_bytes, depth + 1)
                ]
            elif checked.mimetype == EML:
                refused.append(f"{name[:80]}: {_('surel bersarang terlalu dalam')}")
        except UploadError as e:
            refused.append(f"{name[:80]}: {e}")
    return refused


def clean_eml(raw, max_bytes):
    """The message with every refused attachment replaced by a note saying why.

    Returns ``(bytes, notes)``: what is stored is then safe to hand out as a download.
    """

    msg = email.message_from_bytes(raw, policy=policy.default)
    notes = []
    for part in list(eml_attachments(msg)):
        name = part.get_filename() or "lampiran"
        payload = part.get_payload(decode=True) or b""
        try:
            checked = check_bytes_stream(io.BytesIO(payload), name, SOURCE_TYPES, max_bytes)
            if checked.mimetype == EML and eml_refused_parts(payload, max_bytes, 1):
                raise UploadError(_("surel lampiran berisi lampiran yang tidak diizinkan"))
        except UploadError as e:
            note = f"{name[:80]}: {e}"
            notes.append(note)
            part.set_content(_("Lampiran ini dihapus oleh Warta: %(why)s", why=note))
    if not notes:
        return raw, []
    return msg.as_bytes(), notes
