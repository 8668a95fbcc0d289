"""The public site's page cache: shared by nothing, correct in every worker.

Each worker keeps rendered public pages keyed by the path, the language and the site key
(the site's generation, bumped in the database on every publish, correction and withdrawal,
and the newest visible publication time, which moves when a scheduled article's time
comes). One small query per request tells a worker whether what it holds is still right,
so no worker serves a page from before a publication. Responses carry an ETag and
Last-Modified, and a matching conditional request gets 304.
"""

import hashlib
import threading
from collections import OrderedDict
from functools import wraps

from flask import current_app
from flask import make_response
from flask import request
from flask_babel import get_locale

MAX_ENTRIES = 512
_cache = OrderedDict()
_lock = threading.Lock()


def clear():
    """Forget every cached page (tests)."""
    with _lock:
        _cache.clear()


def cached(view):
    """Serve a public view from the cache while the site key is unchanged."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        from intranet.services import publishing

        generation, newest = publishing.site_key()
        key = (
            id(current_app._get_current_object()),
            request.full_path,
            str(get_locale()),
            generation,
            newest,
        )
        with _lock:
            hit = _cache.get(key)
            if hit is not None:
                _cache.move_to_end(key)
        if hit is None:
            response = make_response(view(*args, **kwargs))
            if response.status_code not in (200, 404, 410) or response.direct_passthrough:
                return response
            body = response.get_data()
            hit = (
                response.status_code,
                response.mimetype,
                response.headers.get("Content-Type"),
                body,
                hashlib.sha256(body).hexdigest()[:32],
            )
            with _lock:
                _cache[key] = hit
                while len(_cache) > MAX_ENTRIES:
                    _cache.popitem(last=False)
        status, _mimetype, content_type, body, etag = hit
        response = make_response(body, status)
        response.headers["Content-Type"] = content_type
        response.set_etag(etag)
        if newest is not None:
            response.last_modified = newest
        response.headers["Cache-Control"] = "public, max-age=0, must-revalidate"
        return response.make_conditional(request)

    return wrapper
