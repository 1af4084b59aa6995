"""Subsidy statements (SPEC §7 Statements): compute a period, then draft → reviewed
(city-wide supervisor) → approved (finance) → paid (finance); reopen a frozen statement
as a new version. Every status change is a guarded update on ``lock_version`` with one
audit row; nothing here commits (the unit of work of the request or command does), and a
refused change raises ``Refused`` or ``ConcurrentChange`` having changed nothing."""
from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from itertools import groupby
from operator import itemgetter
from typing import NamedTuple

from flask_babel import LazyString, lazy_gettext as _l
from sqlalchemy import BigInteger, Date, Integer, String, and_, delete, func, insert, or_, select, type_coerce, update
from sqlalchemy.exc import IntegrityError

from ..audit.services import record
from ..core.dates import add_months, quarter_period
from ..core.money import format_yuan, from_fen, parse_amount, to_fen
from ..core.policy import lpr_fixing_on, max_amount, max_term, policy_in_force, subsidy_rate
from ..core.subsidy import LoanFacts, amount_for, period_subsidy, period_sums_fen, rate_fraction
from ..core.workflow import CaseStatus, Role
from ..db import Rate, db, local_today, utcnow
from ..garbage import collector_paused
from ..i18n import period_name, prose_date
from ..policy.queries import lpr_fixings, policies
from ..policy.models import Bank, District
from ..spreadsheets import decode_text
from ..servicing import rollups
from ..servicing.facts import overdue_intervals
from ..servicing.models import Loan, LoanEvent
from .queries import adjustment_carrier
from . import hooks  # noqa: F401  (registers the flush hook that marks the loans of edited events)
from . import notices
from .models import (FROZEN_STATUSES, BankClaim, BankClaimLine, StatementStatus, SubsidyAdjustment, SubsidyLine,
                     SubsidyStatement)
from ..errors import ConcurrentChange, Refused

CHUNK = 10_000  # loans per round trip: one query for the loans, one for their events
CLOSED_LOAN_STATUSES = (CaseStatus.settled, CaseStatus.compensated, CaseStatus.written_off)
MAX_CLAIM_BYTES = 5 * 1024 * 1024
MAX_CLAIM_ROWS = 100_000
# Far above any loan's subsidy for a quarter (4,000,000 × 100 % × 92 ÷ 360 ≈ 1,022,222), and
# low enough that 100,000 such lines still fit the database's 64-bit fen columns.
MAX_CLAIM_AMOUNT = Decimal("100000000.00")
CLAIM_HEADER = ["loan_ref", "subsidy"]
ALREADY_CHANGED = _l("This statement has already been changed by someone else. Nothing was changed; here is its "
                     "current state.")

__all__ = ["compute_period_subsidy", "review_statement", "approve_statement", "pay_statement", "reopen_statement",
           "upload_bank_claim"]


