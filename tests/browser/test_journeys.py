"""Chromium walks the two journeys of issues 2 and 4 against a live server with real CSRF:
an applicant on a phone, in Chinese, from registration to a submitted application; and an
officer and a supervisor on a desktop, in English, from submission to an approval, with a
request for information answered by the applicant. Screenshots go to /tmp/shots."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from stdnum.iso7064 import mod_11_2

from .conftest import DESKTOP, PASSWORD, PHONE, TINY_PDF, overflowing, shot, tiny_png
from loans.db import local_today

pytestmark = pytest.mark.browser


def zh(app, table: str, code: str) -> str:
    from flask_babel import force_locale

    from loans import labels

    with app.test_request_context(), force_locale("zh"):
        return labels.label(getattr(labels, table), code)


def log_in(page, login: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.fill("#login", login)
    page.fill("#password", password)
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator("#login")).to_have_count(0)


def next_step(page) -> None:
    page.locator("button[name=action][value=next]").click()


def test_journey_a_applicant_on_a_phone_in_chinese(live_server, new_context):
    page = new_context(PHONE, "zh").new_page()

    page.goto("/register")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    page.fill("#name", "刘小梅")
    page.fill("#login", "13912345678")
    page.fill("#password", "Plum-Blossom-2026")
    page.fill("#confirm", "Plum-Blossom-2026")
    shot(page, "a1-register-phone-zh")
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/my/applications/$"))

    page.locator("form[action$='/my/applications/new'] button").click()
    expect(page).to_have_url(re.compile(r"/step/person$"))
    body = "431002" + "19900315" + "123"
    page.fill("#full_name", "刘小梅")
    page.fill("#id_number", body + mod_11_2.calc_check_digit(body))
    page.fill("#mobile", "13912345678")
    page.select_option("#household_district_code", "431002")
    page.select_option("#education", "associate")
    shot(page, "a2-person-phone-zh")
    assert not overflowing(page), overflowing(page)
    next_step(page)

    expect(page).to_have_url(re.compile(r"/step/groups$"))
    page.check("input[name=key_groups][value=disabled]")  # sensitive evidence: consent comes first
    next_step(page)

    expect(page).to_have_url(re.compile(r"/step/business$"))
    page.select_option("#loan_type", "individual")
    page.fill("#business_name", "小梅网店")
    page.select_option("#district_code", "431002")
    page.fill("#business_address", "郴州市北湖区人民路8号")
    page.fill("#industry", "online shop")
    page.fill("#business_start_date", "2026-03-01")
    page.fill("#current_staff", "1")
    page.fill("#planned_jobs", "3")
    next_step(page)

    expect(page).to_have_url(re.compile(r"/step/loan$"))
    page.fill("#amount", "150000")
    page.fill("#term_months", "24")
    page.fill("#purpose", "采购货品和设备")
    page.select_option("#preferred_bank_code", "ICBC-CZ")
    next_step(page)

    expect(page).to_have_url(re.compile(r"/step/declarations$"))
    for name in ("declares_no_other_loans", "consents_credit_check", "declares_truthful"):
        page.check(f"#{name}")
    next_step(page)

    expect(page).to_have_url(re.compile(r"/step/documents$"))
    # Uploading the sensitive certificate before consenting is refused with a message.
    page.select_option("#kind", "key_group:disabled")
    page.set_input_files("#file", files=[{"name": "残疾证.pdf", "mimeType": "application/pdf", "buffer": TINY_PDF}])
    page.locator("form[enctype='multipart/form-data'] button").click()
    expect(page.locator("#file-error")).to_be_visible()
    page.check("#agree")
    page.locator("form[action$='/consent'] button").click()
    expect(page.locator("form[action$='/consent']")).to_have_count(0)
    page.select_option("#kind", "key_group:disabled")
    page.set_input_files("#file", files=[{"name": "残疾证.pdf", "mimeType": "application/pdf", "buffer": TINY_PDF}])
    page.locator("form[enctype='multipart/form-data'] button").click()
    expect(page.locator("main")).to_contain_text("残疾证.pdf")
    page.select_option("#kind", "id_card")
    page.set_input_files("#file", files=[{"name": "id-card.png", "mimeType": "image/png", "buffer": tiny_png()}])
    page.locator("form[enctype='multipart/form-data'] button").click()
    expect(page.locator("main")).to_contain_text("id-card.png")
    shot(page, "a3-documents-phone-zh")
    assert not overflowing(page), overflowing(page)

    page.locator("a[href$='/step/review']").last.click()
    expect(page).to_have_url(re.compile(r"/step/review$"))
    submit = page.locator("form[action$='/submit'] button")
    expect(submit).to_be_enabled()
    shot(page, "a4-review-phone-zh")
    assert not overflowing(page), overflowing(page)
    submit.click()

    expect(page).to_have_url(re.compile(r"/my/applications/\d+$"))
    submitted = zh(live_server.app, "STATUS", "submitted")
    expect(page.locator(".badge").filter(has_text=submitted).first).to_be_visible()
    expect(page.locator("ol.timeline")).to_contain_text(zh(live_server.app, "AUDIT_ACTION", "submit"))
    shot(page, "a5-status-phone-zh")
    assert not overflowing(page), overflowing(page)


def _submitted_case(live_server):
    """An applicant (English) with a submitted case in Beihu, built through the services."""
    from loans.applications import services as app_services
    from loans.applications.models import ApplicationKeyGroup
    from loans.auth.services import create_user
    from loans.core.workflow import Action
    from loans.db import db
    from loans.eligibility.services import evaluate_case
    from tests.factories import resident_id

    with live_server.app.app_context():
        applicant = create_user(role="applicant", email="wang.fang@test.cn", password=PASSWORD, name="Wang Fang",
                                check_password=False)
        applicant.locale = "en"
        case = app_services.start_application(applicant)
        app_services._set_id_number(case, resident_id("431002", date(1991, 8, 8), 42, male=False))
        case.full_name, case.mobile, case.household_district_code, case.education = (
            "Wang Fang", "13700001111", "431002", "bachelor")
        case.key_group_links.append(ApplicationKeyGroup(key_group_code="returning_migrant"))
        case.loan_type, case.business_name, case.district_code = "individual", "Wang's Tea House", "431002"
        case.business_address, case.industry, case.business_start_date = "8 Renmin Rd", "catering", date(2026, 2, 1)
        case.current_staff, case.planned_jobs = 2, 5
        case.amount, case.term_months, case.purpose, case.preferred_bank_code = Decimal("200000"), 36, "Fit-out", "CZRCB"
        case.declares_no_other_loans = case.consents_credit_check = case.declares_truthful = True
        case.submitted_at, case.application_date = datetime.now(timezone.utc), local_today()
        evaluate_case(case, trigger="submission", actor=applicant)
        app_services.transition(case, Action.submit, actor=applicant)
        db.session.commit()
        return case.id, case.reference, applicant.email


def test_journey_b_officer_and_supervisor_on_a_desktop_in_english(live_server, new_context):
    case_id, reference, applicant_login = _submitted_case(live_server)
    officer = new_context(DESKTOP, "en").new_page()
    log_in(officer, live_server.logins["officer"])

    officer.goto("/review/")
    expect(officer.locator("table")).to_contain_text(reference)
    shot(officer, "b1-queue-desktop-en")
    officer.get_by_role("link", name=reference).click()
    expect(officer).to_have_url(re.compile(rf"/review/cases/{case_id}$"))
    officer.get_by_role("button", name="Take this case for review").click()
    expect(officer.locator(".alert-success")).to_contain_text("You are now reviewing this case")

    officer.locator("label[for=outcome-info]").click()  # one outcome at a time
    officer.fill("#message", "Please upload your business licence and tell us when the shop opens.")
    officer.check("input[name=documents][value=business_licence]")
    officer.get_by_role("button", name="Ask the applicant").click()
    expect(officer.locator(".alert-success")).to_contain_text("asked for more information")

    applicant = new_context(DESKTOP, "en").new_page()
    log_in(applicant, applicant_login)
    applicant.goto(f"/my/applications/{case_id}")
    card = applicant.locator("section.card.border-warning")
    expect(card).to_contain_text("Please upload your business licence")
    card.locator("#kind").select_option("business_licence")
    card.locator("#file").set_input_files(
        files=[{"name": "licence.pdf", "mimeType": "application/pdf", "buffer": TINY_PDF}])
    card.locator("form[enctype='multipart/form-data'] button").click()
    expect(applicant.locator(".alert-success")).to_contain_text("licence.pdf")
    shot(applicant, "b2-info-request-desktop-en")
    applicant.fill("#answer", "Licence uploaded. The shop opens on 1 February.")
    applicant.get_by_role("button", name="Send answer").click()
    expect(applicant.locator(".alert-success")).to_contain_text("back with the officer")

    officer.reload()
    expect(officer.locator("main")).to_contain_text("Licence uploaded. The shop opens on 1 February.")
    expect(officer.locator("main")).to_contain_text("licence.pdf")
    officer.check("#v-E08-yes")
    officer.fill("#note-E08", "Credit report clean")
    officer.get_by_role("button", name="Record E08").click()
    expect(officer.locator(".alert-success")).to_contain_text("Check recorded")
    # approval needs every evidence check recorded: E12 too (not in a fixed job)
    officer.check("#v-E12-yes")
    officer.fill("#note-E12", "Social insurance record shows no employer")
    officer.get_by_role("button", name="Record E12").click()
    expect(officer.locator(".alert-success")).to_contain_text("Check recorded")
    officer.locator("label[for=outcome-approve]").click()
    expect(officer.locator("#amount")).to_have_value("200000.00")
    officer.fill("#conditions", "Quarterly turnover report")
    officer.get_by_role("button", name="Send recommendation to a supervisor").click()
    expect(officer.locator(".alert-success")).to_contain_text("Recommendation recorded")

    supervisor = new_context(DESKTOP, "en").new_page()
    log_in(supervisor, live_server.logins["supervisor"])
    supervisor.goto("/review/?status=recommended")
    supervisor.get_by_role("link", name=reference).click()
    supervisor.locator("#decide-outcomes label.btn", has_text="Approve").click()  # one outcome at a time
    shot(supervisor, "b3-decide-desktop-en")
    supervisor.get_by_role("button", name="Record decision").click()
    expect(supervisor.locator(".alert-success")).to_contain_text("Approved.")
    expect(supervisor.locator("main")).to_contain_text("Valid until")
    history = supervisor.locator("section[aria-labelledby=history-title]")
    for step in ("Submitted", "Taken for review", "Information requested", "Document uploaded",
                 "Information provided", "Evidence checked", "Eligibility checked", "Recommendation made", "Approved"):
        expect(history).to_contain_text(step)
    expect(history).to_contain_text("Credit report clean")
    shot(supervisor, "b4-approved-case-desktop-en")

    applicant.reload()
    expect(applicant.locator("ol.timeline")).to_contain_text("Approved")
    expect(applicant.locator(".badge").filter(has_text="Approved").first).to_be_visible()
    shot(applicant, "b5-status-approved-desktop-en")


def test_staff_pages_on_a_phone_and_applicant_on_a_desktop(live_server, new_context):
    """Screenshots for the other combinations: the officer's queue on a phone (Chinese) and
    the case page; neither may scroll the whole page sideways."""
    page = new_context(PHONE, "zh").new_page()
    log_in(page, live_server.logins["officer"])
    page.goto("/review/")
    shot(page, "c1-queue-phone-zh")
    assert not overflowing(page), overflowing(page)
    first = page.locator(".list-group a").first  # on a phone the queue is a list of cards
    if first.count():
        first.click()
        expect(page).to_have_url(re.compile(r"/review/cases/\d+$"))
        shot(page, "c2-case-phone-zh")
        assert not overflowing(page), overflowing(page)
    desk = new_context(DESKTOP, "zh").new_page()
    desk.goto("/login")
    shot(desk, "c3-login-desktop-zh")


def test_login_by_keyboard_only(live_server, new_context):
    page = new_context(DESKTOP, "en").new_page()
    page.goto("/login")
    focused = lambda: page.evaluate("document.activeElement && (document.activeElement.id || document.activeElement.tagName + ':' + (document.activeElement.type || ''))")  # noqa: E731
    seen = []
    for _ in range(30):
        page.keyboard.press("Tab")
        seen.append(focused())
        if seen[-1] == "login":
            break
    assert seen[-1] == "login", seen
    page.keyboard.type(live_server.logins["officer"])
    page.keyboard.press("Tab")
    assert focused() == "password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    assert focused() == "BUTTON:submit"
    assert page.evaluate("document.activeElement.form && document.activeElement.form.querySelector('#login') !== null")
    page.keyboard.press("Shift+Tab")
    assert focused() == "password"
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/staff$|/review/|/$"))
    expect(page.locator("#login")).to_have_count(0)
    expect(page.locator("nav.navbar")).to_contain_text("Officer Li")
