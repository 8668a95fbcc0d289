"""Export: records as a BagIt bag in a zip.

An export is written straight into a zip (stored, not deflated: the berkas and the photos
are compressed already), one file at a time in chunks; manifests are spooled to disk. Memory
stays flat however many records go in. The bag follows BagIt 1.0 and validates with the
``bagit`` library, which ``import_bag`` uses to check every checksum before anything is
written.

The manifests are SHA-256, the archive's own algorithm: an archived file's checksum is the
one it is stored under (content-addressed) and that every fixity run verifies, so the export
copies it from the record instead of hashing the file again; files made for the bag (the
record JSON, the lists, the schema) are hashed as they are written. (Bags exported before
also carried SHA-512 manifests; ``import_bag`` reads both.)
"""

import hashlib
import io
import os
import re
import tempfile
import zipfile
from datetime import UTC
from datetime import datetime
from pathlib import Path

from flask import current_app

from archive import ocr
from archive.berkas import json_bytes
from archive.listing import ListingWriter
from archive.listing import record_chunks
from archive.listing import xlsx_from_csv
from archive.store import archive_store
from intranet.clock import office_time
from intranet.clock import today
from intranet.clock import utcnow

#: /2: each original carries its access class, and every JSON is checked against
#: ``SCHEMA_PATH`` (published in the bag at ``BAG_SCHEMA``) before an import writes anything.
EXPORT_FORMAT = "warta-archive-export/2"
CHUNK = 1024 * 1024
#: The bag's manifest and tag-manifest algorithms.
ALGORITHMS = ("sha256",)
SCHEMA_PATH = Path(__file__).parent / "schema" / "arsip.schema.json"
BAG_SCHEMA = "data/skema/arsip.schema.json"


def _safe(name, limit=120):
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "berkas"
    return name[:limit]


def record_folder(record):
    return f"data/arsip/{_safe(record.nomor_arsip.replace('/', '-'))}"


class _BagZip:
    """A zip being filled with a bag: payload files hashed as they are written."""

    def __init__(self, out, root):
        self.zip = zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED, allowZip64=True)
        self.root = root
        self.manifests = {
            alg: tempfile.SpooledTemporaryFile(max_size=1 << 20, mode="w+", encoding="utf-8")
            for alg in ALGORITHMS
        }
        self.octets = 0
        self.count = 0
        self.stamp = office_time(utcnow()).timetuple()[:6]  # one office time for every entry

    def add_stream(self, path, stream, known_sha256=None):
        info = zipfile.ZipInfo(f"{self.root}/{path}", date_time=self.stamp)
        info.compress_type = zipfile.ZIP_STORED
        h256 = hashlib.sha256() if known_sha256 is None else None
        with self.zip.open(info, "w", force_zip64=True) as dest:
            while chunk := stream.read(CHUNK):
                if h256 is not None:
                    h256.update(chunk)
                dest.write(chunk)
                self.octets += len(chunk)
        digest256 = known_sha256 or h256.hexdigest()
        self.manifests["sha256"].write(f"{digest256}  {path}\n")
        self.count += 1
        return digest256

    def add_bytes(self, path, data):
        return self.add_stream(path, io.BytesIO(data))

    def finish(self, info):
        """Write the tag files: bagit.txt, bag-info.txt, manifests and tag manifests.

        The manifests are copied from their spools in chunks and hashed as they go, so the
        end of a large export needs no more memory than its start.
        """
        small = {
            "bagit.txt": b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n",
            "bag-info.txt": "".join(
                f"{k}: {_one_line(v)}\n"
                for k, v in {**info, "Payload-Oxum": f"{self.octets}.{self.count}"}.items()
            ).encode(),
        }
        tag_sums = {alg: [] for alg in ALGORITHMS}

        def write_tag(name, chunks):
            hashes = {alg: hashlib.new(alg) for alg in tag_sums}
            info = zipfile.ZipInfo(f"{self.root}/{name}", date_time=self.stamp)
            with self.zip.open(info, "w", force_zip64=True) as dest:
                for chunk in chunks:
                    for h in hashes.values():
                        h.update(chunk)
                    dest.write(chunk)
            for alg, h in hashes.items():
                tag_sums[alg].append(f"{h.hexdigest()}  {name}\n")

        for name, data in small.items():
            write_tag(name, [data])
        for alg, spool in self.manifests.items():
            spool.seek(0)
            write_tag(f"manifest-{alg}.txt", iter(lambda s=spool: s.read(CHUNK).encode(), b""))
            spool.close()
        for alg, lines in tag_sums.items():
            self.zip.writestr(f"{self.root}/tagmanifest-{alg}.txt", "".join(lines).encode())
        self.zip.close()

    def abandon(self):
        """Close the zip and the manifest spools of a bag that will not be finished."""
        for spool in self.manifests.values():
            spool.close()
        try:
            self.zip.close()
        except (OSError, ValueError):  # the stream may be gone already: nothing to keep
            pass


