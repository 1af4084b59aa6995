"""Ledger import (SPEC §10): the bureau's existing loans (台账) into ``loans`` and ``loan_events``.

A run is all-or-nothing: every row of every file is checked first, against the reference
data, against the other rows of the run and against what is already stored; only when no
problem is found is anything written, in bulk, and flushed (the caller commits once).

Identity: a loan is its ``loan_ref``; an event is (loan_ref, date, kind, amount, n-th
occurrence of that combination in its file). Rows already stored change nothing; a stored
loan_ref with other values is refused, naming the columns that differ. Events may be added
to stored loans by a later file; balances are then checked over stored + new events.

Money is ``Decimal`` yuan, rates ``Decimal`` percent, dates ``date``.
"""
from __future__ import annotations

import re
import sys
from array import array
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import islice
from typing import Callable, NamedTuple

from sqlalchemy import bindparam, insert, select, text, update

from ..forms import MAX_AMOUNT
from ..applications.services import APPLICATION_REFERENCE
from ..audit.services import record
from ..core import money, resident_id
from ..core.policy import LOAN_TYPES, lpr_on, policy_in_force
from ..core.workflow import CaseStatus
from ..db import db, local_today, utcnow
from ..policy.queries import lpr_fixings, policies
from ..personal_data import vault
from ..policy.models import Bank, District, KeyGroup
from ..search.index import index_new
from ..servicing import rollups
from ..servicing.models import Loan, LoanEvent
from .models import ImportStatus, LedgerImport
from ..spreadsheets import looks_like_formula
from .parsing import (IDENTIFIER_COLUMNS, LOAN_COLUMNS, CellRefused, FileRefused, Problem, SourceFile, Table,
                      cell_text, read_sources)

LEDGER_EVENT_KINDS = ("disbursement", "repayment", "overdue_start", "overdue_end")
MONEY_KINDS = ("disbursement", "repayment")
MAX_PROBLEMS = 50
CHUNK = 1000  # keys per IN (…) when reading what is stored
WRITE_CHUNK = 2000  # rows per bulk INSERT (5,000 loan rows of parameters at once: ~7 MB more at the peak)
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_INT_RE = re.compile(r"[0-9]{1,9}")
# The range the app's date fields accept: a ledger date outside it is a typing error
# (0201-06-10), and far dates break every day-by-day computation downstream.
FIRST_DATE, LAST_DATE = date(2000, 1, 1), date(2100, 12, 31)
# One run at a time (PostgreSQL advisory lock key, any constant): two admins importing
# the same file at once would otherwise both find its rows new.
RUN_LOCK_KEY = 431_000_010
# Same-day order: money first (the balance counts a day's movements together), then an
# overdue period's end before the next one's start (as servicing.facts reads them).
_KIND_ORDER = {"disbursement": 0, "repayment": 1, "overdue_end": 2, "overdue_start": 3}

# file column → Loan attribute, for the values a stored loan must match
LOAN_ATTRIBUTES = {
    "borrower_name": "borrower_name", "key_group": "key_group_code", "district_code": "district_code",
    "business_name": "business_name", "credit_code": "credit_code", "loan_type": "loan_type",
    "partners": "partners", "bank_code": "bank_code", "contract_no": "contract_no",
    "contract_date": "contract_date", "amount": "amount", "contract_rate": "contract_rate", "lpr": "lpr_rate",
    "term_months": "term_months", "maturity_date": "maturity_date", "jobs_declared": "jobs_declared",
}
MAX_LENGTHS = {"loan_ref": 40, "borrower_name": 100, "business_name": 200, "contract_no": 60}

Progress = Callable[[str, int, int], None]  # (phase "check" | "write", done, total)


class LedgerRefused(Exception):
    """The run is refused: ``problems`` (at most ``MAX_PROBLEMS``) and how many there were."""

    def __init__(self, problems: list[Problem], total: int | None = None):
        super().__init__(f"{total or len(problems)} problem(s)")
        self.problems = problems
        self.total = total if total is not None else len(problems)

    def as_dicts(self) -> list[dict]:
        items = [p.as_dict() for p in self.problems]
        if self.total > len(self.problems):
            items.append(Problem("", None, None, "too_many", {"n": str(self.total - len(self.problems))}).as_dict())
        return items


class _Problems:
    def __init__(self):
        self.items: list[Problem] = []
        self.count = 0

    def add(self, file, row, column, code, **params) -> None:
        self.count += 1
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(Problem(file, row, column, code, {k: str(v) for k, v in params.items()}))


@dataclass
class ImportResult:
    loans_added: int = 0
    loans_unchanged: int = 0
    events_added: int = 0
    events_unchanged: int = 0


@dataclass(slots=True)
class _Event:
    file: str | None  # None: already stored
    row: int | None
    loan_ref: str
    event_on: date
    kind: str
    amount: Decimal | None
    occurrence: int  # new rows: numbered when their loan is checked (``_number_occurrences``)
    table: int = -1  # which table of the run (a run may have two files of the same name)
    index: int = -1  # new rows: its place in ``_NewEvents``


    @property
    def key(self):
        return (self.event_on, self.kind, self.amount, self.occurrence)


