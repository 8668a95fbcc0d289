"""Backups of a whole instance as one tar, checked by a manifest, and their restore.

A backup holds a consistent snapshot of the database (SQLite: the online backup API; a
server database: every table's rows in dependency order as JSON lines, read in one
REPEATABLE READ transaction, so no dump tool of a matching version is needed), then the
files folder, the archive folder and the instance's key files, and last ``manifest.json``
(every member's SHA-256 and size, the Alembic revision, the database kind, the time). The
folders are content-addressed and append-only, so copying them after the snapshot is
consistent: a file added meanwhile is a harmless extra. Nothing holds a lock for long.

The tar is written as ``OUT.part`` and renamed when complete; a tar without its manifest
(a killed backup) is refused by ``verify`` and ``restore``. ``restore`` loads into an empty
instance migrated to the same revision, checks every member before writing anything, and
rebuilds the search index afterwards.
"""

import base64
import contextlib
import hashlib
import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
from datetime import date
from datetime import datetime
from datetime import time
from decimal import Decimal
from pathlib import Path
from pathlib import PurePosixPath

import sqlalchemy as sa
from flask import current_app

from archive import indexing
from intranet.clock import iso
from intranet.clock import utcnow
from intranet.extensions import db
from intranet.services import anchors

FORMAT = "warta-backup/1"
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database/warta.sqlite3"
ROWS_MEMBER = "database/rows.jsonl"
#: The instance's key files (secrets!): the session/link key and any other ``*_key`` file,
#: such as the trail anchor key; and the log of anchored chain heads.
KEY_SUFFIX = "_key"
INSTANCE_LOGS = (anchors.LOG_FILE,)
#: Tables whose rows the migrations themselves insert: a freshly migrated database has
#: rows in these and is still empty.
SEEDED_TABLES = frozenset(
    {
        "alembic_version",
        "categories",
        "archive_retention_rules",
        "archive_classifications",
        "audit_head",
        "site_state",
    }
)
CHUNK = 1 << 20
BATCH = 1000


class BackupError(Exception):
    """A backup cannot be made, checked or restored; the message says why (Indonesian)."""


# --- what goes in -----------------------------------------------------------------------------


def database_kind(engine=None):
    """``sqlite``, ``postgresql`` or ``mariadb`` (MySQL counts as MariaDB)."""
    name = (engine or db.engine).dialect.name
    return "mariadb" if name in ("mysql", "mariadb") else name


def _folders():
    """The data folders in the tar: member prefix → folder on disk."""
    return {
        "files": Path(current_app.config["FILES_DIR"]),
        "archive": Path(current_app.config["ARCHIVE_DIR"]),
    }


def _folder_files(root):
    """Every stored file under ``root`` (relative POSIX paths, sorted); dot files (locks,
    files still being written) are left out."""
    if not root.is_dir():
        return []
    found = []
    for dirpath, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in files:
            path = Path(dirpath) / name
            if not name.startswith(".") and path.is_file() and not path.is_symlink():
                found.append(path.relative_to(root).as_posix())
    return sorted(found)


def _instance_files():
    """The instance's key files and anchor log: name → path."""
    instance = Path(current_app.instance_path)
    if not instance.is_dir():
        return {}
    return {
        p.name: p
        for p in sorted(instance.iterdir())
        if p.is_file()
        and not p.name.startswith(".")
        and (p.name.endswith(KEY_SUFFIX) or p.name in INSTANCE_LOGS)
    }


class _Hashing:
    """A reader that hashes and counts what is read through it."""

    def __init__(self, f):
        self.f = f
        self.sha = hashlib.sha256()
        self.size = 0

    def read(self, n=-1):
        data = self.f.read(n)
        self.sha.update(data)
        self.size += len(data)
        return data


def _add(tar, name, path, members):
    """Add the file at ``path`` as ``name``, hashing it as it is copied."""
    with open(path, "rb") as f:
        info = tarfile.TarInfo(name)
        info.size = os.fstat(f.fileno()).st_size
        info.mtime = int(os.fstat(f.fileno()).st_mtime)
        info.mode = 0o600
        reader = _Hashing(f)
        tar.addfile(info, reader)
    if reader.size != info.size:
        raise BackupError(f"{name} berubah ukuran selama dicadangkan")
    members.append({"name": name, "sha256": reader.sha.hexdigest(), "size": info.size})


