"""The archive's own content-addressed folder, and the lock that keeps it consistent.

Originals are copied here from the working file store and never modified. Archiving and the
stray-file check of ``verify`` take the archive lock, so a file written by an archiving
operation that has not yet committed is never taken for a stray, and an operation that fails
can remove the files it created without touching anyone else's.
"""

import fcntl
import hashlib
import io
import os
import time
from contextlib import contextmanager
from pathlib import Path

from flask import current_app

from intranet.storage import CHUNK
from intranet.storage import FileStore
from intranet.storage import StorageError
from intranet.storage import is_digest


class ArchiveBusy(StorageError):
    """The archive lock could not be taken in time."""


#: What belongs in the archive folder beside ``objects/``: the lock file, nothing else.
KNOWN_FILES = frozenset({".lock"})


class ArchiveStore(FileStore):
    """The archive folder: ``objects/`` named by SHA-256, and a lock file beside it."""

    def __init__(self, root):
        self.base = Path(root)
        super().__init__(self.base / "objects")

    @contextmanager
    def lock(self, timeout=60.0):
        """Hold the archive lock (one archiving operation or stray check at a time)."""
        self.base.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.base / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise ArchiveBusy("the archive is busy") from None
                    time.sleep(0.05)
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the lock

    def put_bytes(self, data):
        """Store ``data``; return ``(sha256, size, created)``."""

        return self.put(io.BytesIO(data))

    def copy_from(self, other, sha256):
        """Copy a file from another store, checking it still has the digest it is named by."""
        with other.open(sha256) as f:
            got, size, created = self.put(f)
        if got != sha256:
            if created:
                self.delete(got)
            raise StorageError(f"file {sha256} in the working store does not match its name")
        return size, created

    def read(self, sha256):
        with self.open(sha256) as f:
            return f.read()

    def digest(self, sha256):
        """Recompute a stored file's SHA-256 and size (None when missing)."""
        try:
            f = open(self.path(sha256), "rb")
        except FileNotFoundError:
            return None
        h, size = hashlib.sha256(), 0
        with f:
            while chunk := f.read(CHUNK):
                h.update(chunk)
                size += len(chunk)
        return h.hexdigest(), size

    def walk(self):
        """Every file under ``objects/``: ``(relative name, digest or None)``.

        The digest is None for anything that is not a well-named stored file, such as the
        temporary file of a write that was interrupted.
        """
        if not self.root.exists():
            return
        for dirpath, _dirs, files in os.walk(self.root):
            for name in sorted(files):
                path = Path(dirpath) / name
                rel = path.relative_to(self.root).as_posix()
                ok = (
                    is_digest(name)
                    and path.parent.name == name[:2]
                    and path.parent.parent == self.root
                )
                yield rel, name if ok else None

    def walk_outside(self):
        """Every file in the archive folder outside ``objects/`` that does not belong there:
        ``(absolute path, modification time)``."""
        if not self.base.exists():
            return
        objects = self.root.resolve()
        for dirpath, dirs, files in os.walk(self.base):
            folder = Path(dirpath)
            dirs[:] = sorted(d for d in dirs if (folder / d).resolve() != objects)
            for name in sorted(files):
                path = folder / name
                if folder == self.base and name in KNOWN_FILES:
                    continue
                try:
                    mtime = path.lstat().st_mtime
                except FileNotFoundError:
                    continue
                yield str(path), mtime

    def mtime(self, rel):
        """When a file under ``objects/`` was last written (0 if it is gone)."""
        try:
            return (self.root / rel).stat().st_mtime
        except FileNotFoundError:
            return 0

    def remove_relative(self, rel):
        """Remove a stray file by its name relative to ``objects/``."""
        path = (self.root / rel).resolve()
        if self.root.resolve() not in path.parents:
            raise StorageError("outside the archive")
        if path.is_file():
            path.unlink()


def archive_store():
    """The archive store of the current app."""
    return ArchiveStore(current_app.config["ARCHIVE_DIR"])
