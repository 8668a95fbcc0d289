"""Penyusutan's lists: which records are due for pemindahan, pemusnahan, penyerahan or
penilaian kembali on a date, by the retention each record was made under.

A record's active period runs to the end of ``active_until`` (the last year of its kurun
waktu plus its active years); it is due for transfer to inactive storage from the first of
January after. Its inactive period runs to the end of ``disposal_year``; from the first of
January after, its final disposition falls due: destruction (musnah), handover to the
archival institution (permanen) or a new appraisal (dinilai kembali).
"""

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from archive.models import ArchiveRecord
from archive.models import Classification
from archive.retention_models import Disposal
from archive.retention_models import DisposalItem
from archive.retention_models import LegalHold
from intranet import clock
from intranet import permissions
from intranet.extensions import db

#: The lists, in the order the page shows them.
DUE_KINDS = ("pemindahan", "pemusnahan", "penyerahan", "penilaian")
DUE_LABELS = {
    "pemindahan": _l("Pemindahan ke penyimpanan inaktif"),
    "pemusnahan": _l("Pemusnahan"),
    "penyerahan": _l("Penyerahan arsip statis"),
    "penilaian": _l("Penilaian kembali"),
}
#: The list a due record goes on (penilaian kembali is appraised, not listed).
LIST_OF_DUE = {"pemindahan": "pindah", "pemusnahan": "musnah", "penyerahan": "serah"}
#: Lists that still hold their records (a record is on at most one of them).
OPEN_STATUSES = ("disusun", "diajukan", "disetujui")
#: Stages from which a record may still be transferred, destroyed or handed over.
LIVE_STAGES = ("aktif", "inaktif")


def inactive_from(record):
    """The day a record's active period is over (due for pemindahan)."""
    return date(record.active_until + 1, 1, 1)


def disposal_from(record):
    """The day a record's inactive period is over (its final disposition due)."""
    return date(record.disposal_year + 1, 1, 1)


@dataclass
class DueRecord:
    """A record on a due list, with what stands in its way."""

    record: ArchiveRecord
    due_on: date
    hold: LegalHold | None
    open_list: Disposal | None


def _due_condition(kind, as_of):
    """The condition a live record meets when it is due for ``kind`` on ``as_of`` (on the
    stored due years, so each list is read from its index)."""
    last_year = as_of.year - 1  # a period ending in that year is over by the first of January
    if kind == "pemindahan":
        return db.and_(ArchiveRecord.stage == "aktif", ArchiveRecord.active_end_year <= last_year)
    disposition = {"pemusnahan": "musnah", "penyerahan": "permanen", "penilaian": "dinilai_kembali"}
    if kind not in disposition:
        raise ValueError(kind)
    return db.and_(
        ArchiveRecord.retention_disposition == disposition[kind],
        ArchiveRecord.disposal_end_year <= last_year,
    )


def due_query(kind, as_of):
    """The records due for ``kind`` (one of DUE_KINDS) on ``as_of``, as a select."""
    return db.select(ArchiveRecord).where(
        ArchiveRecord.stage.in_(LIVE_STAGES), _due_condition(kind, as_of)
    )


def _filtered(q, user, classification=None, location=None):
    if user is not None:
        q = q.where(ArchiveRecord.access_class.in_(permissions.readable_record_classes(user)))
    if classification:
        code = classification.replace("\\", "").replace("%", "").replace("_", "\\_")
        q = q.join(Classification, Classification.id == ArchiveRecord.classification_id).where(
            Classification.code.like(f"{code}%", escape="\\")
        )
    if location:
        like = "%" + location.replace("\\", "").replace("%", "").replace("_", "\\_") + "%"
        q = q.where(
            db.or_(
                *(
                    getattr(ArchiveRecord, f).like(like, escape="\\")
                    for f in ("room", "cabinet", "box", "folder")
                )
            )
        )
    return q


