"""PDF rendering with WeasyPrint, allowed to read only Warta's own static files."""

import io
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app

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

    return HTML(string=html, base_url=STATIC_PREFIX + "/", url_fetcher=_static_fetcher()).write_pdf(
        **options
    )


def as_stream(data):
    """PDF bytes as a stream for ``send_file``."""
    return io.BytesIO(data)
