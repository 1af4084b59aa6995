"""A bank's event files (SPEC §12): read, previewed, confirmed all or nothing.

A file is §10's ``events.csv`` (``loan_ref,date,kind,amount``) plus ``bank_ref``,
``new_maturity`` (for an extension) and an optional ``balance`` (the bank's balance of the
loan after the event); CSV in UTF-8 or GB18030, or an XLSX workbook (its ``events``
sheet, else its first). The ledger import's readers decide about encodings, workbooks and
cells, and its reasons word the problems; the clerk's services (``servicing.services``)
decide about each event — a rule is written once.

One walk over the rows serves both the preview and the confirmation: each row, in date
order, is applied through the services inside a savepoint of its own, so that a refused
row leaves the others standing and the rows after it see what the rows before did. The
preview runs it inside one more savepoint and rolls that back (nothing is kept but the
classification); the confirmation runs it for real and, if any row is refused, raises
``Refused`` so that the unit of work rolls back every row: all or nothing.

A row is:
- ``skipped`` when its ``bank_ref`` is already recorded with the same values (or, for a
  row without one, when the same event is already recorded): sending a file again
  changes nothing;
- ``attached`` when it equals (loan, date, kind, amount) an event recorded without a
  reference: that event takes the bank's reference instead of being recorded twice;
- ``replaced`` when it is an ``overdue_start`` in the period of one the app set itself
  (``loans check``): that event takes the bank's date;
- ``new`` otherwise, recorded through the service of its kind (source "file");
- ``refused`` when a cell cannot be read, the loan is not the bank's, or the service says no.

Where the bank's ``balance`` differs from the app's balance on that date once the file
is applied, the difference is listed (reconciliation), never adopted.

Money is ``Decimal`` yuan, dates ``date``; in the stored preview, both are text.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import PurePath

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..audit.services import record
from ..core import money
from ..db import db, utcnow
from ..errors import Refused
from ..ledger.messages import reason_text as ledger_reason_text
from ..ledger.parsing import (XLSX_MAX_COLUMNS, XLSX_MAX_UNPACKED_BYTES, CellRefused, FileRefused, Problem,
                              SourceFile, _unpacked_size, cell_text, decode_text)
from ..ledger.services import FIRST_DATE, LAST_DATE
from ..forms import MAX_AMOUNT
from ..servicing import services as servicing
from ..servicing.models import Loan, LoanEvent
from ..spreadsheets import csv_bytes, looks_like_formula
from .models import BankFile, BankFileStatus

REQUIRED_COLUMNS = ("loan_ref", "date", "kind", "amount", "bank_ref")
OPTIONAL_COLUMNS = ("new_maturity", "balance")
KINDS = ("disbursement", "repayment", "overdue_start", "overdue_end", "extension")
MONEY_KINDS = ("disbursement", "repayment")
SOURCES = ("clerk", "api", "inbox")
MAX_ROWS = 20_000
# Same-day order, as the ledger applies it: money first, an overdue period's end before
# the next one's start, an extension last.
KIND_ORDER = {"disbursement": 0, "repayment": 1, "overdue_end": 2, "overdue_start": 3, "extension": 4}
BANK_REF = re.compile(r"[!-~]{1,64}")  # 1–64 visible ASCII characters, as in the API
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# A service's refusal names its form field; the file names its column.
FIELD_COLUMNS = {"event_on": "date", "amount": "amount", "new_maturity_date": "new_maturity"}

REASONS = {
    "unknown_kind": _l("Unknown kind %(value)s (disbursement, repayment, overdue_start, overdue_end or extension)."),
    "bank_ref_required": _l("The bank's reference is required for disbursements and repayments."),
    "bad_bank_ref": _l("Write 1 to 64 visible characters (letters, digits, punctuation; no spaces)."),
    "bank_ref_twice": _l("The reference %(value)s appears twice in this file (first in row %(first)s)."),
    "bank_ref_other_event": _l("The reference %(value)s is already recorded for another event: loan %(loan)s, "
                               "%(kind)s on %(date)s."),
    "not_this_bank": _l("No loan %(value)s of this bank."),
    "new_maturity_required": _l("Give the new maturity date of the extension."),
    "new_maturity_not_blank": _l("Must be blank except for an extension."),
    "negative": _l("Must not be negative."),
    "too_many_rows": _l("The file has more than %(max)s rows; send it in parts."),
    "missing_column": _l("This column is missing from the header row (loan_ref, date, kind, amount, bank_ref; "
                         "new_maturity and balance where needed)."),
    "unreadable": _l("The row could not be applied; nothing was recorded for it."),
}


def reason_text(code: str, params: dict | None = None) -> str:
    """A row's reason in the reader's language: a service's own words (kept in every
    language when the row was refused), this module's, else the ledger import's."""
    params = dict(params or {})
    if code == "service":
        from ..i18n import current_lang

        return params.get(current_lang()) or params.get("en") or ""
    if code in REASONS:
        return str(REASONS[code]) % params if params else str(REASONS[code]).replace("%%", "%")
    return ledger_reason_text(code, params)


# --- reading -------------------------------------------------------------------------------

@dataclass
class _Line:
    """One data row as read: its spreadsheet number, checked values (None where refused)
    and its problems (column, code, params)."""

    number: int
    loan_ref: str | None = None
    event_on: date | None = None
    kind: str | None = None
    amount: Decimal | None = None
    bank_ref: str | None = None
    new_maturity: date | None = None
    balance: Decimal | None = None
    problems: list = field(default_factory=list)

    def refuse(self, column: str | None, code: str, **params) -> None:
        self.problems.append({"column": column, "code": code, "params": {k: str(v) for k, v in params.items()}})

    def as_dict(self) -> dict:
        def text(value):
            return None if value is None else value.isoformat() if isinstance(value, date) else \
                f"{value:.2f}" if isinstance(value, Decimal) else value
        return {"row": self.number, "loan_ref": self.loan_ref, "date": text(self.event_on), "kind": self.kind,
                "amount": text(self.amount), "bank_ref": self.bank_ref, "new_maturity": text(self.new_maturity),
                "balance": text(self.balance)}

    @classmethod
    def from_dict(cls, values: dict) -> "_Line":
        def day(value):
            return date.fromisoformat(value) if value else None

        def yuan(value):
            return Decimal(value) if value is not None else None
        return cls(number=values["row"], loan_ref=values["loan_ref"], event_on=day(values["date"]),
                   kind=values["kind"], amount=yuan(values["amount"]), bank_ref=values["bank_ref"],
                   new_maturity=day(values["new_maturity"]), balance=yuan(values["balance"]))


def _records(source: SourceFile) -> tuple[list, list]:
    """(header cells, [(spreadsheet row, cells)…]) of a CSV file or of a workbook's sheet."""
    if source.is_xlsx:
        return _xlsx_records(source)
    text = decode_text(source.data)
    if text is None:
        raise FileRefused([Problem(source.name, None, None, "not_text")])
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise FileRefused([Problem(source.name, None, None, "bad_csv", {"detail": str(exc)})]) from None
    if not rows:
        raise FileRefused([Problem(source.name, None, None, "empty_file")])
    return rows[0], list(enumerate(rows[1:], start=2))


