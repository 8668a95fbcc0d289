"""Reading the records: by case, listings, locations, boxes, history, files, versions."""

import json

from archive.models import ArchiveEvent
from archive.models import ArchiveFile
from archive.models import ArchiveRecord
from intranet import permissions
from intranet.extensions import db


def record_for_case(case_id):
    """The record made for a case of the SOP, or None."""
    return db.session.execute(
        db.select(ArchiveRecord).where(ArchiveRecord.case_id == case_id)
    ).scalar_one_or_none()


def listing(user, filters, page=1, per_page=25):
    """Records the user may read, newest first, with optional filters."""
    q = db.select(ArchiveRecord).where(
        ArchiveRecord.access_class.in_(permissions.readable_record_classes(user))
    )
    if filters.get("year"):
        q = q.where(ArchiveRecord.year == filters["year"])
    if filters.get("status"):
        q = q.where(ArchiveRecord.hardcopy_status == filters["status"])
    for key in ("room", "cabinet", "box"):
        if filters.get(key):
            q = q.where(getattr(ArchiveRecord, key) == filters[key])
    if filters.get("text"):
        like = f"%{filters['text'].replace(chr(0), '')}%"
        q = q.where(db.or_(ArchiveRecord.nomor_arsip.ilike(like), ArchiveRecord.title.ilike(like)))
    total = db.session.execute(db.select(db.func.count()).select_from(q.subquery())).scalar_one()
    rows = (
        db.session.execute(
            q.order_by(ArchiveRecord.year.desc(), ArchiveRecord.seq.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
        .scalars()
        .all()
    )
    return rows, total


def years():
    return [
        y
        for (y,) in db.session.execute(
            db.select(ArchiveRecord.year).distinct().order_by(ArchiveRecord.year.desc())
        )
    ]


def by_location(user):
    """Filed records grouped by (room, cabinet, box), in order."""
    rows = db.session.execute(
        db.select(ArchiveRecord)
        .where(
            ArchiveRecord.box.is_not(None),
            ArchiveRecord.access_class.in_(permissions.readable_record_classes(user)),
        )
        .order_by(
            ArchiveRecord.room,
            ArchiveRecord.cabinet,
            ArchiveRecord.box,
            ArchiveRecord.folder,
            ArchiveRecord.nomor_arsip,
        )
    ).scalars()
    groups = {}
    for r in rows:
        groups.setdefault((r.room or "", r.cabinet or "", r.box), []).append(r)
    return groups


def box(room, cabinet, box_name):
    """The records filed in one box, by folder."""
    return (
        db.session.execute(
            db.select(ArchiveRecord)
            .where(
                ArchiveRecord.room == room,
                ArchiveRecord.cabinet == cabinet,
                ArchiveRecord.box == box_name,
            )
            .order_by(ArchiveRecord.folder, ArchiveRecord.nomor_arsip)
        )
        .scalars()
        .all()
    )


def events(record):
    return (
        db.session.execute(
            db.select(ArchiveEvent)
            .where(ArchiveEvent.record_id == record.id)
            .order_by(ArchiveEvent.occurred_at, ArchiveEvent.id)
        )
        .scalars()
        .all()
    )


def social_posts(record):
    """The official social media posts of a record's article, as the host noted them:
    dicts of ``platform``, ``url``, ``at`` and ``by``."""
    return [
        {**json.loads(e.data), "at": e.occurred_at, "by": e.actor.full_name}
        for e in events(record)
        if e.kind == "sosial"
    ]


def records_by_id(ids):
    """Records by id (for search hits), as a dict."""
    if not ids:
        return {}
    rows = db.session.execute(db.select(ArchiveRecord).where(ArchiveRecord.id.in_(ids)))
    return {r.id: r for (r,) in rows}


def file_of(record, file_id):
    """An original of one of the record's versions, or None."""
    f = db.session.get(ArchiveFile, file_id) if 0 < file_id < 2**31 else None
    if f is None or f.version.record_id != record.id:
        return None
    return f


def version_of(record, number):
    return next((v for v in record.versions if v.number == number), None)
