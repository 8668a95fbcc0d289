"""After a record is made: its hardcopy filed, and notes on its history."""

import json

from flask_babel import gettext as _

from archive import indexing
from archive import locations
from archive.models import HARDCOPY_STATUSES
from archive.models import ArchiveEvent
from archive.records import record_for_case
from intranet.clock import utcnow
from intranet.extensions import db
from intranet.transactions import ServiceError
from intranet.transactions import atomic
from intranet.transactions import check_version
from intranet.transactions import commit


def add_event(record, kind, actor_id, data=None, note=None):
    db.session.add(
        ArchiveEvent(
            record=record,
            kind=kind,
            actor_id=actor_id,
            data=json.dumps(data or {}, sort_keys=True, ensure_ascii=False),
            note=note,
        )
    )


def location_of(data):
    """The place a form names, as managed places (see ``locations.place_of``)."""
    return locations.place_of(data)


def require_location(record):
    if not (record.room and record.cabinet and record.box):
        raise ServiceError(_("Arsip yang disimpan harus punya lokasi: ruang, lemari/rak dan boks."))


@atomic
def record_hardcopy(record, user, data):
    """The arsiparis records where the printed berkas and stamped originals are."""
    check_version(record, data.get("version"))
    status = data["status"]
    if status not in HARDCOPY_STATUSES:
        raise ServiceError(_("Status arsip fisik tidak dikenal."))
    before = {
        "status": record.hardcopy_status,
        "location": record.location,
    }
    record.hardcopy_status = status
    for k, v in location_of(data).items():
        setattr(record, k, v)
    if status == "disimpan":
        require_location(record)
        record.filed_by_id, record.filed_at = user.id, utcnow()
    add_event(
        record,
        "fisik",
        user.id,
        {"from": before, "status": status, "location": record.location, "place": record.place},
        (data.get("note") or "").strip() or None,
    )
    indexing.enqueue(record.id)
    commit()


def note_social_post(case_id, platform_label, url, actor_id):
    """Note an official social media post of an archived article on its record's history."""
    record = record_for_case(case_id)
    if record is None:
        return
    add_event(record, "sosial", actor_id, {"platform": platform_label, "url": url})
