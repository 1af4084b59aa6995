"""Reading ledger files (SPEC §10): CSV recognised by its header row, or one XLSX workbook.

Nothing here knows the database. A file becomes a ``Table``: its kind (``loans`` or
``events``), its columns and its data rows, each row numbered as a spreadsheet shows it
(the header is row 1). Cell values are text, except what an XLSX cell holds natively
(numbers, dates), which ``cell_text`` turns into text exactly or refuses.
"""
from __future__ import annotations

import codecs
import csv
import hashlib
import io
import os
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Iterator

from ..spreadsheets import decode_text  # noqa: F401  (banks read it from here too)

LOAN_COLUMNS = ("loan_ref", "borrower_name", "id_number", "key_group", "district_code", "business_name",
                "credit_code", "loan_type", "partners", "bank_code", "contract_no", "contract_date", "amount",
                "contract_rate", "lpr", "term_months", "maturity_date", "jobs_declared")
EVENT_COLUMNS = ("loan_ref", "date", "kind", "amount")
COLUMNS = {"loans": LOAN_COLUMNS, "events": EVENT_COLUMNS}
# Identifiers whose leading zeros or exact digits matter: in XLSX they must be text cells,
# because a numeric cell has already lost them (or shows 4.31002E+17).
TEXT_ONLY_COLUMNS = frozenset({"id_number", "credit_code", "district_code", "loan_ref", "contract_no"})
# Codes and references: none starts like a spreadsheet formula (``=``, ``+``, ``-``, ``@``),
# so one that does is refused rather than carried into the exports. Names are free text,
# kept, and neutralised where the app writes them into a file.
IDENTIFIER_COLUMNS = TEXT_ONLY_COLUMNS | {"key_group", "loan_type", "bank_code", "kind"}
# Columns that may hold an XLSX number (converted exactly, or refused).
AMOUNT_COLUMNS = frozenset({"amount"})
RATE_COLUMNS = frozenset({"contract_rate", "lpr"})
INTEGER_COLUMNS = frozenset({"partners", "term_months", "jobs_declared"})
DATE_COLUMNS = frozenset({"contract_date", "maturity_date", "date"})

XLSX_SHEETS = ("loans", "events")
# A workbook is a zip: a few kilobytes can declare gigabytes of XML, or a used range up to
# column XFD and row 1,048,576 that a reader would pad with empty cells. A ledger has 18
# columns; a 100,000-loan workbook unpacks to some 200 MB.
XLSX_MAX_UNPACKED_BYTES = 1024 * 1024 * 1024
XLSX_MAX_COLUMNS = 64
# A CSV file is decoded a piece at a time, never whole: as one ``str`` a 25 MB file with
# Chinese names takes 50 MB (100 MB with one character beyond the BMP), and ``StringIO``
# copies it again as 4 bytes a character.
DECODE_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Problem:
    """One reason to refuse a run. ``code`` names a message in ``messages.REASONS``;
    ``params`` fill it (JSON-safe strings). ``row`` is the spreadsheet row (header = 1)."""

    file: str
    row: int | None
    column: str | None
    code: str
    params: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"file": self.file, "row": self.row, "column": self.column, "code": self.code,
                "params": dict(self.params)}


class FileRefused(Exception):
    """A file cannot be read at all (encoding, format, header)."""

    def __init__(self, problems: list[Problem]):
        super().__init__(problems)
        self.problems = problems


class SourceFile:
    """An uploaded or given file: its name and its bytes — held (an upload), or read from
    ``path`` a piece at a time whenever they are read (``open``): a ledger of 100,000 loans
    is 25 MB of CSV, which the import reads three times over and need not hold."""

    __slots__ = ("name", "_data", "path", "_stamp")

    def __init__(self, name: str, data: bytes | None = None, *, path: Path | None = None):
        if (data is None) == (path is None):
            raise ValueError("a SourceFile has either its bytes or a path")
        self.name, self._data, self.path = name, data, path
        self._stamp = None if path is None else _stamp(os.stat(path))

    @property
    def data(self) -> bytes:
        """All the bytes at once (for the small files of a bank's upload)."""
        return self._data if self.path is None else self.path.read_bytes()

    def open(self) -> BinaryIO:
        """The bytes from the start; a file on disk must be the one it was when given (the
        run reads it several times): else ``FileRefused`` (``file_changed``)."""
        if self.path is None:
            return io.BytesIO(self._data)
        try:
            stream = self.path.open("rb")
        except FileNotFoundError:
            raise FileRefused([Problem(self.name, None, None, "file_changed")]) from None
        if _stamp(os.fstat(stream.fileno())) != self._stamp:
            stream.close()
            raise FileRefused([Problem(self.name, None, None, "file_changed")])
        return stream

    @property
    def size(self) -> int:
        return len(self._data) if self.path is None else self.path.stat().st_size

    @property
    def sha256(self) -> str:
        if self.path is None:
            return hashlib.sha256(self._data).hexdigest()
        with self.open() as stream:
            return hashlib.file_digest(stream, "sha256").hexdigest()

    @property
    def is_xlsx(self) -> bool:
        if self.path is None:
            return looks_like_xlsx(self._data)
        with self.open() as stream:
            return stream.read(2) == b"PK" and _holds_workbook(stream)


