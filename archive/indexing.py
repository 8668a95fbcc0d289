"""Keeping the search index in step with the database.

Every change to a record queues its id in ``archive_index_queue`` in the same transaction,
with a background drain task (one waiting at a time). The worker's drain takes the index's
write lock (one writer at a time), reads the queued records fresh from the database, writes
their documents, commits the index, and only then removes the queue rows it handled. A lock
held elsewhere, a crash or a restarted worker leaves the rows queued for the next drain: no
update is lost.

No single record stops the queue: one whose document cannot be made or written (its JSON
missing from the store, a value the index refuses …) is set aside in
``archive_index_failures`` with the reason, its previous document (if any) kept, while the
rest drains. A drain queues it again when its ``next_attempt_at`` comes (the wait doubles
from a minute up to a day; the drain task queues the next drain for then); ``set_aside()``
names them for the arsiparis and ``archive verify``.

``reindex`` walks every record in chunks, skips documents whose fingerprint (content plus
schema version) has not changed, and commits each chunk, so a killed run resumes where it
stopped. A new schema version is built beside the live index and swapped in only when it is
complete; the index never deletes itself.
"""

import hashlib
import json
import logging
import os
import shutil
from datetime import datetime
from datetime import timedelta
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from archive import extract
from archive import ocr
from archive.models import ArchiveFile
from archive.models import ArchiveRecord
from archive.models import ArchiveText
from archive.models import ArchiveVersion
from archive.models import Classification
from archive.models import IndexFailure
from archive.models import IndexQueueEntry
from archive.query import QueryError
from archive.search import SCHEMA_VERSION
from archive.search import IndexBusy
from archive.search import IndexMissing
from archive.search import Results
from archive.search import SearchIndex
from archive.store import archive_store
from intranet import permissions
from intranet import queue
from intranet.clock import utcnow
from intranet.extensions import db
from intranet.transactions import ServiceError

log = logging.getLogger(__name__)

CHUNK = 500
#: The first wait before a record set aside is tried again, and the longest.
RETRY_FIRST, RETRY_LONGEST = timedelta(minutes=1), timedelta(days=1)


class IndexingError(Exception):
    """A record's document cannot be made; the message says why (shown to the arsiparis)."""


#: Originals larger than this are not read for text.
MAX_EXTRACT_BYTES = 60 * 1024 * 1024


def index_path():
    return Path(current_app.config["SEARCH_INDEX_DIR"])


def search_index():
    """The live index (created empty when there is none yet)."""
    index = SearchIndex(index_path())
    if not index.exists():
        if index.schema_version() not in (None, SCHEMA_VERSION):
            _retire(index)
        try:
            index.create()
        except FileExistsError:
            pass  # another process made it a moment ago
        if not index.exists():
            raise IndexMissing(f"no search index in {index.path}; run `archive reindex`")
    return index


def _retire(index):
    """An index made by another schema version: set it aside and queue every record, so
    that the drains (or ``archive reindex``, at once) fill the new one."""
    aside = index.path.with_name(f"{index.path.name}.v{index.schema_version()}-{os.getpid()}")
    try:
        os.rename(index.path, aside)
    except FileNotFoundError:
        return  # another process retired it a moment ago
    log.warning("search index of schema %s set aside; every record queued", aside.name)
    shutil.rmtree(aside, ignore_errors=True)
    db.session.execute(
        db.insert(IndexQueueEntry).from_select(
            ["record_id", "enqueued_at"], db.select(ArchiveRecord.id, db.literal(utcnow()))
        )
    )
    queue.enqueue(DRAIN_TASK)
    db.session.commit()


DRAIN_TASK = "archive.index_drain"


def enqueue(record_id):
    """Queue a record's document for refreshing, and a drain by the worker (in the caller's
    transaction)."""
    db.session.add(IndexQueueEntry(record_id=record_id))
    queue.enqueue(DRAIN_TASK)


