"""The subsidy sums in integers (day ordinals, fen) that ``compute_period_subsidy`` uses
for a whole period's loans: the same figures as ``period_subsidy`` (SPEC §7), exactly."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loans.core.dates import quarter_period
from loans.core.money import to_fen
from loans.core.policy import SEED_POLICIES, max_amount, subsidy_rate
from loans.core.subsidy import (LoanFacts, amount_for, period_subsidy, period_sums_fen, rate_fraction,
                                round_half_up_fen, subsidy_end)

D = Decimal
POLICY = {p.code: p for p in SEED_POLICIES}


def loan(**over) -> LoanFacts:
    facts = dict(loan_type="individual", contract_rate=D("4.35"), lpr0=D("3.85"), cap_class="standard",
                 maturity_date=date(2024, 6, 15), disbursements=((date(2021, 6, 15), D(200000)),))
    facts.update(over)
    return LoanFacts(**facts)


def in_fen(policy, facts: LoanFacts, period: str) -> tuple[int, int, int, int]:
    """(subsidised days, balance-days, subsidy, interest) through the integer form, in fen."""
    start, end = quarter_period(period)
    flows = [(d.toordinal(), to_fen(a)) for d, a in facts.disbursements]
    flows += [(d.toordinal(), -to_fen(a)) for d, a in facts.repayments]
    overdue = tuple((s.toordinal(), None if e is None else e.toordinal()) for s, e in facts.overdue)
    stop = subsidy_end(policy, facts)
    cap = max_amount(policy, facts.loan_type, facts.partners) * 100
    days, balance_days, _, interest_balance_days = period_sums_fen(
        start.toordinal(), end.toordinal() + 1, (stop or start).toordinal(), int(cap), flows, overdue)
    rate = subsidy_rate(policy, facts.loan_type, facts.contract_rate, facts.lpr0, facts.cap_class)
    return (days, balance_days, amount_for(balance_days, rate_fraction(rate), policy.day_basis),
            amount_for(interest_balance_days, rate_fraction(facts.contract_rate), policy.day_basis))


def in_decimal(policy, facts: LoanFacts, period: str) -> tuple[int, int, int, int]:
    result = period_subsidy(policy, facts, *quarter_period(period))
    return result.subsidised_days, to_fen(result.balance_days), to_fen(result.subsidy), to_fen(result.interest)


@pytest.mark.parametrize("facts, period, expected", [
    # SPEC §7 worked examples: days, balance-days (fen·days), subsidy and interest (fen)
    (loan(), "2021Q3", (92, 1840000000, 102222, 222333)),
    (loan(contract_rate=D("5.35")), "2021Q3", (92, 1840000000, 153333, 273444)),
    (loan(repayments=((date(2021, 8, 5), D(100000)),)), "2021Q3", (92, 1370000000, 76111, 165542)),
    (loan(contract_rate=D("3.50"), lpr0=D("3.00"), maturity_date=date(2028, 6, 10),
          disbursements=((date(2025, 6, 10), D(300000)),)), "2025Q3", (92, 2760000000, 134167, 268333)),
    # disbursed inside the period: the first day counts
    (loan(disbursements=((date(2021, 9, 20), D(1000)),)), "2021Q3", (1, 100000, 6, 12)),
    # settled early: repaid in full inside the period, no balance from that day
    (loan(repayments=((date(2021, 7, 1), D(200000)),)), "2021Q3", (10, 200000000, 11111, 24167)),
    # overdue for ten days, then current again
    (loan(overdue=((date(2021, 7, 1), date(2021, 7, 11)),)), "2021Q3", (82, 1640000000, 91111, 222333)),
    # still overdue at the end of the period
    (loan(overdue=((date(2021, 9, 1), None),)), "2021Q3", (72, 1440000000, 80000, 222333)),
    # maturity inside the period: the interest runs on, the subsidy stops
    (loan(maturity_date=date(2021, 7, 1)), "2021Q3", (10, 200000000, 11111, 222333)),
    # above the individual maximum (¥200,000): the subsidised balance is capped, the interest is not
    (loan(disbursements=((date(2021, 6, 15), D(500000)),)), "2021Q3", (92, 1840000000, 102222, 555833)),
], ids=["hn2021", "at-ceiling", "repaid", "hn2023", "last-day", "settled", "overdue", "still-overdue",
        "matured", "capped"])
def test_integer_form_gives_the_spec_figures(facts, period, expected):
    policy = POLICY["HN-2023" if period.startswith("2025") else "HN-2021"]
    assert in_fen(policy, facts, period) == expected
    assert in_decimal(policy, facts, period) == expected


@pytest.mark.parametrize("numerator, denominator, expected", [
    (5, 10, 1), (4, 10, 0), (15, 10, 2), (-5, 10, -1), (-4, 10, 0), (5, -10, -1), (0, 7, 0), (10, 3, 3),
    (11, 2, 6), (-11, 2, -6),
])
def test_half_up_rounding_goes_away_from_zero_on_the_half(numerator, denominator, expected):
    assert round_half_up_fen(numerator, denominator) == expected


@pytest.mark.parametrize("rate, fraction", [
    (D("2.00"), (1, 50)), (D("2.17505"), (43501, 2000000)), (D("0"), (0, 100)), (D("4.35"), (87, 2000)),
])
def test_rates_become_exact_fractions_of_one_hundred(rate, fraction):
    numerator, denominator = rate_fraction(rate)
    assert D(numerator) / D(denominator) == rate / 100
    assert numerator * fraction[1] == fraction[0] * denominator


day = st.dates(min_value=date(2020, 10, 1), max_value=date(2022, 12, 31))
amount = st.integers(min_value=1, max_value=30000000).map(lambda fen: D(fen).scaleb(-2))


@given(disbursements=st.lists(st.tuples(day, amount), min_size=1, max_size=4),
       repayment_days=st.lists(day, max_size=3),
       overdue=st.lists(st.tuples(day, st.integers(0, 60), st.booleans()), max_size=2),
       maturity=day, period=st.sampled_from(["2021Q1", "2021Q3", "2022Q1", "2022Q4"]),
       loan_type=st.sampled_from(["individual", "partnership", "enterprise"]),
       rate=st.sampled_from([D("3.85"), D("4.35"), D("5.35"), D("6.10"), D("4.3501")]),
       code=st.sampled_from(["HN-2018", "HN-2021", "HN-2023"]))
def test_integer_form_equals_period_subsidy(disbursements, repayment_days, overdue, maturity, period, loan_type,
                                            rate, code):
    total = sum(a for _, a in disbursements)
    repayments = tuple((d, (total / 3).quantize(D("0.01"))) for d in repayment_days)  # may go to zero, or below
    intervals = tuple((s, None if open_ else s + timedelta(days=n)) for s, n, open_ in overdue)
    facts = loan(loan_type=loan_type, partners=3, contract_rate=rate, disbursements=tuple(disbursements),
                 repayments=repayments, overdue=intervals, maturity_date=maturity)
    assert in_fen(POLICY[code], facts, period) == in_decimal(POLICY[code], facts, period)
