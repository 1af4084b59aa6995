"""Claims on pages (SPEC §13): the bank files one from the loan page and sees its amounts,
the officer checks, a city-wide supervisor approves (never the checker), finance pays;
recoveries and write-offs; the list's tabs; others' claims are 404; two finance users
paying at once pay once; both languages."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from flask_babel import force_locale
from sqlalchemy import func, select

from loans.db import db, local_today
from loans.fund.models import CompensationClaim, FundMovement
from loans.labels import STATUS
from loans.servicing import services as servicing
from loans.servicing.models import Loan
from tests.helpers import assert_refused_here, field_error, text
from tests.review.test_concurrency import race

D = Decimal


def overdue(approved, bank_user, *, since: date, district="431002") -> Loan:
    """¥150,000 at 3.50 % overdue from ``since`` (signed 200 days before)."""
    signed = since - timedelta(days=200)
    case = approved(decided_on=signed - timedelta(days=2), amount="150000", district=district)
    loan, _ = servicing.record_contract(case, servicing.ContractTerms(
        contract_no=f"C-{case.id}", contract_date=signed, amount=D("150000"), term_months=6,
        contract_rate=D("3.50")), actor=bank_user)
    servicing.record_disbursement(loan, actor=bank_user, on=signed, amount=D("150000"), expected_version=None)
    servicing.record_overdue_start(loan, actor=bank_user, on=since, expected_version=None)
    db.session.commit()
    return loan


def file_on_page(client, loan, claim_date):
    db.session.refresh(loan)
    return client.post(f"/loans/{loan.id}/claims", data={"version": str(loan.lock_version),
                                                          "claim_date": claim_date})


def act(client, claim_id, action, **data):
    claim = db.session.get(CompensationClaim, claim_id)
    db.session.refresh(claim)
    return client.post(f"/claims/{claim_id}/{action}", data={"version": str(claim.lock_version), **data})


def test_the_bank_files_from_the_loan_page(approved, bank_user, as_user):
    loan = overdue(approved, bank_user, since=date(2025, 1, 1))
    bank = as_user(bank_user)
    page = text(bank.get(f"/loans/{loan.id}").get_data(as_text=True))
    assert "File a compensation claim" in page and "Overdue since 2025-01-01" in page
    response = file_on_page(bank, loan, "2025-03-31")
    assert response.status_code == 400
    assert "A claim may be filed from 2025-04-01: 90 days after" in field_error(response.get_data(as_text=True),
                                                                              "claim_date")
    response = file_on_page(bank, loan, "2025-04-01")
    assert response.status_code == 302
    claim = db.session.scalar(select(CompensationClaim))
    page = text(bank.get(response.headers["Location"]).get_data(as_text=True))
    for shown in ("¥151,312.50 in all, of which the fund pays ¥121,050.00", "¥30,262.50", "¥1,312.50", "Filed"):
        assert shown in page, shown
    loan_page = text(bank.get(f"/loans/{loan.id}").get_data(as_text=True))
    assert "Claim of 2025-04-01" in loan_page and "File a compensation claim" not in loan_page
    # the same form again: the loan changed since, nothing is filed twice
    again = bank.post(f"/loans/{loan.id}/claims", data={"version": "0", "claim_date": "2025-04-01"})
    assert again.status_code == 409
    assert db.session.scalar(select(func.count()).select_from(CompensationClaim)) == 1
    assert claim.status == "filed"


def test_a_loan_not_yet_claimable_says_from_when(approved, bank_user, as_user):
    since = local_today() - timedelta(days=10)
    loan = overdue(approved, bank_user, since=since)
    page = text(as_user(bank_user).get(f"/loans/{loan.id}").get_data(as_text=True))
    assert f"a claim may be filed from {(since + timedelta(days=90)).isoformat()}" in page


def test_check_approve_pay_on_pages_with_four_eyes(approved, bank_user, staff, as_user):
    loan = overdue(approved, bank_user, since=date(2025, 1, 1))
    file_on_page(as_user(bank_user), loan, "2025-04-01")
    claim_id = db.session.scalar(select(CompensationClaim.id))
    assert as_user(staff("officer", district_code="431003")).get(f"/claims/{claim_id}").status_code == 404
    assert as_user(staff("bank", bank_code="ABC-CZ")).get(f"/claims/{claim_id}").status_code == 404
    officer = as_user(staff("officer", district_code="431002"))
    assert "Check the claim" in text(officer.get(f"/claims/{claim_id}").get_data(as_text=True))
    city_user = staff("supervisor")
    city = as_user(city_user)
    assert act(city, claim_id, "check", note="核对无误").status_code == 302
    page = text(city.get(f"/claims/{claim_id}").get_data(as_text=True))
    assert "another city-wide supervisor approves it" in page and "Mark checked" not in page
    refused = act(city, claim_id, "approve")
    assert refused.status_code == 403
    assert_refused_here(refused, "You checked this claim")
    district = as_user(staff("supervisor", district_code="431002"))
    assert act(district, claim_id, "approve").status_code == 403
    assert act(as_user(staff("supervisor")), claim_id, "approve").status_code == 302
    assert act(as_user(bank_user), claim_id, "pay", paid_on="2025-05-06", voucher_no="V").status_code == 403
    finance = as_user(staff("finance"))
    response = act(finance, claim_id, "pay", paid_on="2025-03-01", voucher_no="DC-1")
    assert "before the claim date 2025-04-01" in field_error(response.get_data(as_text=True), "paid_on")
    assert act(finance, claim_id, "pay", paid_on="2025-05-06", voucher_no="DC-1").status_code == 302
    db.session.expire_all()
    assert db.session.get(Loan, loan.id).status == "compensated"
    page = text(finance.get(f"/claims/{claim_id}").get_data(as_text=True))
    assert "Compensation claim paid" in page and "voucher DC-1" in page


def test_two_finance_users_paying_at_once_pay_once(app, approved, bank_user, staff, as_user):
    from tests.helpers import client_for

    loan = overdue(approved, bank_user, since=date(2025, 1, 1))
    from loans.fund import claims

    claim = claims.file_claim(loan, date(2025, 4, 1), bank_user)
    claims.check_claim(claim, actor=staff("officer", district_code="431002"))
    claims.approve_claim(claim, actor=staff("supervisor"))
    db.session.commit()
    clients = [client_for(app, staff("finance", name=f"Finance {i}")) for i in range(2)]
    payload = {"version": str(claim.lock_version), "paid_on": "2025-05-06", "voucher_no": "DC-9"}
    responses = race(clients, f"/claims/{claim.id}/pay", [payload, payload])
    assert sorted(r.status_code for r in responses) == [302, 409]
    assert_refused_here(next(r for r in responses if r.status_code == 409), "This was changed by someone else just now")
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(FundMovement).where(
        FundMovement.claim_id == claim.id)) == 1
    assert [e.kind for e in db.session.get(Loan, loan.id).events].count("compensation") == 1


def test_recovery_and_write_off_on_pages(approved, bank_user, staff, as_user):
    from loans.fund import claims

    loan = overdue(approved, bank_user, since=date(2025, 1, 1))
    claim = claims.file_claim(loan, date(2025, 4, 1), bank_user)
    claims.check_claim(claim, actor=staff("officer", district_code="431002"))
    claims.approve_claim(claim, actor=staff("supervisor"))
    claims.pay_claim(claim, paid_on=date(2025, 5, 6), voucher_no="DC-1", actor=staff("finance"))
    db.session.commit()
    bank = as_user(bank_user)
    response = act(bank, claim.id, "recoveries", recovered_on="2025-06-01", amount="151312.51")
    assert "¥151,312.50 is left to recover" in field_error(response.get_data(as_text=True), "amount")
    assert act(bank, claim.id, "recoveries", recovered_on="2025-06-01", amount="10000.03").status_code == 302
    page = text(bank.get(f"/claims/{claim.id}").get_data(as_text=True))
    assert "¥8,000.02" in page and "¥2,000.01" in page and "Left to recover ¥141,312.47" in page
    city = as_user(staff("supervisor"))
    assert act(city, claim.id, "write-off", reason="借款人失联").status_code == 302
    finance = as_user(staff("finance"))
    proposal_version = "0"
    response = finance.post(f"/claims/{claim.id}/write-off/decide", data={"version": proposal_version})
    assert response.status_code == 400  # no decision chosen
    response = finance.post(f"/claims/{claim.id}/write-off/decide",
                            data={"version": proposal_version, "decision": "approve"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Loan, loan.id).status == "written_off"
    assert "Record a recovery" in text(bank.get(f"/claims/{claim.id}").get_data(as_text=True))


def test_the_list_by_role_and_tab(approved, bank_user, staff, as_user):
    from loans.fund import claims

    ours = overdue(approved, bank_user, since=date(2025, 1, 1))
    theirs = overdue(approved, bank_user, since=date(2025, 1, 1), district="431003")
    claims.file_claim(ours, date(2025, 4, 1), bank_user)
    claims.file_claim(theirs, date(2025, 4, 2), bank_user)
    db.session.commit()
    officer = text(as_user(staff("officer", district_code="431002")).get("/claims/").get_data(as_text=True))
    assert ours.loan_ref in officer and theirs.loan_ref not in officer
    finance = text(as_user(staff("finance")).get("/claims/?tab=filed").get_data(as_text=True))
    assert ours.loan_ref in finance and theirs.loan_ref in finance
    auditor = as_user(staff("auditor"))
    assert auditor.get("/claims/?tab=legacy").status_code == 200
    claim_id = db.session.scalar(select(CompensationClaim.id).limit(1))
    page = text(auditor.get(f"/claims/{claim_id}").get_data(as_text=True))
    assert "Nothing for you to do on this claim now." in page
    assert as_user(staff("applicant")).get("/claims/").status_code == 403


def test_pages_in_chinese(approved, bank_user, staff, as_user):
    loan = overdue(approved, bank_user, since=date(2025, 1, 1))
    bank = as_user(bank_user)
    bank.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    assert file_on_page(bank, loan, "2025-04-01").status_code == 302
    claim_id = db.session.scalar(select(CompensationClaim.id))
    with force_locale("zh"):
        overdue_word = str(STATUS["overdue"])
    for path in (f"/claims/{claim_id}", "/claims/", f"/loans/{loan.id}"):
        response = bank.get(path)
        page = text(response.get_data(as_text=True))
        assert response.status_code == 200 and 'lang="zh' in response.get_data(as_text=True), path
        assert "151,312.50" in page, path
    assert overdue_word in text(bank.get(f"/claims/{claim_id}").get_data(as_text=True))


def test_finance_completes_an_earlier_compensation(approved, bank_user, staff, as_user):
    loan = overdue(approved, bank_user, since=date(2025, 1, 1))
    finance_user = staff("finance")
    event = servicing.record_compensation(loan, actor=finance_user, on=date(2025, 5, 1), amount=D("150000"),
                                          expected_version=None)
    legacy = CompensationClaim(loan_id=loan.id, bank_code=loan.bank_code, district_code=loan.district_code,
                               status="paid", legacy=True, claim_date=date(2025, 5, 1), principal=D("150000"),
                               interest=D(0), total=D("150000"), share_pct=D(80), fund_share=D("120000"),
                               bank_share=D("30000"), paid_on=date(2025, 5, 1), compensation_event_id=event.id)
    db.session.add(legacy)
    db.session.commit()
    finance = as_user(finance_user)
    listed = text(finance.get("/claims/?tab=legacy").get_data(as_text=True))
    assert loan.loan_ref in listed and "carried over" in listed
    page = text(finance.get(f"/claims/{legacy.id}").get_data(as_text=True))
    assert "Complete an earlier compensation" in page
    response = act(finance, legacy.id, "complete", paid_on="2025-05-01", voucher_no="")
    assert response.status_code == 400 and not db.session.scalar(select(func.count()).select_from(FundMovement).where(
        FundMovement.claim_id == legacy.id))
    assert act(finance, legacy.id, "complete", paid_on="2025-05-01", voucher_no="DC-2024-9").status_code == 302
    movement = db.session.scalar(select(FundMovement).where(FundMovement.claim_id == legacy.id))
    assert (movement.amount, movement.voucher_no, movement.kind) == (D("120000.00"), "DC-2024-9", "compensation_paid")
    page = text(finance.get(f"/claims/{legacy.id}").get_data(as_text=True))
    assert "Complete an earlier compensation" not in page and "voucher DC-2024-9" in page
    assert loan.loan_ref not in text(finance.get("/claims/?tab=legacy").get_data(as_text=True))
