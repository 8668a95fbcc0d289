"""Making records: from a publication the host hands in, or a paper record registered by
hand; each version's berkas (PDF/A-3b) and its JSON record, with the originals kept."""

import json

from flask import current_app
from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup

from archive import indexing
from archive import ocr
from archive import ocr_work
from archive import pdf
from archive.berkas import derived_entry
from archive.berkas import file_row
from archive.berkas import paper_json
from archive.berkas import paper_json_entry
from archive.berkas import qr
from archive.berkas import record_json
from archive.berkas import render_paper
from archive.filing import add_event
from archive.filing import location_of
from archive.filing import require_location
from archive.models import FILE_KINDS
from archive.models import ArchiveVersion
from archive.models import Classification
from archive.numbering import default_classification
from archive.numbering import new_record
from archive.records import record_for_case
from archive.snapshot import Archived
from archive.writing import archiving
from intranet.clock import today
from intranet.clock import utcnow
from intranet.extensions import db
from intranet.links import absolute_url
from intranet.storage import StorageError
from intranet.transactions import ServiceError
from intranet.transactions import atomic
from intranet.transactions import commit
from intranet.uploads import SCAN_TYPES
from intranet.uploads import UploadError
from intranet.uploads import check_upload


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
    record = new_record(
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
    add_event(record, "dibuat", pub.made_by_id, {"nomor_arsip": record.nomor_arsip})
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
    derived = _recognised(pub.originals, source, batch)
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
    record_url = absolute_url("archive.record", record_id=record.id)
    with force_locale("id"):
        html = render_template(
            "archive/berkas.html",
            record=record,
            number=number,
            reason=pub.reason,
            pub=pub,
            article_html=Markup(pub.berkas_article_html),  # noqa: S704  (rendered by the host from sanitised HTML)
            files=files + derived,
            qr=qr(record_url),
            record_url=record_url,
            office=current_app.config["OFFICE_NAME"],
            made_at=utcnow(),
        )
    berkas = pdf.render(
        html, batch.store, files + derived, f"{record.nomor_arsip} — {record.title}"
    )
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
        v.files.append(file_row(i, f))
    record.current_number = number
    indexing.enqueue(record.id)
    if number > 1:
        add_event(record, "versi", pub.made_by_id, {"version": number, "reason": pub.reason})
    return Archived(record.id, record.nomor_arsip, number, berkas_sha, files[-1]["sha256"])


def _recognised(originals, source, batch):
    """The derived searchable PDF/A of each source file OCR has read, copied into the archive
    to be embedded beside its original (relationship Supplement) and listed with its SHA-256.

    A source not read yet (its upload's OCR still queued, or failed) is queued for OCR in
    the archive: its text then reaches the index, and the record page lists the result.
    """
    wanted = [o for o in originals if o.kind == "sumber" and ocr.is_candidate(o.mimetype)]
    results = ocr.results_for(o.sha256 for o in wanted)
    derived = []
    for o in wanted:
        r = results.get(o.sha256)
        if r is None or r.status == "gagal":
            ocr_work.queue_archived(o.sha256, o.mimetype)
            continue
        if not r.done:
            continue
        try:
            size = batch.copy_from(source, r.derived_sha256)
        except (OSError, StorageError):  # gone from the working store: made again later
            ocr_work.queue_archived(o.sha256, o.mimetype)
            continue
        r.archived = True
        derived.append(derived_entry(r, o.filename, o.access_class, size))
    return derived


def _record_json(record, number, pub, files):
    """The record as JSON: the archive's metadata and files around the host's case data."""
    return record_json(
        record, number, pub.reason, pub.made_by, files, case=json.loads(pub.case_json)
    )


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
        ocr_work.queue_archived(f["sha256"], f["mimetype"])
    status = data["hardcopy_status"]
    record = new_record(
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
        **location_of(data),
    )
    if status == "disimpan":
        require_location(record)
        record.filed_by_id, record.filed_at = user.id, utcnow()
    add_event(record, "dibuat", user.id, {"nomor_arsip": record.nomor_arsip})
    sha, size = batch.put_bytes(paper_json(record, 1, "manual", user.full_name, files))
    files.append(paper_json_entry(record, 1, sha, size))
    berkas = render_paper(record, 1, "manual", files, batch.store)
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
        v.files.append(file_row(i, f))
    indexing.enqueue(record.id)
    commit()
    return record
