"""The case page (issue 11, items 8 and 11): what the case is and the next step first, then
documents and evidence checks, eligibility, and the recommendation or decision last, one
outcome at a time; sensitive evidence opened on purpose, one audit row per view, and a
placeholder for those who may not see it."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from loans.audit.models import AuditEvent
from loans.db import db
from tests.browser.conftest import tiny_png
from tests.helpers import text as visible

TINY_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SECTIONS = ('id="case-summary"', 'id="next-step"', 'id="documents"', 'id="evidence"', 'id="eligibility"',
            'id="decision"')


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def positions(html: str, *markers: str) -> list[int]:
    found = [html.find(m) for m in markers]
    assert -1 not in found, [m for m, p in zip(markers, found) if p == -1]
    return found


def main_column(html: str) -> str:
    """The page without the side column (notes and history, after the main column)."""
    return html[:html.index('aria-labelledby="notes-title"')]


def audit_rows(action: str | None = None) -> int:
    query = select(func.count()).select_from(AuditEvent)
    if action:
        query = query.where(AuditEvent.action == action)
    db.session.expire_all()
    return db.session.scalar(query)


# --- item 8: the order of the page ----------------------------------------------------------

def test_officer_page_reads_in_the_order_of_the_work(app, make_case, staff, as_user):
    officer = staff("officer", district_code="431002")
    case = make_case("under_review", officer=officer)
    html = text(as_user(officer).get(f"/review/cases/{case.id}"))
    order = positions(html, *SECTIONS)
    assert order == sorted(order)
    # the forms of the recommendation come after eligibility, and nothing of the work after them
    recommend = html.index(f'action="/review/cases/{case.id}/recommend"')
    ask = html.index(f'action="/review/cases/{case.id}/request-info"')
    assert order[4] < recommend and order[4] < ask
    main = main_column(html)
    assert main.rfind("<form") < len(main) and main.rfind("<form") >= min(recommend, ask)
    # what the case is: applicant, business, amount, status, days left, officer
    summary = html[order[0]:order[1]]
    for fact in (case.full_name, case.business_name, "¥100,000.00", "Under review", "working days left", officer.name):
        assert fact in summary
    # the next step is about the evidence still to check and points at the form at the end
    next_step = html[order[1]:order[2]]
    assert "Evidence still to check: E08, E12." in next_step and 'href="#decision"' in next_step


def test_supervisor_decides_at_the_end(app, make_case, staff, as_user):
    case = make_case("recommended")
    html = text(as_user(staff("supervisor", district_code="431002")).get(f"/review/cases/{case.id}"))
    order = positions(html, 'id="case-summary"', 'id="next-step"', 'id="documents"', 'id="eligibility"',
                      'id="decision"', f'action="/review/cases/{case.id}/decide"')
    assert order == sorted(order)
    next_step = html[order[1]:order[2]]
    assert "The officer recommends approval." in next_step and "Go to the decision" in next_step
    # the recommendation being decided is shown above the decision's form
    assert order[4] < html.index("Recommendation</dt>") < order[5]


@pytest.mark.parametrize("who, status, expected", [
    ("officer", "submitted", "Take this case for review"),
    ("officer", "info_requested", "Waiting for the applicant to answer"),
    ("officer", "recommended", "Waiting for a supervisor’s decision."),
    ("supervisor", "recommended", "Decide: approve, reject or send it back"),
    ("auditor", "under_review", "Read only"),
    ("officer", "rejected", "This case is closed"),
])
def test_one_next_step_for_the_role(app, make_case, staff, as_user, who, status, expected):
    case = make_case(status)
    user = staff(who, district_code="431002") if who != "auditor" else staff("auditor")
    html = text(as_user(user).get(f"/review/cases/{case.id}"))
    start, end = positions(html, 'id="next-step"', 'id="documents"')
    assert expected in html[start:end]


def test_the_recommender_is_told_of_the_four_eyes_rule_and_gets_no_form(app, make_case, staff, as_user):
    chief = staff("supervisor", district_code="431002")
    case = make_case("recommended", officer=chief)
    html = text(as_user(chief).get(f"/review/cases/{case.id}"))
    start, end = positions(html, 'id="next-step"', 'id="documents"')
    assert "four-eyes rule" in html[start:end]
    assert f'action="/review/cases/{case.id}/decide"' not in html


def test_the_auditor_gets_no_form(app, make_case, staff, as_user):
    case = make_case("under_review")
    html = text(as_user(staff("auditor")).get(f"/review/cases/{case.id}"))
    assert 'method="post"' not in main_column(html).split('id="next-step"', 1)[1]


def test_recommendation_is_one_outcome_at_a_time(app, make_case, staff, as_user):
    """Three outcomes as one radio group; each outcome's fields in its own panel and form
    (shown by CSS for the checked radio: no script); none is chosen at first."""
    officer = staff("officer", district_code="431002")
    case = make_case("under_review", officer=officer)
    client = as_user(officer)
    html = text(client.get(f"/review/cases/{case.id}"))
    decision = html[html.index('id="decision"'):]
    radios = re.findall(r'<input type="radio" class="btn-check outcome-\d" name="outcome" value="(\w+)"', decision)
    assert radios == ["approve", "reject", "info"]
    assert " checked" not in "".join(re.findall(r'<input type="radio"[^>]*name="outcome"[^>]*>', decision))
    approve = decision[decision.index('id="panel-approve"'):decision.index('id="panel-reject"')]
    reject = decision[decision.index('id="panel-reject"'):decision.index('id="panel-info"')]
    info = decision[decision.index('id="panel-info"'):]
    assert 'name="decision" value="approve"' in approve and 'name="amount"' in approve
    assert 'name="explanation"' not in approve
    assert 'name="decision" value="reject"' in reject and 'name="explanation"' in reject
    assert 'name="amount"' not in reject
    assert f'action="/review/cases/{case.id}/request-info"' in info and 'name="message"' in info

    # a refused outcome comes back with that outcome chosen and the reason beside its field
    response = client.post(f"/review/cases/{case.id}/recommend", data={"decision": "reject", "explanation": ""})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert re.search(r'<input type="radio"[^>]*value="reject" id="outcome-reject"[^>]*checked>', html)
    assert not re.search(r'<input type="radio"[^>]*value="approve"[^>]*checked>', html)
    response = client.post(f"/review/cases/{case.id}/request-info", data={"message": ""})
    assert response.status_code == 400
    assert re.search(r'id="outcome-info"[^>]*checked>', response.get_data(as_text=True))
    # and each outcome still goes through
    assert client.post(f"/review/cases/{case.id}/request-info", data={"message": "Licence please"}).status_code == 302


def test_decision_is_one_outcome_at_a_time(app, make_case, staff, as_user):
    case = make_case("recommended")
    client = as_user(staff("supervisor", district_code="431002"))
    html = text(client.get(f"/review/cases/{case.id}"))
    form = html[html.index(f'action="/review/cases/{case.id}/decide"'):]
    form = form[:form.index("</form>")]
    assert re.findall(r'<input[^>]*class="btn-check outcome-\d"[^>]*name="decision"[^>]*value="(\w+)"', form) == [
        "approve", "reject", "send_back"]
    assert re.search(r'class="outcome-panel panel-1">.*name="amount"', form, re.S)  # the amount only for approval
    assert 'class="outcome-common"' in form and 'name="reason"' in form
    response = client.post(f"/review/cases/{case.id}/decide", data={"decision": "send_back", "reason": ""})
    assert response.status_code == 400
    assert re.search(r'<input[^>]*checked[^>]*value="send_back"|<input[^>]*value="send_back"[^>]*checked',
                     response.get_data(as_text=True))


# --- item 11: sensitive evidence opened on purpose ---------------------------------------

@pytest.fixture
def case_with_evidence(app, make_case, staff):
    """An under-review case of its officer with a sensitive image (ID card), an ordinary
    image and an ordinary PDF."""
    from loans.applications import services as app_services

    officer = staff("officer", district_code="431002")
    case = make_case("under_review", officer=officer)
    app_services.record_consent(case.applicant, case, None)
    sensitive = app_services.store_document(case, FileStorage(io.BytesIO(tiny_png()), "id.png"), "id_card",
                                            actor=case.applicant)
    photo = app_services.store_document(case, FileStorage(io.BytesIO(tiny_png()), "shop.png"), "other",
                                        actor=case.applicant)
    plan = app_services.store_document(case, FileStorage(io.BytesIO(TINY_PDF), "plan.pdf"), "business_plan",
                                       actor=case.applicant)
    db.session.commit()
    assert sensitive.encrypted and not photo.encrypted
    url = lambda d: f"/my/applications/{case.id}/documents/{d.id}"  # noqa: E731
    return case, officer, {"sensitive": url(sensitive), "photo": url(photo), "plan": url(plan)}


def test_the_case_page_opens_no_sensitive_document(app, as_user, case_with_evidence):
    case, officer, urls = case_with_evidence
    client = as_user(officer)
    before = audit_rows()
    html = text(client.get(f"/review/cases/{case.id}"))
    html = text(client.get(f"/review/cases/{case.id}"))
    assert audit_rows() == before  # looking at the case records nothing
    assert audit_rows("view_document") == 0
    # the sensitive image is a deliberate link, never an <img> the browser would fetch
    assert not re.search(rf'<img[^>]*src="{re.escape(urls["sensitive"])}"', html)
    link = re.search(rf'<a[^>]*href="{re.escape(urls["sensitive"])}"[^>]*>([^<]*)', html)
    assert link and link.group(1).strip() == "View document"
    assert "Each view is recorded in the case history." in html
    # ordinary evidence is shown as before
    assert re.search(rf'<img[^>]*src="{re.escape(urls["photo"])}"', html)
    assert f'href="{urls["plan"]}"' in html


def test_each_view_is_recorded_once(app, as_user, case_with_evidence):
    case, officer, urls = case_with_evidence
    client = as_user(officer)
    response = client.get(urls["sensitive"])
    assert response.status_code == 200 and response.data == tiny_png()
    assert response.headers["Cache-Control"] == "private, no-store"  # a second view is fetched (and recorded) again
    assert audit_rows("view_document") == 1
    client.get(urls["sensitive"])
    assert audit_rows("view_document") == 2
    # ordinary evidence is no access to record
    client.get(urls["photo"])
    assert audit_rows("view_document") == 2
    # the case history shows the views, and showing it records nothing more
    html = text(client.get(f"/review/cases/{case.id}"))
    assert html.count("Sensitive document viewed") == 2
    assert audit_rows("view_document") == 2


def test_the_auditor_sees_a_placeholder_not_a_broken_image(app, staff, as_user, case_with_evidence):
    case, _officer, urls = case_with_evidence
    auditor = as_user(staff("auditor"))
    before = audit_rows()
    html = text(auditor.get(f"/review/cases/{case.id}"))
    assert "Sensitive document — not shown to your role" in html
    assert urls["sensitive"] not in html  # no <img>, no link to something that answers 403
    assert "id.png" in html  # that it exists is no secret
    assert auditor.get(urls["sensitive"]).status_code == 403
    assert audit_rows() == before
    # another officer of the district is told who may open it
    colleague = text(as_user(staff("officer", district_code="431002")).get(f"/review/cases/{case.id}"))
    assert urls["sensitive"] not in colleague
    assert "only the officer handling this case and supervisors can open it" in colleague


def test_chinese_lists_and_labels_take_chinese_punctuation(app, make_case, staff, as_user):
    """The walk of issue 11 found "E08, E12" and "检查时机: 提交时" on Chinese case pages."""
    officer = staff("officer", district_code="431002")
    case = make_case("under_review", officer=officer)
    client = as_user(officer)
    client.post("/language", data={"lang": "zh"})
    html = text(client.get(f"/review/cases/{case.id}"))
    assert "E08、E12" in html and "E08, E12" not in html
    history = html[html.index('aria-labelledby="notes-title"'):]
    labels = re.findall(r'<span class="text-muted">([^<]*)</span>', history)
    assert labels and all(label.endswith("：") for label in labels), labels


def test_chinese_history_names_the_role_in_full_width_parentheses(app, make_case, staff, as_user):
    """The walk after issue 11 found "刘小梅 (申请人)" in the Chinese case history."""
    officer = staff("officer", district_code="431002")
    case = make_case("under_review", officer=officer, name="刘小梅")
    client = as_user(officer)
    client.post("/language", data={"lang": "zh"})
    html = text(client.get(f"/review/cases/{case.id}"))
    history = html[html.index('id="history-title"'):]
    assert "刘小梅（申请人）" in history
    assert not re.search(r" \((申请人|经办人员|审批人员|系统)", history)
    client.post("/language", data={"lang": "en"})
    html = text(client.get(f"/review/cases/{case.id}"))
    assert "刘小梅 (Applicant)" in visible(html[html.index('id="history-title"'):])  # Chinese runs are marked


def test_stored_chinese_messages_show_their_dates_in_prose(app, make_case, staff, as_user):
    """Results stored before the engine wrote Chinese dates in prose ("2026-12-02 时年满 36 周岁")
    read like the new ones; English keeps ISO dates."""
    from loans.eligibility.services import latest_snapshot

    officer = staff("officer", district_code="431002")
    case = make_case("under_review", officer=officer)
    snapshot = latest_snapshot(case)
    snapshot.rules = [dict(r, message_zh="2026-12-02 时年满 36 周岁，在男性劳动年龄 16–59 周岁范围内。",
                           message_en="Age 36 on 2026-12-02 is within the working age 16–59 for men.")
                      if r["id"] == "E02" else r for r in snapshot.rules]
    db.session.commit()
    client = as_user(officer)
    client.post("/language", data={"lang": "zh"})
    assert "2026年12月2日时年满 36 周岁" in visible(text(client.get(f"/review/cases/{case.id}")))
    client.post("/language", data={"lang": "en"})
    assert "Age 36 on 2026-12-02" in visible(text(client.get(f"/review/cases/{case.id}")))
