"""Export and import: BagIt bags of records, and the Daftar Arsip listing.

An export is written straight into a zip (stored, not deflated: the berkas and the photos
are compressed already), one file at a time in chunks, with the SHA-256 and SHA-512 of each
payload file computed in the same pass; manifests are spooled to disk. Memory stays flat
however many records go in. The bag follows BagIt 1.0 and validates with the ``bagit``
library, which ``import_bag`` uses to check every checksum before anything is written.
"""

import csv
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import zipfile
from datetime import UTC
from datetime import date
from datetime import datetime
from pathlib import Path

from flask import current_app
from flask import render_template
from sqlalchemy.orm import selectinload

from archive.models import LABELS
from archive.models import ArchiveCounter
from archive.models import ArchiveEvent
from archive.models import ArchiveFile
from archive.models import ArchiveRecord
from archive.models import ArchiveVersion
from archive.models import Classification
from archive.store import archive_store
from intranet.clock import office_time
from intranet.clock import today
from intranet.clock import utcnow
from intranet.extensions import db

EXPORT_FORMAT = "warta-archive-export/1"
CHUNK = 1024 * 1024
LISTING_COLUMNS = (
    "Nomor arsip",
    "Kode klasifikasi",
    "Uraian informasi",
    "Kurun waktu",
    "Jumlah",
    "Tingkat perkembangan",
    "Media",
    "Lokasi simpan",
    "Retensi",
    "Keterangan",
)
#: Most bytes an imported bag may unpack to.
MAX_IMPORT_BYTES = 200 * 1024**3


class ImportRefused(Exception):
    """The bag cannot be imported; the message names what is wrong."""


# --- Daftar Arsip --------------------------------------------------------------------------


def _records(ids):
    """Records by id, in the order given, a chunk at a time (for bounded memory)."""
    for start in range(0, len(ids), 200):
        chunk = ids[start : start + 200]
        rows = db.session.execute(
            db.select(ArchiveRecord)
            .where(ArchiveRecord.id.in_(chunk))
            .options(
                selectinload(ArchiveRecord.classification),
                selectinload(ArchiveRecord.versions).selectinload(ArchiveVersion.files),
            )
        ).scalars()
        by_id = {r.id: r for r in rows}
        for i in chunk:
            if i in by_id:
                yield by_id[i]
        db.session.expunge_all()


def listing_row(record):
    """One row of the Daftar Arsip."""
    period = (
        record.date_from.isoformat()
        if record.date_from == record.date_to
        else f"{record.date_from.isoformat()} s.d. {record.date_to.isoformat()}"
    )
    disposition = LABELS["disposition"].get(record.retention_disposition, "")
    retention = (
        f"aktif {record.retention_active_years} th, inaktif {record.retention_inactive_years} th, "
        f"{disposition}"
    )
    notes = [f"akses {LABELS['access'][record.access_class]}"]
    if record.current_number > 1:
        notes.append(f"{record.current_number} versi berkas")
    if record.notes:
        notes.append(record.notes)
    return [
        record.nomor_arsip,
        record.classification.code,
        record.uraian,
        period,
        record.jumlah,
        str(LABELS["tingkat"].get(record.tingkat, record.tingkat)),
        record.media_label,
        record.location or str(LABELS["hardcopy"][record.hardcopy_status]),
        str(retention),
        "; ".join(str(n) for n in notes),
    ]


def listing_csv(ids, out):
    """Write the Daftar Arsip as CSV (UTF-8 with BOM, so spreadsheets read it right)."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    w = csv.writer(text)
    w.writerow(LISTING_COLUMNS)
    for record in _records(ids):
        w.writerow(_safe_cells(listing_row(record)))
    text.detach()


def listing_xlsx(ids, out):
    """Write the Daftar Arsip as XLSX (write-only: rows are streamed)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Daftar Arsip")
    ws.append(list(LISTING_COLUMNS))
    for record in _records(ids):
        ws.append(_safe_cells(listing_row(record)))
    wb.save(out)


def listing_pdf(ids):
    """The Daftar Arsip as a PDF."""
    from intranet import pdf

    rows = [listing_row(r) for r in _records(ids)]
    html = render_template(
        "archive/listing_pdf.html", rows=rows, columns=LISTING_COLUMNS, made_at=utcnow()
    )
    return pdf.render(html)


def _safe_cells(row):
    """Keep a spreadsheet from reading a cell as a formula."""
    return ["'" + c if isinstance(c, str) and c[:1] in ("=", "+", "-", "@") else c for c in row]


