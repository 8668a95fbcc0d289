"""Faults: the database unreachable for a while, the archive's disk full. (The SMTP server
down is in test_notify; SIGKILLs while archiving in test_archive_crash.)"""

import contextlib
import socket
import subprocess
import threading
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

import pytest

from archive.models import ArchiveRecord
from intranet.extensions import db
from intranet.models import Article
from intranet.models import Case
from tests.conftest import PASSWORD
from tests.conftest import TEST_DATABASE_URL
from tests.conftest import Auth
from tests.fixtures.scenarios import build_preview


class Proxy:
    """A TCP relay to the database server that can be cut and restored."""

    def __init__(self, host, port):
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.open = threading.Event()
        self.open.set()
        self.conns = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.open.is_set():
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src, dst):
        try:
            with contextlib.suppress(OSError):  # the other side, or cut(), closed it
                while data := src.recv(65536):
                    dst.sendall(data)
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):  # already shut down
                    s.shutdown(socket.SHUT_RDWR)

    def cut(self):
        """The database becomes unreachable: every connection drops, new ones are refused."""
        self.open.clear()
        with self.lock:
            for s in self.conns:
                with contextlib.suppress(OSError):  # already shut down by its pipe
                    s.shutdown(socket.SHUT_RDWR)
                s.close()
            self.conns = []

    def restore(self):
        self.open.set()

    def close(self):
        self.cut()
        self.listener.close()


@pytest.mark.skipif(
    not TEST_DATABASE_URL,
    reason="SQLite is a file inside the app's own process: it cannot become unreachable",
)
def test_the_database_unreachable_for_a_while(app, tmp_path):
    """Run in a child process: the connections the cut breaks die with it, not in a later
    test's garbage collection."""
    import json
    import sys

    config = {k: app.config[k] for k in ("SECRET_KEY", "FILES_DIR", "ARCHIVE_DIR")}
    config.update(TESTING=True, INSTANCE_PATH=app.instance_path, WTF_CSRF_ENABLED=False)
    code = f"from tests.app.test_faults import cut_scenario; cut_scenario({json.dumps(config)!r})"
    done = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0 and "ok" in done.stdout, done.stderr[-3000:]


def cut_scenario(config_json):
    """The database cut and restored under a running app: 503s, then recovery."""
    import json

    from intranet import create_app

    url = urlsplit(TEST_DATABASE_URL)
    proxy = Proxy(url.hostname, url.port)
    proxied = urlunsplit(url._replace(netloc=f"{url.username}@127.0.0.1:{proxy.port}"))
    config = {**json.loads(config_json), "SQLALCHEMY_DATABASE_URI": proxied}
    other, late = create_app(config), create_app(config)
    c = other.test_client()
    assert c.get("/healthz").status_code == 200
    assert Auth(c).login("redaktur", PASSWORD).status_code == 302
    proxy.cut()
    r = c.get("/healthz")
    assert r.status_code == 503 and r.get_json()["database"] == "unreachable"
    r = c.get("/intranet/")
    assert r.status_code == 503, r.status_code
    assert "Basis data sedang tidak dapat dihubungi" in r.get_data(as_text=True)
    r = late.test_client().post(
        "/intranet/login", data={"username": "redaktur", "password": PASSWORD}
    )
    assert r.status_code == 503
    proxy.restore()  # back, without restarting anything
    assert c.get("/healthz").status_code == 200
    assert c.get("/intranet/").status_code == 200
    print("ok")


@pytest.fixture
def small_archive_disk(app):
    """The archive folder on a 96 KiB tmpfs (root only; skipped, saying why, elsewhere)."""
    folder = app.config["ARCHIVE_DIR"]
    done = subprocess.run(  # noqa: S603 - fixed arguments
        ["/usr/bin/mount", "-t", "tmpfs", "-o", "size=96k", "tmpfs", folder], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.decode().strip()[:200]}")
    try:
        yield folder
    finally:
        subprocess.run(["/usr/bin/umount", "-l", folder], check=False)  # noqa: S603


def test_a_full_archive_disk_refuses_publishing_cleanly(app, login, scenario, small_archive_disk):
    import os

    cid = scenario["case_id"]
    build_preview(app, cid)
    with app.app_context():
        db.session.get(Case, cid).step = 10
        db.session.commit()
        # nearly fill the disk, as months of archiving would
        with open(os.path.join(small_archive_disk, "pengisi"), "wb") as f:
            f.write(os.urandom(88 * 1024))
    red = login("redaktur")
    r = red.post(f"/intranet/naskah/{cid}/terbitkan", data={"scheduled": ""})
    assert r.status_code == 507
    assert "Ruang penyimpanan arsip penuh" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(db.select(ArchiveRecord)).first() is None
        assert db.session.execute(db.select(Article)).first() is None
        assert db.session.get(Case, cid).status == "open"
    leftovers = [
        os.path.join(d, f)
        for d, _, files in os.walk(small_archive_disk)
        for f in files
        if f not in ("pengisi", ".lock")
    ]
    assert leftovers == []  # nothing half-written stays
    os.unlink(os.path.join(small_archive_disk, "pengisi"))
    r = red.post(f"/intranet/naskah/{cid}/terbitkan", data={"scheduled": ""})
    assert r.status_code == 302  # room again: it goes through
    with app.app_context():
        assert db.session.execute(db.select(ArchiveRecord)).scalar_one().case_id == cid
