"""Reading a roster file (SPEC §15): CSV, UTF-8 or GB18030, with a header row.

Nothing here knows the database. Each problem names the row as a spreadsheet shows it
(the header is row 1), the column and the reason."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from ..core import resident_id
from ..forms import ID_REASONS
from ..spreadsheets import decode_text

# The key groups that other systems keep a roster of, in the order the admin page lists them.
KINDS = ("urban_unemployed", "veteran", "poverty_alleviated", "disabled", "graduate")
COLUMNS = ("id_number", "name", "as_of", "valid_until")
GRADUATE_COLUMNS = COLUMNS + ("graduation_date",)
NAME_MAX = 100


@dataclass(frozen=True)
class Problem:
    row: int | None
    column: str | None
    reason: str  # already in the request's language


@dataclass(frozen=True)
class Row:
    row: int
    id_number: str
    name: str
    as_of: date
    valid_until: date
    graduation_date: date | None


class RosterRefused(Exception):
    """The file is refused: nothing was stored. ``problems`` says why."""

    def __init__(self, problems: list[Problem]):
        super().__init__(problems)
        self.problems = problems


def columns_for(kind: str) -> tuple[str, ...]:
    return GRADUATE_COLUMNS if kind == "graduate" else COLUMNS


def clean_name(name: str) -> str:
    """A name as compared: without any spaces (``张 三`` is ``张三``)."""
    return "".join(name.split())


def _date(text: str) -> date | str:
    """The date, or the reason it is not one."""
    try:
        parts = [int(p) for p in text.split("-")]
        if len(parts) != 3 or len(text) != 10:
            raise ValueError
    except ValueError:
        return str(_l("Not a date in the form YYYY-MM-DD."))
    try:
        return date(*parts)
    except ValueError:
        return str(_l("Not a real date."))


def parse(data: bytes, kind: str, today: date) -> list[Row]:
    """Every row of the file, or ``RosterRefused`` with every problem found."""
    text = decode_text(data)
    if text is None:
        raise RosterRefused([Problem(None, None, str(_l("The file is not a CSV text file (UTF-8 or GB18030).")))])
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader, [])]
    wanted = columns_for(kind)
    missing = [c for c in wanted if c not in header]
    if missing:
        raise RosterRefused([Problem(1, c, str(_l("This column is missing from the header row."))) for c in missing])
    at = {c: header.index(c) for c in wanted}
    rows, problems, first_seen = [], [], {}
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        cell = {c: (cells[i].strip() if i < len(cells) else "") for c, i in at.items()}
        bad = len(problems)
        id_number = resident_id.normalize(cell["id_number"])
        try:
            resident_id.validate(id_number, today)
        except resident_id.InvalidResidentId as exc:
            problems.append(Problem(number, "id_number", str(_l("Invalid resident ID: %(detail)s",
                                                                  detail=ID_REASONS[exc.reason]))))
        else:
            if id_number in first_seen:
                problems.append(Problem(number, "id_number", str(_l(
                    "This resident ID appears twice in the file (first in row %(row)s).", row=first_seen[id_number]))))
            first_seen.setdefault(id_number, number)
        if not clean_name(cell["name"]):
            problems.append(Problem(number, "name", str(_l("The name is missing."))))
        elif len(cell["name"]) > NAME_MAX:
            problems.append(Problem(number, "name", str(_l("The name is longer than %(n)s characters.", n=NAME_MAX))))
        dates = {}
        for column in wanted[2:]:
            value = _date(cell[column])
            if isinstance(value, str):
                problems.append(Problem(number, column, value))
            else:
                dates[column] = value
        if "as_of" in dates and "valid_until" in dates and dates["valid_until"] < dates["as_of"]:
            problems.append(Problem(number, "valid_until", str(_l("The valid-until date is before the as-of date."))))
        if len(problems) == bad:
            rows.append(Row(number, id_number, cell["name"], dates["as_of"], dates["valid_until"],
                            dates.get("graduation_date")))
    if problems:
        raise RosterRefused(problems)
    if not rows:
        raise RosterRefused([Problem(None, None, str(_l("The file has no rows below its header.")))])
    return rows


def problem_text(problem: Problem) -> str:
    """One line: row, column and reason."""
    if problem.row is not None and problem.column:
        return str(_l("Row %(row)s, column %(column)s: %(reason)s", row=problem.row, column=problem.column,
                      reason=problem.reason))
    return problem.reason
