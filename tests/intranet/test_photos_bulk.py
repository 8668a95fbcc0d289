"""Photos in bulk (step 6): many files at once, each kept or refused on its own; the texts in
a grid afterwards; reorder, rotate and remove (after a confirmation); save and hand on."""

import io
import re
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.datastructures import MultiDict
from werkzeug.test import encode_multipart

from intranet.extensions import db
from intranet.models import Case
from intranet.models import Photo
from intranet.services.photos import MAX_AT_ONCE
from tests.app.test_csrf import snapshot
from tests.fixtures.files import image_bytes
from tests.fixtures.files import pdf_bytes
from tests.intranet.test_trail import put_case_at

JSON = {"Accept": "application/json"}


def stored_files(app):
    return sorted(p.name for p in Path(app.config["FILES_DIR"]).rglob("*") if p.is_file())


def case_photos(app, cid):
    with app.app_context():
        rows = (
            db.session.execute(
                db.select(Photo).where(Photo.case_id == cid).order_by(Photo.position, Photo.id)
            )
            .scalars()
            .all()
        )
        db.session.expunge_all()
        return rows


def post_files(client, cid, files, headers=None, **fields):
    """Post ``files`` as the form does; the body is built in memory (the test client would
    spool a large one to a temporary file it never closes)."""
    values = MultiDict(fields)
    for name, data in files:
        values.add("photo", FileStorage(io.BytesIO(data), filename=name))
    boundary, body = encode_multipart(values)
    return client.post(
        f"/intranet/naskah/{cid}/foto",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers=headers or {},
    )


def good(i):
    return (f"kegiatan-{i}.jpg", image_bytes("JPEG", size=(640 + i, 480)))


def flashes(page):
    return [
        re.sub(r"\s+", " ", m).strip()
        for m in re.findall(r'class="flash[^"]*"[^>]*>(.*?)</', page, re.S)
    ]


@pytest.fixture
def at_six(app, scenario):
    cid = scenario["case_id"]
    with app.app_context():
        db.session.execute(db.delete(Photo))
        db.session.commit()
    put_case_at(app, cid, 6)
    return cid


def test_many_files_at_once_the_bad_ones_named_the_good_ones_kept(app, login, at_six):
    cid = at_six
    c = login("penulis")
    before = stored_files(app)
    bad = [
        ("surat.pdf", pdf_bytes()),
        ("polyglot.png", image_bytes("PNG") + b"<script>alert(1)</script>"),
        ("kosong.jpg", b""),
        ("besar.jpg", b"\xff\xd8\xff\xe0" + bytes(60 * 2**20)),
    ]
    files = [good(1), bad[0], good(2), bad[1], bad[2], good(3), bad[3]]
    r = post_files(c, cid, files)
    assert r.status_code == 302
    page = c.get(f"/intranet/naskah/{cid}/foto").get_data(as_text=True)
    said = " ".join(flashes(page))
    assert "3 foto ditambahkan" in said
    assert "surat.pdf ditolak: Jenis berkas tidak diizinkan." in said
    assert "polyglot.png ditolak: Berkas berisi kode aktif" in said
    assert "kosong.jpg ditolak: Berkas kosong." in said
    assert "besar.jpg ditolak: Berkas terlalu besar" in said
    rows = case_photos(app, cid)
    assert [p.filename for p in rows] == ["kegiatan-1.jpg", "kegiatan-2.jpg", "kegiatan-3.jpg"]
    assert [p.position for p in rows] == [1, 2, 3] and [p.is_cover for p in rows] == [1, 0, 0]
    # no stray file for a refused one: exactly the three copies of each good photo
    after = stored_files(app)
    kept = {s for p in rows for s in (p.original_sha256, p.sha256, p.thumb_sha256)}
    assert sorted(set(after) - set(before)) == sorted(kept)


