"""What waits on the records officers and the Penanggung Jawab, in counts with links: the
hardcopy still to print, stamp and file, the penyusutan lists due, the lists to carry out or
decide, and fixity runs that found a problem."""

from dataclasses import dataclass

from flask import url_for
from flask_babel import lazy_gettext as _l

from archive import retention
from archive.models import ArchiveRecord
from archive.models import FixityRun
from archive.retention_models import Disposal
from intranet import permissions
from intranet.extensions import db

#: The hardcopy's next step, by its status now.
HARDCOPY_WAITING = {
    "belum_dicetak": _l("Belum dicetak"),
    "dicetak": _l("Dicetak, belum distempel/ditandatangani"),
    "distempel": _l("Distempel, belum disimpan di boks"),
}


@dataclass
class Item:
    """One line of the worklist: what, how many, where to go."""

    label: str
    count: int
    url: str


def _hardcopy_waiting(user):
    """The live paper records ``user`` may open whose hardcopy is not yet filed."""
    return (
        ArchiveRecord.hardcopy_status.in_(HARDCOPY_WAITING),
        ArchiveRecord.stage.in_(retention.LIVE_STAGES),
        ArchiveRecord.media_paper.is_(True),
        ArchiveRecord.access_class.in_(permissions.readable_record_classes(user)),
    )


def _hardcopy(user):
    rows = db.session.execute(
        db.select(ArchiveRecord.hardcopy_status, db.func.count())
        .where(*_hardcopy_waiting(user))
        .group_by(ArchiveRecord.hardcopy_status)
    )
    counts = dict(rows.all())
    return [
        Item(str(label), counts[status], url_for("archive.index", status=status))
        for status, label in HARDCOPY_WAITING.items()
        if counts.get(status)
    ]


def hardcopy_count(user):
    """A query counting the records whose hardcopy waits on ``user`` (for a badge, to be
    asked with others in one statement); None for anyone who does not keep the archive."""
    if not permissions.keeps_archive(user):
        return None
    return db.select(db.func.count(ArchiveRecord.id)).where(*_hardcopy_waiting(user))


def hardcopy_records(user, limit=50):
    """The records whose hardcopy waits on ``user`` (a keeper), by the step still to do:
    ``[(label, total, [record, ...])]`` with at most ``limit`` records of each, oldest
    first; empty for anyone who does not keep the archive."""
    if not permissions.keeps_archive(user):
        return []
    found = []
    for status, label in HARDCOPY_WAITING.items():
        where = (*_hardcopy_waiting(user), ArchiveRecord.hardcopy_status == status)
        total = db.session.execute(db.select(db.func.count(ArchiveRecord.id)).where(*where))
        total = total.scalar_one()
        if total:
            records = db.session.execute(
                db.select(ArchiveRecord).where(*where).order_by(ArchiveRecord.id).limit(limit)
            )
            found.append((str(label), total, records.scalars().all()))
    return found


def _failed_runs():
    """Verify runs that found a problem since the last one that found none."""
    last_ok = db.session.execute(
        db.select(db.func.max(FixityRun.id)).where(
            FixityRun.kind == "verifikasi", FixityRun.ok.is_(True)
        )
    ).scalar()
    q = db.select(db.func.count()).where(FixityRun.kind == "verifikasi", FixityRun.ok.is_(False))
    if last_ok is not None:
        q = q.where(FixityRun.id > last_ok)
    return db.session.execute(q).scalar_one()


def for_user(user):
    """The worklist of ``user`` (empty for those who neither keep the archive nor decide a
    destruction)."""
    items = []
    if permissions.keeps_archive(user):
        items += _hardcopy(user)
        for kind, count in retention.due_counts(user=user).items():
            if count:
                label = str(retention.DUE_LABELS[kind])
                items.append(Item(label, count, url_for("retention.index", jenis=kind)))
        waiting = db.session.execute(
            db.select(db.func.count()).where(Disposal.status.in_(("disusun", "disetujui")))
        ).scalar_one()
        if waiting:
            label = str(_l("Daftar penyusutan untuk diajukan atau dilaksanakan"))
            items.append(Item(label, waiting, url_for("retention.index")))
        failed = _failed_runs()
        if failed:
            items.append(
                Item(
                    str(_l("Pemeriksaan keutuhan berkas menemukan masalah")),
                    failed,
                    url_for("archive.fixity_log"),
                )
            )
    return items


def awaiting_decision(user):
    """The destruction lists waiting for ``user``'s decision, as (label, url) items."""
    if not permissions.has_role(user, *permissions.DISPOSAL_APPROVERS):
        return []
    return [
        Item(
            str(_l("Usul musnah #%(id)s (%(n)s arsip)", id=d.id, n=len(d.items))),
            len(d.items),
            url_for("retention.detail", disposal_id=d.id),
        )
        for d in retention.awaiting_decision(user)
    ]
