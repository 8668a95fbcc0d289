"""Step 6: photos with caption, credit and alt text; no location in what is published."""

import io
from datetime import date
from pathlib import Path

import pytest
from PIL import ExifTags
from PIL import Image

from intranet.extensions import db
from intranet.models import Case
from intranet.models import Photo
from tests.app.test_csrf import snapshot
from tests.fixtures.files import image_bytes
from tests.fixtures.files import pdf_bytes
from tests.fixtures.files import photo_with_gps
from tests.fixtures.files import pixel_flood_png
from tests.intranet.test_article import ARTICLE
from tests.intranet.test_trail import put_case_at

META = {
    "caption": "Siswa SMA Negeri 1 Cilacap menyimak materi",
    "credit": "Humas KPU Cilacap",
    "alt": "Siswa duduk di aula sekolah mendengarkan narasumber",
    "taken_on": "",
}


def stored(app, sha):
    return (Path(app.config["FILES_DIR"]) / sha[:2] / sha).read_bytes()


def upload_photo(client, cid, data=None, name="kegiatan.jpg", **meta):
    return client.post(
        f"/intranet/naskah/{cid}/foto",
        data={**META, **meta, "photo": (io.BytesIO(data or photo_with_gps()), name)},
        content_type="multipart/form-data",
    )


def test_photo_without_location_with_thumbnail_and_original_kept(app, login, scenario):
    cid = scenario["case_id"]
    put_case_at(app, cid, 6)
    c = login("penulis")
    raw = photo_with_gps()
    assert upload_photo(c, cid, raw).status_code == 302
    with app.app_context():
        p = db.session.execute(
            db.select(Photo).where(Photo.filename == "kegiatan.jpg")
        ).scalar_one()
        assert p.taken_on == date(2026, 11, 20) and p.had_location
        assert stored(app, p.original_sha256) == raw  # the original, as uploaded, for the archive
        with Image.open(io.BytesIO(stored(app, p.sha256))) as clean:
            exif = clean.getexif()
            assert not exif.get_ifd(ExifTags.IFD.GPSInfo) and clean.size == (800, 600)
        with Image.open(io.BytesIO(stored(app, p.thumb_sha256))) as thumb:
            assert max(thumb.size) <= 480
        pid = p.id
    r = c.get(f"/intranet/naskah/{cid}/foto/{pid}")
    assert r.mimetype == "image/jpeg" and r.data == stored(app, p.sha256)
    r.close()
    r = c.get(f"/intranet/naskah/{cid}/foto/{pid}/kecil")
    assert r.status_code == 200 and r.mimetype == "image/jpeg"
    r.close()
    page = c.get(f"/intranet/naskah/{cid}/foto").get_data(as_text=True)
    assert "data lokasi GPS dihapus" in page and META["caption"] in page


def test_order_cover_and_removal(app, login, scenario):
    cid = scenario["case_id"]
    put_case_at(app, cid, 6)
    c = login("penulis")
    for i in range(2):
        assert (
            upload_photo(
                c,
                cid,
                image_bytes("PNG", size=(300 + i, 200)),
                name=f"f{i}.png",
                caption=f"Foto {i}",
            ).status_code
            == 302
        )
    with app.app_context():
        rows = (
            db.session.execute(
                db.select(Photo).where(Photo.case_id == cid).order_by(Photo.position)
            )
            .scalars()
            .all()
        )
        ids = [p.id for p in rows]
        assert [p.is_cover for p in rows] == [True, False, False]
    assert (
        c.post(f"/intranet/naskah/{cid}/foto/{ids[2]}/atur", data={"what": "up"}).status_code == 302
    )
    assert (
        c.post(f"/intranet/naskah/{cid}/foto/{ids[2]}/atur", data={"what": "cover"}).status_code
        == 302
    )
    with app.app_context():
        rows = (
            db.session.execute(
                db.select(Photo).where(Photo.case_id == cid).order_by(Photo.position)
            )
            .scalars()
            .all()
        )
        assert [p.id for p in rows] == [ids[0], ids[2], ids[1]]
        assert [p.is_cover for p in rows] == [False, True, False]
        gone = (rows[1].sha256, rows[1].thumb_sha256)
    # removing asks first (a confirmation step without the page's script), changing nothing
    before = snapshot(app)
    r = c.post(f"/intranet/naskah/{cid}/foto/{ids[2]}/atur", data={"what": "remove"})
    assert r.status_code == 200 and "Hapus foto ini?" in r.get_data(as_text=True)
    assert snapshot(app) == before
    assert (
        c.post(
            f"/intranet/naskah/{cid}/foto/{ids[2]}/atur", data={"what": "remove", "confirm": "1"}
        ).status_code
        == 302
    )
    with app.app_context():
        rows = (
            db.session.execute(
                db.select(Photo).where(Photo.case_id == cid).order_by(Photo.position)
            )
            .scalars()
            .all()
        )
        assert [p.id for p in rows] == [ids[0], ids[1]] and rows[0].is_cover
    for sha in gone:
        assert not (Path(app.config["FILES_DIR"]) / sha[:2] / sha).exists()
    r = c.post(f"/intranet/naskah/{cid}/foto/{ids[0]}/atur", data={"what": "putar"})
    assert r.status_code == 400 and "Tindakan tidak dikenal" in r.get_data(as_text=True)


