"""The guarantee fund's figures (SPEC §13), summed in SQL for any date.

A handful of aggregate queries, each grouped by bank and district so one call serves the
city, a bank and a district: the fund's balance (signed movements), the guaranteed
outstanding and the overdue principal (per-loan sums of events, then summed), the claims
paid and the principal repaid in a claims window. Python only adds up those few rows and
hands the figures to ``core.fund``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import BigInteger, case, func, literal, select, type_coerce

from ..core import fund as rules
from ..core.dates import add_months
from ..core.money import from_fen
from ..db import db
from ..policy.queries import policy_on
from ..core.rollups import month_end as rules_month_end
from ..servicing import rollups
from ..servicing.models import Loan, LoanEvent
from .models import ApprovalOverride, BankPause, BankRate, CompensationClaim, FundMovement, Recovery, WriteOff

ZERO = Decimal("0.00")
APPROVED = "approved"
CONTRACTED = "contracted"


def _fen(column):
    """A Money column as its raw integer fen, so SQL sums stay exact integers."""
    return type_coerce(column, BigInteger)


def _yuan(value) -> Decimal:
    return from_fen(0 if value is None else int(value))  # PostgreSQL sums bigint as numeric


def _sum(expression):
    return func.coalesce(func.sum(expression), literal(0))


# --- the balance -----------------------------------------------------------------------------

def _signed_fen():
    amount = _fen(FundMovement.amount)
    return case(*((FundMovement.kind == kind.value, amount * sign) for kind, sign in rules.MOVEMENT_SIGN.items()),
                else_=0)


def fund_balance(d: date, bank: str | None = None, district: str | None = None) -> Decimal:
    """Σ signed movements dated on or before ``d``; with a bank or district, only theirs."""
    query = select(_sum(_signed_fen())).where(FundMovement.moved_on <= d)
    if bank:
        query = query.where(FundMovement.bank_code == bank)
    if district:
        query = query.where(FundMovement.district_code == district)
    return _yuan(db.session.scalar(query))


def balances_by(d: date, column: str) -> dict[str, Decimal]:
    """The movements on or before ``d`` that name a bank (``column="bank_code"``) or a
    district (``"district_code"``), summed per code."""
    key = getattr(FundMovement, column)
    rows = db.session.execute(select(key, _sum(_signed_fen())).where(FundMovement.moved_on <= d, key.is_not(None))
                              .group_by(key)).all()
    return {code: _yuan(fen) for code, fen in rows}


# --- loans on a date ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Exposure:
    """Principal outstanding (guaranteed) and overdue of some loans on a date."""

    outstanding: Decimal = ZERO
    overdue: Decimal = ZERO


def _exposure_rows(d: date):
    """(bank, district, outstanding fen, overdue fen) on ``d``, over loans contracted on or
    before it and not compensated by then. Per loan: disbursements − repayments dated ≤ d;
    overdue while more ``overdue_start`` than ``overdue_end`` are dated ≤ d (an end is
    exclusive: a loan whose overdue ends on d is no longer overdue on d). Read from the
    monthly rollups (``servicing.rollups``), not from every event; groups with nothing
    guaranteed on ``d`` are left out."""
    return [(bank, district, guaranteed, overdue)
            for (bank, district), (_out, _over, guaranteed, overdue)
            in rollups.positions(d, ("bank_code", "district_code")).items() if guaranteed or overdue]


def exposures(d: date) -> dict[tuple[str, str], Exposure]:
    """{(bank, district): Exposure} on ``d``."""
    return {(bank, district): Exposure(_yuan(out), _yuan(over)) for bank, district, out, over in _exposure_rows(d)}


def guaranteed_outstanding(d: date) -> Decimal:
    """The principal outstanding on ``d`` of loans contracted, active, extended or overdue on it."""
    return sum((exposure.outstanding for exposure in exposures(d).values()), ZERO)


def leverage(d: date) -> Decimal | None:
    """Guaranteed outstanding ÷ fund balance on ``d``; None when the balance is not positive."""
    return rules.ratio(guaranteed_outstanding(d), fund_balance(d))


# --- the limit ---------------------------------------------------------------------------------

def repayment_rate_at_maturity(year: int) -> Decimal | None:
    """Principal repaid on or before the latest maturity ÷ principal disbursed, over loans
    whose latest maturity (after any extension) falls in ``year``; None with no such loans.
    The monthly rollups hold both sums by the maturity's month."""
    (repaid, disbursed), = rollups.month_sums(date(year, 1, 1), date(year, 12, 31), (), None,
                                              ("matured_repaid_fen", "matured_disbursed_fen")).values() or [[0, 0]]
    return rules.ratio(_yuan(repaid), _yuan(disbursed))