class _NewEvents:
    """The run's new events, held as columns (arrays) in file order rather than as one object
    each — 280,000 ``_Event`` objects and their lists cost ~45 MB, these columns ~9 — and
    given back as ``_Event`` objects one loan at a time (``of``), when its chunk is checked.
    What the check finds to add is marked here too (``fresh``, ``occurrence``)."""

    def __init__(self, files: list[str]):
        self.files = files  # event table number → file name
        self.refs: dict[str, int] = {}  # loan_ref → loan number
        self.loan, self.row, self.day, self.amount = array("i"), array("i"), array("i"), array("i")
        self.table, self.kind = array("h"), array("b")
        self.amounts: list[Decimal | None] = [None]  # the run's Decimals (one per text) by number
        self._amount_numbers: dict[int, int] = {}
        self.dates: dict[int, date] = {}  # ordinal → the run's date object
        self.order = self.loans_in_order = array("i")
        self.fresh, self.occurrence = bytearray(), array("i")

    def add(self, table: int, row: int, loan_ref: str, event_on: date, kind: str, amount: Decimal | None) -> None:
        self.loan.append(self.refs.setdefault(loan_ref, len(self.refs)))
        self.row.append(row)
        self.table.append(table)
        self.day.append(event_on.toordinal())
        self.dates.setdefault(event_on.toordinal(), event_on)
        self.kind.append(LEDGER_EVENT_KINDS.index(kind))
        number = 0
        if amount is not None:
            number = self._amount_numbers.get(id(amount))
            if number is None:
                number = self._amount_numbers[id(amount)] = len(self.amounts)
                self.amounts.append(amount)
        self.amount.append(number)

    def finish(self) -> _NewEvents:
        """Group by loan (a stable sort: each loan's events stay in file order)."""
        self.order = array("i", sorted(range(len(self.loan)), key=self.loan.__getitem__))
        self.loans_in_order = array("i", (self.loan[i] for i in self.order))
        self.fresh, self.occurrence = bytearray(len(self.loan)), array("i", bytes(4 * len(self.loan)))
        return self

    def __contains__(self, loan_ref: str) -> bool:
        return loan_ref in self.refs

    def __iter__(self):
        return iter(self.refs)

    def _places(self, loan_ref: str) -> array:
        number = self.refs.get(loan_ref)
        if number is None:
            return array("i")
        return self.order[bisect_left(self.loans_in_order, number):bisect_right(self.loans_in_order, number)]

    def of(self, loan_ref: str) -> list[_Event]:
        """The loan's new events, in file order (occurrences not numbered yet)."""
        return [_Event(self.files[self.table[i]], self.row[i], loan_ref, self.dates[self.day[i]],
                       LEDGER_EVENT_KINDS[self.kind[i]], self.amounts[self.amount[i]], 0, self.table[i], i)
                for i in self._places(loan_ref)]

    def keep(self, event: _Event) -> None:
        """``event`` (of ``of``) is to be added, with its occurrence number."""
        self.fresh[event.index] = 1
        self.occurrence[event.index] = event.occurrence

    def kept(self, loan_ref: str):
        """(date, kind, amount, occurrence) of the loan's events to add, in file order."""
        for i in self._places(loan_ref):
            if self.fresh[i]:
                yield (self.dates[self.day[i]], LEDGER_EVENT_KINDS[self.kind[i]], self.amounts[self.amount[i]],
                       self.occurrence[i])


@dataclass
class _Reference:
    districts: frozenset
    banks: frozenset
    key_groups: frozenset
    today: date
    policies: tuple
    fixings: tuple
    _lpr: dict = field(default_factory=dict)
    _policy: dict = field(default_factory=dict)

    def lpr(self, on: date):
        if on not in self._lpr:
            self._lpr[on] = lpr_on(self.fixings, on)
        return self._lpr[on]

    def policy_code(self, on: date) -> str | None:
        if on not in self._policy:
            policy = policy_in_force(self.policies, on)
            self._policy[on] = policy.code if policy else None
        return self._policy[on]


def _reference() -> _Reference:
    return _Reference(
        districts=frozenset(db.session.scalars(select(District.code))),
        banks=frozenset(db.session.scalars(select(Bank.code))),
        key_groups=frozenset(db.session.scalars(select(KeyGroup.code))),
        today=local_today(), policies=policies(), fixings=lpr_fixings())


# --- one row's cells ---------------------------------------------------------------------

