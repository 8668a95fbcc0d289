"""Import: a bag made by ``export`` into an instance with an empty archive.

The bag and every checksum are checked with the ``bagit`` library before anything is
written; a tampered bag is refused whole, naming the bad file. Every record JSON is then
checked against the published JSON Schema (``archive/schema/arsip.schema.json``, this
instance's copy, never the bag's) and against the access rule: no record is less strict
than any of its originals, and its own data (the case JSON, the scans) is no less strict
than it. A bag whose checksums were recomputed after an edit passes ``bagit``; these checks
are what refuse it, naming the JSON path of the problem, before anything is written.
"""

import json
import shutil
import tempfile
import zipfile
from datetime import date
from datetime import datetime
from functools import cache
from pathlib import Path

import jsonschema
from flask import current_app

from archive import extract
from archive import indexing
from archive import locations
from archive import ocr
from archive.export import CHUNK
from archive.export import EXPORT_FORMAT
from archive.export import SCHEMA_PATH
from archive.models import ArchiveCounter
from archive.models import ArchiveEvent
from archive.models import ArchiveFile
from archive.models import ArchiveRecord
from archive.models import ArchiveVersion
from archive.models import Classification
from archive.ocr_models import OcrResult
from archive.writing import archiving
from intranet.extensions import db
from intranet.permissions import CLASSES
from intranet.permissions import strictest

MAX_IMPORT_BYTES = 200 * 1024**3
#: Originals that are the record's own data and so carry at least the record's class.
RECORD_OWN_KINDS = ("json", "pindaian")


class ImportRefused(Exception):
    """The bag cannot be imported; the message names what is wrong."""


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
    if isinstance(data, dict) and data.get("format") != EXPORT_FORMAT:
        raise ImportRefused(f"{rel}: format tidak dikenal (harus {EXPORT_FORMAT})")
    problems = schema_problems(data)
    if problems:
        raise ImportRefused(f"{rel}: " + "; ".join(problems[:10]))
    _check_dates(rel, data)
    _check_access(rel, data)
    folder_rel = folder.relative_to(root).as_posix() + "/"
    for v in data["versions"]:
        for item in [v["berkas"], *v["files"]]:
            if not item["path"].startswith(folder_rel):
                raise ImportRefused(f"{rel}: {item['path']} berada di luar folder arsip ini")
            if manifest.get(item["path"]) != item["sha256"]:
                raise ImportRefused(f"{item['path']}: SHA-256 tidak sesuai dengan rekaman")
    originals = {f["sha256"] for v in data["versions"] for f in v["files"]}
    for i, item in enumerate(data.get("ocr", [])):
        if not item["path"].startswith(folder_rel):
            raise ImportRefused(f"{rel}: {item['path']} berada di luar folder arsip ini")
        if manifest.get(item["path"]) != item["sha256"]:
            raise ImportRefused(f"{item['path']}: SHA-256 tidak sesuai dengan rekaman")
        if item["original_sha256"] not in originals:
            raise ImportRefused(f"{rel}: $.ocr[{i}].original_sha256: bukan berkas asli arsip ini")
    return data


@cache
def _validator():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def schema_problems(data):
    """Where ``data`` breaks the record schema: one Indonesian sentence per problem, each
    naming its JSON path (``$.record.access_class``), in path order."""
    errors = sorted(_validator().iter_errors(data), key=lambda e: [str(p) for p in e.path])
    return [_explain(e) for e in errors]


def _explain(error):
    path = error.json_path
    v, expected, got = error.validator, error.validator_value, error.instance
    if v == "required":
        missing = [k for k in expected if isinstance(got, dict) and k not in got]
        return f"{path}: kolom wajib {', '.join(missing)} tidak ada"
    if v == "additionalProperties":
        extra = sorted(k for k in got if k not in error.schema.get("properties", {}))
        return f"{path}: kolom tidak dikenal: {', '.join(extra)[:200]}"
    if v == "enum":
        return f"{path}: nilai {_short(got)} tidak dikenal (yang sah: {', '.join(expected)})"
    if v == "const":
        return f"{path}: harus {expected}"
    if v == "type":
        kinds = expected if isinstance(expected, list) else [expected]
        return f"{path}: harus bertipe {' atau '.join(_TYPES.get(k, k) for k in kinds)}"
    if v in ("pattern", "anyOf"):
        return f"{path}: bentuk {_short(got)} tidak sah"
    if v in _BOUNDS:
        return f"{path}: {_BOUNDS[v]} {expected}"
    if v == "minItems":
        return f"{path}: paling sedikit {expected} isian"
    return f"{path}: tidak sesuai skema ({v})"


