"""The Daftar Arsip: the listing of records as CSV, XLSX and PDF."""

import csv
import io
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


def listing_row(record, day=date.isoformat):
    """One row of the Daftar Arsip; ``day`` writes its dates (ISO for spreadsheets)."""
    period = (
        day(record.date_from)
        if record.date_from == record.date_to
        else f"{day(record.date_from)} s.d. {day(record.date_to)}"
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
    for record in records_of(ids):
        w.writerow(spreadsheet_row(listing_row(record)))
    text.detach()


def listing_xlsx(ids, out):
    """Write the Daftar Arsip as XLSX (write-only: rows are streamed)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Daftar Arsip")
    ws.append(list(LISTING_COLUMNS))
    for record in records_of(ids):
        ws.append(spreadsheet_row(listing_row(record)))
    wb.save(out)


def listing_pdf(ids, warnings=()):
    """The Daftar Arsip as a PDF (``warnings``: why a text search in it may be incomplete)."""

    rows = [listing_row(r, day=tanggal) for r in records_of(ids)]
    html = render_template(
        "archive/listing_pdf.html",
        rows=rows,
        columns=LISTING_COLUMNS,
        made_at=utcnow(),
        warnings=warnings,
    )
    return pdf.render(html)
