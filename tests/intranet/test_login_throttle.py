"""The login throttle counts only failures, in a store every worker and host shares.

Time passes by ageing the stored failures (the rows are real; nothing is mocked).
"""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import redis

from intranet import create_app
from intranet.cli import load_demo
from intranet.clock import utcnow
from intranet.extensions import db
from intranet.models import LoginFailure
from tests.conftest import FAST_HASH
from tests.conftest import PASSWORD
from tests.conftest import TEST_DATABASE_URL
from tests.conftest import base_config

ROOT = Path(__file__).resolve().parents[2]
WRONG = "salah-salah"


def login(app, username="admin", password=PASSWORD, address="127.0.0.1"):
    """One login attempt from a fresh browser at ``address``."""
    return app.test_client().post(
        "/intranet/login",
        data={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def failures(app, **where):
    """The stored failures matching ``where``, oldest first."""
    with app.app_context():
        q = db.select(LoginFailure).filter_by(**where).order_by(LoginFailure.id)
        rows = db.session.execute(q).scalars().all()
        db.session.expunge_all()
        return rows


def age(app, ids, by):
    """Move the stored failures ``ids`` back in time by ``by``."""
    with app.app_context():
        db.session.execute(
            db.update(LoginFailure).where(LoginFailure.id.in_(ids)).values(at=utcnow() - by)
        )
        db.session.commit()


def assert_throttled(r, low, high):
    assert r.status_code == 429
    assert low <= int(r.headers["Retry-After"]) <= high, r.headers.get("Retry-After")
    page = r.get_data(as_text=True)
    assert "Terlalu banyak percobaan masuk yang gagal dari alamat ini" in page
    assert "Silakan coba lagi dalam" in page


def test_correct_logins_never_count(app):
    for _ in range(99):
        assert login(app).status_code == 302
    assert login(app, password=WRONG).status_code == 401
    # the 101st login from this address in ten minutes: still only one failure counted
    assert login(app).status_code == 302
    assert login(app, "redaktur").status_code == 302
    assert [(f.kind, f.account) for f in failures(app)] == [("address", "admin")]


def test_the_21st_wrong_password_is_refused_with_retry_after(app):
    for _ in range(20):
        assert login(app, password=WRONG).status_code == 401
    assert_throttled(login(app, password=WRONG), 595, 600)
    # even the right password waits: the count comes before the check
    assert_throttled(login(app), 595, 600)
    # refusals are not failures: nothing more is counted
    assert len(failures(app, kind="account")) == 20
    # another address is not locked out of the account
    assert login(app, address="10.9.9.9").status_code == 302


def test_a_success_clears_the_accounts_failures_but_not_the_addresss(app):
    for _ in range(19):
        assert login(app, password=WRONG).status_code == 401
    assert login(app).status_code == 302
    assert failures(app, kind="account") == []
    assert len(failures(app, kind="address")) == 19  # the success took its own attempt back
    for _ in range(20):
        assert login(app, password=WRONG).status_code == 401
    assert_throttled(login(app, password=WRONG), 595, 600)


def test_the_address_limit_counts_failures_over_all_accounts(app_factory):
    app = app_factory(LOGIN_RATE_LIMIT_PER_ADDRESS="30 per 10 minutes")
    with app.app_context():
        load_demo(PASSWORD)
    for i in range(30):
        assert login(app, f"tebakan{i}", WRONG).status_code == 401
    assert_throttled(login(app, "tebakan-lain", WRONG), 595, 600)
    assert login(app, "admin", address="10.0.0.2").status_code == 302


def test_the_window_slides(app):
    for _ in range(20):
        assert login(app, password=WRONG).status_code == 401
    oldest = [f.id for f in failures(app, kind="account")[:5]]
    age(app, oldest, timedelta(minutes=9, seconds=30))
    # the oldest failure leaves the window first, in 30 seconds
    assert_throttled(login(app, password=WRONG), 29, 31)
    age(app, oldest, timedelta(minutes=10, seconds=1))
    for _ in range(5):  # five failures left the window: five more tries
        assert login(app, password=WRONG).status_code == 401
    assert_throttled(login(app, password=WRONG), 595, 600)
    # the failures that left the window are pruned
    assert not {f.id for f in failures(app)} & set(oldest)


def test_retry_after_waits_for_enough_failures_to_leave(app_factory):
    app = app_factory(LOGIN_RATE_LIMIT="3 per 10 minutes")
    with app.app_context():
        load_demo(PASSWORD)
    for _ in range(3):
        assert login(app, password=WRONG).status_code == 401
    first, second, third = [f.id for f in failures(app, kind="account")]
    age(app, [first], timedelta(minutes=9))
    age(app, [second], timedelta(minutes=8))
    assert_throttled(login(app, password=WRONG), 59, 61)  # the first frees a place
    app.config["LOGIN_RATE_LIMIT"] = "2 per 10 minutes"  # lowered later: two must leave
    assert_throttled(login(app, password=WRONG), 119, 121)


def test_the_limit_holds_across_two_app_instances_on_one_database(app, tmp_path):
    other = create_app(base_config(tmp_path, app.config["SQLALCHEMY_DATABASE_URI"]))
    for _ in range(10):
        assert login(app, password=WRONG).status_code == 401
        assert login(other, password=WRONG).status_code == 401
    assert_throttled(login(other, password=WRONG), 595, 600)
    assert_throttled(login(app, password=WRONG), 595, 600)
    assert login(other, address="10.0.0.3").status_code == 302
    with other.app_context():
        db.engine.dispose()


def test_a_store_inside_one_process_is_refused(tmp_path):
    config = base_config(tmp_path, f"sqlite:///{tmp_path}/x.db")
    with pytest.raises(ValueError, match="RATELIMIT_STORAGE_URI"):
        create_app({**config, "RATELIMIT_STORAGE_URI": "memory://"})


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post_login(base, password):
    data = urllib.parse.urlencode({"username": "admin", "password": password}).encode()
    request = urllib.request.Request(base + "/intranet/login", data=data, method="POST")  # noqa: S310
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=20) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def serve(app, tmp_path, name):
    """A gunicorn process of its own (a second host) on the test's database."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "WARTA_SECRET_KEY": "test-secret",
        "WARTA_SITE_URL": base,
        "WARTA_INSTANCE_PATH": str(tmp_path / name),
        "WARTA_FILES_DIR": app.config["FILES_DIR"],
        "WARTA_WTF_CSRF_ENABLED": "false",
        **{f"WARTA_{k}": str(v) for k, v in FAST_HASH.items()},
    }
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-w", "1", "-b", f"127.0.0.1:{port}"]
        + ["wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=5):  # noqa: S310 - loopback
                return proc, base
        except OSError:
            time.sleep(0.1)
    proc.terminate()
    raise AssertionError("the server did not start")


def test_two_server_processes_share_the_count(app, tmp_path):
    servers = []
    try:
        servers = [serve(app, tmp_path, "one"), serve(app, tmp_path, "two")]
        (_, one), (_, two) = servers
        codes = []
        for _ in range(15):
            codes += [post_login(one, WRONG), post_login(two, WRONG)]
        assert codes.count(401) == 20 and codes.count(429) == 10
        assert post_login(one, PASSWORD) == 429
    finally:
        for proc, _ in servers:
            proc.terminate()
            proc.wait(10)


@pytest.fixture
def redis_url():
    """A Redis database for the test, skipped when no Redis is reachable."""
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {url}")
    yield url
    for key in client.scan_iter("warta:login:*"):
        client.delete(key)
    client.close()


@pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="the Redis store is the same on every database")
def test_the_redis_store_counts_only_failures_across_apps(app_factory, tmp_path, redis_url):
    app = app_factory(RATELIMIT_STORAGE_URI=redis_url)
    with app.app_context():
        load_demo(PASSWORD)
    other = create_app(
        {
            **base_config(tmp_path, app.config["SQLALCHEMY_DATABASE_URI"]),
            "RATELIMIT_STORAGE_URI": redis_url,
        }
    )
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.7"
    for _ in range(30):
        assert login(app, address=address).status_code == 302
    for _ in range(19):
        assert login(app, password=WRONG, address=address).status_code == 401
    assert login(other, address=address).status_code == 302  # clears the account's failures
    for _ in range(10):
        assert login(app, password=WRONG, address=address).status_code == 401
        assert login(other, password=WRONG, address=address).status_code == 401
    assert_throttled(login(other, password=WRONG, address=address), 595, 600)
    assert_throttled(login(app, address=address), 595, 600)
    assert failures(app) == []  # nothing went to the database
    with other.app_context():
        db.engine.dispose()


def test_guessing_the_current_password_on_the_account_page_is_throttled(app_factory):
    """A hijacked session must not guess the password without limit at /intranet/akun."""
    app = app_factory(LOGIN_RATE_LIMIT="3 per 10 minutes")
    with app.app_context():
        load_demo(PASSWORD)
    c = app.test_client()
    c.post("/intranet/login", data={"username": "admin", "password": PASSWORD})
    new = "kata-sandi-baru-123"
    data = {"current_password": WRONG, "new_password": new, "confirm_password": new}
    for _ in range(3):
        r = c.post("/intranet/akun", data=data)
        assert r.status_code == 400 and "Kata sandi saat ini salah" in r.get_data(as_text=True)
    r = c.post("/intranet/akun", data={**data, "current_password": PASSWORD})
    assert_throttled(r, 595, 600)  # even the right one waits: the guesses are counted
    assert login(app, password=new, address="10.0.0.9").status_code == 401  # nothing changed
    assert len(failures(app, kind="account", account="admin", address="127.0.0.1")) == 3


def test_simultaneous_correct_logins_of_one_account_all_succeed(app):
    """A Monday morning: one office address, one shared account, many tabs at once.

    Each success clears the account's count; unlocked, those deletes deadlocked each other
    on PostgreSQL and a correct login was answered 409.
    """
    import threading

    results = []

    def go():
        results.append(login(app).status_code)

    threads = [threading.Thread(target=go) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [302] * 12
    assert failures(app, kind="account", account="admin") == []
