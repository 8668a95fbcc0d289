"""Archive operations: records made at publication, new versions, manual records, hardcopy.

Every operation runs inside ``archiving()``: the archive lock is held while the files are
written (each one atomically, see ``intranet.storage``) and until the one database commit
that registers them. If anything fails before that commit, the files this operation created
are removed again; if the process dies instead, they stay behind unregistered, and
``archive verify`` names them and can clean them.
"""

import errno
import io
import json
from contextlib import contextmanager

import segno
from flask import current_app
from flask import render_template
from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup

from archive import indexing
from archive import pdf
from archive.models import DISPOSITIONS
from archive.models import FILE_KINDS
from archive.models import HARDCOPY_STATUSES
from archive.models import ArchiveCounter
from archive.models import ArchiveEvent
from archive.models import ArchiveFile
from archive.models import ArchiveRecord
from archive.models import ArchiveVersion
from archive.models import Classification
from archive.models import RetentionRule
from archive.snapshot import Archived
from archive.store import ArchiveBusy
from archive.store import archive_store
from intranet import permissions
from intranet.clock import today
from intranet.clock import utcnow
from intranet.counters import next_seq
from intranet.extensions import db
from intranet.storage import StorageError
from intranet.transactions import ServiceError
from intranet.transactions import atomic
from intranet.transactions import check_version
from intranet.transactions import commit
from intranet.uploads import SCAN_TYPES
from intranet.uploads import UploadError
from intranet.uploads import check_upload

RECORD_FORMAT = "warta-archive-record/1"
REASONS = {"terbit": "Terbit", "koreksi": "Koreksi", "penarikan": "Penarikan", "manual": "Manual"}


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


# --- tables --------------------------------------------------------------------------------


def classifications(active_only=True):
    q = db.select(Classification).order_by(Classification.code)
    if active_only:
        q = q.where(Classification.active.is_(True))
    return db.session.execute(q).scalars().all()


def retention_rules(active_only=True):
    q = db.select(RetentionRule).order_by(RetentionRule.name)
    if active_only:
        q = q.where(RetentionRule.active.is_(True))
    return db.session.execute(q).scalars().all()


def default_classification():
    """The classification of records made at publication (config ARCHIVE_CLASSIFICATION)."""
    code = current_app.config["ARCHIVE_CLASSIFICATION"]
    found = db.session.execute(
        db.select(Classification).where(
            Classification.code == code, Classification.active.is_(True)
        )
    ).scalar_one_or_none()
    if found is None:
        found = next(iter(classifications()), None)
    if found is None:
        raise ServiceError(
            _("Tabel klasifikasi arsip kosong; arsiparis perlu mengisinya lebih dahulu.")
        )
    return found


@atomic
def save_classification(data, classification=None):
    """Add or change a row of the classification table."""
    code = (data.get("code") or "").strip()
    clash = db.session.execute(
        db.select(Classification.id).where(Classification.code == code)
    ).scalar()
    if clash and (classification is None or clash != classification.id):
        raise ServiceError(_("Kode klasifikasi %(code)s sudah ada.", code=code))
    if classification is None:
        classification = Classification()
        db.session.add(classification)
    else:
        check_version(classification, data.get("version"))
    classification.code = code
    classification.name = data["name"].strip()
    classification.retention_id = data.get("retention_id") or None
    classification.active = bool(data.get("active", True))
    classification.is_sample = False
    commit(_("Kode klasifikasi %(code)s sudah ada.", code=code))
    return classification


@atomic
def save_retention(data, rule=None):
    """Add or change a row of the retention table."""
    if data["disposition"] not in DISPOSITIONS:
        raise ServiceError(_("Keterangan akhir retensi tidak dikenal."))
    if rule is None:
        rule = RetentionRule()
        db.session.add(rule)
    else:
        check_version(rule, data.get("version"))
    rule.name = data["name"].strip()
    rule.active_years = data["active_years"]
    rule.inactive_years = data["inactive_years"]
    rule.disposition = data["disposition"]
    rule.basis = (data.get("basis") or "").strip() or None
    rule.active = bool(data.get("active", True))
    rule.is_sample = False
    commit()
    return rule


# --- numbering -----------------------------------------------------------------------------


