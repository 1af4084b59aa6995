"""A roster hit on the application date (SPEC §15): the key group's evidence is recorded as
verified by the roster, the applicant's upload becomes optional, the officer sees which
roster said so; the anonymous pre-check never learns of it."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from loans.core.resident_id import mask
from loans.db import db
from loans.eligibility.models import EvidenceCheck
from tests.factories import resident_id
from tests.helpers import text

VERIFIED = "Verified by roster: registered unemployed, as of 2026-10-31"


def rostered_draft(make_case, import_roster, name=None):
    case = make_case("draft", group="urban_unemployed")
    import_roster("urban_unemployed", f"{case.id_number},{name or case.full_name},2026-10-31,2099-10-31")
    return case


def submit(as_user, case):
    client = as_user(case.applicant)
    response = client.post(f"/my/applications/{case.id}/submit")
    assert response.status_code == 302, text(response.get_data(as_text=True))[:2000]
    return client


def test_upload_is_optional_for_a_rostered_group(app, make_case, import_roster, as_user):
    case = rostered_draft(make_case, import_roster)
    client = as_user(case.applicant)
    page = text(client.get(f"/my/applications/{case.id}/step/documents").get_data(as_text=True))
    assert VERIFIED in page and "upload optional" in page and "missing" not in page
    # submitted without any upload: the roster is the evidence
    submit(as_user, case)
    db.session.expire_all()
    assert case.status == "submitted" and not case.documents
    status_page = text(client.get(f"/my/applications/{case.id}").get_data(as_text=True))
    assert VERIFIED in status_page


def test_without_a_roster_hit_the_upload_is_still_needed(app, make_case, import_roster, as_user):
    case = rostered_draft(make_case, import_roster, name="别人")
    client = as_user(case.applicant)
    page = text(client.get(f"/my/applications/{case.id}/step/documents").get_data(as_text=True))
    assert "Verified by roster" not in page and "missing" in page
    response = client.post(f"/my/applications/{case.id}/submit")
    assert "Upload the evidence for" in text(response.get_data(as_text=True))
    db.session.expire_all()
    assert case.status == "draft"


def test_the_check_is_recorded_once_and_the_officer_sees_the_roster(app, make_case, import_roster, as_user, staff):
    case = rostered_draft(make_case, import_roster)
    submit(as_user, case)
    officer = staff("officer", district_code="431002")
    client = as_user(officer)
    assert client.post(f"/review/cases/{case.id}/take").status_code in (302, 303)
    client.post(f"/review/cases/{case.id}/rerun")
    checks = db.session.scalars(select(EvidenceCheck).where(EvidenceCheck.application_id == case.id)).all()
    assert [(c.rule_id, c.verified, c.roster_kind, c.roster_as_of, c.checked_by_id) for c in checks] == [
        ("E01", True, "urban_unemployed", date(2026, 10, 31), None)]
    page = client.get(f"/review/cases/{case.id}").get_data(as_text=True)
    assert VERIFIED in text(page)
    client.post("/language", data={"lang": "zh"})
    zh = client.get(f"/review/cases/{case.id}").get_data(as_text=True)
    assert 'id="roster-evidence"' in zh and "2026-10-31" in text(zh)
    history = text(zh)
    assert "roster_evidence" not in history
    # not for staff outside the case (SPEC §15: the case's officer and supervisors)
    for other in (staff("auditor"), staff("officer", district_code="431002")):
        assert "Verified by roster" not in text(as_user(other).get(f"/review/cases/{case.id}").get_data(as_text=True))
    assert VERIFIED in text(as_user(staff("supervisor")).get(f"/review/cases/{case.id}").get_data(as_text=True))


def test_an_expired_roster_entry_does_not_count(app, make_case, import_roster, as_user):
    case = make_case("draft", group="urban_unemployed")
    import_roster("urban_unemployed", f"{case.id_number},{case.full_name},2025-01-01,2025-12-31")
    page = text(as_user(case.applicant).get(f"/my/applications/{case.id}/step/documents").get_data(as_text=True))
    assert "Verified by roster" not in page


def test_the_precheck_answers_the_same_for_a_rostered_id(app, client, import_roster):
    rostered = resident_id("431002", date(1988, 5, 6), 11)
    other = resident_id("431002", date(1988, 5, 6), 12)
    import_roster("disabled", f"{rostered},张三,2020-01-01,2099-12-31")
    import_roster("urban_unemployed", f"{rostered},张三,2020-01-01,2099-12-31")
    body = {"application_date": "2026-12-01", "key_groups": ["disabled", "urban_unemployed"], "loan_type": "individual",
            "amount": "100000", "term_months": 24, "district_code": "431002"}
    answers = [client.post("/api/v1/eligibility/precheck", json={**body, "id_number": number}).get_json()
               for number in (rostered, other)]
    assert answers[0] == answers[1] and answers[0]["rules"]
    form = {"application_date": "2026-12-01", "key_groups": ["disabled"], "loan_type": "individual",
            "amount": "100000", "term_months": "24", "district_code": "431002"}
    pages = [text(client.post("/eligibility", data={**form, "id_number": number}).get_data(as_text=True))
             for number in (rostered, other)]
    assert pages[0].replace(mask(rostered), mask(other)) == pages[1]
    assert "roster" not in pages[0].lower()
