"""Importing a bag: every record JSON checked against the published schema, and no access
class lowered, before anything is written, even when the bag's checksums were recomputed."""

import json
import shutil
import zipfile

import bagit
import pytest

from archive.export import BAG_SCHEMA
from archive.export import SCHEMA_PATH
from archive.models import FILE_KINDS
from archive.models import ArchiveFile
from archive.models import ArchiveRecord
from archive.store import archive_store
from intranet.extensions import db
from intranet.permissions import CLASSES
from tests.archive.test_archive_search import _empty_instance
from tests.archive.test_archive_search import _export
from tests.archive.test_archive_search import _manual_records
from tests.archive.test_archive_search import _published


@pytest.fixture
def bag(app, runner, tmp_path):
    """An export of one published record whose source material is terbatas."""
    _published(app, security_class="terbatas")
    _manual_records(app, 1)
    return _export(app, runner, tmp_path)


def _rebag(out, tmp_path, change):
    """The bag with ``change(data)`` applied to the SOP record's arsip.json and every
    manifest recomputed, as someone editing a bag would: only the import's own checks
    can tell."""
    work = tmp_path / "ubah"
    shutil.rmtree(work, ignore_errors=True)
    with zipfile.ZipFile(out) as z:
        z.extractall(work)
        [root] = {n.split("/")[0] for n in z.namelist()}
    for path in sorted((work / root / "data" / "arsip").glob("*/arsip.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if data["record"]["origin"] == "sop":
            change(data)
            path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    bag = bagit.Bag(str(work / root))
    bag.save(manifests=True)
    assert bag.is_valid()
    edited = tmp_path / "diubah.zip"
    with zipfile.ZipFile(edited, "w") as z:
        for f in sorted((work / root).rglob("*")):
            if f.is_file():
                z.write(f, f.relative_to(work).as_posix())
    return edited


def _import(other, path):
    return other.test_cli_runner().invoke(args=["archive", "import", str(path)])


def _nothing_written(other):
    with other.app_context():
        assert db.session.execute(db.select(ArchiveRecord)).first() is None
        assert db.session.execute(db.select(ArchiveFile)).first() is None
        assert list(archive_store().walk()) == []


def _set(path, value):
    def change(data):
        *parents, last = path
        target = data
        for p in parents:
            target = target[p]
        target[last] = value

    return change


def _drop(path):
    def change(data):
        *parents, last = path
        target = data
        for p in parents:
            target = target[p]
        del target[last]

    return change


def _lower_record(data):
    data["record"]["access_class"] = "biasa"


def _lower_everything_but_the_sources(data):
    data["record"]["access_class"] = "biasa"
    for v in data["versions"]:
        for f in v["files"]:
            if f["kind"] != "sumber":
                f["access_class"] = "biasa"


def _lower_the_case_json(data):
    for v in data["versions"]:
        for f in v["files"]:
            if f["kind"] == "json":
                f["access_class"] = "biasa"


REFUSED = [
    pytest.param(
        _set(("record", "access_class"), "BIASA"),
        '$.record.access_class: nilai "BIASA" tidak dikenal',
        id="access-class-in-capitals",
    ),
    pytest.param(
        _set(("record", "access_class"), "publik"),
        '$.record.access_class: nilai "publik" tidak dikenal',
        id="unknown-access-class",
    ),
    pytest.param(
        _set(("versions", 0, "files", 0, "kind"), "skrip"),
        '$.versions[0].files[0].kind: nilai "skrip" tidak dikenal',
        id="unknown-file-kind",
    ),
    pytest.param(
        _set(("versions", 0, "reason"), "hapus"),
        '$.versions[0].reason: nilai "hapus" tidak dikenal',
        id="unknown-version-reason",
    ),
    pytest.param(
        _set(("record", "retention", "disposition"), "bakar"),
        '$.record.retention.disposition: nilai "bakar" tidak dikenal',
        id="unknown-disposition",
    ),
    pytest.param(
        _drop(("record", "access_class")),
        "$.record: kolom wajib access_class tidak ada",
        id="missing-access-class",
    ),
    pytest.param(
        _drop(("versions", 0, "files", 0, "access_class")),
        "$.versions[0].files[0]: kolom wajib access_class tidak ada",
        id="missing-file-access-class",
    ),
    pytest.param(
        _set(("record", "year"), "2024"),
        "$.record.year: harus bertipe bilangan bulat",
        id="year-as-text",
    ),
    pytest.param(
        _set(("record", "media_paper"), "ya"),
        "$.record.media_paper: harus bertipe benar/salah",
        id="flag-as-text",
    ),
    pytest.param(
        _set(("versions", 0, "files"), {}),
        "$.versions[0].files: harus bertipe daftar",
        id="files-not-a-list",
    ),
    pytest.param(
        _set(("record", "created_by_id"), 1),
        "$.record: kolom tidak dikenal: created_by_id",
        id="extra-field-naming-an-account",
    ),
    pytest.param(
        _set(("versions", 0, "files", 0, "path"), "data/../../etc/passwd"),
        "$.versions[0].files[0].path: bentuk",
        id="path-out-of-the-bag",
    ),
    pytest.param(
        _set(("record", "date_to"), "2024-13-45"),
        "$.record.date_to: '2024-13-45' bukan tanggal yang sah",
        id="impossible-date",
    ),
    pytest.param(
        _lower_record,
        "$.record.access_class: biasa lebih longgar daripada berkas asli",
        id="record-class-lowered",
    ),
    pytest.param(
        _lower_everything_but_the_sources,
        "$.record.access_class: biasa lebih longgar daripada berkas asli",
        id="record-and-own-files-lowered",
    ),
    pytest.param(
        _lower_the_case_json,
        "access_class: biasa lebih longgar daripada kelas akses arsip (terbatas)",
        id="case-json-lowered",
    ),
]


@pytest.mark.parametrize(("change", "message"), REFUSED)
def test_a_re_manifested_bad_json_is_refused_naming_the_path_and_nothing_is_written(
    app, app_factory, migrated_db, tmp_path, bag, change, message
):
    edited = _rebag(bag, tmp_path, change)
    other = _empty_instance(app, app_factory, migrated_db, tmp_path)
    r = _import(other, edited)
    assert r.exit_code == 1 and "arsip.json" in r.output and message in r.output, r.output
    assert "Traceback" not in r.output
    _nothing_written(other)


def test_a_valid_bag_imports_with_each_originals_access_class(
    app, app_factory, migrated_db, tmp_path, bag
):
    with app.app_context():
        classes = {
            (f.sha256, f.access_class) for f in db.session.execute(db.select(ArchiveFile)).scalars()
        }
    assert "terbatas" in {c for _, c in classes}
    edited = _rebag(bag, tmp_path, lambda data: None)  # re-bagged, nothing changed
    other = _empty_instance(app, app_factory, migrated_db, tmp_path)
    r = _import(other, edited)
    assert r.exit_code == 0 and "2 arsip diimpor" in r.output, r.output
    with other.app_context():
        got = {
            (f.sha256, f.access_class) for f in db.session.execute(db.select(ArchiveFile)).scalars()
        }
        sop = db.session.execute(
            db.select(ArchiveRecord).where(ArchiveRecord.origin == "sop")
        ).scalar_one()
        assert sop.access_class == "terbatas"
    assert got == classes


def test_the_schema_is_in_every_exported_bag_and_its_enumerations_are_the_codes(bag, tmp_path):
    with zipfile.ZipFile(bag) as z:
        [name] = [n for n in z.namelist() if n.endswith("/" + BAG_SCHEMA)]
        assert z.read(name) == SCHEMA_PATH.read_bytes()
        manifest = next(n for n in z.namelist() if n.endswith("/manifest-sha256.txt"))
        assert BAG_SCHEMA in z.read(manifest).decode()
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["$defs"]["access_class"]["enum"] == list(CLASSES)
    files = schema["properties"]["versions"]["items"]["properties"]["files"]["items"]
    assert files["properties"]["kind"]["enum"] == list(FILE_KINDS)
