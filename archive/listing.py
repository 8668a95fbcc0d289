"""The Daftar Arsip: the listing of records as CSV, XLSX and PDF."""

import csv
import io
import tempfile
from datetime import date

from flask import render_template
from sqlalchemy.orm import selectinload

from archive.models import LABELS
from archive.models import ArchiveRecord
from archive.models import ArchiveVersion
from intranet import pdf
from intranet.clock import tanggal
from intranet.clock import utcnow
from intranet.extensions import db
from intranet.text import spreadsheet_row

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


def records_of(ids):
    """Records by id, in the order given, a chunk at a time (for bounded memory)."""
    for chunk in record_chunks(ids):
        yield from chunk


def record_chunks(ids, size=200):
    """Lists of records by id, in the order given; each list is let go before the next."""
    for start in range(0, len(ids), size):
        chunk = ids[start : start + size]
        rows = db.session.execute(
            db.select(ArchiveRecord)
            .where(ArchiveRecord.id.in_(chunk))
            .options(
                selectinload(ArchiveRecord.classification),
                selectinload(ArchiveRecord.versions).selectinload(ArchiveVersion.files),
            )
        ).scalars()
        by_id = {r.id: r for r in rows}
        yield [by_id[i] for i in chunk if i in by_id]
        db.session.expunge_all()


#: The kinds of label a listing row shows.
_LISTING_LABELS = ("disposition", "hardcopy", "tingkat", "access")


def _labels():
    """The listing's labels in the current language, worked out once for a whole listing."""
    return {kind: {k: str(v) for k, v in LABELS[kind].items()} for kind in _LISTING_LABELS}


def listing_row(record, day=date.isoformat, labels=None):
    """One row of the Daftar Arsip; ``day`` writes its dates (ISO for spreadsheets).

    ``labels`` (from ``_labels``) saves a listing of many rows translating them for each row.
    """
    labels = labels or _labels()
    period = (
        day(record.date_from)
        if record.date_from == record.date_to
        else f"{day(record.date_from)} s.d. {day(record.date_to)}"
    )
    disposition = labels["disposition"].get(record.retention_disposition, "")
    retention = (
        f"aktif {record.retention_active_years} th, inaktif {record.retention_inactive_years} th, "
        f"{disposition}"
    )
    notes = [f"akses {labels['access'][record.access_class]}"]
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
        labels["tingkat"].get(record.tingkat, record.tingkat),
        record.media_label,
        record.location or labels["hardcopy"][record.hardcopy_status],
        retention,
        "; ".join(notes),
    ]


class ListingWriter:
    """The Daftar Arsip as CSV, written a record at a time as records go by.

    UTF-8 with a BOM, so spreadsheets read it right. The XLSX is made from these rows
    (``xlsx_from_csv``), so an export reads each record once for its bag and both lists.
    """

    def __init__(self, out):
        self.labels = _labels()
        self._text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
        self._csv = csv.writer(self._text)
        self._csv.writerow(LISTING_COLUMNS)

    def add(self, record):
        self._csv.writerow(spreadsheet_row(listing_row(record, labels=self.labels)))

    def close(self):
        """Finish the CSV; the stream given stays open."""
        self._text.detach()


def xlsx_from_csv(rows, out):
    """Write the Daftar Arsip CSV read from the binary stream ``rows`` as XLSX to ``out``.

    openpyxl's write-only workbook streams the rows; an empty field is an empty cell.
    """
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Daftar Arsip")
    text = io.TextIOWrapper(rows, encoding="utf-8-sig", newline="")
    for row in csv.reader(text):
        ws.append([value if value != "" else None for value in row])
    text.detach()
    wb.save(out)


def listing_csv(ids, out):
    """Write the Daftar Arsip as CSV to the binary stream ``out``."""
    writer = ListingWriter(out)
    for record in records_of(ids):
        writer.add(record)
    writer.close()


def listing_xlsx(ids, out):
    """Write the Daftar Arsip as XLSX to the binary stream ``out``."""
    with tempfile.TemporaryFile() as rows:
        listing_csv(ids, rows)
        rows.seek(0)
        xlsx_from_csv(rows, out)


def listing_pdf(ids, warnings=()):
    """The Daftar Arsip as a PDF (``warnings``: why a text search in it may be incomplete)."""

    labels = _labels()
    rows = [listing_row(r, day=tanggal, labels=labels) for r in records_of(ids)]
    html = render_template(
        "archive/listing_pdf.html",
        rows=rows,
        columns=LISTING_COLUMNS,
        made_at=utcnow(),
        warnings=warnings,
    )
    return pdf.render(html)