class _Row:
    """Reads the cells of one row, recording a problem per bad cell (value None then)."""

    __slots__ = ("file", "number", "cells", "positions", "problems", "ok", "cache")

    def __init__(self, table: Table, number: int, cells: list, wide: bool, problems: _Problems, cache: dict):
        self.file, self.number, self.cells, self.positions = table.file, number, cells, table.positions
        self.problems, self.ok, self.cache = problems, True, cache
        if wide:
            self.refuse(None, "extra_cells", cells=len(cells), columns=table.width)

    def cell(self, column: str):
        i = self.positions[column]
        return self.cells[i] if i < len(self.cells) else None

    def refuse(self, column: str | None, code: str, params: dict | None = None, **more) -> None:
        params = {**(params or {}), **more}
        self.ok = False
        self.problems.add(self.file, self.number, column, code, **params)

    def blank(self, column: str) -> bool:
        value = self.cell(column)
        return value is None or (isinstance(value, str) and not value.strip())

    def code(self, column: str, required: bool = True) -> str | None:
        """A value of few distinct ones (district, bank, kind…): one shared string per value,
        not one per row."""
        value = self.text(column, required)
        return None if value is None else self.cache.setdefault(("code", value), value)

    def reference(self, column: str) -> str | None:
        """A loan_ref: one string per value, shared by the loan's row and its events (100,000
        of them: interned, rather than kept under a key of ``cache``)."""
        value = self.text(column)
        return None if value is None else sys.intern(value)

    def text(self, column: str, required: bool = True) -> str | None:
        try:
            value = cell_text(column, self.cell(column))
        except CellRefused as exc:
            self.refuse(column, exc.code, **exc.params)
            return None
        if not value:
            if required:
                self.refuse(column, "required")
            return None
        limit = MAX_LENGTHS.get(column)
        if limit and len(value) > limit:
            self.refuse(column, "too_long", max=limit)
            return None
        if column in IDENTIFIER_COLUMNS and looks_like_formula(value):
            self.refuse(column, "formula_like", first=value[0])
            return None
        return value

    def amount(self, column: str) -> Decimal | None:
        value = self.text(column)
        if value is None:
            return None
        cached = self.cache.get(("amount", value))
        if cached is not None:
            return cached
        try:
            amount = money.parse_amount(value)
        except ValueError as exc:
            self.refuse(column, *_number_problem(exc, 2))
            return None
        if amount <= 0:
            self.refuse(column, "not_positive")
            return None
        if amount > MAX_AMOUNT:  # also keeps it within the database's integer fen
            self.refuse(column, "amount_too_large", max=f"{MAX_AMOUNT:f}")
            return None
        self.cache[("amount", value)] = amount  # equal texts share one Decimal: less time and memory
        return amount

    def rate(self, column: str, required: bool = True) -> Decimal | None:
        value = self.text(column, required)
        if value is None:
            return None
        cached = self.cache.get(("rate", value))
        if cached is not None:
            return cached
        try:
            rate = money.parse_rate(value)
        except ValueError as exc:
            self.refuse(column, *_number_problem(exc, 4))
            return None
        self.cache[("rate", value)] = rate  # a few distinct rates: one Decimal each
        return rate

    def integer(self, column: str, low: int, high: int) -> int | None:
        value = self.text(column)
        if value is None:
            return None
        if not _INT_RE.fullmatch(value):
            self.refuse(column, "bad_integer")
            return None
        number = int(value)
        if not low <= number <= high:
            self.refuse(column, "integer_range", min=low, max=high)
            return None
        return number

    def date(self, column: str) -> date | None:
        value = self.text(column)
        if value is None:
            return None
        cached = self.cache.get(value)
        if cached is not None:
            return cached
        if not _DATE_RE.fullmatch(value):
            self.refuse(column, "bad_date_format")
            return None
        try:
            day = date(int(value[:4]), int(value[5:7]), int(value[8:]))
        except ValueError:
            self.refuse(column, "not_a_date")
            return None
        if not FIRST_DATE <= day <= LAST_DATE:
            self.refuse(column, "date_out_of_range", first=FIRST_DATE.isoformat(), last=LAST_DATE.isoformat())
            return None
        self.cache[value] = day
        return day


def _number_problem(exc: ValueError, places: int) -> tuple:
    """A translatable reason for ``core.money``'s refusal (its messages are English)."""
    detail = str(exc)
    for words, code in (("thousands", "thousands_separator"), ("decimal places", "too_many_decimals"),
                        ("% sign", "percent_sign"), ("greater than zero", "not_positive"),
                        ("below 100", "rate_too_high")):
        if words in detail:
            return (code, {"places": places}) if code == "too_many_decimals" else (code, {})
    return "not_a_number", {}