@queue.task(DRAIN_TASK, retries=5, coalesce=True, label=_l("Pembaruan indeks pencarian"))
def drain_task():
    """The worker's drain: everything queued, then a drain queued for when the next record
    set aside is due again. A busy index lock raises, so the task is retried later."""
    drain(timeout=30.0)
    upcoming = db.session.execute(db.select(db.func.min(IndexFailure.next_attempt_at))).scalar()
    if upcoming is not None:
        queue.enqueue(DRAIN_TASK, run_at=upcoming)
        db.session.commit()


def pending():
    return db.session.execute(db.select(db.func.count()).select_from(IndexQueueEntry)).scalar()


def due():
    """How many records set aside are due to be tried again."""
    return db.session.execute(
        db.select(db.func.count())
        .select_from(IndexFailure)
        .where(IndexFailure.next_attempt_at <= utcnow())
    ).scalar()


def drain(timeout=5.0, limit=None):
    """Index every queued record; return how many queue rows were handled.

    Gives up (leaving the rows queued) when the write lock cannot be had in ``timeout``.
    """
    handled = 0
    index = search_index()
    _queue_due()
    while limit is None or handled < limit:
        db.session.rollback()  # a fresh snapshot: see every commit made so far
        peek = db.session.execute(
            db.select(IndexQueueEntry.record_id).order_by(IndexQueueEntry.id).limit(CHUNK)
        ).scalars()
        _extract_texts(set(peek))  # outside the lock: texts depend only on file contents
        db.session.rollback()  # hold no database lock while waiting for the index's
        writer = index.writer(timeout=timeout)
        try:
            db.session.rollback()
            rows = (
                db.session.execute(
                    db.select(IndexQueueEntry).order_by(IndexQueueEntry.id).limit(CHUNK)
                )
                .scalars()
                .all()
            )
            if not rows:
                writer.cancel()
                break
            ids = sorted({r.record_id for r in rows})
            records = _load(ids)
            texts = _texts_for(records)
            recognised = _recognised_for(records)
            failed = {}
            for record_id in ids:
                record = records.get(record_id)
                if record is None:
                    index.remove(writer, record_id)
                    continue
                try:
                    index.put(writer, document(record, texts, recognised))
                except Exception as e:  # noqa: BLE001 - set aside below, the queue goes on
                    failed[record_id] = e
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        db.session.execute(
            db.delete(IndexQueueEntry).where(IndexQueueEntry.id.in_([r.id for r in rows]))
        )
        _settle(ids, failed)
        db.session.commit()
        handled += len(rows)
    return handled


def _queue_due():
    """Queue again each record set aside whose next attempt has come (once)."""
    due = db.session.execute(
        db.select(IndexFailure.record_id).where(
            IndexFailure.next_attempt_at <= utcnow(),
            ~db.select(IndexQueueEntry.id)
            .where(IndexQueueEntry.record_id == IndexFailure.record_id)
            .exists(),
        )
    ).scalars()
    for record_id in due:  # this drain takes them: no drain task is queued for them
        db.session.add(IndexQueueEntry(record_id=record_id))
    db.session.commit()


def _settle(ids, failed):
    """After the index's commit: set aside the records of ``failed`` (id → exception) with
    their reason and next attempt; the others of ``ids`` are no longer set aside."""
    now = utcnow()
    ok = [i for i in ids if i not in failed]
    if ok:
        db.session.execute(db.delete(IndexFailure).where(IndexFailure.record_id.in_(ok)))
    if not failed:
        return
    known = {
        f.record_id: f
        for f in db.session.execute(
            db.select(IndexFailure).where(IndexFailure.record_id.in_(list(failed)))
        ).scalars()
    }
    for record_id, error in failed.items():
        reason = _reason(error)
        log.warning("record %s set aside from the search index: %s", record_id, reason)
        entry = known.get(record_id)
        if entry is None:
            entry = IndexFailure(record_id=record_id, attempts=0)
            db.session.add(entry)
        entry.attempts += 1
        entry.reason, entry.failed_at = reason, now
        entry.next_attempt_at = now + retry_after(entry.attempts)


