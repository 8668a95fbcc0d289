"""The berkas PDF: PDF/A-3b from WeasyPrint, reading only the record's own stored files.

The HTML may only refer to ``warta-archive:<sha256>`` of the files handed in; any other
address (``file:``, ``http:``, a relative path) is refused and written down, so a test can
see that nothing was fetched.
"""

import mimetypes
from datetime import UTC
from datetime import datetime

from flask_babel import gettext as _

from intranet.heap import render_burst
from intranet.pdf import describe_characters
from intranet.pdf import missing_glyphs
from intranet.transactions import ServiceError

ARCHIVE_PREFIX = "warta-archive:"
PDF_VARIANT = "pdf/a-3b"


class MissingGlyphs(ServiceError):
    """The berkas would draw a character as an empty box: PDF/A forbids it (ISO 19005-3,
    6.2.11.8), so no berkas is made and nothing is archived; ``codepoints`` are named."""

    def __init__(self, codepoints):
        self.codepoints = tuple(codepoints)
        super().__init__(
            _(
                "Berkas PDF/A tidak dibuat: karakter berikut tidak punya bentuk huruf di font "
                "mana pun yang terpasang, sehingga akan tercetak sebagai kotak kosong: "
                "%(chars)s. Ganti atau hapus karakter itu, lalu coba lagi.",
                chars=describe_characters(self.codepoints),
            ),
            status=422,
        )


def _fetcher_base():
    from weasyprint.urls import URLFetcher

    return URLFetcher


class Fetcher(_fetcher_base()):
    """A WeasyPrint URL fetcher limited to a set of stored files; it never opens a socket."""

    def __init__(self, store, allowed):
        super().__init__(allowed_protocols=())
        self.store = store
        self.allowed = dict(allowed)  # sha256 -> mimetype
        self.refused = []

    def fetch(self, url, headers=None):
        from weasyprint.urls import URLFetcherResponse

        if url.startswith(ARCHIVE_PREFIX):
            sha = url[len(ARCHIVE_PREFIX) :]
            if sha in self.allowed:
                return URLFetcherResponse(
                    url, self.store.read(sha), {"Content-Type": self.allowed[sha]}
                )
        self.refused.append(url[:300])
        raise ValueError(f"refused: {url[:80]}")


def src(sha256):
    """The address of a stored file inside the berkas HTML."""
    return ARCHIVE_PREFIX + sha256


def render(html, store, files, title, fetcher=None):
    """Render ``html`` to PDF/A-3b bytes with ``files`` embedded as associated files.

    ``files`` are dicts with ``sha256``, ``filename``, ``mimetype``, ``relationship`` and
    ``description``; their bytes come from ``store``. Images of the berkas may use any of them.
    Raises ``MissingGlyphs`` when any character was drawn without a real glyph: a file that
    shows an empty box is not PDF/A, and the berkas never claims what it is not.
    """
    from weasyprint import HTML
    from weasyprint import Attachment

    fetcher = fetcher or Fetcher(store, {f["sha256"]: f["mimetype"] for f in files})
    now = datetime.now(UTC)
    attachments = [
        Attachment(
            string=store.read(f["sha256"]),
            name=f["filename"],
            description=f["description"],
            relationship=f["relationship"],
            created=now,
            modified=now,
            url_fetcher=fetcher,  # unused for bytes; without it each builds a urllib opener
        )
        for f in files
    ]
    with render_burst():
        document = HTML(string=html, base_url=ARCHIVE_PREFIX, url_fetcher=fetcher).render()
        document.metadata.title = title
        data = document.write_pdf(
            pdf_variant=PDF_VARIANT, attachments=attachments, finisher=_one_af_entry_each
        )
    missing = missing_glyphs(document)
    if missing:
        raise MissingGlyphs(missing)
    return data


def _one_af_entry_each(document, pdf):
    """List each associated file once in the catalog's /AF (WeasyPrint adds them twice), and
    store embedded originals as they are: they are JPEGs, PDFs and zips that deflate would
    barely shrink, at a high cost in time."""
    import pydyf

    for obj in pdf.objects:
        if isinstance(obj, pydyf.Stream) and obj.extra.get("Type") == "/EmbeddedFile":
            obj.compress = False

    if "AF" in pdf.catalog:
        seen, unique = set(), pydyf.Array()
        for ref in pdf.catalog["AF"]:
            key = str(ref)
            if key not in seen:
                seen.add(key)
                unique.append(ref)
        pdf.catalog["AF"] = unique


def mimetype_of(filename, default="application/octet-stream"):
    return mimetypes.guess_type(filename)[0] or default
