"""The editable list of news categories."""

import pytest

from intranet.extensions import db
from intranet.models import Category
from tests.app.test_csrf import snapshot


def test_admin_adds_renames_and_retires_categories(app, login):
    admin = login("admin")
    assert "Berita Terkini" in admin.get("/intranet/admin/kategori").get_data(as_text=True)
    assert (
        admin.post(
            "/intranet/admin/kategori", data={"name": "Pendidikan Pemilih", "active": "y"}
        ).status_code
        == 302
    )
    with app.app_context():
        c = db.session.execute(
            db.select(Category).where(Category.slug == "pendidikan-pemilih")
        ).scalar_one()
        assert c.active and c.position == 7
        opini = db.session.execute(db.select(Category).where(Category.slug == "opini")).scalar_one()
    r = admin.post(
        f"/intranet/admin/kategori/{opini.id}",
        data={"name": "Opini & Kolom", "slug": "opini", "position": "9"},
    )
    assert r.status_code == 302
    with app.app_context():
        opini = db.session.get(Category, opini.id)
        assert (opini.name, opini.active, opini.position) == ("Opini & Kolom", False, 9)
    # a retired category is no longer offered for new material
    page = login("kontributor").get("/intranet/agenda/baru").get_data(as_text=True)
    assert "Pendidikan Pemilih" in page and "Opini &amp; Kolom" not in page


@pytest.mark.parametrize(
    "data,message",
    [
        ({"name": ""}, "Wajib diisi."),
        ({"name": "x" * 121}, "Maksimal 120 karakter."),
        ({"name": "Baru", "slug": "Bukan Slug"}, "Hanya huruf kecil"),
        ({"name": "Baru", "slug": "opini"}, "sudah dipakai kategori lain"),
        ({"name": "!!!"}, "harus memuat huruf atau angka"),
        ({"name": "Baru", "position": "dua"}, "bilangan bulat"),
    ],
)
def test_category_refusals(app, login, data, message):
    admin = login("admin")
    before = snapshot(app)
    r = admin.post("/intranet/admin/kategori", data=data)
    assert r.status_code == 400 and message in r.get_data(as_text=True)
    assert snapshot(app) == before