def period_dates(period: str) -> tuple[str, date, date]:
    """``"2021q3"`` → ``("2021Q3", 2021-06-21, 2021-09-20)``; refuses anything else."""
    try:
        start, end = quarter_period(period)
    except ValueError:
        raise Refused(_l("“%(period)s” is not a period like 2021Q3.", period=str(period)[:20]),
                             "period") from None
    return period.strip().upper(), start, end


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳小明 → 欧***: the first character, the rest starred (SPEC §11)."""
    name = (name or "").strip()
    return name[:1] + "*" * min(max(len(name) - 1, 1), 8) if name else "*"


# --- computing ------------------------------------------------------------------------

@dataclass
class BankResult:
    bank_code: str
    version: int
    status: str
    line_count: int
    total: Decimal  # Σ lines + Σ adjustments
    computed: bool  # False: a frozen statement, left as it was
    adjustment_count: int = 0
    adjustments_total: Decimal = Decimal("0.00")


@dataclass
class ComputeResult:
    period: str
    start: date
    end: date
    loans_considered: int = 0
    banks: list[BankResult] = field(default_factory=list)
    no_policy: list[str] = field(default_factory=list)  # loan refs with no policy version in force
    # the newest LPR fixing any line's LPR₀ is: a stale LPR table shows here
    latest_lpr_published_on: date | None = None

    @property
    def skipped(self) -> list[BankResult]:
        return [b for b in self.banks if not b.computed]


def _candidate_loans(start: date, end: date, bank_codes):
    """Loans first disbursed on or before the period's end and not closed (settled or
    compensated, with their last event) before its start."""
    last_event = (select(func.max(LoanEvent.event_on)).where(LoanEvent.loan_id == Loan.id)
                  .correlate(Loan).scalar_subquery())
    where = [Loan.first_disbursement_date.is_not(None), Loan.first_disbursement_date <= end,
             ~and_(Loan.status.in_(CLOSED_LOAN_STATUSES), last_event < start)]
    if bank_codes is not None:
        where.append(Loan.bank_code.in_(bank_codes))
    return where


LOAN_COLUMNS = (Loan.id, Loan.loan_ref, Loan.bank_code, Loan.district_code, Loan.loan_type, Loan.partners,
                Loan.contract_date, Loan.contract_rate, Loan.lpr_rate, Loan.maturity_date, Loan.first_disbursement_date,
                Loan.policy_code, Loan.borrower_name, Loan.id_number_masked)
# The same columns as the database holds them — rates in 0.0001 %, days as ISO text on
# SQLite (``date`` on PostgreSQL) — so 100,000 rows cost no per-value conversion.
_RAW_LOAN_COLUMNS = tuple(type_coerce(c, Integer if isinstance(c.type, Rate) else String).label(c.key)
                          if isinstance(c.type, (Rate, Date)) else c for c in LOAN_COLUMNS)
_RAW_EVENT_COLUMNS = (LoanEvent.loan_id, type_coerce(LoanEvent.event_on, String).label("event_on"),
                      type_coerce(LoanEvent.kind, String).label("kind"),
                      type_coerce(LoanEvent.amount, BigInteger).label("amount"))
_FLOW_SIGN = {"disbursement": 1, "repayment": -1}
_OVERDUE_KINDS = frozenset(("overdue_start", "overdue_end"))


def count_candidate_loans(period: str, bank_codes=None) -> int:
    _, start, end = period_dates(period)
    return db.session.scalar(select(func.count(Loan.id)).where(*_candidate_loans(start, end, bank_codes)))


def _raw_rows(connection, statement) -> list[tuple]:
    """The driver's own row tuples of a SELECT whose columns need no conversion (see
    ``_RAW_LOAN_COLUMNS``): no ``Row`` is built for 100,000 loans and their events."""
    result = connection.execute(statement)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


def _loan_chunks(where, end: date, bank_codes=None):
    """([raw loan rows], {loan id: [its raw events dated on or before ``end``]}) of the loans
    matching ``where`` (and of the banks ``bank_codes``, None: all), by id: two queries per
    ``CHUNK`` loans, whatever their number. The banks are checked here, not in SQL: with a
    bank condition SQLite reads the loans by the bank's index and sorts every chunk by id."""
    connection = db.session.connection()
    banks = None if bank_codes is None else frozenset(bank_codes)
    last_id = 0
    while True:
        rows = _raw_rows(connection, select(*_RAW_LOAN_COLUMNS).where(*where, Loan.id > last_id)
                         .order_by(Loan.id).limit(CHUNK))
        if not rows:
            return
        last_id = rows[-1][0]
        chunk = rows if banks is None else [row for row in rows if row[2] in banks]
        if not chunk:
            continue
        first_id = chunk[0][0]
        # a dense run of ids reads by range (one index range scan); a sparse one by the ids
        ids = (and_(LoanEvent.loan_id >= first_id, LoanEvent.loan_id <= chunk[-1][0])
               if chunk[-1][0] - first_id < 2 * len(chunk) else LoanEvent.loan_id.in_([loan[0] for loan in chunk]))
        # by loan id: the unique index (loan_id, event_on, kind, …) gives that order without a sort
        events = _raw_rows(connection, select(*_RAW_EVENT_COLUMNS).where(ids, LoanEvent.event_on <= end)
                           .order_by(LoanEvent.loan_id))
        yield chunk, {loan_id: list(group) for loan_id, group in groupby(events, itemgetter(0))}


class _Figures(NamedTuple):
    """One loan's ``PeriodSubsidy`` in database units: fen, fen·days, the rate's text."""
    policy_code: str
    subsidy_rate: str
    subsidised_days: int
    balance_days: int
    subsidy: int
    interest: int