_BOUNDS = {
    "maxLength": "panjang teks paling banyak",
    "minLength": "panjang teks paling sedikit",
    "minimum": "angka paling kecil",
    "maximum": "angka paling besar",
}
_TYPES = {
    "string": "teks",
    "integer": "bilangan bulat",
    "boolean": "benar/salah",
    "object": "objek",
    "array": "daftar",
    "null": "kosong (null)",
}


def _short(value):
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


def _check_dates(rel, data):
    """The dates the schema shaped must also be real dates."""
    r = data["record"]
    checks = [
        ("$.record.date_from", r["date_from"], date),
        ("$.record.date_to", r["date_to"], date),
    ]
    checks += [("$.record.created_at", r["created_at"], datetime)]
    checks += [("$.record.hardcopy.filed_at", r["hardcopy"]["filed_at"], datetime)]
    checks += [
        (f"$.versions[{i}].created_at", v["created_at"], datetime)
        for i, v in enumerate(data["versions"])
    ]
    for path, value, kind in checks:
        if value is None:
            continue
        try:
            kind.fromisoformat(value)
        except ValueError:
            raise ImportRefused(f"{rel}: {path}: {value!r} bukan tanggal yang sah") from None


def _check_access(rel, data):
    """No import lowers an access class: the record is at least as strict as every original
    it keeps, and its own data (the case JSON, the scans) at least as strict as the record."""
    record_class = data["record"]["access_class"]
    files = [
        (f"$.versions[{i}].files[{j}].access_class", f)
        for i, v in enumerate(data["versions"])
        for j, f in enumerate(v["files"])
    ]
    needed = strictest(f["access_class"] for _, f in files)
    if CLASSES.index(record_class) < CLASSES.index(needed):
        raise ImportRefused(
            f"{rel}: $.record.access_class: {record_class} lebih longgar daripada berkas asli "
            f"yang disimpannya ({needed}); kelas akses tidak dapat diturunkan lewat impor"
        )
    for path, f in files:
        if f["kind"] in RECORD_OWN_KINDS and (
            CLASSES.index(f["access_class"]) < CLASSES.index(record_class)
        ):
            raise ImportRefused(
                f"{rel}: {path}: {f['access_class']} lebih longgar daripada kelas akses arsip "
                f"({record_class}); kelas akses tidak dapat diturunkan lewat impor"
            )


def _dt(value):
    return datetime.fromisoformat(value) if value else None


def _recognised(item, root, mimetypes):
    """The OCR result of an imported original: its derived PDF/A (copied into the archive
    with the originals) and the text of that PDF's text layer, for the index."""
    from pypdf import PdfReader

    if ocr.result_for(item["original_sha256"]) is not None:
        return  # an upload of the same bytes was read here already
    try:
        reader = PdfReader(root / item["path"])
        text = "\n".join((page.extract_text() or "") for page in reader.pages).strip()
    except Exception as e:  # noqa: BLE001 - a hostile bag's PDF is refused, naming it
        raise ImportRefused(f"{item['path']}: PDF hasil OCR tidak dapat dibaca ({e})") from e
    db.session.add(
        OcrResult(
            sha256=item["original_sha256"],
            mimetype=mimetypes[item["original_sha256"]],
            status="selesai",
            derived_sha256=item["sha256"],
            derived_size=item["size"],
            archived=True,
            language=item["language"],
            pages=item["pages"],
            confidence=item["confidence"],
            low_pages=",".join(str(p) for p in item["low_pages"]),
            text=text[: extract.MAX_TEXT],
            note="diimpor dari bag",
        )
    )
    db.session.flush()


def _write(plans, root, user, batch, progress):
    """Copy the files into the store, then make the rows; one commit."""

    for data in plans:
        stored = [i for v in data["versions"] for i in (v["berkas"], *v["files"])]
        for item in stored + data.get("ocr", []):
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
        hc = {**r["hardcopy"], **locations.place_of(r["hardcopy"])}
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
                        access_class=f["access_class"],
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
        mimetypes = {f["sha256"]: f["mimetype"] for v in data["versions"] for f in v["files"]}
        for item in data.get("ocr", []):
            _recognised(item, root, mimetypes)
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
