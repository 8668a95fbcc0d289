"""The managed storage locations: the ruang, lemari/rak and boks the forms offer, and the one
way a record's or a transfer's place is read from a form (a chosen boks, or names)."""

from flask_babel import gettext as _

from archive import places
from archive.models import ArchiveRecord
from archive.models import StorageLocation
from intranet.extensions import db
from intranet.transactions import ServiceError
from intranet.transactions import atomic
from intranet.transactions import commit


def _key(kind, parent, name):
    return f"{kind}:{parent.id if parent else 0}:{places.key(kind, name)}"[:190]


def _entry(kind, parent, text):
    """The managed entry of ``kind`` named ``text`` under ``parent``, made if it is new."""
    name = places.clean(kind, text)
    if name is None:
        return None
    if len(name) > places.MAX_LENGTH:
        raise ServiceError(
            _("Nama lokasi terlalu panjang (paling banyak %(n)s karakter).", n=places.MAX_LENGTH)
        )
    key = _key(kind, parent, name)
    found = db.session.execute(
        db.select(StorageLocation).where(StorageLocation.key == key)
    ).scalar_one_or_none()
    if found is not None:
        return found
    # two people adding the same place at once: the unique key refuses the second commit,
    # which the operation reports as a conflict to try again (and then finds the first)
    entry = StorageLocation(kind=kind, name=name, parent=parent, key=key)
    db.session.add(entry)
    db.session.flush()
    return entry


def register(room, cabinet=None, box=None):
    """The entries for a place given by names (new ones are added): (ruang, lemari, boks)."""
    r = _entry("ruang", None, room)
    c = _entry("lemari", r, cabinet) if r is not None else None
    b = _entry("boks", c, box) if c is not None else None
    return r, c, b


def place_of(data):
    """The place a form names, as the record's columns (room, cabinet, box, folder).

    A chosen boks (``place``: its id) gives its ruang and lemari; otherwise the names sent
    are read as managed places (the same place however it is spelled, a new one added).
    """
    folder = places.clean("folder", data.get("folder"))
    if folder and len(folder) > places.MAX_LENGTH:
        raise ServiceError(_("Isian lokasi terlalu panjang (paling banyak 80 karakter)."))
    chosen = data.get("place")
    if chosen:
        box = db.session.get(StorageLocation, int(chosen))
        if box is None or box.kind != "boks":
            raise ServiceError(_("Boks yang dipilih tidak ada lagi. Pilih dari daftar."))
        room, cabinet, box = box.path
        return {"room": room.name, "cabinet": cabinet.name, "box": box.name, "folder": folder}
    names = [data.get(c) for c in ("room", "cabinet", "box")]
    for value in names:
        if value and len(value) > places.MAX_LENGTH:
            raise ServiceError(_("Isian lokasi terlalu panjang (paling banyak 80 karakter)."))
    r, c, b = register(*names)
    return {
        "room": r.name if r else None,
        "cabinet": c.name if c else places.clean("lemari", names[1]),
        "box": b.name if b else places.clean("boks", names[2]),
        "folder": folder,
    }


@atomic
def add(room, cabinet=None, box=None):
    """The arsiparis adds a ruang, a lemari/rak in one, or a boks in that; returns (the
    deepest entry, whether it was new)."""
    if not places.clean("ruang", room):
        raise ServiceError(_("Tuliskan ruangnya."))
    if places.clean("boks", box) and not places.clean("lemari", cabinet):
        raise ServiceError(_("Boks disimpan di lemari/rak: tuliskan lemari/rak-nya juga."))
    before = db.session.execute(db.select(db.func.count(StorageLocation.id))).scalar_one()
    entries = [e for e in register(room, cabinet, box) if e is not None]
    after = db.session.execute(db.select(db.func.count(StorageLocation.id))).scalar_one()
    commit(_("Lokasi itu baru saja ditambahkan orang lain. Muat ulang halaman lalu coba lagi."))
    return entries[-1], after > before


def all_entries():
    """Every managed entry, in the order of the places' lines."""
    rows = db.session.execute(db.select(StorageLocation)).scalars().all()
    return sorted(rows, key=lambda e: [p.label.casefold() for p in e.path])


def box_choices():
    """(id, "Ruang … · Lemari … · Boks …") of every boks, for a select."""
    return [(e.id, e.line) for e in all_entries() if e.kind == "boks"]


def names(kind):
    """The distinct names of one kind (for the filters)."""
    rows = db.session.execute(
        db.select(StorageLocation.name).where(StorageLocation.kind == kind).distinct()
    ).scalars()
    return sorted(set(rows), key=lambda n: places.label(kind, n).casefold())


def tree():
    """[(entry, [children …])] from the rooms down, each boks with its count of records."""
    entries = all_entries()
    counts = {
        (room, cabinet, box): n
        for room, cabinet, box, n in db.session.execute(
            db.select(
                ArchiveRecord.room,
                ArchiveRecord.cabinet,
                ArchiveRecord.box,
                db.func.count(ArchiveRecord.id),
            )
            .where(ArchiveRecord.box.is_not(None))
            .group_by(ArchiveRecord.room, ArchiveRecord.cabinet, ArchiveRecord.box)
        ).all()
    }
    children = {}
    for e in entries:
        children.setdefault(e.parent_id, []).append(e)

    def count(e):
        return counts.get(tuple(p.name for p in e.path), 0)

    return [
        (
            room,
            [
                (cabinet, [(box, count(box)) for box in children.get(cabinet.id, [])])
                for cabinet in children.get(room.id, [])
            ],
        )
        for room in children.get(None, [])
        if room.kind == "ruang"
    ]


def box_id_of(room, cabinet, box):
    """The managed boks a record's names point at, or None (nothing is added)."""
    parent = None
    for kind, name in zip(places.LEVELS, (room, cabinet, box), strict=True):
        if not places.clean(kind, name):
            return None
        parent = db.session.execute(
            db.select(StorageLocation).where(StorageLocation.key == _key(kind, parent, name))
        ).scalar_one_or_none()
        if parent is None:
            return None
    return parent.id


def set_choices(form, record=None):
    """Fill a form's boks select from the managed list (the record's boks chosen)."""
    form.place.choices = [("", _("— pilih boks —"))] + box_choices()
    if record is not None and form.place.data in (None, ""):
        form.place.data = box_id_of(record.room, record.cabinet, record.box)
