"""Officer review and supervisor decisions (issue 4, SPEC §2 and §4), through HTTP where a
person would act and through the services where the rule lives."""
from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from loans.applications.models import LoanApplication
from loans.eligibility.models import EligibilitySnapshot
from loans.notifications.models import Notification
from loans.audit.models import AuditEvent
from loans.policy.queries import working_calendar
from loans.core.workflow import Action
from loans.db import db, local_today
from tests.helpers import verify_evidence
from loans.errors import Refused
from loans.unit_of_work import unit_of_work

TINY_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def reload(application) -> LoanApplication:
    db.session.expire_all()
    return db.session.get(LoanApplication, application.id)


def actions(application) -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "loan_applications", AuditEvent.object_id == application.id).order_by(AuditEvent.id)))


def text(response) -> str:
    return response.get_data(as_text=True)


def row_refs(html: str) -> list[str]:
    """References in the queue table, in display order."""
    return re.findall(r'<td[^>]*><a href="/review/cases/\d+">([^<]+)</a></td>', html)


# --- the queue ---------------------------------------------------------------------------

def test_officer_sees_only_own_district(app, make_case, staff, as_user):
    own = make_case(district="431002")
    other = make_case(district="431003")
    officer = staff("officer", district_code="431002")
    c = as_user(officer)
    html = text(c.get("/review/"))
    assert own.reference in html
    assert other.reference not in html
    assert c.get(f"/review/cases/{own.id}").status_code == 200
    assert c.get(f"/review/cases/{other.id}").status_code == 404
    # Every action on another district's case is a 404 too, and changes nothing.
    assert c.post(f"/review/cases/{other.id}/take").status_code == 404
    assert reload(other).status == "submitted"


def test_district_supervisor_scoped_city_supervisor_sees_all(app, make_case, staff, as_user):
    own = make_case(district="431002")
    other = make_case(district="431003")
    local = as_user(staff("supervisor", district_code="431002"))
    assert local.get(f"/review/cases/{other.id}").status_code == 404
    html = text(local.get("/review/"))
    assert own.reference in html and other.reference not in html
    city = as_user(staff("supervisor"))
    html = text(city.get("/review/"))
    assert own.reference in html and other.reference in html


def test_queue_filters_and_search(app, make_case, staff, as_user):
    a = make_case(name="张三", business="张记米粉店", amount=Decimal("50000"), bank="ICBC-CZ", group="veteran",
                  submitted_at=datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc))
    b = make_case(name="李四", business="李氏汽修", amount=Decimal("150000"), bank="ABC-CZ", group="graduate",
                  loan_type="enterprise", submitted_at=datetime(2026, 6, 15, 2, 0, tzinfo=timezone.utc))
    c_ = make_case("under_review", name="王五", business="王五农家乐", amount=Decimal("250000"), bank="CZRCB",
                   submitted_at=datetime(2026, 9, 1, 2, 0, tzinfo=timezone.utc))
    officer = staff("officer", district_code="431002")
    client = as_user(officer)

    def refs(**args):
        response = client.get("/review/", query_string=args)
        assert response.status_code == 200
        return set(row_refs(text(response)))

    everyone = {a.reference, b.reference, c_.reference}
    assert refs() == everyone
    assert refs(status="under_review") == {c_.reference}
    assert refs(status="submitted") == {a.reference, b.reference}
    assert refs(key_group="veteran") == {a.reference}
    assert refs(loan_type="enterprise") == {b.reference}
    assert refs(bank="ABC-CZ") == {b.reference}
    assert refs(submitted_from="2026-06-01") == {b.reference, c_.reference}
    assert refs(submitted_to="2026-06-15") == {a.reference, b.reference}
    assert refs(submitted_from="2026-06-01", submitted_to="2026-06-30") == {b.reference}
    assert refs(amount_min="100000") == {b.reference, c_.reference}
    assert refs(amount_max="150000") == {a.reference, b.reference}
    assert refs(amount_min="100000", amount_max="200000") == {b.reference}
    # search: name, reference, business, masked resident ID (or a part of it)
    assert refs(q="李四") == {b.reference}
    assert refs(q=c_.reference) == {c_.reference}
    assert refs(q="米粉") == {a.reference}
    assert refs(q=a.id_number_masked) == {a.reference}
    assert refs(q=b.id_number_masked[-4:]) == {b.reference}
    assert refs(q="nobody-matches") == set()
    # bad filter input is ignored with a message, never a 500
    assert client.get("/review/?amount_min=abc&submitted_from=notadate&page=x").status_code == 200


def test_queue_sorting(app, make_case, staff, as_user):
    small = make_case(name="Bai", amount=Decimal("30000"), submitted_at=datetime(2026, 5, 1, 2, tzinfo=timezone.utc))
    big = make_case(name="Ai", amount=Decimal("200000"), submitted_at=datetime(2026, 4, 1, 2, tzinfo=timezone.utc))
    mid = make_case(name="Cai", amount=Decimal("90000"), submitted_at=datetime(2026, 6, 1, 2, tzinfo=timezone.utc))
    client = as_user(staff("officer", district_code="431002"))

    def order(sort):
        return row_refs(text(client.get("/review/", query_string={"sort": sort})))

    assert order("submitted") == [big.reference, small.reference, mid.reference]
    assert order("-submitted") == [mid.reference, small.reference, big.reference]
    assert order("-amount") == [big.reference, mid.reference, small.reference]
    assert order("amount") == [small.reference, mid.reference, big.reference]
    assert order("name") == [big.reference, small.reference, mid.reference]
    assert order("reference") == sorted([small.reference, big.reference, mid.reference])


