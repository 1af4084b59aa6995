"""Every problem ``core.contract`` can return has the bank's message, in both languages."""
from datetime import date
from decimal import Decimal

import pytest
from flask_babel import force_locale

from loans.core.contract import Problem
from loans.servicing.services import contract_message

PROBLEMS = [
    Problem("contract_no", "contract_no_missing"),
    Problem("contract_date", "contract_date_missing"),
    Problem("contract_date", "contract_date_in_future"),
    Problem("contract_date", "contract_date_before_approval", {"date": date(2026, 2, 1)}),
    Problem("contract_date", "contract_date_after_validity", {"date": date(2026, 4, 30)}),
    Problem("amount", "amount_not_positive"),
    Problem("amount", "amount_above_approval", {"amount": Decimal("200000")}),
    Problem("term_months", "term_out_of_range", {"months": 24}),
    Problem("contract_rate", "rate_missing"),
    Problem("contract_date", "no_policy_in_force"),
]


@pytest.mark.parametrize("problem", PROBLEMS, ids=[p.code for p in PROBLEMS])
def test_contract_problem_messages(app, problem):
    with app.test_request_context():
        with force_locale("en"):
            english = str(contract_message(problem))
        with force_locale("zh"):
            chinese = str(contract_message(problem))
    assert english and chinese != english
    for value in ("2026-02-01", "2026-04-30", "¥200,000.00", "24"):
        if value in english:
            assert value in chinese


def test_unknown_problem_is_a_bug(app):
    with pytest.raises(ValueError):
        contract_message(Problem(None, "no_such_problem"))