def _parse_loan(row: _Row, ref: _Reference) -> dict | None:
    """The loan's attributes (model names), or None when the row has a problem."""
    values = {"loan_ref": row.reference("loan_ref"), "borrower_name": row.text("borrower_name")}
    number = row.text("id_number")
    if number is not None:
        try:
            number = resident_id.validate(number, ref.today)
        except resident_id.InvalidResidentId as exc:
            row.refuse("id_number", "id_number", reason=exc.reason)
    values["id_number"] = number
    loan_type = row.code("loan_type")
    if loan_type is not None and loan_type not in LOAN_TYPES:
        row.refuse("loan_type", "unknown_loan_type", value=loan_type)
    group = row.code("key_group", required=False)
    if group is None and loan_type in ("individual", "partnership"):
        row.refuse("key_group", "key_group_required")
    elif group is not None and group not in ref.key_groups:
        row.refuse("key_group", "unknown_key_group", value=group)
    values["key_group_code"] = group
    district = row.code("district_code")
    if district is not None and district not in ref.districts:
        row.refuse("district_code", "unknown_district", value=district)
    values["district_code"] = district
    values["business_name"] = row.text("business_name")
    credit_code = row.text("credit_code", required=False)
    if credit_code is not None:
        try:
            credit_code = resident_id.validate_credit_code(credit_code)
        except resident_id.InvalidCreditCode:
            row.refuse("credit_code", "credit_code")
    values["credit_code"] = credit_code
    values["loan_type"] = loan_type
    partners = row.integer("partners", 1, 10_000)
    if partners is not None and loan_type == "partnership" and partners < 2:
        row.refuse("partners", "partners_partnership")
    elif partners is not None and loan_type in ("individual", "enterprise") and partners != 1:
        row.refuse("partners", "partners_single")
    values["partners"] = partners
    bank = row.code("bank_code")
    if bank is not None and bank not in ref.banks:
        row.refuse("bank_code", "unknown_bank", value=bank)
    values["bank_code"] = bank
    values["contract_no"] = row.text("contract_no")
    contract_date = values["contract_date"] = row.date("contract_date")
    values["amount"] = row.amount("amount")
    values["contract_rate"] = row.rate("contract_rate")
    lpr = None
    if not row.blank("lpr"):
        lpr = row.rate("lpr")
    elif contract_date is not None:  # blank: the fixing in force on the contract date (SPEC §5)
        lpr = ref.lpr(contract_date)
        if lpr is None:
            row.refuse("lpr", "no_lpr", date=contract_date.isoformat())
    values["lpr_rate"] = lpr
    values["term_months"] = row.integer("term_months", 1, 600)
    maturity = values["maturity_date"] = row.date("maturity_date")
    if maturity is not None and contract_date is not None and maturity <= contract_date:
        row.refuse("maturity_date", "maturity_before_contract")
    values["jobs_declared"] = row.integer("jobs_declared", 0, 1_000_000)
    return values if row.ok else None


def _parse_event(row: _Row, today: date) -> tuple | None:
    loan_ref = row.reference("loan_ref")  # one string shared by the loan and its events
    event_on = row.date("date")
    if event_on is not None and event_on > today:  # it would count in today's balance and status
        row.refuse("date", "event_in_future", today=today.isoformat())
    kind = row.code("kind")
    amount = None
    if kind is not None and kind not in LEDGER_EVENT_KINDS:
        row.refuse("kind", "unknown_kind", value=kind)
    elif kind in MONEY_KINDS:
        amount = row.amount("amount")
    elif kind is not None and not row.blank("amount"):
        row.refuse("amount", "amount_not_blank", kind=kind)
    return (loan_ref, event_on, kind, amount) if row.ok else None


class _LoanValues(NamedTuple):
    """A checked loan row as Loan attributes (a tuple: 100,000 of them stay small)."""

    loan_ref: str
    borrower_name: str
    id_number: str
    key_group_code: str | None
    district_code: str
    business_name: str
    credit_code: str | None
    loan_type: str
    partners: int
    bank_code: str
    contract_no: str
    contract_date: date
    amount: Decimal
    contract_rate: Decimal
    lpr_rate: Decimal
    term_months: int
    maturity_date: date
    jobs_declared: int
    file: str
    row: int

    def attributes(self) -> dict:
        values = self._asdict()
        del values["file"], values["row"]
        return values


class _LoanBrief(NamedTuple):
    """A checked loan row that is not stored: what its events are checked against and
    where it is. Its other values are read again from the file when it is written, rather
    than 100,000 rows of them kept through the run."""

    loan_ref: str
    contract_date: date
    amount: Decimal
    file: str
    row: int


class _StoredLoan(NamedTuple):
    id: int
    source: str
    status: str
    lock_version: int
    contract_date: date
    amount: Decimal
    first_disbursement_date: date | None
    policy_code: str | None


# --- what is stored ----------------------------------------------------------------------

_STORED_LOAN_COLUMNS = (Loan.id, Loan.loan_ref, Loan.source, Loan.status, Loan.lock_version, Loan.id_number_hash,
                        Loan.contract_date, Loan.amount, Loan.first_disbursement_date, Loan.policy_code,
                        *(getattr(Loan, attribute) for attribute in set(LOAN_ATTRIBUTES.values())
                          - {"contract_date", "amount"}))


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _stored_loans(refs: list[str]) -> dict[str, dict]:
    """Stored loans by loan_ref (their columns, without decrypting resident IDs)."""
    found = {}
    for chunk in _chunks(refs, CHUNK):
        for row in db.session.execute(select(*_STORED_LOAN_COLUMNS).where(Loan.loan_ref.in_(chunk))):
            found[row.loan_ref] = row._asdict()
    return found


def _stored_events(loan_ids: dict[int, str]) -> dict[str, list[_Event]]:
    events = defaultdict(list)
    ids = list(loan_ids)
    for chunk in _chunks(ids, CHUNK):
        rows = db.session.execute(select(LoanEvent.loan_id, LoanEvent.event_on, LoanEvent.kind, LoanEvent.amount,
                                         LoanEvent.occurrence).where(LoanEvent.loan_id.in_(chunk)))
        for loan_id, event_on, kind, amount, occurrence in rows:
            ref = loan_ids[loan_id]
            events[ref].append(_Event(None, None, ref, event_on, kind, amount, occurrence))
    return events


