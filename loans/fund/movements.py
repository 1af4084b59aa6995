"""Fund movements (SPEC §13): money into or out of the guarantee fund.

``record_movement`` writes one (finance's deposits, withdrawals and interest; the claims'
payments and recoveries write theirs through it too). ``enter_movement`` is finance's entry
(page or ``fund deposit``): a voucher already recorded with the same values changes
nothing, with other values it is refused. ``import_movements`` loads a CSV file
(``date,kind,amount,voucher,bank_code,district_code``, UTF-8 or GB18030) all or nothing.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..audit.services import record
from ..core.fund import MANUAL_MOVEMENT_KINDS, MovementKind
from ..core.money import parse_positive_amount
from ..db import db
from ..errors import Refused
from ..policy.models import Bank, District
from ..spreadsheets import decode_text
from .models import FundMovement

COLUMNS = ("date", "kind", "amount", "voucher", "bank_code", "district_code")
VOUCHER_MAX = 60
SOURCES = ("page", "cli", "file", "claim", "recovery")


def _check_place(bank_code: str | None, district_code: str | None) -> None:
    if bank_code and db.session.get(Bank, bank_code) is None:
        raise Refused(_l("Unknown bank: %(code)s.", code=bank_code), "bank")
    if district_code and db.session.get(District, district_code) is None:
        raise Refused(_l("Unknown district: %(code)s.", code=district_code), "district")


def record_movement(kind: str, amount: Decimal, on: date, voucher: str, bank_code: str | None = None,
                    district_code: str | None = None, *, actor=None, source: str = "page", claim_id: int | None = None,
                    recovery_id: int | None = None, note: str | None = None) -> FundMovement:
    """Write one movement and its audit row. ``amount`` is positive; the kind gives the sign."""
    kind = MovementKind(kind)
    voucher = (voucher or "").strip()
    if amount is None or amount <= 0:
        raise Refused(_l("The amount must be greater than zero."), "amount")
    if not voucher or len(voucher) > VOUCHER_MAX:
        raise Refused(_l("Give the voucher number (at most %(n)s characters).", n=VOUCHER_MAX), "voucher")
    _check_place(bank_code, district_code)
    movement = FundMovement(moved_on=on, kind=kind, amount=amount, voucher_no=voucher, bank_code=bank_code or None,
                            district_code=district_code or None, claim_id=claim_id, recovery_id=recovery_id,
                            note=note, source=source, recorded_by_id=getattr(actor, "id", None))
    db.session.add(movement)
    db.session.flush()
    record("fund_movement", movement, actor=actor, movement=kind.value, amount=str(amount), on=on.isoformat(),
           voucher_no=voucher, bank=bank_code or None, district=district_code or None, via=source)
    return movement


def _same(movement: FundMovement, kind, amount, on, bank_code, district_code) -> bool:
    return (movement.kind == kind and movement.amount == amount and movement.moved_on == on
            and (movement.bank_code or None) == (bank_code or None)
            and (movement.district_code or None) == (district_code or None))


def _existing(voucher: str) -> FundMovement | None:
    return db.session.scalars(select(FundMovement).where(
        FundMovement.voucher_no == voucher.strip(), FundMovement.kind.in_(MANUAL_MOVEMENT_KINDS))
        .order_by(FundMovement.id).limit(1)).first()


def enter_movement(kind: str, amount: Decimal, on: date, voucher: str, bank_code: str | None = None,
                   district_code: str | None = None, *, actor=None, source: str = "page") -> tuple[FundMovement, bool]:
    """Finance's entry of a deposit, withdrawal or interest: (movement, True if new). The
    same voucher with the same values again changes nothing; with others it is refused."""
    if kind not in [k.value for k in MANUAL_MOVEMENT_KINDS]:
        raise Refused(_l("Only deposits, withdrawals and interest are entered by hand."), "kind")
    existing = _existing(voucher or "")
    if existing is not None:
        if _same(existing, MovementKind(kind), amount, on, bank_code, district_code):
            return existing, False
        raise Refused(_l("Voucher %(voucher)s is already recorded with other values.", voucher=existing.voucher_no),
                      "voucher", status=409)
    return record_movement(kind, amount, on, voucher, bank_code, district_code, actor=actor, source=source), True


# --- the file ------------------------------------------------------------------------------

@dataclass(frozen=True)
class RowProblem:
    row: int | None  # as a spreadsheet shows it: the header is row 1
    column: str | None
    message: str

    def __str__(self) -> str:
        where = ", ".join(part for part in (f"row {self.row}" if self.row else "",
                                            f"column {self.column}" if self.column else "") if part)
        return f"{where}: {self.message}" if where else self.message


@dataclass
class ImportResult:
    added: int = 0
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)


def parse_day(text: str) -> date:
    """``YYYY-MM-DD`` exactly, a real day; ValueError otherwise."""
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        raise ValueError(text)
    return date.fromisoformat(text)


@dataclass(frozen=True)
class _Row:
    number: int
    on: date
    kind: str
    amount: Decimal
    voucher: str
    bank_code: str | None
    district_code: str | None


def _parse_row(number: int, cells: dict, banks: set, districts: set, problems: list) -> _Row | None:
    found = []

    def bad(column, message):
        found.append(RowProblem(number, column, str(message)))

    on = None
    text = cells["date"].strip()
    try:
        on = parse_day(text)
    except ValueError:
        bad("date", _l("not a date like 2026-01-31: %(value)r", value=text))
    kind = cells["kind"].strip()
    if kind not in [k.value for k in MANUAL_MOVEMENT_KINDS]:
        bad("kind", _l("kind must be deposit, withdrawal or interest, not %(value)r", value=kind))
    amount = None
    try:
        amount = parse_positive_amount(cells["amount"].strip())
    except ValueError:
        bad("amount", _l("not a positive amount in yuan: %(value)r", value=cells["amount"].strip()))
    voucher = cells["voucher"].strip()
    if not voucher or len(voucher) > VOUCHER_MAX:
        bad("voucher", _l("a voucher number is needed (at most %(n)s characters)", n=VOUCHER_MAX))
    bank_code, district_code = cells["bank_code"].strip() or None, cells["district_code"].strip() or None
    if bank_code and bank_code not in banks:
        bad("bank_code", _l("unknown bank: %(value)r", value=bank_code))
    if district_code and district_code not in districts:
        bad("district_code", _l("unknown district: %(value)r", value=district_code))
    problems.extend(found)
    if found:
        return None
    return _Row(number, on, kind, amount, voucher, bank_code, district_code)


def read_rows(data: bytes) -> tuple[list[_Row], list[RowProblem]]:
    text = decode_text(data)
    if text is None:
        return [], [RowProblem(None, None, str(_l("the file is neither UTF-8 nor GB18030 text")))]
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [cell.strip().lstrip("\ufeff").lower() for cell in next(reader, [])]
    missing = [column for column in COLUMNS if column not in header]
    if not header:
        return [], [RowProblem(None, None, str(_l("the file is empty")))]
    if missing:
        return [], [RowProblem(1, column, str(_l("missing column"))) for column in missing]
    banks = set(db.session.scalars(select(Bank.code)))
    districts = set(db.session.scalars(select(District.code)))
    rows, problems, seen = [], [], {}
    try:
        for number, cells in enumerate(reader, start=2):
            if not "".join(cells).strip():
                continue
            if len(cells) < len(header):
                cells = cells + [""] * (len(header) - len(cells))
            row = _parse_row(number, {column: cells[header.index(column)] for column in COLUMNS}, banks, districts,
                             problems)
            if row is None:
                continue
            first = seen.setdefault(row.voucher, row)
            if first is not row and (first.on, first.kind, first.amount, first.bank_code, first.district_code) != (
                    row.on, row.kind, row.amount, row.bank_code, row.district_code):
                problems.append(RowProblem(number, "voucher", str(_l(
                    "voucher %(voucher)s is also on row %(row)s with other values", voucher=row.voucher,
                    row=first.number))))
                continue
            if first is row:
                rows.append(row)
    except csv.Error as exc:
        problems.append(RowProblem(None, None, str(exc)))
    return rows, problems


def import_movements(data: bytes, *, actor=None, source: str = "file") -> ImportResult:
    """All or nothing: with any problem nothing is recorded (the caller's unit of work is
    not asked to roll back: nothing was added). Rows already recorded count as unchanged."""
    rows, problems = read_rows(data)
    result = ImportResult(problems=problems)
    if problems:
        return result
    for row in rows:
        existing = _existing(row.voucher)
        if existing is not None and not _same(existing, MovementKind(row.kind), row.amount, row.on, row.bank_code,
                                              row.district_code):
            result.problems.append(RowProblem(row.number, "voucher", str(_l(
                "voucher %(voucher)s is already recorded with other values", voucher=row.voucher))))
    if result.problems:
        return result
    for row in rows:
        _movement, added = enter_movement(row.kind, row.amount, row.on, row.voucher, row.bank_code, row.district_code,
                                          actor=actor, source=source)
        result.added += added
        result.unchanged += not added
    return result
