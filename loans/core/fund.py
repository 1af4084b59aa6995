"""The guarantee fund's rules (SPEC §13), pure: claims and their interest, the fund's and
the bank's shares of claims and recoveries, leverage and its yearly limit, the approval
check, the per-bank overdue and claims rates and what they trigger.

No I/O and nothing from Flask or SQLAlchemy: figures in, exact Decimals out. A rate or a
leverage is compared unrounded; ``show_ratio`` gives the two decimals people read.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from .dates import add_months
from .money import round_fen

ONE_DAY = timedelta(days=1)
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class FundParams:
    """The fund's policy data (seed values of §13), versioned with the policy."""

    leverage_limit_high: Decimal = Decimal(10)
    leverage_limit_low: Decimal = Decimal(5)
    repayment_rate_threshold_pct: Decimal = Decimal(90)
    overdue_warn_pct: Decimal = Decimal(3)
    claims_pause_pct: Decimal = Decimal(5)
    claim_wait_days: int = 90
    fund_share_pct: Decimal = Decimal(80)
    leverage_notice_pct: Decimal = Decimal(90)


SEED_FUND_PARAMS = FundParams()


def fund_params_of(policy) -> FundParams:
    """The fund's parameters of a policy version (``core.policy.PolicyParams``)."""
    return FundParams(**{name: getattr(policy, name) for name in FUND_PARAM_FIELDS})
FUND_PARAM_FIELDS = ("leverage_limit_high", "leverage_limit_low", "repayment_rate_threshold_pct",
                     "overdue_warn_pct", "claims_pause_pct", "claim_wait_days", "fund_share_pct")


class MovementKind(StrEnum):
    deposit = "deposit"
    withdrawal = "withdrawal"
    interest = "interest"
    compensation_paid = "compensation_paid"
    recovery_received = "recovery_received"


MOVEMENT_SIGN = {MovementKind.deposit: 1, MovementKind.withdrawal: -1, MovementKind.interest: 1,
                 MovementKind.compensation_paid: -1, MovementKind.recovery_received: 1}
"""How each kind of movement changes the fund's balance."""

MANUAL_MOVEMENT_KINDS = (MovementKind.deposit, MovementKind.withdrawal, MovementKind.interest)
"""Kinds finance enters by hand or file; the other two follow from paid claims and recoveries."""


def signed(kind: str, amount: Decimal) -> Decimal:
    return amount * MOVEMENT_SIGN[MovementKind(kind)]


# --- claims (代偿) --------------------------------------------------------------------------

class ClaimStatus(StrEnum):
    filed = "filed"
    checked = "checked"
    approved = "approved"
    paid = "paid"
    cancelled = "cancelled"


PENDING_CLAIM_STATUSES = (ClaimStatus.filed, ClaimStatus.checked, ClaimStatus.approved)
"""A claim in one of these is cancelled by a repayment or a cure of the loan."""

CLAIM_TRANSITIONS: dict[tuple[str, ClaimStatus], ClaimStatus] = {
    ("check", ClaimStatus.filed): ClaimStatus.checked,
    ("approve", ClaimStatus.checked): ClaimStatus.approved,
    ("pay", ClaimStatus.approved): ClaimStatus.paid,
    **{("cancel", status): ClaimStatus.cancelled for status in PENDING_CLAIM_STATUSES},
}


def claim_next_status(status: str, action: str) -> ClaimStatus | None:
    """The claim's status after ``action`` (check, approve, pay, cancel), or None."""
    try:
        return CLAIM_TRANSITIONS.get((action, ClaimStatus(status)))
    except ValueError:
        return None


def earliest_claim_date(overdue_since: date, params: FundParams = SEED_FUND_PARAMS) -> date:
    """A claim may be filed once ``claim_date`` ≥ overdue since + the waiting days (90)."""
    return overdue_since + timedelta(days=params.claim_wait_days)


@dataclass(frozen=True)
class ClaimAmounts:
    principal: Decimal
    interest: Decimal
    total: Decimal
    fund_share: Decimal
    bank_share: Decimal


def claim_interest(balance_steps, overdue_since: date, claim_date: date, contract_rate: Decimal,
                   basis: int = 360) -> Decimal:
    """round_half_up(Σ over days from ``overdue_since`` (inclusive) to ``claim_date``
    (exclusive) of balance × contract rate ÷ 100 ÷ basis). ``balance_steps``: (date,
    signed principal change) pairs — disbursements positive, repayments negative."""
    steps = sorted(balance_steps)
    points = sorted({overdue_since, *(on for on, _ in steps if overdue_since < on < claim_date)})
    balance_days = Decimal(0)
    for here, after in zip(points, points[1:] + [claim_date]):
        balance = sum((change for on, change in steps if on <= here), Decimal(0))
        if balance > 0 and after > here:
            balance_days += balance * (after - here).days
    return round_fen(balance_days * contract_rate / HUNDRED / Decimal(basis))


