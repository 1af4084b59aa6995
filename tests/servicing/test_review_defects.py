"""Defects found in review of the servicing module."""
from __future__ import annotations

from datetime import date

from loans.db import db
from tests.helpers import field_error

from .test_loan_actions import post, reload


def test_no_disbursement_after_the_contract_maturity_of_an_extended_loan(contracted, bank_user, as_user):
    """An extension (展期) gives time to repay; new money paid out after the contract's
    maturity was accepted once the loan had been extended."""
    loan = contracted(contract_date=date(2025, 1, 15), amount="100000", term_months=6)
    client = as_user(bank_user)
    assert post(client, loan, "disbursement", event_on="2025-01-20", amount="50000").status_code == 302
    assert post(client, reload(loan), "extension", event_on="2025-07-01",
                new_maturity_date="2026-01-15").status_code == 302
    loan = reload(loan)
    assert loan.status == "extended"
    response = post(client, loan, "disbursement", event_on="2025-08-01", amount="10000")
    assert response.status_code == 400
    error = field_error(response.get_data(as_text=True), "disbursement-event_on")
    assert error and "after the maturity date 2025-07-15" in error
    assert [e.kind for e in reload(loan).events] == ["disbursement", "extension"]
