"""One loan's figures month by month, for the monthly rollups (SPEC §8, §13).

A report or the fund page asks for sums over loans of per-loan figures on a date: the
principal outstanding (at least 0 per loan), the overdue principal, the fund's guaranteed
outstanding and overdue (contracted by then, not compensated). Each is a step function of
the date that moves only on the loan's event dates and its contract date; so per loan the
change of each from one month's end to the next is exact, and summing those changes over
loans and over the months up to a month's end gives the figure on that day — without
reading the events again. Flows (disbursed, repaid) are plain sums by the event's month.

Pure: plain dates, kinds and integer fen in, integer fen out.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from datetime import date

from .dates import add_months

# the rollup's figures, in this order everywhere (integers; amounts in fen)
FIELDS = ("disbursed_fen", "repaid_fen",  # flows, by the event's month
          "outstanding_fen", "overdue_fen", "guaranteed_fen", "guaranteed_overdue_fen",  # changes of positions
          "loans_issued", "partners", "jobs_declared", "jobs_verified",  # by the first disbursement's month
          "matured_disbursed_fen", "matured_repaid_fen",  # by the latest maturity's month
          "subsidy_paid_fen")  # its lines and adjustments on statements paid, by the payment's month
FLOWS = 2
POSITIONS = slice(2, 6)
ISSUED = slice(6, 10)
MATURED = slice(10, 12)
SUBSIDY = 12


@dataclass(frozen=True)
class Event:
    on: date
    kind: str
    fen: int = 0


@dataclass(frozen=True)
class LoanFacts:
    """What places a loan's figures in time besides its events: the contract date (the
    fund's guarantee starts), the first disbursement (loans issued, SPEC §8), the latest
    maturity (the repayment rate at maturity, §13), and the issued figures: partners, jobs
    declared and jobs verified at the latest follow-up visit; the subsidy paid for it."""

    contract_date: date | None = None
    first_disbursement: date | None = None
    maturity: date | None = None
    partners: int = 0
    jobs_declared: int = 0
    jobs_verified: int = 0
    subsidy_paid: tuple[tuple[date, int], ...] = ()  # (statement paid on, Σ its lines and adjustments of the loan)


@lru_cache(maxsize=8192)  # a few thousand distinct days; called for every event
def month_of(d: date) -> date:
    return d.replace(day=1)


@lru_cache(maxsize=2048)
def month_end(month: date) -> date:
    return date.fromordinal(add_months(month_of(month), 1).toordinal() - 1)


def position(events: Iterable[Event], contract_date: date | None, d: date) -> tuple[int, int, int, int]:
    """(outstanding, overdue, guaranteed, guaranteed overdue) of one loan on ``d``, over its
    events dated on or before ``d``.

    The report's balance is disbursements − repayments − compensation, counted when
    positive; overdue when more ``overdue_start`` than ``overdue_end`` are dated ≤ d (an
    end is exclusive). The fund's guaranteed balance is disbursements − repayments of a
    loan contracted on or before ``d`` with no compensation by then, counted when positive."""
    disbursed = repaid = compensated_fen = compensations = open_overdue = 0
    seen = False
    for event in events:
        if event.on > d:
            continue
        seen = True
        if event.kind == "disbursement":
            disbursed += event.fen
        elif event.kind == "repayment":
            repaid += event.fen
        elif event.kind == "compensation":
            compensated_fen += event.fen
            compensations += 1
        elif event.kind == "overdue_start":
            open_overdue += 1
        elif event.kind == "overdue_end":
            open_overdue -= 1
    if not seen:
        return 0, 0, 0, 0
    balance = disbursed - repaid - compensated_fen
    outstanding = balance if balance > 0 else 0
    overdue = outstanding if open_overdue > 0 else 0
    fund_balance = disbursed - repaid
    contracted = contract_date is not None and contract_date <= d
    guaranteed = fund_balance if contracted and fund_balance > 0 and compensations == 0 else 0
    return outstanding, overdue, guaranteed, guaranteed if open_overdue > 0 else 0


def month_deltas(events: list[Event], facts: LoanFacts) -> dict[date, list[int]]:
    """{first day of a month: [figures in FIELDS order]} of one loan: the month's flows,
    the change of each position from the previous month's end to this one's, the loan
    itself in its first disbursement's month and its disbursed and repaid-by-maturity
    principal in its latest maturity's month. Months where nothing changes are left out."""
    result: dict[date, list[int]] = {}

    def row(month: date) -> list[int]:
        return result.setdefault(month, [0] * len(FIELDS))

    disbursed = repaid_by_maturity = 0
    for event in events:
        if event.kind == "disbursement":
            row(month_of(event.on))[0] += event.fen
            disbursed += event.fen
        elif event.kind == "repayment":
            row(month_of(event.on))[1] += event.fen
            if facts.maturity is not None and event.on <= facts.maturity:
                repaid_by_maturity += event.fen
    if facts.first_disbursement is not None:
        row(month_of(facts.first_disbursement))[ISSUED] = [1, facts.partners, facts.jobs_declared, facts.jobs_verified]
    if facts.maturity is not None and events:
        row(month_of(facts.maturity))[MATURED] = [disbursed, repaid_by_maturity]
    for paid_on, fen in facts.subsidy_paid:
        row(month_of(paid_on))[SUBSIDY] += fen
    months = {month_of(e.on) for e in events}
    if events and facts.contract_date is not None:
        months.add(month_of(facts.contract_date))
    previous = (0, 0, 0, 0)
    for month in sorted(months):
        now = position(events, facts.contract_date, month_end(month))
        change = [a - b for a, b in zip(now, previous)]
        if any(change):
            target = row(month)
            target[POSITIONS] = [a + b for a, b in zip(target[POSITIONS], change)]
        previous = now
    return {month: values for month, values in result.items() if any(values)}


def change_between(events: list[Event], contract_date: date | None, before: date, d: date) -> tuple[int, ...]:
    """Each position's change from ``before`` to ``d`` (a month's partial days)."""
    return tuple(a - b for a, b in zip(position(events, contract_date, d), position(events, contract_date, before)))
