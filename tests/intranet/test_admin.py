"""Admin screens: accounts, SK Tim with its scan, memberships; every bad input refused cleanly."""

import io
from pathlib import Path

import pytest

from intranet.clock import today as office_today
from intranet.extensions import db
from intranet.models import Membership
from intranet.models import TeamDecree
from intranet.models import User
from tests.app.test_csrf import snapshot
from tests.fixtures.files import HOSTILE_SCANS
from tests.fixtures.files import image_bytes
from tests.fixtures.files import pdf_bytes

GOOD_USER = {
    "username": "siti.aminah",
    "full_name": "Siti Aminah, S.Sos",
    "nip": "198501012010012001",
    "email": "siti@kpu-cilacapkab.go.id",
    "new_password": "sandi-siti-2026",
    "confirm_password": "sandi-siti-2026",
}


def decree_form(**overrides):
    data = {
        "number": "12/HM.02-Kpt/3301/2026",
        "decree_date": "2026-01-05",
        "title": "Pembentukan Tim Pengelola Website",
        "valid_from": "2026-01-01",
        "valid_until": "2099-12-31",
        "signed_by": "Ketua KPU Kabupaten Cilacap",
        "scan": (io.BytesIO(pdf_bytes()), "SK Tim 2026.pdf"),
    }
    data.update(overrides)
    return data


@pytest.fixture
def admin(login):
    return login("admin")


def test_create_user_then_appoint_under_a_new_sk(app, admin, login):
    r = admin.post("/intranet/admin/pengguna", data=GOOD_USER)
    assert r.status_code == 302
    r = admin.post("/intranet/admin/sk", data=decree_form(), content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)
    with app.app_context():
        d = db.session.execute(
            db.select(TeamDecree).where(TeamDecree.number.like("12/%"))
        ).scalar_one()
        siti = db.session.execute(
            db.select(User).where(User.username == "siti.aminah")
        ).scalar_one()
        assert d.scan_mimetype == "application/pdf" and d.scan_filename == "SK_Tim_2026.pdf"
        stored = Path(app.config["FILES_DIR"]) / d.scan_sha256[:2] / d.scan_sha256
        assert stored.read_bytes() == pdf_bytes()
        decree_id, siti_id, version = d.id, siti.id, d.version
    r = admin.post(
        f"/intranet/admin/sk/{decree_id}/anggota",
        data={"user_id": siti_id, "role": "penulis", "position": "Anggota", "version": version},
    )
    assert r.status_code == 302
    # an account the admin made themself gives its role once the PJ confirms
    with app.app_context():
        mid = db.session.execute(
            db.select(Membership.id).where(Membership.user_id == siti_id)
        ).scalar_one()
    r = login("penanggungjawab").post(f"/intranet/tim/sk/{decree_id}/anggota/{mid}/konfirmasi")
    assert r.status_code == 302
    siti = app.test_client()
    siti.post("/intranet/login", data={"username": "siti.aminah", "password": "sandi-siti-2026"})
    page = siti.get("/intranet/").get_data(as_text=True)
    assert "Penulis Artikel/Berita" in page and "12/HM.02-Kpt/3301/2026" in page
    team = login("koordinator").get("/intranet/tim/").get_data(as_text=True)
    assert "Siti Aminah, S.Sos" in team
    scan = login("penulis").get(f"/intranet/tim/sk/{decree_id}/pindaian")
    assert scan.status_code == 200 and scan.data == pdf_bytes()
    assert scan.headers["Content-Type"] == "application/pdf"
    assert scan.headers["Content-Disposition"].startswith("attachment")
    scan.close()


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("username", "", "Wajib diisi."),
        ("username", "ab", "Panjang 3–64 karakter."),
        ("username", "a" * 65, "Panjang 3–64 karakter."),
        ("username", "<script>", "Hanya huruf, angka"),
        ("username", "siti aminah", "Hanya huruf, angka"),
        ("username", "ṡiti", "Hanya huruf, angka"),
        ("username", "redaktur", "sudah dipakai"),
        ("username", "REDAKTUR", "sudah dipakai"),
        ("full_name", "", "Wajib diisi."),
        ("full_name", "x" * 121, "Maksimal 120 karakter."),
        ("full_name", "Siti\x00Aminah", "tidak diizinkan"),
        ("nip", "19850101abc", "NIP hanya berisi angka."),
        ("email", "bukan-surel", "Alamat surel tidak valid."),
        ("new_password", "pendek", "minimal 10 karakter"),
        ("confirm_password", "lain-lainnya", "Kedua kata sandi tidak sama."),
    ],
)
def test_create_user_bad_input(app, admin, field, value, message):
    before = snapshot(app)
    r = admin.post("/intranet/admin/pengguna", data={**GOOD_USER, field: value})
    assert r.status_code == 400
    assert message in r.get_data(as_text=True)
    assert snapshot(app) == before