def retry_after(attempts):
    """How long a record that failed ``attempts`` times waits: a minute, doubling, a day at
    most."""
    return min(RETRY_FIRST * 2 ** min(attempts - 1, 20), RETRY_LONGEST)


def _reason(error):
    if isinstance(error, IndexingError):
        return str(error)[:500]
    return f"galat tak terduga: {type(error).__name__}: {error}"[:500]


def set_aside():
    """The records set aside from the index, oldest failure first, each with its number,
    title, reason, attempts and next attempt."""
    rows = db.session.execute(
        db.select(IndexFailure, ArchiveRecord.nomor_arsip, ArchiveRecord.title)
        .outerjoin(ArchiveRecord, ArchiveRecord.id == IndexFailure.record_id)
        .order_by(IndexFailure.failed_at, IndexFailure.record_id)
    ).all()
    return [
        {
            "record_id": f.record_id,
            "nomor_arsip": nomor or "",
            "title": title or "",
            "reason": f.reason,
            "attempts": f.attempts,
            "failed_at": f.failed_at,
            "next_attempt_at": f.next_attempt_at,
        }
        for f, nomor, title in rows
    ]


#: At most this many queued records are indexed by one search (a schema change queues them
#: all; ``archive reindex`` does them at once).
DRAIN_IN_REQUEST = 2000


def drain_soon():
    """Before a search: bring the index up to date now if the lock is free (the search sees
    the changes the worker has not indexed yet), never failing."""
    try:
        return drain(timeout=2.0, limit=DRAIN_IN_REQUEST)
    except IndexBusy:
        return 0
    except Exception:  # the change is committed; the queue keeps it for the next drain
        log.exception("search index drain failed; the queue keeps the updates")
        db.session.rollback()
        return 0


# --- documents -----------------------------------------------------------------------------


def _load(ids):
    rows = db.session.execute(
        db.select(ArchiveRecord)
        .where(ArchiveRecord.id.in_(ids))
        .options(
            selectinload(ArchiveRecord.classification),
            selectinload(ArchiveRecord.versions).selectinload(ArchiveVersion.files),
        )
    ).scalars()
    return {r.id: r for r in rows}


def _current_files(record):
    version = record.versions[-1] if record.versions else None
    return list(version.files) if version else []


def _texts_for(records):
    shas = {f.sha256 for r in records.values() for f in _current_files(r)}
    if not shas:
        return {}
    rows = db.session.execute(db.select(ArchiveText).where(ArchiveText.sha256.in_(shas)))
    return {t.sha256: t for (t,) in rows}


def _recognised_for(records):
    """The OCR results of the records' current scans: ``{sha256: OcrResult}``."""
    return ocr.results_for(
        f.sha256 for r in records.values() for f in _current_files(r) if f.kind in ocr.SCAN_KINDS
    )


def _extract_texts(record_ids):
    """Extract (once per file content) the text of the originals of these records (none of
    a destroyed record: its files are gone, and its document carries its metadata only)."""
    if not record_ids:
        return
    files = db.session.execute(
        db.select(ArchiveFile)
        .join(ArchiveVersion, ArchiveVersion.id == ArchiveFile.version_id)
        .join(ArchiveRecord, ArchiveRecord.id == ArchiveVersion.record_id)
        .where(ArchiveVersion.record_id.in_(record_ids), ArchiveRecord.stage != "dimusnahkan")
    ).scalars()
    wanted = {f.sha256: f for f in files}
    known = set(
        db.session.execute(
            db.select(ArchiveText.sha256).where(ArchiveText.sha256.in_(list(wanted)))
        ).scalars()
    )
    store = archive_store()
    for sha, f in wanted.items():
        if sha in known:
            continue
        if f.size > MAX_EXTRACT_BYTES:
            result = extract.Extracted("gagal", note="berkas terlalu besar untuk dibaca")
        else:
            try:
                data = store.read(sha)
            except OSError as e:
                result = extract.Extracted("gagal", note=f"tidak dapat dibaca: {e}"[:300])
            else:
                result = extract.extract(data, f.mimetype, f.filename)
        db.session.merge(
            ArchiveText(sha256=sha, status=result.status, text=result.text, note=result.note[:300])
        )
    db.session.commit()


