"""Configuration: defaults, then instance/config.py, then WARTA_* environment variables."""

import contextlib
import json
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

#: Values every install starts from; each may be overridden (see README, "Konfigurasi").
DEFAULTS = {
    "OFFICE_NAME": "KPU Kabupaten Cilacap",
    "OFFICE_REGION_CODE": "3301",
    # The place a printed document is signed at (its signature block: "Cilacap, 29 November 2026").
    "OFFICE_CITY": "Cilacap",
    # The site's canonical address: every absolute URL (pages, feeds, sitemap, mail, QR
    # codes, berkas, reports, CLI output) is built from it, never from a request's Host.
    "SITE_URL": "http://localhost",
    # Host names requests may carry (any other Host gets 400 and is never cached); None:
    # the SITE_URL's host alone.
    "TRUSTED_HOSTS": None,
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "SQLITE_BUSY_TIMEOUT_MS": 15000,
    # Cookies: HttpOnly and SameSite=Lax always; Secure once served over HTTPS.
    "HTTPS": False,
    "SESSION_COOKIE_NAME": "warta_session",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,
    "PERMANENT_SESSION_LIFETIME": 8 * 3600,
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": 8 * 3600,
    # Uploads: the whole request and each stored file.
    "MAX_CONTENT_LENGTH": 110 * 1024 * 1024,
    "MAX_UPLOAD_BYTES": 25 * 1024 * 1024,
    # Where failed logins are counted: "database" (every worker and host shares it, nothing
    # to set up) or redis://... (see intranet/throttle.py).
    "RATELIMIT_STORAGE_URI": "database",
    # Failed logins (correct ones never count): per account and address, and (looser, an
    # office shares one NAT address) per address over all accounts.
    "LOGIN_RATE_LIMIT": "20 per 10 minutes",
    # Number of reverse proxies in front (nginx: 1); 0 when gunicorn faces the clients.
    "PROXY_FIX_X_FOR": 0,
    # The public page cache reads the site's state again at least this often (seconds): the
    # longest a change made on another app host can go unseen (on one host: at once).
    "PUBLIC_CACHE_RECHECK": 1.0,
    "LOGIN_RATE_LIMIT_PER_ADDRESS": "100 per 10 minutes",
    "BABEL_DEFAULT_LOCALE": "id",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Jakarta",
    "LANGUAGES": ["id", "en"],
    "PASSWORD_MIN_LENGTH": 10,
    # How long a signed preview link (step 7) works, in days.
    "PREVIEW_LINK_DAYS": 7,
    "DEMO_PASSWORD": "warta-demo",
    # The nomor arsip: {seq} restarts each year; {classification}, {region}, {year} available.
    "ARCHIVE_NUMBER_FORMAT": "{classification}/{seq:04d}/{region}/{year}",
    # The kode klasifikasi given to records made at publication (editable table, /arsip/tabel).
    "ARCHIVE_CLASSIFICATION": "HM.02.01",
    # `archive verify` leaves unregistered files younger than this alone (seconds): a commit
    # may still be landing on the database server.
    "ARCHIVE_STRAY_GRACE_SECONDS": 600,
    # The agenda book's number: {seq} restarts each year; {year}, {region} also available.
    "AGENDA_NUMBER_FORMAT": "{seq:04d}/AGD-WEB/{region}/{year}",
    # Outgoing mail (the outbox keeps every message; without MAIL_SERVER nothing is sent).
    "MAIL_SERVER": None,
    "MAIL_PORT": 25,
    "MAIL_USE_TLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_SENDER": "Warta KPU Kabupaten Cilacap <warta@localhost>",
    "MAIL_TIMEOUT": 10,
    # Background work (intranet/queue.py): the queue store is SQLite in the instance folder,
    # or Redis when this is a redis:// address (several app hosts share one worker pool).
    "QUEUE_URL": None,
    "QUEUE_NAME": "warta",
    # A running task's lease: renewed every third of it; a task whose lease lapses (its
    # worker died) is run again.
    "QUEUE_LEASE_SECONDS": 60,
    # How often a worker recovers dead workers' tasks, lost hand-offs and nightly work.
    "QUEUE_SWEEP_SECONDS": 30,
    # Whether a worker queues the nightly work (fixity verification, chain-head anchoring).
    "QUEUE_NIGHTLY": True,
    # Tests only: run each task (True) or the tasks named (a list) in-process right after
    # the commit that queued it.
    "QUEUE_EAGER": False,
}


