from datetime import date
from decimal import Decimal

import pytest

from loans.core.contract import Approval, ContractTerms, Problem, contract_problems

D = Decimal
TODAY = date(2026, 3, 10)
APPROVAL = Approval(amount=D("200000"), term_months=24, decided_on=date(2026, 2, 1), valid_until=date(2026, 4, 30))
CEILING = (D("3.10"), D("4.60"))
GOOD = ContractTerms(contract_no="HT-1", contract_date=date(2026, 3, 1), amount=D("200000"), term_months=24,
                     contract_rate=D("3.85"))


def terms(**changes) -> ContractTerms:
    return ContractTerms(**{**GOOD.__dict__, **changes})


def test_good_terms_have_no_problem():
    assert contract_problems(GOOD, APPROVAL, today=TODAY, ceiling=CEILING) == []


def test_a_rate_above_the_ceiling_is_no_problem():
    assert contract_problems(terms(contract_rate=D("6")), APPROVAL, today=TODAY, ceiling=CEILING) == []


@pytest.mark.parametrize("changes, field, code, params", [
    ({"contract_no": ""}, "contract_no", "contract_no_missing", {}),
    ({"contract_no": "   "}, "contract_no", "contract_no_missing", {}),
    ({"contract_no": None}, "contract_no", "contract_no_missing", {}),
    ({"contract_date": None}, "contract_date", "contract_date_missing", {}),
    ({"contract_date": date(2026, 3, 11)}, "contract_date", "contract_date_in_future", {}),
    ({"contract_date": date(2026, 1, 31)}, "contract_date", "contract_date_before_approval",
     {"date": date(2026, 2, 1)}),
    ({"amount": None}, "amount", "amount_not_positive", {}),
    ({"amount": D("0")}, "amount", "amount_not_positive", {}),
    ({"amount": D("-1")}, "amount", "amount_not_positive", {}),
    ({"amount": D("200000.01")}, "amount", "amount_above_approval", {"amount": D("200000")}),
    ({"term_months": None}, "term_months", "term_out_of_range", {"months": 24}),
    ({"term_months": 0}, "term_months", "term_out_of_range", {"months": 24}),
    ({"term_months": 25}, "term_months", "term_out_of_range", {"months": 24}),
    ({"contract_rate": None}, "contract_rate", "rate_missing", {}),
    ({"contract_rate": D("0")}, "contract_rate", "rate_missing", {}),
])
def test_one_problem(changes, field, code, params):
    assert contract_problems(terms(**changes), APPROVAL, today=TODAY, ceiling=CEILING) == [Problem(field, code, params)]


@pytest.mark.parametrize("contract_date, today, ok", [
    (date(2026, 2, 1), TODAY, True),          # the day of the approval
    (TODAY, TODAY, True),                      # today
    (date(2026, 4, 30), date(2026, 5, 5), True),   # the last day of validity, recorded late
    (date(2026, 5, 1), date(2026, 5, 5), False),   # after it
])
def test_contract_date_bounds(contract_date, today, ok):
    problems = contract_problems(terms(contract_date=contract_date), APPROVAL, today=today, ceiling=CEILING)
    assert (problems == []) is ok
    if not ok:
        assert problems == [Problem("contract_date", "contract_date_after_validity", {"date": date(2026, 4, 30)})]


def test_an_approval_without_dates_limits_only_the_future():
    open_approval = Approval(amount=D("200000"), term_months=24)
    assert contract_problems(terms(contract_date=date(2020, 1, 1)), open_approval, today=TODAY, ceiling=CEILING) == []


def test_no_policy_in_force_on_the_contract_date():
    assert contract_problems(GOOD, APPROVAL, today=TODAY, ceiling=None) == [
        Problem("contract_date", "no_policy_in_force")]


def test_without_a_date_the_ceiling_is_not_asked_for():
    assert contract_problems(terms(contract_date=None), APPROVAL, today=TODAY, ceiling=None) == [
        Problem("contract_date", "contract_date_missing")]


def test_problems_come_in_the_form_order():
    bad = ContractTerms(contract_no="", contract_date=date(2027, 1, 1), amount=D("0"), term_months=99,
                        contract_rate=None)
    assert [p.code for p in contract_problems(bad, APPROVAL, today=TODAY, ceiling=None)] == [
        "contract_no_missing", "contract_date_in_future", "amount_not_positive", "term_out_of_range",
        "rate_missing", "no_policy_in_force"]
