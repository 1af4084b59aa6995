"""Two clerks (or one double click) recording on the same loan at once: one change and a
clear "changed just now" answer (SPEC §4). Real concurrent requests, one client per thread."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from loans.audit.models import AuditEvent
from loans.db import db
from loans.servicing.models import Loan, LoanEvent
from tests.helpers import assert_refused_here, text
from tests.review.test_concurrency import race

from tests.helpers import client_for

from .conftest import event_data

ROUNDS = 3


@pytest.mark.parametrize("n_clerks", [2, 3])
def test_concurrent_recording_gives_one_change(app, contracted, staff, n_clerks):
    clerks = [staff("bank", bank_code="ICBC-CZ", name=f"Clerk {i}") for i in range(n_clerks)]
    clients = [client_for(app, clerk) for clerk in clerks]
    for _ in range(ROUNDS):
        loan = contracted(contract_date=date(2025, 1, 15))
        loan_id = loan.id
        # Everyone read the page at version N and sends the first disbursement.
        payload = event_data("disbursement", loan, event_on="2025-01-20", amount="50000")
        db.session.commit()

        responses = race(clients, f"/loans/{loan_id}/disbursements", [payload] * n_clerks)
        codes = sorted(r.status_code for r in responses)
        assert codes == [302] + [409] * (n_clerks - 1), codes
        for response in responses:
            if response.status_code == 409:
                assert_refused_here(response, "This loan was changed just now")

        db.session.expire_all()
        loan = db.session.get(Loan, loan_id)
        assert loan.status == "active" and loan.lock_version == 1
        assert db.session.scalar(select(func.count()).where(LoanEvent.loan_id == loan_id)) == 1
        assert db.session.scalar(select(func.count()).where(
            AuditEvent.object_type == "loan_applications", AuditEvent.object_id == loan.application_id,
            AuditEvent.action == "disburse")) == 1


def test_concurrent_contracts_give_one_loan(app, approved, staff):
    clerks = [staff("bank", bank_code="ICBC-CZ", name=f"Clerk {i}") for i in range(2)]
    clients = [client_for(app, clerk) for clerk in clerks]
    for round_no in range(ROUNDS):
        case = approved(decided_on=date(2025, 1, 20))
        case_id = case.id
        db.session.commit()
        payloads = [{"contract_no": f"R{round_no}-{i}", "contract_date": "2025-02-03", "amount": "90000",
                     "term_months": "24", "contract_rate": "3.50"} for i in range(2)]
        responses = race(clients, f"/loans/cases/{case_id}/contract", payloads)
        assert sorted(r.status_code for r in responses) == [302, 409]
        # the loser reads why on the contract page itself, whichever check saw the winner first
        page = text(next(r for r in responses if r.status_code == 409).get_data(as_text=True))
        assert "Redirecting" not in page
        assert any(reason in page for reason in ("is now “Contract signed”, so this is no longer possible",
                                                 "not possible while the case is “Contract signed”",
                                                 "A loan with the reference")), page
        assert db.session.scalar(select(func.count()).where(Loan.application_id == case_id)) == 1
