"""Recording a loan's life on its page (SPEC §4, §7): disbursements, repayments, overdue
periods, extensions (compensation comes through a claim: tests/fund); each refused with a clear message when it would make
the history inconsistent; status mirrored onto the case; scoping."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from loans.applications.models import LoanApplication, OpenCaseClaim
from loans.audit.models import AuditEvent
from loans.db import db, local_today
from loans.servicing import services
from loans.servicing.models import FollowUpVisit, Loan, LoanEvent
from tests.helpers import assert_refused_here, field_error, text

from .conftest import event_data


def post(client, loan, kind, **values):
    path = {"disbursement": "disbursements", "repayment": "repayments", "overdue_start": "overdue-start",
            "overdue_end": "overdue-end", "extension": "extension"}[kind]
    db.session.refresh(loan)
    return client.post(f"/loans/{loan.id}/{path}", data=event_data(kind, loan, **values))


def reload(loan) -> Loan:
    db.session.expire_all()
    return db.session.get(Loan, loan.id)


def case_of(loan) -> LoanApplication:
    return db.session.get(LoanApplication, loan.application_id)


def test_disbursements(contracted, bank_user, as_user):
    loan = contracted(contract_date=date(2025, 1, 15))
    client = as_user(bank_user)
    response = post(client, loan, "disbursement", event_on="2025-01-20", amount="60000")
    assert response.status_code == 302
    loan = reload(loan)
    assert (loan.status, loan.first_disbursement_date, loan.policy_code) == ("active", date(2025, 1, 20), "HN-2023")
    assert case_of(loan).status == "active"
    assert post(client, loan, "disbursement", event_on="2025-03-01", amount="40000").status_code == 302
    loan = reload(loan)
    assert loan.status == "active" and loan.first_disbursement_date == date(2025, 1, 20)
    assert [(e.kind, e.amount) for e in loan.events] == [("disbursement", Decimal("60000")),
                                                          ("disbursement", Decimal("40000"))]
    page = text(client.get(f"/loans/{loan.id}").get_data(as_text=True))
    assert "Balance today ¥100,000.00" in page and "policy HN-2023" in page
    assert "Record a disbursement" not in page  # nothing left to pay out
    audit = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "loans",
                                                                   AuditEvent.object_id == loan.id)))
    assert audit == ["contract", "disbursement", "disbursement"]


def test_disbursement_refusals(contracted, bank_user, as_user):
    loan = contracted(contract_date=date(2025, 1, 15), amount="100000", term_months=6)
    client = as_user(bank_user)
    future = (local_today() + timedelta(days=1)).isoformat()
    for values, field, message in [
        ({"event_on": "2025-01-14", "amount": "1000"}, "disbursement-event_on", "before the contract date 2025-01-15"),
        ({"event_on": future, "amount": "1000"}, "disbursement-event_on", "cannot be in the future"),
        ({"event_on": "2025-01-20", "amount": "100000.01"}, "disbursement-amount", "more than the contract amount"),
        ({"event_on": "2025-01-20", "amount": "-5"}, "disbursement-amount", "cannot be negative"),
        ({"event_on": "2025-07-16", "amount": "1000"}, "disbursement-event_on", "after the maturity date 2025-07-15"),
        ({"event_on": "not a date", "amount": "1000"}, "disbursement-event_on", "YYYY-MM-DD"),
    ]:
        response = post(client, loan, "disbursement", **values)
        assert response.status_code == 400, values
        error = field_error(response.get_data(as_text=True), field)
        assert error and message in error, (values, error)
    assert reload(loan).status == "contracted" and not reload(loan).events


def test_repayments_and_settlement(contracted, bank_user, as_user):
    loan = contracted(contract_date=date(2025, 1, 15))
    client = as_user(bank_user)
    post(client, loan, "disbursement", event_on="2025-01-20", amount="100000")
    response = post(client, loan, "repayment", event_on="2025-01-19", amount="10")
    assert "more than the balance of ¥0.00 on 2025-01-19" in field_error(response.get_data(as_text=True),
                                                                       "repayment-amount")
    assert post(client, loan, "repayment", event_on="2025-06-01", amount="70000").status_code == 302
    # Recorded late: 40,000 on 2025-03-01 fits that day's balance but would make June's negative.
    response = post(client, loan, "repayment", event_on="2025-03-01", amount="40000")
    assert response.status_code == 400
    assert "fall below zero later on" in field_error(response.get_data(as_text=True), "repayment-amount")
    assert post(client, loan, "repayment", event_on="2025-03-01", amount="20000").status_code == 302
    assert reload(loan).status == "active"
    assert db.session.scalar(select(func.count()).where(OpenCaseClaim.application_id == loan.application_id)) > 0
    response = post(client, loan, "repayment", event_on="2025-09-01", amount="10000")
    assert response.status_code == 302
    page = text(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "the loan is settled" in page and "Balance today ¥0.00" in page
    loan = reload(loan)
    assert loan.status == "settled" and case_of(loan).status == "settled"
    # a closed case no longer blocks the person
    assert db.session.scalar(select(func.count()).where(OpenCaseClaim.application_id == loan.application_id)) == 0
    response = post(client, loan, "disbursement", event_on="2025-09-02", amount="1")
    assert response.status_code == 409
    assert_refused_here(response, "This loan is closed (Settled)")


def test_overdue_period(contracted, bank_user, as_user):
    loan = contracted(contract_date=date(2025, 1, 15))
    client = as_user(bank_user)
    response = post(client, loan, "overdue_end", event_on="2025-02-01")
    assert response.status_code == 409
    assert_refused_here(response, "not possible while the loan is “Contract signed”")
    post(client, loan, "disbursement", event_on="2025-01-20", amount="100000")
    response = post(client, loan, "overdue_start", event_on="2025-01-18")
    assert "Nothing was outstanding on 2025-01-18" in field_error(response.get_data(as_text=True),
                                                                  "overdue_start-event_on")
    assert post(client, loan, "overdue_start", event_on="2025-05-01").status_code == 302
    loan = reload(loan)
    assert loan.status == "overdue" and case_of(loan).status == "overdue"
    page = text(client.get(f"/loans/{loan.id}").get_data(as_text=True))
    assert "overdue since 2025-05-01" in page
    response = post(client, loan, "overdue_end", event_on="2025-05-01")
    assert "must be after the start of the overdue period (2025-05-01)" in field_error(
        response.get_data(as_text=True), "overdue_end-event_on")
    response = post(client, loan, "extension", event_on="2025-05-02", new_maturity_date="2027-06-01")
    assert response.status_code == 409
    assert_refused_here(response, "An overdue loan cannot be extended")
    assert post(client, loan, "overdue_end", event_on="2025-05-20").status_code == 302
    loan = reload(loan)
    assert loan.status == "active" and case_of(loan).status == "active"
    response = post(client, loan, "overdue_start", event_on="2025-05-10")
    assert "before the end of the previous overdue period (2025-05-20)" in field_error(
        response.get_data(as_text=True), "overdue_start-event_on")
    actions = list(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "loan_applications", AuditEvent.object_id == loan.application_id)
        .order_by(AuditEvent.id)))
    assert actions[-4:] == ["contract", "disburse", "become_overdue", "cure"]


def test_extension(contracted, bank_user, as_user):
    loan = contracted(contract_date=date(2025, 1, 15), term_months=12)
    client = as_user(bank_user)
    post(client, loan, "disbursement", event_on="2025-01-20", amount="50000")
    response = post(client, loan, "extension", event_on="2025-12-01", new_maturity_date="2026-01-15")
    assert "must be after the current one, 2026-01-15" in field_error(response.get_data(as_text=True),
                                                                       "extension-new_maturity_date")
    assert post(client, loan, "extension", event_on="2025-12-01", new_maturity_date="2026-07-15").status_code == 302
    loan = reload(loan)
    assert (loan.status, loan.maturity_date, loan.extended_maturity_date) == ("extended", date(2026, 1, 15),
                                                                            date(2026, 7, 15))
    assert case_of(loan).status == "extended"
    # an extended loan can still be repaid and settled
    assert post(client, loan, "repayment", event_on="2026-03-01", amount="50000").status_code == 302
    assert reload(loan).status == "settled"


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


def test_an_overdue_loan_offers_a_claim_not_a_compensation(contracted, bank_user, as_user):
    """Compensation comes from a claim the fund pays (SPEC §13): the clerk files a claim."""
    loan = contracted(contract_date=date(2025, 1, 15))
    client = as_user(bank_user)
    post(client, loan, "disbursement", event_on="2025-01-20", amount="80000")
    post(client, loan, "overdue_start", event_on="2025-04-01")
    page = text(client.get(f"/loans/{loan.id}").get_data(as_text=True))
    assert "File a compensation claim" in page and "Record compensation" not in page
    assert client.post(f"/loans/{loan.id}/compensation", data={}).status_code in (404, 405)
    assert reload(loan).status == "overdue"


def test_a_form_sent_twice_records_once(contracted, bank_user, as_user):
    loan = contracted(contract_date=date(2025, 1, 15))
    client = as_user(bank_user)
    db.session.refresh(loan)
    data = event_data("disbursement", loan, event_on="2025-01-20", amount="10000")
    assert client.post(f"/loans/{loan.id}/disbursements", data=data).status_code == 302
    again = client.post(f"/loans/{loan.id}/disbursements", data=data)
    assert again.status_code == 409
    assert_refused_here(again, "This loan was changed just now")
    # the form comes back afresh at the current version, not with the stale one
    assert f'name="disbursement-version" type="hidden" value="{reload(loan).lock_version}"' in \
        again.get_data(as_text=True)
    assert len(reload(loan).events) == 1


def test_hostile_values_never_500(contracted, bank_user, as_user):
    loan = contracted(contract_date=date(2025, 1, 15))
    client = as_user(bank_user)
    for data in ({"disbursement-version": "9" * 30, "disbursement-event_on": "2025-01-20",
                  "disbursement-amount": "1"},
                 {"disbursement-version": "x", "disbursement-event_on": "9999-99-99", "disbursement-amount": "1e999"},
                 {"disbursement-version": "0", "disbursement-event_on": "0001-01-01", "disbursement-amount": "NaN"}):
        assert client.post(f"/loans/{loan.id}/disbursements", data=data).status_code == 400
    for query in ("page=99999999999999999999", "page=-1", "status=nonsense", "q=" + "x" * 500, "q=%25_%25"):
        assert client.get(f"/loans/?{query}").status_code in (200, 400)


def test_visits(contracted, as_user, staff, bank_user):
    loan = contracted(contract_date=date(2025, 1, 15))
    officer = staff("officer", district_code="431002")
    client = as_user(officer)
    page = client.get(f"/loans/{loan.id}").get_data(as_text=True)
    assert "Record a visit" in page and "Record a disbursement" not in page
    response = client.post(f"/loans/{loan.id}/visits",
                           data={"visited_on": "2025-01-10", "owners": "1", "employees": "3"})
    assert "before the contract date 2025-01-15" in field_error(response.get_data(as_text=True), "visited_on")
    response = client.post(f"/loans/{loan.id}/visits", data={"visited_on": "2025-06-10", "owners": "", "employees": "3"})
    assert response.status_code == 400 and field_error(response.get_data(as_text=True), "owners")
    response = client.post(f"/loans/{loan.id}/visits",
                           data={"visited_on": "2025-06-10", "owners": "1", "employees": "3", "note": "门店正常营业"})
    assert response.status_code == 302
    visit = db.session.scalar(select(FollowUpVisit).where(FollowUpVisit.loan_id == loan.id))
    assert (visit.owners, visit.employees_with_contracts, visit.jobs_verified, visit.officer_id) == (1, 3, 4, officer.id)
    page = text(client.get(f"/loans/{loan.id}").get_data(as_text=True))
    assert "1 owners and 3 employees with labour contracts: 4 jobs" in page and "门店正常营业" in page
    other = as_user(staff("officer", district_code="431003"))
    assert other.post(f"/loans/{loan.id}/visits", data={"visited_on": "2025-06-10", "owners": "1",
                                                        "employees": "3"}).status_code == 404
    assert as_user(bank_user).post(f"/loans/{loan.id}/visits", data={}).status_code == 403


def test_scoping(contracted, as_user, staff, make_user):
    loan = contracted(contract_date=date(2025, 1, 15))
    path = f"/loans/{loan.id}"
    assert as_user(staff("officer", district_code="431003")).get(path).status_code == 404
    assert as_user(staff("supervisor", district_code="431003")).get(path).status_code == 404
    assert as_user(staff("bank", bank_code="CZRCB")).get(path).status_code == 404
    for user in (staff("officer", district_code="431002"), staff("supervisor"),
                 staff("supervisor", district_code="431002")):
        assert as_user(user).get(path).status_code == 200
    auditor_page = as_user(staff("auditor")).get(path).get_data(as_text=True)
    assert loan.loan_ref in auditor_page and "<form method=\"post\" action=\"/loans/" not in auditor_page
    assert as_user(staff("finance")).get(path).status_code == 403
    # lists are scoped the same way
    assert loan.loan_ref not in as_user(staff("officer", district_code="431003")).get("/loans/").get_data(as_text=True)
    assert loan.loan_ref in as_user(staff("officer", district_code="431002")).get("/loans/").get_data(as_text=True)


def test_list_filters_search_and_pages(contracted, bank_user, as_user):
    loans = [contracted(contract_date=date(2025, 1, 15), name=f"借款人{i}") for i in range(3)]
    client = as_user(bank_user)
    services.record_disbursement(loans[0], actor=bank_user, on=date(2025, 1, 20), amount=Decimal("1000"),
                                 expected_version=None)
    db.session.commit()
    page = text(client.get("/loans/?status=active").get_data(as_text=True))
    assert loans[0].loan_ref in page and loans[1].loan_ref not in page
    page = text(client.get("/loans/?q=借款人2").get_data(as_text=True))
    assert loans[2].loan_ref in page and loans[0].loan_ref not in page
    page = text(client.get(f"/loans/?q={loans[1].contract_no}").get_data(as_text=True))
    assert loans[1].loan_ref in page and loans[0].loan_ref not in page
    assert "Page 1 of 1" in text(client.get("/loans/").get_data(as_text=True))


def test_applicant_sees_own_loan(contracted, bank_user, as_user):
    loan = contracted(contract_date=date(2025, 1, 15))
    services.record_disbursement(loan, actor=bank_user, on=date(2025, 1, 20), amount=Decimal("100000"),
                                 expected_version=None)
    services.record_repayment(loan, actor=bank_user, on=date(2025, 6, 1), amount=Decimal("30000"),
                              expected_version=None)
    db.session.commit()
    case = case_of(loan)
    page = text(as_user(case.applicant).get(f"/my/applications/{case.id}").get_data(as_text=True))
    assert "Your loan" in page and "Balance today ¥70,000.00" in page
    assert "2025-01-20 · paid out ¥100,000.00" in page and "2025-06-01 · repaid ¥30,000.00" in page
    assert "Loan paid out" in page  # the case timeline shows the status change
    assert as_user(case.applicant).get(f"/loans/{loan.id}").status_code == 403


def test_form_needs_csrf_token(migrated_template, tmp_path):
    from tests.conftest import csrf_token, running_app

    (tmp_path / "csrf").mkdir()
    with running_app(migrated_template, tmp_path / "csrf", WTF_CSRF_ENABLED=True) as app:
        from loans.auth.services import create_user

        create_user(role="bank", email="clerk@example.cn", password="Correct-Horse-42", bank_code="ICBC-CZ",
                            check_password=False)
        db.session.commit()
        loan = _ledger_loan()
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        client.post("/login", data={"login": "clerk@example.cn", "password": "Correct-Horse-42",
                                    "csrf_token": csrf_token(page)})
        data = event_data("disbursement", loan, event_on="2025-01-20", amount="1000")
        refused = client.post(f"/loans/{loan.id}/disbursements", data=data)
        assert refused.status_code == 400
        assert not db.session.scalars(select(LoanEvent)).all()
        page = client.get(f"/loans/{loan.id}").get_data(as_text=True)
        data["disbursement-csrf_token"] = csrf_token(page)
        assert client.post(f"/loans/{loan.id}/disbursements", data=data).status_code == 302
        assert len(db.session.scalars(select(LoanEvent)).all()) == 1


def _ledger_loan(**fields) -> Loan:
    """A loan as a ledger import stores it (no application)."""
    from loans.core import resident_id
    from loans.personal_data import vault
    from tests.factories import resident_id as make_id

    number = fields.pop("id_number", None) or make_id("431002", date(1980, 3, 3), 91)
    values = dict(loan_ref="LEDGER-001", source="ledger", status="contracted", borrower_name="台账借款人",
                  id_number=number, id_number_hash=vault().lookup_hash(number), id_number_masked=resident_id.mask(number),
                  key_group_code="veteran", district_code="431002", business_name="台账小店", loan_type="individual",
                  partners=1, jobs_declared=2, bank_code="ICBC-CZ", contract_no="L-001", contract_date=date(2025, 1, 10),
                  amount=Decimal("50000"), contract_rate=Decimal("3.45"), lpr_rate=Decimal("3.10"), term_months=24,
                  maturity_date=date(2027, 1, 10))
    values.update(fields)
    loan = Loan(**values)
    db.session.add(loan)
    db.session.commit()
    return loan


def test_two_equal_repayments_on_one_day_are_two_events(contracted, bank_user, as_user):
    """Instalments paid in two transfers: ¥100 twice on one day is two repayments, numbered
    like the ledger's identical rows, never a 500 (issue 8, finding 2)."""
    loan = contracted(contract_date=date(2025, 1, 15))
    client = as_user(bank_user)
    assert post(client, loan, "disbursement", event_on="2025-01-20", amount="1000").status_code == 302
    assert post(client, loan, "disbursement", event_on="2025-01-20", amount="1000").status_code == 302
    for _ in range(3):
        assert post(client, loan, "repayment", event_on="2025-02-20", amount="100").status_code == 302
    loan = reload(loan)
    repayments = [e for e in loan.events if e.kind == "repayment"]
    assert [(e.amount, e.occurrence) for e in repayments] == [(Decimal("100"), 1), (Decimal("100"), 2),
                                                              (Decimal("100"), 3)]
    assert sorted(e.occurrence for e in loan.events if e.kind == "disbursement") == [1, 2]
    page = text(client.get(f"/loans/{loan.id}").get_data(as_text=True))
    assert "Balance today ¥1,700.00" in page
