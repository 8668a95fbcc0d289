"""``backup create|verify|restore``: a whole instance to one tar and back into an empty one.

The round trip runs on the database the suite runs on: on PostgreSQL or MariaDB the restore
target is a second, throw-away database made the way tests/conftest.py makes worker
databases, and dropped afterwards.
"""

import hashlib
import json
import os
import signal
import subprocess
import sys
import tarfile
import time
import zipfile
from datetime import date
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from archive import indexing
from archive import recording
from intranet import backup
from intranet import create_app
from intranet import permissions
from intranet.config import normalize_database_url
from intranet.extensions import db
from intranet.models import User
from tests.conftest import TEST_DATABASE_URL
from tests.conftest import _create_database
from tests.conftest import base_config
from tests.conftest import make_app
from tests.fixtures.scenarios import build_published
from tests.fixtures.scenarios import build_scenario
from tests.fixtures.scenarios import record_scanned_decree

ROOT = Path(__file__).resolve().parents[2]


def _manual_record(app):
    """An older paper record registered by hand (through the service); its id."""
    with app.test_request_context(method="POST"):
        user = db.session.execute(db.select(User).where(User.username == "arsiparis")).scalar_one()
        data = {
            "title": "Berita acara pleno rekapitulasi 2019",
            "classification_id": 4,
            "uraian": "Berita acara rapat pleno terbuka tentang daftar pemilih tetap.",
            "date_from": date(2019, 1, 3),
            "date_to": date(2019, 2, 3),
            "tingkat": "asli",
            "access_class": "biasa",
            "jumlah": "1 berkas",
            "notes": "",
            "hardcopy_status": "disimpan",
            "room": "Gudang",
            "cabinet": "Rak 1",
            "box": "2019-01",
            "folder": "7",
        }
        return recording.register_manual(data, [], user).id


@pytest.fixture
def source(app):
    """The demo instance with a published case, a scanned SK Tim and a manual record."""
    ids = build_scenario(app)
    build_published(app, ids["case_id"])
    record_scanned_decree(app)
    _manual_record(app)
    with app.app_context():
        indexing.drain(timeout=60.0)
    # the secret key file, as a real instance has it (the tests configure the key)
    (Path(app.instance_path) / "secret_key").write_text("secret-key-of-the-source-instance")
    # the chain heads anchored: the anchor key and log are in the instance folder
    r = _cli(app, "trail", "anchor")
    assert r.exit_code == 0, r.output
    return app


@pytest.fixture
def target(tmp_path, migrated_db):
    """A fresh, empty instance (its own folders and database), migrated to the head."""
    folder = tmp_path / "target"
    folder.mkdir()
    if not TEST_DATABASE_URL:
        app = make_app(folder, migrated_db)
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        return
    base = make_url(normalize_database_url(TEST_DATABASE_URL))
    url = base.set(database=f"{base.database}_restore").render_as_string(hide_password=False)
    _create_database(url)
    app = create_app(base_config(folder, url))
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    _drop_database(url)


def _drop_database(url):
    name = make_url(url).database
    engine = create_engine(
        make_url(normalize_database_url(os.environ["TEST_DATABASE_URL"])),
        isolation_level="AUTOCOMMIT",
    )
    quote = '"' if engine.dialect.name == "postgresql" else "`"
    with engine.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {quote}{name}{quote}"))
    engine.dispose()


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def _search(app, query):
    with app.app_context():
        return indexing.search_index().matching_ids(query, list(permissions.CLASSES), refuse=True)


def _export_manifest(app, out):
    r = _cli(app, "archive", "export", str(out), "--quiet")
    assert r.exit_code == 0, r.output
    with zipfile.ZipFile(out) as z:
        name = next(n for n in z.namelist() if n.endswith("/manifest-sha256.txt"))
        lines = z.read(name).decode().splitlines()
    # the spreadsheet carries the time it was made; everything else is the same bytes
    return sorted(line for line in lines if not line.endswith(" data/daftar-arsip.xlsx"))


def _row_counts(app):
    with app.app_context():
        counts = {
            t.name: db.session.execute(db.select(db.func.count()).select_from(t)).scalar_one()
            for t in db.metadata.sorted_tables
        }
        db.session.remove()
        return counts


def _state(app):
    """What a refused restore must leave alone: database rows, folders, the secret key."""
    with app.app_context():
        problems = backup.emptiness_problems()
        db.session.remove()
    key = Path(app.instance_path) / "secret_key"
    return problems, key.read_bytes() if key.exists() else None


