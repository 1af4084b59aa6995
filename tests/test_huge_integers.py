"""A 309-digit number in any whole-number field — every form, the public pre-check and
the JSON API — is refused with a message beside the field, never a server error
(WTForms' NumberRange compared such numbers with floats and overflowed)."""
from __future__ import annotations

from datetime import date

import pytest

from tests.applications.conftest import BUSINESS, LOAN, Portal
from tests.conftest import login
from tests.eligibility.test_precheck_page import ANSWERS
from tests.helpers import field_error
from tests.policy.test_policy_admin import version_form
from tests.review.test_workflow import RECOMMEND_OK
from tests.servicing.conftest import event_data
from tests.servicing.test_contract import contract_form

HUGE = "9" * 309
TOO_LONG = "Enter a whole number of at most 9 digits."
KEY_GROUP = {"label_zh": "退捕渔民", "label_en": "Retired fisherman", "evidence_zh": "退捕渔民证明",
             "evidence_en": "retired-fisherman certificate", "sensitive": "y", "active": "y"}
VERSION_INTEGERS = ("cap_standard_bp", "cap_former_poverty_bp", "max_term_individual", "max_term_enterprise",
                    "hire_staff_threshold", "graduate_window_years", "working_age_min", "retirement_age_male",
                    "retirement_age_female", "lifetime_loans", "approval_validity_days", "claim_wait_days")


@pytest.fixture
def world(app, client, make_user, make_case, approved, contracted, bank_user, staff, as_user):
    """Who posts which form where: name → (client, url, form data without the huge field)."""
    def precheck():
        return client, "/eligibility", {**ANSWERS, "loan_type": "enterprise", "staff": "3",
                                         "new_key_group_hires": "1"}

    def applicant(step, data):
        def make():
            login(client, make_user("applicant"))
            portal = Portal(client)
            application_id = portal.new()
            return client, portal.url(application_id, step), {**data, "loan_type": "enterprise", "action": "next"}
        return make

    def officer_recommend():
        case = make_case("under_review", verified=True)
        return as_user(staff("officer", district_code="431002")), f"/review/cases/{case.id}/recommend", RECOMMEND_OK

    def bank_contract():
        case = approved(decided_on=date(2025, 1, 29))
        return as_user(bank_user), f"/loans/cases/{case.id}/contract", contract_form()

    def bank_event():
        loan = contracted(contract_date=date(2025, 1, 15))
        return as_user(bank_user), f"/loans/{loan.id}/disbursements", event_data(
            "disbursement", loan, event_on="2025-01-20", amount="1000")

    def officer_visit():
        loan = contracted(contract_date=date(2025, 1, 15))
        return as_user(staff("officer", district_code="431002")), f"/loans/{loan.id}/visits", {
            "visited_on": "2025-06-10", "owners": "1", "employees": "3"}

    def admin(url, data):
        def make():
            login(client, make_user("admin"))
            return client, url, data
        return make

    return {
        "precheck": precheck,
        "business": applicant("business", BUSINESS),
        "loan": applicant("loan", LOAN),
        "recommend": officer_recommend,
        "contract": bank_contract,
        "event": bank_event,
        "visit": officer_visit,
        "version": admin("/admin/policy/versions/new", version_form("HN-2099", "2099-01-01")),
        "key_group_edit": admin("/admin/policy/key-groups/retired_fisherman/edit", {**KEY_GROUP, "sort_order": "1"}),
        "key_group_new": admin("/admin/policy/key-groups/new", {**KEY_GROUP, "code": "returned_student",
                                                                "sort_order": "1"}),
    }


FIELDS = [
    ("precheck", "term_months"), ("precheck", "partners"), ("precheck", "prior_subsidized_loans"),
    ("precheck", "staff"), ("precheck", "new_key_group_hires"),
    ("business", "current_staff"), ("business", "planned_jobs"), ("business", "new_key_group_hires"),
    ("loan", "term_months"),
    ("recommend", "term_months"),
    ("contract", "term_months"),
    ("event", "disbursement-version"),
    ("visit", "owners"), ("visit", "employees"),
    *[("version", name) for name in VERSION_INTEGERS],
    ("key_group_edit", "sort_order"), ("key_group_new", "sort_order"),
]