def document(record, texts, recognised=None):
    """The search document of a record: metadata, people, senders, and all its text.

    A destroyed record keeps its metadata only (its files are gone) and says so."""
    files = [] if record.destroyed else _current_files(record)
    parts = [record.uraian, record.notes or "", "dimusnahkan" if record.destroyed else ""]
    summary, category, people, roles, senders, agenda = "", "", set(), set(), set(), []
    if record.origin == "sop":  # the case lives in the record's JSON, made or imported alike
        summary, category, people, roles, senders, agenda = _from_record_json(files, parts)
    # OCR text (``recognised``: {sha256: OcrResult}) is kept apart, so a hit can say which
    # words came from OCR; ``ocr_low`` marks a page a person should check.
    recognised = recognised or {}
    notext = ocr_low = False
    ocr_parts = []
    for f in files:
        t = texts.get(f.sha256)
        read = recognised.get(f.sha256) if f.kind in ocr.SCAN_KINDS else None
        if read is not None and read.done and read.text:
            ocr_parts.append(read.text)
            ocr_low = ocr_low or bool(read.low_pages)
            if t is not None and t.status == "teks":
                parts.append(t.text)  # a PDF with text on some pages and scans on others
            continue
        if t is None:
            continue
        if t.status == "teks":
            parts.append(t.text)
        elif t.status == "tanpa_teks" and f.kind in ocr.SCAN_KINDS:
            notext = True
    media = [
        m
        for m, on in (("elektronik", record.media_electronic), ("kertas", record.media_paper))
        if on
    ]
    doc = {
        "id": record.id,
        "nomor_arsip": record.nomor_arsip,
        "codes": [record.nomor_arsip, record.classification.code, *agenda],
        "title": record.title,
        "summary": summary,
        "content": "\n".join(p for p in parts if p),
        "category": category,
        "category_words": category,
        "classification": record.classification.code,
        "year": record.year,
        "date": _dt(record.date_to),
        "date_from": _dt(record.date_from),
        "people": sorted(people),
        "roles": sorted(roles),
        "senders": sorted(senders),
        "media": media,
        "hardcopy": record.hardcopy_status,
        "location": record.location or "",
        "box": record.box or "",
        "access": record.access_class,
        "filenames": [f.filename for f in files if f.kind != "json"],
        "notext": notext,
        "origin": record.origin,
    }
    if ocr_parts:  # absent otherwise, so records without OCR keep their fingerprints
        doc["ocr"] = "\n".join(ocr_parts)
        doc["ocr_low"] = ocr_low
    doc["fingerprint"] = fingerprint(doc)
    return doc


def _from_record_json(files, parts):
    """Summary, category, people, roles, senders and agenda numbers from the record's JSON
    (``parts`` gains each perihal); the article's words come from its archived page."""
    summary, category, people, roles, senders, agenda = "", "", set(), set(), set(), []
    data = next((f for f in files if f.kind == "json"), None)
    if data is None:
        return summary, category, people, roles, senders, agenda
    try:  # without it the document would silently lose the case's words: set it aside
        case = json.loads(archive_store().read(data.sha256))
    except OSError as e:
        raise IndexingError(f"JSON arsip tidak dapat dibaca dari penyimpanan ({e})") from e
    except ValueError as e:
        raise IndexingError(f"JSON arsip rusak ({e})") from e
    if not isinstance(case, dict):
        raise IndexingError("JSON arsip rusak (bukan objek)")
    article = case.get("article") or {}
    summary, category = article.get("summary") or "", article.get("category") or ""
    if article.get("credits"):
        people.add(article["credits"])
    for m in case.get("materials", []):
        agenda.append(m.get("nomor_agenda"))
        parts.append(m.get("perihal") or "")
        senders.update(x for x in (m.get("sender_institution"), m.get("sender_email")) if x)
    for e in case.get("trail", []):
        people.add(e.get("actor"))
        roles.add(e.get("role"))
    people, roles = {p for p in people if p}, {r for r in roles if r}
    return summary, category, people, roles, senders, [a for a in agenda if a]