def test_html_in_names_is_shown_as_text(app, admin):
    r = admin.post(
        "/intranet/admin/pengguna",
        data={**GOOD_USER, "full_name": '<img src=x onerror="alert(1)">'},
    )
    assert r.status_code == 302
    page = admin.get("/intranet/admin/pengguna").get_data(as_text=True)
    assert '<img src=x onerror="alert(1)">' not in page
    assert "&lt;img src=x onerror=" in page


def test_unicode_names_are_kept(app, admin):
    r = admin.post(
        "/intranet/admin/pengguna", data={**GOOD_USER, "full_name": "Ngadimin Ḍarmawan 🌾"}
    )
    assert r.status_code == 302
    assert "Ngadimin Ḍarmawan 🌾" in admin.get(r.location).get_data(as_text=True)


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"number": ""}, "Wajib diisi."),
        ({"number": "x" * 121}, "Maksimal 120 karakter."),
        ({"title": ""}, "Wajib diisi."),
        ({"signed_by": "y" * 201}, "Maksimal 200 karakter."),
        ({"decree_date": ""}, "Wajib diisi."),
        ({"decree_date": "2026-13-45"}, "Tanggal tidak valid"),
        ({"valid_from": "kemarin"}, "Tanggal tidak valid"),
        ({"valid_until": "2025-01-01"}, "Tanggal akhir tidak boleh sebelum tanggal mulai."),
        ({"scan": (io.BytesIO(b""), "")}, "Unggah pindaian SK."),
        ({"number": "DEMO/HM.02-Kpt/3301/2026"}, "sudah tercatat"),
    ],
)
def test_record_decree_bad_input(app, admin, overrides, message):
    before = snapshot(app)
    if "DEMO" in overrides.get("number", ""):
        overrides = {"number": f"DEMO/HM.02-Kpt/3301/{office_today().year}"}
    r = admin.post(
        "/intranet/admin/sk", data=decree_form(**overrides), content_type="multipart/form-data"
    )
    assert r.status_code == 400
    assert message in r.get_data(as_text=True)
    assert snapshot(app) == before


@pytest.mark.parametrize("name,data,why", HOSTILE_SCANS, ids=[h[2] for h in HOSTILE_SCANS])
def test_hostile_scans_are_refused(app, admin, name, data, why):
    before = snapshot(app)
    r = admin.post(
        "/intranet/admin/sk",
        data=decree_form(scan=(io.BytesIO(data), name)),
        content_type="multipart/form-data",
    )
    assert r.status_code == 400, why
    body = r.get_data(as_text=True)
    assert any(
        m in body
        for m in (
            "Berkas kosong",
            "Jenis berkas tidak diizinkan",
            "kode aktif",
            "rusak",
            "tidak sesuai",
            "terlalu besar",
            "Unggah pindaian SK",
        )
    ), why
    assert snapshot(app) == before
    incoming = list(Path(app.config["FILES_DIR"]).glob(".incoming-*"))
    assert incoming == []


def test_oversize_scan_is_refused(app_factory):
    from intranet.cli import load_demo
    from tests.conftest import PASSWORD
    from tests.conftest import Auth

    app = app_factory(MAX_UPLOAD_BYTES=10_000)
    with app.app_context():
        load_demo(PASSWORD)
    c = app.test_client()
    Auth(c).login("admin")
    before = snapshot(app)
    big = pdf_bytes() + b"%" + b"0" * 20_000 + b"\n%%EOF\n"
    r = c.post(
        "/intranet/admin/sk",
        data=decree_form(scan=(io.BytesIO(big), "besar.pdf")),
        content_type="multipart/form-data",
    )
    assert r.status_code == 413
    assert "terlalu besar" in r.get_data(as_text=True)
    assert snapshot(app) == before