def test_queue_counts_per_status(app, make_case, staff, as_user):
    from loans.review.queries import QueueFilters, queue_page

    for status in ("submitted", "submitted", "under_review", "recommended", "approved", "withdrawn"):
        make_case(status)
    make_case("submitted", district="431003")
    make_case("draft")
    officer = staff("officer", district_code="431002")
    rows, counts = queue_page(officer, QueueFilters(), 1)
    assert counts.statuses == {"submitted": 2, "under_review": 1, "recommended": 1, "approved": 1, "withdrawn": 1}
    assert rows.total == 4  # the default tab is open work
    assert (counts.total("open"), counts.total("closed"), counts.total("loans")) == (4, 2, 0)
    # counts ignore the status filter and the tab (they are the tabs), other filters apply
    rows, counts = queue_page(officer, QueueFilters(status="submitted"), 1)
    assert rows.total == 2 and counts.statuses["approved"] == 1
    html = text(as_user(officer).get("/review/"))
    assert re.search(r"Submitted\s*<span class=\"badge[^\"]*\">2</span>", html)
    assert re.search(r"All\s*<span class=\"badge[^\"]*\">4</span>", html)


def test_working_day_clock_counts_holidays_and_adjusted_workdays(app, make_case):
    from loans.review.queries import working_days_waiting as waiting

    def working_days_waiting(case, today):
        return waiting(case, today, working_calendar())

    # Friday 2025-01-24, 10:00 in Chenzhou, before the Spring Festival holiday (28 Jan–4 Feb),
    # with Sunday 26 Jan an adjusted workday.
    friday = datetime(2025, 1, 24, 2, 0, tzinfo=timezone.utc)
    case = make_case(submitted_at=friday)
    assert working_days_waiting(case, date(2025, 1, 25)) == 0  # Saturday
    assert working_days_waiting(case, date(2025, 1, 26)) == 1  # adjusted workday (Sunday)
    assert working_days_waiting(case, date(2025, 1, 27)) == 2
    assert working_days_waiting(case, date(2025, 2, 4)) == 2  # still the holiday
    assert working_days_waiting(case, date(2025, 2, 5)) == 3
    # A late-evening submission counts by the local (Asia/Shanghai) date, not UTC.
    late = make_case(submitted_at=datetime(2025, 1, 23, 17, 0, tzinfo=timezone.utc))  # 24 Jan 01:00 local
    assert working_days_waiting(late, date(2025, 1, 27)) == 2


def test_overdue_cases_highlighted(app, make_case, staff, as_user):
    old_day = datetime.now(timezone.utc) - timedelta(days=40)
    old = make_case(submitted_at=old_day)
    fresh = make_case()
    decided = make_case("approved", submitted_at=old_day)
    client = as_user(staff("officer", district_code="431002"))

    def table_rows(**args):
        html = text(client.get("/review/", query_string=args))
        return {m.group(2): m.group(0) for m in re.finditer(
            r'<tr( class="table-warning")?>\s*<td[^>]*><a href="/review/cases/\d+">([^<]+)</a>.*?</tr>', html, re.S)}

    rows = table_rows()
    target = app.config["REVIEW_TARGET_WORKING_DAYS"]
    expected = working_calendar().working_days_between(old_day.astimezone(timezone(timedelta(hours=8))).date(), local_today())
    assert expected > target
    assert 'class="table-warning"' in rows[old.reference]
    assert f"{expected - target} working days late" in rows[old.reference]
    assert "table-warning" not in rows[fresh.reference] and f"{target} working days left" in rows[fresh.reference]
    # decided cases stop the clock's alarm: they are in the closed tab, without a clock
    assert decided.reference not in rows
    closed = table_rows(view="closed")
    assert "table-warning" not in closed[decided.reference] and "working day" not in closed[decided.reference]


def test_working_day_target_is_configurable(migrated_template, tmp_path):
    from tests.conftest import make_app

    app = make_app(migrated_template, tmp_path, REVIEW_TARGET_WORKING_DAYS=3)
    assert app.config["REVIEW_TARGET_WORKING_DAYS"] == 3


# --- take → request info → answer → evidence --------------------------------------------

