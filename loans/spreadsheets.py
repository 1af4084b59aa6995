"""Cells of the CSV and XLSX files the app writes, which people open in Excel or WPS.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some
versions, with a tab or carriage return before one) as a formula: a ledger row whose
``loan_ref`` is ``=HYPERLINK("http://evil.example","x")`` would become a live link in
finance's export. Every CSV the app writes goes through ``csv_bytes``, every XLSX row
through ``append_row``:

- CSV: such a text cell is prefixed with ``'``, which spreadsheets show as text. A plain
  number (``-12.34``, ``2.00``) is never prefixed: it cannot run, and the machine exports
  (SPEC §10) keep their exact figures.
- XLSX: text is stored as a string cell, never as a formula (openpyxl would otherwise
  store any ``str`` starting with ``=`` as one), so it needs no prefix; characters XML
  cannot hold are replaced rather than failing the whole file.

The ledger import refuses codes and references that start like a formula
(``looks_like_formula``); free text such as names is kept and neutralised here on output.

Beside the machine files, ``people_csv`` and ``people_xlsx`` write tables for people, and
``download`` sends either kind of file.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable, Sequence

from flask import send_file

from .core.money import format_rate

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
# What XML 1.0 (and so openpyxl) cannot store in a cell: C0 controls but tab, LF and CR.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet could run this text as a formula."""
    return text.startswith(FORMULA_STARTS)


def csv_cell(value) -> str:
    """A cell's text for a CSV file: ``None`` is empty, numbers keep their text, text that
    could run as a formula gets a leading ``'``. Callers format figures themselves
    (``f"{amount:.2f}"``, ``format_rate``) and pass the text."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if looks_like_formula(text) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence], *, bom: bool = False) -> bytes:
    """An RFC 4180 CSV file (CRLF line endings) in UTF-8, with a BOM when ``bom`` (so that
    Chinese Excel reads it as UTF-8), every cell through ``csv_cell``."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_cell(name) for name in header])
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return out.getvalue().encode("utf-8-sig" if bom else "utf-8")


def append_row(sheet, values: Sequence) -> None:
    """Append a row to an openpyxl worksheet; text cells are stored as strings, never as
    formulas. Numbers (``int``, ``Decimal``) stay numeric cells."""
    sheet.append([_ILLEGAL_XML.sub("\ufffd", v) if isinstance(v, str) else v for v in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"


# --- downloads -----------------------------------------------------------------------------

CSV_MIMETYPE = "text/csv"  # Flask adds "; charset=utf-8" to every text/* type itself
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(data: bytes, filename: str):
    """A CSV or XLSX file as an attachment no cache keeps (``Content-Type: text/csv;
    charset=utf-8`` once; naming the charset in the type as well used to double it)."""
    mimetype = CSV_MIMETYPE if filename.endswith(".csv") else XLSX_MIMETYPE
    response = send_file(io.BytesIO(data), mimetype=mimetype, download_name=filename, as_attachment=True,
                         max_age=0, etag=False)
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- tables for people ---------------------------------------------------------------------
# Beside the machine exports (fixed English column keys, SPEC §10), a table for people:
# headers in the reader's language with their units, figures as a person reads them, and a
# totals row. CSV with a BOM so that Chinese Excel reads it as UTF-8; XLSX with a title.

TEXT, COUNT, MONEY, RATE, DECIMAL = "text", "count", "money", "rate", "decimal"
_NUMBER_FORMATS = {COUNT: "#,##0", MONEY: "#,##0.00", RATE: "0.00##", DECIMAL: "#,##0.##"}


@dataclass(frozen=True)
class Column:
    header: str  # in the reader's language, with the unit: "发放金额（元）"
    kind: str = TEXT  # TEXT, COUNT (int), MONEY (Decimal yuan), RATE (Decimal percent), DECIMAL


def plain_decimal(d: Decimal) -> str:
    """Exact, without exponent or trailing zeros: 18400000.00 → ``18400000``, 270271.50 → ``270271.5``."""
    text = format(d, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _people_text(value, kind: str) -> str:
    if value is None:
        return ""
    if kind == MONEY:
        return f"{value:.2f}"
    if kind == RATE:
        return format_rate(value)
    if kind == DECIMAL:
        return plain_decimal(value)
    return str(value)


def people_csv(columns: Sequence[Column], rows: Iterable[Sequence], total: Sequence) -> bytes:
    """The header, the rows and the totals row; money with two decimals and no thousands
    separators (Excel and WPS read them as numbers in every locale)."""
    kinds = [c.kind for c in columns]
    return csv_bytes([c.header for c in columns],
                     ([_people_text(v, k) for v, k in zip(row, kinds)] for row in [*rows, total]), bom=True)


def people_xlsx(title: str, sheet_name: str, columns: Sequence[Column], rows: Iterable[Sequence],
                total: Sequence) -> bytes:
    """Row 1 the title, row 3 the headers, then the rows and the totals row (bold);
    figures are numeric cells formatted as people read them; the headers stay in view."""
    from openpyxl import Workbook
    from openpyxl.styles import Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = sheet_name[:31]
    append_row(sheet, [title])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([])
    append_row(sheet, [c.header for c in columns])
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F2F2F2")
    widths = [_display_width(c.header) for c in columns]
    for row in [*rows, total]:
        append_row(sheet, row)
        for i, (cell, column) in enumerate(zip(sheet[sheet.max_row], columns)):
            if column.kind in _NUMBER_FORMATS:
                cell.number_format = _NUMBER_FORMATS[column.kind]
            widths[i] = max(widths[i], _display_width(_people_text(cell.value, column.kind)) + 2)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
        cell.border = Border(top=Side(style="thin"))
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(10, min(width + 2, 40))
    sheet.freeze_panes = sheet.cell(header_row + 1, 1)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: CJK characters take two."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def decode_text(data: bytes) -> str | None:
    """UTF-8 (with or without BOM), else GB18030; None when neither, or when the bytes
    hold a NUL (not a text file). UTF-8 is tried first: GB18030 would decode most UTF-8
    text into the wrong characters, while GB18030 text is rarely valid UTF-8."""
    if b"\x00" in data:
        return None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None