def create_backup(out, progress=None):
    """Write a backup of this instance to ``out`` (via ``out.part``); return its manifest."""
    out = Path(out)
    part = out.with_name(out.name + ".part")
    members = []
    with tempfile.TemporaryDirectory(prefix=".warta-backup-", dir=out.parent) as work:
        # the anchor log before the database: every head it names is then in the snapshot
        copies = Path(work) / "instance"
        copies.mkdir()
        for name, path in _instance_files().items():
            shutil.copyfile(path, copies / name)
        snapshot, revision = _snapshot_database(Path(work))
        kind = database_kind()
        try:
            # it holds the secret key and every record: readable by its owner alone
            with contextlib.suppress(FileNotFoundError):
                os.unlink(part)  # a killed run's, with whatever mode it had
            fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as raw:
                with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
                    member = SQLITE_MEMBER if kind == "sqlite" else ROWS_MEMBER
                    _add(tar, member, snapshot, members)
                    os.unlink(snapshot)
                    for prefix, root in _folders().items():
                        for rel in _folder_files(root):
                            with contextlib.suppress(FileNotFoundError):  # see the docstring
                                _add(tar, f"{prefix}/{rel}", root / rel, members)
                            if progress:
                                progress(1)
                    for path in sorted(copies.iterdir()):
                        _add(tar, f"instance/{path.name}", path, members)
                    manifest = {
                        "format": FORMAT,
                        "created": iso(utcnow()),
                        "database": {"kind": kind, "alembic_revision": revision},
                        "members": members,
                    }
                    data = json.dumps(manifest, indent=1, sort_keys=True).encode()
                    info = tarfile.TarInfo(MANIFEST)
                    info.size = len(data)
                    info.mtime = int(utcnow().timestamp())
                    info.mode = 0o600
                    tar.addfile(info, io.BytesIO(data))
                raw.flush()
                os.fsync(raw.fileno())
            os.replace(part, out)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(part)
            raise
    _fsync_dir(out.parent)
    return manifest


