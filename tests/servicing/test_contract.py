"""The bank's queue of approved cases, recording a contract, declining a case (SPEC §2 bank, §4)."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from loans.applications.models import LoanApplication, OpenCaseClaim
from loans.notifications.models import Notification
from loans.audit.models import AuditEvent
from loans.db import db, local_today
from loans.servicing.models import Loan
from tests.helpers import assert_refused_here, field_error, text


def contract_form(**overrides) -> dict:
    data = {"contract_no": "ICBC-2025-0042", "contract_date": "2025-02-03", "amount": "90000", "term_months": "24",
            "contract_rate": "3.50"}
    data.update(overrides)
    return data


def test_bank_home_lists_approved_cases_of_own_bank_only(approved, bank_user, as_user, staff):
    own = approved(name="张三")
    other = approved(name="李四", bank="ABC-CZ")
    page = text(as_user(bank_user).get("/loans/").get_data(as_text=True))
    assert own.reference in page and "张三" in page
    assert other.reference not in page
    assert own.valid_until_date.isoformat() in page
    assert "¥100,000.00" in page and "24 months" in page
    assert f"{own.rate_ceiling_rate.normalize():f}" in page
    assert as_user(staff("bank", bank_code="ABC-CZ")).get(f"/loans/cases/{own.id}/contract").status_code == 404


def test_the_cases_to_contract_head_the_plain_list_and_a_search_only_says_how_many(approved, bank_user, as_user):
    own = approved(name="张三")
    approved(name="王五")
    client = as_user(bank_user)
    searched = text(client.get("/loans/?q=BL-").get_data(as_text=True))
    assert own.reference not in searched and "2 approved cases await a contract." in searched
    later = text(client.get("/loans/?page=2").get_data(as_text=True))
    assert own.reference not in later and "2 approved cases await a contract." in later
    assert own.reference in text(client.get("/loans/").get_data(as_text=True))
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    client.post("/language", data={"lang": "zh"})
    assert "2 个已批准案件等待签订合同。" in text(client.get("/loans/?status=disbursed").get_data(as_text=True))


def test_record_contract(approved, bank_user, as_user):
    case = approved(decided_on=date(2025, 1, 20), amount=Decimal("100000"), term_months=24)
    client = as_user(bank_user)
    form = client.get(f"/loans/cases/{case.id}/contract")
    assert form.status_code == 200
    response = client.post(f"/loans/cases/{case.id}/contract", data=contract_form())
    assert response.status_code == 302, text(response.get_data(as_text=True))[:2000]
    loan = db.session.scalar(select(Loan).where(Loan.application_id == case.id))
    assert response.headers["Location"].endswith(f"/loans/{loan.id}")
    db.session.refresh(case)
    assert case.status == "contracted"
    assert (loan.loan_ref, loan.source, loan.status, loan.bank_code) == (case.reference, "application", "contracted",
                                                                         "ICBC-CZ")
    assert loan.amount == Decimal("90000") and loan.contract_rate == Decimal("3.50")
    assert loan.lpr_rate == Decimal("3.10")  # the fixing of 2024-10-21, in force on 2025-02-03
    assert loan.maturity_date == date(2027, 2, 3)
    assert loan.id_number_hash == case.id_number_hash and loan.id_number_masked == case.id_number_masked
    assert loan.key_group_code == "urban_unemployed" and loan.partners == 1
    assert loan.jobs_declared == case.planned_jobs == 4  # "jobs the business will create (owners and employees)"
    assert loan.first_disbursement_date is None
    assert db.session.scalar(select(func.count()).where(AuditEvent.object_type == "loans",
                                                        AuditEvent.object_id == loan.id,
                                                        AuditEvent.action == "contract")) == 1
    assert db.session.scalar(select(func.count()).where(AuditEvent.object_type == "loan_applications",
                                                        AuditEvent.object_id == case.id,
                                                        AuditEvent.action == "contract")) == 1
    assert db.session.scalar(select(Notification).where(Notification.application_id == case.id)
                             .order_by(Notification.id.desc()).limit(1)).params["status"] == "contracted"
    page = text(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "ICBC-2025-0042" in page and "2027-02-03" in page and "3.10%" in page


def test_rate_above_ceiling_is_accepted_with_a_warning(approved, bank_user, as_user):
    case = approved(decided_on=date(2025, 1, 20))
    client = as_user(bank_user)
    response = client.post(f"/loans/cases/{case.id}/contract", data=contract_form(contract_rate="4.80"),
                           follow_redirects=True)
    page = text(response.get_data(as_text=True))
    assert response.status_code == 200
    # LPR₀ 3.10 + 150 bp = 4.60
    assert "above LPR₀ 3.10% plus the cap, 4.60%" in page and "earns no interest subsidy" in page
    assert db.session.scalar(select(Loan.contract_rate).where(Loan.application_id == case.id)) == Decimal("4.80")


def test_contract_refusals_beside_the_field(approved, bank_user, as_user):
    case = approved(decided_on=date(2025, 1, 20))
    client = as_user(bank_user)
    future = (local_today() + timedelta(days=1)).isoformat()
    cases = [
        ({"contract_date": "2025-01-19"}, "contract_date", "before the approval on 2025-01-20"),
        ({"contract_date": "2025-04-21"}, "contract_date", "after the approval's validity end 2025-04-20"),
        ({"contract_date": future}, "contract_date", "cannot be in the future"),
        ({"contract_date": "2025-02-30"}, "contract_date", "YYYY-MM-DD"),
        ({"amount": "100000.01"}, "amount", "more than the approved ¥100,000.00"),
        ({"amount": "1,0000"}, "amount", "every three digits"),
        ({"term_months": "25"}, "term_months", "between 1 and the approved 24 months"),
        ({"contract_rate": "-4.35%"}, "contract_rate", "cannot be negative"),
        ({"contract_rate": "abc"}, "contract_rate", "percent per year"),
        ({"contract_rate": "3.123456"}, "contract_rate", "at most four decimals"),
        ({"contract_no": "  "}, "contract_no", "required"),
    ]
    for overrides, field, message in cases:
        response = client.post(f"/loans/cases/{case.id}/contract", data=contract_form(**overrides))
        assert response.status_code == 400, (overrides, response.status_code)
        error = field_error(response.get_data(as_text=True), field)
        assert error and message in error, (overrides, error)
    db.session.refresh(case)
    assert case.status == "approved"
    assert db.session.scalar(select(func.count()).select_from(Loan)) == 0


def test_contract_number_is_unique_per_bank(contracted, approved, bank_user, as_user):
    first = contracted()
    case = approved(decided_on=date(2025, 1, 20))
    response = as_user(bank_user).post(f"/loans/cases/{case.id}/contract",
                                       data=contract_form(contract_no=first.contract_no))
    assert response.status_code == 400
    assert "already has a loan with contract number" in field_error(response.get_data(as_text=True), "contract_no")


def test_expired_or_revoked_approval_cannot_be_contracted(approved, bank_user, as_user, staff):
    from loans.letters.models import Letter
    from loans.letters.services import revoke_letter
    from loans.review.services import expire_approvals

    client = as_user(bank_user)
    late = approved(decided_on=date(2025, 1, 20))  # validity ended 2025-04-20, not yet marked expired
    page = text(client.get(f"/loans/cases/{late.id}/contract").get_data(as_text=True))
    assert "validity ended on 2025-04-20: only a contract signed by then can be recorded" in page
    response = client.post(f"/loans/cases/{late.id}/contract", data=contract_form(contract_date="2025-04-21"))
    assert "after the approval's validity end 2025-04-20" in field_error(response.get_data(as_text=True),
                                                                         "contract_date")
    assert expire_approvals(local_today()) == 1
    db.session.commit()
    response = client.post(f"/loans/cases/{late.id}/contract", data=contract_form())
    assert response.status_code == 409
    assert_refused_here(response, "is now “Approval expired”")

    revoked = approved()
    letter = db.session.scalar(select(Letter).where(Letter.application_id == revoked.id, Letter.kind == "approval"))
    revoke_letter(letter, actor=staff("supervisor"), reason="材料造假")
    db.session.commit()
    response = client.post(f"/loans/cases/{revoked.id}/contract",
                           data=contract_form(contract_date=local_today().isoformat()))
    assert response.status_code == 409
    assert_refused_here(response, "was revoked (材料造假)")
    assert db.session.scalar(select(func.count()).select_from(Loan)) == 0


def test_contract_twice_is_refused_clearly(approved, bank_user, as_user):
    case = approved(decided_on=date(2025, 1, 20))
    client = as_user(bank_user)
    assert client.post(f"/loans/cases/{case.id}/contract", data=contract_form()).status_code == 302
    again = client.post(f"/loans/cases/{case.id}/contract", data=contract_form(contract_no="OTHER"))
    assert again.status_code == 409
    assert_refused_here(again, "is now “Contract signed”")
    assert db.session.scalar(select(func.count()).select_from(Loan)) == 1


def test_decline(approved, bank_user, as_user, app):
    case = approved()
    client = as_user(bank_user)
    empty = client.post(f"/loans/cases/{case.id}/decline", data={"reason": " "})
    assert empty.status_code == 400
    assert field_error(empty.get_data(as_text=True), "reason")
    assert db.session.scalar(select(func.count()).where(OpenCaseClaim.application_id == case.id)) > 0
    response = client.post(f"/loans/cases/{case.id}/decline", data={"reason": "担保审查未通过"})
    assert response.status_code == 302
    db.session.expire_all()
    case = db.session.get(LoanApplication, case.id)
    assert case.status == "declined"
    # the case no longer blocks the person (claims released when a case closes)
    assert db.session.scalar(select(func.count()).where(OpenCaseClaim.application_id == case.id)) == 0
    note = db.session.scalar(select(Notification).where(Notification.application_id == case.id)
                             .order_by(Notification.id.desc()).limit(1))
    assert note.user_id == case.applicant_id and note.params["status"] == "declined"
    applicant = as_user(case.applicant)
    page = text(applicant.get(f"/my/applications/{case.id}").get_data(as_text=True))
    assert "Declined by bank" in page and "担保审查未通过" in page
    again = client.post(f"/loans/cases/{case.id}/decline", data={"reason": "再次"})
    assert again.status_code == 409
    assert_refused_here(again, "is now “Declined by bank”, so this is no longer possible")


def test_only_the_bank_contracts(approved, as_user, staff):
    case = approved()
    for role in ("officer", "supervisor", "auditor", "finance", "admin"):
        client = as_user(staff(role, district_code="431002") if role == "officer" else staff(role))
        assert client.post(f"/loans/cases/{case.id}/contract", data=contract_form()).status_code == 403
        assert client.post(f"/loans/cases/{case.id}/decline", data={"reason": "x"}).status_code == 403
