"""Reads for the statement pages, exports and PDFs. Lists paginate in SQL; a bank sees
only its own statements and claims, anything else is a 404."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask import abort
from sqlalchemy import func, select

from ..audit.models import AuditEvent
from ..auth.models import User
from ..core.dates import period_of, quarter_period
from ..db import Page, db, paginate
from ..policy.models import Bank
from ..servicing import queries as servicing_queries
from ..servicing.models import Loan
from .models import (FROZEN_STATUSES, BankClaim, BankClaimLine, StatementStatus, SubsidyAdjustment, SubsidyLine,
                     SubsidyStatement)

PAGE_SIZE = 50


def _scoped(query, user, bank_column):
    if user.role == "bank":
        return query.where(bank_column == user.bank_code)
    return query


def statement_or_404(statement_id: int, user) -> SubsidyStatement:
    statement = db.session.scalar(_scoped(select(SubsidyStatement).where(SubsidyStatement.id == statement_id),
                                          user, SubsidyStatement.bank_code))
    if statement is None:
        abort(404)
    return statement


def claim_or_404(claim_id: int, user) -> BankClaim:
    claim = db.session.scalar(_scoped(select(BankClaim).where(BankClaim.id == claim_id), user, BankClaim.bank_code))
    if claim is None:
        abort(404)
    return claim


@dataclass(frozen=True)
class PeriodRow:
    period: str
    statements: int
    lines: int
    total: Decimal
    statuses: tuple[str, ...]


def periods_overview(user) -> list[PeriodRow]:
    """Every computed period (newest first) with its current statements' totals."""
    query = _scoped(select(SubsidyStatement.period, SubsidyStatement.status, func.count(SubsidyStatement.id),
                           func.sum(SubsidyStatement.line_count), func.sum(SubsidyStatement.total))
                    .where(SubsidyStatement.status != StatementStatus.superseded)
                    .group_by(SubsidyStatement.period, SubsidyStatement.status), user, SubsidyStatement.bank_code)
    by_period: dict[str, dict] = {}
    for period, status, count, lines, total in db.session.execute(query):
        row = by_period.setdefault(period, {"statements": 0, "lines": 0, "total": Decimal("0.00"), "statuses": set()})
        row["statements"] += count
        row["lines"] += int(lines or 0)
        row["total"] += total or Decimal("0.00")  # SUM keeps the Money type: yuan
        row["statuses"].add(status)
    return [PeriodRow(p, v["statements"], v["lines"], v["total"], tuple(sorted(v["statuses"])))
            for p, v in sorted(by_period.items(), reverse=True)]


def bank_data_received(user) -> list[tuple[Bank, date | None]]:
    """Per bank, the latest date of an event it sent by file or API (SPEC §12): finance
    sees whose data is complete for a period. None: nothing received that way yet."""
    from ..servicing.models import LoanEvent

    last = dict(db.session.execute(
        _scoped(select(Loan.bank_code, func.max(LoanEvent.event_on)).join(LoanEvent, LoanEvent.loan_id == Loan.id)
                .where(LoanEvent.source.in_(("file", "api"))).group_by(Loan.bank_code), user, Loan.bank_code)).all())
    banks = db.session.scalars(_scoped(select(Bank).order_by(Bank.code), user, Bank.code)).all()
    return [(bank, last.get(bank.code)) for bank in banks]


def ended_periods(first_day: date, today: date) -> list[str]:
    """Every subsidy period that has ended by ``today`` (its last day is before it), from
    the one holding ``first_day``, newest first; at least the last one ended."""
    periods, day = [], quarter_period(period_of(today))[0] - timedelta(days=1)
    while True:
        period = period_of(day)
        periods.append(period)
        start = quarter_period(period)[0]
        if start <= first_day:
            return periods
        day = start - timedelta(days=1)


@dataclass(frozen=True)
class ComputablePeriod:
    period: str
    start: date
    end: date
    computed: bool  # False: never computed; True: it has draft statements (or a bank without one)


def computable_periods(today: date) -> list[ComputablePeriod]:
    """The periods finance may compute (SPEC §7: only after their last day), newest first:
    from the one of the earliest first disbursement to the last one ended, leaving out
    those whose every bank has a frozen statement (computing would change nothing)."""
    first = db.session.scalar(select(func.min(Loan.first_disbursement_date))) or today
    banks = db.session.scalar(select(func.count(Bank.code)))
    frozen = dict(db.session.execute(
        select(SubsidyStatement.period, func.count(SubsidyStatement.id))
        .where(SubsidyStatement.status.in_(FROZEN_STATUSES)).group_by(SubsidyStatement.period)).all())
    computed = set(db.session.scalars(select(SubsidyStatement.period).distinct()))
    return [ComputablePeriod(period, *quarter_period(period), computed=period in computed)
            for period in ended_periods(first, today) if frozen.get(period, 0) < banks]


