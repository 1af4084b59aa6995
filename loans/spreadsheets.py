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
"""
from __future__ import annotations

import csv
import io
import re
from typing import Iterable, Sequence

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
