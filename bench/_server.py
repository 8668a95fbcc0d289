"""Start Warta under gunicorn on a fresh instance folder, for the benchmarks."""

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn serving wsgi:app with a migrated database and the demo data."""

    def __init__(self, workers=1, threads=4, env=None):
        self.tmp = tempfile.TemporaryDirectory(prefix="warta-bench-")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "WARTA_INSTANCE_PATH": self.tmp.name,
            "DATABASE_URL": os.environ.get(
                "BENCH_DATABASE_URL", f"sqlite:///{self.tmp.name}/warta.db"
            ),
            "WARTA_SECRET_KEY": "bench",
            "WARTA_SITE_URL": self.url,
            "WARTA_LOGIN_RATE_LIMIT": "100000 per minute",
            "WARTA_LOGIN_RATE_LIMIT_PER_ADDRESS": "100000 per minute",
            **(env or {}),
        }
        self.workers, self.threads = workers, threads

    def __enter__(self):
        flask = [str(BIN / "flask"), "--app", "wsgi"]
        subprocess.run(
            [*flask, "db", "upgrade"], cwd=ROOT, env=self.env, check=True, capture_output=True
        )
        subprocess.run(
            [*flask, "demo", "load"], cwd=ROOT, env=self.env, check=True, capture_output=True
        )
        self.proc = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "-w",
                str(self.workers),
                "--threads",
                str(self.threads),
                "-b",
                f"127.0.0.1:{self.port}",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=1).read()
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(60)  # a loaded machine takes its time to finish the requests in flight
        self.tmp.cleanup()


def percentile(values, p):
    """The p-th percentile (nearest rank) of ``values``."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]
