"""Assisted filing by community workers (SPEC §15, issue 16)."""
from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from loans.applications.models import LoanApplication
from loans.audit.models import AuditEvent
from loans.auth.models import SmsCode
from loans.auth.models import User
from loans.db import db
from tests.factories import resident_id
from tests.helpers import login
from tests.letters.test_letters_pdf import flat, pdf_text
from tests.test_roles_routes import TINY_PDF, client_as

def client_in(app, user, lang="en"):
    """A client logged in as ``user`` reading ``lang`` (the tests read the English words)."""
    client = client_as(app, user)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    return client


PERSON_ID = resident_id("431002", date(1990, 3, 4), 5)


@pytest.fixture
def worker(make_user):
    return make_user("community", district_code="431002")


def file_case(client, mobile="13800001111", number=PERSON_ID):
    return client.post("/assisted/new", data={"full_name": "李四", "id_number": number, "mobile": mobile})


def test_a_community_worker_lands_on_assisted_filing_and_is_refused_elsewhere(app, worker):
    client = client_in(app, worker)
    assert client.get("/").headers["Location"].endswith("/assisted/")
    page = client.get("/assisted/").get_data(as_text=True)
    assert "File for a person" in page
    assert client.get("/review/").status_code == 403
    assert client.get("/admin/users").status_code == 403


def test_filing_for_a_person_creates_their_passwordless_account_and_a_draft(app, worker):
    client = client_in(app, worker)
    response = file_case(client)
    assert response.status_code == 302
    case = db.session.scalar(select(LoanApplication).where(LoanApplication.filed_by_id == worker.id))
    assert (case.status, case.full_name, case.district_code) == ("draft", "李四", "431002")
    person = db.session.get(User, case.applicant_id)
    assert (person.role, person.mobile) == ("applicant", "13800001111")
    assert login(client_in(app, None), "13800001111", "").status_code != 302  # no usable password
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert PERSON_ID not in page and case.id_number_masked in page
    assert "李四" in client.get("/assisted/").get_data(as_text=True)


def test_a_staff_mobile_is_refused_in_place(app, worker, make_user):
    officer = make_user("officer", district_code="431002")
    officer.mobile = "13800002222"
    db.session.commit()
    response = file_case(client_in(app, worker), mobile="13800002222")
    assert response.status_code == 400
    assert "belongs to a staff account" in response.get_data(as_text=True)
    assert db.session.scalar(select(LoanApplication).where(LoanApplication.filed_by_id == worker.id)) is None


def test_another_workers_case_is_not_found(app, worker, make_user):
    file_case(client_in(app, worker))
    case = db.session.scalar(select(LoanApplication).where(LoanApplication.filed_by_id == worker.id))
    other = client_in(app, make_user("community", district_code="431002"))
    assert other.get(f"/assisted/{case.id}").status_code == 404
    assert "李四" not in other.get("/assisted/").get_data(as_text=True)


def test_the_pages_speak_chinese(app, worker):
    client = client_in(app, worker)
    client.post("/language", data={"lang": "zh"})
    assert client.get("/assisted/new").status_code == 200


def test_users_create_makes_a_community_worker_of_one_district(runner):
    args = ["users", "create", "--role", "community", "--email", "c@example.cn", "--password", "Correct-Horse-42"]
    assert runner.invoke(args=args).exit_code != 0  # a district is required
    result = runner.invoke(args=[*args, "--district", "431003"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "c@example.cn"))
    assert (user.role, user.district_code) == ("community", "431003")


# --- confirmation by the person, submission, takeover ----------------------------------

@pytest.fixture
def sms(app):
    app.config["SMS_BACKEND"] = "recording"
    app.extensions["sent_sms"] = []
    app.config["SMS_CODE_INTERVAL_SECONDS"] = 0  # the person asks for several codes within a minute here
    return app.extensions["sent_sms"]


def sent_code(sms) -> str:
    return re.search(r"\d{6}", sms[-1].text).group(0)


def filed(app, worker, **person):
    client = client_in(app, worker)
    file_case(client, **person)
    case = db.session.scalar(select(LoanApplication).where(LoanApplication.filed_by_id == worker.id))
    return client, case


def complete(case, worker):
    """The steps the worker filled in for the person (all but the declarations)."""
    from loans.applications import services as app_services
    from loans.applications.models import ApplicationKeyGroup

    case.household_district_code, case.education = "431002", "senior_high"
    case.key_group_links.append(ApplicationKeyGroup(key_group_code="veteran"))
    case.loan_type, case.business_name = "individual", "李四汽修"
    case.business_address, case.industry, case.business_start_date = "郴州市1号", "repair", date(2026, 1, 1)
    case.current_staff, case.planned_jobs = 1, 3
    case.amount, case.term_months, case.purpose, case.preferred_bank_code = Decimal("100000"), 24, "设备", "ICBC-CZ"
    app_services.store_document(case, SimpleNamespace(stream=io.BytesIO(TINY_PDF), filename="veteran.pdf"),
                                "key_group:veteran", actor=worker)
    db.session.commit()


