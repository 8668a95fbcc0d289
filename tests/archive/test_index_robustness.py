"""Nothing lost on a bad day: any date a record holds is indexed exactly; a record whose
document cannot be made is set aside with its reason while the rest of the queue drains, tried
again after a doubling wait, and named to the arsiparis and by ``archive verify``; the
database, not the index, decides what a listing or an export holds."""

import json
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from datetime import date
from datetime import timedelta
from pathlib import Path

import pytest

from archive import indexing
from archive.models import ArchiveFile
from archive.models import ArchiveRecord
from archive.models import ArchiveVersion
from archive.models import IndexFailure
from archive.store import archive_store
from intranet.clock import utcnow
from intranet.extensions import db
from tests.conftest import base_config
from tests.fixtures.scenarios import build_published
from tests.fixtures.scenarios import build_scenario
from tests.fixtures.scenarios import manual_record_form

ROOT = Path(__file__).resolve().parents[2]


def _register(client, title):
    r = client.post(
        "/arsip/baru", data=manual_record_form(title=title), content_type="multipart/form-data"
    )
    assert r.status_code == 302, r.get_data(as_text=True)[-800:]
    return int(r.location.rstrip("/").rsplit("/", 1)[-1])


def _search(client, query):
    r = client.get("/arsip/cari", query_string={"q": query})
    assert r.status_code == 200, (query, r.get_data(as_text=True)[-800:])
    return r.get_data(as_text=True)


def _found(client, query, record_id):
    return f'href="/arsip/{record_id}"' in _search(client, query)


def _redate(app, record_id, day):
    """Give a record a date no form accepts, as an imported bag or an old row may carry."""
    with app.app_context():
        record = db.session.get(ArchiveRecord, record_id)
        record.date_from = record.date_to = day
        record.year = day.year
        indexing.enqueue(record_id)
        db.session.commit()
        indexing.drain()


# --- 1. any date a record holds ---------------------------------------------------------------


@pytest.mark.parametrize(
    "day, queries, misses",
    [
        (
            date(1650, 3, 1),
            ["tanggal:1650", "tanggal:1650-03", "tanggal:1650-03-01", "tanggal:<1651"],
            ["tanggal:1650-03-02", "tanggal:1678", "tanggal:>1650"],
        ),
        (
            date(202, 6, 15),
            ["tanggal:0202", "tanggal:0202-06-15", "tanggal:[0001-01-01 TO 0202-06-15]"],
            ["tanggal:0202-06-14", "tanggal:[0202-06-16 TO *]", "tanggal:1678"],
        ),
    ],
)
def test_a_record_of_any_date_is_indexed_and_found_by_it(app, login, day, queries, misses):
    arsip = login("arsiparis")
    rid = _register(arsip, "Piagam tua")
    _redate(app, rid, day)
    with app.app_context():
        assert indexing.pending() == 0 and indexing.set_aside() == []
    for query in queries:
        assert _found(arsip, query, rid), query
    for query in misses:
        assert not _found(arsip, query, rid), query
    shown = _search(arsip, "piagam")  # the hit shows the real date
    assert f"{day.day} {'Mar' if day.month == 3 else 'Jun'}" in shown and str(day.year) in shown


# --- 2. a poison record ------------------------------------------------------------------------


def _published_record(app):
    s = build_scenario(app)
    build_published(app, s["case_id"])
    with app.app_context():
        return db.session.execute(
            db.select(ArchiveRecord.id).where(ArchiveRecord.case_id == s["case_id"])
        ).scalar_one()


def _json_path(app, record_id):
    """Where the store keeps the record's JSON (what indexing reads for a published case)."""
    with app.app_context():
        sha = db.session.execute(
            db.select(ArchiveFile.sha256)
            .join(ArchiveVersion, ArchiveVersion.id == ArchiveFile.version_id)
            .where(ArchiveVersion.record_id == record_id, ArchiveFile.kind == "json")
        ).scalar_one()
        return archive_store().path(sha)