def due(kind, as_of=None, user=None, classification=None, location=None, limit=500):
    """The records due for ``kind`` on ``as_of`` (default: today in the office's calendar)
    that ``user`` may read (None: all), filtered by a classification code (and the codes
    under it) and a location text; each with its due day, its legal hold and open list."""
    as_of = as_of or clock.today()
    q = _filtered(due_query(kind, as_of), user, classification, location)
    rows = (
        db.session.execute(q.order_by(ArchiveRecord.date_to, ArchiveRecord.id).limit(limit))
        .scalars()
        .all()
    )
    holds = active_holds([r.id for r in rows])
    lists = open_lists([r.id for r in rows])
    day = inactive_from if kind == "pemindahan" else disposal_from
    return [DueRecord(r, day(r), holds.get(r.id), lists.get(r.id)) for r in rows]


def due_counts(as_of=None, user=None):
    """How many records are due on each list today: {kind: count}, in one statement of one
    indexed count per list."""
    as_of = as_of or clock.today()
    counts = []
    for kind in DUE_KINDS:
        q = db.select(db.func.count(ArchiveRecord.id)).where(
            ArchiveRecord.stage.in_(LIVE_STAGES), _due_condition(kind, as_of)
        )
        if user is not None:
            q = q.where(ArchiveRecord.access_class.in_(permissions.readable_record_classes(user)))
        counts.append(q.scalar_subquery())
    row = db.session.execute(db.select(*counts)).one()
    return {kind: int(n) for kind, n in zip(DUE_KINDS, row, strict=True)}


def is_due(record, kind, as_of=None):
    """True if ``record`` is due for ``kind`` on ``as_of``."""
    as_of = as_of or clock.today()
    found = db.session.execute(
        due_query(kind, as_of)
        .where(ArchiveRecord.id == record.id)
        .with_only_columns(ArchiveRecord.id)
    ).scalar()
    return found is not None


def active_holds(record_ids):
    """The legal hold in force on each of these records: {record id: LegalHold}."""
    if not record_ids:
        return {}
    rows = db.session.execute(
        db.select(LegalHold)
        .where(LegalHold.record_id.in_(record_ids), LegalHold.lifted_at.is_(None))
        .order_by(LegalHold.id)
    ).scalars()
    return {h.record_id: h for h in rows}


def holds_of(record):
    """Every legal hold a record has had, the newest first."""
    return (
        db.session.execute(
            db.select(LegalHold)
            .where(LegalHold.record_id == record.id)
            .order_by(LegalHold.id.desc())
        )
        .scalars()
        .all()
    )


def open_lists(record_ids):
    """The open penyusutan list each of these records is on: {record id: Disposal}."""
    if not record_ids:
        return {}
    rows = db.session.execute(
        db.select(DisposalItem.record_id, Disposal)
        .join(Disposal, Disposal.id == DisposalItem.disposal_id)
        .where(DisposalItem.record_id.in_(record_ids), Disposal.status.in_(OPEN_STATUSES))
    )
    return {record_id: d for record_id, d in rows}


def lists_of(record):
    """Every penyusutan list a record has been on, the newest first."""
    return (
        db.session.execute(
            db.select(Disposal)
            .join(DisposalItem, DisposalItem.disposal_id == Disposal.id)
            .where(DisposalItem.record_id == record.id)
            .order_by(Disposal.id.desc())
        )
        .scalars()
        .all()
    )


def destruction_of(record):
    """The carried-out destruction list that destroyed ``record``, or None."""
    return db.session.execute(
        db.select(Disposal)
        .join(DisposalItem, DisposalItem.disposal_id == Disposal.id)
        .where(
            DisposalItem.record_id == record.id,
            Disposal.kind == "musnah",
            Disposal.status == "dilaksanakan",
        )
    ).scalar()


def lists(statuses=None, limit=100):
    """The penyusutan lists, the newest first (optionally only some statuses)."""
    q = db.select(Disposal).order_by(Disposal.id.desc()).limit(limit)
    if statuses:
        q = q.where(Disposal.status.in_(statuses))
    return db.session.execute(q).scalars().all()


def awaiting_decision(user):
    """Destruction lists submitted and waiting for ``user`` to decide (none if they may not)."""
    return [d for d in lists(("diajukan",)) if permissions.can_decide_disposal(user, d)]


def record_state(record):
    """What the record page shows of penyusutan: holds, lists, the destruction if any."""
    holds = holds_of(record)
    return {
        "holds": holds,
        "hold": next((h for h in holds if h.lifted_at is None), None),
        "lists": lists_of(record),
        "destruction": destruction_of(record) if record.destroyed else None,
    }
