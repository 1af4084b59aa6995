"""The subsidy of SPEC §7: its worked examples, every rule of items 1–6, and the
interval arithmetic checked against a plain day-by-day sum."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loans.core.dates import quarter_period
from loans.core.money import round_fen
from loans.core.policy import SEED_POLICIES, max_amount, subsidy_rate
from loans.core.subsidy import LoanFacts, balance_on, is_overdue_on, loan_policy, period_subsidy, subsidy_end

D = Decimal
POLICY = {p.code: p for p in SEED_POLICIES}


def loan(**over) -> LoanFacts:
    facts = dict(loan_type="individual", contract_rate=D("4.35"), lpr0=D("3.85"), cap_class="standard",
                 maturity_date=date(2024, 6, 15), disbursements=((date(2021, 6, 15), D(200000)),))
    facts.update(over)
    return LoanFacts(**facts)


def q(code, facts, policy=None):
    start, end = quarter_period(code)
    return period_subsidy(policy or loan_policy(SEED_POLICIES, facts), facts, start, end)


@pytest.mark.parametrize("facts, period, rate, days, balance_days, subsidy", [
    # SPEC §7 worked examples
    (loan(), "2021Q3", "2.00", 92, 18400000, "1022.22"),
    (loan(contract_rate=D("5.35")), "2021Q3", "3.00", 92, 18400000, "1533.33"),
    (loan(repayments=((date(2021, 8, 5), D(100000)),)), "2021Q3", "2.00", 92, 13700000, "761.11"),
    (loan(contract_rate=D("3.50"), lpr0=D("3.00"), maturity_date=date(2028, 6, 10),
          disbursements=((date(2025, 6, 10), D(300000)),)), "2025Q3", "1.75", 92, 27600000, "1341.67"),
], ids=["hn2021", "at-ceiling", "repaid", "hn2023"])
def test_worked_examples(facts, period, rate, days, balance_days, subsidy):
    result = q(period, facts)
    assert result.subsidy_rate == D(rate)
    assert result.subsidised_days == days
    assert result.balance_days == D(balance_days)
    assert result.subsidy == D(subsidy)


def test_worked_example_interest_and_borrower_share():
    result = q("2021Q3", loan())
    assert result.interest == D("2223.33")
    assert result.interest - result.subsidy == D("1201.11")


def test_first_day_counts_and_the_last_does_not():
    # Disbursed inside the period: the disbursement day earns, a repayment day does not.
    facts = loan(disbursements=((date(2021, 7, 1), D(100000)),), repayments=((date(2021, 7, 11), D(100000)),))
    result = q("2021Q3", facts)
    assert result.subsidised_days == 10
    assert result.balance_days == D(1000000)


def test_overdue_days_lose_the_subsidy_only_while_overdue():
    facts = loan(overdue=((date(2021, 7, 1), date(2021, 7, 11)),))
    result = q("2021Q3", facts)
    assert result.subsidised_days == 82
    assert result.interest_days == 92  # the borrower still owes interest for them


def test_an_open_overdue_interval_runs_to_the_end_of_the_period():
    result = q("2021Q3", loan(overdue=((date(2021, 9, 1), None),)))
    assert result.subsidised_days == 72


def test_no_subsidy_after_maturity_so_extension_days_earn_none():
    facts = loan(maturity_date=date(2021, 8, 1))
    result = q("2021Q3", facts)
    assert result.subsidised_days == 41  # 06-21 … 07-31
    assert result.interest_days == 92


def test_subsidy_ends_at_first_disbursement_plus_the_max_term():
    # 36 months after 2021-06-15 is 2024-06-15, before the (extended) maturity.
    facts = loan(maturity_date=date(2025, 1, 1))
    assert subsidy_end(POLICY["HN-2021"], facts) == date(2024, 6, 15)
    result = q("2024Q2", facts)
    start, _ = quarter_period("2024Q2")
    assert result.subsidised_days == (date(2024, 6, 15) - start).days


def test_max_term_end_uses_the_months_last_day_when_the_day_does_not_exist():
    facts = loan(disbursements=((date(2021, 5, 31), D(1000)),), maturity_date=date(2030, 1, 1),
                 loan_type="enterprise")
    assert subsidy_end(POLICY["HN-2020"], facts) == date(2023, 5, 31)
    facts = loan(disbursements=((date(2021, 12, 31), D(1000)),), maturity_date=date(2030, 1, 1),
                 loan_type="enterprise")
    assert subsidy_end(POLICY["HN-2021"], facts) == date(2023, 12, 31)
    facts = loan(disbursements=((date(2022, 8, 31), D(1000)),), maturity_date=date(2030, 1, 1))
    assert subsidy_end(POLICY["HN-2021"], facts) == date(2025, 8, 31)
    facts = loan(disbursements=((date(2023, 3, 31), D(1000)),), maturity_date=date(2030, 1, 1),
                 loan_type="enterprise")
    assert subsidy_end(POLICY["HN-2021"], facts) == date(2025, 3, 31)


def test_subsidised_balance_is_capped_at_the_versions_maximum():
    facts = loan(disbursements=((date(2021, 6, 15), D(250000)),))  # above the 200,000 individual max
    result = q("2021Q3", facts)
    assert result.balance_days == D(200000 * 92)
    assert result.interest_balance_days == D(250000 * 92)


def test_partnership_cap_counts_partners():
    policy = POLICY["HN-2021"]
    assert max_amount(policy, "partnership", 3) == D("660000.00")
    facts = loan(loan_type="partnership", partners=3, disbursements=((date(2021, 6, 15), D(700000)),))
    assert q("2021Q3", facts).balance_days == D(660000 * 92)


def test_a_rate_above_the_cap_earns_nothing_on_the_excess():
    assert q("2021Q3", loan(contract_rate=D("6.00"))).subsidy_rate == D("3.00")
    # former-poverty counties have a 250 bp cap
    assert q("2021Q3", loan(contract_rate=D("6.00"), cap_class="former_poverty")).subsidy_rate == D("3.65")
    assert q("2021Q3", loan(contract_rate=D("6.50"), cap_class="former_poverty")).subsidy_rate == D("4.00")


@pytest.mark.parametrize("code, loan_type, r, lpr0, expected", [
    ("HN-2018", "individual", "4.35", "4.15", "4.35"),   # full
    ("HN-2018", "individual", "8.00", "4.15", "7.15"),   # full, capped at LPR + 300 bp
    ("HN-2018", "enterprise", "4.35", "4.15", "2.075"),  # lpr_share 50 %
    ("HN-2020", "enterprise", "1.50", "3.85", "1.50"),   # lpr_share, min(e, LPR × k)
    ("HN-2021", "individual", "3.00", "3.85", "0.65"),   # lpr_margin
    ("HN-2021", "individual", "2.00", "3.85", "0"),      # lpr_margin never negative
    ("HN-2023", "enterprise", "3.95", "3.45", "1.975"),  # rate_share 50 %
])
def test_regimes(code, loan_type, r, lpr0, expected):
    assert subsidy_rate(POLICY[code], loan_type, D(r), D(lpr0), "standard") == D(expected)


def test_the_version_is_the_one_in_force_on_the_first_disbursement():
    facts = loan(disbursements=((date(2020, 12, 31), D(1000)), (date(2021, 1, 5), D(1000))))
    assert loan_policy(SEED_POLICIES, facts).code == "HN-2020"
    assert loan_policy(SEED_POLICIES, loan(disbursements=())) is None


def test_a_loan_without_money_out_earns_nothing():
    result = q("2021Q3", loan(disbursements=((date(2021, 10, 1), D(1000)),)))
    assert (result.subsidised_days, result.subsidy, result.interest) == (0, D("0.00"), D("0.00"))


def test_rounding_is_half_up_once_per_loan_and_period():
    # 1,000 yuan at 4.50 % (HN-2018 full) for 1 day: 0.125 → 0.13 (half-up, not banker's)
    facts = loan(contract_rate=D("4.50"), lpr0=D("4.15"), maturity_date=date(2021, 1, 1),
                 disbursements=((date(2019, 12, 31), D(1000)),))
    result = period_subsidy(POLICY["HN-2018"], facts, date(2019, 12, 31), date(2019, 12, 31))
    assert result.subsidy == D("0.13")


# --- the interval arithmetic against a plain day loop --------------------------------

def naive(policy, facts, start, end):
    rate = subsidy_rate(policy, facts.loan_type, facts.contract_rate, facts.lpr0, facts.cap_class)
    cap = max_amount(policy, facts.loan_type, facts.partners)
    stop = subsidy_end(policy, facts)
    days, total = 0, D(0)
    d = start
    while d <= end:
        balance = balance_on(facts, d)
        if balance > 0 and stop is not None and d < stop and not is_overdue_on(facts, d):
            days += 1
            total += min(balance, cap)
        d += timedelta(days=1)
    return days, total, round_fen(total * rate / 100 / policy.day_basis)


day = st.dates(min_value=date(2021, 1, 1), max_value=date(2022, 12, 31))
amount = st.integers(min_value=1, max_value=30000000).map(lambda fen: D(fen).scaleb(-2))


@given(disbursements=st.lists(st.tuples(day, amount), min_size=1, max_size=4),
       repayment_days=st.lists(day, max_size=3),
       overdue=st.lists(st.tuples(day, st.integers(0, 60), st.booleans()), max_size=2),
       maturity=day, period=st.sampled_from(["2021Q2", "2021Q3", "2022Q1", "2022Q4"]),
       loan_type=st.sampled_from(["individual", "partnership", "enterprise"]))
def test_interval_sums_equal_the_day_by_day_sum(disbursements, repayment_days, overdue, maturity, period,
                                                loan_type):
    total = sum(a for _, a in disbursements)
    repayments = tuple((d, (total / 4).quantize(D("0.01"))) for d in repayment_days)  # never below zero
    intervals = tuple((s, None if open_ else s + timedelta(days=n)) for s, n, open_ in overdue)
    facts = loan(loan_type=loan_type, partners=2, disbursements=tuple(disbursements), repayments=repayments,
                 overdue=intervals, maturity_date=maturity)
    policy = POLICY["HN-2021"]
    start, end = quarter_period(period)
    result = period_subsidy(policy, facts, start, end)
    assert (result.subsidised_days, result.balance_days, result.subsidy) == naive(policy, facts, start, end)