@pytest.fixture
def poison(app):
    """A published record whose JSON in the archive store is corrupt, queued again (as an
    edit queues it); yields (record id, the JSON's path, its good bytes)."""
    rid = _published_record(app)
    path = _json_path(app, rid)
    good = path.read_bytes()
    path.chmod(0o644)
    path.write_bytes(b"{ bukan json")
    with app.app_context():
        indexing.enqueue(rid)
        db.session.commit()
    return rid, path, good


def _failure(app, rid):
    with app.app_context():
        return db.session.execute(
            db.select(IndexFailure).where(IndexFailure.record_id == rid)
        ).scalar_one_or_none()


def test_a_poison_record_is_set_aside_while_the_rest_drains(app, login, poison):
    rid, _, _ = poison
    arsip = login("arsiparis")
    later = [_register(arsip, f"Notulen gudang {n}") for n in ("satu", "dua", "tiga")]
    with app.app_context():
        assert indexing.pending() == 0
        aside = indexing.set_aside()
    assert [a["record_id"] for a in aside] == [rid]
    assert "JSON arsip rusak" in aside[0]["reason"] and aside[0]["attempts"] == 1
    for n, record_id in zip(("satu", "dua", "tiga"), later, strict=True):
        assert _found(arsip, f'judul:"notulen gudang {n}"', record_id)
    page = arsip.get("/arsip/fiksitas").get_data(as_text=True)
    assert "Disisihkan dari indeks pencarian" in page and "JSON arsip rusak" in page
    assert f'href="/arsip/{rid}"' in page


