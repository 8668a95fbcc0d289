"""Login, sessions, cookies, throttling, password hashing."""

from datetime import timedelta

from intranet.clock import today as office_today
from intranet.extensions import db
from intranet.models import TeamDecree
from intranet.models import User
from intranet.models import UserSession
from tests.conftest import PASSWORD
from tests.conftest import Auth


def get_user(app, username):
    with app.app_context():
        return db.session.execute(db.select(User).where(User.username == username)).scalar_one()


def test_login_shows_role_and_sk(client, auth):
    r = auth.login("redaktur")
    assert r.status_code == 302 and r.location.endswith("/intranet/")
    page = client.get("/intranet/").get_data(as_text=True)
    assert "Redaktur" in page
    assert "DEMO/HM.02-Kpt/3301/" in page


def test_wrong_password_is_refused_with_message(client, auth):
    r = auth.login("redaktur", "salah-sekali")
    assert r.status_code == 401
    assert "Nama pengguna atau kata sandi salah." in r.get_data(as_text=True)
    assert client.get("/intranet/").status_code == 302


def test_unknown_user_gets_the_same_message(client, auth):
    r = auth.login("tidak-ada", "apa-saja-123")
    assert r.status_code == 401
    assert "Nama pengguna atau kata sandi salah." in r.get_data(as_text=True)


def test_username_is_case_insensitive(client, auth):
    assert auth.login("  Redaktur ").status_code == 302


def test_open_redirect_after_login_is_refused(client):
    r = client.post(
        "/intranet/login?next=https://evil.example/",
        data={"username": "admin", "password": PASSWORD},
    )
    assert r.location.endswith("/intranet/")
    client.post("/intranet/logout")
    r = client.post(
        "/intranet/login?next=//evil.example", data={"username": "admin", "password": PASSWORD}
    )
    assert r.location.endswith("/intranet/")
    client.post("/intranet/logout")
    r = client.post(
        "/intranet/login?next=/intranet/tim/", data={"username": "admin", "password": PASSWORD}
    )
    assert r.location.endswith("/intranet/tim/")


def test_cookie_flags(client, auth):
    r = auth.login("admin")
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_cookie_secure_when_https(app_factory):
    app = app_factory(HTTPS=True)
    with app.app_context():
        from intranet.cli import load_demo

        load_demo(PASSWORD)
    r = Auth(app.test_client()).login("admin")
    assert "Secure" in r.headers["Set-Cookie"]
    assert r.headers["Strict-Transport-Security"].startswith("max-age=")


def test_session_id_rotates_at_login(client, auth):
    with client.session_transaction() as s:
        s["sid"] = "fixated-by-attacker"
        s["stale"] = "x"
    auth.login("admin")
    with client.session_transaction() as s:
        assert s["sid"] != "fixated-by-attacker"
        assert "stale" not in s
    first = s["sid"]
    auth.logout()
    auth.login("admin")
    with client.session_transaction() as s:
        assert s["sid"] != first


def _cookie(client):
    return client.get_cookie("warta_session").value


def test_logout_ends_the_session_on_the_server(app, client, auth):
    auth.login("admin")
    stolen = _cookie(client)
    auth.logout()
    replay = app.test_client()
    replay.set_cookie("warta_session", stolen)
    r = replay.get("/intranet/")
    assert r.status_code == 302 and "/intranet/login" in r.location
    with app.app_context():
        row = db.session.execute(db.select(UserSession)).scalars().first()
        assert row.ended_at is not None and row.end_reason == "logout"


def test_deactivation_ends_sessions_and_blocks_login(app, login):
    victim = login("penulis")
    assert victim.get("/intranet/").status_code == 200
    admin = login("admin")
    uid = get_user(app, "penulis").id
    r = admin.post(
        f"/intranet/admin/pengguna/{uid}/status", data={"version": get_user(app, "penulis").version}
    )
    assert r.status_code == 302
    assert victim.get("/intranet/").status_code == 302
    r = Auth(app.test_client()).login("penulis")
    assert r.status_code == 401
    assert "dinonaktifkan" in r.get_data(as_text=True)
    # and back again
    admin.post(
        f"/intranet/admin/pengguna/{uid}/status", data={"version": get_user(app, "penulis").version}
    )
    assert Auth(app.test_client()).login("penulis").status_code == 302