class Table:
    """One file (or sheet) of a run. Rows are read again on each ``rows()`` call rather than
    kept as dicts: a 100,000-loan ledger would otherwise hold millions of small objects."""

    def __init__(self, file: str, kind: str, header: list[str], records: Callable[[], Iterable[tuple[int, list]]]):
        self.file, self.kind = file, kind
        self.positions = {column: header.index(column) for column in COLUMNS[kind]}
        self.width = len(header)
        self._records = records
        self.count = sum(1 for _ in self.rows())

    def rows(self) -> Iterator[tuple[int, list, bool]]:
        """(spreadsheet row, cells, wider than the header) for each non-blank data row."""
        width = self.width
        for number, cells in self._records():
            if _blank_row(cells):
                continue  # a blank line: Excel shows it as an empty row, nothing to import
            # wider: most often an unquoted thousands separator (200,000) or a comma in a name
            yield number, cells, len(cells) > width and not _blank_row(cells[width:])


def _blank(cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _blank_row(cells: list) -> bool:
    try:
        return not "".join(cells).strip()  # CSV: all text, checked in C
    except TypeError:  # XLSX: None, numbers, dates
        return all(_blank(cell) for cell in cells)


def _stamp(status: os.stat_result) -> tuple[int, int, int, int]:
    return status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns


def looks_like_xlsx(data: bytes) -> bool:
    """An XLSX is a zip archive holding ``xl/workbook.xml``."""
    return data.startswith(b"PK") and _holds_workbook(io.BytesIO(data))


def _holds_workbook(stream: BinaryIO) -> bool:
    try:
        with zipfile.ZipFile(stream) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _kind_of(header: list[str]) -> str | None:
    """The kind whose columns the header mostly has (at least half of them), else None:
    a header missing a column or two is still recognised, so the message can name them."""
    names = set(header)
    scores = {kind: len(names & set(columns)) / len(columns) for kind, columns in COLUMNS.items()}
    kind = max(scores, key=scores.get)
    others = [score for other, score in scores.items() if other != kind]
    if scores[kind] >= 0.5 and all(score < scores[kind] for score in others):
        return kind
    return None


def _header_problems(name: str, header: list[str], kind: str) -> list[Problem]:
    problems = []
    seen = set()
    for column in header:
        if column and column in seen:
            problems.append(Problem(name, 1, column, "duplicate_column"))
        seen.add(column)
    for column in COLUMNS[kind]:
        if column not in seen:
            problems.append(Problem(name, 1, column, "missing_column"))
    return problems


def _table(name: str, header_cells: list | None, records, sheet_kind: str | None = None) -> Table:
    """``records``: a callable giving (spreadsheet row number, cells) for the rows after the header."""
    if header_cells is None:
        raise FileRefused([Problem(name, None, None, "empty_file")])
    header = [str(cell).strip().lstrip("\ufeff").lower() if cell is not None else "" for cell in header_cells]
    kind = sheet_kind or _kind_of(header)
    if kind is None:
        raise FileRefused([Problem(name, 1, None, "unknown_header",
                                   {"loans": ",".join(LOAN_COLUMNS), "events": ",".join(EVENT_COLUMNS)})])
    problems = _header_problems(name, header, kind)
    if problems:
        raise FileRefused(problems)
    return Table(name, kind, header, records)


def text_encoding(source: SourceFile) -> str | None:
    """The encoding ``decode_text`` would read the file with (UTF-8 with or without BOM,
    else GB18030; None for neither or a NUL), found by decoding a piece at a time and
    keeping nothing."""
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with source.open() as stream:
                while piece := stream.read(DECODE_CHUNK):
                    if b"\x00" in piece:
                        return None
                    decoder.decode(piece)
            decoder.decode(b"", final=True)
            return encoding
        except UnicodeDecodeError:
            continue
    return None


def _csv_rows(source: SourceFile, encoding: str):
    """The file's records, decoded as they are read; the file is closed when they end
    (or when what reads them lets them go)."""
    with io.TextIOWrapper(source.open(), encoding=encoding, newline="") as text:
        yield from csv.reader(text)


def read_csv(source: SourceFile) -> Table:
    encoding = text_encoding(source)
    if encoding is None:
        raise FileRefused([Problem(source.name, None, None, "not_text")])
    def records():
        # csv.reader numbers records; a quoted field may span lines but stays one spreadsheet row
        reader = _csv_rows(source, encoding)
        next(reader, None)
        return enumerate(reader, start=2)

    rows = _csv_rows(source, encoding)
    try:
        header = next(rows, None)
        return _table(source.name, header, records)
    except csv.Error as exc:
        raise FileRefused([Problem(source.name, None, None, "bad_csv", {"detail": str(exc)})]) from None
    finally:
        rows.close()


def read_xlsx(source: SourceFile) -> list[Table]:
    with source.open() as stream:
        if _unpacked_size(stream) > XLSX_MAX_UNPACKED_BYTES:
            raise FileRefused([Problem(source.name, None, None, "xlsx_too_large")])
        return _workbook_tables(source.name, stream)


def _workbook_tables(name: str, stream: BinaryIO) -> list[Table]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 — openpyxl raises many kinds on a damaged file
        raise FileRefused([Problem(name, None, None, "bad_xlsx")]) from None
    try:
        names = {sheet.strip().lower(): sheet for sheet in workbook.sheetnames}
        found = [kind for kind in XLSX_SHEETS if kind in names]
        if not found:
            raise FileRefused([Problem(name, None, None, "no_sheets")])
        tables = []
        problems = []
        for kind in found:
            sheet = workbook[names[kind]]
            label = f"{name}[{kind}]"
            # kept in memory: the workbook closes below, and XLSX ledgers are the small ones;
            # blank rows are not kept (a stray cell on row 1,048,576 makes a million of them),
            # except the header's row, and the used range is not trusted for the width
            sheet.reset_dimensions()
            rows = [(i, list(values)) for i, values in
                    enumerate(sheet.iter_rows(max_col=XLSX_MAX_COLUMNS, values_only=True), start=1)
                    if i == 1 or not _blank_row(values)]
            if rows:  # the header's width is its last named column, not the padded range
                header = rows[0][1]
                while header and _blank(header[-1]):
                    header.pop()
            try:
                tables.append(_table(label, rows[0][1] if rows else None, lambda rows=rows: iter(rows[1:]), kind))
            except FileRefused as exc:
                problems += exc.problems
        if problems:
            raise FileRefused(problems)
        return tables
    finally:
        workbook.close()


def _unpacked_size(data: bytes | BinaryIO) -> int:
    """The bytes a workbook's parts unpack to, as its zip directory declares them (Python's
    zipfile never inflates a member beyond its declared size)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data) as archive:
            return sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return 0  # not a readable zip: load_workbook says so


def read_sources(sources: list[SourceFile]) -> list[Table]:
    """All the tables of a run: any number of CSV files, or exactly one XLSX."""
    if not sources:
        raise FileRefused([Problem("", None, None, "no_files")])
    workbooks = [s for s in sources if s.is_xlsx]
    if workbooks and len(sources) > 1:
        raise FileRefused([Problem(workbooks[0].name, None, None, "xlsx_alone")])
    if workbooks:
        return read_xlsx(workbooks[0])
    tables, problems = [], []
    for source in sources:
        try:
            tables.append(read_csv(source))
        except FileRefused as exc:
            problems += exc.problems
    if problems:
        raise FileRefused(problems)
    return tables


# --- cells -------------------------------------------------------------------------------

class CellRefused(ValueError):
    """A cell cannot be read: ``code`` names the message, ``params`` fill it."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = {k: str(v) for k, v in params.items()}


def cell_text(column: str, value) -> str:
    """The cell as stripped text ('' when empty). XLSX numbers become their exact decimal
    text where the column allows numbers (amounts, rates, counts), else they are refused;
    XLSX date cells become ``YYYY-MM-DD`` in date columns.

    openpyxl returns numeric cells as ``int`` or ``float``. A float is converted through
    ``str`` — Python's shortest repr, which gives back what Excel shows for ordinary values
    (``90090.5``, ``4.35``) — and then parsed like text, so an amount with more than two
    decimals (``0.30000000000000004``) or in exponent form is refused, never rounded."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        raise CellRefused("not_text_cell")
    if isinstance(value, (datetime, date)):
        if column not in DATE_COLUMNS:
            raise CellRefused("date_cell")
        if isinstance(value, datetime):
            if value.time() != datetime.min.time():
                raise CellRefused("date_with_time")
            value = value.date()
        return value.isoformat()
    if isinstance(value, (int, float, Decimal)):
        if column in TEXT_ONLY_COLUMNS:
            raise CellRefused("numeric_identifier")
        if column in DATE_COLUMNS:
            raise CellRefused("bad_date_format")
        if isinstance(value, float):
            if value != value or value in (float("inf"), float("-inf")):
                raise CellRefused("not_a_number")
            if column in INTEGER_COLUMNS and value.is_integer():
                return str(int(value))
            return str(value)
        return str(value)
    raise CellRefused("not_text_cell")