@dataclass
class _Rules:
    """The reference data a period's figures need, read once per computation, and what
    is derived from it per distinct (policy version, loan type, rates, class) — a few
    dozen combinations for 100,000 loans."""
    known: list
    by_code: dict
    cap_class: dict
    fixings: list
    start: date
    end: date
    _days: dict = field(default_factory=dict)
    _ordinals: dict = field(default_factory=dict)
    _policy_on: dict = field(default_factory=dict)
    _terms_of: dict = field(default_factory=dict)
    _ends: dict = field(default_factory=dict)
    _fixing: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._start, self._stop = self.start.toordinal(), self.end.toordinal() + 1
        self.text_dates = db.session.get_bind().dialect.name == "sqlite"

    @classmethod
    def load(cls, start: date, end: date) -> "_Rules":
        known = policies()
        return cls(known, {p.code: p for p in known},
                   dict(db.session.execute(select(District.code, District.cap_class)).all()), lpr_fixings(),
                   start, end)

    def for_period(self, start: date, end: date) -> "_Rules":
        return _Rules(self.known, self.by_code, self.cap_class, self.fixings, start, end, self._days,
                      self._ordinals, self._policy_on, self._terms_of, self._ends, self._fixing)

    def day(self, value) -> date:
        """A raw date (ISO text on SQLite) as a ``date``; each distinct day parsed once."""
        day = self._days.get(value)
        if day is None:
            day = self._days[value] = value if isinstance(value, date) else date.fromisoformat(value)
        return day

    def policy(self, code, on: date | None):
        policy = self.by_code.get(code)
        if policy is None and on is not None:
            if on not in self._policy_on:
                self._policy_on[on] = policy_in_force(self.known, on)
            policy = self._policy_on[on]
        return policy

    def lpr_published_on(self, contract_date, lpr_raw: int) -> tuple[date | None, object]:
        """The publication date of the LPR fixing the line's LPR₀ is — None when the ledger
        gave its own LPR₀, which matches no fixing — and that date as the database takes it
        (ISO text on SQLite, like SQLAlchemy's ``Date``)."""
        key = (contract_date, lpr_raw)
        found = self._fixing.get(key)
        if found is None:
            fixing = lpr_fixing_on(self.fixings, self.day(contract_date))
            day = fixing[0] if fixing is not None and fixing[1] == _rate(lpr_raw) else None
            found = self._fixing[key] = (day, day.isoformat() if day is not None and self.text_dates else day)
        return found

    def ordinal(self, value) -> int:
        """A raw date's day ordinal; each distinct day parsed once."""
        ordinal = self._ordinals.get(value)
        if ordinal is None:
            ordinal = self._ordinals[value] = self.day(value).toordinal()
        return ordinal

    def _terms(self, policy, loan_type: str, contract_raw: int, lpr_raw: int, district: str, partners: int):
        """(subsidy rate, its stored text, rate ÷ 100 and contract rate ÷ 100 as fractions,
        day basis, subsidised balance cap in fen (None: not whole fen), max term in months)."""
        key = (policy.code, loan_type, contract_raw, lpr_raw, district, partners)
        terms = self._terms_of.get(key)
        if terms is None:
            rate = subsidy_rate(policy, loan_type, _rate(contract_raw), _rate(lpr_raw),
                                self.cap_class.get(district, "standard"))
            cap = max_amount(policy, loan_type, partners) * 100
            terms = self._terms_of[key] = (
                rate, _rate_text(rate), rate_fraction(rate), rate_fraction(_rate(contract_raw)), policy.day_basis,
                int(cap) if cap == cap.to_integral_value() else None, max_term(policy, loan_type))
        return terms

    def figures(self, loan, events) -> _Figures | None:
        """The loan's figures for the period (``core.subsidy.period_subsidy`` in integers),
        None with no policy version in force."""
        (_, _, _, district, loan_type, partners, _, contract_raw, lpr_raw, maturity, first_raw, policy_code,
         _, _) = loan
        flows, overdue, first = [], (), None
        ordinals = self._ordinals
        for _, on, kind, amount in events:
            sign = _FLOW_SIGN.get(kind)
            if sign is not None:
                day = ordinals.get(on) or self.ordinal(on)
                flows.append((day, sign * amount))
                if sign > 0 and (first is None or day < first):
                    first = day
            elif kind in _OVERDUE_KINDS:
                overdue = None
        if overdue is None:  # rare: the intervals as the pure core reads them
            overdue = overdue_intervals([_Event(self.ordinal(e[1]), e[2]) for e in events if e[2] in _OVERDUE_KINDS])
        policy = self.by_code.get(policy_code)
        if policy is None:
            on = self.day(first_raw) if first_raw is not None else (date.fromordinal(first) if first else None)
            policy = self.policy(policy_code, on)
            if policy is None:
                return None
        rate, rate_text, fraction, contract, basis, cap, months = self._terms(
            policy, loan_type, contract_raw, lpr_raw, district, partners)
        if cap is None:  # a cap with fractions of a fen: the exact Decimal way
            return self._decimal_figures(policy, loan, events)
        if first is None:
            end_of_subsidy = self._start
        else:
            end_key = (first, months, maturity)
            end_of_subsidy = self._ends.get(end_key)
            if end_of_subsidy is None:
                end_of_subsidy = self._ends[end_key] = min(
                    self.day(maturity), add_months(date.fromordinal(first), months)).toordinal()
        days, balance_days, _, interest_balance_days = period_sums_fen(
            self._start, self._stop, end_of_subsidy, cap, flows, overdue)
        return _Figures(policy.code, rate_text, days, balance_days, amount_for(balance_days, fraction, basis),
                        amount_for(interest_balance_days, contract, basis))

    def _decimal_figures(self, policy, loan, events) -> _Figures:
        facts = LoanFacts(
            loan_type=loan[4], contract_rate=_rate(loan[7]), lpr0=_rate(loan[8]),
            cap_class=self.cap_class.get(loan[3], "standard"), maturity_date=self.day(loan[9]), partners=loan[5],
            disbursements=tuple((self.day(e[1]), from_fen(e[3])) for e in events if e[2] == "disbursement"),
            repayments=tuple((self.day(e[1]), from_fen(e[3])) for e in events if e[2] == "repayment"),
            overdue=overdue_intervals([_Event(self.day(e[1]), e[2]) for e in events if e[2] in _OVERDUE_KINDS]))
        figures = period_subsidy(policy, facts, self.start, self.end)
        return _Figures(figures.policy_code, _rate_text(figures.subsidy_rate), figures.subsidised_days,
                        to_fen(figures.balance_days), to_fen(figures.subsidy), to_fen(figures.interest))