def _differences(values: _LoanValues, stored: dict) -> list[str]:
    """The file's columns whose values differ from the stored loan's, in file order (the
    resident ID compared by its lookup hash: nothing is decrypted)."""
    differing = {column for column, attribute in LOAN_ATTRIBUTES.items()
                 if getattr(values, attribute) != stored[attribute]}
    if vault().lookup_hash(values.id_number) != stored["id_number_hash"]:
        differing.add("id_number")
    return [column for column in LOAN_COLUMNS if column in differing]


# --- a loan's events ---------------------------------------------------------------------

def derived_state(events) -> tuple[str, date | None]:
    """(status, first disbursement date) from a loan's events (SPEC §10): no disbursement →
    contracted; balance 0 after disbursements → settled; an open overdue period → overdue;
    else active. The guarantee fund's compensation makes it compensated."""
    ordered = sorted(events, key=lambda e: (e.event_on, _KIND_ORDER.get(e.kind, 9)))
    balance, first, overdue = Decimal(0), None, False
    for event in ordered:
        if event.kind == "disbursement":
            balance += event.amount
            first = first or event.event_on
        elif event.kind == "repayment":
            balance -= event.amount
        elif event.kind == "overdue_start":
            overdue = True
        elif event.kind == "overdue_end":
            overdue = False
    if any(event.kind == "compensation" for event in ordered):
        return CaseStatus.compensated.value, first
    if first is None:
        return CaseStatus.contracted.value, None
    if balance <= 0:
        return CaseStatus.settled.value, first
    if overdue:
        return CaseStatus.overdue.value, first
    return CaseStatus.active.value, first


def _check_events(loan_ref: str, contract_date: date, amount: Decimal, events: list[_Event],
                  problems: _Problems, ref: _Reference) -> str | None:
    """Check one loan's events (stored and new); returns the policy code in force on the
    first disbursement, recording problems on the new rows."""
    ordered = sorted(events, key=lambda e: (e.event_on, _KIND_ORDER.get(e.kind, 9)))
    balance = disbursed = Decimal(0)
    open_overdue = False
    blame = next((e for e in ordered if e.file is not None), None)
    first = None
    for event in ordered:
        if event.file is not None:
            blame = event
            if event.event_on < contract_date:
                problems.add(event.file, event.row, "date", "before_contract", date=contract_date.isoformat())
        if event.kind == "disbursement":
            balance += event.amount
            disbursed += event.amount
            if first is None:
                first = event
            if disbursed > amount:
                problems.add(blame.file, blame.row, "amount", "above_amount", value=loan_ref,
                             total=f"{disbursed:f}", amount=f"{amount:f}")
                amount = disbursed  # one message for the first disbursement too many
        elif event.kind == "repayment":
            balance -= event.amount
            if balance < 0:
                problems.add(blame.file, blame.row, "amount", "negative_balance", value=loan_ref,
                             balance=f"{balance:f}", date=event.event_on.isoformat())
                balance = Decimal(0)
        elif event.kind == "overdue_start":
            open_overdue = True
        elif event.kind == "overdue_end":
            if not open_overdue:
                problems.add(blame.file, blame.row, "kind", "overdue_end_without_start", value=loan_ref)
            open_overdue = False
    if first is None:
        return None
    code = ref.policy_code(first.event_on)
    if code is None:
        culprit = first if first.file is not None else blame
        problems.add(culprit.file, culprit.row, "date", "no_policy", date=first.event_on.isoformat())
    return code


# --- the run -----------------------------------------------------------------------------

def begin_import(sources: list[SourceFile], *, actor=None) -> LedgerImport:
    """The run's record (status ``running``), flushed; the caller commits it so the run
    stays on record whatever its outcome."""
    batch = LedgerImport(status=ImportStatus.running, files=[{"name": s.name, "sha256": s.sha256, "bytes": s.size}
                                                  for s in sources],
                         started_by_id=getattr(actor, "id", None))
    db.session.add(batch)
    db.session.flush()
    return batch


def run_import(batch: LedgerImport, sources: list[SourceFile], *, actor=None,
               progress: Progress | None = None) -> ImportResult:
    """Check every row, then write the new loans and events in bulk and flush.

    Raises ``LedgerRefused`` (nothing written) when any row is refused."""
    progress = progress or (lambda phase, done, total: None)
    try:
        tables = read_sources(sources)
    except FileRefused as exc:
        raise LedgerRefused(exc.problems[:MAX_PROBLEMS], len(exc.problems)) from None
    _one_run_at_a_time()
    # The run's record is not touched until the writing starts: an UPDATE now would lock
    # it (the whole file, on SQLite) against the progress written beside this transaction.
    run = _Run(ref=_reference(), problems=_Problems(), progress=progress, total=sum(t.count for t in tables))
    new_loans, refused_refs = _check_new_loans(run, [t for t in tables if t.kind == "loans"])
    new_events = _check_new_events(run, [t for t in tables if t.kind == "events"])
    checked = _check_against_stored(run, new_loans, new_events, refused_refs)
    progress("check", run.total, run.total)
    if run.problems.count:
        raise LedgerRefused(run.problems.items, run.problems.count)
    _write(batch, tables, _loans_to_write(run, tables, new_loans), checked, actor=actor, progress=progress,
           loans_count=len(new_loans))
    _finish(batch, checked.result, total=run.total, actor=actor)
    return checked.result


