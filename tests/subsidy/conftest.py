"""Subsidy: the example ledger beside the spec (examples/ledger/) as loans built directly
with the models (``add_loan`` of the root conftest, not the ledger import), and its
2021Q3 statements."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

# The spec's example ledger, copied into the repo (tests/ledger checks the copy is exact).
EXAMPLES = Path(__file__).resolve().parent.parent / "ledger" / "data"
EXAMPLE_EXPORT = EXAMPLES / "subsidy-2021Q3.csv"
AFTER_Q3_2021 = date(2021, 9, 21)


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