def test_request_info_answer_with_upload_and_correction(app, make_case, staff, as_user):
    case = make_case()
    officer = staff("officer", district_code="431002")
    oc = as_user(officer)
    assert oc.post(f"/review/cases/{case.id}/take").status_code == 302
    assert reload(case).status == "under_review"
    assert reload(case).assigned_officer_id == officer.id

    app.extensions["sent_emails"] = []
    # empty message → message beside the field, nothing changed
    response = oc.post(f"/review/cases/{case.id}/request-info", data={"message": ""})
    assert response.status_code == 400 and "invalid-feedback" in text(response)
    assert reload(case).status == "under_review"
    response = oc.post(f"/review/cases/{case.id}/request-info",
                       data={"message": "Please upload your business licence.", "documents": ["business_licence"]})
    assert response.status_code == 302
    case = reload(case)
    assert case.status == "info_requested"
    note = db.session.scalar(select(Notification).where(Notification.user_id == case.applicant_id,
                                                        Notification.event == "info_requested"))
    assert note is not None and note.params["message"] == "Please upload your business licence."
    mails = [m for m in app.extensions["sent_emails"] if m["event"] == "info_requested"]
    assert len(mails) == 1 and mails[0]["to"] == case.applicant.email and case.reference in mails[0]["body"]

    applicant = as_user(case.applicant)
    status_page = text(applicant.get(f"/my/applications/{case.id}"))
    assert "Please upload your business licence." in status_page
    assert f'action="/my/applications/{case.id}/answer"' in status_page
    assert f'action="/my/applications/{case.id}/documents"' in status_page

    # upload from the status page
    response = applicant.post(f"/my/applications/{case.id}/documents", content_type="multipart/form-data",
                              data={"kind": "business_licence", "back": "status",
                                    "file": (io.BytesIO(TINY_PDF), "licence.pdf")})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/my/applications/{case.id}")
    # a correction: edit the loan step while information is requested
    response = applicant.post(f"/my/applications/{case.id}/step/loan", data={
        "amount": "90000", "term_months": "24", "purpose": "购置设备", "preferred_bank_code": "ICBC-CZ"})
    assert response.status_code == 302, text(response)[:2000]
    case = reload(case)
    assert case.amount == Decimal("90000")
    assert case.status == "info_requested"
    correct = db.session.scalar(select(AuditEvent).where(AuditEvent.object_id == case.id,
                                                         AuditEvent.action == "correct"))
    assert correct is not None and correct.detail["step"] == "loan" and correct.actor_id == case.applicant_id
    assert correct.detail["changes"] == {"amount": ["100000.00", "90000.00"]}

    # an empty answer is refused beside the field
    response = applicant.post(f"/my/applications/{case.id}/answer", data={"answer": "  "})
    assert response.status_code == 400 and "invalid-feedback" in text(response)
    assert reload(case).status == "info_requested"
    response = applicant.post(f"/my/applications/{case.id}/answer",
                              data={"answer": "Licence uploaded; I also lowered the amount."})
    assert response.status_code == 302
    case = reload(case)
    assert case.status == "under_review"
    from loans.review.models import InfoRequest

    info = db.session.scalar(select(InfoRequest).where(InfoRequest.application_id == case.id))
    assert info.answer == "Licence uploaded; I also lowered the amount." and info.answered_at is not None
    # answering twice is refused, on the status page, with the reason
    response = applicant.post(f"/my/applications/{case.id}/answer", data={"answer": "again"})
    assert response.status_code == 409 and reload(case).status == "under_review"
    assert "already been answered" in text(response)
    # no more editing once the case is back with the officer
    applicant.post(f"/my/applications/{case.id}/step/loan", data={
        "amount": "10", "term_months": "24", "purpose": "x", "preferred_bank_code": "ICBC-CZ"})
    assert reload(case).amount == Decimal("90000")

    html = text(oc.get(f"/review/cases/{case.id}"))
    assert "licence.pdf" in html and "Licence uploaded; I also lowered the amount." in html
    assert [a for a in actions(case) if a in ("take", "request_info", "upload", "correct", "answer_info")] == [
        "take", "request_info", "upload", "correct", "answer_info"]


def test_a_correction_cannot_move_the_case_or_change_who_applies(app, make_case, staff, as_user):
    case = make_case("info_requested", district="431002")
    applicant = as_user(case.applicant)
    page = text(applicant.get(f"/my/applications/{case.id}/step/business"))
    assert re.search(r'<select[^>]*disabled[^>]*id="district_code"|<select[^>]*id="district_code"[^>]*disabled', page)
    response = applicant.post(f"/my/applications/{case.id}/step/business", data={
        "loan_type": "enterprise", "business_name": "新名字", "district_code": "431081",
        "business_address": "郴州市", "industry": "retail", "business_start_date": "2026-01-01",
        "current_staff": "2", "planned_jobs": "4", "new_key_group_hires": "1"})
    assert response.status_code == 302, text(response)[:1500]
    case = reload(case)
    assert (case.district_code, case.loan_type, case.business_name) == ("431002", "individual", "新名字")
    # partners and documents cannot be removed after submission
    assert applicant.post(f"/my/applications/{case.id}/answer", data={"answer": "Renamed."}).status_code == 302
    snapshots = db.session.scalars(select(EligibilitySnapshot).where(EligibilitySnapshot.application_id == case.id)
                                   .order_by(EligibilitySnapshot.id)).all()
    assert [s.trigger for s in snapshots] == ["submission", "answer"]


def test_a_stale_step_save_does_not_overwrite_a_submitted_case(app, make_case):
    from sqlalchemy.orm.attributes import set_committed_value

    from loans.applications import services as app_services

    case = make_case("draft")
    stale_version = case.lock_version
    app_services.transition(case, Action.submit, actor=case.applicant)
    db.session.commit()
    case = reload(case)
    # as another request that read the draft before it was submitted
    set_committed_value(case, "status", "draft")
    set_committed_value(case, "lock_version", stale_version)
    with pytest.raises(app_services.ConcurrentChange), unit_of_work():  # which rolls the save back
        app_services.save_step(case, "loan", app_services.save_loan, {"amount": "99999999"}, actor=case.applicant)
    db.session.expire_all()
    case = reload(case)
    assert (case.status, case.amount) == ("submitted", Decimal("100000"))


