"""The interest subsidy of one loan over one period (SPEC §7), exact to the fen.

Pure: a loan's facts and its policy version in, Decimal figures out. The balance is a
step function of the day, so the sums run over the days between changes (a few per
period) instead of over every day; ``tests/core/test_subsidy.py`` checks the two agree.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from .dates import add_months
from .money import round_fen
from .policy import PolicyParams, max_amount, max_term, policy_in_force, subsidy_rate

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class LoanFacts:
    """What the subsidy depends on. Amounts in yuan, rates in percent per year.

    ``overdue`` intervals are (start, end) with ``end`` exclusive — the first day no
    longer overdue — or ``None`` while still overdue."""

    loan_type: str
    contract_rate: Decimal
    lpr0: Decimal
    cap_class: str
    maturity_date: date
    partners: int = 1
    disbursements: tuple[tuple[date, Decimal], ...] = ()
    repayments: tuple[tuple[date, Decimal], ...] = ()
    overdue: tuple[tuple[date, date | None], ...] = field(default=())

    @property
    def first_disbursement_date(self) -> date | None:
        return min((on for on, _ in self.disbursements), default=None)


@dataclass(frozen=True)
class PeriodSubsidy:
    """One loan's figures for one period (one statement line).

    ``balance_days``: Σ over subsidised days of the subsidised balance (yuan·days);
    ``subsidy`` = round_half_up(balance_days × subsidy_rate ÷ 100 ÷ basis);
    ``interest``: the borrower's interest at the contract rate over every day with a
    balance, rounded the same way, for reconciliation with the bank."""

    policy_code: str
    subsidy_rate: Decimal
    subsidised_days: int
    balance_days: Decimal
    subsidy: Decimal
    interest_days: int
    interest_balance_days: Decimal
    interest: Decimal


def balance_on(loan: LoanFacts, day: date) -> Decimal:
    """Disbursements dated ≤ day minus principal repaid dated ≤ day (算头不算尾)."""
    out = sum((amount for on, amount in loan.disbursements if on <= day), Decimal(0))
    back = sum((amount for on, amount in loan.repayments if on <= day), Decimal(0))
    return out - back


def is_overdue_on(loan: LoanFacts, day: date) -> bool:
    return any(start <= day and (end is None or day < end) for start, end in loan.overdue)


def subsidy_end(policy: PolicyParams, loan: LoanFacts) -> date | None:
    """The first day that earns no subsidy: the earlier of the maturity date and the first
    disbursement plus the version's max term (same day of the month, else its last day)."""
    first = loan.first_disbursement_date
    if first is None:
        return None
    return min(loan.maturity_date, add_months(first, max_term(policy, loan.loan_type)))


def loan_policy(policies, loan: LoanFacts) -> PolicyParams | None:
    """The version in force on the loan's first disbursement date (SPEC §5)."""
    first = loan.first_disbursement_date
    return None if first is None else policy_in_force(policies, first)


def _change_days(loan: LoanFacts, start: date, stop: date, end_of_subsidy: date) -> list[date]:
    """Sorted days in [start, stop) on which the balance, the overdue state or the
    subsidy entitlement may change, with ``start`` first."""
    days = {start, end_of_subsidy}
    days.update(on for on, _ in loan.disbursements)
    days.update(on for on, _ in loan.repayments)
    for begin, end in loan.overdue:
        days.add(begin)
        if end is not None:
            days.add(end)
    return sorted(d for d in days if start <= d < stop)


def period_subsidy(policy: PolicyParams, loan: LoanFacts, start: date, end: date) -> PeriodSubsidy:
    """The loan's subsidy for the days ``start`` … ``end`` inclusive under ``policy``
    (the version in force on its first disbursement date)."""
    rate = subsidy_rate(policy, loan.loan_type, loan.contract_rate, loan.lpr0, loan.cap_class)
    cap = max_amount(policy, loan.loan_type, loan.partners)
    stop = end + ONE_DAY
    end_of_subsidy = subsidy_end(policy, loan) or start
    subsidised_days = interest_days = 0
    balance_days = interest_balance_days = Decimal(0)
    points = _change_days(loan, start, stop, end_of_subsidy)
    for here, after in zip(points, points[1:] + [stop]):
        balance = balance_on(loan, here)
        if balance <= 0:
            continue
        days = (after - here).days
        interest_days += days
        interest_balance_days += balance * days
        if here < end_of_subsidy and not is_overdue_on(loan, here):
            subsidised_days += days
            balance_days += min(balance, cap) * days
    basis = Decimal(policy.day_basis)
    return PeriodSubsidy(
        policy_code=policy.code,
        subsidy_rate=rate,
        subsidised_days=subsidised_days,
        balance_days=balance_days,
        subsidy=round_fen(balance_days * rate / 100 / basis),
        interest_days=interest_days,
        interest_balance_days=interest_balance_days,
        interest=round_fen(interest_balance_days * loan.contract_rate / 100 / basis),
    )