def test_request_over_the_limit_gets_413(app_factory):
    from intranet.cli import load_demo
    from tests.conftest import PASSWORD
    from tests.conftest import Auth

    app = app_factory(MAX_CONTENT_LENGTH=50_000)
    with app.app_context():
        load_demo(PASSWORD)
    c = app.test_client()
    Auth(c).login("admin")
    r = c.post(
        "/intranet/admin/sk",
        data=decree_form(scan=(io.BytesIO(b"%PDF-" + b"0" * 100_000), "a.pdf")),
        content_type="multipart/form-data",
    )
    assert r.status_code == 413
    assert "Berkas terlalu besar" in r.get_data(as_text=True)


def test_traversal_file_name_is_neutralised(app, admin):
    r = admin.post(
        "/intranet/admin/sk",
        data=decree_form(scan=(io.BytesIO(image_bytes("JPEG")), "../../../etc/passwd.jpg")),
        content_type="multipart/form-data",
    )
    assert r.status_code == 302
    with app.app_context():
        d = db.session.execute(
            db.select(TeamDecree).where(TeamDecree.number.like("12/%"))
        ).scalar_one()
        assert d.scan_filename == "passwd.jpg" and d.scan_mimetype == "image/jpeg"
    files = [p for p in Path(app.config["FILES_DIR"]).rglob("*") if p.is_file()]
    assert len(files) == 1 and files[0].name == d.scan_sha256


def test_failed_commit_leaves_no_stray_file(app, admin):
    """A decree the database refuses (a race on its number) must not leave its scan behind."""
    from intranet.services import team
    from intranet.transactions import ServiceError
    from tests.fixtures.scenarios import upload

    with app.test_request_context():
        actor = db.session.execute(db.select(User).where(User.username == "admin")).scalar_one()
        data = {k: v for k, v in decree_form().items() if k != "scan"}
        from datetime import date

        data.update(
            decree_date=date(2026, 1, 5),
            valid_from=date(2026, 1, 1),
            valid_until=date(2026, 12, 31),
        )
        # Simulate the race: another decree with the same number arrives between the
        # service's check and its commit (written in the same transaction, so that SQLite,
        # which serialises writers, can show it too).
        from sqlalchemy import event

        done = []

        def sneak_in(session, flush_context, instances):
            if done:
                return
            done.append(True)
            session.connection().execute(
                TeamDecree.__table__.insert().values(
                    number=data["number"],
                    decree_date=date(2026, 1, 1),
                    title="x",
                    valid_from=date(2026, 1, 1),
                    valid_until=date(2026, 1, 2),
                    signed_by="x",
                    created_at=date(2026, 1, 1),
                    version=1,
                )
            )

        event.listen(db.session.registry(), "before_flush", sneak_in)
        try:
            with pytest.raises(ServiceError, match="sudah tercatat"):
                team.record_decree(data, upload(image_bytes("PNG"), "scan.png"), actor)
        finally:
            event.remove(db.session.registry(), "before_flush", sneak_in)
        assert done
    files = [p for p in Path(app.config["FILES_DIR"]).rglob("*") if p.is_file()]
    assert files == []


@pytest.mark.parametrize(
    "data,message,status",
    [
        ({"user_id": "999999", "role": "penulis"}, "Pilihan tidak valid.", 400),
        ({"user_id": "abc", "role": "penulis"}, "Pilihan tidak valid.", 400),
        ({"role": "penulis"}, "Wajib dipilih.", 400),
        ({"user_id": "__USER__", "role": "raja"}, "Pilihan tidak valid.", 400),
        ({"user_id": "__USER__", "role": "redaktur"}, "sudah memegang peran itu", 400),
        (
            {"user_id": "__USER__", "role": "penulis", "position": "p" * 201},
            "Maksimal 200 karakter.",
            400,
        ),
        (
            {"user_id": "__USER__", "role": "penulis", "version": "0"},
            "sudah diubah orang lain",
            409,
        ),
        (
            {"user_id": "__USER__", "role": "penulis", "version": "bukan-angka"},
            "Harus berupa bilangan bulat.",
            400,
        ),
    ],
)
def test_add_member_bad_input(app, admin, data, message, status):
    with app.app_context():
        d = db.session.execute(db.select(TeamDecree)).scalar_one()
        u = db.session.execute(db.select(User).where(User.username == "redaktur")).scalar_one()
        decree_id, uid = d.id, u.id
    data = {k: (str(uid) if v == "__USER__" else v) for k, v in data.items()}
    before = snapshot(app)
    r = admin.post(f"/intranet/admin/sk/{decree_id}/anggota", data=data)
    assert r.status_code == status
    assert message in r.get_data(as_text=True)
    assert snapshot(app) == before