def test_texts_come_later_credit_defaults_to_the_uploader(app, login, at_six):
    cid = at_six
    c = login("penulis")
    assert post_files(c, cid, [good(1), good(2)]).status_code == 302
    rows = case_photos(app, cid)
    with app.app_context():
        from intranet.models import User

        name = db.session.execute(
            db.select(User.full_name).where(User.username == "penulis")
        ).scalar_one()
    assert [(p.caption, p.alt, p.credit) for p in rows] == [("", "", name)] * 2
    page = c.get(f"/intranet/naskah/{cid}/foto").get_data(as_text=True)
    assert "2 foto belum lengkap" in page and "multiple" in page
    # the step cannot end while a photo lacks its caption or alt text
    r = c.post(f"/intranet/naskah/{cid}/putuskan", data={"action": "complete"})
    assert r.status_code == 400
    with app.app_context():
        assert db.session.get(Case, cid).step == 6


def test_too_many_files_at_once_keeps_none(app, login, at_six):
    cid = at_six
    c = login("penulis")
    before = snapshot(app)
    files_before = stored_files(app)
    r = post_files(c, cid, [good(i) for i in range(MAX_AT_ONCE + 1)])
    assert r.status_code == 400
    assert "Terlalu banyak berkas sekaligus" in r.get_data(as_text=True)
    assert snapshot(app) == before and stored_files(app) == files_before
    r = post_files(c, cid, [])
    assert r.status_code == 400 and "Pilih foto." in r.get_data(as_text=True)


def test_one_file_per_request_answers_json(app, login, at_six):
    cid = at_six
    c = login("penulis")
    r = post_files(c, cid, [good(1)], headers=JSON)
    assert r.status_code == 201 and r.json["added"][0]["name"] == "kegiatan-1.jpg"
    r = post_files(c, cid, [("a.pdf", pdf_bytes())], headers=JSON)
    assert r.status_code == 400
    assert r.json == {
        "added": [],
        "refused": [{"name": "a.pdf", "message": "Jenis berkas tidak diizinkan."}],
    }
    r = post_files(c, cid, [("besar.jpg", bytes(26 * 2**20))], headers=JSON)
    assert r.status_code == 413 and "terlalu besar" in r.json["refused"][0]["message"]
    # another role may not add photos at step 6; the refusal is named, nothing is stored
    r = post_files(login("redaktur"), cid, [good(2)], headers=JSON)
    assert r.status_code == 400 and "hanya dapat dikerjakan oleh" in r.json["refused"][0]["message"]
    assert len(case_photos(app, cid)) == 1


def grid_data(rows, **changes):
    data = {}
    for p in rows:
        data.update(
            {
                f"p{p.id}-caption": f"Keterangan {p.id}",
                f"p{p.id}-credit": p.credit,
                f"p{p.id}-alt": f"Teks alternatif {p.id}",
                f"p{p.id}-taken_on": "",
                f"p{p.id}-version": str(p.version),
            }
        )
    data.update(changes)
    return data


def test_grid_saves_every_row_then_hands_on(app, login, at_six):
    cid = at_six
    c = login("penulis")
    assert post_files(c, cid, [good(1), good(2), good(3)]).status_code == 302
    rows = case_photos(app, cid)
    # one bad row: nothing saved, the row and the field named
    before = snapshot(app)
    bad = grid_data(rows, **{f"p{rows[1].id}-alt": ""})
    r = c.post(f"/intranet/naskah/{cid}/foto/keterangan", data=bad)
    assert r.status_code == 400
    assert "Foto 2, Teks alternatif: Wajib diisi." in " ".join(flashes(r.get_data(as_text=True)))
    assert snapshot(app) == before
    # a stale row (someone saved since) refuses them all
    stale = grid_data(rows, **{f"p{rows[0].id}-version": str(rows[0].version + 5)})
    assert c.post(f"/intranet/naskah/{cid}/foto/keterangan", data=stale).status_code == 409
    assert snapshot(app) == before
    r = c.post(f"/intranet/naskah/{cid}/foto/keterangan", data=grid_data(rows))
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/naskah/{cid}/foto")
    assert [(p.caption, p.alt) for p in case_photos(app, cid)] == [
        (f"Keterangan {p.id}", f"Teks alternatif {p.id}") for p in rows
    ]
    page = c.get(f"/intranet/naskah/{cid}/foto").get_data(as_text=True)
    assert "belum lengkap" not in page
    assert "Simpan dan kirim berita dan foto ke Editor" in page
    # save and hand on: the step ends and the confirmation says who is next
    rows = case_photos(app, cid)
    r = c.post(f"/intranet/naskah/{cid}/foto/keterangan", data={**grid_data(rows), "hand_on": "y"})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/naskah/{cid}")
    said = " ".join(flashes(c.get(r.headers["Location"]).get_data(as_text=True)))
    assert "Keterangan foto disimpan." in said and "Editor (" in said
    with app.app_context():
        assert db.session.get(Case, cid).step == 7