def _one_line(value):
    return " ".join(str(value).split())


def export_bag(ids, out, query="", progress=None, extra=()):
    """Write the records ``ids`` as a zipped BagIt bag to the binary stream ``out``.

    Per record: its export JSON (metadata, versions, files), every berkas and every original.
    Plus the Daftar Arsip as CSV and XLSX, the JSON Schema the record JSONs follow, and any
    ``extra`` payload files as ``(path, bytes)`` (a handover's berita acara). A destroyed
    record has no files left: it is named in the Daftar Arsip only.
    ``progress(n)`` is called after each record. A bag that cannot be finished (a stored
    file missing) closes what it holds open and raises.
    """
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    bag = _BagZip(out, f"warta-arsip-{stamp}")
    try:
        _fill(bag, ids, query, progress, extra)
    except BaseException:
        bag.abandon()
        raise
    return bag.count


def _fill(bag, ids, query, progress, extra):
    """Write the records ``ids``, the schema, ``extra`` and the lists into ``bag``; finish it."""
    store = archive_store()
    # the Daftar Arsip is written as the records go by, so each record is read once
    with tempfile.TemporaryFile() as csv_listing, tempfile.TemporaryFile() as xlsx_listing:
        listing = ListingWriter(csv_listing)
        try:
            _records(bag, store, ids, listing, progress)
        finally:
            listing.close()  # lets go of the spool, also when a stored file is missing
        bag.add_bytes(BAG_SCHEMA, SCHEMA_PATH.read_bytes())
        for path, data in extra:
            bag.add_bytes(path, data)
        csv_listing.seek(0)
        xlsx_from_csv(csv_listing, xlsx_listing)
        for path, spool in (
            ("data/daftar-arsip.csv", csv_listing),
            ("data/daftar-arsip.xlsx", xlsx_listing),
        ):
            spool.seek(0)
            bag.add_stream(path, spool)
    bag.finish(
        {
            "Source-Organization": current_app.config["OFFICE_NAME"],
            "Organization-Address": f"Kode wilayah {current_app.config['OFFICE_REGION_CODE']}",
            "Bagging-Date": today().isoformat(),
            "External-Description": "Ekspor arsip Warta: berkas PDF/A-3b, berkas asli, "
            "rekaman JSON dan Daftar Arsip",
            "External-Identifier": bag.root,
            "Record-Count": len(ids),
            "Query": query or "(pilihan)",
            "Warta-Export-Format": EXPORT_FORMAT,
        }
    )