def test_evidence_check_recorded_and_rerun_changes_e08(app, make_case, staff, as_user):
    from loans.eligibility.services import latest_snapshot
    from loans.eligibility.models import EvidenceCheck

    case = make_case("under_review")
    rules = {r["id"]: r["result"] for r in latest_snapshot(case).rules}
    assert rules["E08"] == "needs_evidence"
    oc = as_user(staff("officer", district_code="431002"))
    assert "Evidence checklist" in text(oc.get(f"/review/cases/{case.id}"))
    # no choice → refused, nothing recorded
    oc.post(f"/review/cases/{case.id}/evidence", data={"rule_id": "E08", "note": "x"})
    assert db.session.scalar(select(func.count(EvidenceCheck.id))) == 0
    response = oc.post(f"/review/cases/{case.id}/evidence",
                       data={"rule_id": "E08", "verified": "yes", "note": "Credit report 2026-11 clean"})
    assert response.status_code == 302
    check = db.session.scalar(select(EvidenceCheck).where(EvidenceCheck.application_id == case.id))
    assert check.verified is True and check.note == "Credit report 2026-11 clean"
    db.session.expire_all()
    rules = {r["id"]: r["result"] for r in latest_snapshot(case).rules}
    assert rules["E08"] == "pass"
    assert {"evidence", "eligibility"} <= set(actions(case))
    # a later check that fails turns E08 into a fail
    oc.post(f"/review/cases/{case.id}/evidence", data={"rule_id": "E08", "verified": "no", "note": "defaults"})
    db.session.expire_all()
    rules = {r["id"]: r["result"] for r in latest_snapshot(case).rules}
    assert rules["E08"] == "fail"
    # not a needs-evidence rule → refused
    response = oc.post(f"/review/cases/{case.id}/evidence", data={"rule_id": "E04", "verified": "yes"})
    assert response.status_code in (302, 400, 409)
    assert db.session.scalar(select(func.count(EvidenceCheck.id)).where(EvidenceCheck.rule_id == "E04")) == 0


def test_internal_note(app, make_case, staff, as_user):
    case = make_case("under_review")
    oc = as_user(staff("officer", district_code="431002"))
    assert oc.post(f"/review/cases/{case.id}/notes", data={"body": ""}).status_code == 400
    assert oc.post(f"/review/cases/{case.id}/notes", data={"body": "Visited the shop."}).status_code == 302
    assert "Visited the shop." in text(oc.get(f"/review/cases/{case.id}"))
    # internal notes never reach the applicant
    assert "Visited the shop." not in text(as_user(case.applicant).get(f"/my/applications/{case.id}"))


# --- recommendations --------------------------------------------------------------------

RECOMMEND_OK = {"decision": "approve", "amount": "100000", "term_months": "24", "bank_code": "ICBC-CZ"}


@pytest.mark.parametrize("change, field, message", [
    ({"amount": "120000"}, "amount", "cannot be more than"),
    ({"amount": ""}, "amount", "Give the amount"),
    ({"term_months": "48"}, "term_months", "between 1 and 36"),
    ({"term_months": ""}, "term_months", "between 1 and 36"),
    ({"bank_code": ""}, "bank_code", "partner bank"),
    ({"bank_code": "NOPE"}, "bank_code", ""),
    ({"amount": "12,0000"}, "amount", "every three digits"),
])
def test_recommend_approve_validations(app, make_case, staff, as_user, change, field, message):
    case = make_case("under_review", verified=True)
    oc = as_user(staff("officer", district_code="431002"))
    response = oc.post(f"/review/cases/{case.id}/recommend", data={**RECOMMEND_OK, **change})
    assert response.status_code == 400
    html = text(response)
    error = re.search(rf'id="{field}-error"[^>]*>([^<]*)<', html)
    assert error, f"no error beside {field}"
    assert message in error.group(1)
    case = reload(case)
    assert case.status == "under_review" and case.recommendation is None and case.recommended_amount is None
    assert "recommend" not in actions(case)


def test_recommend_above_policy_max(app, make_case, staff, as_user):
    case = make_case("under_review", amount=Decimal("350000"), verified=True)  # HN-2023 individual max 300,000
    oc = as_user(staff("officer", district_code="431002"))
    response = oc.post(f"/review/cases/{case.id}/recommend", data={**RECOMMEND_OK, "amount": "320000"})
    assert response.status_code == 400
    assert re.search(r'id="amount-error"[^>]*>[^<]*policy maximum of ¥300,000.00', text(response))
    assert reload(case).status == "under_review"
    response = oc.post(f"/review/cases/{case.id}/recommend", data={**RECOMMEND_OK, "amount": "300000"})
    assert response.status_code == 302
    case = reload(case)
    assert case.status == "recommended" and case.recommended_amount == Decimal("300000")


def test_recommend_reject_needs_explanation(app, make_case, staff, as_user):
    case = make_case("under_review")
    officer = staff("officer", district_code="431002")
    oc = as_user(officer)
    response = oc.post(f"/review/cases/{case.id}/recommend", data={"decision": "reject", "failed_rules": ["E07"]})
    assert response.status_code == 400
    assert re.search(r'id="explanation-error"[^>]*>[^<]*Explain', text(response))
    assert reload(case).status == "under_review"
    response = oc.post(f"/review/cases/{case.id}/recommend", data={
        "decision": "reject", "failed_rules": ["E07"], "explanation": "Your spouse has an unpaid business loan."})
    assert response.status_code == 302
    case = reload(case)
    assert case.status == "recommended" and case.recommendation == "reject"
    assert case.rejection_rules == ["E07"] and case.recommended_by_id == officer.id


