"""Managed storage locations: ruang → lemari/rak → boks chosen from lists, added on the
locations page, the older free-text places adopted without doubled words."""

import importlib.util
import json
from pathlib import Path

import pytest
from alembic.migration import MigrationContext
from alembic.operations import Operations

from archive import export
from archive import places
from archive.models import ArchiveRecord
from archive.models import StorageLocation
from intranet.extensions import db
from tests.fixtures.scenarios import manual_record_form

MIGRATION = (
    Path(__file__).parents[2] / "migrations" / "versions" / "f3a1b2c3d4e5_storage_locations.py"
)


# --- names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "text", "clean", "label"),
    [
        ("ruang", "Ruang Ruang Arsip Lt. 1", "Ruang Arsip Lt. 1", "Ruang Arsip Lt. 1"),
        ("ruang", "  Arsip   Lt. 1 ", "Arsip Lt. 1", "Ruang Arsip Lt. 1"),
        ("ruang", "Gudang Arsip Inaktif", "Gudang Arsip Inaktif", "Gudang Arsip Inaktif"),
        ("lemari", "Lemari Lemari 2", "Lemari 2", "Lemari 2"),
        ("lemari", "Rak 1", "Rak 1", "Rak 1"),
        ("lemari", "2", "2", "Lemari 2"),
        ("boks", "Boks Boks 03", "Boks 03", "Boks 03"),
        ("boks", "03", "03", "Boks 03"),
        ("boks", "B-07", "B-07", "Boks B-07"),
        ("boks", "Boks", "Boks", "Boks"),
        ("boks", "   ", None, None),
    ],
)
def test_names_lose_their_doubled_word_and_read_with_their_kind(kind, text, clean, label):
    assert places.clean(kind, text) == clean
    assert places.label(kind, clean) == label


def test_a_place_reads_as_one_line_without_doubled_words():
    line = places.line("Ruang Ruang Arsip Lt. 1", "Lemari 2", "Boks Boks 03")
    assert line == "Ruang Arsip Lt. 1 · Lemari 2 · Boks 03"
    assert (
        places.line("Arsip Lt. 1", "2", "03", "7")
        == "Ruang Arsip Lt. 1 · Lemari 2 · Boks 03 · Folder 7"
    )
    assert places.line(None, None, None) is None
    assert (
        places.key("boks", "Boks 03") == places.key("boks", "boks  03") == places.key("boks", "03")
    )


# --- the locations page ------------------------------------------------------------------


def _entries(app):
    with app.app_context():
        return sorted(
            (e.kind, e.line) for e in db.session.execute(db.select(StorageLocation)).scalars()
        )


def test_the_arsiparis_adds_a_ruang_a_lemari_and_a_boks(app, login):
    arsip = login("arsiparis")
    page = arsip.get("/arsip/lokasi").get_data(as_text=True)
    assert "Tambah ruang, lemari/rak atau boks" in page
    r = arsip.post("/arsip/lokasi", data={"room": "Ruang Ruang Arsip Lt. 1"}, follow_redirects=True)
    assert "Ruang Arsip Lt. 1 ditambahkan." in r.get_data(as_text=True)
    arsip.post("/arsip/lokasi", data={"room": "Ruang Arsip Lt. 1", "cabinet": "2"})
    r = arsip.post(
        "/arsip/lokasi",
        data={"room": "ruang arsip lt. 1", "cabinet": "Lemari 2", "box": "Boks Boks 03"},
        follow_redirects=True,
    )
    assert "Ruang Arsip Lt. 1 · Lemari 2 · Boks 03 ditambahkan." in r.get_data(as_text=True)
    # the same box however it is written
    r = arsip.post(
        "/arsip/lokasi",
        data={"room": "Ruang Arsip Lt. 1", "cabinet": "Lemari 2", "box": "03"},
        follow_redirects=True,
    )
    assert "Ruang Arsip Lt. 1 · Lemari 2 · Boks 03 sudah ada di daftar." in r.get_data(as_text=True)
    assert _entries(app) == [
        ("boks", "Ruang Arsip Lt. 1 · Lemari 2 · Boks 03"),
        ("lemari", "Ruang Arsip Lt. 1 · Lemari 2"),
        ("ruang", "Ruang Arsip Lt. 1"),
    ]
    page = arsip.get("/arsip/lokasi").get_data(as_text=True)
    assert "Boks 03" in page and "Ruang Ruang" not in page and "Boks Boks" not in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Wajib diisi"),
        ({"room": "R", "box": "B1"}, "tuliskan lemari/rak-nya juga"),
        ({"room": "R" * 81}, "Maksimal 80"),
        ({"room": "R\x00"}, "tidak diizinkan"),
    ],
    ids=["no ruang", "boks without lemari", "too long", "NUL"],
)
def test_a_bad_place_is_refused_with_a_message(app, login, data, message):
    r = login("arsiparis").post("/arsip/lokasi", data=data)
    assert r.status_code == 400
    assert message in r.get_data(as_text=True)
    assert _entries(app) == []