def _xlsx_records(source: SourceFile) -> tuple[list, list]:
    from openpyxl import load_workbook

    if _unpacked_size(source.data) > XLSX_MAX_UNPACKED_BYTES:
        raise FileRefused([Problem(source.name, None, None, "xlsx_too_large")])
    try:
        workbook = load_workbook(io.BytesIO(source.data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 — openpyxl raises many kinds on a damaged file
        raise FileRefused([Problem(source.name, None, None, "bad_xlsx")]) from None
    try:
        names = {name.strip().lower(): name for name in workbook.sheetnames}
        sheet = workbook[names.get("events") or workbook.sheetnames[0]]
        sheet.reset_dimensions()
        rows = [(i, list(values)) for i, values in
                enumerate(sheet.iter_rows(max_col=XLSX_MAX_COLUMNS, values_only=True), start=1)
                if i == 1 or any(v is not None and str(v).strip() for v in values)]
    finally:
        workbook.close()
    if not rows:
        raise FileRefused([Problem(source.name, None, None, "empty_file")])
    return rows[0][1], rows[1:]


def read_lines(source: SourceFile) -> list[_Line]:
    """The file's data rows, each checked cell by cell; ``FileRefused`` when the file as a
    whole cannot be read (encoding, workbook, header)."""
    header_cells, records = _records(source)
    header = [str(c).strip().lstrip("\ufeff").lower() if c is not None else "" for c in header_cells]
    problems = [Problem(source.name, 1, column, "duplicate_column")
                for i, column in enumerate(header) if column and column in header[:i]]
    problems += [Problem(source.name, 1, column, "missing_column") for column in REQUIRED_COLUMNS
                 if column not in header]
    if problems:
        raise FileRefused(problems)
    positions = {column: header.index(column) for column in REQUIRED_COLUMNS + OPTIONAL_COLUMNS if column in header}
    width = max(i for i, name in enumerate(header) if name) + 1
    lines, first_ref = [], {}
    for number, cells in records:
        if not any(c is not None and str(c).strip() for c in cells):
            continue
        if len(lines) >= MAX_ROWS:
            raise FileRefused([Problem(source.name, number, None, "too_many_rows", {"max": str(MAX_ROWS)})])
        line = _Line(number)
        if len(cells) > width and any(c is not None and str(c).strip() for c in cells[width:]):
            line.refuse(None, "extra_cells", cells=len(cells), columns=width)
        _read_line(line, {c: (cells[i] if i < len(cells) else None) for c, i in positions.items()})
        if line.bank_ref is not None:
            if line.bank_ref in first_ref:
                line.refuse("bank_ref", "bank_ref_twice", value=line.bank_ref, first=first_ref[line.bank_ref])
            else:
                first_ref[line.bank_ref] = number
        lines.append(line)
    return lines


def _text(line: _Line, cells: dict, column: str, required: bool = True, *, read_as: str | None = None) -> str | None:
    """The cell as text; ``read_as`` names the ledger column whose cells it reads like
    (``new_maturity`` as a date)."""
    try:
        value = cell_text(read_as or column, cells.get(column))
    except CellRefused as exc:
        line.refuse(column, exc.code, **exc.params)
        return None
    if not value:
        if required:
            line.refuse(column, "required")
        return None
    return value


def _day(line: _Line, cells: dict, column: str, required: bool = True) -> date | None:
    value = _text(line, cells, column, required, read_as="date")
    if value is None:
        return None
    if not _DATE.fullmatch(value):
        line.refuse(column, "bad_date_format")
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        line.refuse(column, "not_a_date")
        return None
    if not FIRST_DATE <= day <= LAST_DATE:
        line.refuse(column, "date_out_of_range", first=FIRST_DATE.isoformat(), last=LAST_DATE.isoformat())
        return None
    return day


def _yuan(line: _Line, cells: dict, column: str, *, positive: bool) -> Decimal | None:
    value = _text(line, cells, column)
    if value is None:
        return None
    try:
        amount = money.parse_amount(value)
    except ValueError as exc:
        detail = str(exc)
        code = "thousands_separator" if "thousands" in detail else "too_many_decimals" if "decimal" in detail \
            else "not_a_number"
        line.refuse(column, code, **({"places": 2} if code == "too_many_decimals" else {}))
        return None
    if positive and amount <= 0:
        line.refuse(column, "not_positive")
        return None
    if amount < 0:
        line.refuse(column, "negative")
        return None
    if amount > MAX_AMOUNT:
        line.refuse(column, "amount_too_large", max=f"{MAX_AMOUNT:f}")
        return None
    return amount


def _filled(cell) -> bool:
    return cell is not None and bool(str(cell).strip())


def _read_line(line: _Line, cells: dict) -> None:
    line.loan_ref = _text(line, cells, "loan_ref")
    if line.loan_ref is not None and (len(line.loan_ref) > 40 or looks_like_formula(line.loan_ref)):
        line.refuse("loan_ref", "not_this_bank", value=line.loan_ref[:40])
        line.loan_ref = None
    line.event_on = _day(line, cells, "date")
    kind = _text(line, cells, "kind")
    if kind is not None and kind not in KINDS:
        line.refuse("kind", "unknown_kind", value=kind[:40])
        kind = None
    line.kind = kind
    if kind in MONEY_KINDS:
        line.amount = _yuan(line, cells, "amount", positive=True)
    elif kind is not None and _text(line, cells, "amount", required=False) is not None:
        line.refuse("amount", "amount_not_blank", kind=kind)
    bank_ref = _text(line, cells, "bank_ref", required=False)
    if bank_ref is not None and not BANK_REF.fullmatch(bank_ref):
        line.refuse("bank_ref", "bad_bank_ref")
    elif bank_ref is not None and looks_like_formula(bank_ref):
        line.refuse("bank_ref", "formula_like", first=bank_ref[0])
    else:
        line.bank_ref = bank_ref
    if bank_ref is None and kind in MONEY_KINDS:
        line.refuse("bank_ref", "bank_ref_required")
    if kind == "extension":
        line.new_maturity = _day(line, cells, "new_maturity", required=False)
        if line.new_maturity is None and not any(p["column"] == "new_maturity" for p in line.problems):
            line.refuse("new_maturity", "new_maturity_required")
    elif kind is not None and _filled(cells.get("new_maturity")):
        line.refuse("new_maturity", "new_maturity_not_blank")
    if _filled(cells.get("balance")):
        line.balance = _yuan(line, cells, "balance", positive=False)


# --- the walk over the rows ----------------------------------------------------------------

@dataclass
class _Outcome:
    line: _Line
    outcome: str  # new, attached, replaced, skipped, refused
    event_id: int | None = None
    detail: dict = field(default_factory=dict)


def _same(event: LoanEvent, line: _Line) -> bool:
    return (event.event_on, str(event.kind), event.amount) == (line.event_on, line.kind, line.amount) and \
        (line.kind != "extension" or event.new_maturity_date == line.new_maturity)


def _in_every_language(message) -> dict:
    texts = {}
    for lang in current_app.config["LANGUAGES"]:
        with force_locale(lang):
            texts[lang] = str(message)
    return texts


def _app_start_to_replace(loan: Loan, line: _Line, claimed: set) -> LoanEvent | None:
    """The overdue start the app set itself (``loans check``) in whose period the bank's
    start falls: after the previous period's end, before its own period's end."""
    ends = sorted(e.event_on for e in loan.events if e.kind == "overdue_end")
    for event in loan.events:
        if event.kind != "overdue_start" or event.source != "app" or event.bank_ref or event.id in claimed:
            continue
        before = max((d for d in ends if d <= event.event_on), default=None)
        after = min((d for d in ends if d > event.event_on), default=None)
        if (before is None or line.event_on >= before) and (after is None or line.event_on < after):
            return event
    return None


def _apply_line(loan: Loan, line: _Line, recorded: dict, claimed: set, *, actor, file: str) -> _Outcome:
    if line.bank_ref is not None and line.bank_ref in recorded:
        event = recorded[line.bank_ref]
        if event.loan_id == loan.id and _same(event, line):
            return _Outcome(line, "skipped", event.id)
        other = db.session.get(Loan, event.loan_id)
        line.refuse("bank_ref", "bank_ref_other_event", value=line.bank_ref, loan=other.loan_ref,
                    kind=str(event.kind), date=event.event_on.isoformat())
        return _Outcome(line, "refused")
    if line.bank_ref is None:
        event = next((e for e in loan.events if _same(e, line)), None)
        if event is not None:
            return _Outcome(line, "skipped", event.id)
    else:
        event = next((e for e in loan.events if e.bank_ref is None and e.id not in claimed and _same(e, line)), None)
        if event is not None:
            servicing.attach_bank_ref(loan, event, bank_ref=line.bank_ref, actor=actor, file=file)
            claimed.add(event.id)
            return _Outcome(line, "attached", event.id)
    if line.kind == "overdue_start":
        event = _app_start_to_replace(loan, line, claimed)
        if event is not None:
            replaced_on = event.event_on
            servicing.replace_overdue_start(loan, event, on=line.event_on, bank_ref=line.bank_ref, actor=actor,
                                            file=file)
            claimed.add(event.id)
            return _Outcome(line, "replaced", event.id, {"replaced_on": replaced_on.isoformat()})
    values = {"actor": actor, "on": line.event_on, "expected_version": None, "bank_ref": line.bank_ref,
              "source": "file"}
    if line.kind in MONEY_KINDS:
        values["amount"] = line.amount
    if line.kind == "extension":
        values["new_maturity_date"] = line.new_maturity
    recorder = {"disbursement": servicing.record_disbursement, "repayment": servicing.record_repayment,
                "overdue_start": servicing.record_overdue_start, "overdue_end": servicing.record_overdue_end,
                "extension": servicing.record_extension}[line.kind]
    event = recorder(loan, **values)
    return _Outcome(line, "new", event.id)


def _walk(bank_code: str, lines: list[_Line], *, actor, file: str) -> tuple[list[_Outcome], list[dict]]:
    """Apply the readable rows in date order, each in a savepoint of its own; returns each
    row's outcome and the balance differences once all are applied."""
    outcomes = [_Outcome(line, "refused") for line in lines if line.problems]
    ready = sorted((line for line in lines if not line.problems),
                   key=lambda line: (line.event_on, KIND_ORDER[line.kind], line.number))
    refs = sorted({line.loan_ref for line in ready})
    loans = {loan.loan_ref: loan for loan in db.session.scalars(
        select(Loan).where(Loan.loan_ref.in_(refs), Loan.bank_code == bank_code)
        .options(selectinload(Loan.events)))} if refs else {}
    bank_refs = sorted({line.bank_ref for line in ready if line.bank_ref})
    recorded = {e.bank_ref: e for e in db.session.scalars(
        select(LoanEvent).where(LoanEvent.bank_code == bank_code, LoanEvent.bank_ref.in_(bank_refs)))} \
        if bank_refs else {}
    claimed: set = set()
    for line in ready:
        loan = loans.get(line.loan_ref)
        if loan is None:  # unknown, or another bank's: the same answer (SPEC §12: 404)
            line.refuse("loan_ref", "not_this_bank", value=line.loan_ref)
            outcomes.append(_Outcome(line, "refused"))
            continue
        try:
            with db.session.begin_nested():
                outcomes.append(_apply_line(loan, line, recorded, claimed, actor=actor, file=file))
        except Refused as exc:
            line.refuse(FIELD_COLUMNS.get(exc.field), "service", **_in_every_language(exc.message))
            outcomes.append(_Outcome(line, "refused"))
            db.session.expire(loan)
        except IntegrityError:  # the same reference recorded meanwhile by another request
            line.refuse("bank_ref", "unreadable")
            outcomes.append(_Outcome(line, "refused"))
            db.session.expire(loan)
    differences = []
    for line in sorted(ready, key=lambda line: line.number):
        loan = loans.get(line.loan_ref)
        if line.balance is None or loan is None:
            continue
        app_balance = servicing.balance_on(list(loan.events), line.event_on)
        if app_balance != line.balance:
            differences.append({"row": line.number, "loan_ref": loan.loan_ref, "loan_id": loan.id,
                                "date": line.event_on.isoformat(), "bank_balance": f"{line.balance:.2f}",
                                "app_balance": f"{app_balance:.2f}",
                                "difference": f"{line.balance - app_balance:.2f}"})
    outcomes.sort(key=lambda o: o.line.number)
    return outcomes, differences


def _preview_of(outcomes: list[_Outcome], differences: list[dict], problems: list[dict] | None = None) -> dict:
    rows = []
    for o in outcomes:
        row = {**o.line.as_dict(), "outcome": o.outcome, "event_id": o.event_id, **o.detail}
        if o.line.problems:
            row["problems"] = o.line.problems
        rows.append(row)
    counts = {name: sum(1 for o in outcomes if o.outcome == name)
              for name in ("new", "attached", "replaced", "skipped", "refused")}
    counts["refused"] += len(problems or [])
    counts["differences"] = len(differences)
    counts["rows"] = len(outcomes)
    return {"rows": rows, "differences": differences, "problems": problems or [], "counts": counts}


def _set_preview(bank_file: BankFile, preview: dict) -> None:
    counts = preview["counts"]
    bank_file.preview = preview
    bank_file.rows_count = counts["rows"]
    bank_file.new_count = counts["new"] + counts["attached"] + counts["replaced"]
    bank_file.skipped_count = counts["skipped"]
    bank_file.refused_count = counts["refused"]
    bank_file.differences_count = counts["differences"]


# --- preview and confirmation --------------------------------------------------------------

def _actor_ids(actor) -> tuple[int | None, int | None]:
    return getattr(actor, "id", None), getattr(actor, "token_id", None)


def _dry_run(bank_code: str, lines: list[_Line], *, actor, file: str) -> tuple[list[_Outcome], list[dict]]:
    """The walk, rolled back: what confirming would do now. Jobs it would have queued
    (an applicant's email) are forgotten with it."""
    queued = len(db.session.info.get("after_commit", []))
    savepoint = db.session.begin_nested()
    try:
        return _walk(bank_code, lines, actor=actor, file=file)
    finally:
        savepoint.rollback()
        del db.session.info.setdefault("after_commit", [])[queued:]
        db.session.expire_all()


def preview_file(bank_code: str, name: str, data: bytes, *, source: str, actor) -> BankFile:
    """Read ``data`` (a file named ``name`` of ``bank_code``'s) and keep what confirming it
    would do. The same file again (same bank, same bytes) gives the same record: confirmed,
    it changes nothing; not yet confirmed, its preview is made again (loans may have
    changed since)."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}")
    name = (PurePath(str(name or "").replace("\\", "/")).name or "file")[:200]
    upload = SourceFile(name, data)
    sha256 = upload.sha256
    bank_file = db.session.scalar(select(BankFile).where(BankFile.bank_code == bank_code,
                                                         BankFile.sha256 == sha256))
    if bank_file is not None and bank_file.status == BankFileStatus.confirmed:
        return bank_file
    try:
        lines = read_lines(upload)
    except FileRefused as exc:
        preview = _preview_of([], [], [{"row": p.row, "column": p.column, "code": p.code, "params": dict(p.params)}
                                       for p in exc.problems])
    else:
        outcomes, differences = _dry_run(bank_code, lines, actor=actor, file=name)
        preview = _preview_of(outcomes, differences)
    if bank_file is None:
        user_id, token_id = _actor_ids(actor)
        bank_file = BankFile(bank_code=bank_code, name=name, sha256=sha256, source=source,
                             created_by_id=user_id, token_id=token_id)
        try:
            with db.session.begin_nested():
                db.session.add(bank_file)
                db.session.flush()
        except IntegrityError:  # the same file sent twice at once: the first one stands
            bank_file = db.session.scalar(select(BankFile).where(BankFile.bank_code == bank_code,
                                                                 BankFile.sha256 == sha256))
            if bank_file.status == BankFileStatus.confirmed:
                return bank_file
    _set_preview(bank_file, preview)
    bank_file.status = BankFileStatus.refused if preview["counts"]["refused"] else BankFileStatus.preview
    db.session.flush()
    return bank_file


def confirm_file(bank_file: BankFile, *, actor) -> BankFile:
    """Apply the file's rows, all or nothing, through the clerk's services. Refused (409)
    when it was already confirmed or any row is refused now; nothing is then applied."""
    if bank_file.status == BankFileStatus.confirmed:
        raise Refused(_l("This file was already confirmed; confirming it again would change nothing."), status=409)
    if bank_file.status == BankFileStatus.refused or bank_file.preview.get("problems"):
        raise Refused(_l("This file has refused rows, so it cannot be confirmed. Correct them and send the file "
                         "again."), status=409)
    # One confirmation: a second (a double click, two clerks) finds the status changed.
    claimed = db.session.execute(
        update(BankFile).where(BankFile.id == bank_file.id, BankFile.status == BankFileStatus.preview)
        .values(status=BankFileStatus.confirmed).execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        raise Refused(_l("This file was already confirmed; confirming it again would change nothing."), status=409)
    lines = [_Line.from_dict(row) for row in bank_file.preview.get("rows", [])]
    outcomes, differences = _walk(bank_file.bank_code, lines, actor=actor, file=bank_file.name)
    refused = sum(1 for o in outcomes if o.outcome == "refused")
    if refused:
        raise Refused(_l("%(n)s rows are refused now (the loans changed since the preview); nothing was applied. "
                         "Send the file again to see them.", n=refused), status=409)
    user_id, token_id = _actor_ids(actor)
    db.session.expire(bank_file)
    _set_preview(bank_file, _preview_of(outcomes, differences))
    bank_file.status = BankFileStatus.confirmed
    bank_file.confirmed_at = utcnow()
    bank_file.confirmed_by_id, bank_file.confirmed_token_id = user_id, token_id
    db.session.flush()
    record("bank_file_confirmed", bank_file, actor=actor, file=bank_file.name, bank=bank_file.bank_code,
           events_added=bank_file.new_count, events_unchanged=bank_file.skipped_count)
    return bank_file


# --- what the preview shows ----------------------------------------------------------------

def refused_rows(bank_file: BankFile) -> list[dict]:
    """Every refused row or file problem: row, column and reason in the reader's language."""
    items = [{"row": p.get("row"), "column": p.get("column"), "reason": reason_text(p["code"], p.get("params"))}
             for p in bank_file.preview.get("problems", [])]
    for row in bank_file.preview.get("rows", []):
        for p in row.get("problems", []):
            items.append({"row": row["row"], "column": p.get("column"), "reason": reason_text(p["code"], p["params"])})
    return items


def rows_with(bank_file: BankFile, *outcomes: str) -> list[dict]:
    return [row for row in bank_file.preview.get("rows", []) if row["outcome"] in outcomes]


def _event_json(row: dict) -> dict:
    values = {key: row.get(key) for key in ("row", "loan_ref", "date", "kind", "amount", "bank_ref", "new_maturity",
                                            "balance", "outcome")}
    if row.get("replaced_on"):
        values["replaced_on"] = row["replaced_on"]
    return values


def bank_file_json(bank_file: BankFile) -> dict:
    """The preview as the API answers it: counts, the rows that will change something (new
    events, references attached, overdue starts replaced), those skipped, the refused rows
    with their reasons in the request's language, and the balance differences."""
    counts = bank_file.preview.get("counts", {})
    return {
        "id": bank_file.id,
        "name": bank_file.name,
        "bank": bank_file.bank_code,
        "source": bank_file.source,
        "status": str(bank_file.status),
        "created_at": bank_file.created_at.isoformat() if bank_file.created_at else None,
        "confirmed_at": bank_file.confirmed_at.isoformat() if bank_file.confirmed_at else None,
        "counts": {key: counts.get(key, 0) for key in
                   ("rows", "new", "attached", "replaced", "skipped", "refused", "differences")},
        "new": [_event_json(row) for row in rows_with(bank_file, "new", "attached", "replaced")],
        "skipped": [_event_json(row) for row in rows_with(bank_file, "skipped")],
        "refused": refused_rows(bank_file),
        "differences": [{key: d[key] for key in ("row", "loan_ref", "date", "bank_balance", "app_balance",
                                                  "difference")} for d in bank_file.preview.get("differences", [])],
    }


def reconciliation_csv(bank_file: BankFile) -> bytes:
    """The balance differences, one line each (machine columns, SPEC §12: never adopted)."""
    return csv_bytes(("row", "loan_ref", "date", "bank_balance", "app_balance", "difference"),
                     ((d["row"], d["loan_ref"], d["date"], d["bank_balance"], d["app_balance"], d["difference"])
                      for d in bank_file.preview.get("differences", [])), bom=True)

