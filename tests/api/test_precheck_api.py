"""POST /api/v1/eligibility/precheck and the OpenAPI document (SPEC §10)."""
from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.conftest import make_app

URL = "/api/v1/eligibility/precheck"
EXAMPLE = {"application_date": "2021-06-01", "id_number": "431003199408081555",
           "key_groups": ["graduate"], "graduation_date": "2018-07-01", "loan_type": "individual",
           "amount": "200000", "term_months": 36, "district_code": "431003"}
RULE_IDS = [f"E{n:02d}" for n in range(1, 15)]


def post(client, body, lang=None, **kwargs):
    headers = {"Accept-Language": lang} if lang else {}
    if isinstance(body, (dict, list)):
        return client.post(URL, json=body, headers=headers, **kwargs)
    return client.post(URL, data=body, headers=headers, content_type="application/json", **kwargs)


def test_spec_example(client):
    response = post(client, EXAMPLE)
    assert response.status_code == 200
    body = response.get_json()
    assert body["eligible"] is True
    assert body["policy"] == "HN-2021"
    assert body["max_amount"] == "200000.00"
    assert body["max_term_months"] == 36
    assert [r["id"] for r in body["rules"]] == RULE_IDS
    assert set(body["rules"][0]) == {"id", "name", "result", "message", "clause"}
    by_id = {r["id"]: r for r in body["rules"]}
    assert by_id["E01"]["name"] == "key_group" and by_id["E01"]["result"] == "pass"
    assert by_id["E03"]["result"] == "pass"
    assert by_id["E08"]["result"] == "needs_evidence" and by_id["E12"]["result"] == "needs_evidence"
    assert by_id["E14"]["result"] == "not_applicable"
    assert all(r["message"] and r["clause"] for r in body["rules"])
    assert "College graduate" in by_id["E01"]["message"]


def test_no_csrf_token_needed_even_when_csrf_is_on(migrated_template, tmp_path):
    app = make_app(migrated_template, tmp_path, WTF_CSRF_ENABLED=True)
    with app.app_context():
        response = post(app.test_client(), EXAMPLE)
    assert response.status_code == 200


def test_messages_follow_accept_language(client):
    zh = post(client, EXAMPLE, lang="zh-CN,zh;q=0.9,en;q=0.5").get_json()
    en = post(client, EXAMPLE, lang="en-US").get_json()
    other = post(client, EXAMPLE, lang="fr").get_json()
    none = post(client, EXAMPLE).get_json()
    assert "高校毕业生" in zh["rules"][0]["message"]
    assert en["rules"][0]["message"].startswith("Key group claimed")
    assert other["rules"][0]["message"] == en["rules"][0]["message"]
    assert none["rules"][0]["message"] == en["rules"][0]["message"]


def test_defaults_and_birth_date_instead_of_id(client):
    body = {k: v for k, v in EXAMPLE.items() if k != "id_number"}
    body.update(birth_date="1994-08-08", sex="male")
    response = post(client, body)
    assert response.status_code == 200
    assert response.get_json()["eligible"] is True


def test_rules_fail_without_being_bad_input(client):
    body = dict(EXAMPLE, amount="250000", term_months=48, district_code="430100", prior_subsidized_loans=3,
                prior_overdue=True, other_loans=True)
    response = post(client, body)
    assert response.status_code == 200
    body = response.get_json()
    results = {r["id"]: r["result"] for r in body["rules"]}
    assert body["eligible"] is False
    assert {results[i] for i in ("E04", "E05", "E06", "E07", "E09")} == {"fail"}


def test_graduate_outside_window_fails_e01_and_e03(client):
    body = post(client, dict(EXAMPLE, graduation_date="2016-05-31")).get_json()
    results = {r["id"]: r["result"] for r in body["rules"]}
    assert results["E01"] == results["E03"] == "fail"
    assert body["eligible"] is False


def test_partnership_max_and_e13_without_partner_details(client):
    body = post(client, dict(EXAMPLE, loan_type="partnership", partners=3, amount="660000")).get_json()
    assert body["max_amount"] == "660000.00"
    e13 = next(r for r in body["rules"] if r["id"] == "E13")
    assert e13["result"] == "pass"
    assert next(r for r in body["rules"] if r["id"] == "E14")["result"] == "not_applicable"


def test_enterprise(client):
    body = {"application_date": "2024-03-01", "id_number": "431003199408081555", "loan_type": "enterprise",
            "amount": "4000000", "term_months": 24, "district_code": "431002", "staff": 100,
            "new_key_group_hires": 10}
    response = post(client, body)
    assert response.status_code == 200
    data = response.get_json()
    assert data["policy"] == "HN-2023" and data["max_amount"] == "4000000.00" and data["max_term_months"] == 24
    results = {r["id"]: r["result"] for r in data["rules"]}
    assert results["E01"] == results["E02"] == "not_applicable"
    assert results["E10"] == "pass" and results["E11"] == "needs_evidence"