def fund_params(on: date) -> rules.FundParams:
    """The fund's parameters of the policy version in force on ``on`` (seed values without one)."""
    policy = policy_on(on)
    return rules.fund_params_of(policy) if policy is not None else rules.SEED_FUND_PARAMS


_READ = object()


def leverage_limit(year: int, repayment_rate: Decimal | None | object = _READ) -> Decimal:
    """Year Y's limit: from Y−1's repayment rate at maturity (read here unless the caller
    already has it), with the version in force on 1 January of Y."""
    if repayment_rate is _READ:
        repayment_rate = repayment_rate_at_maturity(year - 1)
    return rules.leverage_limit(repayment_rate, fund_params(date(year, 1, 1)))


def undrawn_approvals() -> Decimal:
    """Σ (approved amount − disbursed) of approved cases and of contracted loans."""
    from ..applications.models import LoanApplication

    approved = db.session.scalar(select(_sum(_fen(LoanApplication.approved_amount)))
                                 .where(LoanApplication.status == APPROVED))
    disbursed = (select(_sum(_fen(LoanEvent.amount))).where(LoanEvent.loan_id == Loan.id,
                                                            LoanEvent.kind == "disbursement")
                 .correlate(Loan).scalar_subquery())
    contracted = db.session.scalar(select(_sum(_fen(Loan.amount) - disbursed)).where(Loan.status == CONTRACTED))
    return _yuan(approved) + _yuan(contracted)


@dataclass(frozen=True)
class FundPosition:
    on: date
    balance: Decimal
    guaranteed_outstanding: Decimal
    undrawn: Decimal
    leverage: Decimal | None
    limit: Decimal

    @property
    def near_limit(self) -> bool:
        return rules.leverage_notice(self.leverage, self.limit, fund_params(self.on))


def fund_position(today: date) -> FundPosition:
    """What the approval check needs, and the fund page's headline."""
    balance, outstanding = fund_balance(today), guaranteed_outstanding(today)
    return FundPosition(on=today, balance=balance, guaranteed_outstanding=outstanding,
                        undrawn=undrawn_approvals(), leverage=rules.ratio(outstanding, balance),
                        limit=leverage_limit(today.year))


# --- per-bank and per-district rates -----------------------------------------------------------

@dataclass
class RateFigures:
    """The figures of an overdue rate and a claims rate, for a bank or a district."""

    overdue_principal: Decimal = ZERO
    outstanding_principal: Decimal = ZERO
    claims_paid_principal: Decimal = ZERO
    guarantee_ended_principal: Decimal = ZERO

    def rates(self, params: rules.FundParams = rules.SEED_FUND_PARAMS) -> rules.BankRates:
        return rules.bank_rates(overdue_principal=self.overdue_principal,
                                outstanding_principal=self.outstanding_principal,
                                claims_paid_principal=self.claims_paid_principal,
                                guarantee_ended_principal=self.guarantee_ended_principal, params=params)


def _claims_rows(start: date, end: date):
    """(bank, district, Σ principal) of claims paid from ``start`` to ``end`` inclusive."""
    c = CompensationClaim
    return db.session.execute(
        select(c.bank_code, c.district_code, _sum(_fen(c.principal)))
        .where(c.status == rules.ClaimStatus.paid.value, c.paid_on.between(start, end))
        .group_by(c.bank_code, c.district_code)).all()


def _repaid_rows(start: date, end: date):
    """(bank, district, Σ principal) of repayments dated from ``start`` to ``end`` inclusive
    (whole months from the rollups, the partial ones from the events)."""
    return [(bank, district, repaid) for (bank, district), (_disbursed, repaid)
            in rollups.flows(start, end, ("bank_code", "district_code")).items()]