def _backup(app, out):
    r = _cli(app, "backup", "create", str(out))
    assert r.exit_code == 0, r.output
    return out


def test_round_trip_into_an_empty_instance(source, target, tmp_path):
    out = _backup(source, tmp_path / "warta.tar")
    assert not (tmp_path / "warta.tar.part").exists()
    assert out.stat().st_mode & 0o077 == 0  # it holds secrets
    r = _cli(source, "backup", "verify", str(out))
    assert r.exit_code == 0, r.output
    assert "OK" in r.output
    with tarfile.open(out) as tar:
        names = tar.getnames()
    assert names[-1] == "manifest.json"
    instance_files = {"secret_key", "trail_anchor_key", "chain_anchors.log"}
    assert {f"instance/{n}" for n in instance_files} <= set(names)
    assert any(n.startswith("archive/objects/") for n in names)
    assert any(n.startswith("files/") for n in names)

    searches = {q: _search(source, q) for q in ("", "pleno", "rekapitulasi")}
    assert searches[""] and searches["pleno"]
    exported = _export_manifest(source, tmp_path / "before.zip")
    counts = _row_counts(source)

    r = _cli(target, "backup", "restore", str(out))
    assert r.exit_code == 0, r.output
    assert _row_counts(target) == counts

    for command in (("archive", "verify", "--quiet"), ("trail", "verify"), ("audit", "verify")):
        r = _cli(target, *command)
        assert r.exit_code == 0, (command, r.output)
    assert {q: _search(target, q) for q in searches} == searches
    assert _export_manifest(target, tmp_path / "after.zip") == exported
    for name in instance_files:
        restored = Path(target.instance_path) / name
        assert restored.read_bytes() == (Path(source.instance_path) / name).read_bytes()
        assert restored.stat().st_mode & 0o077 == 0
    # a restored instance is no longer empty: a second restore is refused
    r = _cli(target, "backup", "restore", str(out))
    assert r.exit_code == 1
    assert "instans kosong" in r.output


def _tamper(path, member_prefix):
    """Flip one byte of the first member whose name starts with ``member_prefix``."""
    with tarfile.open(path) as tar:
        member = next(m for m in tar.getmembers() if m.name.startswith(member_prefix))
    with open(path, "r+b") as f:
        f.seek(member.offset_data)
        byte = f.read(1)
        f.seek(member.offset_data)
        f.write(bytes([byte[0] ^ 0x01]))
    return member.name


@pytest.mark.parametrize("prefix", ["archive/objects/", "database/"])
def test_restore_refuses_a_tampered_backup_writing_nothing(source, target, tmp_path, prefix):
    out = _backup(source, tmp_path / "warta.tar")
    name = _tamper(out, prefix)
    before = _state(target)
    assert before[0] == []

    r = _cli(target, "backup", "verify", str(out))
    assert r.exit_code == 1
    assert f"BERUBAH {name}" in r.output
    r = _cli(target, "backup", "restore", str(out))
    assert r.exit_code == 1
    assert "tidak cocok dengan manifest" in r.output and name in r.output
    assert _state(target) == before


def test_restore_refuses_a_backup_without_its_manifest(source, target, tmp_path):
    out = _backup(source, tmp_path / "warta.tar")
    cut = tmp_path / "cut.tar"
    with tarfile.open(out) as tar, tarfile.open(cut, "w") as new:
        for member in tar.getmembers()[:-1]:
            new.addfile(member, tar.extractfile(member))
    before = _state(target)
    for command in ("verify", "restore"):
        r = _cli(target, "backup", command, str(cut))
        assert r.exit_code == 1
        assert "manifest.json tidak ada" in r.output
    assert _state(target) == before


def test_restore_refuses_a_target_that_is_not_empty(source, target, tmp_path):
    out = _backup(source, tmp_path / "warta.tar")
    r = _cli(source, "backup", "restore", str(out))
    assert r.exit_code == 1
    assert "instans kosong" in r.output and "basis data: tabel" in r.output

    stray = Path(target.config["FILES_DIR"]) / "ab" / "left-over"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"x")
    before = _state(target)
    r = _cli(target, "backup", "restore", str(out))
    assert r.exit_code == 1
    assert "folder files" in r.output
    assert _state(target) == before