def test_remove_member_and_stale_version(app, admin):
    with app.app_context():
        d = db.session.execute(db.select(TeamDecree)).scalar_one()
        m = db.session.execute(
            db.select(Membership).where(Membership.role == "penulis")
        ).scalar_one()
        decree_id, mid, version = d.id, m.id, d.version
    r = admin.post(f"/intranet/admin/sk/{decree_id}/anggota/{mid}/hapus", data={"version": version})
    assert r.status_code == 302
    with app.app_context():
        ended = db.session.get(Membership, mid)  # kept as history, ended today
        assert (ended.ended_on, ended.ended_by.username) == (office_today(), "admin")
        penulis = db.session.execute(db.select(User).where(User.username == "penulis")).scalar_one()
        assert penulis.roles() == set()
        m2 = db.session.execute(
            db.select(Membership).where(Membership.role == "editor")
        ).scalar_one()
    # the form loaded before that change is now stale
    r = admin.post(
        f"/intranet/admin/sk/{decree_id}/anggota/{m2.id}/hapus", data={"version": version}
    )
    assert r.status_code == 409
    assert "sudah diubah orang lain" in r.get_data(as_text=True)


def test_admin_cannot_deactivate_self(app, admin):
    with app.app_context():
        me = db.session.execute(db.select(User).where(User.username == "admin")).scalar_one()
    r = admin.post(f"/intranet/admin/pengguna/{me.id}/status", data={"version": me.version})
    assert r.status_code == 302
    assert "tidak dapat menonaktifkan akun Anda sendiri" in admin.get(r.location).get_data(
        as_text=True
    )


def test_stale_deactivation_is_a_409(app, admin):
    with app.app_context():
        u = db.session.execute(db.select(User).where(User.username == "penulis")).scalar_one()
    r = admin.post(f"/intranet/admin/pengguna/{u.id}/status", data={"version": u.version + 5})
    assert r.status_code == 409
    with app.app_context():
        assert db.session.get(User, u.id).active


@pytest.mark.parametrize("data", [{}, {"version": ""}, {"version": "x"}, {"version": "1e3"}])
def test_a_status_change_without_the_shown_version_changes_nothing(app, admin, data):
    """An empty or replayed POST used to flip the account; now it is refused, saying why."""
    with app.app_context():
        u = db.session.execute(db.select(User).where(User.username == "penulis")).scalar_one()
        uid, version = u.id, u.version
    r = admin.post(f"/intranet/admin/pengguna/{uid}/status", data=data)
    assert r.status_code == 302
    page = admin.get(r.location).get_data(as_text=True)
    assert "muat ulang" in page if not data.get("version") else 'class="flash flash-error' in page
    with app.app_context():
        u = db.session.get(User, uid)
        assert (u.active, u.version) == (True, version)


def test_unknown_ids_are_404(admin):
    assert admin.get("/intranet/admin/pengguna/99999").status_code == 404
    assert admin.get("/intranet/admin/sk/99999").status_code == 404
    assert admin.post("/intranet/admin/sk/99999/anggota", data={}).status_code == 404
    assert admin.get("/intranet/tim/sk/99999/pindaian").status_code == 404


def test_non_latin_file_name_keeps_its_extension(app, admin):
    r = admin.post(
        "/intranet/admin/sk",
        data=decree_form(scan=(io.BytesIO(pdf_bytes()), "surat keputusan 文件.pdf")),
        content_type="multipart/form-data",
    )
    assert r.status_code == 302
    r = admin.post(
        "/intranet/admin/sk",
        data=decree_form(number="13/X/2026", scan=(io.BytesIO(image_bytes("PNG")), "文件.png")),
        content_type="multipart/form-data",
    )
    assert r.status_code == 302
    with app.app_context():
        names = sorted(
            db.session.execute(
                db.select(TeamDecree.scan_filename).where(TeamDecree.scan_filename.is_not(None))
            ).scalars()
        )
    assert names == ["berkas.png", "surat_keputusan.pdf"]


def test_only_a_system_admin_creates_system_admins(app, admin):
    before = snapshot(app)
    r = admin.post("/intranet/admin/pengguna", data={**GOOD_USER, "is_system_admin": "y"})
    assert r.status_code == 400
    assert "Hanya administrator sistem" in r.get_data(as_text=True)
    assert snapshot(app) == before
    assert 'name="is_system_admin"' not in admin.get("/intranet/admin/pengguna").get_data(
        as_text=True
    )