def test_confirmed_by_a_code_the_person_reads_out_then_submitted_read_only(app, worker, sms):
    client, case = filed(app, worker)
    complete(case, worker)
    refused = client.post(f"/assisted/{case.id}/submit")
    assert refused.status_code == 409
    assert "has not confirmed" in refused.get_data(as_text=True)
    assert client.post(f"/assisted/{case.id}/code").status_code == 302
    assert sms[-1].to == "13800001111"  # the person's own mobile
    wrong = client.post(f"/assisted/{case.id}/confirm", data={"code": "000000"})
    assert wrong.status_code == 400 and "not right" in wrong.get_data(as_text=True)
    assert db.session.scalar(select(SmsCode.tries).order_by(SmsCode.id.desc()).limit(1)) == 1  # the try counts
    assert client.post(f"/assisted/{case.id}/confirm", data={"code": sent_code(sms)}).status_code == 302
    db.session.expire_all()
    assert (case.person_confirmed_by, case.person_consent_version) == ("code", app.config["CONSENT_TEXT_VERSION"])
    assert case.consents_credit_check and case.declares_truthful
    assert client.post(f"/assisted/{case.id}/submit").status_code == 302
    db.session.expire_all()
    assert case.status == "submitted"
    page = client.get(f"/assisted/{case.id}").get_data(as_text=True)
    assert "Submit the application" not in page and "Send a code" not in page
    assert PERSON_ID not in page and case.id_number_masked in page
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.object_id == case.id,
                                                         AuditEvent.action.in_(("person_confirmed", "submit")))).all()
    assert {e.actor_id for e in events} == {worker.id}


def test_confirmed_by_a_signed_scan_checked_by_content(app, worker):
    client, case = filed(app, worker)
    fake = client.post(f"/assisted/{case.id}/scan", data={"file": (io.BytesIO(b"not a pdf"), "signed.pdf")})
    assert fake.status_code == 400 and "Only PDF, JPEG or PNG" in fake.get_data(as_text=True)
    ok = client.post(f"/assisted/{case.id}/scan", data={"file": (io.BytesIO(TINY_PDF), "signed.pdf")})
    assert ok.status_code == 302
    db.session.expire_all()
    assert case.person_confirmed_by == "scan" and case.person_confirmed_at is not None


def test_the_person_takes_over_with_a_code_and_their_resident_id(app, worker, sms):
    worker_client, case = filed(app, worker)
    person = db.session.get(User, case.applicant_id)
    client = client_in(app, None)
    client.post("/login/code", data={"mobile": "13800001111"})
    assert client.post("/login", data={"login": "13800001111", "code": sent_code(sms)}).status_code == 302
    listing = client.get("/my/applications/").get_data(as_text=True)
    assert "Take over this application" in listing
    assert client.post(f"/assisted/takeover/{case.id}/code").status_code == 302
    code = sent_code(sms)
    wrong_id = client.post(f"/assisted/takeover/{case.id}",
                           data={"code": code, "id_number": resident_id("431002", date(1990, 3, 4), 6)})
    assert wrong_id.status_code == 400
    assert "not the resident ID" in wrong_id.get_data(as_text=True)
    assert client.post(f"/assisted/takeover/{case.id}/code").status_code == 302  # a fresh code
    done = client.post(f"/assisted/takeover/{case.id}", data={"code": sent_code(sms), "id_number": PERSON_ID})
    assert done.status_code == 302
    db.session.expire_all()
    assert case.taken_over_at is not None
    assert worker_client.get(f"/assisted/{case.id}").status_code == 404
    assert "李四" not in worker_client.get("/assisted/").get_data(as_text=True)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "take_over",
                                                      AuditEvent.object_id == case.id)).actor_id == person.id


def test_filed_by_shows_on_the_case_page_and_history_not_on_the_letter(app, worker, make_user, sms):
    from loans.review import services as review
    from tests.helpers import verify_evidence

    client, case = filed(app, worker)
    complete(case, worker)
    client.post(f"/assisted/{case.id}/code")
    client.post(f"/assisted/{case.id}/confirm", data={"code": sent_code(sms)})
    assert client.post(f"/assisted/{case.id}/submit").status_code == 302
    officer = make_user("officer", district_code="431002")
    db.session.expire_all()
    review.take_case(case, actor=officer)
    verify_evidence(case, officer)
    review.recommend(case, actor=officer, decision="approve", amount=case.amount, term_months=24, bank_code="ICBC-CZ")
    review.decide(case, actor=make_user("supervisor"), decision="approve")
    db.session.commit()
    officer_client = client_in(app, officer)
    page = officer_client.get(f"/review/cases/{case.id}").get_data(as_text=True)
    assert "Filed by" in page and worker.name in page
    assert "Confirmed by the entrepreneur" in page  # the history row, with the worker as actor
    from loans.letters.models import Letter

    letter = db.session.scalar(select(Letter).where(Letter.application_id == case.id))
    assert letter is not None
    shown = officer_client.get(f"/letters/{letter.id}.pdf")
    assert shown.status_code == 200
    words = flat(pdf_text(shown.data))
    assert flat(case.full_name) in words  # the letter is the person's…
    assert flat(worker.name) not in words and "代办" not in words and "Filedby" not in words  # …not the worker's