def _fsync_dir(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _snapshot_database(work):
    """A consistent copy of the database in ``work``; (its path, the Alembic revision)."""
    db.session.remove()
    if database_kind() == "sqlite":
        target = work / "warta.sqlite3"
        timeout = current_app.config["SQLITE_BUSY_TIMEOUT_MS"] / 1000
        source = sqlite3.connect(db.engine.url.database, timeout=timeout)
        copy = sqlite3.connect(target)
        try:
            # in one step: one read transaction, a consistent snapshot; writers carry on (WAL)
            source.backup(copy)
            copy.execute("PRAGMA journal_mode = DELETE")
            revision = _revision_of(copy)
        finally:
            copy.close()
            source.close()
        return target, revision
    target = work / "rows.jsonl"
    with db.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        meta = sa.MetaData()
        meta.reflect(bind=conn)
        revision = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        with open(target, "w", encoding="utf-8") as f:
            for table in meta.sorted_tables:
                if table.name == "alembic_version":
                    continue
                order = list(table.primary_key.columns) or list(table.columns)
                rows = conn.execution_options(stream_results=True, yield_per=BATCH).execute(
                    table.select().order_by(*order)
                )
                for row in rows:
                    line = {"t": table.name, "r": dict(row._mapping)}
                    f.write(json.dumps(line, default=_encode, ensure_ascii=False) + "\n")
        conn.rollback()
    return target, revision


def _revision_of(conn):
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        return None
    return row[0] if row else None


def _encode(value):
    """JSON for the column values JSON has no type for, tagged so they load back as such."""
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$d": value.isoformat()}
    if isinstance(value, time):
        return {"$t": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$n": str(value)}
    if isinstance(value, bytes | memoryview):
        return {"$b": base64.b64encode(bytes(value)).decode()}
    raise TypeError(f"cannot back up a value of type {type(value).__name__}")


_DECODE = {
    "$dt": datetime.fromisoformat,
    "$d": date.fromisoformat,
    "$t": time.fromisoformat,
    "$n": Decimal,
    "$b": base64.b64decode,
}


def _decode(obj):
    if len(obj) == 1:
        ((key, value),) = obj.items()
        if key in _DECODE:
            return _DECODE[key](value)
    return obj


# --- checking ---------------------------------------------------------------------------------


def _safe_name(name):
    """Whether a member name stays inside the place it is restored to.

    Only a name already in its normal form (no ``//``, ``.``, trailing ``/``) is taken, so
    the string restore splits is the path it checks; ``instance/`` holds only the key files
    and the anchor log (never ``config.py``, which the next start would run).
    """
    path = PurePosixPath(name)
    return (
        bool(name)
        and name == path.as_posix()
        and not path.is_absolute()
        and ".." not in path.parts
        and "." not in path.parts
        and "\\" not in name
        and "\x00" not in name
        and path.parts[0] in ("database", "files", "archive", "instance")
        and len(path.parts) >= 2
        and (
            path.parts[0] != "instance"
            or (
                len(path.parts) == 2
                and (path.name.endswith(KEY_SUFFIX) or path.name in INSTANCE_LOGS)
            )
        )
    )


def read_manifest(tar):
    """The manifest of an open tar, checked for shape; BackupError when it has none."""
    try:
        members = tar.getmembers()
    except (tarfile.TarError, OSError) as e:
        raise BackupError(f"arsip tar rusak atau terpotong: {e}") from e
    if not members or members[-1].name != MANIFEST or not members[-1].isfile():
        raise BackupError(
            "cadangan tidak lengkap: manifest.json tidak ada di akhir arsip tar "
            "(pencadangan terhenti sebelum selesai?)"
        )
    try:
        manifest = json.loads(tar.extractfile(members[-1]).read())
        entries = manifest["members"]
        if manifest.get("format") != FORMAT:
            raise ValueError(manifest.get("format"))
        for e in entries:
            if not (isinstance(e["name"], str) and isinstance(e["size"], int)):
                raise ValueError(e)
            if not (isinstance(e["sha256"], str) and len(e["sha256"]) == 64):
                raise ValueError(e)
        manifest["database"]["kind"], manifest["database"]["alembic_revision"]  # noqa: B018
    except (ValueError, KeyError, TypeError) as e:
        raise BackupError("manifest.json tidak dapat dibaca atau bentuknya salah") from e
    return manifest


def _open(path):
    try:
        return tarfile.open(path, mode="r:")
    except (tarfile.TarError, OSError) as e:
        raise BackupError(f"{path} bukan arsip tar cadangan yang utuh: {e}") from e


def check(path, progress=None):
    """Every member of the backup against its manifest; (manifest, problems)."""
    with _open(path) as tar:
        try:
            manifest = read_manifest(tar)
            expected = {e["name"]: e for e in manifest["members"]}
            problems, seen = [], set()
            for member in tar.getmembers()[:-1]:
                name = member.name
                entry = expected.get(name)
                if entry is None or name in seen:
                    problems.append(f"TAK TERDAFTAR {name}")
                    continue
                seen.add(name)
                if not member.isfile() or not _safe_name(name):
                    problems.append(f"TIDAK SAH {name}")
                    continue
                sha, size = hashlib.sha256(), 0
                f = tar.extractfile(member)
                while block := f.read(CHUNK):
                    sha.update(block)
                    size += len(block)
                if size != entry["size"] or sha.hexdigest() != entry["sha256"]:
                    problems.append(f"BERUBAH {name}")
                if progress:
                    progress(1)
            problems += [f"HILANG {name}" for name in expected if name not in seen]
        except (tarfile.TarError, OSError) as e:
            raise BackupError(f"{path} rusak atau terpotong: {e}") from e
    return manifest, problems


# --- restoring --------------------------------------------------------------------------------


def _current_revision():
    try:
        return db.session.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    except sa.exc.DBAPIError:
        db.session.rollback()
        return None


def emptiness_problems():
    """Why this instance is not empty (a database row, a stored file), or []."""
    problems = []
    for name in sa.inspect(db.engine).get_table_names():
        if name in SEEDED_TABLES:
            continue
        table = sa.table(name)
        if db.session.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first():
            problems.append(f"basis data: tabel {name} berisi data")
    db.session.rollback()
    for prefix, root in _folders().items():
        if _folder_files(root):
            problems.append(f"folder {prefix} ({root}) tidak kosong")
    return problems


def restore_backup(path, progress=None):
    """Restore a checked backup into this empty instance; return its manifest.

    Refuses (BackupError, nothing written) when the instance is not empty, the database
    is of another kind or revision, or any member does not match the manifest.
    """
    problems = emptiness_problems()
    if problems:
        more = f"; dan {len(problems) - 5} lainnya" if len(problems) > 5 else ""
        raise BackupError("pemulihan hanya ke instans kosong: " + "; ".join(problems[:5]) + more)
    with _open(path) as tar:
        manifest = read_manifest(tar)
    kind, revision = manifest["database"]["kind"], manifest["database"]["alembic_revision"]
    if kind != database_kind():
        raise BackupError(f"cadangan dari basis data {kind}, bukan {database_kind()}")
    current = _current_revision()
    if current != revision:
        raise BackupError(
            f"revisi migrasi berbeda: cadangan {revision}, basis data ini {current} "
            "(jalankan `flask db upgrade` ke revisi yang sama)"
        )
    manifest, problems = check(path)
    if problems:
        raise BackupError("cadangan tidak cocok dengan manifest-nya: " + "; ".join(problems))

    folders = _folders()
    instance = Path(current_app.instance_path)
    with _open(path) as tar, tempfile.TemporaryDirectory(prefix=".restore-", dir=instance) as work:
        database = None
        for member in tar.getmembers()[:-1]:
            if not _safe_name(member.name):  # checked again on the file being written
                raise BackupError(f"nama anggota tidak aman: {member.name!r}")
            top, *rest = PurePosixPath(member.name).parts
            if top == "database":
                database = Path(work) / rest[-1]
                target = database
            elif top == "instance":
                target = instance / rest[-1]
            else:
                target = folders[top].joinpath(*rest)
                if not target.resolve().is_relative_to(Path(folders[top]).resolve()):
                    raise BackupError(f"nama anggota tidak aman: {member.name!r}")
            _write(tar.extractfile(member), target)
            if progress:
                progress(1)
        if database is None:
            raise BackupError("cadangan tanpa basis data")
        _load_database(database)
    indexing.reindex()
    indexing.drain(timeout=60.0)
    return manifest


def _write(src, target):
    """Write a member in place: a temporary file beside it, synced, renamed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as f:
            shutil.copyfileobj(src, f, CHUNK)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _load_database(snapshot):
    """Load the snapshot into the (empty, same revision) database, in one transaction."""
    db.session.remove()
    if database_kind() == "sqlite":
        db.engine.dispose()
        source = sqlite3.connect(snapshot)
        target = sqlite3.connect(db.engine.url.database)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        db.engine.dispose()
        return
    meta = sa.MetaData()
    mariadb = database_kind() == "mariadb"
    with db.engine.begin() as conn:
        meta.reflect(bind=conn)
        if mariadb:
            # a setting of the connection, not of the transaction: a load that fails must
            # not hand the pool a connection that no longer checks foreign keys
            conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 0")
        try:
            _load_rows(conn, meta, snapshot)
        except BaseException:
            if mariadb:
                conn.invalidate()
            raise
        if mariadb:
            conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 1")
        else:
            _reset_sequences(conn, meta)


def _load_rows(conn, meta, snapshot):
    """Replace every table's rows (the migrations' seed rows too) with the snapshot's."""
    for table in reversed(meta.sorted_tables):
        if table.name != "alembic_version":
            conn.execute(table.delete())
    batch, current = [], None
    with open(snapshot, encoding="utf-8") as f:
        for line in f:
            item = json.loads(line, object_hook=_decode)
            if item["t"] != current or len(batch) >= BATCH:
                if batch:
                    conn.execute(meta.tables[current].insert(), batch)
                batch, current = [], item["t"]
            batch.append(item["r"])
    if batch:
        conn.execute(meta.tables[current].insert(), batch)


def _reset_sequences(conn, meta):
    """PostgreSQL: move every serial sequence past the ids just loaded."""
    for table in meta.sorted_tables:
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not isinstance(pk[0].type, sa.Integer):
            continue
        seq = conn.execute(
            sa.text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": pk[0].name}
        ).scalar()
        if seq:
            conn.execute(
                sa.text(
                    f'SELECT setval(:s, COALESCE(MAX("{pk[0].name}"), 1), '  # noqa: S608
                    f'MAX("{pk[0].name}") IS NOT NULL) FROM "{table.name}"'
                ),
                {"s": seq},
            )
