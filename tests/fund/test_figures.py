"""The guarantee fund's figures (SPEC §13) on a small world worked out by hand: balances
city-wide, per bank and per district; guaranteed outstanding and leverage on past dates;
per-bank and per-district overdue and claims rates; the limit from last year's repayment
rate at maturity; the approval-check figures of the SPEC's example."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from loans.core import fund as rules
from loans.db import db
from loans.fund import queries
from loans.fund.models import CompensationClaim, FundMovement, Recovery, WriteOff
from tests import factories

D = Decimal
d = date


def movement(on, kind, amount, voucher, bank=None, district=None):
    db.session.add(FundMovement(moved_on=on, kind=kind, amount=D(amount), voucher_no=voucher, bank_code=bank,
                                district_code=district, source="cli"))


def claim(loan, paid_on, principal, total=None, status="paid"):
    row = CompensationClaim(loan_id=loan.id, bank_code=loan.bank_code, district_code=loan.district_code,
                            status=status, claim_date=paid_on or d(2026, 6, 1), overdue_since=None, principal=D(principal),
                            interest=D(0), total=D(total or principal), share_pct=D(80),
                            fund_share=D(total or principal) * D("0.8"), bank_share=D(total or principal) * D("0.2"),
                            paid_on=paid_on if status == "paid" else None)
    db.session.add(row)
    db.session.flush()
    return row


@pytest.fixture
def world(app):
    """Three banks, two districts, as at 2026-06-30 (worked out beside each row)."""
    loan = factories.ProgrammeLoanFactory
    movement(d(2025, 1, 1), "deposit", "1000000", "V1")                     # city-wide
    movement(d(2025, 2, 1), "deposit", "500000", "V2", bank="ICBC-CZ")      # ICBC's deposit
    movement(d(2025, 3, 1), "deposit", "200000", "V3", district="431003")   # Suxian's deposit
    movement(d(2025, 12, 31), "interest", "1234.56", "V4")
    movement(d(2026, 3, 1), "withdrawal", "100000", "V5")
    movement(d(2026, 5, 10), "compensation_paid", "80000", "V6", bank="CZRCB", district="431003")
    movement(d(2026, 6, 1), "recovery_received", "8000", "V7", bank="CZRCB", district="431003")
    movement(d(2026, 7, 1), "deposit", "999999", "V8")                      # after the day: not counted
    loans = {
        # ICBC Beihu: 300,000 out, 100,000 back in the window → 200,000 outstanding
        "A": loan(bank_code="ICBC-CZ", contract_date=d(2025, 1, 10),
                  events=[(d(2025, 1, 15), "disbursement", "300000"), (d(2026, 2, 1), "repayment", "100000")]),
        # ICBC Suxian: 100,000 out, overdue since 2026-04-01 → 100,000 overdue
        "B": loan(bank_code="ICBC-CZ", district="431003", contract_date=d(2025, 3, 1),
                  events=[(d(2025, 3, 5), "disbursement", "100000"), (d(2026, 4, 1), "overdue_start", None)]),
        # CZRCB Suxian: compensated 2026-05-10 (claim principal 100,000): not guaranteed any more
        "C": loan(bank_code="CZRCB", district="431003", contract_date=d(2024, 1, 1),
                  events=[(d(2024, 1, 5), "disbursement", "100000"), (d(2025, 12, 1), "overdue_start", None),
                          (d(2026, 5, 10), "compensation", "100000")], status="compensated"),
        # CZRCB Beihu: 400,000 out, 100,000 back in the window; an overdue period that ended
        "D": loan(bank_code="CZRCB", contract_date=d(2025, 6, 1),
                  events=[(d(2025, 6, 2), "disbursement", "400000"), (d(2026, 1, 1), "overdue_start", None),
                          (d(2026, 2, 1), "overdue_end", None), (d(2026, 3, 1), "repayment", "100000")]),
        # ABC Beihu: contracted after the day: nothing on 2026-06-30
        "E": loan(bank_code="ABC-CZ", contract_date=d(2026, 7, 1), events=[(d(2026, 7, 2), "disbursement", "50000")]),
    }
    claim(loans["C"], d(2026, 5, 10), "100000", total="101000")
    claim(loans["D"], None, "50000", status="filed")  # not paid: counts nowhere
    recovery = Recovery(claim_id=db.session.query(CompensationClaim).first().id, loan_id=loans["C"].id,
                        bank_code="CZRCB", recovered_on=d(2026, 6, 1), amount=D("10000"), fund_share=D("8000"),
                        bank_share=D("2000"))
    db.session.add(recovery)
    db.session.add(WriteOff(claim_id=recovery.claim_id, loan_id=loans["C"].id, amount=D("5000"), reason="x",
                            status="approved", decided_on=d(2026, 6, 20)))
    db.session.commit()
    return loans


def test_balances_city_wide_per_bank_and_per_district(world):
    # 1,000,000 + 500,000 + 200,000 + 1,234.56 − 100,000 − 80,000 + 8,000
    assert queries.fund_balance(d(2026, 6, 30)) == D("1529234.56")
    assert queries.fund_balance(d(2025, 1, 31)) == D("1000000.00")
    assert queries.fund_balance(d(2024, 12, 31)) == D("0.00")
    assert queries.fund_balance(d(2026, 6, 30), bank="ICBC-CZ") == D("500000.00")
    assert queries.fund_balance(d(2026, 6, 30), district="431003") == D("128000.00")
    assert queries.balances_by(d(2026, 6, 30), "bank_code") == {"ICBC-CZ": D("500000.00"), "CZRCB": D("-72000.00")}


def test_guaranteed_outstanding_and_leverage_on_past_dates(world):
    # A 200,000 + B 100,000 + D 300,000; C compensated, E not yet contracted
    assert queries.guaranteed_outstanding(d(2026, 6, 30)) == D("600000.00")
    # before C's compensation it counts: A 200,000 + B 100,000 + C 100,000 + D 300,000
    assert queries.guaranteed_outstanding(d(2026, 5, 9)) == D("700000.00")
    assert queries.leverage(d(2026, 6, 30)) == D("600000") / D("1529234.56")
    assert rules.show_ratio(queries.leverage(d(2026, 6, 30))) == "0.39"
    assert queries.leverage(d(2024, 12, 31)) is None  # no fund yet


def test_rates_per_bank_and_per_district(world):
    banks = queries.rate_figures(d(2026, 6, 30), "bank")
    icbc, czrcb = banks["ICBC-CZ"], banks["CZRCB"]
    # ICBC: B's 100,000 overdue of 300,000; 100,000 repaid in the window, no claim
    assert (icbc.overdue_principal, icbc.outstanding_principal) == (D("100000.00"), D("300000.00"))
    assert (icbc.claims_paid_principal, icbc.guarantee_ended_principal) == (D("0.00"), D("100000.00"))
    rates = icbc.rates()
    assert rates.overdue_rate == D(1) / D(3) and rates.warned and rates.claims_rate == 0 and not rates.pause
    # CZRCB: nothing overdue (D's period ended); 100,000 paid of 100,000 + 100,000 ended → 50 %
    assert (czrcb.overdue_principal, czrcb.outstanding_principal) == (D("0.00"), D("300000.00"))
    assert (czrcb.claims_paid_principal, czrcb.guarantee_ended_principal) == (D("100000.00"), D("200000.00"))
    assert czrcb.rates().claims_rate == D("0.5") and czrcb.rates().pause and not czrcb.rates().warned
    assert "ABC-CZ" not in banks  # nothing on the day: no rate
    districts = queries.rate_figures(d(2026, 6, 30), "district")
    suxian = districts["431003"]
    assert (suxian.overdue_principal, suxian.outstanding_principal) == (D("100000.00"), D("100000.00"))
    assert (suxian.claims_paid_principal, suxian.guarantee_ended_principal) == (D("100000.00"), D("100000.00"))
    beihu = districts["431002"]
    assert (beihu.outstanding_principal, beihu.guarantee_ended_principal) == (D("500000.00"), D("200000.00"))


def test_claims_window_is_twelve_months(world):
    # on 2027-05-10 C's claim (paid 2026-05-10) has left the window (2026-05-10, 2027-05-10]
    assert "CZRCB" not in {b for b, f in queries.rate_figures(d(2027, 5, 10), "bank").items()
                           if f.claims_paid_principal}
    assert queries.rate_figures(d(2027, 5, 9), "bank")["CZRCB"].claims_paid_principal == D("100000.00")


def test_range_totals_for_the_reports(world):
    assert queries.claims_paid(d(2026, 1, 1), d(2026, 6, 30)) == D("101000.00")
    assert queries.claims_paid(d(2026, 6, 1), d(2026, 6, 30)) == D("0.00")
    assert queries.recoveries(d(2026, 1, 1), d(2026, 6, 30)) == D("10000.00")
    assert queries.write_offs(d(2026, 1, 1), d(2026, 6, 30)) == D("5000.00")
    assert queries.write_offs(d(2026, 1, 1), d(2026, 6, 19)) == D("0.00")


def test_monthly_series(world):
    points = queries.monthly_series(d(2026, 4, 15), d(2026, 6, 30))
    assert [p.on for p in points] == [d(2026, 4, 30), d(2026, 5, 31), d(2026, 6, 30)]
    assert [p.claims_paid for p in points] == [D("0.00"), D("101000.00"), D("0.00")]
    assert [p.recoveries for p in points] == [D("0.00"), D("0.00"), D("10000.00")]
    assert points[-1].balance == D("1529234.56") and points[-1].guaranteed_outstanding == D("600000.00")


def _matured(year, disbursed, repaid_before, repaid_after="0"):
    events = [(d(year - 2, 1, 10), "disbursement", disbursed)]
    if D(repaid_before):
        events.append((d(year, 3, 1), "repayment", repaid_before))
    if D(repaid_after):
        events.append((d(year, 12, 30), "repayment", repaid_after))
    factories.ProgrammeLoanFactory(contract_date=d(year - 2, 1, 1), maturity_date=d(year, 6, 30), events=events)


@pytest.mark.parametrize("repaid, limit", [("900000", D(10)), ("899900", D(5))])
def test_the_limit_follows_last_years_repayment_rate(app, repaid, limit):
    # 1,000,000 disbursed, 900,000 (90 %) or 899,900 (89.99 %) repaid by maturity; the rest later
    _matured(2025, "1000000", repaid, str(D("1000000") - D(repaid)))
    db.session.commit()
    assert queries.repayment_rate_at_maturity(2025) == D(repaid) / D(1000000)
    assert queries.leverage_limit(2026) == limit
    assert queries.leverage_limit(2027) == D(5)  # nothing matured in 2026


def test_an_extension_moves_the_maturity_year(app):
    factories.ProgrammeLoanFactory(contract_date=d(2023, 1, 1), maturity_date=d(2025, 6, 30),
                                   extended_maturity_date=d(2026, 6, 30),
                                   events=[(d(2023, 1, 10), "disbursement", "100000"),
                                           (d(2026, 6, 1), "repayment", "100000")])
    db.session.commit()
    assert queries.repayment_rate_at_maturity(2025) is None
    assert queries.repayment_rate_at_maturity(2026) == 1


def test_no_limit_data_gives_five(app):
    assert queries.repayment_rate_at_maturity(2025) is None
    assert queries.leverage_limit(2026) == D(5)


def test_the_specs_leverage_example(app):
    # fund ¥20,000,000; guaranteed outstanding ¥95,000,000; undrawn ¥4,000,000
    movement(d(2026, 1, 2), "deposit", "20000000", "SPEC")
    factories.ProgrammeLoanFactory(contract_date=d(2025, 1, 1), amount=D("95000000"),
                                   events=[(d(2025, 1, 2), "disbursement", "95000000")])
    factories.ProgrammeLoanFactory(contract_date=d(2026, 1, 1), amount=D("4000000"), status="contracted",
                                   events=())
    db.session.commit()
    position = queries.fund_position(d(2026, 6, 1))
    assert (position.balance, position.guaranteed_outstanding, position.undrawn) == (
        D("20000000.00"), D("95000000.00"), D("4000000.00"))
    assert rules.show_ratio(position.leverage) == "4.75" and position.limit == D(5)
    assert position.near_limit  # 4.75 ≥ 90 % of 5
    check = rules.approval_check(guaranteed_outstanding=position.guaranteed_outstanding,
                                 undrawn_approvals=position.undrawn, amount=D("300000"),
                                 fund_balance=position.balance, limit=position.limit, bank_paused=False)
    assert check.passes and check.projected == D("4.965")
    refused = rules.approval_check(guaranteed_outstanding=position.guaranteed_outstanding,
                                   undrawn_approvals=position.undrawn, amount=D("1500000"),
                                   fund_balance=position.balance, limit=position.limit, bank_paused=False)
    assert refused.refusals == (rules.Refusal.leverage_above_limit,) and refused.projected == D("5.025")
