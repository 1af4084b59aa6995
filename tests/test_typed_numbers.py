"""Every HTML form that takes an amount or a rate reads them as people type them (issue 11,
item 2): "20万", "¥200,000.00", full-width digits, "4.35%". The value saved is exact; what
is still refused says why, beside the field."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from loans.applications.models import LoanApplication
from loans.db import db, local_today
from loans.policy.models import LprFixing, PolicyVersion
from loans.servicing.models import Loan, LoanEvent
from tests.applications.conftest import LOAN, Portal, get_application
from tests.eligibility.test_precheck_page import ANSWERS
from tests.helpers import field_error, input_value, text
from tests.policy.test_policy_admin import version_form
from tests.servicing.conftest import event_data


def test_application_amount_in_wan_is_saved_exactly(client, login_as):
    login_as("applicant")
    portal = Portal(client)
    app_id = portal.new()
    assert portal.step(app_id, "loan", {**LOAN, "amount": "20万"}).status_code == 302
    assert get_application(app_id).amount == Decimal("200000.00")
    assert input_value(portal.page(app_id, "loan"), "amount") == "200000.00"
    for typed, amount in (("￥ 150,000.50 元", "150000.50"), ("１２００００", "120000"), ("1.5万元", "15000")):
        assert portal.step(app_id, "loan", {**LOAN, "amount": typed}).status_code == 302, typed
        assert get_application(app_id).amount == Decimal(amount), typed


def test_application_amount_still_refused_says_why(client, login_as):
    login_as("applicant")
    portal = Portal(client)
    app_id = portal.new()
    page = portal.step(app_id, "loan", {**LOAN, "amount": "2,00,000"}).get_data(as_text=True)
    assert "Thousands separators go every three digits, as in 200,000" in field_error(page, "amount")
    page = portal.step(app_id, "loan", {**LOAN, "amount": "1.2345678万"}).get_data(as_text=True)
    assert "before 万, at most six" in field_error(page, "amount")
    assert get_application(app_id).amount is None


def test_precheck_takes_full_width_and_wan(client):
    response = client.post("/eligibility", data={**ANSWERS, "amount": "２０万元"}, headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert field_error(response.get_data(as_text=True), "amount") is None


def test_contract_with_percent_rate_and_grouped_amount(approved, bank_user, as_user):
    case = approved(decided_on=date(2025, 1, 20))
    response = as_user(bank_user).post(f"/loans/cases/{case.id}/contract", data={
        "contract_no": "ICBC-2025-0042", "contract_date": "2025-02-03", "amount": "¥90,000.00", "term_months": "24",
        "contract_rate": "4.35%"})
    assert response.status_code == 302, text(response.get_data(as_text=True))[:2000]
    loan = db.session.scalar(select(Loan).where(Loan.application_id == case.id))
    assert loan.amount == Decimal("90000") and loan.contract_rate == Decimal("4.35")


def test_contract_rate_in_full_width(approved, bank_user, as_user):
    case = approved(decided_on=date(2025, 1, 20))
    response = as_user(bank_user).post(f"/loans/cases/{case.id}/contract", data={
        "contract_no": "ICBC-2025-0043", "contract_date": "2025-02-03", "amount": "９万", "term_months": "24",
        "contract_rate": "３．５０％"})
    assert response.status_code == 302
    loan = db.session.scalar(select(Loan).where(Loan.application_id == case.id))
    assert loan.amount == Decimal("90000") and loan.contract_rate == Decimal("3.50")


def test_disbursement_in_wan(contracted, bank_user, as_user):
    loan = contracted(contract_date=date(2025, 1, 15))
    response = as_user(bank_user).post(f"/loans/{loan.id}/disbursements",
                                       data=event_data("disbursement", loan, event_on="2025-01-20", amount="6万"))
    assert response.status_code == 302
    assert db.session.scalar(select(LoanEvent.amount).where(LoanEvent.loan_id == loan.id)) == Decimal("60000")


def test_recommendation_amount_as_printed(make_case, staff, as_user):
    case = make_case("under_review", verified=True)
    officer = as_user(staff("officer", district_code="431002"))
    response = officer.post(f"/review/cases/{case.id}/recommend", data={
        "decision": "approve", "amount": "¥100,000.00", "term_months": "24", "bank_code": "ICBC-CZ"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(LoanApplication, case.id).recommended_amount == Decimal("100000")


def test_queue_filter_amount_in_wan(make_case, staff, as_user):
    small = make_case("submitted", amount=Decimal("50000"))
    large = make_case("submitted", amount=Decimal("250000"))
    page = text(as_user(staff("officer", district_code="431002")).get(
        "/review/?amount_min=10万&amount_max=３０万").get_data(as_text=True))
    assert large.reference in page and small.reference not in page


def test_lpr_fixing_with_percent_sign(client, login_as):
    login_as("admin")
    day = local_today() - timedelta(days=1)
    response = client.post("/admin/policy/lpr", data={"published_on": day.isoformat(), "rate": "２．９５％"})
    assert response.status_code == 302
    assert db.session.scalar(select(LprFixing.rate).where(LprFixing.published_on == day)) == Decimal("2.95")


def test_policy_maximums_in_wan(client, login_as):
    login_as("admin")
    response = client.post("/admin/policy/versions/new", data=version_form(
        "HN-2026", "2026-01-01", individual_max="30万", partnership_max="¥4,000,000.00", consumer_loan_allowed_max="5万元"))
    assert response.status_code == 302, text(response.get_data(as_text=True))[:2000]
    db.session.expire_all()
    added = db.session.scalar(select(PolicyVersion).where(PolicyVersion.code == "HN-2026"))
    assert (added.individual_max, added.partnership_max, added.consumer_loan_allowed_max) == (
        Decimal("300000"), Decimal("4000000"), Decimal("50000"))
