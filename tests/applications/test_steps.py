"""The multi-step application form: validation beside each field, drafts, partners,
declarations, review, submission, withdrawal and who may see what (issue 2)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from loans.applications import services
from loans.eligibility.models import EligibilitySnapshot
from loans.core.workflow import Action
from loans.db import db, local_today
from tests.applications.conftest import (BUSINESS, DECLARATIONS, LOAN, PERSON, Portal, credit_code, get_application,
                                         resident_id, tiny_pdf)
from tests.helpers import field_error, input_value, is_checked, selected_option, text
from loans.errors import Refused
from loans.unit_of_work import unit_of_work


def person(**changes):
    return {**PERSON, "id_number": resident_id(), **changes}


# --- the person -----------------------------------------------------------------------------

def test_person_step_saves_and_moves_on(portal):
    app_id = portal.new()
    response = portal.step(app_id, "person", person(id_number=resident_id()[:-1] + resident_id()[-1].lower()))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/my/applications/{app_id}/step/groups")
    application = get_application(app_id)
    assert application.full_name == "张小明"
    assert application.id_number == resident_id()
    assert application.id_number_masked == resident_id()[:6] + "********" + resident_id()[-4:]
    assert application.mobile == "13812345678"
    assert application.household_district_code == "431002"


def bad_check_digit() -> str:
    good = resident_id()
    return good[:-1] + ("0" if good[-1] != "0" else "1")


@pytest.mark.parametrize("number, message", [
    (bad_check_digit(), "check digit"),
    (resident_id(birth="19900230"), "is not a real date"),
    (resident_id(birth="20990101"), "in the future"),
    (resident_id(region="999999"), "region code"),
    ("43100219900315", "18 characters"),
    ("43100219900315A12X", "17 digits followed by a digit or X"),
])
def test_bad_resident_id_is_refused_beside_the_field(portal, number, message):
    app_id = portal.new()
    response = portal.step(app_id, "person", person(id_number=number))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in (field_error(page, "id_number") or ""), text(page)[:800]
    # Nothing else the applicant typed is lost.
    assert input_value(page, "full_name") == "张小明"
    assert input_value(page, "mobile") == "13812345678"
    assert selected_option(page, "household_district_code") == "431002"
    assert input_value(page, "id_number") == number
    assert get_application(app_id).id_number is None


def test_pre_1994_birth_with_a_4310xx_code_is_accepted(portal):
    """Chenzhou's 4310xx codes date from 1994; older residents' IDs carry them anyway (SPEC §6)."""
    number = resident_id(region="431002", birth=date(1970, 5, 6), seq="381")
    app_id = portal.new()
    response = portal.step(app_id, "person", person(id_number=number))
    assert response.status_code == 302, field_error(response.get_data(as_text=True), "id_number")
    assert get_application(app_id).id_number == number


def test_bad_mobile_is_refused_beside_the_field(portal):
    app_id = portal.new()
    for mobile in ("1381234567", "23812345678", "138-1234-5678"):
        page = portal.step(app_id, "person", person(mobile=mobile)).get_data(as_text=True)
        assert "11-digit mainland mobile number" in (field_error(page, "mobile") or ""), mobile
        assert input_value(page, "mobile") == mobile


def test_required_fields_are_named_when_continuing(portal):
    app_id = portal.new()
    page = portal.step(app_id, "person", {"full_name": "", "id_number": "", "mobile": "",
                                          "household_district_code": "", "education": ""}).get_data(as_text=True)
    for field in ("full_name", "id_number", "mobile", "household_district_code", "education"):
        assert field_error(page, field) == "This field is required.", field
    assert "Please correct the highlighted fields." in page


def test_graduation_date_cannot_be_in_the_future(portal):
    app_id = portal.new()
    page = portal.step(app_id, "person", person(graduation_date="2999-06-30")).get_data(as_text=True)
    assert "cannot be in the future" in field_error(page, "graduation_date")


def test_birth_date_field_rejects_a_non_date(portal):
    app_id = portal.new()
    page = portal.step(app_id, "person", person(graduation_date="2020-02-30")).get_data(as_text=True)
    assert field_error(page, "graduation_date")


# --- drafts and going back ----------------------------------------------------------------

def test_save_draft_keeps_partial_data(portal):
    app_id = portal.new()
    response = portal.step(app_id, "person", {"full_name": "王芳", "mobile": "13912345678", "id_number": "",
                                              "household_district_code": "", "education": ""}, action="draft")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/step/person")
    page = portal.page(app_id, "person")
    assert "Draft saved." in page
    assert input_value(page, "full_name") == "王芳"
    assert input_value(page, "mobile") == "13912345678"
    application = get_application(app_id)
    assert (application.status, application.full_name, application.id_number) == ("draft", "王芳", None)


def test_save_draft_still_refuses_invalid_values(portal):
    app_id = portal.new()
    response = portal.step(app_id, "person", {"full_name": "王芳", "mobile": "123"}, action="draft")
    assert response.status_code == 200
    assert field_error(response.get_data(as_text=True), "mobile")
    assert get_application(app_id).mobile is None  # nothing half-saved


def test_draft_of_later_steps_with_blank_required_fields(portal):
    app_id = portal.new()
    assert portal.step(app_id, "business", {"business_name": "小店"}, action="draft").status_code == 302
    assert portal.step(app_id, "loan", {"amount": "50000"}, action="draft").status_code == 302
    assert portal.step(app_id, "declarations", {"declares_truthful": "y"}, action="draft").status_code == 302
    application = get_application(app_id)
    assert application.business_name == "小店" and application.loan_type is None
    assert application.amount == Decimal("50000") and application.term_months is None
    assert application.declares_truthful is True and application.consents_credit_check is False


def test_going_back_shows_saved_values(portal):
    app_id = portal.new()
    portal.fill(app_id, groups=("veteran", "graduate"), person={"education": "bachelor",
                                                                 "graduation_date": "2023-06-30"},
                business={"credit_code": credit_code()})
    page = portal.page(app_id, "person")
    assert input_value(page, "full_name") == "张小明"
    assert selected_option(page, "household_district_code") == "431002"
    assert selected_option(page, "education") == "bachelor"
    assert input_value(page, "graduation_date") == "2023-06-30"
    # The resident ID is not sent back to the browser in full; the masked form says it is saved.
    assert resident_id() not in page
    assert get_application(app_id).id_number_masked in page
    # Leaving it empty keeps it.
    assert portal.step(app_id, "person", person(id_number="")).status_code == 302
    assert get_application(app_id).id_number == resident_id()

    page = portal.page(app_id, "groups")
    assert is_checked(page, "key_groups", "veteran") and is_checked(page, "key_groups", "graduate")
    assert not is_checked(page, "key_groups", "disabled")
    page = portal.page(app_id, "business")
    assert selected_option(page, "loan_type") == "individual"
    assert input_value(page, "credit_code") == credit_code()
    assert input_value(page, "business_start_date") == "2025-03-01"
    assert input_value(page, "current_staff") == "2"
    page = portal.page(app_id, "loan")
    assert input_value(page, "amount") == "150000.00"
    assert selected_option(page, "preferred_bank_code") == "ICBC-CZ"
    page = portal.page(app_id, "declarations")
    assert all(is_checked(page, name) for name in DECLARATIONS)


def test_my_applications_lists_the_draft(portal, client):
    app_id = portal.new()
    portal.step(app_id, "business", {"business_name": "小明汽修店"}, action="draft")
    page = client.get("/my/applications/").get_data(as_text=True)
    assert "小明汽修店" in page
    assert "Continue your draft" in page
    assert f"/my/applications/{app_id}/step/business" in page


def test_unknown_step_is_404(portal, client):
    app_id = portal.new()
    assert client.get(f"/my/applications/{app_id}/step/nonsense").status_code == 404


# --- one open application per resident ID -------------------------------------------------

def test_a_resident_id_may_hold_only_one_open_application(portal, other_portal):
    first = portal.new()
    portal.fill(first)
    assert portal.submit(first).status_code == 302
    reference = get_application(first).reference

    second = other_portal.new()
    other_portal.fill(second)  # a draft may carry any ID: it reveals nothing and blocks nobody
    response = other_portal.submit(second)
    assert response.status_code == 400  # the review step again, with the reason
    page = response.get_data(as_text=True)
    assert "already has an open application" in page
    assert reference not in page  # never tell a stranger which case the ID holds
    assert get_application(second).status == "draft"


def test_two_racing_submissions_cannot_both_hold_one_resident_id(portal, other_portal):
    """Both drafts pass the check before either is submitted; the database key refuses the second."""
    from loans.applications import services
    from loans.core.workflow import Action

    first, second = portal.new(), other_portal.new()
    portal.fill(first)
    other_portal.fill(second)
    services.transition(get_application(first), Action.submit)
    db.session.commit()
    with pytest.raises(Refused, match="already has an open application"), unit_of_work():
        services.transition(get_application(second), Action.submit)  # the unit of work rolls it all back
    assert (get_application(first).status, get_application(second).status) == ("submitted", "draft")


def test_the_same_applicant_cannot_open_a_second_application_with_the_same_id(portal):
    first = portal.new()
    portal.step(first, "person", person(), action="draft")
    second = portal.new()
    page = portal.step(second, "person", person()).get_data(as_text=True)
    assert "You already have a draft for this resident ID" in field_error(page, "id_number")


def test_a_stranger_s_draft_cannot_block_a_resident_id(portal, other_portal):
    squatter = other_portal.new()
    other_portal.step(squatter, "person", person(), action="draft")
    mine = portal.new()
    portal.fill(mine)
    assert portal.submit(mine).status_code == 302
    assert get_application(mine).status == "submitted"


def test_the_id_is_free_again_after_withdrawal(portal, other_portal):
    first = portal.new()
    portal.fill(first)
    portal.submit(first)
    portal.client.post(f"/my/applications/{first}/withdraw")
    second = other_portal.new()
    assert other_portal.step(second, "person", person()).status_code == 302


def test_credit_code_is_checked(portal):
    app_id = portal.new()
    bad = credit_code()[:-1] + ("0" if credit_code()[-1] != "0" else "1")
    page = portal.step(app_id, "business", {**BUSINESS, "credit_code": bad}).get_data(as_text=True)
    assert "unified social credit code is not valid" in field_error(page, "credit_code")
    assert input_value(page, "business_name") == BUSINESS["business_name"]
    assert portal.step(app_id, "business", {**BUSINESS, "credit_code": credit_code().lower()}).status_code == 302
    assert get_application(app_id).credit_code == credit_code()


def test_enterprise_must_give_key_group_hires(portal):
    app_id = portal.new()
    page = portal.step(app_id, "business", {**BUSINESS, "loan_type": "enterprise"}).get_data(as_text=True)
    assert "key-group people hired this year" in field_error(page, "new_key_group_hires")
    response = portal.step(app_id, "business", {**BUSINESS, "loan_type": "enterprise", "new_key_group_hires": "3"})
    assert response.status_code == 302


@pytest.mark.parametrize("field, value", [("current_staff", "-1"), ("current_staff", "two"), ("planned_jobs", "1.5")])
def test_business_numbers_are_checked(portal, field, value):
    app_id = portal.new()
    page = portal.step(app_id, "business", {**BUSINESS, field: value}).get_data(as_text=True)
    assert field_error(page, field)


# --- the loan -------------------------------------------------------------------------------

@pytest.mark.parametrize("amount, message", [
    ("1,0000", "Thousands separators go every three digits"), ("abc", "in digits, such as 200000, 200,000.00 or 20万"),
    ("-5", "cannot be negative"), ("0", "greater than zero"), ("12.345", "at most two decimals"),
    ("1e5", "not in exponent notation"), ("￥5000元元", "in digits"),
])
def test_bad_amounts_are_refused(portal, amount, message):
    app_id = portal.new()
    response = portal.step(app_id, "loan", {**LOAN, "amount": amount})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in (field_error(page, "amount") or "")
    assert input_value(page, "amount") == amount
    assert get_application(app_id).amount is None


@pytest.mark.parametrize("amount", ["1" * 20, "100000000.01", "99999999999999999.99"])
def test_absurd_amounts_are_refused_not_crashed_on(portal, amount):
    app_id = portal.new()
    response = portal.step(app_id, "loan", {**LOAN, "amount": amount})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Enter an amount of at most ¥100,000,000." in field_error(page, "amount")
    assert LOAN["purpose"] in page  # the rest of the step is kept
    assert get_application(app_id).amount is None


def test_amount_with_fen_is_stored_exactly(portal):
    app_id = portal.new()
    assert portal.step(app_id, "loan", {**LOAN, "amount": "150000.50"}).status_code == 302
    application = get_application(app_id)
    assert application.amount == Decimal("150000.50")
    assert str(application.amount) == "150000.50"
    assert input_value(portal.page(app_id, "loan"), "amount") == "150000.50"


@pytest.mark.parametrize("term", ["0", "121", "twelve"])
def test_bad_terms_are_refused(portal, term):
    app_id = portal.new()
    page = portal.step(app_id, "loan", {**LOAN, "term_months": term}).get_data(as_text=True)
    assert field_error(page, "term_months")


# --- partners -------------------------------------------------------------------------------

def test_partners_for_a_partnership(portal, client):
    app_id = portal.new()
    portal.step(app_id, "person", person())
    response = portal.step(app_id, "business", {**BUSINESS, "loan_type": "partnership"})
    assert response.headers["Location"].endswith("/step/loan")
    response = portal.step(app_id, "loan", LOAN)
    assert response.headers["Location"].endswith("/step/partners")

    partner_id = resident_id(region="431003", birth=date(1988, 8, 8), seq="222")
    response = client.post(portal.url(app_id, "partners"),
                           data={"full_name": "李伙伴", "id_number": partner_id, "key_group_code": "veteran"})
    assert response.status_code == 302
    page = portal.page(app_id, "partners")
    assert "Partner added." in page and "李伙伴" in page
    assert partner_id not in page
    assert partner_id[:6] + "********" + partner_id[-4:] in page
    application = get_application(app_id)
    assert [(p.full_name, p.key_group_code) for p in application.partners] == [("李伙伴", "veteran")]
    assert application.partners[0].id_number == partner_id

    # The applicant is not their own partner (refused: 400); bad IDs are explained beside the field.
    for number, message, status in ((resident_id(), "already part of the application", 400),
                                    (partner_id, "already part of the application", 400),
                                    (bad_check_digit(), "check digit", 200)):
        response = client.post(portal.url(app_id, "partners"),
                               data={"full_name": "某人", "id_number": number, "key_group_code": "veteran"})
        assert response.status_code == status
        page = response.get_data(as_text=True)
        assert message in field_error(page, "id_number")
        assert input_value(page, "full_name") == "某人"
    assert len(get_application(app_id).partners) == 1

    # Remove the partner.
    pid = get_application(app_id).partners[0].id
    response = client.post(f"/my/applications/{app_id}/partners/{pid}/delete")
    assert response.status_code == 302
    assert "Partner removed." in portal.page(app_id, "partners")
    assert get_application(app_id).partners == []


def test_partner_fields_are_required(portal, client):
    app_id = portal.new()
    portal.step(app_id, "business", {**BUSINESS, "loan_type": "partnership"})
    page = client.post(portal.url(app_id, "partners"), data={}).get_data(as_text=True)
    for field in ("full_name", "id_number", "key_group_code"):
        assert field_error(page, field) == "This field is required.", field


def test_partners_step_only_for_partnerships(portal, client):
    app_id = portal.new()
    portal.step(app_id, "business", BUSINESS)
    response = client.get(portal.url(app_id, "partners"))
    assert response.status_code == 302 and response.headers["Location"].endswith("/step/declarations")
    response = client.post(portal.url(app_id, "partners"),
                           data={"full_name": "李伙伴", "id_number": resident_id(region="431003"),
                                 "key_group_code": "veteran"})
    assert response.status_code == 302
    assert get_application(app_id).partners == []


def test_switching_away_from_partnership_drops_partners(portal, client):
    app_id = portal.new()
    portal.step(app_id, "business", {**BUSINESS, "loan_type": "partnership"})
    client.post(portal.url(app_id, "partners"),
                data={"full_name": "李伙伴", "id_number": resident_id(region="431003"), "key_group_code": "veteran"})
    assert len(get_application(app_id).partners) == 1
    portal.step(app_id, "business", BUSINESS)
    assert get_application(app_id).partners == []


def test_partnership_review_needs_a_partner(portal):
    app_id = portal.new()
    portal.fill(app_id, business={"loan_type": "partnership"})
    page = portal.page(app_id, "review")
    assert "A partnership needs at least one partner besides you." in page


# --- declarations ---------------------------------------------------------------------------

def test_declarations_are_required_to_continue(portal):
    app_id = portal.new()
    response = portal.step(app_id, "declarations", {})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "credit check is needed" in field_error(page, "consents_credit_check")
    assert "confirm that the information is true" in field_error(page, "declares_truthful")
    response = portal.step(app_id, "declarations", {"consents_credit_check": "y"})
    page = response.get_data(as_text=True)
    assert field_error(page, "declares_truthful") and not field_error(page, "consents_credit_check")
    assert is_checked(page, "consents_credit_check")
    response = portal.step(app_id, "declarations", DECLARATIONS)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/step/documents")


# --- review and submission ------------------------------------------------------------------

def test_review_lists_what_is_missing(portal, client):
    app_id = portal.new()
    page = portal.page(app_id, "review")
    for message in ("Your personal details are incomplete.", "Choose at least one key group.",
                    "The business details are incomplete.", "The loan details are incomplete.",
                    "Confirm the declarations."):
        assert message in page, message
    assert "disabled" in page.split("Submit application")[0].rsplit("<button", 1)[1]

    response = portal.submit(app_id)
    assert response.status_code == 400  # the review step again, with what is missing
    assert "Your personal details are incomplete." in response.get_data(as_text=True)
    assert get_application(app_id).status == "draft"


def test_review_asks_for_evidence_of_each_group(portal):
    app_id = portal.new()
    portal.fill(app_id, groups=("urban_unemployed", "veteran"), evidence=False)
    page = portal.page(app_id, "review")
    assert "Upload the evidence for: Registered urban unemployed." in page
    assert "Upload the evidence for: Veteran." in page
    portal.upload(app_id, "key_group:veteran", tiny_pdf())
    page = portal.page(app_id, "review")
    assert "Upload the evidence for: Veteran." not in page
    assert "Upload the evidence for: Registered urban unemployed." in page


def test_review_asks_for_graduation_date_of_graduates(portal):
    app_id = portal.new()
    portal.fill(app_id, groups=("graduate",))
    assert "Give your graduation date" in portal.page(app_id, "review")


def test_review_shows_everything_entered(portal):
    app_id = portal.new()
    portal.fill(app_id, loan={"amount": "150000.50"})
    page = text(portal.page(app_id, "review"))
    for shown in ("张小明", "138****5678", "Beihu District", "小明汽修店", "¥150,000.50", "24 months",
                  "ICBC Chenzhou Branch", "Registered urban unemployed", "evidence.pdf"):
        assert shown in page, shown
    assert resident_id() not in page
    assert "Before you can submit" not in page


def test_submit(portal, client):
    app_id = portal.new()
    portal.fill(app_id)
    response = portal.submit(app_id)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/my/applications/{app_id}")
    application = get_application(app_id)
    assert application.status == "submitted"
    assert application.submitted_at is not None and application.application_date == local_today()

    page = client.get(f"/my/applications/{app_id}").get_data(as_text=True)
    assert f"Your application {application.reference} has been submitted." in page
    visible = text(page)
    assert "Application started" in visible and "Submitted" in visible and "→" not in visible
    snapshot = db.session.scalar(select(EligibilitySnapshot).where(EligibilitySnapshot.application_id == app_id))
    assert snapshot is not None
    assert (snapshot.trigger, snapshot.policy_code, snapshot.application_date) == ("submission", "HN-2023",
                                                                                   local_today())
    assert snapshot.max_amount == Decimal("300000.00")
    assert {rule["id"] for rule in snapshot.rules} == {f"E{n:02d}" for n in range(1, 15)}
    assert "Eligibility check at submission (HN-2023)" in page

    # Submitted means no more editing through the steps, and no second submission.
    response = client.get(portal.url(app_id, "person"))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/my/applications/{app_id}")
    response = portal.step(app_id, "loan", {**LOAN, "amount": "1"})
    assert get_application(app_id).amount == Decimal("150000")
    response = portal.submit(app_id)
    assert response.status_code == 409 and "already been submitted" in response.get_data(as_text=True)
    assert get_application(app_id).status == "submitted"


# --- withdrawal -----------------------------------------------------------------------------

def test_withdraw_before_a_decision(portal, client):
    app_id = portal.new()
    portal.fill(app_id)
    portal.submit(app_id)
    response = client.post(f"/my/applications/{app_id}/withdraw", data={"reason": "计划有变"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your application has been withdrawn." in page
    assert "Withdrawn" in text(page) and "Withdrawn → Withdrawn" not in text(page)
    assert get_application(app_id).status == "withdrawn"
    assert "Withdraw application" not in page


def test_withdraw_a_draft(portal, client):
    app_id = portal.new()
    client.post(f"/my/applications/{app_id}/withdraw")
    assert get_application(app_id).status == "withdrawn"


def test_withdraw_after_a_decision_is_refused(portal, client):
    app_id = portal.new()
    portal.fill(app_id)
    portal.submit(app_id)
    application = get_application(app_id)
    for action in (Action.take, Action.recommend, Action.approve):
        services.transition(application, action)
        db.session.commit()
    page = client.get(f"/my/applications/{app_id}").get_data(as_text=True)
    assert "Withdraw application" not in page
    response = client.post(f"/my/applications/{app_id}/withdraw")
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "can no longer be withdrawn: a decision has already been made" in page
    assert get_application(app_id).status == "approved"


# --- who may see what -----------------------------------------------------------------------

def test_another_applicants_application_is_404(portal, other_portal):
    app_id = portal.new()
    portal.fill(app_id)
    document_id = get_application(app_id).documents[0].id
    client = other_portal.client
    for url in (f"/my/applications/{app_id}", f"/my/applications/{app_id}/step/person",
                f"/my/applications/{app_id}/step/review", f"/my/applications/{app_id}/step/documents",
                f"/my/applications/{app_id}/documents/{document_id}"):
        assert client.get(url).status_code == 404, url
    for url in (f"/my/applications/{app_id}/submit", f"/my/applications/{app_id}/withdraw",
                f"/my/applications/{app_id}/consent", f"/my/applications/{app_id}/step/person",
                f"/my/applications/{app_id}/documents/{document_id}/delete"):
        assert client.post(url, data={"full_name": "x", "agree": "y"}).status_code == 404, url
    assert get_application(app_id).status == "draft"
    assert get_application(app_id).full_name == "张小明"
    assert len(get_application(app_id).documents) == 1
    assert "小明汽修店" not in client.get("/my/applications/").get_data(as_text=True)


def test_a_missing_application_is_404(portal, client):
    assert client.get("/my/applications/999999").status_code == 404
    app_id = portal.new()
    assert client.get(f"/my/applications/{app_id}/documents/999999").status_code == 404


@pytest.mark.parametrize("role", ["officer", "supervisor", "bank", "finance", "admin", "auditor"])
def test_staff_cannot_use_applicant_routes(client, login_as, make_user, app, role):
    owner_client = app.test_client()
    owner = make_user("applicant")
    from tests.conftest import login

    login(owner_client, owner)
    app_id = Portal(owner_client).new()
    login_as(role)
    assert client.get("/my/applications/").status_code == 403
    assert client.post("/my/applications/new").status_code == 403
    assert client.get(f"/my/applications/{app_id}").status_code == 403
    assert client.get(f"/my/applications/{app_id}/step/person").status_code == 403
    assert client.post(f"/my/applications/{app_id}/withdraw").status_code == 403
    assert get_application(app_id).status == "draft"


# --- refusals: the page again at once, with the reason and the right status ------------

def refused(response, status: int, message: str) -> str:
    page = text(response.get_data(as_text=True))
    assert response.status_code == status, page[:1500]
    assert message in page and "Redirecting" not in page
    return page


def _partnership_with_a_partner(portal, client) -> int:
    app_id = portal.new()
    portal.fill(app_id, business={"loan_type": "partnership"})
    response = client.post(portal.url(app_id, "partners"), data={
        "full_name": "李伙伴", "id_number": resident_id(region="431003", birth=date(1988, 8, 8), seq="222"),
        "key_group_code": "veteran"})
    assert response.status_code == 302
    return app_id


def test_changes_to_a_submitted_application_are_refused_on_its_status_page(portal, client):
    app_id = _partnership_with_a_partner(portal, client)
    assert portal.submit(app_id).status_code == 302
    application = get_application(app_id)
    partner_id, document_id = application.partners[0].id, application.documents[0].id
    base = f"/my/applications/{app_id}"
    for url, data in ((portal.url(app_id, "loan"), {**LOAN, "amount": "1"}),
                      (portal.url(app_id, "partners"), {"full_name": "某人", "id_number": resident_id(seq="333"),
                                                        "key_group_code": "veteran"}),
                      (f"{base}/partners/{partner_id}/facts", {f"p{partner_id}-graduation_date": ""}),
                      (f"{base}/partners/{partner_id}/delete", {}),
                      (f"{base}/consent", {"agree": "y"}),
                      (f"{base}/documents/{document_id}/delete", {})):
        page = refused(client.post(url, data=data), 409, "can no longer be edited here")
        assert application.reference in page, url  # the status page
    application = get_application(app_id)
    assert application.amount == Decimal("150000") and len(application.partners) == 1
    assert len(application.documents) == 1 and application.status == "submitted"


def test_partner_refusals_show_the_partners_step(portal, client):
    app_id = _partnership_with_a_partner(portal, client)
    partner_id = get_application(app_id).partners[0].id
    base = f"/my/applications/{app_id}/partners"
    # a form that does not validate: the partner's row again, the reason beside the field
    response = client.post(f"{base}/{partner_id}/facts", data={f"p{partner_id}-graduation_date": "not a date"})
    assert response.status_code == 400 and "Redirecting" not in response.get_data(as_text=True)
    assert field_error(response.get_data(as_text=True), f"p{partner_id}-graduation_date")
    # a partner removed meanwhile (another window)
    page = refused(client.post(f"{base}/{partner_id + 1000}/facts", data={}), 409,
                   "That partner is not on this application.")
    assert "Add a partner" in page
    refused(client.post(f"{base}/{partner_id + 1000}/delete"), 409, "That partner is not on this application.")
    assert len(get_application(app_id).partners) == 1


def test_a_step_saved_after_submission_elsewhere_is_refused(portal, client, monkeypatch):
    """Another window changed the draft after this one read it: nothing is saved, and the
    page comes back with the reason (409)."""
    app_id = portal.new()
    portal.fill(app_id)
    real_guard = services.guard_edit

    def submitted_meanwhile(application):
        services.transition(application, Action.submit, actor=application.applicant)
        real_guard(application)

    monkeypatch.setattr(services, "guard_edit", submitted_meanwhile)
    refused(portal.step(app_id, "loan", {**LOAN, "amount": "99999"}), 409, "changed elsewhere just now")
    application = get_application(app_id)
    assert application.amount == Decimal("150000") and application.status == "draft"  # all rolled back