# --- export --------------------------------------------------------------------------------


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
            for alg in ("sha256", "sha512")
        }
        self.octets = 0
        self.count = 0
        self.stamp = office_time(utcnow()).timetuple()[:6]  # one office time for every entry

    def add_stream(self, path, stream, known_sha256=None):
        info = zipfile.ZipInfo(f"{self.root}/{path}", date_time=self.stamp)
        info.compress_type = zipfile.ZIP_STORED
        h256, h512 = hashlib.sha256(), hashlib.sha512()
        with self.zip.open(info, "w", force_zip64=True) as dest:
            while chunk := stream.read(CHUNK):
                h512.update(chunk)
                if known_sha256 is None:
                    h256.update(chunk)
                dest.write(chunk)
                self.octets += len(chunk)
        digest256 = known_sha256 or h256.hexdigest()
        self.manifests["sha256"].write(f"{digest256}  {path}\n")
        self.manifests["sha512"].write(f"{h512.hexdigest()}  {path}\n")
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
        tag_sums = {"sha256": [], "sha512": []}

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


def _one_line(value):
    return " ".join(str(value).split())


def export_bag(ids, out, query="", progress=None):
    """Write the records ``ids`` as a zipped BagIt bag to the binary stream ``out``.

    Per record: its export JSON (metadata, versions, files), every berkas and every original.
    Plus the Daftar Arsip as CSV and XLSX. ``progress(n)`` is called after each record.
    """
    store = archive_store()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    bag = _BagZip(out, f"warta-arsip-{stamp}")
    for record in _records(ids):
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
        bag.add_bytes(f"{folder}/arsip.json", _record_json(record, versions))
        if progress:
            progress(1)
    listing = tempfile.TemporaryFile()
    listing_csv(ids, listing)
    listing.seek(0)
    bag.add_stream("data/daftar-arsip.csv", listing)
    listing.close()
    listing = tempfile.TemporaryFile()
    listing_xlsx(ids, listing)
    listing.seek(0)
    bag.add_stream("data/daftar-arsip.xlsx", listing)
    listing.close()
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
    return bag.count


def _record_json(record, versions):
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
                "filed_at": record.filed_at.isoformat() if record.filed_at else None,
                "filed_by": record.filed_by.full_name if record.filed_by else None,
            },
            "created_at": record.created_at.isoformat(),
            "created_by": record.created_by.full_name,
        },
        "versions": versions,
    }
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode()


# --- import --------------------------------------------------------------------------------


def _unpack(zip_path, target):
    """Unpack the zip safely (no absolute or parent paths, no links, bounded size)."""
    with zipfile.ZipFile(zip_path) as z:
        infos = z.infolist()
        total = sum(i.file_size for i in infos)
        if total > MAX_IMPORT_BYTES:
            raise ImportRefused("bag terlalu besar")
        roots = set()
        for info in infos:
            name = info.filename
            parts = Path(name).parts
            if name.startswith("/") or "\\" in name or ".." in parts or not parts:
                raise ImportRefused(f"nama berkas tidak aman di dalam zip: {name[:200]}")
            if (info.external_attr >> 16) & 0o170000 == 0o120000:
                raise ImportRefused(f"tautan simbolik tidak diizinkan: {name[:200]}")
            roots.add(parts[0])
        if len(roots) != 1:
            raise ImportRefused("zip harus berisi satu folder bag")
        for info in infos:
            dest = target / info.filename
            if info.is_dir():
                dest.mkdir(parents=True, exist_ok=True)
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            with z.open(info) as src, open(dest, "wb") as out:
                shutil.copyfileobj(src, out, CHUNK)
        return target / roots.pop()


def import_bag(zip_path, user, progress=None):
    """Import a bag made by ``export_bag`` into an archive with no records.

    The bag and every checksum are validated before anything is written; a bag with one bad
    file is refused whole, naming it. Returns the number of records imported.
    """
    import bagit

    from archive import indexing
    from archive.writing import archiving

    if db.session.execute(db.select(ArchiveRecord.id).limit(1)).first():
        raise ImportRefused("arsip tujuan tidak kosong; impor hanya ke instansi yang kosong")
    work = Path(tempfile.mkdtemp(prefix="impor-", dir=current_app.instance_path))
    try:
        try:
            root = _unpack(zip_path, work)
        except zipfile.BadZipFile as e:
            raise ImportRefused(f"bukan berkas zip yang sah: {e}") from e
        try:
            bag = bagit.Bag(str(root))
            bag.validate(processes=1)
        except bagit.BagValidationError as e:
            raise ImportRefused(_describe(e)) from e
        except bagit.BagError as e:
            raise ImportRefused(f"bag tidak sah: {e}") from e
        manifest = {path: sums["sha256"] for path, sums in bag.entries.items() if "sha256" in sums}
        folders = sorted(p for p in (root / "data" / "arsip").iterdir() if p.is_dir())
        plans = [_plan(root, folder, manifest) for folder in folders]
        with archiving() as batch:
            imported = _write(plans, root, user, batch, progress)
        indexing.drain_soon()
        return imported
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _describe(error):
    names = []
    for d in getattr(error, "details", None) or []:
        path = getattr(d, "path", None)
        names.append(f"{path} ({type(d).__name__})" if path else str(d))
    return "bag ditolak: " + ("; ".join(names[:20]) if names else str(error))


