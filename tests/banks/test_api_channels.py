"""Issue 14, "done when": a bank's month — contract, disbursements, repayments, an overdue
period, an extension — typed by its clerk, fed by API calls alone, and (after the contract)
by one file alone, gives the same loans and the same subsidy."""
from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from loans.banks.tokens import issue_token
from loans.db import db
from loans.servicing import services
from loans.servicing.models import Loan
from loans.subsidy.models import SubsidyLine

BASE = "/api/v1/bank"
CONTRACT = dict(contract_no="C-{}", contract_date=date(2025, 1, 15), amount=Decimal("50000"), term_months=24,
                contract_rate=Decimal("3.50"))
MONTH = [  # (date, kind, amount, new maturity, bank_ref)
    (date(2025, 1, 20), "disbursement", Decimal("30000"), None, "D1"),
    (date(2025, 1, 25), "disbursement", Decimal("20000"), None, "D2"),
    (date(2025, 2, 20), "repayment", Decimal("5000"), None, "R1"),
    (date(2025, 2, 25), "overdue_start", None, None, "O1"),
    (date(2025, 3, 5), "repayment", Decimal("1000"), None, "R2"),
    (date(2025, 3, 10), "overdue_end", None, None, "O2"),
    (date(2025, 3, 15), "extension", None, date(2027, 7, 15), "E1"),
]


def _typed(case, clerk) -> Loan:
    terms = services.ContractTerms(**{**CONTRACT, "contract_no": f"C-{case.id}"})
    loan, _ = services.record_contract(case, terms, actor=clerk)
    for on, kind, amount, new_maturity, _ref in MONTH:
        values = {"on": on, "expected_version": None}
        if amount is not None:
            values["amount"] = amount
        if new_maturity is not None:
            values["new_maturity_date"] = new_maturity
        getattr(services, f"record_{kind}")(loan, actor=clerk, **values)
    db.session.commit()
    return loan


def _contract_by_api(client, case, key):
    body = {"contract_no": f"C-{case.id}", "contract_date": "2025-01-15", "amount": "50000", "contract_rate": "3.50",
            "term_months": 24, "id_number": case.id_number}
    response = client.post(f"{BASE}/cases/{case.reference}/contract", json=body, headers={"Idempotency-Key": key})
    assert response.status_code == 201, response.get_json()


def _by_api(client, case) -> None:
    _contract_by_api(client, case, f"api-c-{case.id}")
    for n, (on, kind, amount, new_maturity, ref) in enumerate(MONTH):
        body = {"date": on.isoformat(), "kind": kind, "bank_ref": f"API-{ref}"}
        if amount is not None:
            body["amount"] = str(amount)
        if new_maturity is not None:
            body["new_maturity"] = new_maturity.isoformat()
        response = client.post(f"{BASE}/loans/{case.reference}/events", json=body,
                               headers={"Idempotency-Key": f"api-{n}"})
        assert response.status_code == 201, response.get_json()


def _by_file(client, case) -> None:
    _contract_by_api(client, case, f"file-c-{case.id}")
    lines = ["loan_ref,date,kind,amount,bank_ref,new_maturity"]
    for on, kind, amount, new_maturity, ref in MONTH:
        lines.append(f"{case.reference},{on},{kind},{amount or ''},FILE-{ref},{new_maturity or ''}")
    data = ("\r\n".join(lines) + "\r\n").encode()
    preview = client.post(f"{BASE}/files", data={"file": (io.BytesIO(data), "month.csv")},
                          content_type="multipart/form-data", headers={"Idempotency-Key": "file-1"})
    assert preview.status_code == 201 and preview.get_json()["counts"]["new"] == len(MONTH), preview.get_json()
    confirmed = client.post(f"{BASE}/files/{preview.get_json()['id']}/confirm", headers={"Idempotency-Key": "file-2"})
    assert confirmed.status_code == 200, confirmed.get_json()


def _shape(loan: Loan):
    db.session.refresh(loan)
    return (loan.status, loan.amount, loan.maturity_date, loan.extended_maturity_date, loan.first_disbursement_date,
            [(e.event_on, str(e.kind), e.amount, e.new_maturity_date) for e in loan.events])


def test_typed_by_api_and_by_file_give_the_same_loans_and_subsidy(app, approved, bank_user):
    from loans.subsidy.services import compute_period_subsidy

    cases = [approved(decided_on=date(2025, 1, 10)) for _ in range(3)]
    _token, secret = issue_token("ICBC-CZ", "core system")
    db.session.commit()
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"

    typed = _typed(cases[0], bank_user)
    _by_api(client, cases[1])
    _by_file(client, cases[2])
    loans = [db.session.scalar(select(Loan).where(Loan.loan_ref == c.reference)) for c in cases]
    assert loans[0].id == typed.id
    shapes = [_shape(loan) for loan in loans]
    assert shapes[0] == shapes[1] == shapes[2] and shapes[0][0] == "extended"
    assert [sorted({e.source for e in loan.events}) for loan in loans] == [["page"], ["api"], ["file"]]

    compute_period_subsidy("2025Q1", None, today=date(2025, 4, 1))
    db.session.commit()
    subsidy = {line.loan_id: (line.subsidy, line.subsidised_days, line.balance_days)
               for line in db.session.scalars(select(SubsidyLine))}
    assert subsidy[loans[0].id][0] > 0
    assert subsidy[loans[0].id] == subsidy[loans[1].id] == subsidy[loans[2].id]