@pytest.mark.parametrize("body, field", [
    ("{not json", "json"),
    ("", "json"),
    ("[1, 2]", "json"),
    ({k: v for k, v in EXAMPLE.items() if k != "loan_type"}, "loan_type"),
    ({k: v for k, v in EXAMPLE.items() if k != "application_date"}, "application_date"),
    ({k: v for k, v in EXAMPLE.items() if k != "amount"}, "amount"),
    ({k: v for k, v in EXAMPLE.items() if k != "key_groups"}, "key_groups"),
    ({k: v for k, v in EXAMPLE.items() if k != "id_number"}, "birth_date"),
    (dict(EXAMPLE, id_number="431003199408081556"), "id_number"),
    (dict(EXAMPLE, id_number="43100319940808155"), "id_number"),
    (dict(EXAMPLE, id_number="431003199402301556"), "id_number"),
    (dict(EXAMPLE, key_groups=["graduate", "astronaut"]), "key_groups"),
    (dict(EXAMPLE, amount="two hundred thousand"), "amount"),
    (dict(EXAMPLE, amount="200,000"), "amount"),
    (dict(EXAMPLE, amount=200000.5), "amount"),
    (dict(EXAMPLE, application_date="2018-11-15"), "application_date"),
    (dict(EXAMPLE, application_date="2021-02-30"), "application_date"),
    ({k: v for k, v in EXAMPLE.items() if k != "graduation_date"}, "graduation_date"),
    (dict(EXAMPLE, loan_type="mortgage"), "loan_type"),
    (dict(EXAMPLE, term_months="thirty-six"), "term_months"),
    (dict(EXAMPLE, sex="x", id_number=None, birth_date="1994-08-08"), "sex"),
    (dict(EXAMPLE, loan_type="enterprise"), "staff"),
])
def test_bad_input_is_400_with_field_errors(client, body, field):
    response = post(client, body)
    assert response.status_code == 400
    assert response.is_json
    errors = response.get_json()["errors"]
    assert field in errors
    assert errors[field] and all(isinstance(m, str) and m for m in errors[field])


def test_error_messages_in_chinese(client):
    body = dict(EXAMPLE, id_number="431003199408081556", key_groups=["astronaut"], amount="abc")
    errors = post(client, body, lang="zh").get_json()["errors"]
    assert errors["amount"][0].startswith("不是有效的金额")
    zh_errors = post(client, dict(EXAMPLE, id_number="431003199408081556", key_groups=["astronaut"]),
                     lang="zh").get_json()["errors"]
    assert zh_errors["id_number"] == ["身份证号码校验码不正确。"]
    assert zh_errors["key_groups"] == ["未知的重点群体代码：astronaut。"]
    assert post(client, "{", lang="zh").get_json()["errors"]["json"] == ["请求内容不是有效的 JSON。"]
    en = post(client, dict(EXAMPLE, application_date="2017-01-01"), lang="en").get_json()["errors"]
    assert en["application_date"] == ["No policy version is in force on 2017-01-01."]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(
    st.sampled_from(list(EXAMPLE) + ["birth_date", "sex", "partners", "staff", "new_key_group_hires",
                                     "prior_subsidized_loans", "prior_overdue", "other_loans"]),
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20), st.floats(allow_nan=True),
              st.lists(st.text(max_size=5), max_size=3), st.sampled_from(["2021-06-01", "431003199408081555",
                                                                           "graduate", "enterprise", "-1"]))))
def test_any_json_object_gets_200_or_400(app, payload):
    """Read-only endpoint, so one app serves every example."""
    response = post(app.test_client(), dict(EXAMPLE, **payload))
    assert response.status_code in (200, 400)
    assert response.is_json


def test_rate_limit_returns_json_429(migrated_template, tmp_path):
    app = make_app(migrated_template, tmp_path, RATELIMIT_ENABLED=True, API_RATE_LIMIT="3 per minute")
    with app.app_context():
        from loans.extensions import limiter

        limiter.reset()
        client = app.test_client()
        codes = [post(client, EXAMPLE).status_code for _ in range(4)]
        response = post(client, EXAMPLE)
        limiter.reset()
    assert codes[:3] == [200, 200, 200]
    assert response.status_code == 429
    assert response.is_json and "errors" in response.get_json()


def test_openapi_document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = json.loads(response.get_data(as_text=True))
    assert spec["openapi"].startswith("3.")
    operation = spec["paths"][URL]["post"]
    request_schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert request_schema == {"$ref": "#/components/schemas/PrecheckRequest"}
    assert set(operation["responses"]) >= {"200", "400", "429"}
    schemas = spec["components"]["schemas"]
    assert {"PrecheckRequest", "PrecheckResponse", "RuleResult", "Errors"} <= set(schemas)
    request_props = schemas["PrecheckRequest"]["properties"]
    assert set(request_props) == {"application_date", "id_number", "birth_date", "sex", "key_groups",
                                  "graduation_date", "loan_type", "amount", "term_months", "partners",
                                  "district_code", "prior_subsidized_loans", "prior_overdue", "other_loans",
                                  "staff", "new_key_group_hires"}
    assert set(schemas["PrecheckRequest"]["required"]) == {"application_date", "loan_type", "amount",
                                                           "term_months", "district_code"}
    assert request_props["partners"]["default"] == 1
    assert request_props["amount"]["type"] == "string"
    assert schemas["PrecheckResponse"]["properties"]["rules"]["items"] == {"$ref": "#/components/schemas/RuleResult"}


def test_openapi_is_public_and_generated_by_apispec(client):
    from loans.api.views import openapi_spec

    assert client.get("/api/v1/openapi.json").get_json() == openapi_spec().to_dict()


@pytest.mark.parametrize("field, value", [("partners", -5), ("partners", 0), ("term_months", -1),
                                          ("staff", -3), ("prior_subsidized_loans", -1)])
def test_impossible_numbers_are_refused_beside_the_field(client, field, value):
    body = {"application_date": "2021-06-01", "id_number": "431003199408081555", "key_groups": ["urban_unemployed"],
            "loan_type": "individual", "amount": "100000", "term_months": 36, "district_code": "431003", field: value}
    response = client.post("/api/v1/eligibility/precheck", json=body)
    assert response.status_code == 400
    assert list(response.get_json()["errors"]) == [field]