def test_recommend_approve_records_terms(app, make_case, staff, as_user):
    case = make_case("under_review", verified=True)
    officer = staff("officer", district_code="431002")
    response = as_user(officer).post(f"/review/cases/{case.id}/recommend",
                                     data={**RECOMMEND_OK, "amount": "80000", "term_months": "36",
                                           "bank_code": "CZRCB", "conditions": "Monthly report"})
    assert response.status_code == 302
    case = reload(case)
    assert (case.status, case.recommendation, case.recommended_amount, case.recommended_term_months,
            case.recommended_bank_code, case.conditions, case.recommended_by_id) == (
        "recommended", "approve", Decimal("80000"), 36, "CZRCB", "Monthly report", officer.id)
    # the applicant is told
    assert db.session.scalar(select(Notification).where(Notification.user_id == case.applicant_id,
                                                        Notification.params["status"].as_string() == "recommended"))


# --- supervisor decisions ---------------------------------------------------------------

def test_approve_records_amount_term_bank_rate_ceiling_and_validity(app, make_case, staff, as_user):
    case = make_case("recommended", district="431022", amount=Decimal("200000"), term_months=36, bank="PSBC-CZ")
    supervisor = staff("supervisor")
    sc = as_user(supervisor)
    # lowering the amount needs a reason
    response = sc.post(f"/review/cases/{case.id}/decide", data={"decision": "approve", "amount": "150000"})
    assert response.status_code == 400
    assert re.search(r'id="reason-error"[^>]*>[^<]*reason for lowering', text(response))
    assert reload(case).status == "recommended"
    # more than recommended is refused
    response = sc.post(f"/review/cases/{case.id}/decide", data={"decision": "approve", "amount": "250000",
                                                                "reason": "more"})
    assert response.status_code == 400 and 'id="amount-error"' in text(response)
    assert reload(case).status == "recommended"

    response = sc.post(f"/review/cases/{case.id}/decide",
                       data={"decision": "approve", "amount": "150000", "reason": "Turnover supports 150k"})
    assert response.status_code == 302
    case = reload(case)
    today = local_today()
    assert case.status == "approved"
    assert case.approved_amount == Decimal("150000")
    assert case.amount_lowered_reason == "Turnover supports 150k"
    assert case.approved_term_months == 36 and case.approved_bank_code == "PSBC-CZ"
    assert case.decided_by_id == supervisor.id and case.decision_on == today
    # LPR on the decision date (3.00 since 2025-05-20) + Yizhang's former-poverty cap (250 bp) under HN-2023
    assert case.approval_policy_code == "HN-2023"
    assert case.approval_lpr_rate == Decimal("3.00") and case.approval_cap_bp == 250
    assert case.rate_ceiling_rate == Decimal("5.50")
    assert "5.5" in case.borrower_rate_rule_en and "50" in case.borrower_rate_rule_en
    assert "5.5" in case.borrower_rate_rule_zh
    assert case.valid_until_date == today + timedelta(days=90)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.object_id == case.id, AuditEvent.action == "approve"))
    assert (event.from_state, event.to_state, event.actor_id) == ("recommended", "approved", supervisor.id)
    html = text(sc.get(f"/review/cases/{case.id}"))
    assert "5.50" in html and (today + timedelta(days=90)).isoformat() in html
    status = text(as_user(case.applicant).get(f"/my/applications/{case.id}"))
    assert "Approved" in status


def test_approval_uses_lpr_and_policy_of_the_decision_date(app, make_case, staff):
    from loans.review import services

    standard = make_case("recommended", district="431002")
    services.decide(standard, actor=staff("supervisor"), decision="approve", on=date(2024, 1, 15))
    db.session.commit()
    standard = reload(standard)
    # LPR 3.45 (2023-08-21) + 150 bp standard cap
    assert standard.approval_lpr_rate == Decimal("3.45") and standard.rate_ceiling_rate == Decimal("4.95")
    assert standard.valid_until_date == date(2024, 4, 14)


def test_reject_and_send_back(app, make_case, staff, as_user):
    approve_rec = make_case("recommended")
    reject_rec = make_case("recommended")
    sc = as_user(staff("supervisor"))
    # rejecting an approval recommendation needs a reason
    response = sc.post(f"/review/cases/{approve_rec.id}/decide", data={"decision": "reject"})
    assert response.status_code == 400 and reload(approve_rec).status == "recommended"
    response = sc.post(f"/review/cases/{approve_rec.id}/decide",
                       data={"decision": "reject", "reason": "Business plan not credible"})
    assert response.status_code == 302
    approve_rec = reload(approve_rec)
    assert approve_rec.status == "rejected" and "Business plan not credible" in approve_rec.rejection_explanation
    assert approve_rec.approved_amount is None

    # send back needs a note
    response = sc.post(f"/review/cases/{reject_rec.id}/decide", data={"decision": "send_back"})
    assert response.status_code == 400 and reload(reject_rec).status == "recommended"
    response = sc.post(f"/review/cases/{reject_rec.id}/decide",
                       data={"decision": "send_back", "reason": "Check the bank statement again"})
    assert response.status_code == 302
    reject_rec = reload(reject_rec)
    assert reject_rec.status == "under_review" and reject_rec.recommendation is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.object_id == reject_rec.id,
                                                       AuditEvent.action == "send_back"))
    assert event.detail["reason"] == "Check the bank statement again"
    assert "Check the bank statement again" in text(as_user(staff("officer", district_code="431002"))
                                                    .get(f"/review/cases/{reject_rec.id}"))