def statement_history(statement: SubsidyStatement) -> list[AuditEvent]:
    """What happened to every version of the statement (bank and period), oldest first:
    computed, reviewed (with the reviewer's comment), approved, paid, reopened."""
    ids = select(SubsidyStatement.id).where(SubsidyStatement.period == statement.period,
                                            SubsidyStatement.bank_code == statement.bank_code)
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == SubsidyStatement.__tablename__, AuditEvent.object_id.in_(ids))
        .order_by(AuditEvent.id)))


def period_statements(period: str, user) -> list[SubsidyStatement]:
    """Every version of every bank's statement of the period, current ones first per bank."""
    return list(db.session.scalars(_scoped(
        select(SubsidyStatement).where(SubsidyStatement.period == period)
        .order_by(SubsidyStatement.bank_code, SubsidyStatement.version.desc()), user, SubsidyStatement.bank_code)))


def _lines(statement: SubsidyStatement):
    return select(SubsidyLine).where(SubsidyLine.statement_id == statement.id).order_by(SubsidyLine.loan_ref)


def all_lines(statement: SubsidyStatement) -> list[SubsidyLine]:
    """The statement's lines by loan ref."""
    return list(db.session.scalars(_lines(statement)))


def lines_page(statement: SubsidyStatement, page: int | None) -> Page:
    """One page of the statement's lines by loan ref (the statement keeps their count)."""
    return paginate(_lines(statement), page, PAGE_SIZE, total=statement.line_count)


def policy_codes(statement: SubsidyStatement) -> list[str]:
    return list(db.session.scalars(select(SubsidyLine.policy_code).where(SubsidyLine.statement_id == statement.id)
                                   .distinct().order_by(SubsidyLine.policy_code)))


