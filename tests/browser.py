"""Headless Chromium (Debian's) driven by Playwright against a live Warta server."""

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("WARTA_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(
    os.environ.get(
        "WARTA_SCREENSHOTS", Path(__file__).resolve().parent.parent / "build" / "screenshots"
    )
)


def require_chromium():
    """Skip, saying why, when the browser cannot be used here."""
    if not Path(CHROMIUM).exists():
        pytest.skip(
            f"Chromium not found at {CHROMIUM}: `make test` installs Debian's chromium when it can"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("playwright is not installed")


class LiveServer:
    """The app served over HTTP on loopback from a thread."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        # the served address is the site's canonical one (as `make run` sets it)
        app.config.update(SITE_URL=self.url, TRUSTED_HOSTS=["127.0.0.1"])
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(5)


class Browser:
    """One Chromium, a context per person; console errors and page errors are collected."""

    def __init__(self, playwright, base_url, name):
        self.browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        self.base_url = base_url
        self.errors = []
        self.shots = SCREENSHOTS / name
        self.shots.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def page_for(self, username, password, viewport=(1280, 900)):
        ctx = self.browser.new_context(
            base_url=self.base_url, viewport={"width": viewport[0], "height": viewport[1]}
        )
        page = ctx.new_page()
        page.on(
            "console",
            lambda m: self.errors.append(f"{username}: {m.text}") if m.type == "error" else None,
        )
        page.on("pageerror", lambda e: self.errors.append(f"{username}: {e}"))
        page.goto("/intranet/login")
        page.fill("#username", username)
        page.fill("#password", password)
        page.click("button.primary")
        page.wait_for_url("**/intranet/")
        return page

    def shot(self, page, label):
        self.count += 1
        path = self.shots / f"{self.count:02d}-{label}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    def close(self):
        self.browser.close()