def test_a_killed_backup_leaves_no_tar_only_a_part_that_restore_refuses(source, target, tmp_path):
    # a large file in the files folder keeps the backup busy long enough to be killed
    big = Path(source.config["FILES_DIR"]) / "zz" / "big"
    big.parent.mkdir(parents=True, exist_ok=True)
    with open(big, "wb") as f:
        f.truncate(512 * 1024 * 1024)
    out = tmp_path / "killed.tar"
    part = tmp_path / "killed.tar.part"
    env = {
        **os.environ,
        "WARTA_INSTANCE_PATH": source.instance_path,
        "DATABASE_URL": source.config["SQLALCHEMY_DATABASE_URI"],
        "WARTA_FILES_DIR": source.config["FILES_DIR"],
        "WARTA_ARCHIVE_DIR": source.config["ARCHIVE_DIR"],
    }
    flask = Path(sys.executable).with_name("flask")
    proc = subprocess.Popen(
        [str(flask), "--app", "wsgi", "backup", "create", str(out)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not (part.exists() and part.stat().st_size > 1024 * 1024):
            assert proc.poll() is None, "the backup ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.005)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    try:
        assert proc.returncode == -signal.SIGKILL
        assert not out.exists()
        before = _state(target)
        for command in ("verify", "restore"):
            r = _cli(target, "backup", command, str(part))
            assert r.exit_code == 1
            assert "manifest.json tidak ada" in r.output or "terpotong" in r.output, r.output
        assert _state(target) == before
    finally:
        big.unlink()
        part.unlink(missing_ok=True)


@pytest.mark.parametrize(
    "name",
    [
        "files//tmp/warta-escape",  # normalises to a relative name; split, an absolute path
        "files/./../warta-escape",
        "archive/objects/../../warta-escape",
        "instance/config.py",  # the next start would run it
        "instance/sub/x_key",
        "files/",
    ],
)
def test_restore_refuses_a_member_that_would_land_outside_its_folder(
    source, target, tmp_path, name
):
    """A crafted backup whose manifest lists the hostile member with its right checksum."""
    import io

    out = _backup(source, tmp_path / "warta.tar")
    crafted = tmp_path / "crafted.tar"
    payload = b"* * * * * root touch /tmp/pwned\n"
    with tarfile.open(out) as tar, tarfile.open(crafted, "w") as new:
        members = tar.getmembers()
        manifest = json.loads(tar.extractfile(members[-1]).read())
        for member in members[:-1]:
            new.addfile(member, tar.extractfile(member))
        info = tarfile.TarInfo(name)
        info.size = len(payload)
        new.addfile(info, io.BytesIO(payload))
        manifest["members"].append(
            {"name": name, "size": len(payload), "sha256": hashlib.sha256(payload).hexdigest()}
        )
        data = json.dumps(manifest).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        new.addfile(info, io.BytesIO(data))
    before = _state(target)
    r = _cli(target, "backup", "restore", str(crafted))
    assert r.exit_code == 1 and "TIDAK SAH" in r.output, r.output
    assert _state(target) == before
    assert not Path("/tmp/warta-escape").exists()  # noqa: S108 (the path the attack aims at)
    assert not (Path(target.instance_path) / "config.py").exists()


@pytest.mark.skipif(
    not (TEST_DATABASE_URL or "").startswith(("mysql", "mariadb")),
    reason="MariaDB only: its restore turns the connection's foreign-key checks off",
)
def test_a_restore_that_fails_while_loading_hands_back_no_connection_without_key_checks(
    app_factory, tmp_path
):
    """Two rows with one id: the load fails and is rolled back whole, and the one pooled
    connection the next work gets checks foreign keys again (the setting belongs to the
    connection, not to the transaction)."""
    from intranet.models import Category

    app = app_factory(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1, "max_overflow": 0})
    with app.app_context():
        before = db.session.execute(db.select(Category.slug).order_by(Category.id)).all()
        row = {"id": 9001, "slug": "ganda", "name": "Ganda", "position": 1, "active": True}
        snapshot = tmp_path / "database.jsonl"
        line = json.dumps({"t": "categories", "r": row}) + "\n"
        snapshot.write_text(line + line)
        with pytest.raises(IntegrityError):
            backup._load_database(snapshot)
        assert db.session.execute(text("SELECT @@foreign_key_checks")).scalar() == 1
        assert db.session.execute(db.select(Category.slug).order_by(Category.id)).all() == before