def rate_groups(d: date) -> tuple[dict[str, RateFigures], dict[str, RateFigures]]:
    """({bank: RateFigures}, {district: RateFigures}) on ``d``, from one pass of each
    query: overdue and outstanding principal on ``d``; claims paid and guarantees ended
    (repaid + claims paid) in ``core.fund.claims_window(d)``. Groups with no figure at all
    are left out."""
    by_bank: dict[str, RateFigures] = {}
    by_district: dict[str, RateFigures] = {}

    def both(bank, district):
        return by_bank.setdefault(bank, RateFigures()), by_district.setdefault(district, RateFigures())

    for (bank, district), exposure in exposures(d).items():
        for f in both(bank, district):
            f.outstanding_principal += exposure.outstanding
            f.overdue_principal += exposure.overdue
    start, end = rules.claims_window(d)
    for bank, district, fen in _claims_rows(start, end):
        for f in both(bank, district):
            f.claims_paid_principal += _yuan(fen)
            f.guarantee_ended_principal += _yuan(fen)
    for bank, district, fen in _repaid_rows(start, end):
        for f in both(bank, district):
            f.guarantee_ended_principal += _yuan(fen)
    return by_bank, by_district


def rate_figures(d: date, by: str = "bank") -> dict[str, RateFigures]:
    """{bank code (``by="bank"``) or district code: RateFigures} on ``d`` (``rate_groups``)."""
    by_bank, by_district = rate_groups(d)
    return by_bank if by == "bank" else by_district


def open_pauses() -> list[BankPause]:
    return list(db.session.scalars(select(BankPause).where(BankPause.lifted_on.is_(None))
                                   .order_by(BankPause.paused_on, BankPause.bank_code)))


def paused_bank_codes(on: date | None = None) -> set[str]:
    """Banks whose new approvals are paused on ``on`` (today's open pauses without a date)."""
    query = select(BankPause.bank_code).where(BankPause.lifted_on.is_(None))
    if on is not None:
        query = select(BankPause.bank_code).where(
            BankPause.paused_on <= on, (BankPause.lifted_on.is_(None)) | (BankPause.lifted_on > on))
    return set(db.session.scalars(query))


def latest_rates(bank: str | None = None, on: date | None = None) -> list[BankRate]:
    """Each bank's most recent stored rates (on or before ``on``), newest first per bank."""
    query = select(BankRate).order_by(BankRate.bank_code, BankRate.as_of.desc())
    if bank:
        query = query.where(BankRate.bank_code == bank)
    if on is not None:
        query = query.where(BankRate.as_of <= on)
    latest: dict[str, BankRate] = {}
    for rate in db.session.scalars(query):
        latest.setdefault(rate.bank_code, rate)
    return list(latest.values())


def recent_movements(limit: int = 20, on: date | None = None) -> list[FundMovement]:
    query = select(FundMovement).order_by(FundMovement.moved_on.desc(), FundMovement.id.desc()).limit(limit)
    if on is not None:
        query = query.where(FundMovement.moved_on <= on)
    return list(db.session.scalars(query))


def recent_overrides(limit: int = 20) -> list[ApprovalOverride]:
    """City-wide supervisors' approvals over the fund check, newest first."""
    return list(db.session.scalars(select(ApprovalOverride)
                                   .order_by(ApprovalOverride.created_at.desc(), ApprovalOverride.id.desc())
                                   .limit(limit)))


# --- totals over a range (the reports) ---------------------------------------------------------

def claims_paid(start: date, end: date) -> Decimal:
    """Σ totals of claims paid with ``paid_on`` in the range."""
    c = CompensationClaim
    return _yuan(db.session.scalar(select(_sum(_fen(c.total))).where(
        c.status == rules.ClaimStatus.paid.value, c.paid_on.between(start, end))))


def recoveries(start: date, end: date) -> Decimal:
    return _yuan(db.session.scalar(select(_sum(_fen(Recovery.amount))).where(
        Recovery.recovered_on.between(start, end))))


def write_offs(start: date, end: date) -> Decimal:
    return _yuan(db.session.scalar(select(_sum(_fen(WriteOff.amount))).where(
        WriteOff.status == APPROVED, WriteOff.decided_on.between(start, end))))


# --- monthly series (charts) -------------------------------------------------------------------