def test_password_change_ends_other_sessions(app, login):
    here = login("penulis")
    elsewhere = login("penulis")
    r = here.post(
        "/intranet/akun",
        data={
            "current_password": PASSWORD,
            "new_password": "baru-sekali-2026",
            "confirm_password": "baru-sekali-2026",
        },
    )
    assert r.status_code == 302
    assert here.get("/intranet/").status_code == 200
    assert elsewhere.get("/intranet/").status_code == 302
    assert Auth(app.test_client()).login("penulis").status_code == 401
    assert Auth(app.test_client()).login("penulis", "baru-sekali-2026").status_code == 302


def test_admin_password_reset_ends_all_sessions(app, login):
    victim = login("penulis")
    admin = login("admin")
    u = get_user(app, "penulis")
    r = admin.post(
        f"/intranet/admin/pengguna/{u.id}/sandi",
        data={
            "version": u.version,
            "new_password": "sandi-baru-99",
            "confirm_password": "sandi-baru-99",
        },
    )
    assert r.status_code == 302
    assert victim.get("/intranet/").status_code == 302
    assert Auth(app.test_client()).login("penulis", "sandi-baru-99").status_code == 302


def test_password_change_refusals(login):
    c = login("penulis")
    cases = [
        (
            {
                "current_password": "salah",
                "new_password": "baru-sekali-2026",
                "confirm_password": "baru-sekali-2026",
            },
            "Kata sandi saat ini salah.",
        ),
        (
            {"current_password": PASSWORD, "new_password": "pendek", "confirm_password": "pendek"},
            "minimal 10 karakter",
        ),
        (
            {
                "current_password": PASSWORD,
                "new_password": "aaaaaaaaaaaa",
                "confirm_password": "aaaaaaaaaaaa",
            },
            "terlalu mudah ditebak",
        ),
        (
            {
                "current_password": PASSWORD,
                "new_password": "baru-sekali-2026",
                "confirm_password": "lain-sekali-2026",
            },
            "Kedua kata sandi tidak sama.",
        ),
        (
            {
                "current_password": PASSWORD,
                "new_password": "x" * 200,
                "confirm_password": "x" * 200,
            },
            "Maksimal 128 karakter.",
        ),
        (
            {
                "current_password": PASSWORD,
                "new_password": "Penulis",
                "confirm_password": "Penulis",
            },
            "minimal",
        ),
    ]
    for data, message in cases:
        r = c.post("/intranet/akun", data=data)
        assert r.status_code == 400
        assert message in r.get_data(as_text=True), data
    assert c.post("/intranet/logout").status_code == 302  # the old password still works
    assert Auth(c).login("penulis").status_code == 302


def test_login_is_throttled_after_20_wrong_attempts(client, auth):
    for _ in range(20):
        assert auth.login("admin", "salah-salah").status_code == 401
    r = auth.login("admin", "salah-salah")
    assert r.status_code == 429
    assert "Terlalu banyak percobaan" in r.get_data(as_text=True)
    # even the right password waits until the window passes
    assert auth.login("admin").status_code == 429


def test_throttle_per_account_leaves_colleagues_alone(client, auth):
    for _ in range(21):
        auth.login("admin", "salah-salah")
    assert auth.login("admin", "salah-salah").status_code == 429
    assert auth.login("redaktur").status_code == 302


def test_address_throttle_catches_guessing_across_accounts(app_factory):
    app = app_factory(LOGIN_RATE_LIMIT_PER_ADDRESS="30 per 10 minutes")
    auth = Auth(app.test_client())
    for i in range(30):
        assert auth.login(f"tebakan{i}", "salah-salah").status_code == 401
    assert auth.login("tebakan-lain", "salah-salah").status_code == 429


def test_successful_logins_do_not_count_towards_the_throttle(client, auth):
    for _ in range(25):
        assert auth.login("admin").status_code == 302
        auth.logout()


