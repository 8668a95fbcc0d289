"""Web sizes of photos: srcset at a few widths in WebP and a fallback, content-addressed and
kept a year; rotation made from the original, which stays byte for byte as uploaded."""

import hashlib
import io
import re
from pathlib import Path

from PIL import Image

from intranet.extensions import db
from intranet.models import Photo
from intranet.services.photos import rendition_widths
from tests.fixtures.scenarios import build_published
from tests.intranet.test_photos import upload_photo
from tests.intranet.test_trail import put_case_at


def jpeg(size):
    buf = io.BytesIO()
    Image.new("RGB", size, (30, 90, 160)).save(buf, "JPEG", quality=90)
    return buf.getvalue()


def stored(app, sha):
    return (Path(app.config["FILES_DIR"]) / sha[:2] / sha).read_bytes()


def big_cover(app, login, cid, size=(3000, 2000)):
    """A large photo uploaded at step 6 and made the cover; its id."""
    put_case_at(app, cid, 6)
    c = login("penulis")
    assert upload_photo(c, cid, jpeg(size), name="besar.jpg").status_code == 302
    with app.app_context():
        pid = db.session.execute(
            db.select(Photo.id).where(Photo.filename == "besar.jpg")
        ).scalar_one()
    r = c.post(f"/intranet/naskah/{cid}/foto/{pid}/atur", data={"what": "cover"})
    assert r.status_code == 302
    return c, pid


def test_widths():
    def photo(width):
        return Photo(width=width, height=100)

    assert rendition_widths(photo(6000)) == [480, 960, 1600]
    assert rendition_widths(photo(1600)) == [480, 960, 1600]
    assert rendition_widths(photo(1200)) == [480, 960, 1200]
    assert rendition_widths(photo(480)) == [480]
    assert rendition_widths(photo(300)) == [300]


def test_public_page_uses_srcset_never_the_upload(app, login, scenario):
    cid = scenario["case_id"]
    _c, pid = big_cover(app, login, cid)
    slug = build_published(app, cid)
    with app.app_context():
        photo = db.session.get(Photo, pid)
        key = photo.sha256[:16]
    client = app.test_client()
    page = client.get(f"/berita/{slug}").get_data(as_text=True)
    cover = re.search(r'<figure class="cover">(.*?)</figure>', page, re.S).group(1)
    base = f"/media/foto/{pid}/{key}"
    assert f'srcset="{base}/480.webp 480w, {base}/960.webp 960w, {base}/1600.webp 1600w"' in cover
    assert f"{base}/480.jpg 480w, {base}/960.jpg 960w, {base}/1600.jpg 1600w" in cover
    assert f'src="{base}/960.jpg"' in cover and 'sizes="' in cover
    assert "/penuh" not in cover
    assert f'content="http://localhost/media/foto/{pid}/{key}/1600.jpg"' in page  # og:image
    feed = client.get("/feed.json").json
    attachment = feed["items"][0]["attachments"][0]
    assert attachment["url"] == f"http://localhost{base}/1600.jpg"
    assert attachment["mime_type"] == "image/jpeg" and 0 < attachment["size_in_bytes"]
    home = client.get("/").get_data(as_text=True)
    assert f"{base}/480.webp 480w" in home  # the card
    for width, fmt, mimetype in ((480, "webp", "image/webp"), (1600, "jpg", "image/jpeg")):
        r = client.get(f"{base}/{width}.{fmt}")
        assert r.status_code == 200 and r.mimetype == mimetype
        # an hour: a withdrawn article's photos leave shared caches soon (never "immutable")
        assert r.headers["Cache-Control"] == "public, max-age=3600"
        with Image.open(io.BytesIO(r.data)) as img:
            assert img.size == (width, round(2000 * width / 3000))
        r.close()
    again = client.get(f"{base}/480.webp")  # from the cache: the same bytes
    assert again.status_code == 200
    again.close()
    for bad in (
        f"/media/foto/{pid}/{'0' * 16}/480.webp",  # a stale key
        f"{base}/500.webp",  # not one of its widths
        f"{base}/480.png",  # not its fallback format
        f"{base}/480.gif",
    ):
        assert client.get(bad).status_code == 404, bad


def test_unpublished_photo_has_no_public_rendition(app, login, scenario):
    cid = scenario["case_id"]
    _c, pid = big_cover(app, login, cid, size=(1000, 800))
    with app.app_context():
        key = db.session.get(Photo, pid).sha256[:16]
    assert app.test_client().get(f"/media/foto/{pid}/{key}/480.webp").status_code == 404


def test_rotation_is_applied_to_the_copies_never_to_the_original(app, login, scenario):
    cid = scenario["case_id"]
    c, pid = big_cover(app, login, cid, size=(1200, 800))
    with app.app_context():
        p = db.session.get(Photo, pid)
        original, clean, thumb = p.original_sha256, p.sha256, p.thumb_sha256
    before = hashlib.sha256(stored(app, original)).hexdigest()
    assert before == original
    r = c.post(f"/intranet/naskah/{cid}/foto/{pid}/atur", data={"what": "rotate_right"})
    assert r.status_code == 302
    with app.app_context():
        p = db.session.get(Photo, pid)
        assert p.rotation == 90 and (p.width, p.height) == (800, 1200)
        assert p.original_sha256 == original and p.sha256 != clean and p.thumb_sha256 != thumb
        turned = p.sha256
    assert hashlib.sha256(stored(app, original)).hexdigest() == before  # untouched
    with Image.open(io.BytesIO(stored(app, turned))) as img:
        assert img.size == (800, 1200)
    # the replaced copies are gone, the original is not
    assert not (Path(app.config["FILES_DIR"]) / clean[:2] / clean).exists()
    for what, rotation in (("rotate_left", 0), ("rotate_left", 270), ("rotate_left", 180)):
        c.post(f"/intranet/naskah/{cid}/foto/{pid}/atur", data={"what": what})
        with app.app_context():
            assert db.session.get(Photo, pid).rotation == rotation
    with app.app_context():
        p = db.session.get(Photo, pid)
        assert (p.width, p.height) == (1200, 800)
    assert hashlib.sha256(stored(app, original)).hexdigest() == before
    # the published renditions follow the rotation
    slug = build_published(app, cid)
    with app.app_context():
        p = db.session.get(Photo, pid)
        key = p.sha256[:16]
    page = app.test_client().get(f"/berita/{slug}").get_data(as_text=True)
    assert f"/media/foto/{pid}/{key}/960.webp 960w" in page
    r = app.test_client().get(f"/media/foto/{pid}/{key}/480.jpg")
    with Image.open(io.BytesIO(r.data)) as img:
        assert img.size == (480, 320)
    r.close()
