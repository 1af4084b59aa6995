"""The public pre-check page: per-rule answers in plain words, evidence, carry-over."""
from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from loans.db import local_today
from tests.conftest import csrf_token, make_app

ANSWERS = {"id_number": "431003199408081555", "key_groups": ["graduate"],
           "graduation_date": (local_today() - timedelta(days=400)).isoformat(), "loan_type": "individual",
           "amount": "200000", "term_months": "36", "partners": "1", "district_code": "431003",
           "prior_subsidized_loans": "0"}


def start_token(html: str) -> str:
    match = re.search(r'name="answers" type="hidden" value="([^"]+)"', html)
    assert match, "no start button"
    return match.group(1)


def test_page_is_public_and_renders_in_both_languages(client):
    en = client.get("/eligibility", headers={"Accept-Language": "en"})
    assert en.status_code == 200
    assert "Am I eligible?" in en.get_data(as_text=True)
    assert "College graduate" in en.get_data(as_text=True)
    client.post("/language", data={"lang": "zh"})
    zh = client.get("/eligibility")
    assert zh.status_code == 200
    assert 'lang="zh-CN"' in zh.get_data(as_text=True)
    assert "高校毕业生" in zh.get_data(as_text=True)


def test_answers_per_rule_in_english(client):
    response = client.post("/eligibility", data=ANSWERS, headers={"Accept-Language": "en"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for n in range(1, 15):
        assert f"<strong>E{n:02d}</strong>" in html
    assert "no rule fails" in html
    assert "Graduated on" in html  # the engine's own words
    assert "What to bring" in html and "diploma showing the graduation date" in html
    assert "HN-2023" in html and "¥300,000.00" in html
    assert "Start an application with these answers" in html


def test_answers_per_rule_in_chinese(client):
    client.post("/language", data={"lang": "zh"})
    html = client.post("/eligibility", data=ANSWERS).get_data(as_text=True)
    assert "毕业日期" in html
    assert "请提供个人信用报告" in html
    assert "毕业证书" in html
    assert "高校毕业生：毕业证书" in html  # a label and its value in Chinese punctuation (the walk of issue 11)
    assert "高校毕业生: " not in html


def test_failing_answers_are_explained(client):
    data = dict(ANSWERS, district_code="outside", amount="400000", other_loans="yes")
    html = client.post("/eligibility", data=data, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "some rules are not met" in html
    assert "outside Chenzhou" in html
    assert "above the maximum" in html
    assert html.count("rule-fail") >= 3


def test_birth_date_and_sex_instead_of_resident_id(client):
    data = {k: v for k, v in ANSWERS.items() if k != "id_number"}
    data.update(birth_date="1990-01-01", sex="female")
    html = client.post("/eligibility", data=data, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "within the working age 16–54 for women" in html


def test_shape_errors_stay_on_the_form(client):
    data = {k: v for k, v in ANSWERS.items() if k not in ("id_number", "graduation_date")}
    data["amount"] = "2,00,000"
    response = client.post("/eligibility", data=data, headers={"Accept-Language": "en"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Please correct the highlighted fields." in html
    assert "Give your date of birth" in html and "Give your graduation date" in html
    assert "Thousands separators go every three digits" in html
    assert "<strong>E01</strong>" not in html


def test_invalid_resident_id_is_refused(client):
    response = client.post("/eligibility", data=dict(ANSWERS, id_number="431003199408081556"),
                           headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert "check digit" in response.get_data(as_text=True)


def test_form_keeps_its_csrf_token(migrated_template, tmp_path):
    app = make_app(migrated_template, tmp_path, WTF_CSRF_ENABLED=True)
    with app.app_context():
        client = app.test_client()
        assert client.post("/eligibility", data=ANSWERS).status_code == 400
        token = csrf_token(client.get("/eligibility").get_data(as_text=True))
        response = client.post("/eligibility", data=dict(ANSWERS, csrf_token=token))
        assert response.status_code == 200
        assert "<strong>E14</strong>" in response.get_data(as_text=True)


def _draft(app_user):
    from loans.applications.models import LoanApplication
    from loans.db import db

    return db.session.scalars(select(LoanApplication).where(LoanApplication.applicant_id == app_user.id)).all()


def test_logged_in_applicant_starts_a_prefilled_draft(client, login_as):
    user = login_as("applicant")
    html = client.post("/eligibility", data=ANSWERS).get_data(as_text=True)
    with client.session_transaction() as session:
        assert session["precheck"]["amount"] == "200000.00"
        assert "id_number" not in session["precheck"]
        assert ANSWERS["id_number"] not in str(dict(session))  # kept encrypted, for the application only
    response = client.post("/eligibility/start", data={"answers": start_token(html)})
    assert response.status_code == 302
    drafts = _draft(user)
    assert len(drafts) == 1
    draft = drafts[0]
    assert response.headers["Location"].endswith(f"/my/applications/{draft.id}/step/person")
    assert draft.status == "draft"
    assert draft.key_group_codes == ["graduate"]
    assert draft.loan_type == "individual"
    assert draft.amount == Decimal("200000.00")
    assert draft.term_months == 36
    assert draft.district_code == "431003"
    assert draft.graduation_date.isoformat() == ANSWERS["graduation_date"]
    assert draft.id_number == ANSWERS["id_number"]  # typed once, in the pre-check
    from loans.audit.models import AuditEvent
    from loans.db import db

    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == draft.id,
                                                                 AuditEvent.object_type == "loan_applications"))
    assert {"create", "prefill"} <= set(actions)
    with client.session_transaction() as session:
        assert "precheck" not in session


def test_start_uses_the_session_when_no_token(client, login_as):
    user = login_as("applicant")
    client.post("/eligibility", data=dict(ANSWERS, district_code="outside"))
    response = client.post("/eligibility/start", data={})
    assert response.status_code == 302
    draft = _draft(user)[0]
    assert draft.district_code is None and draft.amount == Decimal("200000.00")


def test_anonymous_goes_to_register_and_comes_back_with_answers(client):
    html = client.post("/eligibility", data=ANSWERS).get_data(as_text=True)
    response = client.post("/eligibility/start", data={"answers": start_token(html)})
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/register"
    next_url = parse_qs(location.query)["next"][0]
    assert next_url.startswith("/eligibility?answers=")
    assert "431003199408081555" not in next_url

    registered = client.post(f"/register?next={next_url.replace('?', '%3F').replace('=', '%3D')}", data={
        "name": "Li Hua", "login": "lihua@example.cn", "password": "Correct-Horse-42",
        "confirm": "Correct-Horse-42"})
    assert registered.status_code == 302
    assert registered.headers["Location"] == next_url
    back = client.get(next_url)
    page = back.get_data(as_text=True)
    assert back.status_code == 200
    assert 'value="200000.00"' in page
    assert "Start an application with these answers" in page
    assert client.post("/eligibility/start", data={"answers": start_token(page)}).status_code == 302
    from loans.auth.models import User
    from loans.db import db

    user = db.session.scalar(select(User).where(User.email == "lihua@example.cn"))
    draft = _draft(user)[0]
    assert draft.amount == Decimal("200000.00") and draft.key_group_codes == ["graduate"]


def test_tampered_answers_are_refused(client, login_as):
    user = login_as("applicant")
    response = client.post("/eligibility/start", data={"answers": "forged"})
    assert response.status_code == 400  # the questions again, with the reason
    page = response.get_data(as_text=True)
    assert "Answer the questions first" in page and "Redirecting" not in page
    assert not _draft(user)
    assert client.get("/eligibility?answers=forged").status_code == 200


def test_staff_cannot_start_an_application(client, login_as):
    login_as("officer")
    html = client.post("/eligibility", data=ANSWERS).get_data(as_text=True)
    assert "Start an application with these answers" not in html
    with client.session_transaction() as session:
        assert "precheck" in session
    assert client.post("/eligibility/start", data={}).status_code == 403


def test_answers_that_cannot_be_carried_over_are_refused_on_the_questions_page(client, login_as):
    user = login_as("applicant")
    with client.session_transaction() as session:
        session["precheck"] = {"key_groups": ["graduate"], "loan_type": "individual", "amount": "200000.00",
                               "graduation_date": "not a date"}  # e.g. an older or altered shape
    response = client.post("/eligibility/start", data={})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Redirecting" not in page
    assert "Some answers could not be carried over. Please answer the questions again." in page
    assert not _draft(user)  # the half-started draft was rolled back


def test_dates_in_the_chinese_answers_are_written_in_prose(app, client):
    """The engine's Chinese messages write dates as the bureau does (2026年12月2日), the
    English ones keep ISO dates (the walk after issue 11: "2026-12-02 时年满 36 周岁")."""
    from loans.core.dates import chinese_date
    from loans.db import local_today
    from tests.helpers import text

    with app.app_context():
        today = local_today()
    graduated = date.fromisoformat(ANSWERS["graduation_date"])
    client.post("/language", data={"lang": "zh"})
    zh = text(client.post("/eligibility", data=ANSWERS).get_data(as_text=True))
    assert f"{chinese_date(today)}时年满" in zh
    assert f"毕业日期{chinese_date(graduated)}不早于" in zh
    assert not re.search(r"\d{4}-\d{2}-\d{2}", zh), re.findall(r".{20}\d{4}-\d{2}-\d{2}.{20}", zh)
    client.post("/language", data={"lang": "en"})
    en = text(client.post("/eligibility", data=ANSWERS).get_data(as_text=True))
    assert f"on {today.isoformat()} is within the working age" in en
    assert f"Graduated on {graduated.isoformat()}, on or after" in en