def test_expired_sk_removes_the_role(app, login):
    c = login("admin")
    assert c.get("/intranet/admin/pengguna").status_code == 200
    with app.app_context():
        decree = db.session.execute(db.select(TeamDecree)).scalar_one()
        decree.valid_until = office_today() - timedelta(days=1)
        db.session.commit()
    assert c.get("/intranet/admin/pengguna").status_code == 403
    page = c.get("/intranet/").get_data(as_text=True)
    assert "belum memegang peran" in page
    assert "Kelola SK Tim" not in page  # the navigation hides what the role no longer allows


def test_sk_not_yet_in_force_gives_no_role(app):
    with app.app_context():
        decree = db.session.execute(db.select(TeamDecree)).scalar_one()
        decree.valid_from = office_today() + timedelta(days=1)
        decree.valid_until = office_today() + timedelta(days=365)
        db.session.commit()
        user = db.session.execute(
            db.select(User).where(User.username == "koordinator")
        ).scalar_one()
        assert user.roles() == set()
        assert user.roles(on=office_today() + timedelta(days=2)) == {"koordinator"}


def test_argon2id_parameters_and_rehash(app_factory):
    app = app_factory(ARGON2_TIME_COST=3, ARGON2_MEMORY_COST=65536, ARGON2_PARALLELISM=4)
    with app.app_context():
        from argon2 import PasswordHasher
        from argon2 import Type

        from intranet import security

        fresh = security.hash_password("sandi-yang-kuat")
        assert fresh.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
        old = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, type=Type.ID).hash(PASSWORD)
        db.session.add(User(username="lama", full_name="Akun Lama", password_hash=old))
        db.session.commit()
    r = Auth(app.test_client()).login("lama")
    assert r.status_code == 302
    with app.app_context():
        user = db.session.execute(db.select(User).where(User.username == "lama")).scalar_one()
        assert user.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_default_argon2_parameters_are_rfc9106():
    from intranet.security import ARGON2_DEFAULTS

    assert ARGON2_DEFAULTS == {"time_cost": 3, "memory_cost": 65536, "parallelism": 4}


def test_password_equal_to_username_is_refused(app, login):
    admin = login("admin")
    admin.post(
        "/intranet/admin/pengguna",
        data={
            "username": "sitiaminah01",
            "full_name": "Siti",
            "new_password": "sandi-awal-2026",
            "confirm_password": "sandi-awal-2026",
        },
    )
    c = app.test_client()
    assert Auth(c).login("sitiaminah01", "sandi-awal-2026").status_code == 302
    r = c.post(
        "/intranet/akun",
        data={
            "current_password": "sandi-awal-2026",
            "new_password": "SitiAminah01",
            "confirm_password": "SitiAminah01",
        },
    )
    assert r.status_code == 400
    assert "tidak boleh sama dengan nama pengguna" in r.get_data(as_text=True)


def test_a_burst_of_simultaneous_guesses_is_still_throttled(app):
    import threading

    codes = []

    def guess():
        codes.append(Auth(app.test_client()).login("admin", "salah-salah").status_code)

    threads = [threading.Thread(target=guess) for _ in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes.count(401) == 20 and codes.count(429) == 20


def test_throttle_uses_the_client_address_behind_a_proxy(app_factory):
    from intranet.cli import load_demo

    app = app_factory(PROXY_FIX_X_FOR=1)
    with app.app_context():
        load_demo(PASSWORD)

    def attempt(address, password="salah-salah"):  # noqa: S107
        c = app.test_client()
        return c.post(
            "/intranet/login",
            data={"username": "admin", "password": password},
            headers={"X-Forwarded-For": address},
        )

    for _ in range(20):
        assert attempt("10.1.1.1").status_code == 401
    assert attempt("10.1.1.1").status_code == 429
    assert attempt("10.1.1.2", PASSWORD).status_code == 302  # a colleague is not locked out


def test_successful_login_clears_the_account_count(client, auth):
    for _ in range(19):
        auth.login("admin", "salah-salah")
    assert auth.login("admin").status_code == 302
    auth.logout()
    for _ in range(19):
        assert auth.login("admin", "salah-salah").status_code == 401
