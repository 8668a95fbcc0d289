"""PDF rendering with WeasyPrint, allowed to read only Warta's own static files."""

import io
import unicodedata
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _

from intranet.heap import render_burst

STATIC_PREFIX = "warta-static:"


def _static_fetcher():
    """A URL fetcher that serves ``warta-static:`` paths from static/ and nothing else."""
    from weasyprint.urls import URLFetcher
    from weasyprint.urls import URLFetcherResponse

    class StaticFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if not url.startswith(STATIC_PREFIX):
                raise ValueError(f"refused: {url[:80]}")
            root = Path(current_app.static_folder).resolve()
            target = (root / urlsplit(url).path.lstrip("/")).resolve()
            if root not in target.parents or not target.is_file():
                raise ValueError(f"refused: {url[:80]}")
            mime = {
                ".css": "text/css",
                ".svg": "image/svg+xml",
                ".png": "image/png",
                ".ttf": "font/ttf",
            }.get(target.suffix, "application/octet-stream")
            return URLFetcherResponse(url, target.read_bytes(), {"Content-Type": mime})

    return StaticFetcher(allowed_protocols=())


def render(html, **options):
    """Render HTML to PDF bytes."""
    from weasyprint import HTML

    with render_burst():
        return HTML(
            string=html, base_url=STATIC_PREFIX + "/", url_fetcher=_static_fetcher()
        ).write_pdf(**options)


def missing_glyphs(document):
    """The characters a rendered (and written) WeasyPrint ``document`` drew as the missing
    glyph box, because no font of the stack or of the system has them: sorted code points.

    WeasyPrint draws such a character with a glyph id the font does not have and lists it
    in the font's ``missing``; the check is read from what was drawn, not guessed from the
    text, so a character that shaping joined or dropped counts only if it showed.
    """
    return sorted({cp for font in document.fonts.values() for cp in font.missing})


def describe_characters(codepoints, limit=12):
    """Code points as a person can find them in the text: "U+E000 (karakter privat), ..."."""
    names = []
    for cp in codepoints[:limit]:
        char = chr(cp)
        category = unicodedata.category(char)
        if category == "Co":
            what = _("karakter area privat")
        elif category == "Cn":
            what = _("kode yang belum ditetapkan Unicode")
        else:
            what = f"{char} {unicodedata.name(char, '').lower()}".strip()
        names.append(f"U+{cp:04X} ({what})")
    if len(codepoints) > limit:
        names.append(_("dan %(count)d lainnya", count=len(codepoints) - limit))
    return ", ".join(names)


def as_stream(data):
    """PDF bytes as a stream for ``send_file``."""
    return io.BytesIO(data)