def _plan(root, folder, manifest):
    """Read one record's JSON and check it against the bag's manifest."""
    json_path = folder / "arsip.json"
    rel = json_path.relative_to(root).as_posix()
    if rel not in manifest:
        raise ImportRefused(f"{rel} tidak ada dalam manifest")
    try:
        data = json.loads(json_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ImportRefused(f"{rel}: {e}") from e
    if data.get("format") != EXPORT_FORMAT:
        raise ImportRefused(f"{rel}: format tidak dikenal")
    for v in data["versions"]:
        for item in [v["berkas"], *v["files"]]:
            if manifest.get(item["path"]) != item["sha256"]:
                raise ImportRefused(f"{item['path']}: SHA-256 tidak sesuai dengan rekaman")
    return data


def _dt(value):
    return datetime.fromisoformat(value) if value else None


def _write(plans, root, user, batch, progress):
    """Copy the files into the store, then make the rows; one commit."""
    from archive import indexing

    for data in plans:
        for v in data["versions"]:
            for item in [v["berkas"], *v["files"]]:
                with open(root / item["path"], "rb") as f:
                    sha, _size = batch.put_stream(f)
                if sha != item["sha256"]:
                    raise ImportRefused(f"{item['path']}: isi berubah selama impor")
    counters = {}
    for data in plans:
        r = data["record"]
        classification = db.session.execute(
            db.select(Classification).where(Classification.code == r["classification"]["code"])
        ).scalar_one_or_none()
        if classification is None:
            classification = Classification(
                code=r["classification"]["code"], name=r["classification"]["name"]
            )
            db.session.add(classification)
        hc = r["hardcopy"]
        record = ArchiveRecord(
            nomor_arsip=r["nomor_arsip"],
            year=r["year"],
            seq=r["seq"],
            origin=r["origin"],
            case_id=None,
            classification=classification,
            title=r["title"],
            uraian=r["uraian"],
            date_from=date.fromisoformat(r["date_from"]),
            date_to=date.fromisoformat(r["date_to"]),
            tingkat=r["tingkat"],
            media_electronic=r["media_electronic"],
            media_paper=r["media_paper"],
            access_class=r["access_class"],
            jumlah=r["jumlah"],
            notes=r["notes"],
            retention_active_years=r["retention"]["active_years"],
            retention_inactive_years=r["retention"]["inactive_years"],
            retention_disposition=r["retention"]["disposition"],
            hardcopy_status=hc["status"],
            room=hc["room"],
            cabinet=hc["cabinet"],
            box=hc["box"],
            folder=hc["folder"],
            filed_at=_dt(hc["filed_at"]),
            current_number=len(data["versions"]),
            created_by_id=user.id,
            created_at=_dt(r["created_at"]),
        )
        db.session.add(record)
        for v in data["versions"]:
            version = ArchiveVersion(
                record=record,
                number=v["number"],
                reason=v["reason"],
                berkas_sha256=v["berkas"]["sha256"],
                berkas_size=v["berkas"]["size"],
                trail_seq=v["trail_seq"],
                trail_head=v["trail_head"],
                article_version=v["article_version"],
                created_by_id=user.id,
                created_at=_dt(v["created_at"]),
            )
            db.session.add(version)
            for f in v["files"]:
                version.files.append(
                    ArchiveFile(
                        position=f["position"],
                        kind=f["kind"],
                        sha256=f["sha256"],
                        size=f["size"],
                        filename=f["filename"],
                        mimetype=f["mimetype"],
                        description=f["description"],
                    )
                )
        db.session.add(
            ArchiveEvent(
                record=record,
                kind="dibuat",
                actor_id=user.id,
                data=json.dumps({"nomor_arsip": r["nomor_arsip"], "impor": True}),
                note=f"Diimpor dari bag; dibuat semula {r['created_at']} oleh {r['created_by']}",
            )
        )
        counters[r["year"]] = max(counters.get(r["year"], 0), r["seq"])
        db.session.flush()
        indexing.enqueue(record.id)
        if progress:
            progress(1)
    for year, last in counters.items():
        row = db.session.get(ArchiveCounter, year)
        if row is None:
            db.session.add(ArchiveCounter(year=year, last=last))
        else:
            row.last = max(row.last, last)
    db.session.commit()
    return len(plans)


def export_path(token):
    folder = Path(current_app.instance_path) / "exports"
    folder.mkdir(exist_ok=True)
    return folder / f"{token}.zip"


def remove_export(token):
    path = export_path(token)
    if path.exists():
        os.unlink(path)