def _records(bag, store, ids, listing, progress):
    """Each record's files and JSON into ``bag`` and its row into ``listing``."""
    for record, results in _with_ocr_results(ids):
        listing.add(record)
        if record.destroyed:
            if progress:
                progress(1)
            continue
        folder = record_folder(record)
        placed = {}
        versions = []
        for v in record.versions:
            berkas_path = f"{folder}/berkas-v{v.number}.pdf"
            with store.open(v.berkas_sha256) as f:
                bag.add_stream(berkas_path, f, known_sha256=v.berkas_sha256)
            files = []
            for f in v.files:
                if f.sha256 not in placed:
                    placed[f.sha256] = f"{folder}/asli/{f.sha256[:16]}-{_safe(f.filename)}"
                    with store.open(f.sha256) as src:
                        bag.add_stream(placed[f.sha256], src, known_sha256=f.sha256)
                files.append(
                    {
                        "position": f.position,
                        "kind": f.kind,
                        "sha256": f.sha256,
                        "size": f.size,
                        "filename": f.filename,
                        "mimetype": f.mimetype,
                        "description": f.description,
                        "path": placed[f.sha256],
                        "access_class": f.access_class,
                    }
                )
            versions.append(
                {
                    "number": v.number,
                    "reason": v.reason,
                    "created_at": v.created_at.isoformat(),
                    "created_by": v.created_by.full_name,
                    "trail_seq": v.trail_seq,
                    "trail_head": v.trail_head,
                    "article_version": v.article_version,
                    "berkas": {
                        "path": berkas_path,
                        "sha256": v.berkas_sha256,
                        "size": v.berkas_size,
                    },
                    "files": files,
                }
            )
        derived = _derived(record, placed, folder, store, bag, results)
        bag.add_bytes(f"{folder}/arsip.json", _record_json(record, versions, derived))
        if progress:
            progress(1)


def _with_ocr_results(ids):
    """``(record, {sha256: OcrResult})``, the OCR results read once for each chunk of records."""
    for chunk in record_chunks(ids):
        results = ocr.results_for(f.sha256 for r in chunk for v in r.versions for f in v.files)
        yield from ((r, results) for r in chunk)


def _derived(record, placed, folder, store, bag, results):
    """The searchable PDF/A that OCR derived from each original, put in the bag beside it."""
    names = {f.sha256: f.filename for v in record.versions for f in v.files}
    out = []
    for original in sorted(placed):
        r = results.get(original)
        if r is None or not r.done or not r.archived:
            continue
        path = f"{folder}/ocr/{r.derived_sha256[:16]}-{_safe(ocr.derived_name(names[original]))}"
        with store.open(r.derived_sha256) as f:
            bag.add_stream(path, f, known_sha256=r.derived_sha256)
        out.append(
            {
                "original_sha256": original,
                "path": path,
                "sha256": r.derived_sha256,
                "size": r.derived_size,
                "language": r.language,
                "pages": r.pages,
                "confidence": r.confidence,
                "low_pages": r.low_page_numbers,
            }
        )
    return out


def _record_json(record, versions, derived=()):
    data = {
        "format": EXPORT_FORMAT,
        "record": {
            "nomor_arsip": record.nomor_arsip,
            "year": record.year,
            "seq": record.seq,
            "origin": record.origin,
            "case_id": record.case_id,
            "classification": {
                "code": record.classification.code,
                "name": record.classification.name,
            },
            "title": record.title,
            "uraian": record.uraian,
            "date_from": record.date_from.isoformat(),
            "date_to": record.date_to.isoformat(),
            "tingkat": record.tingkat,
            "media_electronic": record.media_electronic,
            "media_paper": record.media_paper,
            "access_class": record.access_class,
            "jumlah": record.jumlah,
            "notes": record.notes,
            "retention": {
                "active_years": record.retention_active_years,
                "inactive_years": record.retention_inactive_years,
                "disposition": record.retention_disposition,
            },
            "hardcopy": {
                "status": record.hardcopy_status,
                "room": record.room,
                "cabinet": record.cabinet,
                "box": record.box,
                "folder": record.folder,
                "location": record.place,
                "filed_at": record.filed_at.isoformat() if record.filed_at else None,
                "filed_by": record.filed_by.full_name if record.filed_by else None,
            },
            "created_at": record.created_at.isoformat(),
            "created_by": record.created_by.full_name,
        },
        "versions": versions,
    }
    if derived:
        data["ocr"] = list(derived)
    return json_bytes(data)


def export_path(token):
    folder = Path(current_app.instance_path) / "exports"
    folder.mkdir(exist_ok=True)
    return folder / f"{token}.zip"


def remove_export(token):
    path = export_path(token)
    if path.exists():
        os.unlink(path)
