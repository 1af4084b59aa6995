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


# --- the same sums in integers, for a whole period's loans at once -----------------------
#
# ``compute_period_subsidy`` reads 100,000 loans per period; building ``LoanFacts`` and
# summing Decimals per loan costs more than the reading. These take what the database
# holds — days as ordinals (``date.toordinal()``), amounts as integer fen — and give the
# figures of ``period_subsidy`` exactly: integer sums, then one half-up rounding of an
# exact fraction (tests/core/test_core_subsidy_fen.py checks the two agree).

def rate_fraction(rate: Decimal) -> tuple[int, int]:
    """A percent rate as the exact fraction (numerator, denominator) of rate ÷ 100."""
    numerator, denominator = Decimal(rate).as_integer_ratio()
    return numerator, denominator * 100


def round_half_up_fen(numerator: int, denominator: int) -> int:
    """numerator ÷ denominator (fen, exact) rounded half-up (away from zero) to a whole fen."""
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    if numerator < 0:
        return -((-2 * numerator + denominator) // (2 * denominator))
    return (2 * numerator + denominator) // (2 * denominator)


def amount_for(balance_days_fen: int, rate: tuple[int, int], basis: int) -> int:
    """round_half_up(balance-days × rate ÷ 100 ÷ basis) in fen, from balance-days in fen·days."""
    return round_half_up_fen(balance_days_fen * rate[0], rate[1] * basis)


def overdue_on(overdue, day: int) -> bool:
    return any(begin <= day and (end is None or day < end) for begin, end in overdue)


def period_sums_fen(start: int, stop: int, end_of_subsidy: int, cap: int, flows, overdue=()
                    ) -> tuple[int, int, int, int]:
    """(subsidised days, subsidised balance-days, days with a balance, balance-days) over
    the days ``start`` … ``stop − 1`` (ordinals), as ``period_subsidy`` counts them:
    ``flows`` are (day, fen) with disbursements positive and repayments negative, in any
    order; ``overdue`` (start, end-exclusive or None) in day ordinals; ``cap`` in fen."""
    balance = 0
    inside = []
    for day, amount in flows:
        if day <= start:
            balance += amount
        elif day < stop:
            inside.append((day, amount))
    if not inside and not overdue and not start < end_of_subsidy < stop:
        # the common case: one balance over the whole period
        if balance <= 0:
            return 0, 0, 0, 0
        days = stop - start
        if start < end_of_subsidy:
            return days, min(balance, cap) * days, days, balance * days
        return 0, 0, days, balance * days
    points = {start, end_of_subsidy}
    points.update(day for day, _ in inside)
    for begin, end in overdue:
        points.add(begin)
        if end is not None:
            points.add(end)
    points = sorted(day for day in points if start <= day < stop)
    inside.sort()
    subsidised_days = balance_days = interest_days = interest_balance_days = 0
    i, n = 0, len(inside)
    for here, after in zip(points, points[1:] + [stop]):
        while i < n and inside[i][0] <= here:
            balance += inside[i][1]
            i += 1
        if balance <= 0:
            continue
        days = after - here
        interest_days += days
        interest_balance_days += balance * days
        if here < end_of_subsidy and not (overdue and overdue_on(overdue, here)):
            subsidised_days += days
            balance_days += min(balance, cap) * days
    return subsidised_days, balance_days, interest_days, interest_balance_days