def format_nomor_arsip(seq, year, classification):
    return current_app.config["ARCHIVE_NUMBER_FORMAT"].format(
        seq=seq,
        year=year,
        region=current_app.config["OFFICE_REGION_CODE"],
        classification=classification.code,
    )


def _new_record(classification, year, **fields):
    seq = next_seq(ArchiveCounter, year)
    retention = classification.retention
    record = ArchiveRecord(
        nomor_arsip=format_nomor_arsip(seq, year, classification),
        year=year,
        seq=seq,
        classification=classification,
        retention=retention,
        retention_active_years=retention.active_years if retention else 0,
        retention_inactive_years=retention.inactive_years if retention else 0,
        retention_disposition=retention.disposition if retention else "dinilai_kembali",
        **fields,
    )
    db.session.add(record)
    db.session.flush()
    return record


# --- records made by the SOP ---------------------------------------------------------------


def record_for_case(case_id):
    """The record made for a case of the SOP, or None."""
    return db.session.execute(
        db.select(ArchiveRecord).where(ArchiveRecord.case_id == case_id)
    ).scalar_one_or_none()


def record_publication(pub, source, batch):
    """Archive a publication (``snapshot.Publication``), in the host's transaction.

    The first publication of a case makes its record; a correction or a withdrawal adds a
    version with a new berkas (the earlier ones stay). ``source`` is the file store the
    originals are copied from. Returns an ``Archived`` receipt.
    """
    record = record_for_case(pub.case_id)
    if record is None:
        record = _record_of(pub)
    else:
        record.date_to = today()
        record.title = pub.title
    return _make_version(record, pub, source, batch)


def _record_of(pub):
    day = today()
    agenda = ", ".join(m.nomor_agenda for m in pub.materials)
    uraian = (
        f'Berita "{pub.title}" (kategori {pub.category}) yang diterbitkan '
        f"di situs resmi {current_app.config['OFFICE_NAME']}"
        + (f", bersumber dari bahan nomor agenda {agenda}" if agenda else "")
        + ", beserta jejak persetujuan SOP Pengelolaan Website dan berkas aslinya. "
        + pub.summary_text[:300]
    ).strip()
    record = _new_record(
        default_classification(),
        day.year,
        origin="sop",
        case_id=pub.case_id,
        title=pub.title,
        uraian=uraian,
        date_from=min(pub.date_from, day),
        date_to=day,
        tingkat="asli",
        media_electronic=True,
        media_paper=True,
        access_class=pub.access_class,
        jumlah="1 berkas",
        created_by_id=pub.made_by_id,
    )
    _add_event(record, "dibuat", pub.made_by_id, {"nomor_arsip": record.nomor_arsip})
    return record


def _file(kind, sha, size, filename, mimetype, description, access_class="biasa"):
    return {
        "kind": kind,
        "access_class": access_class,
        "sha256": sha,
        "size": size,
        "filename": filename,
        "mimetype": mimetype,
        "relationship": FILE_KINDS[kind],
        "description": description[:500],
    }


def _make_version(record, pub, source, batch):
    number = len(record.versions) + 1
    files = []
    try:
        for o in pub.originals:
            size = batch.copy_from(source, o.sha256)
            files.append(
                _file(o.kind, o.sha256, size, o.filename, o.mimetype, o.description, o.access_class)
            )
    except StorageError as e:
        raise ServiceError(_("Berkas asli tidak dapat dibaca: %(error)s", error=str(e))) from e
    sha, size = batch.put_bytes(pub.page_html.encode())
    files.append(
        _file(
            "html", sha, size, f"{pub.slug}.html", "text/html", "Halaman berita sebagaimana terbit"
        )
    )
    sha, size = batch.put_bytes(_record_json(record, number, pub, files))
    files.append(
        _file(
            "json",
            sha,
            size,
            f"rekaman-{record.id}-v{number}.json",
            "application/json",
            "Rekaman kasus lengkap (JSON)",
            record.access_class,
        )
    )
    record_url = url_for("archive.record", record_id=record.id, _external=True)
    with force_locale("id"):
        html = render_template(
            "archive/berkas.html",
            record=record,
            number=number,
            reason=pub.reason,
            pub=pub,
            article_html=Markup(pub.berkas_article_html),  # noqa: S704  (rendered by the host from sanitised HTML)
            files=files,
            qr=_qr(record_url),
            record_url=record_url,
            office=current_app.config["OFFICE_NAME"],
            made_at=utcnow(),
        )
    berkas = pdf.render(html, batch.store, files, f"{record.nomor_arsip} — {record.title}")
    berkas_sha, berkas_size = batch.put_bytes(berkas)
    v = ArchiveVersion(
        record=record,
        number=number,
        reason=pub.reason,
        berkas_sha256=berkas_sha,
        berkas_size=berkas_size,
        trail_seq=pub.trail_seq,
        trail_head=pub.trail_head,
        article_version=pub.article_version,
        created_by_id=pub.made_by_id,
    )
    db.session.add(v)
    for i, f in enumerate(files):
        v.files.append(_file_row(i, f))
    record.current_number = number
    indexing.enqueue(record.id)
    if number > 1:
        _add_event(record, "versi", pub.made_by_id, {"version": number, "reason": pub.reason})
    return Archived(record.id, record.nomor_arsip, number, berkas_sha, files[-1]["sha256"])


