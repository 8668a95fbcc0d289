"""Absolute URLs, always from the canonical site address (``SITE_URL``).

A request's ``Host`` header is the visitor's to choose; a link written into a page, a feed,
a mail, a QR code, a berkas or a report must not be. Every absolute URL is built here,
from the configured address, whether or not a request is being served.
"""

from urllib.parse import urlsplit

from flask import current_app


def absolute_url(endpoint, **values):
    """The absolute URL of ``endpoint`` under the site's canonical address."""
    site = urlsplit(current_app.config["SITE_URL"])
    adapter = current_app.url_map.bind(
        site.netloc, script_name=site.path or "/", url_scheme=site.scheme
    )
    current_app.inject_url_defaults(endpoint, values)
    anchor = values.pop("_anchor", None)
    url = adapter.build(endpoint, values, force_external=True)
    return f"{url}#{anchor}" if anchor else url