def user_names(*ids) -> dict[int, str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return {u.id: u.name or u.email or u.mobile or "" for u in db.session.scalars(select(User).where(User.id.in_(wanted)))}


def versions(statement: SubsidyStatement) -> list[SubsidyStatement]:
    return list(db.session.scalars(select(SubsidyStatement).where(
        SubsidyStatement.period == statement.period, SubsidyStatement.bank_code == statement.bank_code)
        .order_by(SubsidyStatement.version.desc())))


def claims_for(statement: SubsidyStatement) -> list[BankClaim]:
    return list(db.session.scalars(select(BankClaim).where(
        BankClaim.period == statement.period, BankClaim.bank_code == statement.bank_code)
        .order_by(BankClaim.uploaded_at.desc(), BankClaim.id.desc()).limit(20)))


def export_lines(period: str) -> list | None:
    """Rows (bank_code, loan_ref, contract_rate, lpr_rate, subsidy_rate, subsidised_days,
    balance_days, subsidy) of every current statement of the period, sorted by bank code
    then loan ref (in Python: database collations order text differently); None when the
    period was never computed. Plain column rows, not ORM lines: a period of 100,000 loans
    stays a few tens of MB."""
    if not _ever_computed(period):
        return None
    rows = db.session.execute(
        select(SubsidyStatement.bank_code, SubsidyLine.loan_ref, SubsidyLine.contract_rate, SubsidyLine.lpr_rate,
               SubsidyLine.subsidy_rate, SubsidyLine.subsidised_days, SubsidyLine.balance_days, SubsidyLine.subsidy)
        .join(SubsidyLine.statement)
        .where(SubsidyStatement.period == period, SubsidyStatement.status != StatementStatus.superseded)).all()
    return sorted(rows, key=lambda r: (r.bank_code, r.loan_ref))


def _ever_computed(period: str) -> bool:
    return bool(db.session.scalar(select(func.count(SubsidyStatement.id)).where(SubsidyStatement.period == period)))


def export_adjustments(period: str) -> list | None:
    """Rows (bank_code, loan_ref, original_period, frozen_subsidy, recomputed_subsidy,
    adjustment) carried by the period's current statements (SPEC §13), sorted by bank
    code, loan ref and original period; None when the period was never computed."""
    if not _ever_computed(period):
        return None
    rows = db.session.execute(
        select(SubsidyStatement.bank_code, SubsidyAdjustment.loan_ref, SubsidyAdjustment.original_period,
               SubsidyAdjustment.frozen_subsidy, SubsidyAdjustment.recomputed_subsidy, SubsidyAdjustment.adjustment)
        .join(SubsidyAdjustment.statement)
        .where(SubsidyStatement.period == period, SubsidyStatement.status != StatementStatus.superseded)).all()
    return sorted(rows, key=lambda r: (r.bank_code, r.loan_ref, r.original_period))


def adjustment_carrier(statement: SubsidyStatement) -> SubsidyStatement | None:
    """The bank's earliest frozen statement that carries an adjustment for the statement's
    period: while there is one, the statement may not be reopened (SPEC §13)."""
    return db.session.scalar(
        select(SubsidyStatement).where(
            SubsidyStatement.bank_code == statement.bank_code, SubsidyStatement.status.in_(FROZEN_STATUSES),
            SubsidyStatement.id.in_(select(SubsidyAdjustment.statement_id)
                                    .where(SubsidyAdjustment.original_period == statement.period)))
        .order_by(SubsidyStatement.period).limit(1))


def all_adjustments(statement: SubsidyStatement) -> list[SubsidyAdjustment]:
    """The statement's adjustments by loan ref and original period."""
    return list(db.session.scalars(select(SubsidyAdjustment).where(SubsidyAdjustment.statement_id == statement.id)
                                   .order_by(SubsidyAdjustment.loan_ref, SubsidyAdjustment.original_period)))


@dataclass(frozen=True)
class Difference:
    loan_ref: str
    ours: Decimal | None
    theirs: Decimal | None

    @property
    def kind(self) -> str:
        if self.ours is None:
            return "not_in_statement"
        if self.theirs is None:
            return "not_in_claim"
        return "amount"

    @property
    def delta(self) -> Decimal:
        return (self.theirs or Decimal("0.00")) - (self.ours or Decimal("0.00"))


@dataclass
class Comparison:
    statement: SubsidyStatement | None
    matching: int
    differences: list[Difference]
    ours_total: Decimal
    theirs_total: Decimal


def compare(claim: BankClaim) -> Comparison:
    """The bank's figures against the current statement of its period, line by line."""
    statement = db.session.scalar(select(SubsidyStatement).where(
        SubsidyStatement.period == claim.period, SubsidyStatement.bank_code == claim.bank_code,
        SubsidyStatement.status != StatementStatus.superseded).order_by(SubsidyStatement.version.desc()).limit(1))
    ours = {} if statement is None else dict(db.session.execute(
        select(SubsidyLine.loan_ref, SubsidyLine.subsidy).where(SubsidyLine.statement_id == statement.id)).all())
    theirs = dict(db.session.execute(select(BankClaimLine.loan_ref, BankClaimLine.subsidy)
                                     .where(BankClaimLine.claim_id == claim.id)).all())
    differences, matching = [], 0
    for ref in sorted(set(ours) | set(theirs)):
        a, b = ours.get(ref), theirs.get(ref)
        if a is not None and b is not None and a == b:
            matching += 1
        else:
            differences.append(Difference(ref, a, b))
    return Comparison(statement, matching, differences, sum(ours.values(), Decimal("0.00")),
                      sum(theirs.values(), Decimal("0.00")))


@dataclass(frozen=True)
class HistoryEntry:
    """One row of a loan's subsidy history: its line in a statement, or an adjustment that
    statement carries for an earlier period (``original_period``; SPEC §13)."""

    statement: SubsidyStatement
    subsidy: Decimal
    subsidy_rate: Decimal | None = None
    subsidised_days: int | None = None
    original_period: str | None = None


@servicing_queries.loan_subsidy_history.provide
def loan_subsidy_history(loan_id: int) -> list[HistoryEntry]:
    """The loan's line in each period's current statement (superseded versions left out),
    and the adjustments current statements carry for it, newest period first: what the
    loan earned, what was corrected later, and whether it was paid."""
    current = SubsidyStatement.status != StatementStatus.superseded
    entries = [HistoryEntry(statement, line.subsidy, line.subsidy_rate, line.subsidised_days)
               for statement, line in db.session.execute(
                   select(SubsidyStatement, SubsidyLine).join(SubsidyLine, SubsidyLine.statement_id == SubsidyStatement.id)
                   .where(SubsidyLine.loan_id == loan_id, current))]
    entries += [HistoryEntry(statement, adjustment.adjustment, original_period=adjustment.original_period)
                for statement, adjustment in db.session.execute(
                    select(SubsidyStatement, SubsidyAdjustment)
                    .join(SubsidyAdjustment, SubsidyAdjustment.statement_id == SubsidyStatement.id)
                    .where(SubsidyAdjustment.loan_id == loan_id, current))]
    # newest period first; in a period, its own line, then what it corrects, newest first
    return sorted(entries, key=lambda e: (e.statement.period, e.original_period is None, e.original_period or ""),
                  reverse=True)