@pytest.mark.parametrize("sign", ["", "-"], ids=["positive", "negative"])
@pytest.mark.parametrize("form, field", FIELDS, ids=[f"{form}-{field}" for form, field in FIELDS])
def test_huge_integer_is_refused_beside_the_field(world, form, field, sign):
    client, url, data = world[form]()
    response = client.post(url, data={**data, field: sign + HUGE})
    assert response.status_code in (200, 400), response.status_code
    page = response.get_data(as_text=True)
    if field.endswith("-version"):  # hidden: the page says the form was incomplete or stale
        assert response.status_code == 400
        return
    assert TOO_LONG in (field_error(page, field) or ""), field_error(page, field)


def test_ten_digits_are_refused_nine_read(client):
    response = client.post("/eligibility", data={**ANSWERS, "term_months": "1234567890"})
    assert TOO_LONG in field_error(response.get_data(as_text=True), "term_months")
    response = client.post("/eligibility", data={**ANSWERS, "term_months": "123456789"})
    assert "between 1 and 600" in field_error(response.get_data(as_text=True), "term_months")
    response = client.post("/eligibility", data={**ANSWERS, "term_months": " 0036 "})
    assert response.status_code == 200 and field_error(response.get_data(as_text=True), "term_months") is None


def test_form_field_reads_full_width_digits_and_refuses_underscores(app):
    from werkzeug.datastructures import MultiDict

    from loans.eligibility.forms import PrecheckForm

    with app.test_request_context():
        form = PrecheckForm(formdata=MultiDict({"term_months": "３６"}), meta={"csrf": False})
        assert form.term_months.data == 36
        form = PrecheckForm(formdata=MultiDict({"term_months": "3_6"}), meta={"csrf": False})
        assert form.term_months.data is None and form.term_months.process_errors


API_URL = "/api/v1/eligibility/precheck"
API_BODY = {"application_date": "2021-06-01", "id_number": "431003199408081555", "key_groups": ["graduate"],
            "graduation_date": "2018-07-01", "loan_type": "enterprise", "amount": "200000", "term_months": 36,
            "district_code": "431003", "staff": 3, "new_key_group_hires": 1}


@pytest.mark.parametrize("field", ["term_months", "partners", "prior_subsidized_loans", "staff",
                                   "new_key_group_hires"])
@pytest.mark.parametrize("number", [HUGE, "-" + HUGE, "1e999", "1" + "0" * 5000],
                         ids=["huge", "huge-negative", "infinite-float", "beyond-int-parsing"])
def test_api_refuses_huge_integers(client, field, number):
    body = "{" + ", ".join(f'"{k}": {number if k == field else _json(v)}' for k, v in {**API_BODY, field: 0}.items())
    response = client.post(API_URL, data=body + "}", content_type="application/json")
    assert response.status_code == 400
    errors = response.get_json()["errors"]
    assert errors and (field in errors or "json" in errors), errors


@pytest.mark.parametrize("amount", ["1e999999", "Infinity", "NaN", "-Infinity", "9" * 309, "9" * 5000],
                         ids=["exponent", "infinity", "nan", "minus-infinity", "309-digits", "5000-digits"])
def test_api_answers_absurd_amounts(client, amount):
    """Not numbers: refused. Huge exact amounts are numbers: the rules answer (above the maximum)."""
    response = client.post(API_URL, json={**API_BODY, "amount": amount})
    if amount.isdigit():
        assert response.status_code == 200 and response.get_json()["eligible"] is False
    else:
        assert response.status_code == 400 and "amount" in response.get_json()["errors"]


def _json(value) -> str:
    import json

    return json.dumps(value)