def test_the_worker_fills_the_applicants_steps_but_not_the_declarations(app, worker):
    client, case = filed(app, worker)
    assert "Key groups" in client.get(f"/assisted/{case.id}").get_data(as_text=True)
    response = client.post(f"/assisted/{case.id}/step/person", data={
        "full_name": "李四", "mobile": "13900009999", "household_district_code": "431002",
        "education": "senior_high", "action": "next"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/step/groups")
    db.session.expire_all()
    assert (case.household_district_code, case.education) == ("431002", "senior_high")
    assert case.id_number_masked  # kept: left empty means unchanged
    assert case.mobile == "13800001111"  # the person's mobile stays the one the filing started with
    bad = client.post(f"/assisted/{case.id}/step/loan", data={"amount": "abc", "action": "next"})
    assert bad.status_code == 200 and "abc" in bad.get_data(as_text=True)  # shown again, nothing lost
    assert client.get(f"/assisted/{case.id}/step/declarations").status_code == 404
    saved = client.post(f"/assisted/{case.id}/step/business", data={"business_name": "李四汽修", "action": "draft"})
    assert saved.status_code == 302
    db.session.expire_all()
    assert case.business_name == "李四汽修"


def test_the_worker_uploads_the_evidence_checked_by_content(app, worker):
    client, case = filed(app, worker)
    client.post(f"/assisted/{case.id}/step/groups", data={"key_groups": ["veteran"], "action": "draft"})
    fake = client.post(f"/assisted/{case.id}/documents",
                       data={"kind": "key_group:veteran", "file": (io.BytesIO(b"MZ not a pdf"), "v.pdf")})
    assert fake.status_code == 400 and "Only PDF, JPEG or PNG" in fake.get_data(as_text=True)
    ok = client.post(f"/assisted/{case.id}/documents",
                     data={"kind": "key_group:veteran", "file": (io.BytesIO(TINY_PDF), "veteran.pdf")})
    assert ok.status_code == 302
    page = client.get(f"/assisted/{case.id}").get_data(as_text=True)
    assert "veteran.pdf" in page and "Upload the evidence for" not in page


def test_an_administrator_creates_a_community_worker_of_a_district(app, make_user):
    admin = client_in(app, make_user("admin"))
    form = {"name": "王五", "login": "wang@example.cn", "role": "community", "password": "Correct-Horse-42"}
    refused = admin.post("/admin/users", data=form)
    assert refused.status_code in (200, 400) and "This role needs a district." in refused.get_data(as_text=True)
    assert admin.post("/admin/users", data={**form, "district_code": "431002"}).status_code in (200, 302)
    user = db.session.scalar(select(User).where(User.email == "wang@example.cn"))
    assert (user.role, user.district_code) == ("community", "431002")
    assert "Community worker" in admin.get("/admin/users").get_data(as_text=True)


def test_the_worker_and_the_person_read_the_pages_in_chinese(app, worker, sms):
    client, case = filed(app, worker)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    client.post("/language", data={"lang": "zh"})
    page = client.get(f"/assisted/{case.id}").get_data(as_text=True)
    assert "草稿" in page and case.id_number_masked in page  # the status in Chinese, the ID masked
    assert "身份证号码应为 18 位。" in file_case(client, number="4310021988").get_data(as_text=True)
    staff_home = client.get("/staff").get_data(as_text=True)
    assert "社区工作人员" in staff_home or "Community worker" in staff_home


def test_a_case_the_person_filed_themselves_has_nothing_to_take_over(app, make_case):
    case = make_case("draft")
    client = client_in(app, case.applicant)
    assert client.get(f"/assisted/takeover/{case.id}").headers["Location"].endswith("/my/applications/")
    assert client.post(f"/assisted/takeover/{case.id}/code").status_code == 404


def test_sensitive_evidence_waits_for_the_persons_consent(app, worker, sms):
    """A disability certificate is sensitive (SPEC §11): the worker uploads it once the person
    has confirmed their consent by the code sent to their mobile."""
    client, case = filed(app, worker)
    client.post(f"/assisted/{case.id}/step/groups", data={"key_groups": ["disabled"], "action": "draft"})
    upload = {"kind": "key_group:disabled", "file": (io.BytesIO(TINY_PDF), "disability.pdf")}
    refused = client.post(f"/assisted/{case.id}/documents", data=dict(upload))
    assert refused.status_code == 400 and "the person must first confirm" in refused.get_data(as_text=True)
    assert client.post(f"/assisted/{case.id}/code").status_code == 302
    assert client.post(f"/assisted/{case.id}/confirm", data={"code": sent_code(sms)}).status_code == 302
    upload["file"] = (io.BytesIO(TINY_PDF), "disability.pdf")
    assert client.post(f"/assisted/{case.id}/documents", data=upload).status_code == 302
    assert "disability.pdf" in client.get(f"/assisted/{case.id}").get_data(as_text=True)