@dataclass
class _Run:
    """What the checking phases share: the reference data, the problems found, parsed
    dates and amounts by their text, and the rows checked so far (for the progress)."""

    ref: _Reference
    problems: _Problems
    progress: Progress
    total: int
    cache: dict = field(default_factory=dict)
    done: int = 0
    result: ImportResult = field(default_factory=ImportResult)

    def row_checked(self) -> None:
        self.done += 1
        if self.done % 2000 == 0:
            self.progress("check", self.done, self.total)


def _check_new_loans(run: _Run, loan_tables: list[Table]) -> tuple[dict[str, _LoanValues], set[str]]:
    """1. The loans of the run, each checked on its own, and those stored already against
    what is stored: (the new ones by loan_ref, the loan_refs refused)."""
    new_loans: dict[str, _LoanValues | _LoanBrief] = {}
    where: dict[str, tuple[str, int]] = {}  # the rows of the refused and stored loans (the new ones' are in new_loans)
    refused_refs: set[str] = set()
    unsure: list[str] = []  # good rows whose loan_ref may be stored (their values are kept for the comparison)
    for table in loan_tables:
        for number, cells, wide in table.rows():
            row = _Row(table, number, cells, wide, run.problems, run.cache)
            values = _parse_loan(row, run.ref)
            loan_ref = values["loan_ref"] if values else _text_or_none(row.cell("loan_ref"))
            if loan_ref is not None:
                first = new_loans.get(loan_ref)
                first_file, first_row = (first.file, first.row) if first is not None else where.get(loan_ref, (None, 0))
                if first_file is not None:
                    run.problems.add(table.file, number, "loan_ref", "duplicate_loan_ref", value=loan_ref,
                                     first=f"{first_file}:{first_row}")
                    values = None
                elif values is None:
                    where[loan_ref] = (table.file, number)
            if values is None:
                if loan_ref is not None:
                    refused_refs.add(loan_ref)
            else:
                new_loans[loan_ref] = _LoanValues(**values, file=table.file, row=number)
                unsure.append(loan_ref)
                if len(unsure) >= CHUNK:
                    _settle(run, new_loans, where, refused_refs, unsure)
            run.row_checked()
    _settle(run, new_loans, where, refused_refs, unsure)
    return new_loans, refused_refs


def _settle(run: _Run, new_loans: dict[str, _LoanValues | _LoanBrief], where: dict[str, tuple[str, int]],
            refused_refs: set[str], refs: list[str]) -> None:
    """Of the loans ``refs``: a stored one is compared with its row now (it must match) and
    leaves ``new_loans`` for ``where``; the others keep only their brief. ``refs`` is
    emptied. (A file of 100,000 stored loans, imported again, kept every row's values to
    the end of the check: ~50 MB.)"""
    if not refs:
        return
    stored = _stored_loans(refs)
    for loan_ref in refs:
        values = new_loans[loan_ref]
        loan = stored.get(loan_ref)
        if loan is None:
            new_loans[loan_ref] = _LoanBrief(loan_ref, values.contract_date, values.amount, values.file, values.row)
            continue
        del new_loans[loan_ref]
        where[loan_ref] = (values.file, values.row)
        run.result.loans_unchanged += 1
        differing = _differences(values, loan)
        if differing:
            run.problems.add(values.file, values.row, "loan_ref", "loan_differs", value=loan_ref,
                             columns=", ".join(differing))
            refused_refs.add(loan_ref)
    refs.clear()


def _check_new_events(run: _Run, event_tables: list[Table]) -> _NewEvents:
    """2. The events of the run, by loan_ref in file order (numbered per loan later:
    ``_number_occurrences``)."""
    new_events = _NewEvents([table.file for table in event_tables])
    for index, table in enumerate(event_tables):
        for number, cells, wide in table.rows():
            row = _Row(table, number, cells, wide, run.problems, run.cache)
            parsed = _parse_event(row, run.ref.today)
            if parsed is not None:
                new_events.add(index, number, *parsed)
            run.row_checked()
    return new_events.finish()


def _number_occurrences(events: list[_Event]) -> None:
    """A loan's new events, numbered per file: the n-th (date, kind, amount) of the loan
    in its file. Done per loan rather than over a whole file's rows at once (a dict of
    280,000 keys)."""
    counts: dict[tuple, int] = {}
    for event in events:
        key = (event.table, event.event_on, event.kind, event.amount)
        event.occurrence = counts[key] = counts.get(key, 0) + 1


@dataclass
class _Checked:
    """What the check against the stored loans found: the counts so far, the derived
    (status, first disbursement, policy code) of every loan that gains events, those loans
    in order (their events to add are marked in ``events``), and the stored loans among them."""

    events: _NewEvents | None  # None once its events are written
    result: ImportResult = field(default_factory=ImportResult)
    derived: dict[str, tuple[str, date | None, str | None]] = field(default_factory=dict)
    gaining: list[str] = field(default_factory=list)
    stored: dict[str, _StoredLoan] = field(default_factory=dict)