def test_reject_a_reject_recommendation(app, make_case, staff):
    from loans.review import services

    case = make_case("recommended")
    case.recommendation = "reject"
    db.session.commit()
    services.decide(case, actor=staff("supervisor"), decision="reject")
    db.session.commit()
    assert reload(case).status == "rejected"
    # approving a reject recommendation is refused: send it back first
    other = make_case("recommended")
    other.recommendation = "reject"
    db.session.commit()
    with pytest.raises(Refused):
        services.decide(other, actor=staff("supervisor"), decision="approve")


def test_four_eyes_in_the_service(app, make_case, staff):
    from loans.review import services

    supervisor = staff("supervisor")
    case = make_case("under_review")
    verify_evidence(case, supervisor)
    services.recommend(case, actor=supervisor, decision="approve", amount=case.amount, term_months=24,
                       bank_code="ICBC-CZ")
    db.session.commit()
    for decision in ("approve", "reject", "send_back"):
        with pytest.raises(Refused) as refused:
            services.decide(case, actor=supervisor, decision=decision, reason="x")
        assert refused.value.status == 403
        db.session.rollback()
    case = reload(case)
    assert case.status == "recommended" and case.decided_by_id is None
    services.decide(case, actor=staff("supervisor"), decision="approve")
    db.session.commit()
    assert reload(case).status == "approved"


def test_four_eyes_over_http(app, make_case, staff, as_user):
    supervisor = staff("supervisor")
    case = make_case("under_review", verified=True)
    sc = as_user(supervisor)
    assert sc.post(f"/review/cases/{case.id}/recommend", data=RECOMMEND_OK).status_code == 302
    page = text(sc.get(f"/review/cases/{case.id}"))
    assert "four-eyes" in page and f'action="/review/cases/{case.id}/decide"' not in page
    before = actions(case)
    response = sc.post(f"/review/cases/{case.id}/decide", data={"decision": "approve"})
    assert response.status_code == 403  # not theirs to decide
    assert "four-eyes" in text(response)
    case = reload(case)
    assert case.status == "recommended" and case.approved_amount is None
    assert actions(case) == before


@pytest.mark.parametrize("status, who, path, data", [
    ("submitted", "supervisor", "decide", {"decision": "approve"}),
    ("submitted", "supervisor", "decide", {"decision": "reject", "reason": "x"}),
    ("under_review", "supervisor", "decide", {"decision": "send_back", "reason": "x"}),
    ("approved", "officer", "take", {}),
    ("approved", "officer", "request-info", {"message": "more please"}),
    ("approved", "officer", "recommend", RECOMMEND_OK),
    ("rejected", "supervisor", "decide", {"decision": "approve"}),
    ("info_requested", "officer", "recommend", RECOMMEND_OK),
    ("withdrawn", "officer", "take", {}),
])
def test_illegal_transitions_refused(app, make_case, staff, as_user, status, who, path, data):
    case = make_case(status)
    user = staff("officer", district_code="431002") if who == "officer" else staff("supervisor")
    before_actions, before_status = actions(case), reload(case).status
    client = as_user(user)
    response = client.post(f"/review/cases/{case.id}/{path}", data=data)
    assert response.status_code == 409
    assert "Nothing was changed" in text(response)  # on the case page it answers with, at once
    assert reload(case).status == before_status and actions(case) == before_actions


def test_decided_case_says_already_decided(app, make_case, staff, as_user):
    case = make_case("approved")
    client = as_user(staff("supervisor"))
    response = client.post(f"/review/cases/{case.id}/decide", data={"decision": "reject", "reason": "x"})
    assert response.status_code == 409
    assert "already been decided" in text(response) and "Redirecting" not in text(response)


def test_illegal_transition_in_the_service(app, make_case, staff):
    from loans.review import services

    case = make_case("submitted")
    with pytest.raises(Refused) as refused:
        services.decide(case, actor=staff("supervisor"), decision="approve")
    assert refused.value.status == 409
    db.session.rollback()
    approved = make_case("approved")
    with pytest.raises(Refused):
        services.take_case(approved, actor=staff("officer", district_code="431002"))
    db.session.rollback()
    assert reload(case).status == "submitted" and reload(approved).status == "approved"


def test_officer_cannot_decide(app, make_case, staff, as_user):
    case = make_case("recommended")
    response = as_user(staff("officer", district_code="431002")).post(f"/review/cases/{case.id}/decide",
                                                                     data={"decision": "approve"})
    assert response.status_code == 403
    assert reload(case).status == "recommended"


# --- withdrawal, expiry -----------------------------------------------------------------

@pytest.mark.parametrize("status", ["submitted", "under_review", "info_requested", "recommended"])
def test_applicant_may_withdraw_until_the_decision(app, make_case, as_user, status):
    case = make_case(status)
    response = as_user(case.applicant).post(f"/my/applications/{case.id}/withdraw", data={"reason": "changed plans"})
    assert response.status_code == 302
    assert reload(case).status == "withdrawn"
    assert actions(case)[-1] == "withdraw"


@pytest.mark.parametrize("status", ["approved", "rejected"])
def test_no_withdrawal_after_the_decision(app, make_case, as_user, status):
    case = make_case(status)
    client = as_user(case.applicant)
    before = actions(case)
    response = client.post(f"/my/applications/{case.id}/withdraw")
    assert response.status_code == 409
    assert "can no longer be withdrawn" in text(response)
    assert reload(case).status == status and actions(case) == before


