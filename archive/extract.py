"""Text from the archive's originals, for the search index.

PDF text layers, DOCX and ODT documents, email bodies and their attachments, HTML. A scan or
a photo has no text: it is marked ``tanpa_teks`` (OCR is not done). A file that cannot be
read (encrypted, broken, a zip bomb) is marked ``gagal`` with the reason; it never stops the
other files.
"""

import email
import io
import zipfile
from dataclasses import dataclass
from email import policy

from intranet.text import html_to_text
from intranet.uploads import sniff

#: Most text kept from one file (characters); the rest is not indexed.
MAX_TEXT = 1_000_000
MAX_PDF_PAGES = 2000
ZIP_MAX_MEMBER = 50 * 1024 * 1024
ZIP_MAX_RATIO = 150
MAX_DEPTH = 3

WORD_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
TEXT_NS = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"


@dataclass
class Extracted:
    status: str  # teks | tanpa_teks | gagal | data
    text: str = ""
    note: str = ""


class Refused(Exception):
    """The file cannot be read safely."""


def extract(data, mimetype, filename="", depth=0):
    """The text of one file, never raising."""
    try:
        text = _extract(data, mimetype, filename, depth)
    except Refused as e:
        return Extracted("gagal", note=str(e))
    except Exception as e:  # noqa: BLE001 - a hostile file must fail alone, whatever breaks
        return Extracted("gagal", note=f"{type(e).__name__}: {str(e)[:200]}")
    if text is None:
        return Extracted("data")
    text = text.strip()[:MAX_TEXT]
    return Extracted("teks", text) if text else Extracted("tanpa_teks")


def _extract(data, mimetype, filename, depth):
    if mimetype == "application/pdf":
        return _pdf(data)
    if mimetype.startswith("image/"):
        return ""
    if mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
        return _xml_text(data, "word/document.xml", f"{WORD_NS}p")
    if mimetype == "application/vnd.oasis.opendocument.text":
        return _xml_text(data, "content.xml", None)
    if mimetype == "message/rfc822":
        return _email(data, depth)
    if mimetype == "text/html":
        return html_to_text(data.decode("utf-8", "replace"))
    if mimetype.startswith("text/"):
        return data.decode("utf-8", "replace")
    if mimetype == "application/json":
        return None  # the record's own data: its fields are indexed from the database
    return ""


def _pdf(data):
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        raise Refused("PDF terenkripsi")
    parts, size = [], 0
    for i, page in enumerate(reader.pages):
        if i >= MAX_PDF_PAGES or size > MAX_TEXT:
            break
        text = page.extract_text() or ""
        parts.append(text)
        size += len(text)
    return "\n".join(parts)


def _read_member(data, name):
    """One member of a zip container, refusing bombs."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        try:
            info = z.getinfo(name)
        except KeyError as e:
            raise Refused(f"{name} tidak ada") from e
        if info.file_size > ZIP_MAX_MEMBER:
            raise Refused("isi arsip zip terlalu besar")
        if info.compress_size and info.file_size / info.compress_size > ZIP_MAX_RATIO:
            raise Refused("rasio kompresi mencurigakan (zip bomb)")
        with z.open(info) as f:
            raw = f.read(ZIP_MAX_MEMBER + 1)
        if len(raw) > ZIP_MAX_MEMBER:
            raise Refused("isi arsip zip terlalu besar")
        return raw


def _xml_text(data, member, paragraph_tag):
    from lxml import etree

    raw = _read_member(data, member)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    root = etree.fromstring(raw, parser)
    if paragraph_tag is None:  # ODT: every text:p and text:h is a line
        blocks = [
            el
            for el in root.iter()
            if isinstance(el.tag, str) and el.tag in (f"{TEXT_NS}p", f"{TEXT_NS}h")
        ]
    else:
        blocks = list(root.iter(paragraph_tag))
    return "\n".join("".join(b.itertext()) for b in blocks)


def _email(data, depth):

    message = email.message_from_bytes(data, policy=policy.default)
    parts = []
    for header in ("from", "to", "subject"):
        if message[header]:
            parts.append(f"{header}: {message[header]}")
    for part in message.walk():
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True) or b""
        kind = part.get_content_type()
        if part.get_filename() or part.get_content_disposition() == "attachment":
            if depth >= MAX_DEPTH:
                continue
            head = payload[:64]
            sniffed = sniff(head, io.BytesIO(payload)) if payload else None
            inner = extract(payload, sniffed or kind, part.get_filename() or "", depth + 1)
            if inner.text:
                parts.append(f"[{part.get_filename() or 'lampiran'}]\n{inner.text}")
        elif kind == "text/plain":
            parts.append(payload.decode(part.get_content_charset() or "utf-8", "replace"))
        elif kind == "text/html":
            charset = part.get_content_charset() or "utf-8"
            parts.append(html_to_text(payload.decode(charset, "replace")))
    return "\n".join(parts)