def _check_against_stored(run: _Run, new_loans: dict[str, _LoanValues], new_events: _NewEvents,
                          refused_refs: set[str]) -> _Checked:
    """3. Against what is stored, a chunk of loans at a time: a loan's events are checked
    over its stored and new ones; the stored loans that gain events are kept for the write."""
    checked = _Checked(new_events, result=run.result)
    problems, result = run.problems, checked.result
    for chunk in _chunks(sorted(set(new_loans) | set(new_events)), CHUNK):
        found = _stored_loans(chunk)
        for loan_ref in found:
            if loan_ref in new_loans:  # not stored when its row was read, stored now
                raise LedgerRefused([Problem("", None, None, "stored_meanwhile")])
        for loan_ref in chunk:
            values = new_loans.get(loan_ref)
            if values is not None and APPLICATION_REFERENCE.fullmatch(loan_ref):
                # the bank's contract for that online application will take this loan_ref
                problems.add(values.file, values.row, "loan_ref", "reserved_loan_ref", value=loan_ref)
                refused_refs.add(loan_ref)
        stored = {r: _StoredLoan(*(found[r][name] for name in _StoredLoan._fields)) for r in found if r in new_events}
        stored_events = _stored_events({found[r]["id"]: r for r in found if r in new_events})
        for loan_ref in chunk:
            if loan_ref not in new_events or loan_ref in refused_refs:
                continue
            events = new_events.of(loan_ref)
            _number_occurrences(events)
            loan = new_loans.get(loan_ref) or stored.get(loan_ref)
            if loan is None:
                for event in events:
                    problems.add(event.file, event.row, "loan_ref", "unknown_loan", value=loan_ref)
                continue
            if getattr(loan, "source", "ledger") != "ledger":
                # its bank records it in the app, where each change also moves the case
                # through the state machine; a status set here would leave the case behind
                for event in events:
                    problems.add(event.file, event.row, "loan_ref", "serviced_in_app", value=loan_ref)
                continue
            existing = stored_events.get(loan_ref, [])
            keys = {event.key for event in existing}
            fresh = []
            for event in events:  # the same identity in two files of a run is one event
                if event.key not in keys:
                    keys.add(event.key)
                    fresh.append(event)
            result.events_unchanged += len(events) - len(fresh)
            if not fresh:
                continue
            union = existing + fresh
            code = _check_events(loan_ref, loan.contract_date, loan.amount, union, problems, run.ref)
            status, first_on = derived_state(union)
            checked.derived[loan_ref] = (status, first_on, code)
            checked.gaining.append(loan_ref)
            if loan_ref in stored:
                checked.stored[loan_ref] = stored[loan_ref]
            for event in fresh:
                new_events.keep(event)
    return checked


def _loans_to_write(run: _Run, tables: list[Table], new_loans: dict[str, _LoanValues | _LoanBrief]):
    """The loans to store, in file order: each brief's row read and parsed again (the run
    found no problem in it: the same values)."""
    problems = _Problems()
    for table in tables:
        if table.kind != "loans":
            continue
        for number, cells, wide in table.rows():
            row = _Row(table, number, cells, wide, problems, run.cache)
            brief = new_loans.get(_text_or_none(row.cell("loan_ref")))
            if brief is None or brief.file != table.file or brief.row != number:
                continue  # stored already (unchanged), or not this loan's first row
            values = brief if isinstance(brief, _LoanValues) else _parse_loan(row, run.ref)
            if values is None or problems.count:  # cannot happen: the row was checked
                raise LedgerRefused([Problem(table.file, number, None, "internal")])
            yield values if isinstance(values, _LoanValues) else _LoanValues(**values, file=table.file, row=number)
    new_loans.clear()  # written: its briefs' memory serves what the writing goes on with


def _write(batch: LedgerImport, tables: list[Table], new_loans, checked: _Checked, *,
           actor, progress: Progress, loans_count: int) -> None:
    """5. Write: new loans, their ids, new events, then stored loans' derived state."""
    batch.total_rows = sum(t.count for t in tables)
    batch.files = [{**f, "rows": sum(t.count for t in tables if t.file == f["name"]
                                     or t.file.startswith(f["name"] + "["))} for f in batch.files]
    result, derived, gaining, stored = checked.result, checked.derived, checked.gaining, checked.stored
    before = rollups.before_import(stored[r].id for r in gaining if r in stored)
    actor_id = getattr(actor, "id", None)
    personal = vault()
    written = 0
    to_write = loans_count + checked.events.fresh.count(1)
    for chunk in iter(lambda: list(islice(new_loans, WRITE_CHUNK)), []):
        rows = []
        for values in chunk:
            status, first_on, code = derived.pop(values.loan_ref, (CaseStatus.contracted.value, None, None))
            number = values.id_number
            rows.append({**values.attributes(),
                         "id_number_hash": personal.lookup_hash(number),
                         "id_number_masked": resident_id.mask(number),
                         "source": "ledger", "status": status, "first_disbursement_date": first_on,
                         "policy_code": code, "import_id": batch.id, "created_by_id": actor_id})
        # Core inserts: one executemany per chunk (the ORM's bulk insert splits a chunk
        # wherever a nullable column switches between NULL and a value)
        db.session.execute(insert(Loan.__table__), rows)
        written += len(rows)
        progress("write", written, to_write)
    if written != loans_count:  # the loans' rows read again were not the rows checked
        raise LedgerRefused([Problem("", None, None, "file_changed")])
    result.loans_added = loans_count
    checked.derived = derived = {r: derived[r] for r in derived}  # the stored loans' (a dict's table stays its size)
    ids = {r: stored[r].id for r in gaining if r in stored}
    if loans_count:
        # the run's own (interned) loan_ref strings as keys, not 100,000 more read back
        ids.update((sys.intern(r), i) for r, i in db.session.execute(select(Loan.loan_ref, Loan.id)
                                                                      .where(Loan.import_id == batch.id)))
        index_new("loan", Loan.import_id == batch.id)  # their search tokens, in this transaction
    event_rows = ({"loan_id": ids[loan_ref], "event_on": event_on, "kind": kind, "amount": amount,
                   "occurrence": occurrence, "import_id": batch.id, "recorded_by_id": actor_id, "source": "ledger"}
                  for loan_ref in gaining for event_on, kind, amount, occurrence in checked.events.kept(loan_ref))
    events_added = 0
    for chunk in iter(lambda: list(islice(event_rows, WRITE_CHUNK)), []):  # a chunk of dicts at a time
        db.session.execute(insert(LoanEvent.__table__), chunk)
        written += len(chunk)
        events_added += len(chunk)
        progress("write", written, to_write)
    result.events_added = events_added
    checked.events = None  # written: its columns' and the ids' memory serves the rollups
    del ids, event_rows
    _update_stored(stored, derived)
    rollups.apply_import(batch.id, before)  # Core writes pass by the session's rollup hook