def fingerprint(doc):
    body = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in doc.items()}
    body["schema"] = SCHEMA_VERSION
    raw = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def _dt(d):
    return datetime(d.year, d.month, d.day)


# --- reindex -------------------------------------------------------------------------------


def reindex(progress=None, chunk=CHUNK):
    """Bring every record's document up to date; return (checked, written, removed).

    A record whose document cannot be made is set aside (see ``set_aside``), never stopping
    the run; one set aside whose document is now made is no longer.

    With a new schema version the index is rebuilt beside the live one and swapped in when
    complete; an interrupted rebuild continues from what it had written.
    """
    live = SearchIndex(index_path())
    if live.exists():
        target = live
    else:
        target = SearchIndex(index_path().with_name(index_path().name + ".new"))
        if not target.exists():
            if target.path.exists():  # a half-made folder of another version: start again
                shutil.rmtree(target.path)
            target.create()
    checked = written = 0
    last_id = 0
    seen = set()
    while True:
        db.session.rollback()
        ids = list(
            db.session.execute(
                db.select(ArchiveRecord.id)
                .where(ArchiveRecord.id > last_id)
                .order_by(ArchiveRecord.id)
                .limit(chunk)
            ).scalars()
        )
        if not ids:
            break
        last_id = ids[-1]
        _extract_texts(set(ids))
        records = _load(ids)
        texts = _texts_for(records)
        recognised = _recognised_for(records)
        stored = target.fingerprints(ids)
        docs, failed = [], {}
        for record_id in ids:
            seen.add(str(record_id))
            try:
                doc = document(records[record_id], texts, recognised)
            except Exception as e:  # noqa: BLE001 - set aside below, the others go on
                failed[record_id] = e
                continue
            if stored.get(str(record_id)) != doc["fingerprint"]:
                docs.append(doc)
        if docs:
            target.update(docs, timeout=60.0, failed=failed)
        db.session.rollback()
        _settle(ids, failed)
        db.session.commit()
        checked += len(ids)
        written += len(docs) - len([d for d in docs if d["id"] in failed])
        if progress:
            progress(len(ids))
        db.session.expunge_all()  # bounded memory: nothing of this chunk stays in the session
    stale = target.all_ids() - seen
    if stale:
        target.update([], deletions=sorted(stale), timeout=60.0)
    if target is not live:
        live.replace_with(target)
    return checked, written, len(stale)


def total_records():
    return db.session.execute(db.select(db.func.count()).select_from(ArchiveRecord)).scalar()


# --- searching -----------------------------------------------------------------------------


def _readable(user):
    return permissions.readable_record_classes(user)


#: Said when a text search needs an index there is none of (as after a restore).
MISSING = (
    "Indeks pencarian tidak ada (misalnya sesudah pemulihan), sehingga pencarian teks belum "
    "dapat dijalankan. Jalankan: flask --app wsgi archive reindex."
)


def index_missing():
    """Whether there is no index of this schema version while there are records to find."""
    return not SearchIndex(index_path()).exists() and total_records() > 0


def health():
    """What keeps the search index from holding every record as it is now, each said in a
    sentence fit to show (none when it is whole)."""
    live = SearchIndex(index_path())
    version = live.schema_version()
    total = total_records()
    if not live.exists():
        if not total:
            return []
        if version not in (None, SCHEMA_VERSION):
            return [
                "Indeks pencarian dibuat oleh versi skema lain dan sedang dibangun ulang; hasil "
                "pencarian teks belum lengkap. Jalankan: flask --app wsgi archive reindex."
            ]
        return [MISSING]
    said = []
    queued = pending()
    aside = db.session.execute(db.select(db.func.count()).select_from(IndexFailure)).scalar()
    try:
        held = live.count()
    except (OSError, ValueError, IndexMissing):
        held = None
    if held is None or held < total - aside:
        said.append(
            f"Indeks pencarian tertinggal: memuat {held or 0} dari {total} arsip; hasil "
            "pencarian teks belum lengkap. Jalankan: flask --app wsgi archive reindex."
        )
    if queued:
        said.append(f"{queued} perubahan arsip masih menunggu dalam antrean indeks pencarian.")
    if aside:
        said.append(
            f"{aside} arsip disisihkan dari indeks pencarian karena gagal diindeks "
            "(lihat halaman Keutuhan berkas)."
        )
    return said