def load_config(app, overrides=None):
    """Fill ``app.config`` from defaults, instance/config.py, environment and ``overrides``."""
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile(os.path.join(app.instance_path, "config.py"), silent=True)
    app.config.update(_from_environment(os.environ))
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if overrides:
        app.config.from_mapping(overrides)
    if app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(
            app.config["SQLALCHEMY_DATABASE_URI"]
        )

    app.config["SITE_URL"] = canonical_site_url(app.config["SITE_URL"])
    site_host = urlsplit(app.config["SITE_URL"]).hostname
    trusted = app.config.get("TRUSTED_HOSTS") or []
    if isinstance(trusted, str):  # WARTA_TRUSTED_HOSTS=a.example,b.example
        trusted = [h.strip() for h in trusted.split(",") if h.strip()]
    app.config["TRUSTED_HOSTS"] = [site_host, *[h for h in trusted if h != site_host]]

    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    app.config.setdefault("SQLALCHEMY_DATABASE_URI", f"sqlite:///{instance / 'warta.db'}")
    app.config.setdefault("FILES_DIR", str(instance / "files"))
    app.config.setdefault("ARCHIVE_DIR", str(instance / "archive"))
    app.config.setdefault("SEARCH_INDEX_DIR", str(instance / "search-index"))
    if app.config["HTTPS"]:
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
        app.config["PREFERRED_URL_SCHEME"] = "https"
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(instance / "secret_key")


def canonical_site_url(url):
    """``SITE_URL`` checked and without a trailing slash: http(s), a host, no query."""
    parts = urlsplit((url or "").strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(f"SITE_URL must be an http(s) address (https://x.go.id), not {url!r}")
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path.rstrip("/"), "", ""))


def normalize_database_url(url):
    """Pick the installed drivers for plain URLs: psycopg 3 for PostgreSQL, PyMySQL for MySQL."""
    for plain, explicit in (
        ("postgres://", "postgresql+psycopg://"),
        ("postgresql://", "postgresql+psycopg://"),
        ("mysql://", "mysql+pymysql://"),
        ("mariadb://", "mysql+pymysql://"),
    ):
        if url.startswith(plain):
            url = explicit + url[len(plain) :]
            break
    if url.startswith("mysql+pymysql://") and "charset=" not in url:
        url += ("&" if "?" in url else "?") + "charset=utf8mb4"
    return url


def _from_environment(environ, prefix="WARTA_"):
    """WARTA_* variables as config values: JSON-parsed, except where the default is text."""
    values = {}
    for name, raw in environ.items():
        if not name.startswith(prefix):
            continue
        key = name[len(prefix) :]
        if isinstance(DEFAULTS.get(key), str):
            values[key] = raw
            continue
        try:
            values[key] = json.loads(raw)
        except ValueError:
            values[key] = raw
    return values


def _instance_secret(path):
    """Read the instance's secret key, creating it (mode 0600) on first run.

    Written to a temporary file and hard-linked into place, so two workers starting at
    once agree on one key and neither reads a half-written file.
    """
    if not path.exists():
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
            f.flush()
            os.fsync(f.fileno())
        try:
            with contextlib.suppress(FileExistsError):  # another worker was first: use its key
                os.link(tmp, path)
        finally:
            os.unlink(tmp)
    return path.read_text().strip()
