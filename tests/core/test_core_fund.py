"""The guarantee fund's pure rules (SPEC §13), table-driven, with the spec's worked examples."""
from datetime import date
from decimal import Decimal as D

import pytest

from loans.core import fund
from loans.core.fund import ClaimStatus, Refusal


@pytest.mark.parametrize("amount, projected, passes", [
    (D("300000"), D("4.965"), True),      # SPEC §13: a ¥300,000 case projects 4.965× and passes
    (D("1500000"), D("5.025"), False),    # … a ¥1,500,000 case projects 5.025× and is refused
    (D("1000000"), D("5"), True),         # exactly at the limit passes (refused only above it)
    (D("1000000.01"), None, False),       # a fen above it is refused: compared unrounded
])
def test_the_spec_leverage_example(amount, projected, passes):
    check = fund.approval_check(guaranteed_outstanding=D("95000000"), undrawn_approvals=D("4000000"),
                                amount=amount, fund_balance=D("20000000"), limit=D(5), bank_paused=False)
    if projected is not None:
        assert check.projected == projected
    assert check.passes is passes
    assert check.refusals == (() if passes else (Refusal.leverage_above_limit,))


def test_shown_with_two_decimals_but_compared_unrounded():
    check = fund.approval_check(guaranteed_outstanding=D("95000000"), undrawn_approvals=D("4000000"),
                                amount=D("1000000.01"), fund_balance=D("20000000"), limit=D(5), bank_paused=False)
    assert fund.show_ratio(check.projected) == "5.00" and not check.passes
    assert fund.show_ratio(D("4.965")) == "4.97" and fund.show_ratio(None) == "—"


@pytest.mark.parametrize("balance, paused, refusals", [
    (D("0"), False, (Refusal.fund_not_positive,)),
    (D("-1"), False, (Refusal.fund_not_positive,)),
    (D("20000000"), True, (Refusal.bank_paused,)),
    (D("0"), True, (Refusal.fund_not_positive, Refusal.bank_paused)),
])
def test_no_positive_balance_or_a_paused_bank_refuses(balance, paused, refusals):
    check = fund.approval_check(guaranteed_outstanding=D("0"), undrawn_approvals=D("0"), amount=D("100000"),
                                fund_balance=balance, limit=D(10), bank_paused=paused)
    assert check.refusals == refusals and not check.passes


@pytest.mark.parametrize("rate, limit", [
    (D("0.9"), D(10)), (D("0.95"), D(10)), (D("1"), D(10)),
    (D("0.8999"), D(5)), (D("0"), D(5)), (None, D(5)),  # no loan matured that year → 5×
])
def test_the_limit_follows_last_years_repayment_rate(rate, limit):
    assert fund.leverage_limit(rate) == limit


def test_the_spec_claim_example():
    # balance ¥150,000 overdue from 2025-01-01, rate 3.50 %, claim dated 2025-04-01
    steps = [(date(2024, 4, 1), D("200000")), (date(2024, 10, 1), D("-50000"))]
    interest = fund.claim_interest(steps, date(2025, 1, 1), date(2025, 4, 1), D("3.50"))
    assert interest == D("1312.50")
    amounts = fund.claim_amounts(D("150000.00"), interest, D(80))
    assert (amounts.total, amounts.fund_share, amounts.bank_share) == (D("151312.50"), D("121050.00"),
                                                                        D("30262.50"))


def test_claim_interest_follows_the_balance_day_by_day():
    # ¥100,000 from Jan 1, ¥40,000 repaid Jan 11 (counts from that day): 10 days × 100,000 + 5 × 60,000
    steps = [(date(2024, 12, 1), D("100000")), (date(2025, 1, 11), D("-40000"))]
    interest = fund.claim_interest(steps, date(2025, 1, 1), date(2025, 1, 16), D("3.60"))
    assert interest == D("130.00")  # (1,000,000 + 300,000) × 3.6 % ÷ 360


def test_the_spec_recovery_example():
    assert fund.share(D("10000.03"), D(80)) == (D("8000.02"), D("2000.01"))


@pytest.mark.parametrize("claim_total, recovered, room", [
    (D("151312.50"), D("0"), D("151312.50")), (D("151312.50"), D("151312.50"), D("0.00")),
    (D("100"), D("150"), D("0.00")),
])
def test_recoveries_never_exceed_the_claim(claim_total, recovered, room):
    assert fund.recovery_room(claim_total, recovered) == room


def test_a_claim_waits_ninety_days():
    assert fund.earliest_claim_date(date(2025, 1, 1)) == date(2025, 4, 1)


@pytest.mark.parametrize("status, action, target", [
    ("filed", "check", ClaimStatus.checked), ("checked", "approve", ClaimStatus.approved),
    ("approved", "pay", ClaimStatus.paid), ("filed", "cancel", ClaimStatus.cancelled),
    ("checked", "cancel", ClaimStatus.cancelled), ("approved", "cancel", ClaimStatus.cancelled),
    ("filed", "approve", None), ("filed", "pay", None), ("checked", "pay", None), ("paid", "cancel", None),
    ("cancelled", "check", None), ("paid", "pay", None), ("nonsense", "check", None),
])
def test_claim_states(status, action, target):
    assert fund.claim_next_status(status, action) == target


@pytest.mark.parametrize("overdue, outstanding, claims, ended, warned, pause, overdue_rate, claims_rate", [
    (D("3000"), D("100000"), D("5"), D("100"), False, False, D("0.03"), D("0.05")),   # at the thresholds: no
    (D("3001"), D("100000"), D("5.01"), D("100"), True, True, D("0.03001"), D("0.0501")),
    (D("0"), D("0"), D("0"), D("0"), False, False, None, None),                      # zero denominators
    (D("10"), D("100"), D("50"), D("0"), True, False, D("0.1"), None),               # no rate, no pause
])
def test_bank_rates(overdue, outstanding, claims, ended, warned, pause, overdue_rate, claims_rate):
    rates = fund.bank_rates(overdue_principal=overdue, outstanding_principal=outstanding,
                            claims_paid_principal=claims, guarantee_ended_principal=ended)
    assert (rates.overdue_rate, rates.claims_rate, rates.warned, rates.pause) == (overdue_rate, claims_rate,
                                                                                   warned, pause)


def test_pause_lifting_and_the_windows():
    assert fund.pause_lifts(D("0.05")) and not fund.pause_lifts(D("0.0501")) and not fund.pause_lifts(None)
    assert fund.claims_window(date(2026, 2, 28)) == (date(2025, 3, 1), date(2026, 2, 28))
    assert fund.month_end_before(date(2026, 3, 1)) == date(2026, 2, 28)


def test_leverage_notice_at_ninety_percent_of_the_limit():
    assert fund.leverage_notice(D("4.5"), D(5)) and not fund.leverage_notice(D("4.49"), D(5))
    assert not fund.leverage_notice(None, D(5))


def test_movement_signs():
    assert fund.signed("deposit", D("10")) == D("10") and fund.signed("compensation_paid", D("10")) == D("-10")
    assert fund.signed("recovery_received", D("1")) == D("1") and fund.signed("withdrawal", D("1")) == D("-1")