@dataclass(frozen=True)
class MonthPoint:
    year: int
    month: int
    on: date  # the month's last day (or the series' end)
    balance: Decimal
    guaranteed_outstanding: Decimal
    leverage: Decimal | None
    claims_paid: Decimal
    recoveries: Decimal


def month_ends(start: date, end: date) -> list[date]:
    """The last day of each month from ``start``'s to ``end``'s; the last one is ``end`` itself."""
    days, month = [], start.replace(day=1)
    while month <= end:
        last = add_months(month, 1) - rules.ONE_DAY
        days.append(min(last, end))
        month = add_months(month, 1)
    return days


def _by_month(column, amount, *conditions) -> dict[tuple[int, int], int]:
    """{(year, month): Σ amount} over rows matching ``conditions``, grouped by ``column``'s month."""
    year, month = func.extract("year", column), func.extract("month", column)
    return {(int(y), int(m)): int(fen or 0) for y, m, fen in db.session.execute(
        select(year, month, _sum(amount)).where(*conditions).group_by(year, month))}


def _running(by_month: dict[tuple[int, int], int], days: list[date]) -> list[int]:
    """The running total of ``by_month`` at each of ``days``' months (each month's all)."""
    totals, running, months = [], 0, sorted(by_month)
    i = 0
    for day in days:
        while i < len(months) and months[i] <= (day.year, day.month):
            running += by_month[months[i]]
            i += 1
        totals.append(running)
    return totals


def monthly_series(start: date, end: date) -> list[MonthPoint]:
    """Month-end balance, guaranteed outstanding and leverage, and the month's claims paid
    and recoveries, from ``start``'s month to ``end``'s (the last point on ``end``): a query
    per figure, grouped by month — the guaranteed outstanding from the monthly rollups'
    changes, the last point's partial month from the events."""
    days = month_ends(start, end)
    if not days:
        return []
    first = days[0].replace(day=1)
    balances = _running(_by_month(FundMovement.moved_on, _signed_fen(), FundMovement.moved_on <= end), days)
    changes = {key: sums[0] for key, sums in rollups.month_sums(date(1, 1, 1), end, (), None, ("guaranteed_fen",),
                                                                  by_month=True).items()}
    outstanding = [_yuan(fen) for fen in _running(changes, days)]
    if days[-1] != rules_month_end(days[-1]):
        outstanding[-1] = guaranteed_outstanding(days[-1])
    c = CompensationClaim
    claims = _by_month(c.paid_on, _fen(c.total), c.status == rules.ClaimStatus.paid.value, c.paid_on.between(first, end))
    recovered = _by_month(Recovery.recovered_on, _fen(Recovery.amount), Recovery.recovered_on.between(first, end))
    points = []
    for day, fen, out in zip(days, balances, outstanding):
        balance, key = _yuan(fen), (day.year, day.month)
        points.append(MonthPoint(day.year, day.month, day, balance, out, rules.ratio(out, balance),
                                 _yuan(claims.get(key)), _yuan(recovered.get(key))))
    return points


@dataclass
class Overview:
    """Everything the fund page shows as at ``on``."""

    on: date
    position: FundPosition
    repayment_rate: Decimal | None
    by_bank: dict[str, RateFigures] = field(default_factory=dict)
    by_district: dict[str, RateFigures] = field(default_factory=dict)
    bank_balances: dict[str, Decimal] = field(default_factory=dict)
    district_balances: dict[str, Decimal] = field(default_factory=dict)
    params: rules.FundParams = rules.SEED_FUND_PARAMS


def overview(on: date) -> Overview:
    by_bank, by_district = rate_groups(on)
    balance = fund_balance(on)
    outstanding = sum((f.outstanding_principal for f in by_bank.values()), ZERO)
    position = FundPosition(on=on, balance=balance, guaranteed_outstanding=outstanding, undrawn=undrawn_approvals(),
                            leverage=rules.ratio(outstanding, balance), limit=leverage_limit(on.year))
    return Overview(on=on, position=position, repayment_rate=repayment_rate_at_maturity(on.year - 1),
                    by_bank=by_bank, by_district=by_district,
                    bank_balances=balances_by(on, "bank_code"), district_balances=balances_by(on, "district_code"),
                    params=fund_params(on))
