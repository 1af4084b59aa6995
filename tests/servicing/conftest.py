"""Loans built through the real services: an approved case (make_case), then a contract
recorded by the bank on a chosen date, then events."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from tests.review.conftest import as_user, client_for, make_case, staff  # noqa: F401 (fixtures)


@pytest.fixture
def bank_user(staff):
    return staff("bank", bank_code="ICBC-CZ", name="ICBC clerk")


@pytest.fixture
def approved(make_case):
    """approved(decided_on=…, **make_case fields) → an approved case, its decision moved to
    ``decided_on`` (validity 90 days from it) so contracts can be dated in the past."""
    from loans.db import db

    def make(decided_on: date | None = None, **fields):
        case = make_case("approved", **fields)
        if decided_on is not None:
            case.decision_on = decided_on
            case.valid_until_date = decided_on + timedelta(days=90)
            db.session.commit()
        return case

    return make


@pytest.fixture
def contracted(approved, bank_user):
    """contracted(contract_date=…, rate=…, **case fields) → a Loan in ``contracted``."""
    from loans.db import db
    from loans.servicing import services

    def make(contract_date: date = date(2025, 1, 15), rate: str = "3.50", amount: str = "100000", term_months: int = 24,
             **fields):
        case = approved(decided_on=contract_date - timedelta(days=5), **fields)
        loan, _ = services.record_contract(case, services.ContractTerms(
            contract_no=f"C-{case.id}", contract_date=contract_date, amount=Decimal(amount), term_months=term_months,
            contract_rate=Decimal(rate)), actor=bank_user)
        db.session.commit()
        return loan

    return make


def event_data(kind: str, loan, **values) -> dict:
    """Form fields of one loan action (the forms are prefixed by kind)."""
    data = {f"{kind}-version": str(loan.lock_version)}
    data.update({f"{kind}-{name}": str(value) for name, value in values.items()})
    return data