class _Event(NamedTuple):
    event_on: object
    kind: str


def _rate(raw: int) -> Decimal:
    """A rate column's integer (0.0001 %) as the percent ``Decimal`` the model reads."""
    return Decimal(int(raw)).scaleb(-4)


_RATE_TEXT: dict = {}


def _rate_text(rate: Decimal) -> str:
    """``ExactDecimal``'s stored text of a subsidy rate."""
    text = _RATE_TEXT.get(rate)
    if text is None:
        text = _RATE_TEXT[rate] = format(rate.normalize(), "f")
    return text


def _period_lines(start: date, end: date, bank_codes, result: ComputeResult, rules: _Rules,
                  progress: Callable[[int], None] | None) -> dict[str, list[tuple]]:
    """Every candidate loan's line for the period, as rows of ``_LINE_COLUMNS`` in
    database units grouped by bank (only loans with a subsidy > 0). Loans and their events
    come in chunks by id: two queries per ``CHUNK`` loans, whatever the number of loans;
    the id number is never decrypted."""
    lines: dict[str, list[tuple]] = {}
    latest = None
    no_events = ()
    for chunk, events_of in _loan_chunks(_candidate_loans(start, end, None), end, bank_codes):
        result.loans_considered += len(chunk)
        for loan in chunk:
            figures = rules.figures(loan, events_of.get(loan[0], no_events))
            if figures is None:
                result.no_policy.append(loan[1])
                continue
            if figures.subsidy <= 0:
                continue
            loan_id, loan_ref, bank, _, _, _, contract_date, contract_rate, lpr_rate, _, _, _, name, masked = loan
            published_on, stored_on = rules.lpr_published_on(contract_date, lpr_rate)
            if published_on and (latest is None or published_on > latest):
                latest = published_on
            lines.setdefault(bank, []).append((
                loan_id, loan_ref, f"{mask_name(name)} {masked}", figures.policy_code, contract_rate, lpr_rate,
                stored_on, figures.subsidy_rate, figures.subsidised_days, figures.balance_days, figures.subsidy,
                figures.interest))
        if progress:
            progress(len(chunk))
    if latest is not None and (result.latest_lpr_published_on is None or latest > result.latest_lpr_published_on):
        result.latest_lpr_published_on = latest
    return lines


def _current(*where):
    """Current (not superseded) statements matching ``where``."""
    return select(SubsidyStatement.id).where(SubsidyStatement.status != StatementStatus.superseded, *where)


def _frozen_before(period: str, bank_codes) -> dict[str, dict[str, tuple[int, datetime]]]:
    """{earlier period: {bank: (id, computed_at) of its current frozen statement}} for the banks."""
    frozen: dict[str, dict[str, tuple[int, datetime]]] = {}
    for row in db.session.execute(
            select(SubsidyStatement.period, SubsidyStatement.bank_code, SubsidyStatement.id,
                   SubsidyStatement.computed_at)
            .where(SubsidyStatement.period < period, SubsidyStatement.bank_code.in_(bank_codes),
                   SubsidyStatement.status.in_(FROZEN_STATUSES))):
        frozen.setdefault(row.period, {})[row.bank_code] = (row.id, row.computed_at)
    return frozen