def test_cases_expire_cli(app, make_case, staff, runner):
    from loans.review import services

    supervisor = staff("supervisor")
    old = make_case("recommended")
    services.decide(old, actor=supervisor, decision="approve", on=date(2026, 1, 5))  # valid until 2026-04-05
    recent = make_case("recommended")
    services.decide(recent, actor=supervisor, decision="approve", on=date(2026, 3, 20))  # valid until 2026-06-18
    db.session.commit()
    assert reload(old).valid_until_date == date(2026, 4, 5)

    result = runner.invoke(args=["cases", "expire", "--today", "2026-04-05"])
    assert result.exit_code == 0, result.output
    assert "0 approval" in result.output  # the last valid day is still valid
    result = runner.invoke(args=["cases", "expire", "--today", "2026-04-06"])
    assert result.exit_code == 0 and "1 approval" in result.output
    assert reload(old).status == "expired" and reload(recent).status == "approved"
    result = runner.invoke(args=["cases", "expire", "--today", "2026-04-06"])
    assert "0 approval" in result.output
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.object_id == old.id, AuditEvent.action == "expire"))
    assert (event.from_state, event.to_state, event.actor_id) == ("approved", "expired", None)
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.object_id == old.id,
                                                                     AuditEvent.action == "expire")) == 1
    note = db.session.scalar(select(Notification).where(Notification.user_id == old.applicant_id,
                                                        Notification.params["status"].as_string() == "expired"))
    assert note is not None


# --- personal data, history --------------------------------------------------------------

def test_reveal_full_id_is_audited(app, make_case, staff, as_user):
    officer = staff("officer", district_code="431002")
    case = make_case("under_review", officer=officer)
    oc = as_user(officer)
    page = text(oc.get(f"/review/cases/{case.id}"))
    assert case.id_number not in page and case.id_number_masked in page
    response = oc.post(f"/review/cases/{case.id}/reveal")
    assert response.status_code == 200
    assert case.id_number in text(response)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.object_id == case.id,
                                                       AuditEvent.action == "reveal_id"))
    assert event.actor_id == officer.id
    assert case.id_number not in str(event.detail)
    # the next page view is masked again
    assert case.id_number not in text(oc.get(f"/review/cases/{case.id}"))


def test_only_the_case_s_own_officer_may_reveal(app, make_case, staff, as_user):
    case = make_case("under_review")  # taken by another officer of the district
    colleague = as_user(staff("officer", district_code="431002"))
    assert f"/review/cases/{case.id}/reveal" not in text(colleague.get(f"/review/cases/{case.id}"))
    response = colleague.post(f"/review/cases/{case.id}/reveal")
    assert response.status_code == 403 and case.id_number not in text(response)
    assert "Only the officer handling this case" in text(response)
    assert "reveal_id" not in actions(case)


def test_auditor_reads_but_cannot_reveal_or_act(app, make_case, staff, as_user):
    case = make_case("recommended")
    ac = as_user(staff("auditor"))
    page = ac.get(f"/review/cases/{case.id}")
    assert page.status_code == 200 and case.id_number not in text(page)
    assert f'/review/cases/{case.id}/reveal' not in text(page)
    assert ac.post(f"/review/cases/{case.id}/reveal").status_code == 403
    for path, data in (("decide", {"decision": "approve"}), ("take", {}), ("notes", {"body": "x"})):
        assert ac.post(f"/review/cases/{case.id}/{path}", data=data).status_code == 403
    assert "reveal_id" not in actions(case) and reload(case).status == "recommended"


def test_case_history_shows_every_step(app, make_case, staff, as_user):
    case = make_case()
    officer = staff("officer", district_code="431002", name="Officer Li")
    supervisor = staff("supervisor", name="Supervisor Chen")
    oc, sc, ac = as_user(officer), as_user(supervisor), as_user(case.applicant)
    oc.post(f"/review/cases/{case.id}/take")
    oc.post(f"/review/cases/{case.id}/request-info", data={"message": "Licence please"})
    ac.post(f"/my/applications/{case.id}/answer", data={"answer": "Sent"})
    oc.post(f"/review/cases/{case.id}/evidence", data={"rule_id": "E08", "verified": "yes", "note": "clean report"})
    oc.post(f"/review/cases/{case.id}/evidence", data={"rule_id": "E12", "verified": "yes", "note": "no fixed job"})
    oc.post(f"/review/cases/{case.id}/notes", data={"body": "Looks fine"})
    oc.post(f"/review/cases/{case.id}/recommend", data=RECOMMEND_OK)
    sc.post(f"/review/cases/{case.id}/decide", data={"decision": "approve"})
    assert reload(case).status == "approved"
    html = text(oc.get(f"/review/cases/{case.id}"))
    history = html[html.index("Case history"):]
    for label in ("Submitted", "Taken for review", "Information requested", "Information provided",
                  "Evidence checked", "Eligibility checked", "Internal note added", "Recommendation made", "Approved"):
        assert label in history, label
    assert "Officer Li" in history and "Supervisor Chen" in history and "clean report" in history
    # the applicant's timeline shows each status change, not the internal steps
    timeline = text(ac.get(f"/my/applications/{case.id}"))
    for label in ("Submitted", "Taken for review", "Information requested", "Information provided",
                  "Recommendation made", "Approved"):
        assert label in timeline
    assert "Internal note added" not in timeline and "Looks fine" not in timeline


def test_applicant_notified_of_each_status_change(app, make_case, staff):
    case = make_case("approved")
    statuses = list(db.session.scalars(select(Notification.params).where(Notification.user_id == case.applicant_id)))
    events = [p.get("status") for p in statuses]
    assert {"under_review", "recommended", "approved"} <= set(events)


