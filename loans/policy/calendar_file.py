"""Reading a holiday-arrangement CSV: header ``date,kind,name``, one official exception to
the Monday–Friday week per row (``holiday`` or ``workday``). UTF-8, with or without BOM.

Nothing here knows the database. Every problem names the file, the row as a spreadsheet
shows it (the header is row 1), the column and the reason, and every row is checked
before anything is stored (all-or-nothing, like the ledger import).
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..core.dates import DayKind

COLUMNS = ("date", "kind", "name")
MAX_BYTES = 1024 * 1024
MAX_ROWS = 5000
MAX_PROBLEMS = 50
NAME_MAX = 60
FIRST_YEAR, LAST_YEAR = 2000, 2100
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

REASONS = {
    "too_large": _l("The file is larger than 1 MB; a year's arrangement is a few dozen rows."),
    "not_utf8": _l("The file is not UTF-8 text; save it as “CSV UTF-8”."),
    "bad_csv": _l("The file is not valid CSV (%(detail)s)."),
    "empty_file": _l("The file is empty."),
    "no_rows": _l("The file has a header but no days."),
    "too_many_rows": _l("More than %(max)s rows; import one year or a few years at a time."),
    "missing_column": _l("This column is missing from the header row (date,kind,name)."),
    "unknown_column": _l("Unknown column; the header row is date,kind,name."),
    "duplicate_column": _l("This column appears twice in the header row."),
    "extra_cells": _l("This row has more cells than the header has columns (an unquoted comma in the name?)."),
    "required": _l("This value is required."),
    "bad_date_format": _l("Not a date in the form YYYY-MM-DD."),
    "not_a_date": _l("Not a real date."),
    "date_out_of_range": _l("Must be a date from %(first)s to %(last)s."),
    "unknown_kind": _l("Unknown kind %(value)s (holiday or workday)."),
    "workday_on_weekday": _l("%(value)s is a Monday to Friday, a working day already: only a Saturday or Sunday can "
                             "be an adjusted workday."),
    "name_too_long": _l("At most %(max)s characters."),
    "duplicate_date": _l("%(value)s appears twice (first in row %(first)s)."),
    "too_many": _l("… and %(n)s more problems not shown."),
}


@dataclass(frozen=True)
class CalendarRow:
    calendar_date: date
    kind: DayKind
    name: str
    row: int


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None
    column: str | None
    code: str
    params: dict = field(default_factory=dict)

    def text(self) -> str:
        """One line in the current language: file, row, column and reason."""
        template = str(REASONS[self.code])
        reason = template % self.params if self.params else template
        if self.row is not None and self.column:
            return _("%(file)s, row %(row)s, column %(column)s: %(reason)s", file=self.file, row=self.row,
                     column=self.column, reason=reason)
        if self.row is not None:
            return _("%(file)s, row %(row)s: %(reason)s", file=self.file, row=self.row, reason=reason)
        return _("%(file)s: %(reason)s", file=self.file, reason=reason)


class CalendarFileRefused(Exception):
    """The file, or some of its rows, cannot be imported; nothing was stored."""

    def __init__(self, problems: list[Problem]):
        super().__init__(problems)
        self.problems = problems


def parse_date(text: str) -> date:
    """``YYYY-MM-DD`` within the years the calendar keeps; ValueError with a reason code."""
    text = (text or "").strip()
    if not _DATE_RE.fullmatch(text):
        raise ValueError("bad_date_format")
    try:
        on = date.fromisoformat(text)
    except ValueError:
        raise ValueError("not_a_date") from None
    if not FIRST_YEAR <= on.year <= LAST_YEAR:
        raise ValueError("date_out_of_range")
    return on


def read_calendar_csv(file_name: str, data: bytes) -> list[CalendarRow]:
    """The file's rows, or ``CalendarFileRefused`` with every problem found (up to 50)."""
    def refuse(code, **params):
        raise CalendarFileRefused([Problem(file_name, None, None, code, params)])

    if len(data) > MAX_BYTES:
        refuse("too_large")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        refuse("not_utf8")
    if "\x00" in text:
        refuse("not_utf8")
    if not text.strip():
        refuse("empty_file")
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        refuse("bad_csv", detail=str(exc))
    header = [cell.strip().lower() for cell in records[0]]
    problems = _header_problems(file_name, header)
    if problems:
        raise CalendarFileRefused(problems)
    data_rows = [(number, cells) for number, cells in enumerate(records[1:], start=2) if "".join(cells).strip()]
    if not data_rows:
        refuse("no_rows")
    if len(data_rows) > MAX_ROWS:
        refuse("too_many_rows", max=MAX_ROWS)
    positions = {column: header.index(column) for column in COLUMNS}
    rows, first_row = [], {}
    for number, cells in data_rows:
        row, row_problems = _read_row(file_name, number, cells, positions, len(header))
        if row is not None:
            if row.calendar_date in first_row:
                row_problems.append(Problem(file_name, number, "date", "duplicate_date", {
                    "value": row.calendar_date.isoformat(), "first": first_row[row.calendar_date]}))
            else:
                first_row[row.calendar_date] = number
                rows.append(row)
        problems += row_problems
    if problems:
        shown = problems[:MAX_PROBLEMS]
        if len(problems) > MAX_PROBLEMS:
            shown.append(Problem(file_name, None, None, "too_many", {"n": len(problems) - MAX_PROBLEMS}))
        raise CalendarFileRefused(shown)
    return rows


def _header_problems(file_name: str, header: list[str]) -> list[Problem]:
    problems = []
    for column in header:
        if column and column not in COLUMNS:
            problems.append(Problem(file_name, 1, column, "unknown_column"))
        elif column and header.count(column) > 1 and column not in {p.column for p in problems}:
            problems.append(Problem(file_name, 1, column, "duplicate_column"))
    problems += [Problem(file_name, 1, column, "missing_column") for column in COLUMNS if column not in header]
    return problems


def _read_row(file_name, number, cells, positions, width) -> tuple[CalendarRow | None, list[Problem]]:
    problems = []

    def problem(column, code, **params):
        problems.append(Problem(file_name, number, column, code, params))

    if len(cells) > width and "".join(cells[width:]).strip():
        problem(None, "extra_cells")
        return None, problems
    cell = {column: (cells[i] if i < len(cells) else "").strip() for column, i in positions.items()}
    on = kind = None
    if not cell["date"]:
        problem("date", "required")
    else:
        try:
            on = parse_date(cell["date"])
        except ValueError as exc:
            problem("date", str(exc), first=f"{FIRST_YEAR}-01-01", last=f"{LAST_YEAR}-12-31")
    if not cell["kind"]:
        problem("kind", "required")
    else:
        try:
            kind = DayKind(cell["kind"].lower())
        except ValueError:
            problem("kind", "unknown_kind", value=cell["kind"][:20])
    if len(cell["name"]) > NAME_MAX:
        problem("name", "name_too_long", max=NAME_MAX)
    if on is not None and kind is DayKind.workday and on.weekday() < 5:
        problem("kind", "workday_on_weekday", value=on.isoformat())
    if problems:
        return None, problems
    return CalendarRow(on, kind, cell["name"], number), problems