def _period_adjustments(period: str, bank_codes, rules: _Rules) -> dict[str, list[dict]]:
    """Adjustment rows by bank (SPEC §13) for the draft of ``period``: for every earlier
    period P whose current statement of the bank is frozen, each loan's subsidy for P
    recomputed from today's events − what the statements already count for it (its line on
    P's statement + its adjustments for P on the bank's other current statements), when
    not zero. Only frozen periods are recomputed, and in them only the loans that are
    candidates for P or that some current statement already counts for P.

    "Other current statements" include drafts (the spec's "frozen statements before Q" is
    the same when each period is frozen before the next is computed): two drafts after a
    frozen period must not both carry the same difference.

    A loan's recomputed figures differ from what its frozen statement counted only if
    something it is computed from changed since that statement was computed: so only the
    loans with an event recorded since, the loans changed since (``updated_at``), and the
    loans that other statements carry adjustments for are recomputed — the rest would
    give back exactly their frozen lines. (The policy versions and districts are reference
    data that no page changes.)"""
    adjustments: dict[str, list[dict]] = {}
    zero = Decimal("0.00")
    for original, frozen_statements in sorted(_frozen_before(period, bank_codes).items()):
        start, end = quarter_period(original)
        banks = list(frozen_statements)
        statement_ids = [statement_id for statement_id, _ in frozen_statements.values()]
        lines = dict(db.session.execute(select(SubsidyLine.loan_id, SubsidyLine.subsidy)
                                        .where(SubsidyLine.statement_id.in_(statement_ids))).all())
        others = _current(SubsidyStatement.bank_code.in_(banks), SubsidyStatement.period != period)
        carried = dict(db.session.execute(
            select(SubsidyAdjustment.loan_id, func.sum(SubsidyAdjustment.adjustment))
            .where(SubsidyAdjustment.original_period == original, SubsidyAdjustment.statement_id.in_(others))
            .group_by(SubsidyAdjustment.loan_id)).all())
        counted = select(SubsidyLine.loan_id).where(SubsidyLine.statement_id.in_(statement_ids)).union(
            select(SubsidyAdjustment.loan_id).where(SubsidyAdjustment.original_period == original,
                                                    SubsidyAdjustment.statement_id.in_(others)))
        since = min(computed_at for _, computed_at in frozen_statements.values())
        changed = or_(Loan.updated_at >= since,
                      Loan.id.in_(select(LoanEvent.loan_id).where(LoanEvent.created_at >= since)),
                      Loan.id.in_(select(SubsidyAdjustment.loan_id).where(
                          SubsidyAdjustment.original_period == original, SubsidyAdjustment.statement_id.in_(others))))
        where = [or_(and_(*_candidate_loans(start, end, None)), Loan.id.in_(counted)), changed]
        period_rules = rules.for_period(start, end)
        for chunk, events_of in _loan_chunks(where, end, banks):
            for loan in chunk:
                figures = period_rules.figures(loan, events_of.get(loan[0], ()))
                recomputed = from_fen(figures.subsidy) if figures is not None and figures.subsidy > 0 else zero
                loan_id, loan_ref, bank = loan[:3]
                frozen = lines.get(loan_id, zero) + (carried.get(loan_id) or zero)
                if recomputed != frozen:
                    adjustments.setdefault(bank, []).append({
                        "loan_id": loan_id, "loan_ref": loan_ref, "original_period": original,
                        "frozen_subsidy": frozen, "recomputed_subsidy": recomputed,
                        "adjustment": recomputed - frozen})
    return adjustments


def current_statement(period: str, bank_code: str) -> SubsidyStatement | None:
    """The bank's statement of the period that is not superseded (the latest version)."""
    return db.session.scalar(select(SubsidyStatement).where(
        SubsidyStatement.period == period, SubsidyStatement.bank_code == bank_code,
        SubsidyStatement.status != StatementStatus.superseded).order_by(SubsidyStatement.version.desc()).limit(1))


# the lines as the database stores them (fen, 0.0001 %), written without per-value conversion
_LINE_COLUMNS = ("loan_id", "loan_ref", "borrower_masked", "policy_code", "contract_rate", "lpr_rate",
                 "lpr_published_on", "subsidy_rate", "subsidised_days", "balance_days", "subsidy", "interest")


def _insert_lines_sql(dialect) -> str:
    """The driver's INSERT of a line, in its parameter style."""
    marker = {"qmark": "?", "format": "%s", "pyformat": "%s"}[dialect.paramstyle]
    columns = ("statement_id", *_LINE_COLUMNS)
    return f"INSERT INTO subsidy_lines ({', '.join(columns)}) VALUES ({', '.join([marker] * len(columns))})"
INSERT_BATCH = 20_000


def _store_lines(statement: SubsidyStatement, rows: list[tuple], adjustments: list[dict], actor) -> None:
    """Replace a draft's lines (rows of ``_LINE_COLUMNS``, Core inserts in big batches) and
    adjustments, set its totals (Σ lines + Σ adjustments, SPEC §13) and audit it."""
    rows = sorted(rows, key=lambda r: r[1])
    adjustments = sorted(adjustments, key=lambda r: (r["loan_ref"], r["original_period"]))
    db.session.execute(delete(SubsidyLine).where(SubsidyLine.statement_id == statement.id))
    db.session.execute(delete(SubsidyAdjustment).where(SubsidyAdjustment.statement_id == statement.id))
    connection = db.session.connection()
    sql = _insert_lines_sql(connection.dialect)
    statement_id = statement.id
    for offset in range(0, len(rows), INSERT_BATCH):
        # the driver's executemany with plain tuples: nothing converted or compiled per row
        connection.exec_driver_sql(sql, [(statement_id, *row) for row in rows[offset:offset + INSERT_BATCH]])
    if adjustments:
        db.session.execute(insert(SubsidyAdjustment.__table__),
                           [{**row, "statement_id": statement.id} for row in adjustments])
    statement.adjustments_total = sum((r["adjustment"] for r in adjustments), Decimal("0.00"))
    statement.adjustment_count = len(adjustments)
    statement.total = from_fen(sum(r[10] for r in rows)) + statement.adjustments_total
    statement.line_count = len(rows)
    statement.computed_at = utcnow()
    statement.computed_by_id = getattr(actor, "id", None)
    db.session.flush()
    db.session.expire(statement, ["lines", "adjustments"])
    record("subsidy_compute", statement, actor=actor, to_state=statement.status, period=statement.period,
           bank=statement.bank_code, version=statement.version, lines=statement.line_count,
           adjustments=statement.adjustment_count or None,
           adjustments_total=str(statement.adjustments_total) if statement.adjustment_count else None,
           total=str(statement.total))