def share(amount: Decimal, share_pct: Decimal) -> tuple[Decimal, Decimal]:
    """(fund's share rounded half-up to the fen, the bank's share = the rest)."""
    fund = round_fen(amount * share_pct / HUNDRED)
    return fund, amount - fund


def claim_amounts(principal: Decimal, interest: Decimal, share_pct: Decimal) -> ClaimAmounts:
    total = principal + interest
    fund, bank = share(total, share_pct)
    return ClaimAmounts(principal, interest, total, fund, bank)


def recovery_room(claim_total: Decimal, recovered: Decimal) -> Decimal:
    """How much may still be recovered on a claim: recoveries never exceed it."""
    return max(claim_total - recovered, Decimal("0.00"))


# --- leverage and its limit (放大倍数) -------------------------------------------------------

def ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    """numerator ÷ denominator exactly enough to compare, or None when undefined."""
    if denominator is None or denominator <= 0:
        return None
    return Decimal(numerator) / Decimal(denominator)


def show_ratio(value: Decimal | None) -> str:
    """A leverage or rate as people read it: two decimals, half-up ("4.97"), "—" if none."""
    if value is None:
        return "—"
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def percent(value: Decimal | None) -> Decimal | None:
    return None if value is None else value * HUNDRED


def leverage_limit(repayment_rate: Decimal | None, params: FundParams = SEED_FUND_PARAMS) -> Decimal:
    """Year Y's limit from year Y−1's repayment rate at maturity (a fraction): 10× at or
    above 90 %, else 5×; 5× when no loan matured that year (``None``)."""
    if repayment_rate is not None and repayment_rate * HUNDRED >= params.repayment_rate_threshold_pct:
        return params.leverage_limit_high
    return params.leverage_limit_low


class Refusal(StrEnum):
    fund_not_positive = "fund_not_positive"
    leverage_above_limit = "leverage_above_limit"
    bank_paused = "bank_paused"


@dataclass(frozen=True)
class ApprovalCheck:
    projected: Decimal | None
    limit: Decimal
    refusals: tuple[Refusal, ...]

    @property
    def passes(self) -> bool:
        return not self.refusals


def approval_check(*, guaranteed_outstanding: Decimal, undrawn_approvals: Decimal, amount: Decimal,
                   fund_balance: Decimal, limit: Decimal, bank_paused: bool) -> ApprovalCheck:
    """projected leverage = (guaranteed outstanding + undrawn approvals + this case's
    amount) ÷ fund balance; refused above the limit, with no positive balance, or when the
    case's bank is paused (SPEC §13)."""
    refusals = []
    projected = ratio(guaranteed_outstanding + undrawn_approvals + amount, fund_balance)
    if projected is None:
        refusals.append(Refusal.fund_not_positive)
    elif projected > limit:
        refusals.append(Refusal.leverage_above_limit)
    if bank_paused:
        refusals.append(Refusal.bank_paused)
    return ApprovalCheck(projected, limit, tuple(refusals))


def leverage_notice(leverage: Decimal | None, limit: Decimal, params: FundParams = SEED_FUND_PARAMS) -> bool:
    """Leverage at 90 % of the limit or more is notified (§15)."""
    return leverage is not None and leverage >= limit * params.leverage_notice_pct / HUNDRED


# --- per-bank rates ------------------------------------------------------------------------

def claims_window(d: date) -> tuple[date, date]:
    """(d − 12 months, d]: as (first day inside, last day inside)."""
    return add_months(d, -12) + ONE_DAY, d


@dataclass(frozen=True)
class BankRates:
    overdue_rate: Decimal | None  # a fraction; None with nothing outstanding
    claims_rate: Decimal | None   # None with a zero denominator: no rate and no pause
    warned: bool
    pause: bool


def bank_rates(*, overdue_principal: Decimal, outstanding_principal: Decimal, claims_paid_principal: Decimal,
               guarantee_ended_principal: Decimal, params: FundParams = SEED_FUND_PARAMS) -> BankRates:
    overdue = ratio(overdue_principal, outstanding_principal)
    claims = ratio(claims_paid_principal, guarantee_ended_principal)
    return BankRates(
        overdue_rate=overdue, claims_rate=claims,
        warned=overdue is not None and overdue * HUNDRED > params.overdue_warn_pct,
        pause=claims is not None and claims * HUNDRED > params.claims_pause_pct)


def pause_lifts(claims_rate: Decimal | None, params: FundParams = SEED_FUND_PARAMS) -> bool:
    """A later month-end at or below the threshold lifts a pause (no rate lifts nothing)."""
    return claims_rate is not None and claims_rate * HUNDRED <= params.claims_pause_pct


def month_end_before(d: date) -> date:
    """The last day of the month before ``d``'s (the month the rates job computes on the 1st)."""
    return d.replace(day=1) - ONE_DAY