def _file_row(position, f):
    return ArchiveFile(
        position=position,
        kind=f["kind"],
        sha256=f["sha256"],
        size=f["size"],
        filename=f["filename"][:255],
        mimetype=f["mimetype"],
        description=f["description"],
        access_class=f["access_class"],
    )


def _qr(url):
    """The record's address as an inline SVG QR code."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=3, border=2, xmldecl=False, svgns=True)
    return Markup(out.getvalue().decode())  # noqa: S704  (generated by segno, no user markup)


def _iso(value):
    return value.isoformat(timespec="seconds") if value else None


def _record_json(record, number, pub, files):
    """The record as JSON: the archive's metadata and files around the host's case data."""
    data = {
        **json.loads(pub.case_json),
        "format": RECORD_FORMAT,
        "office": {
            "name": current_app.config["OFFICE_NAME"],
            "region": current_app.config["OFFICE_REGION_CODE"],
        },
        "record": _record_dict(record),
        "version": {
            "number": number,
            "reason": pub.reason,
            "made_at": _iso(utcnow().replace(microsecond=0)),
            "made_by": pub.made_by,
        },
        "files": [
            {k: f[k] for k in ("kind", "filename", "sha256", "size", "mimetype", "relationship")}
            for f in files
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode()


def _record_dict(record):
    return {
        "nomor_arsip": record.nomor_arsip,
        "origin": record.origin,
        "classification": {"code": record.classification.code, "name": record.classification.name},
        "title": record.title,
        "uraian": record.uraian,
        "date_from": record.date_from.isoformat(),
        "date_to": record.date_to.isoformat(),
        "tingkat": record.tingkat,
        "media": record.media_label,
        "access_class": record.access_class,
        "jumlah": record.jumlah,
        "notes": record.notes,
        "retention": {
            "active_years": record.retention_active_years,
            "inactive_years": record.retention_inactive_years,
            "disposition": record.retention_disposition,
        },
    }


def _add_event(record, kind, actor_id, data=None, note=None):
    db.session.add(
        ArchiveEvent(
            record=record,
            kind=kind,
            actor_id=actor_id,
            data=json.dumps(data or {}, sort_keys=True, ensure_ascii=False),
            note=note,
        )
    )


# --- manual records ------------------------------------------------------------------------


def register_manual(data, scans, user):
    """Register an older paper record with its scans (no workflow, no trail)."""
    with archiving() as batch:
        return _register_manual(data, scans, user, batch)


@atomic
def _register_manual(data, scans, user, batch):
    classification = db.session.get(Classification, data["classification_id"])
    if classification is None or not classification.active:
        raise ServiceError(_("Kode klasifikasi tidak dikenal."))
    if data["date_to"] < data["date_from"]:
        raise ServiceError(_("Tanggal akhir tidak boleh sebelum tanggal awal."))
    max_bytes = current_app.config["MAX_UPLOAD_BYTES"]
    checked = []
    for storage in scans:
        try:
            checked.append(check_upload(storage, SCAN_TYPES, max_bytes))
        except UploadError as e:
            raise ServiceError(
                _("%(name)s: %(error)s", name=storage.filename or "?", error=str(e)), e.status
            ) from e
    files = []
    for c in checked:
        c.stream.seek(0)
        sha, size = batch.put_stream(c.stream)
        files.append(
            {
                "kind": "pindaian",
                "sha256": sha,
                "size": size,
                "filename": c.filename,
                "mimetype": c.mimetype,
                "relationship": FILE_KINDS["pindaian"],
                "description": "Pindaian arsip kertas",
            }
        )
    for f in files:
        f["access_class"] = data["access_class"]
    status = data["hardcopy_status"]
    record = _new_record(
        classification,
        data["date_to"].year,
        origin="manual",
        title=data["title"].strip(),
        uraian=data["uraian"].strip(),
        date_from=data["date_from"],
        date_to=data["date_to"],
        tingkat=data["tingkat"],
        media_electronic=bool(files),
        media_paper=True,
        access_class=data["access_class"],
        jumlah=data["jumlah"].strip(),
        notes=(data.get("notes") or "").strip() or None,
        hardcopy_status=status,
        created_by_id=user.id,
        **_location(data),
    )
    if status == "disimpan":
        _require_location(record)
        record.filed_by_id, record.filed_at = user.id, utcnow()
    _add_event(record, "dibuat", user.id, {"nomor_arsip": record.nomor_arsip})
    sha, size = batch.put_bytes(_manual_json(record, files, user))
    files.append(
        {
            "kind": "json",
            "sha256": sha,
            "size": size,
            "filename": f"rekaman-{record.id}-v1.json",
            "mimetype": "application/json",
            "relationship": FILE_KINDS["json"],
            "description": "Rekaman arsip (JSON)",
            "access_class": record.access_class,
        }
    )
    with force_locale("id"):
        html = render_template(
            "archive/berkas.html",
            record=record,
            number=1,
            reason="manual",
            pub=None,
            files=files,
            scans=[f for f in files if f["mimetype"].startswith("image/")],
            qr=_qr(url_for("archive.record", record_id=record.id, _external=True)),
            record_url=url_for("archive.record", record_id=record.id, _external=True),
            office=current_app.config["OFFICE_NAME"],
            made_at=utcnow(),
            src=pdf.src,
        )
    berkas = pdf.render(html, batch.store, files, f"{record.nomor_arsip} — {record.title}")
    berkas_sha, berkas_size = batch.put_bytes(berkas)
    v = ArchiveVersion(
        record=record,
        number=1,
        reason="manual",
        berkas_sha256=berkas_sha,
        berkas_size=berkas_size,
        created_by_id=user.id,
    )
    db.session.add(v)
    for i, f in enumerate(files):
        v.files.append(_file_row(i, f))
    indexing.enqueue(record.id)
    commit()
    indexing.drain_soon()
    return record


def _manual_json(record, files, user):
    data = {
        "format": RECORD_FORMAT,
        "office": {
            "name": current_app.config["OFFICE_NAME"],
            "region": current_app.config["OFFICE_REGION_CODE"],
        },
        "record": _record_dict(record),
        "version": {
            "number": 1,
            "reason": "manual",
            "made_at": _iso(utcnow().replace(microsecond=0)),
            "made_by": user.full_name,
        },
        "files": [
            {k: f[k] for k in ("kind", "filename", "sha256", "size", "mimetype", "relationship")}
            for f in files
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode()


# --- hardcopy ------------------------------------------------------------------------------


def _location(data):
    return {k: ((data.get(k) or "").strip() or None) for k in ("room", "cabinet", "box", "folder")}


def _require_location(record):
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
    for k, v in _location(data).items():
        setattr(record, k, v)
    if status == "disimpan":
        _require_location(record)
        record.filed_by_id, record.filed_at = user.id, utcnow()
    _add_event(
        record,
        "fisik",
        user.id,
        {"from": before, "status": status, "location": record.location},
        (data.get("note") or "").strip() or None,
    )
    indexing.enqueue(record.id)
    commit()
    indexing.drain_soon()


# --- reading -------------------------------------------------------------------------------


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


def note_social_post(case_id, platform_label, url, actor_id):
    """Note an official social media post of an archived article on its record's history."""
    record = record_for_case(case_id)
    if record is None:
        return
    _add_event(record, "sosial", actor_id, {"platform": platform_label, "url": url})


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
