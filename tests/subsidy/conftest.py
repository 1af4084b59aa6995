"""Loans built directly with the models (not through the ledger import): the example
ledger beside the spec (examples/ledger/) and any loan a test needs."""
from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from stdnum.iso7064 import mod_11_2

# The spec's example ledger, copied into the repo (tests/ledger checks the copy is exact).
EXAMPLES = Path(__file__).resolve().parent.parent / "ledger" / "data"
EXAMPLE_EXPORT = EXAMPLES / "subsidy-2021Q3.csv"
AFTER_Q3_2021 = date(2021, 9, 21)


def resident_id(region: str, n: int) -> str:
    body = f"{region}19900101{n % 1000:03d}"
    return body + mod_11_2.calc_check_digit(body)


@pytest.fixture
def add_loan(app):
    """add_loan(ref, bank=…, events=[(date, kind, amount)], **fields) → a flushed Loan."""
    from loans.core.resident_id import mask
    from loans.db import db
    from loans.personal_data import vault
    from loans.servicing.models import Loan, LoanEvent

    counter = itertools.count(1)

    def add(loan_ref, *, bank="ICBC-CZ", district="431002", name=None, id_number=None, rate="4.35", lpr="3.85",
            contract_date=date(2021, 6, 10), amount="200000", maturity=date(2024, 6, 15), loan_type="individual",
            partners=1, status="active", policy_code="HN-2021", events=((date(2021, 6, 15), "disbursement", "200000"),)):
        n = next(counter)
        id_number = id_number or resident_id(district, n)
        disbursed = [on for on, kind, _ in events if kind == "disbursement"]
        loan = Loan(loan_ref=loan_ref, source="ledger", status=status, borrower_name=name or f"借款人{n}",
                    id_number=id_number, id_number_hash=vault().lookup_hash(id_number), id_number_masked=mask(id_number),
                    key_group_code="urban_unemployed", district_code=district, business_name=f"小店{n}",
                    loan_type=loan_type, partners=partners, jobs_declared=1, bank_code=bank, contract_no=f"C-{loan_ref}",
                    contract_date=contract_date, amount=Decimal(amount), contract_rate=Decimal(rate),
                    lpr_rate=Decimal(lpr), term_months=36, maturity_date=maturity,
                    first_disbursement_date=min(disbursed) if disbursed else None, policy_code=policy_code)
        db.session.add(loan)
        db.session.flush()
        seen: dict = {}
        for on, kind, value in events:
            key = (on, kind, value)
            seen[key] = seen.get(key, 0) + 1
            db.session.add(LoanEvent(loan_id=loan.id, event_on=on, kind=kind,
                                     amount=Decimal(value) if value is not None else None, occurrence=seen[key]))
        db.session.flush()
        return loan

    return add


@pytest.fixture
def example_ledger(add_loan):
    """The three loans of examples/ledger/loans.csv and events.csv, as the ledger has them."""
    from loans.db import db

    add_loan("EX-A", name="张三", id_number="431002199003151117", district="431002", bank="ICBC-CZ", rate="4.35")
    add_loan("EX-B", name="李四", id_number="43100319950820222X", district="431003", bank="ABC-CZ", rate="5.35")
    add_loan("EX-C", name="王五", id_number="431081198712013332", district="431081", bank="ICBC-CZ", rate="4.35",
             events=((date(2021, 6, 15), "disbursement", "200000"), (date(2021, 8, 5), "repayment", "100000")))
    db.session.commit()


@pytest.fixture
def staff(make_user):
    def make(role, **kwargs):
        kwargs.setdefault("name", f"{role} user")
        return make_user(role, **kwargs)

    return make


@pytest.fixture
def computed(app, example_ledger):
    """2021Q3 computed from the example ledger; returns {bank: statement}."""
    from loans.db import db
    from loans.subsidy import services

    services.compute_period_subsidy("2021Q3", None, today=AFTER_Q3_2021)
    db.session.commit()
    return {bank: services.current_statement("2021Q3", bank) for bank in ("ICBC-CZ", "ABC-CZ")}


@pytest.fixture(autouse=True)
def english_messages(app):
    """Service and CLI messages outside a request follow the app's default language
    (Chinese); these tests read them in English. Pages choose their own language."""
    from flask_babel import force_locale

    with force_locale("en"):
        yield