def _finish(batch: LedgerImport, result: ImportResult, *, total: int, actor) -> None:
    """The run's record says done, with its counts, and the audit row."""
    batch.status = ImportStatus.done
    batch.processed_rows = total
    batch.loans_added, batch.loans_unchanged = result.loans_added, result.loans_unchanged
    batch.events_added, batch.events_unchanged = result.events_added, result.events_unchanged
    batch.errors = None
    batch.finished_at = utcnow()
    record("ledger_import", batch, actor=actor, to_state=ImportStatus.done, files=batch.files,
           loans_added=result.loans_added, loans_unchanged=result.loans_unchanged,
           events_added=result.events_added, events_unchanged=result.events_unchanged)
    db.session.flush()


def _one_run_at_a_time() -> None:
    """On PostgreSQL, hold a transaction-scoped lock for the rest of the run, taken before
    anything stored is read; a second run at the same time is refused at once rather than
    left waiting behind a long one. (SQLite writes one transaction at a time anyway, and
    the runner keeps a process to one run; a clash left over ends as ``stored_meanwhile``.)"""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    if not db.session.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": RUN_LOCK_KEY}):
        raise LedgerRefused([Problem("", None, None, "another_run")])


def _text_or_none(value) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None


def _update_stored(stored: dict[str, _StoredLoan], derived: dict) -> None:
    """Stored loans that gained events: their status, first disbursement and policy, as a
    guarded update (``lock_version``) so a bank's concurrent change is not overwritten
    (and a bank's form opened before the import is refused as stale)."""
    changes = []
    for loan_ref, (status, first_on, code) in derived.items():
        loan = stored.get(loan_ref)
        if loan is None:
            continue
        if loan.status == CaseStatus.extended.value and status == CaseStatus.active.value:
            status = loan.status  # an extension the bank recorded stays; the ledger knows none
        # every loan that gained events, even with its status unchanged: the events were
        # checked against the history read above, which a bank may have changed meanwhile
        changes.append({"b_id": loan.id, "b_lock": loan.lock_version, "status": status,
                        "first_disbursement_date": first_on, "policy_code": code})
    if not changes:
        return
    table = Loan.__table__
    statement = (update(table).where(table.c.id == bindparam("b_id"), table.c.lock_version == bindparam("b_lock"))
                 .values(lock_version=table.c.lock_version + 1, updated_at=utcnow()))
    for chunk in _chunks(changes, WRITE_CHUNK):
        result = db.session.execute(statement, chunk)
        if db.engine.dialect.supports_sane_multi_rowcount and result.rowcount != len(chunk):
            raise LedgerRefused([Problem("", None, None, "changed_meanwhile")])


def mark_failed(batch_id: int, problems: list[dict], *, actor=None) -> LedgerImport:
    """After a rollback: the run's record says why nothing was stored (one audit row)."""
    batch = db.session.get(LedgerImport, batch_id)
    batch.status = ImportStatus.failed
    batch.errors = problems
    batch.finished_at = utcnow()
    batch.loans_added = batch.events_added = 0
    record("ledger_import", batch, actor=actor, to_state=ImportStatus.failed, files=batch.files,
           problems=sum(1 for p in problems if p["code"] != "too_many"))
    db.session.flush()
    return batch


def set_progress(connection, batch_id: int, done: int, total: int) -> None:
    """Progress for the status page, written on ``connection``, outside the run's
    transaction (which shows nothing until it commits). Called only while the run is still
    reading."""
    connection.execute(update(LedgerImport.__table__).where(LedgerImport.__table__.c.id == batch_id)
                       .values(processed_rows=done, total_rows=total))


def recent_imports(limit: int = 50) -> list[LedgerImport]:
    return list(db.session.scalars(select(LedgerImport).order_by(LedgerImport.id.desc()).limit(limit)))