def test_hand_on_refused_while_a_photo_is_incomplete(app, login, at_six):
    cid = at_six
    c = login("penulis")
    assert post_files(c, cid, [good(1), good(2)]).status_code == 302
    rows = case_photos(app, cid)
    only_first = {k: v for k, v in grid_data(rows).items() if k.startswith(f"p{rows[0].id}-")}
    r = c.post(f"/intranet/naskah/{cid}/foto/keterangan", data={**only_first, "hand_on": "y"})
    assert r.status_code == 302
    said = " ".join(flashes(c.get(r.headers["Location"]).get_data(as_text=True)))
    assert "Langkah belum dapat diselesaikan" in said
    with app.app_context():
        assert db.session.get(Case, cid).step == 6


def test_move_rotate_and_remove_answer_json(app, login, at_six):
    cid = at_six
    c = login("penulis")
    assert post_files(c, cid, [good(1), good(2), good(3), good(4)]).status_code == 302
    ids = [p.id for p in case_photos(app, cid)]

    def act(pid, **data):
        return c.post(f"/intranet/naskah/{cid}/foto/{pid}/atur", data=data, headers=JSON)

    r = act(ids[3], what="move", position="1")
    assert r.status_code == 200 and r.json["ok"]
    assert [p.id for p in case_photos(app, cid)] == [ids[3], ids[0], ids[1], ids[2]]
    r = act(ids[0], what="move", position="99")  # past the end: last
    assert [p.id for p in case_photos(app, cid)] == [ids[3], ids[1], ids[2], ids[0]]
    assert act(ids[0], what="move").status_code == 400
    assert act(ids[1], what="down").json["ok"]
    assert [p.id for p in case_photos(app, cid)] == [ids[3], ids[2], ids[1], ids[0]]
    r = act(ids[2], what="rotate_right")
    assert (
        r.json["ok"]
        and r.json["size"] == "480×643"
        and r.json["message"].startswith("Foto diputar")
    )
    # removing needs the confirmation
    r = act(ids[2], what="remove")
    assert r.status_code == 400 and not r.json["ok"]
    assert len(case_photos(app, cid)) == 4
    r = act(ids[2], what="remove", confirm="1")
    assert r.json == {"ok": True, "message": "Foto dihapus."}
    assert [p.id for p in case_photos(app, cid)] == [ids[3], ids[1], ids[0]]
    r = act(ids[1], what="terbang")
    assert r.status_code == 400 and "Tindakan tidak dikenal" in r.json["message"]


def test_confirm_step_without_script(app, login, at_six):
    cid = at_six
    c = login("penulis")
    assert post_files(c, cid, [good(1)]).status_code == 302
    pid = case_photos(app, cid)[0].id
    r = c.post(f"/intranet/naskah/{cid}/foto/{pid}/atur", data={"what": "remove"})
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "Hapus foto ini?" in page and 'name="confirm" value="1"' in page
    assert len(case_photos(app, cid)) == 1