def test_only_the_keepers_add_places(app, login):
    for role in ("redaktur", "koordinator", "penanggungjawab"):
        client = login(role)
        assert "Tambah ruang" not in client.get("/arsip/lokasi").get_data(as_text=True)
        assert client.post("/arsip/lokasi", data={"room": "X"}).status_code == 403
    assert _entries(app) == []


# --- choosing a place -----------------------------------------------------------------------


def _box(app, room="Ruang Arsip Lt. 1", cabinet="Lemari 2", box="Boks 03"):
    from archive import locations

    with app.app_context():
        locations.add(room, cabinet, box)
        return locations.box_id_of(room, cabinet, box)


def _manual(login, **overrides):
    arsip = login("arsiparis")
    r = arsip.post("/arsip/baru", data=manual_record_form(**overrides))
    assert r.status_code == 302, r.get_data(as_text=True)
    return arsip, int(r.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def test_a_record_is_filed_in_a_boks_chosen_from_the_list(app, login):
    box_id = _box(app)
    arsip = login("arsiparis")
    form = arsip.get("/arsip/baru").get_data(as_text=True)
    assert f'<option value="{box_id}">Ruang Arsip Lt. 1 · Lemari 2 · Boks 03</option>' in form
    arsip, rid = _manual(login, hardcopy_status="disimpan", place=str(box_id), folder="7")
    with app.app_context():
        record = db.session.get(ArchiveRecord, rid)
        assert (record.room, record.cabinet, record.box, record.folder) == (
            "Ruang Arsip Lt. 1",
            "Lemari 2",
            "Boks 03",
            "7",
        )
        version = record.version
    page = arsip.get(f"/arsip/{rid}").get_data(as_text=True)
    assert "Ruang Arsip Lt. 1 · Lemari 2 · Boks 03 · Folder 7" in page
    assert f'<option selected value="{box_id}">' in page
    # a boks that is no more: refused, nothing changed
    r = arsip.post(
        f"/arsip/{rid}/fisik",
        data={"status": "disimpan", "version": version, "place": "999999"},
        follow_redirects=True,
    )
    assert "Boks yang dipilih tidak ada lagi" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(ArchiveRecord, rid).version == version
    # something that is no choice at all reads as none: filing needs a place
    r = arsip.post(
        f"/arsip/{rid}/fisik",
        data={"status": "disimpan", "version": version, "place": "x'; --"},
        follow_redirects=True,
    )
    assert "harus punya lokasi" in r.get_data(as_text=True)
    # moved to another folder: the history says where, as it is read
    r = arsip.post(
        f"/arsip/{rid}/fisik",
        data={"status": "disimpan", "version": version, "place": str(box_id), "folder": "8"},
        follow_redirects=True,
    )
    assert "arsip fisik: disimpan — Ruang Arsip Lt. 1 · Lemari 2 · Boks 03 · Folder 8" in " ".join(
        r.get_data(as_text=True).split()
    )


def test_names_sent_without_a_choice_become_managed_places(app, login):
    """An older client (or the import) sends names: they join the list, once."""
    _manual(login, room="Ruang Ruang Arsip Lt. 1", cabinet="Lemari 2", box="Boks Boks 03")
    _manual(login, room="ruang arsip lt. 1", cabinet="lemari 2", box="03")
    with app.app_context():
        rows = db.session.execute(
            db.select(ArchiveRecord.room, ArchiveRecord.cabinet, ArchiveRecord.box)
        ).all()
    assert set(rows) == {("Ruang Arsip Lt. 1", "Lemari 2", "Boks 03")}
    assert [k for k, _ in _entries(app)] == ["boks", "lemari", "ruang"]


def test_the_filters_offer_the_managed_boxes(app, login):
    box_id = _box(app)
    _manual(login, hardcopy_status="disimpan", place=str(box_id))
    arsip = login("arsiparis")
    listing = arsip.get("/arsip/?boks=Boks+03").get_data(as_text=True)
    assert '<option value="Boks 03" selected>Boks 03</option>' in listing
    assert "Berita acara lama" in listing
    search = arsip.get("/arsip/cari?boks=Boks+03").get_data(as_text=True)
    assert '<option value="Boks 03" selected>Boks 03</option>' in search


def test_the_export_carries_the_place_as_read(app, login):
    box_id = _box(app)
    _arsip, rid = _manual(login, hardcopy_status="disimpan", place=str(box_id), folder="7")
    with app.app_context():
        record = db.session.get(ArchiveRecord, rid)
        data = json.loads(export._record_json(record, []))
    hardcopy = data["record"]["hardcopy"]
    assert hardcopy["box"] == "Boks 03"
    assert hardcopy["location"] == "Ruang Arsip Lt. 1 · Lemari 2 · Boks 03 · Folder 7"


# --- the migration ---------------------------------------------------------------------------


def test_the_migration_adopts_the_older_free_text_places(app, login):
    """Rows written before the managed list, with doubled and varying spellings, become one
    ruang, one lemari and one boks, and the rows take its spelling."""
    _arsip, first = _manual(login)
    _arsip, second = _manual(login)
    _arsip, third = _manual(login)
    with app.app_context():
        table = ArchiveRecord.__table__
        written = {
            first: ("Ruang Ruang Arsip Lt. 1", "Lemari 2", "Boks Boks 03"),
            second: ("Ruang  Arsip Lt. 1", "lemari 2", "03"),
            third: ("Gudang", "Rak 1", None),
        }
        for rid, (room, cabinet, box) in written.items():
            db.session.execute(
                table.update().where(table.c.id == rid).values(room=room, cabinet=cabinet, box=box)
            )
        db.session.execute(db.delete(StorageLocation))
        db.session.commit()

        spec = importlib.util.spec_from_file_location("storage_locations", MIGRATION)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        with db.engine.begin() as conn:
            with Operations.context(MigrationContext.configure(conn)):
                migration._adopt_free_text()
        db.session.expire_all()
        rows = {
            r.id: (r.room, r.cabinet, r.box, r.place)
            for r in db.session.execute(db.select(ArchiveRecord)).scalars()
        }
    line = "Ruang Arsip Lt. 1 · Lemari 2 · Boks 03"
    assert rows[first] == ("Ruang Arsip Lt. 1", "Lemari 2", "Boks 03", line)
    assert rows[second] == ("Ruang Arsip Lt. 1", "Lemari 2", "Boks 03", line)
    assert rows[third] == ("Gudang", "Rak 1", None, "Gudang · Rak 1")
    assert _entries(app) == [
        ("boks", line),
        ("lemari", "Gudang · Rak 1"),
        ("lemari", "Ruang Arsip Lt. 1 · Lemari 2"),
        ("ruang", "Gudang"),
        ("ruang", "Ruang Arsip Lt. 1"),
    ]
