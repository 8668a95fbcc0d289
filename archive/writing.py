"""Writing to the archive: one operation at a time under its lock, files first, then one
commit; a failure takes back the files the operation wrote.

Every operation runs inside ``archiving()``: the archive lock is held while the files are
written (each one atomically, see ``intranet.storage``) and until the one database commit
that registers them. If anything fails before that commit, the files this operation created
are removed again; if the process dies instead, they stay behind unregistered, and
``archive verify`` names them and can clean them.
"""

import errno
from contextlib import contextmanager

from flask_babel import gettext as _

from archive.models import ArchiveFile
from archive.models import ArchiveVersion
from archive.store import ArchiveBusy
from archive.store import archive_store
from intranet.extensions import db
from intranet.transactions import ServiceError

#: Write errors that mean the archive's disk is full (or the quota reached).
DISK_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


@contextmanager
def _writing():
    """Turn a full disk into a message; the caller's ``archiving()`` removes what was written."""
    try:
        yield
    except OSError as e:
        if e.errno in DISK_FULL:
            raise ServiceError(
                _(
                    "Ruang penyimpanan arsip penuh. Tidak ada yang tersimpan; "
                    "hubungi admin untuk menambah ruang, lalu coba lagi."
                ),
                status=507,
            ) from e
        raise


class Batch:
    """The files one archiving operation wrote, so a failure can take them back."""

    def __init__(self, store):
        self.store = store
        self.created = []

    def put_bytes(self, data):
        with _writing():
            sha, size, created = self.store.put_bytes(data)
        if created:
            self.created.append(sha)
        return sha, size

    def copy_from(self, other, sha256):
        with _writing():
            size, created = self.store.copy_from(other, sha256)
        if created:
            self.created.append(sha256)
        return size

    def put_stream(self, stream, max_bytes=None):
        with _writing():
            sha, size, created = self.store.put(stream, max_bytes)
        if created:
            self.created.append(sha)
        return sha, size

    def discard(self):
        """Remove the files this operation created that no committed row refers to."""
        db.session.rollback()
        if not self.created:
            return
        registered = set(
            db.session.execute(
                db.select(ArchiveFile.sha256).where(ArchiveFile.sha256.in_(self.created))
            ).scalars()
        ) | set(
            db.session.execute(
                db.select(ArchiveVersion.berkas_sha256).where(
                    ArchiveVersion.berkas_sha256.in_(self.created)
                )
            ).scalars()
        )
        db.session.rollback()
        for sha in self.created:
            if sha not in registered:
                self.store.delete(sha)


@contextmanager
def archiving():
    """Hold the archive lock for one operation; undo its files if it fails."""
    store = archive_store()
    try:
        with store.lock():
            batch = Batch(store)
            try:
                yield batch
            except BaseException:
                batch.discard()
                raise
    except ArchiveBusy as e:
        raise ServiceError(_("Arsip sedang sibuk. Coba lagi sebentar lagi."), status=503) from e
