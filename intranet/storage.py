"""Content-addressed file storage on local disk: files are named by their SHA-256.

Writes go to a temporary file in the target folder, are fsynced, renamed into place
atomically and the folder is fsynced, so a crash never leaves a torn file under a real name.
"""

import hashlib
import os
import re
import tempfile
from pathlib import Path

from flask import current_app

CHUNK = 1024 * 1024


class StorageError(Exception):
    """A file could not be stored or read."""


class TooLarge(StorageError):
    """The file is larger than the limit given to ``put``."""


#: A SHA-256 hex digest as files are stored under it (lower case).
_DIGEST = re.compile(r"[0-9a-f]{64}")


def is_digest(value):
    """True for a lower-case SHA-256 hex digest: a name a stored file may have."""
    return isinstance(value, str) and _DIGEST.fullmatch(value) is not None


class FileStore:
    """A folder of immutable files addressed by their SHA-256 hex digest."""

    def __init__(self, root):
        self.root = Path(root)

    def path(self, sha256):
        """Where the file with this digest lives (two-level fan-out)."""
        if not is_digest(sha256):
            raise StorageError("invalid digest")
        return self.root / sha256[:2] / sha256

    def exists(self, sha256):
        """True if the file is stored."""
        return self.path(sha256).is_file()

    def put(self, stream, max_bytes=None):
        """Store the bytes read from ``stream``; return ``(sha256, size, created)``.

        ``created`` is False when an identical file was already stored, so a caller whose
        database commit fails knows whether to remove it again.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise TooLarge(f"file larger than {max_bytes} bytes")
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha = digest.hexdigest()
            final = self.path(sha)
            if final.exists():
                os.unlink(tmp)
                return sha, size, False
            final.parent.mkdir(exist_ok=True)
            os.replace(tmp, final)
            os.chmod(final, 0o444)
            _fsync_dir(final.parent)
            return sha, size, True
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    def open(self, sha256):
        """Open a stored file for reading."""
        try:
            return open(self.path(sha256), "rb")
        except FileNotFoundError as e:
            raise StorageError(f"file {sha256} is missing") from e

    def delete(self, sha256):
        """Remove a file; only for one a failed transaction left unregistered."""
        path = self.path(sha256)
        if path.exists():
            path.unlink()
            _fsync_dir(path.parent)


def _fsync_dir(path):
    """Make a rename in ``path`` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def file_store():
    """The store for uploaded files outside the archive (SK scans and the like)."""
    return FileStore(current_app.config["FILES_DIR"])