def test_step_six_needs_a_captioned_photo(app, login, scenario):
    cid = scenario["case_id"]
    with app.app_context():
        db.session.execute(db.delete(Photo))
        db.session.commit()
    put_case_at(app, cid, 6)
    c = login("penulis")
    r = c.post(f"/intranet/naskah/{cid}/putuskan", data={"action": "complete"})
    assert r.status_code == 400 and "minimal satu foto" in r.get_data(as_text=True)
    assert upload_photo(c, cid).status_code == 302
    assert (
        c.post(f"/intranet/naskah/{cid}/putuskan", data={"action": "complete"}).status_code == 302
    )
    with app.app_context():
        assert db.session.get(Case, cid).step == 7


@pytest.mark.parametrize(
    "who,step,data,name,meta,status,message",
    [
        ("redaktur", 6, None, "a.jpg", {}, 400, "hanya dapat dikerjakan oleh"),
        ("penulis", 3, None, "a.jpg", {}, 400, "tidak dapat diubah"),
        ("penulis", 6, None, "a.jpg", {"taken_on": "kemarin"}, 400, "Tanggal tidak valid"),
        ("penulis", 6, pdf_bytes(), "a.pdf", {}, 400, "Jenis berkas tidak diizinkan."),
        (
            "penulis",
            6,
            b'<svg onload="alert(1)"/>',
            "a.jpg",
            {},
            400,
            "Jenis berkas tidak diizinkan.",
        ),
        (
            "penulis",
            6,
            b"<html><script>x</script>",
            "a.png",
            {},
            400,
            "Jenis berkas tidak diizinkan.",
        ),
        ("penulis", 6, pixel_flood_png(), "bom.png", {}, 400, "piksel"),
        ("penulis", 6, image_bytes("PNG"), "a.jpg", {}, 400, "tidak sesuai"),
        ("penulis", 6, image_bytes("JPEG"), "../../x", {}, 400, "Nama berkas tidak valid."),
    ],
)
def test_photo_refusals(app, login, scenario, who, step, data, name, meta, status, message):
    cid = scenario["case_id"]
    put_case_at(app, cid, step)
    c = login(who)
    before = snapshot(app)
    r = upload_photo(c, cid, data, name, **meta)
    assert r.status_code == status
    assert message in r.get_data(as_text=True)
    assert snapshot(app) == before


def test_articles_may_show_only_their_own_photos(app, login, scenario):
    from tests.fixtures.scenarios import build_scenario

    cid, pid = scenario["case_id"], scenario["photo_id"]
    other = build_scenario(app)
    put_case_at(app, cid, 5)
    body = (
        f'<p>Teks</p><p><img src="/intranet/naskah/{cid}/foto/{pid}" alt="ok"></p>'
        f'<p><img src="/intranet/naskah/{other["case_id"]}/foto/{other["photo_id"]}" alt="milik naskah lain"></p>'
        '<p><img src="https://evil.example/pixel.gif"></p>'
    )
    c = login("penulis")
    assert (
        c.post(
            f"/intranet/naskah/{cid}/tulis",
            data={**ARTICLE, "body_html": body, "accept_drops": "y"},
        ).status_code
        == 302
    )
    with app.app_context():
        from intranet.services.articles import latest_revision

        html = latest_revision(db.session.get(Case, cid)).body_html
    assert f'src="/intranet/naskah/{cid}/foto/{pid}"' in html
    assert "milik naskah lain" not in html and "evil.example" not in html
    editor = c.get(f"/intranet/naskah/{cid}/tulis").get_data(as_text=True)
    # the editor's photo picker offers the case's own photos only
    assert f'data-src="/intranet/naskah/{cid}/foto/{pid}"' in editor
    assert f'data-src="/intranet/naskah/{other["case_id"]}/' not in editor


def test_photo_of_another_case_is_404(app, login, scenario):
    from tests.fixtures.scenarios import build_scenario

    other = build_scenario(app)
    c = login("penulis")
    assert (
        c.get(f"/intranet/naskah/{scenario['case_id']}/foto/{other['photo_id']}").status_code == 404
    )
    assert (
        c.post(
            f"/intranet/naskah/{scenario['case_id']}/foto/{other['photo_id']}/atur",
            data={"what": "remove"},
        ).status_code
        == 404
    )


def test_photos_per_case_are_capped(app, login, scenario, monkeypatch):
    from intranet.services import photos

    monkeypatch.setattr(photos, "MAX_PHOTOS", 1)
    cid = scenario["case_id"]
    put_case_at(app, cid, 6)
    r = upload_photo(login("penulis"), cid)
    assert r.status_code == 400 and "Sudah 1 foto" in r.get_data(as_text=True)