def test_applicant_without_email_gets_portal_notice_only(app, make_case, staff, as_user):
    from loans.review import services

    case = make_case("under_review", email=False)
    app.extensions["sent_emails"] = []
    services.request_info(case, actor=staff("officer", district_code="431002"), message="More please", documents=[])
    db.session.commit()
    assert app.extensions["sent_emails"] == []
    assert db.session.scalar(select(Notification).where(Notification.user_id == case.applicant_id,
                                                        Notification.event == "info_requested"))


def test_decision_queue_redirects_supervisors(app, staff, as_user):
    response = as_user(staff("supervisor")).get("/review/decisions")
    assert response.status_code == 302 and "status=recommended" in response.headers["Location"]


def test_recommend_on_a_decided_case_says_so_before_checking_fields(app, make_case, staff, as_user):
    case = make_case("approved")
    client = as_user(staff("officer", district_code="431002"))
    response = client.post(f"/review/cases/{case.id}/recommend", data={**RECOMMEND_OK, "amount": "999999"})
    assert response.status_code == 409
    assert "already been decided" in text(response)


def test_approval_needs_every_rule_to_pass_and_every_check_recorded(app, make_case, staff, as_user):
    case = make_case("under_review")
    officer = staff("officer", district_code="431002")
    oc = as_user(officer)
    response = oc.post(f"/review/cases/{case.id}/recommend", data=RECOMMEND_OK)
    assert response.status_code == 400
    assert "Record the evidence checks first: E08, E12" in text(response)
    assert reload(case).status == "under_review"
    oc.post(f"/review/cases/{case.id}/evidence", data={"rule_id": "E08", "verified": "no", "note": "bad credit"})
    oc.post(f"/review/cases/{case.id}/evidence", data={"rule_id": "E12", "verified": "yes", "note": ""})
    response = oc.post(f"/review/cases/{case.id}/recommend", data=RECOMMEND_OK)
    assert "These rules fail: E08" in text(response)
    assert reload(case).status == "under_review"
    # rejecting is still possible
    response = oc.post(f"/review/cases/{case.id}/recommend", data={
        "decision": "reject", "failed_rules": ["E08"], "explanation": "Bad credit record."})
    assert response.status_code == 302 and reload(case).status == "recommended"


def test_sensitive_evidence_views_are_recorded_and_hidden_from_the_auditor(app, make_case, staff, as_user):
    from werkzeug.datastructures import FileStorage

    from loans.applications import services as app_services

    officer = staff("officer", district_code="431002")
    case = make_case("under_review", officer=officer)
    app_services.record_consent(case.applicant, case, None)
    document = app_services.store_document(case, FileStorage(io.BytesIO(TINY_PDF), "id.pdf"), "id_card",
                                           actor=case.applicant)
    db.session.commit()
    url = f"/my/applications/{case.id}/documents/{document.id}"
    response = as_user(officer).get(url)
    assert response.status_code == 200 and response.data == TINY_PDF
    viewed = db.session.scalar(select(AuditEvent).where(AuditEvent.object_id == case.id,
                                                        AuditEvent.action == "view_document"))
    assert viewed is not None and viewed.actor_id == officer.id and viewed.detail["document_id"] == document.id
    assert as_user(staff("auditor")).get(url).status_code == 403
    # the applicant's own copy is not an access to record
    assert as_user(case.applicant).get(url).status_code == 200
    assert actions(case).count("view_document") == 1


def test_an_upload_that_rolls_back_leaves_no_file(app, make_case):
    from pathlib import Path

    from werkzeug.datastructures import FileStorage

    from loans.applications import services as app_services

    case = make_case("draft")
    document = app_services.store_document(case, FileStorage(io.BytesIO(TINY_PDF), "plan.pdf"), "business_plan",
                                           actor=case.applicant)
    path = Path(app.config["UPLOAD_FOLDER"]) / document.stored_name
    assert path.is_file()
    db.session.rollback()
    assert not path.exists()


def test_partner_facts_can_be_corrected_while_information_is_requested(app, make_case, as_user):
    from loans.applications.models import Partner
    from loans.applications.services import _set_id_number
    from tests.factories import resident_id

    case = make_case("info_requested", loan_type="partnership")
    partner = Partner(full_name="合伙人", key_group_code="veteran", position=0, declares_no_other_loans=False)
    _set_id_number(partner, resident_id("431002", date(1990, 3, 3), 91))
    case.partners.append(partner)
    db.session.commit()
    applicant = as_user(case.applicant)
    page = text(applicant.get(f"/my/applications/{case.id}/step/partners"))
    assert "Add a partner" not in page and f"/partners/{partner.id}/facts" in page
    response = applicant.post(f"/my/applications/{case.id}/partners/{partner.id}/facts",
                              data={f"p{partner.id}-declares_no_other_loans": "y"})
    assert response.status_code == 302
    assert reload(case).partners[0].declares_no_other_loans is True
    correct = db.session.scalar(select(AuditEvent).where(AuditEvent.object_id == case.id,
                                                         AuditEvent.action == "correct"))
    assert correct.detail["step"] == "partners"
    # who the partners are stays fixed: refused on the partners step, with the reason
    response = applicant.post(f"/my/applications/{case.id}/partners/{partner.id}/delete")
    assert response.status_code == 409 and "Redirecting" not in text(response)
    assert "cannot be changed after submission" in text(response) and "合伙人" in text(response)
    assert len(reload(case).partners) == 1
