"""In a real browser: the admin finds a failed background task with its reason under
*Tugas latar* and queues it again with *Coba lagi*."""

import pytest

from intranet import queue
from intranet.cli import load_demo
from intranet.extensions import db
from tests.browser import Browser
from tests.browser import LiveServer
from tests.browser import require_chromium
from tests.conftest import PASSWORD
from tests.fixtures import tasks

pytestmark = pytest.mark.browser


@pytest.fixture
def chromium():
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


def test_the_admin_sees_a_failed_task_and_queues_it_again(
    app_factory, tmp_path, chromium, monkeypatch
):
    app = app_factory(**tasks.queue_config(tmp_path))
    with app.app_context():
        load_demo(PASSWORD)
        queue.enqueue("tests.poison", path=str(tmp_path / "p.txt"))
        queue.enqueue("tests.note", path=str(tmp_path / "n.txt"), text="beres")
        db.session.commit()
    queue.run_burst(app)
    later = queue.utcnow() + queue.RETRY_FIRST
    monkeypatch.setattr(queue, "utcnow", lambda: later)
    assert queue.run_burst(app)["gagal"] == 1
    monkeypatch.undo()
    with LiveServer(app) as server:
        b = Browser(chromium, server.url, "tugas-latar")
        try:
            page = b.page_for("admin", PASSWORD)
            page.click("text=Tugas latar")
            page.wait_for_url("**/intranet/admin/tugas")
            failed = page.locator("section", has_text="Gagal").first
            assert "ValueError: berkas rusak" in failed.inner_text()
            assert "tests.poison" in failed.inner_text()
            done = page.locator("section", has_text="Selesai baru-baru ini")
            assert "tests.note" in done.inner_text()
            b.shot(page, "gagal")
            failed.locator("button", has_text="Coba lagi").click()
            page.wait_for_url("**/intranet/admin/tugas")
            assert "diantrekan lagi" in page.content()
            waiting = page.locator("section", has_text="Menunggu dan berjalan")
            assert "tests.poison" in waiting.inner_text()
            assert "Tidak ada tugas yang gagal." in page.content()
            b.shot(page, "coba-lagi")
        finally:
            b.close()
    assert b.errors == []