def find(user, text, filters=None, sort="relevance", page=1, per_page=20):
    """Search the archive as ``user``: only the access classes they may read. With no index
    (as after a restore) nothing is found and ``health`` says why."""
    if index_missing():
        return Results([], 0)
    if pending() or due():
        drain_soon()
    return search_index().query(text, _readable(user), filters, sort, page, per_page)


#: The filters the database answers (the index knows the category only from the JSON).
SQL_FILTERS = ("year", "classification", "box", "hardcopy", "media", "date_from", "date_to")


def find_ids(user, text, filters=None, readable=None):
    """Every record id ``user`` may read (``readable`` access classes when given) that the
    search matches, newest first, for an export or a listing.

    The database decides which records there are and applies the structured filters; the
    index only narrows a text query (and a category). ``ServiceError`` says why when the
    search cannot be understood or needs an index there is none of.
    """
    filters = {k: v for k, v in (filters or {}).items() if v not in (None, "")}
    readable = list(_readable(user) if readable is None else readable)
    q = _chosen(readable, filters)
    narrowed = (text or "").strip() or filters.get("category")
    if narrowed:
        if index_missing():
            raise ServiceError(MISSING)
        if pending() or due():
            drain_soon()
        rest = {k: v for k, v in filters.items() if k not in SQL_FILTERS}
        try:
            matched = search_index().matching_ids(text or "", readable, rest, refuse=True)
        except QueryError as e:
            raise ServiceError(str(e)) from e
        matched = set(matched)
    ids = db.session.execute(
        q.order_by(ArchiveRecord.date_to.desc(), ArchiveRecord.id.desc())
    ).scalars()
    return [i for i in ids if not narrowed or i in matched]


def _chosen(readable, filters):
    """The ids of the records of ``readable`` classes the structured ``filters`` keep."""
    q = db.select(ArchiveRecord.id).where(ArchiveRecord.access_class.in_(readable))
    if "year" in filters:
        q = q.where(ArchiveRecord.year == int(filters["year"]))
    if "classification" in filters:
        q = q.where(
            ArchiveRecord.classification_id.in_(
                db.select(Classification.id).where(
                    db.func.lower(Classification.code) == str(filters["classification"]).lower()
                )
            )
        )
    if "box" in filters:
        q = q.where(db.func.lower(ArchiveRecord.box) == str(filters["box"]).lower())
    if "hardcopy" in filters:
        q = q.where(ArchiveRecord.hardcopy_status == str(filters["hardcopy"]).lower())
    if "media" in filters:
        column = {"elektronik": ArchiveRecord.media_electronic, "kertas": ArchiveRecord.media_paper}
        on = column.get(str(filters["media"]).lower())
        q = q.where(on.is_(True)) if on is not None else q.where(db.false())
    if "date_from" in filters:
        q = q.where(ArchiveRecord.date_to >= _day_of(filters["date_from"]))
    if "date_to" in filters:
        q = q.where(ArchiveRecord.date_to <= _day_of(filters["date_to"]))
    return q


def _day_of(value):
    """A filter's day (``ServiceError`` when it is none)."""
    if isinstance(value, datetime):
        return value.date()
    if hasattr(value, "toordinal"):
        return value
    try:
        return datetime.fromisoformat(str(value).strip()).date()
    except ValueError as e:
        raise ServiceError(f"“{value}” bukan tanggal (tulis TTTT-BB-HH).") from e
