"""The page cache across processes: after a publish or a withdrawal, no worker serves old pages."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from intranet.extensions import db
from intranet.models import Article
from intranet.services import publishing
from tests.fixtures.scenarios import build_published
from tests.fixtures.scenarios import build_scenario

ROOT = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url):
    with urllib.request.urlopen(url, timeout=10) as r:  # noqa: S310 - loopback test server
        return r.read().decode()


def test_two_workers_never_serve_a_stale_page(app, tmp_path):
    first = build_published(app, build_scenario(app)["case_id"])
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "WARTA_SECRET_KEY": "test-secret",
        "WARTA_SITE_URL": f"http://127.0.0.1:{port}",
        "WARTA_INSTANCE_PATH": str(tmp_path / "instance"),
        "WARTA_FILES_DIR": app.config["FILES_DIR"],
    }
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                fetch(base + "/healthz")
                break
            except OSError:
                time.sleep(0.1)
        for _ in range(12):  # both workers render and cache the home page and the feed
            assert first in fetch(base + "/") and first in fetch(base + "/feed.xml")
        second = build_published(app, build_scenario(app)["case_id"])
        for _ in range(12):
            assert second in fetch(base + "/") and second in fetch(base + "/feed.xml")
        with app.test_request_context(method="POST"):
            from intranet.models import User

            article = db.session.execute(
                db.select(Article).where(Article.slug == first)
            ).scalar_one()
            red = db.session.execute(
                db.select(User).where(User.username == "redaktur")
            ).scalar_one()
            publishing.withdraw(article, red, "Ditarik untuk uji.")
        for _ in range(12):
            assert first not in fetch(base + "/") and first not in fetch(base + "/feed.xml")
    finally:
        proc.terminate()
        proc.wait(10)