def test_a_record_set_aside_is_tried_again_after_a_doubling_wait(app, login, poison):
    rid, path, good = poison
    with app.app_context():
        indexing.drain()
    first = _failure(app, rid)
    assert first.next_attempt_at - first.failed_at == timedelta(minutes=1)
    with app.app_context():  # not yet due: a drain leaves it aside
        assert indexing.due() == 0 and indexing.drain() == 0
    assert _failure(app, rid).attempts == 1
    with app.app_context():  # its minute has passed, still broken: the wait doubles
        db.session.execute(
            db.update(IndexFailure).values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
        assert indexing.drain() == 1
    second = _failure(app, rid)
    assert second.attempts == 2
    assert second.next_attempt_at - second.failed_at == timedelta(minutes=2)
    assert indexing.retry_after(20) == timedelta(days=1)
    path.write_bytes(good)  # mended (restored from a copy)
    with app.app_context():
        db.session.execute(
            db.update(IndexFailure).values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
    arsip = login("arsiparis")
    assert _found(arsip, f"nomor:{_nomor(app, rid)}", rid)  # the search drains what is due
    assert _failure(app, rid) is None
    with app.app_context():
        assert indexing.set_aside() == [] and indexing.pending() == 0


def _nomor(app, rid):
    with app.app_context():
        return db.session.get(ArchiveRecord, rid).nomor_arsip


def test_verify_and_reindex_name_a_record_set_aside(app, login, runner, poison):
    rid, path, good = poison
    arsip = login("arsiparis")
    later = _register(arsip, "Notulen sesudahnya")
    shutil.rmtree(app.config["SEARCH_INDEX_DIR"])  # rebuilt by reindex, the poison included
    result = runner.invoke(args=["archive", "reindex", "--quiet"])
    assert result.exit_code == 0, result.output
    nomor = _nomor(app, rid)
    assert f"INDEKS  arsip #{rid} {nomor}: JSON arsip rusak" in result.output
    assert "1 disisihkan." in result.output
    assert _found(arsip, "judul:sesudahnya", later)
    result = runner.invoke(args=["archive", "verify", "--quiet"])
    assert result.exit_code == 1
    assert f"INDEKS  arsip #{rid} {nomor}: JSON arsip rusak" in result.output
    assert "disisihkan dari indeks 1" in result.output
    path.write_bytes(good)
    result = runner.invoke(args=["archive", "reindex", "--quiet"])
    assert result.exit_code == 0 and "0 disisihkan." in result.output, result.output
    assert _found(arsip, f"nomor:{nomor}", rid)
    result = runner.invoke(args=["archive", "verify", "--quiet"])
    assert result.exit_code == 0 and result.output.startswith("OK:"), result.output


# --- a reindex killed with a poison record present -------------------------------------------

CHILD = """
import json, sys, time
config = json.loads(sys.argv[1])
from intranet import create_app
from archive import indexing

app = create_app(config)


def report(n):
    print("chunk", flush=True)
    time.sleep(0.3)  # a window for the kill between the chunks' commits


with app.app_context():
    indexing.reindex(progress=report, chunk=1)
print("done", flush=True)
"""


def _child_config(app, tmp_path):
    keys = set(base_config(tmp_path, "")) | {k for k in app.config if k.endswith("_DIR")}
    return {key: app.config[key] for key in sorted(keys)}


@pytest.mark.parametrize("chunks_before_kill", [1, 3])
def test_a_reindex_killed_beside_a_poison_record_drains_past_it_next_time(
    app, login, runner, tmp_path, poison, chunks_before_kill
):
    rid, _, _ = poison
    arsip = login("arsiparis")
    later = [_register(arsip, f"Notulen lemari {n}") for n in ("satu", "dua", "tiga", "empat")]
    shutil.rmtree(app.config["SEARCH_INDEX_DIR"])
    with app.app_context():
        db.session.execute(db.delete(IndexFailure))
        db.session.commit()
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, json.dumps(_child_config(app, tmp_path))],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        seen = 0
        deadline = time.monotonic() + 120
        while seen < chunks_before_kill and time.monotonic() < deadline:
            line = proc.stdout.readline()
            assert line, "the child ended before the kill"
            seen += line.strip() == "chunk"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    result = runner.invoke(args=["archive", "reindex", "--quiet"])
    assert result.exit_code == 0, result.output
    assert f"INDEKS  arsip #{rid} " in result.output and "1 disisihkan." in result.output
    for n, record_id in zip(("satu", "dua", "tiga", "empat"), later, strict=True):
        assert _found(arsip, f'judul:"notulen lemari {n}"', record_id)
    with app.app_context():
        assert [a["record_id"] for a in indexing.set_aside()] == [rid]
        assert indexing.pending() == 0


# --- 3. the database decides ------------------------------------------------------------------


def _all_ids(app):
    with app.app_context():
        return set(db.session.execute(db.select(ArchiveRecord.id)).scalars())


def test_without_the_index_an_export_holds_every_record(app, login, runner, tmp_path):
    arsip = login("arsiparis")
    ids = {_register(arsip, f"Notulen arsip {n}") for n in ("satu", "dua", "tiga")}
    assert _all_ids(app) == ids
    shutil.rmtree(app.config["SEARCH_INDEX_DIR"])  # as after a restore
    out = tmp_path / "ekspor.zip"
    result = runner.invoke(args=["archive", "export", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("3 arsip"), result.output
    with zipfile.ZipFile(out) as z:
        held = {n for n in z.namelist() if n.endswith("/arsip.json")}
    assert len(held) == 3


def test_without_the_index_a_text_query_says_so(app, login, runner, tmp_path):
    arsip = login("arsiparis")
    _register(arsip, "Notulen arsip satu")
    shutil.rmtree(app.config["SEARCH_INDEX_DIR"])
    result = runner.invoke(args=["archive", "export", str(tmp_path / "e.zip"), "-q", "notulen"])
    assert result.exit_code != 0 and "Indeks pencarian" in result.output, result.output
    assert not (tmp_path / "e.zip").exists()


def test_without_the_index_the_daftar_arsip_lists_every_record(app, login):
    arsip = login("arsiparis")
    ids = {_register(arsip, f"Notulen arsip {n}") for n in ("satu", "dua", "tiga")}
    shutil.rmtree(app.config["SEARCH_INDEX_DIR"])
    r = arsip.get("/arsip/daftar.csv")
    assert r.status_code == 200
    rows = r.get_data(as_text=True).strip().splitlines()
    assert len(rows) == 1 + len(ids)


def test_without_the_index_the_search_page_warns(app, login):
    arsip = login("arsiparis")
    _register(arsip, "Notulen arsip satu")
    shutil.rmtree(app.config["SEARCH_INDEX_DIR"])
    r = arsip.get("/arsip/cari", query_string={"q": "notulen"})
    assert r.status_code == 200
    assert "Indeks pencarian" in r.get_data(as_text=True)
