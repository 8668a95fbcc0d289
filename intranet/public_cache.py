"""The public site's page cache: per worker, correct in every worker.

Pages are kept per path and query under the site key: the site's generation (bumped in
the database, in the same transaction, by every publication, correction and withdrawal)
and the newest visible publication time (which moves by the clock alone when a scheduled
article's time comes).

A hit asks no database. Each worker keeps the key it last read and reads it again when:

- the site's change signal moved: a file in the instance folder whose modification time is
  set after every commit that bumped the generation (``os.stat``, on this host: at once);
- the next scheduled publication's time has come (read with the key, so a scheduled
  article appears at its time, by the office clock);
- ``PUBLIC_CACHE_RECHECK`` seconds (1 by default) have passed since the last read: the bound
  for a change made on another host, or by a process that died between its commit and the
  signal.

Hits are answered by ``PublicCacheMiddleware`` in front of Flask, for visitors without a
cookie (the public); anyone with a session goes through the application as usual. A page
holds no trace of the request's ``Host`` (absolute links come from ``SITE_URL``), and a
request whose ``Host`` is not trusted never reaches the cache (``security.TrustedHosts``). Pages
carry an ETag and Last-Modified, and a matching conditional request gets 304.
"""

import hashlib
import os
import threading
import time
from collections import OrderedDict
from functools import wraps
from pathlib import Path

from flask import current_app
from flask import has_app_context
from flask import make_response
from flask import request
from sqlalchemy import bindparam
from sqlalchemy import event
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from intranet.clock import utcnow
from intranet.extensions import db
from intranet.models import Article
from intranet.models import SiteState
from intranet.services import publishing

MAX_ENTRIES = 1024
CACHEABLE = ("/", "/berita/", "/kategori/", "/feed.", "/sitemap.xml", "/cari")
MARK = "X-Warta-Cacheable"
_cache = OrderedDict()
_lock = threading.Lock()


SIGNAL = "site-changed"

#: The site's generation and its newest visible publication (the one visibility rule, at
#: ``:now``), and the next publication still to come, in one statement built once.
SITE_KEY = select(
    SiteState.generation,
    select(func.max(Article.published_at))
    .where(Article.visible_at(bindparam("now")))
    .scalar_subquery(),
    select(func.min(Article.published_at))
    .where(Article.status == "published", Article.published_at > bindparam("now"))
    .scalar_subquery(),
).where(SiteState.id == 1)


def clear():
    """Forget every cached page (tests)."""
    with _lock:
        _cache.clear()


def site_key(engine):
    """(generation, newest visible publication time) in one round trip."""
    return _read_key(engine)[0]


def _read_key(engine):
    """The site key and the time (UTC, naive) of the next scheduled publication, or None."""
    with engine.connect() as conn:
        row = conn.execute(SITE_KEY, {"now": utcnow()}).first()
    return ((row[0], str(row[1])), row[2]) if row else ((0, "None"), None)


def signal_path(app):
    return os.path.join(app.instance_path, SIGNAL)


def _signal_stamp(path):
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return 0


@event.listens_for(Session, "after_commit")
def _signal_after_commit(session):
    """After a commit that bumped the generation (``publishing.bump`` marks the session)."""
    if session.info.pop("site_changed", False) and has_app_context():
        path = signal_path(current_app)
        try:
            Path(path).touch()
            now = time.time_ns()
            os.utime(path, ns=(now, now))
        except OSError:  # the recheck interval still bounds how long a worker serves old pages
            current_app.logger.warning("site change signal not written: %s", path)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session):
    session.info.pop("site_changed", None)


def cached(view):
    """Mark a public view's response as cacheable and make it conditional (ETag, 304)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        response = make_response(view(*args, **kwargs))
        if response.status_code in (200, 404, 410) and not response.direct_passthrough:
            response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32])
            response.headers["Cache-Control"] = "public, max-age=0, must-revalidate"
            response.headers[MARK] = "1"

            newest = publishing.newest_visible()
            if newest is not None:
                response.last_modified = newest
            return response.make_conditional(request)
        return response

    return wrapper


class PublicCacheMiddleware:
    """Answer repeated public GETs from the cache without entering Flask."""

    def __init__(self, wsgi_app, flask_app):
        self.wsgi_app = wsgi_app
        self.flask_app = flask_app
        self.signal = signal_path(flask_app)
        self.recheck = float(flask_app.config["PUBLIC_CACHE_RECHECK"])
        # (site key, signal stamp, monotonic time read, next scheduled publication)
        self.known = None

    def state(self):
        """The site key, read from the database only when it may have changed."""
        known = self.known
        stamp = _signal_stamp(self.signal)
        if (
            known is not None
            and known[1] == stamp
            and time.monotonic() - known[2] < self.recheck
            and (known[3] is None or utcnow() < known[3])
        ):
            return known[0]
        read_at = time.monotonic()
        with self.flask_app.app_context():
            key, upcoming = _read_key(db.engine)
        self.known = (key, stamp, read_at, upcoming)
        return key

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if (
            environ.get("REQUEST_METHOD") not in ("GET", "HEAD")
            or environ.get("HTTP_COOKIE")
            or not (path == "/" or path.startswith(CACHEABLE[1:]))
        ):
            return self.wsgi_app(environ, start_response)
        key = (id(self.flask_app), path, environ.get("QUERY_STRING", ""), self.state())
        with _lock:
            hit = _cache.get(key)
            if hit is not None:
                _cache.move_to_end(key)
        if hit is not None:
            status, headers, body, etag = hit
            modified = next((v for k, v in headers if k.lower() == "last-modified"), None)
            not_modified = environ.get("HTTP_IF_NONE_MATCH", "").strip("W/").strip('"') == etag or (
                modified is not None
                and environ.get("HTTP_IF_MODIFIED_SINCE") == modified
                and "HTTP_IF_NONE_MATCH" not in environ
            )
            if not_modified and status.startswith("200"):
                start_response(
                    "304 NOT MODIFIED",
                    [
                        (k, v)
                        for k, v in headers
                        if k.lower() in ("etag", "cache-control", "last-modified")
                    ],
                )
                return [b""]
            start_response(status, headers)
            return [b"" if environ["REQUEST_METHOD"] == "HEAD" else body]
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return start_response(status, [(k, v) for k, v in headers if k != MARK], exc_info)

        chunks = self.wsgi_app(environ, capture)
        try:
            body = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        headers = captured.get("headers", [])
        if (
            environ["REQUEST_METHOD"] == "GET"
            and any(k == MARK for k, _ in headers)
            and captured["status"][:3] in ("200", "404", "410")
        ):
            kept = [(k, v) for k, v in headers if k != MARK and k.lower() != "set-cookie"]
            etag = next((v.strip('"') for k, v in kept if k.lower() == "etag"), "")
            with _lock:
                _cache[key] = (captured["status"], kept, body, etag)
                while len(_cache) > MAX_ENTRIES:
                    _cache.popitem(last=False)
        return [body]