def _guard(statement: SubsidyStatement, from_statuses, lock_version: int | None = None, **values) -> None:
    """Change the statement only while it still has a status in ``from_statuses`` and the
    lock version we (or the form) read; of two concurrent clicks exactly one lands."""
    expected = statement.lock_version if lock_version is None else lock_version
    result = db.session.execute(
        update(SubsidyStatement)
        .where(SubsidyStatement.id == statement.id, SubsidyStatement.status.in_(from_statuses),
               SubsidyStatement.lock_version == expected)
        .values(lock_version=SubsidyStatement.lock_version + 1, **values)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise ConcurrentChange(ALREADY_CHANGED)
    db.session.expire(statement)


def _prose(day: date) -> LazyString:
    """The date as a sentence in the reader's language writes it, when the message is shown."""
    return LazyString(prose_date, day)


def computable_period(period: str, today: date) -> tuple[str, date, date]:
    """The period's code and dates, refused while it has not ended on ``today``."""
    code, start, end = period_dates(period)
    if today <= end:
        raise Refused(_l("%(period)s ends on %(end)s; it can be computed from the day after.",
                         period=LazyString(period_name, code), end=_prose(end)), "period")
    return code, start, end


def compute_period_subsidy(period: str, actor, *, today: date | None = None, bank_codes=None,
                           progress: Callable[[int], None] | None = None) -> ComputeResult:
    """One statement per bank for ``period`` (SPEC §7), even an empty one: a line per loan
    with a subsidy > 0, and the adjustments for earlier frozen periods (SPEC §13, see
    ``_period_adjustments``). Drafts are recomputed in place, lines and adjustments;
    reviewed, approved and paid statements are frozen and reported as skipped. Only after
    the period's last day (Beijing time)."""
    with collector_paused():  # 100,000 loans' rows: no collector passes over them (loans.garbage)
        code, start, end = computable_period(period, today or local_today())
        result = ComputeResult(code, start, end)
        codes = list(bank_codes) if bank_codes is not None else list(
            db.session.scalars(select(Bank.code).order_by(Bank.code)))
        # Frozen banks first: their loans need no computing.
        statements = {bank: current_statement(code, bank) for bank in codes}
        open_banks = [b for b in codes if statements[b] is None or statements[b].status not in FROZEN_STATUSES]
        rules = _Rules.load(start, end)
        lines = _period_lines(start, end, open_banks, result, rules, progress) if open_banks else {}
        adjustments = _period_adjustments(code, open_banks, rules) if open_banks else {}
        for bank in codes:
            statement = statements[bank]
            if statement is not None and statement.status in FROZEN_STATUSES:
                result.banks.append(BankResult(bank, statement.version, statement.status, statement.line_count,
                                               statement.total, computed=False))
                continue
            if statement is None:
                statement = SubsidyStatement(period=code, bank_code=bank, version=1, status=StatementStatus.draft)
                db.session.add(statement)
                try:
                    db.session.flush()
                except IntegrityError:
                    raise ConcurrentChange(_l("Someone else is computing this period right now. "
                                              "Nothing was changed; try again in a moment.")) from None
            else:
                _guard(statement, (StatementStatus.draft,))
            _store_lines(statement, lines.get(bank, []), adjustments.get(bank, []), actor)
            result.banks.append(BankResult(bank, statement.version, statement.status, statement.line_count,
                                           statement.total, computed=True, adjustment_count=statement.adjustment_count,
                                           adjustments_total=statement.adjustments_total))
    notices.awaiting_review(code, [b for b in result.banks if b.computed])
    return result


# --- the workflow ---------------------------------------------------------------------

def is_citywide_supervisor(user) -> bool:
    return user.role == Role.supervisor and user.district_code is None


MAX_COMMENT = 1000


def review_statement(statement: SubsidyStatement, *, actor, lock_version: int | None = None,
                     comment: str = "") -> None:
    """draft → reviewed, by a city-wide supervisor; an optional comment is kept in the
    audit row (the statement's history shows it)."""
    if not is_citywide_supervisor(actor):
        raise Refused(_l("Only a city-wide supervisor reviews subsidy statements."), status=403)
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise Refused(_l("The comment is longer than %(n)d characters.", n=MAX_COMMENT), "comment")
    _check_status(statement, StatementStatus.draft)
    _guard(statement, (StatementStatus.draft,), lock_version, status=StatementStatus.reviewed, reviewed_by_id=actor.id,
           reviewed_at=utcnow())
    record("subsidy_review", statement, actor=actor, from_state=StatementStatus.draft,
           to_state=StatementStatus.reviewed, comment=comment or None)
    notices.awaiting_approval(statement)


def approve_statement(statement: SubsidyStatement, *, actor, lock_version: int | None = None) -> None:
    """reviewed → approved, by finance."""
    _require_finance(actor)
    _check_status(statement, StatementStatus.reviewed)
    _guard(statement, (StatementStatus.reviewed,), lock_version, status=StatementStatus.approved,
           approved_by_id=actor.id, approved_at=utcnow())
    record("subsidy_approve", statement, actor=actor, from_state=StatementStatus.reviewed,
           to_state=StatementStatus.approved)


def pay_statement(statement: SubsidyStatement, *, actor, paid_on: date | None, voucher_no: str,
                  lock_version: int | None = None) -> None:
    """approved → paid, by finance, with the payment date and the voucher number."""
    _require_finance(actor)
    _check_status(statement, StatementStatus.approved)
    voucher_no = (voucher_no or "").strip()
    if paid_on is None:
        raise Refused(_l("Give the payment date."), "paid_on")
    if paid_on > local_today():
        raise Refused(_l("The payment date cannot be in the future."), "paid_on")
    _, _, end = period_dates(statement.period)
    if paid_on <= end:
        raise Refused(_l("The payment date must be after the period's last day (%(end)s).", end=_prose(end)),
                      "paid_on")
    if not voucher_no:
        raise Refused(_l("Give the payment voucher number."), "voucher_no")
    _guard(statement, (StatementStatus.approved,), lock_version, status=StatementStatus.paid, paid_on=paid_on,
           voucher_no=voucher_no, paid_by_id=actor.id)
    rollups.statement_paid(statement.id)  # the reports' monthly rollups, in this transaction
    record("subsidy_pay", statement, actor=actor, from_state=StatementStatus.approved, to_state=StatementStatus.paid,
           paid_on=paid_on.isoformat(), voucher_no=voucher_no)
    notices.paid(statement)


def reopen_statement(statement: SubsidyStatement, *, actor, reason: str, lock_version: int | None = None,
                     today: date | None = None) -> SubsidyStatement:
    """A frozen statement becomes ``superseded``; a new version (draft, recomputed now) takes
    its place. Finance only, with a reason. A paid statement is never reopened; a reviewed
    or approved one only while no frozen statement carries an adjustment for its period
    (SPEC §13). The bank's drafts lose their adjustments for the period, which is no longer
    frozen: its new version counts it afresh."""
    _require_finance(actor)
    reason = (reason or "").strip()
    if lock_version is not None and lock_version != statement.lock_version:
        raise ConcurrentChange(ALREADY_CHANGED)  # the page was read before someone else's change
    if statement.status not in FROZEN_STATUSES:
        raise Refused(_l("Only a reviewed, approved or paid statement is reopened; a draft is "
                         "simply recomputed."), status=409)
    if statement.status == StatementStatus.paid:
        raise Refused(_l("A paid statement is never reopened. A later change to its period is carried as an "
                         "adjustment by the bank's next statement."), status=409)
    carrier = adjustment_carrier(statement)
    if carrier is not None:
        raise Refused(_l("This statement cannot be reopened: the statement of %(period)s (version %(version)d), "
                         "already reviewed, approved or paid, carries adjustments for its period. Reopen that one "
                         "first, if it may be.", period=LazyString(period_name, carrier.period),
                         version=carrier.version), status=409)
    if not reason:
        raise Refused(_l("Give the reason for reopening the statement."), "reason")
    old_status, period, bank, version = statement.status, statement.period, statement.bank_code, statement.version
    _guard(statement, FROZEN_STATUSES, lock_version, status=StatementStatus.superseded)
    dropped = _drop_draft_adjustments(period, bank)
    record("subsidy_reopen", statement, actor=actor, from_state=old_status, to_state=StatementStatus.superseded,
           reason=reason, adjustments_dropped=dropped or None)
    new = SubsidyStatement(period=period, bank_code=bank, version=version + 1, status=StatementStatus.draft,
                           reopened_from_id=statement.id, reopen_reason=reason)
    db.session.add(new)
    db.session.flush()
    compute_period_subsidy(period, actor, today=today, bank_codes=[bank])
    return new


def _drop_draft_adjustments(period: str, bank: str) -> int:
    """Delete the adjustments for ``period`` carried by the bank's drafts and set their
    totals again; the number deleted. Each draft changes once (a guarded update)."""
    dropped = 0
    for draft in db.session.scalars(select(SubsidyStatement).where(
            SubsidyStatement.bank_code == bank, SubsidyStatement.status == StatementStatus.draft,
            SubsidyStatement.id.in_(select(SubsidyAdjustment.statement_id)
                                    .where(SubsidyAdjustment.original_period == period)))).all():
        gone = db.session.execute(
            select(func.count(SubsidyAdjustment.id), func.sum(SubsidyAdjustment.adjustment))
            .where(SubsidyAdjustment.statement_id == draft.id, SubsidyAdjustment.original_period == period)).one()
        count, amount = gone[0], gone[1] or Decimal("0.00")
        db.session.execute(delete(SubsidyAdjustment).where(SubsidyAdjustment.statement_id == draft.id,
                                                           SubsidyAdjustment.original_period == period))
        _guard(draft, (StatementStatus.draft,), adjustment_count=draft.adjustment_count - count,
               adjustments_total=draft.adjustments_total - amount, total=draft.total - amount)
        dropped += count
    return dropped


def _require_finance(actor) -> None:
    if actor.role != Role.finance:
        raise Refused(_l("Only finance staff may do this."), status=403)


def _check_status(statement: SubsidyStatement, expected: StatementStatus) -> None:
    """A statement no longer in ``expected`` was changed by someone else (or is frozen)."""
    if statement.status != expected:
        raise ConcurrentChange(ALREADY_CHANGED)


# --- a bank's own figures ---------------------------------------------------------------

def _decode(data: bytes) -> str:
    text = decode_text(data)
    if text is None:
        raise Refused(_l("The file is neither UTF-8 nor GB18030 text."), "file")
    return text


def parse_claim_csv(data: bytes) -> list[tuple[str, Decimal]]:
    """``loan_ref,subsidy`` rows, checked: the exact header, a loan ref on every row (once),
    amounts in yuan with at most two decimals and not negative."""
    if len(data) > MAX_CLAIM_BYTES:
        raise Refused(_l("The file is larger than 5 MB."), "file")
    if b"\x00" in data:
        raise Refused(_l("This is not a CSV text file."), "file")
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None or [h.strip().lower() for h in header] != CLAIM_HEADER:
            raise Refused(_l("The first row must be the header loan_ref,subsidy."), "file")
        rows, seen = [], set()
        for number, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != 2:
                raise Refused(_l("Row %(row)d: expected 2 columns, found %(n)d.", row=number, n=len(row)),
                                     "file")
            loan_ref, amount_text = row[0].strip(), row[1].strip()
            if not loan_ref or len(loan_ref) > 40:
                raise Refused(_l("Row %(row)d, loan_ref: missing or longer than 40 characters.",
                                        row=number), "file")
            if loan_ref in seen:
                raise Refused(_l("Row %(row)d, loan_ref: %(ref)s appears twice.", row=number, ref=loan_ref),
                                     "file")
            try:
                amount = parse_amount(amount_text)
            except (ValueError, TypeError):
                raise Refused(_l("Row %(row)d, subsidy: not an amount in yuan such as 1022.22 (at most two "
                                        "decimals, no thousands separators).", row=number), "file") from None
            if amount < 0:
                raise Refused(_l("Row %(row)d, subsidy: must not be negative.", row=number), "file")
            if amount > MAX_CLAIM_AMOUNT:
                raise Refused(_l("Row %(row)d, subsidy: more than %(max)s, which no loan earns in a "
                                        "period.", row=number, max=format_yuan(MAX_CLAIM_AMOUNT)), "file")
            seen.add(loan_ref)
            rows.append((loan_ref, amount))
            if len(rows) > MAX_CLAIM_ROWS:
                raise Refused(_l("The file has more than %(n)d rows.", n=MAX_CLAIM_ROWS), "file")
    except csv.Error as exc:
        raise Refused(_l("The file is not valid CSV: %(reason)s.", reason=str(exc)), "file") from None
    return rows


def upload_bank_claim(statement: SubsidyStatement, *, actor, filename: str, data: bytes) -> BankClaim:
    """Store a bank's own figures for the statement's period, for comparison only."""
    if actor.role != Role.bank or actor.bank_code != statement.bank_code:
        raise Refused(_l("Only a clerk of this bank may upload its figures."), status=403)
    rows = parse_claim_csv(data)
    claim = BankClaim(period=statement.period, bank_code=statement.bank_code,
                      filename=(filename or "claim.csv")[-200:], sha256=hashlib.sha256(data).hexdigest(),
                      total=sum((amount for _, amount in rows), Decimal("0.00")), uploaded_by_id=actor.id)
    db.session.add(claim)
    db.session.flush()
    if rows:
        db.session.execute(insert(BankClaimLine),
                           [{"claim_id": claim.id, "loan_ref": ref, "subsidy": amount} for ref, amount in rows])
    record("subsidy_claim_upload", claim, actor=actor, period=claim.period, bank=claim.bank_code, lines=len(rows),
           total=str(claim.total), sha256=claim.sha256)
    return claim
