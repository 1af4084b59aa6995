"""The case page in Chromium (issue 11, items 8 and 11): a real browser fetches every <img>
of the page, so this is where "loading the case page writes no audit row" is proven; the
outcomes of the recommendation work with the keyboard and with JavaScript turned off."""
from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from tests.browser.conftest import DESKTOP, PASSWORD, PHONE, shot, tiny_png
from tests.browser.test_journeys import log_in

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def cases(live_server) -> list[tuple[int, str]]:
    """Three under-review cases of the live server's officer, each with a sensitive ID card
    image: (case id, the document's URL). Made at once: the factories' numbering starts
    again with every test, the live server's database does not."""
    from loans.applications import services as app_services
    from loans.auth.models import User
    from loans.db import db
    from tests import factories

    made = []
    with live_server.app.app_context():
        officer = db.session.scalar(select(User).where(User.email == live_server.logins["officer"]))
        for _ in range(3):
            case = factories.ApplicationFactory(status="under_review", officer=officer)
            app_services.record_consent(case.applicant, case, None)
            document = app_services.store_document(case, FileStorage(io.BytesIO(tiny_png()), "id.png"), "id_card",
                                                   actor=case.applicant)
            made.append((case.id, f"/my/applications/{case.id}/documents/{document.id}"))
        db.session.commit()
    return made


def _views(live_server) -> int:
    from loans.audit.models import AuditEvent
    from loans.db import db

    with live_server.app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "view_document"))


def test_the_page_loads_no_sensitive_document_and_one_click_views_it_once(live_server, new_context, cases):
    case_id, url = cases[0]
    before = _views(live_server)
    page = new_context(DESKTOP, "en").new_page()
    log_in(page, live_server.logins["officer"])
    page.goto(f"/review/cases/{case_id}")
    page.wait_for_load_state("networkidle")
    page.reload()
    page.wait_for_load_state("networkidle")
    assert _views(live_server) == before  # two visits, every image loaded: nothing recorded
    shot(page, "r1-case-officer-desktop-en")

    view = page.get_by_role("link", name=re.compile("^View document"))
    with page.expect_popup() as opened:
        view.click()
    popup = opened.value
    popup.wait_for_load_state()
    assert popup.url.endswith(url)
    assert _views(live_server) == before + 1  # one click, one row
    popup.close()


def test_the_auditor_sees_a_placeholder_and_no_broken_image(live_server, new_context, cases):
    case_id, url = cases[1]
    from loans.auth.models import User
    from loans.auth.services import create_user
    from loans.db import db

    with live_server.app.app_context():
        if db.session.scalar(select(User).where(User.email == "audit@test.cn")) is None:
            create_user(role="auditor", email="audit@test.cn", password=PASSWORD, name="Auditor Qian",
                        check_password=False)
            db.session.commit()
    page = new_context(PHONE, "zh").new_page()
    log_in(page, "audit@test.cn")
    page.goto(f"/review/cases/{case_id}")
    page.wait_for_load_state("networkidle")
    expect(page.locator(".sensitive-placeholder")).to_be_visible()
    assert page.locator(f"img[src='{url}'], a[href='{url}']").count() == 0
    broken = page.evaluate("[...document.images].filter(i => !i.complete || i.naturalWidth === 0).length")
    assert broken == 0
    shot(page, "r2-case-auditor-phone-zh")


def test_outcomes_by_keyboard_without_javascript(live_server, browser, cases):
    """One outcome at a time with JavaScript off: the arrow keys choose, Tab goes into the
    chosen outcome's fields, and the recommendation is sent."""
    case_id, _url = cases[2]
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, locale="en-US",
                                  extra_http_headers={"Accept-Language": "en"}, **DESKTOP)
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        log_in(page, live_server.logins["officer"])
        page.goto(f"/review/cases/{case_id}")
        for panel in ("#panel-approve", "#panel-reject", "#panel-info"):
            expect(page.locator(panel)).to_be_hidden()
        expect(page.locator(".outcome-hint").first).to_be_visible()

        page.focus("#outcome-approve")
        page.keyboard.press("Space")
        expect(page.locator("#panel-approve")).to_be_visible()
        expect(page.locator("#amount")).to_be_visible()
        page.keyboard.press("ArrowRight")
        assert page.is_checked("#outcome-reject")
        expect(page.locator("#panel-approve")).to_be_hidden()
        expect(page.locator("#panel-reject")).to_be_visible()
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.closest('#panel-reject') !== null")
        shot(page, "r3-outcome-reject-desktop-en")

        page.fill("#explanation", "Spouse has an unpaid business loan.")
        page.locator("#panel-reject button").press("Enter")
        expect(page.locator(".alert-success")).to_contain_text("Recommendation recorded")
        expect(page.locator("#decision")).to_contain_text("Spouse has an unpaid business loan.")
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_officers_forms_fit_a_phone(live_server, new_context, cases, lang):
    """The walk of issue 11 on a 390 px phone: the hidden radio of the third outcome stayed at
    the end of the line its label wrapped from and widened the page; the evidence note was
    squeezed to a few characters beside the two radio buttons."""
    case_id, _url = cases[1]
    page = new_context(PHONE, lang).new_page()
    log_in(page, live_server.logins["officer"])
    page.goto(f"/review/cases/{case_id}")
    expect(page.locator("#recommend-outcomes")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    note = page.locator("#evidence input[name=note]").first.bounding_box()
    assert note and note["width"] >= 200, note
    shot(page, f"r4-case-officer-phone-{lang}")
