"""Rows read from an uploaded table: CSV (UTF-8, UTF-8 with BOM, UTF-16, Windows-1252/Latin-1;
comma, semicolon or tab) or XLSX (the first sheet), for the imports an office loads from a
spreadsheet. Lines whose first cell starts with ``#`` are comments; blank lines are skipped.

Problems with the file as a whole raise ``TabularError``; a formula cell is named with its
line and column and left to the caller to report with the other bad rows.
"""

import csv
import io
import warnings
import zipfile
from dataclasses import dataclass
from datetime import date
from datetime import datetime

from flask_babel import gettext as _

#: Largest file accepted, and the most data lines read from it.
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
#: The most an XLSX may unpack to (a small zip can hide a huge sheet).
MAX_UNPACKED = 40 * 1024 * 1024

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"


class TabularError(ValueError):
    """A file that cannot be read as a table; the message is fit to show (``status``: HTTP)."""

    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Row:
    """One line of the table: its line number in the file (1-based) and its cells."""

    line: int
    cells: tuple


@dataclass(frozen=True)
class Table:
    """The header (normalised names), the data rows, and the cells refused as formulas."""

    header: tuple
    rows: tuple
    formulas: tuple  # messages "Baris N, kolom X: ..."


def column_letter(index):
    """``A`` for the first column, ``AA`` for the 27th."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def normalise_name(value):
    """A header cell as a column name: ``Kode Retensi`` → ``kode_retensi``."""
    text = str(value or "").strip().lower()
    return "_".join(text.replace("-", " ").split())


def read_table(data, filename, max_bytes=MAX_BYTES, max_rows=MAX_ROWS):
    """The table in ``data`` (the bytes of an upload named ``filename``)."""
    if not data:
        raise TabularError(_("Berkas kosong."))
    if len(data) > max_bytes:
        raise TabularError(
            _("Berkas terlalu besar (paling besar %(mb)d MB).", mb=max_bytes // (1024 * 1024)),
            status=413,
        )
    name = (filename or "").lower()
    if data.startswith(OLE_MAGIC) or name.endswith(".xls"):
        raise TabularError(
            _("Format XLS lama tidak diterima; simpan sebagai XLSX atau CSV lalu unggah lagi.")
        )
    if data.startswith(ZIP_MAGIC):
        if not name.endswith(".xlsx"):
            raise TabularError(_("Jenis berkas tidak dikenal: unggah berkas CSV atau XLSX."))
        lines, formulas = _xlsx_lines(data)
    elif name.endswith(".csv") or name.endswith(".txt"):
        lines = _csv_lines(data)
        formulas = _csv_formulas(lines)
    else:
        raise TabularError(_("Jenis berkas tidak dikenal: unggah berkas CSV atau XLSX."))
    return _table(lines, formulas, max_rows)


def _table(lines, formulas, max_rows):
    header, rows = None, []
    for line, cells in lines:
        if not any(str(c).strip() for c in cells if c is not None):
            continue
        if isinstance(cells[0], str) and cells[0].strip().startswith("#"):
            continue
        if header is None:
            header = tuple(normalise_name(c) for c in cells)
            while header and not header[-1]:
                header = header[:-1]
            continue
        if len(rows) >= max_rows:
            raise TabularError(_("Berkas berisi lebih dari %(n)d baris data.", n=max_rows))
        rows.append(Row(line, tuple(cells)))
    if header is None:
        raise TabularError(_("Berkas tidak berisi kepala kolom."))
    if not rows:
        raise TabularError(_("Berkas tidak berisi baris data."))
    return Table(header, tuple(rows), tuple(m for line, m in formulas))


def _decode(data):
    """The text of a CSV file: UTF-8 (with or without BOM), UTF-16 with BOM, else Latin-1."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise TabularError(_("Berkas CSV tidak dapat dibaca sebagai teks.")) from None
    if b"\x00" in data:
        raise TabularError(_("Jenis berkas tidak dikenal: unggah berkas CSV atau XLSX."))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # a spreadsheet saved as CSV on an office PC: Windows-1252, a superset of Latin-1
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return data.decode("latin-1")


def _csv_lines(data):
    text = _decode(data)
    if text.startswith("\ufeff"):
        text = text[1:]
    first = next((ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")), "")
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    lines = []
    try:
        for cells in reader:
            lines.append((reader.line_num, tuple(c.strip() for c in cells) or ("",)))
    except csv.Error as e:
        raise TabularError(_("Berkas CSV rusak di baris %(line)d.", line=reader.line_num)) from e
    return lines


def _formula_message(line, index):
    return _(
        "Baris %(line)d, kolom %(col)s: berisi rumus; tulis nilainya saja.",
        line=line,
        col=column_letter(index),
    )


def _csv_formulas(lines):
    """Cells a spreadsheet would run as a formula (``=...``) when the file is opened again."""
    return [
        (line, _formula_message(line, index))
        for line, cells in lines
        for index, cell in enumerate(cells)
        if cell.startswith("=")
    ]


def _xlsx_lines(data):
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            unpacked = sum(i.file_size for i in z.infolist())
    except zipfile.BadZipFile:
        raise TabularError(_("Berkas XLSX rusak atau bukan XLSX.")) from None
    if unpacked > MAX_UNPACKED:
        raise TabularError(_("Isi berkas XLSX terlalu besar."), status=413)
    # openpyxl takes some 70 ms to import: only an XLSX upload pays for it, as the listings do
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles it does not read
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
            sheet = book.worksheets[0]
            lines, formulas = [], []
            for number, row in enumerate(sheet.iter_rows(min_row=1), start=1):
                cells = []
                for index, cell in enumerate(row):
                    value = cell.value
                    if getattr(cell, "data_type", None) == "f" or (
                        isinstance(value, str) and value.startswith("=")
                    ):
                        formulas.append((number, _formula_message(number, index)))
                        value = None
                    cells.append(_cell(value))
                lines.append((number, tuple(cells) or ("",)))
                if number > MAX_ROWS * 2:  # blank and comment lines are not counted
                    raise TabularError(_("Berkas berisi lebih dari %(n)d baris data.", n=MAX_ROWS))
            book.close()
    except TabularError:
        raise
    except Exception as e:  # openpyxl raises many kinds for a file it cannot read
        raise TabularError(_("Berkas XLSX rusak atau bukan XLSX.")) from e
    return lines, formulas


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, datetime):
        return value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, date | int | float):
        return value
    return str(value)


def as_text(value):
    """A cell as text (numbers as written, dates ISO)."""
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip() if value is not None else ""


def as_whole_number(value):
    """A cell as a whole number, or None if it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = as_text(value)
    sign = -1 if text.startswith("-") else 1
    digits = text[1:] if text[:1] in "+-" else text
    if digits.isascii() and digits.isdigit() and len(digits) <= 6:
        return sign * int(digits)
    return None
