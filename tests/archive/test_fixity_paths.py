"""Fixity beyond ``objects/``: strays anywhere in the archive folder, and a changed file
refused at download (the keepers may still fetch it knowingly, which the record notes)."""

import json
import os
import time
from pathlib import Path

from archive.models import ArchiveEvent
from archive.models import ArchiveRecord
from archive.models import ArchiveVersion
from archive.store import archive_store
from intranet.extensions import db
from tests.fixtures.scenarios import build_published
from tests.fixtures.scenarios import build_scenario

REFUSED = "Berkas ini gagal pemeriksaan keutuhan (sidik digitalnya tidak cocok)"
ON_RECORD = "gagal pemeriksaan keutuhan: SHA-256 tidak cocok"


def _published(app):
    build_published(app, build_scenario(app)["case_id"])
    with app.app_context():
        record = db.session.execute(db.select(ArchiveRecord)).scalar_one()
        version = db.session.execute(db.select(ArchiveVersion)).scalar_one()
        return record.id, version.berkas_sha256, [(f.id, f.sha256) for f in version.files]


def _flip_a_bit(app, sha256):
    with app.app_context():
        path = archive_store().path(sha256)
    path.chmod(0o644)
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    path.write_bytes(bytes(raw))
    return bytes(raw)


def test_verify_names_stray_files_anywhere_in_the_archive_folder(app, runner):
    _published(app)
    result = runner.invoke(args=["archive", "verify", "--quiet"])
    assert result.exit_code == 0, result.output  # the lock file beside objects/ belongs
    root = Path(app.config["ARCHIVE_DIR"])
    assert (root / ".lock").exists()
    loose = root / "salinan-lama.pdf"
    loose.write_bytes(b"%PDF-1.4 bukan arsip")
    nested = root / "cadangan" / "2019" / "berkas.bin"
    nested.parent.mkdir(parents=True)
    nested.write_bytes(b"tidak terdaftar")
    result = runner.invoke(args=["archive", "verify", "--quiet"])
    assert result.exit_code == 1, result.output
    assert f"LIAR    {loose}" in result.output
    assert f"LIAR    {nested}" in result.output
    assert ".lock" not in result.output and "liar 2" in result.output
    # --clean removes only what the archive itself left; these a person must look at
    result = runner.invoke(args=["archive", "verify", "--clean", "--quiet"])
    assert result.exit_code == 1 and loose.exists() and nested.exists()
    assert f"LIAR    {nested}" in result.output

    # a file younger than the grace period may be an operation still landing: left alone
    app.config["ARCHIVE_STRAY_GRACE_SECONDS"] = 600
    old = time.time() - 3600
    os.utime(loose, (old, old))
    result = runner.invoke(args=["archive", "verify", "--quiet"])
    assert f"LIAR    {loose}" in result.output and f"BARU    {nested}" in result.output
    nested.unlink()
    loose.unlink()
    result = runner.invoke(args=["archive", "verify", "--quiet"])
    assert result.exit_code == 0, result.output


def test_a_changed_berkas_is_refused_and_a_keeper_may_fetch_it_knowingly(app, runner, login):
    record_id, berkas_sha, files = _published(app)
    changed = _flip_a_bit(app, berkas_sha)
    url = f"/arsip/{record_id}/versi/1/berkas.pdf"

    reader = login("redaktur")
    for asked in (url, url + "?tetap=1"):  # only a keeper may override
        r = reader.get(asked)
        html = r.get_data(as_text=True)
        assert r.status_code == 409 and REFUSED in html, r.status_code
        assert berkas_sha in html and "Tetap unduh" not in html
        assert r.headers["Content-Type"].startswith("text/html")

    arsip = login("arsiparis")
    r = arsip.get(url)
    assert r.status_code == 409 and REFUSED in r.get_data(as_text=True)
    assert "tetap=1" in r.get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.execute(
                db.select(ArchiveEvent).where(ArchiveEvent.kind == "fiksitas")
            ).first()
            is None
        )

    r = arsip.get(url + "?tetap=1")
    assert r.status_code == 200 and r.data == changed
    r.close()
    with app.app_context():
        event = db.session.execute(
            db.select(ArchiveEvent).where(ArchiveEvent.kind == "fiksitas")
        ).scalar_one()
        assert event.record_id == record_id and event.actor.username == "arsiparis"
        assert json.loads(event.data)["sha256"] == berkas_sha

    # an intact original of the same record still downloads
    file_id, sha = files[0]
    r = reader.get(f"/arsip/{record_id}/berkas/{file_id}")
    assert r.status_code == 200
    with app.app_context():
        assert r.data == archive_store().read(sha)
    r.close()

    # the record page shows the failure the fixity log found, and the keeper's download
    assert ON_RECORD not in reader.get(f"/arsip/{record_id}").get_data(as_text=True)
    result = runner.invoke(args=["archive", "verify", "--quiet"])
    assert result.exit_code == 1 and f"BERUBAH {berkas_sha}" in result.output
    page = reader.get(f"/arsip/{record_id}").get_data(as_text=True)
    assert page.count(ON_RECORD) == 1
    assert "diunduh dengan sadar" in page


def test_a_changed_original_is_refused_too(app, login):
    record_id, _berkas, files = _published(app)
    file_id, sha = files[1]
    _flip_a_bit(app, sha)
    r = login("redaktur").get(f"/arsip/{record_id}/berkas/{file_id}")
    assert r.status_code == 409 and REFUSED in r.get_data(as_text=True)
    r = login("admin").get(f"/arsip/{record_id}/berkas/{file_id}?tetap=1")
    assert r.status_code == 200
    r.close()
    other_id, _ = files[0]
    r = login("redaktur").get(f"/arsip/{record_id}/berkas/{other_id}")
    assert r.status_code == 200
    r.close()
