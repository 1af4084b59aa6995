"""The pre-check's result as a person on a phone meets it (issue 11, items 1, 5 and 7): the
verdict before the questions, with the next step beside it; an unanswered question on
other loans is "not declared yet", not a failure; the resident ID typed here reaches the
application it starts, through the session only — never a link."""
from __future__ import annotations

import re
from urllib.parse import unquote

from sqlalchemy import select

from tests.eligibility.test_precheck_page import ANSWERS, start_token
from tests.helpers import text

EN = {"Accept-Language": "en"}


def rule_row(html: str, rule_id: str) -> str:
    """The visible text of one rule's row in the rule-by-rule list."""
    match = re.search(rf"<li class=\"list-group-item\">\s*<div[^>]*>\s*<span><strong>{rule_id}</strong>(.*?)</li>",
                      html, re.S)
    assert match, f"no row for {rule_id}"
    return text(match.group(1))


def test_the_verdict_and_the_next_step_come_before_the_questions(client):
    html = client.post("/eligibility", data=ANSWERS, headers=EN).get_data(as_text=True)
    verdict = html.index('id="verdict-title"')
    assert verdict < html.index('id="precheck-form"') and verdict < html.index('id="rule-by-rule"')
    assert "Your result: no rule fails" in text(html)
    # the next step sits in the verdict: the button to start an application with these answers
    start = html.index('action="/eligibility/start"')
    assert verdict < start < html.index('id="precheck-form"')
    assert re.search(r'<h2[^>]*id="verdict-title"[^>]*tabindex="-1"[^>]*autofocus', html)


def test_a_failing_verdict_says_what_to_change(client):
    data = dict(ANSWERS, amount="400000", district_code="outside")
    html = client.post("/eligibility", data=data, headers=EN).get_data(as_text=True)
    verdict_card = html[html.index('id="precheck-result"'):html.index('id="precheck-results"')]
    assert "Your result: some rules are not met" in text(verdict_card)
    assert "What to change" in verdict_card
    assert "above the maximum" in verdict_card and "outside Chenzhou" in verdict_card
    assert 'href="#precheck-form"' in verdict_card
    # starting anyway stays possible, but it is not the main call to action
    assert "btn-outline-primary" in verdict_card and "Start an application with these answers" in verdict_card


def test_the_other_loans_question_unanswered_is_not_declared_yet(client):
    assert "other_loans" not in ANSWERS
    html = client.post("/eligibility", data=ANSWERS, headers=EN).get_data(as_text=True)
    row = rule_row(html, "E07")
    assert "Not declared yet" in row and "✗" not in row and "Fail" not in row
    assert "Your result: no rule fails" in text(html)
    # not something to bring either
    bring = html[html.index('id="what-to-bring"'):]
    assert "Not declared yet" not in text(bring)

    no = client.post("/eligibility", data=dict(ANSWERS, other_loans="no"), headers=EN).get_data(as_text=True)
    assert "✓ Pass" in rule_row(no, "E07") and "No other outstanding loans" in rule_row(no, "E07")
    yes = client.post("/eligibility", data=dict(ANSWERS, other_loans="yes"), headers=EN).get_data(as_text=True)
    assert "✗ Fail" in rule_row(yes, "E07") and "You or your spouse have other outstanding loans" in rule_row(yes, "E07")


def test_the_other_loans_question_in_chinese(client):
    client.post("/language", data={"lang": "zh"})
    html = client.post("/eligibility", data=ANSWERS).get_data(as_text=True)
    assert "尚未声明：本人及配偶是否有" in rule_row(html, "E07")
    assert "本人或配偶有" not in rule_row(html, "E07")


def _drafts(user):
    from loans.applications.models import LoanApplication
    from loans.db import db

    db.session.expire_all()
    return db.session.scalars(select(LoanApplication).where(LoanApplication.applicant_id == user.id)).all()


def test_the_resident_id_reaches_the_application_through_registration_never_a_link(client):
    number = ANSWERS["id_number"]
    page = client.post("/eligibility", data=ANSWERS, headers=EN).get_data(as_text=True)
    assert "431003********1555 will be filled in for you" in text(page)
    assert number not in re.sub(r'<input[^>]*name="id_number"[^>]*>', "", page)  # only the field just typed in
    with client.session_transaction() as session:
        assert number not in str(dict(session))  # the session cookie carries it encrypted

    response = client.post("/eligibility/start", data={"answers": start_token(page)}, headers=EN)
    location = unquote(response.headers["Location"])
    assert response.status_code == 302 and location.startswith("/register") and number not in location
    next_url = location.split("next=", 1)[1]
    registered = client.post(response.headers["Location"], headers=EN, data={
        "name": "Li Hua", "login": "13911112222", "password": "Correct-Horse-42", "confirm": "Correct-Horse-42"})
    assert registered.status_code == 302 and number not in unquote(registered.headers["Location"])
    back = client.get(next_url, headers=EN).get_data(as_text=True)
    assert "431003********1555 will be filled in for you" in text(back) and number not in back
    started = client.post("/eligibility/start", data={"answers": start_token(back)}, headers=EN)
    assert started.status_code == 302 and number not in started.headers["Location"]

    from loans.auth.models import User
    from loans.db import db

    user = db.session.scalar(select(User).where(User.mobile == "13911112222"))
    draft = _drafts(user)[0]
    assert draft.id_number == number and draft.id_number_masked == "431003********1555"
    person_step = client.get(started.headers["Location"], headers=EN).get_data(as_text=True)
    assert "Saved: 431003********1555" in text(person_step)
    with client.session_transaction() as session:
        assert "precheck_id" not in session  # used once


def test_a_pre_check_without_a_resident_id_forgets_an_earlier_one(client, login_as):
    user = login_as("applicant")
    client.post("/eligibility", data=ANSWERS)
    without = {k: v for k, v in ANSWERS.items() if k != "id_number"}
    page = client.post("/eligibility", data=dict(without, birth_date="1994-08-08", sex="male"),
                       headers=EN).get_data(as_text=True)
    assert "will be filled in for you" not in page
    assert client.post("/eligibility/start", data={"answers": start_token(page)}).status_code == 302
    assert _drafts(user)[0].id_number is None


def test_logging_out_forgets_the_resident_id(client, login_as):
    login_as("applicant")
    client.post("/eligibility", data=ANSWERS)
    with client.session_transaction() as session:
        assert "precheck_id" in session
    client.post("/logout")
    with client.session_transaction() as session:
        assert "precheck_id" not in session
