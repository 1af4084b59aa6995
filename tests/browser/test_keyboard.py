"""Keyboard walks in Chromium (issue 12): an applicant fills every step of an application and
submits it, and an officer takes a submitted case, checks its evidence and recommends it —
with Tab, Enter, Space and the arrow keys alone, typing the text; no mouse, no
.click() or .fill(). Every element the walk focuses must show a focus indicator (an outline
or a box shadow), and the journey must end where it should."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from stdnum.iso7064 import mod_11_2

from .conftest import DESKTOP, PASSWORD, TINY_PDF, shot

pytestmark = pytest.mark.browser

TAB_LIMIT = 120

# The focused element as a selector-like name (#id, or tag[name=…]), for messages and checks.
ACTIVE = """(() => {
  const el = document.activeElement;
  if (!el || el === document.body) return 'body';
  if (el.id) return '#' + el.id;
  const name = el.getAttribute('name');
  return el.tagName.toLowerCase() + (name ? '[name=' + name + ']' : '') + ' ' + (el.textContent || '').trim().slice(0, 40);
})()"""

# Whether the focused element shows where the focus is: an outline (Chromium's own ring is
# outline-style auto) or a box shadow. A visually hidden radio button (.btn-check) shows its
# focus on its label.
FOCUS_VISIBLE = """(() => {
  const el = document.activeElement;
  if (!el || el === document.body) return true;
  const shown = el.matches('.btn-check') ? (document.querySelector('label[for="' + CSS.escape(el.id) + '"]') || el) : el;
  const s = getComputedStyle(shown);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
  const shadow = s.boxShadow !== 'none' && /\\d*[1-9]\\d*(\\.\\d+)?px/.test(s.boxShadow);
  return outline || shadow;
})()"""


class FocusLog:
    """Every element a walk focused that showed no focus indicator."""

    def __init__(self):
        self.invisible: list[str] = []

    def check(self, page) -> None:
        if not page.evaluate(FOCUS_VISIBLE):
            self.invisible.append(f"{page.url}: {page.evaluate(ACTIVE)}")


def tab_to(page, predicate: str, *, log: FocusLog | None = None, limit: int = TAB_LIMIT) -> None:
    """Press Tab until ``predicate`` — a JavaScript function of the element — holds for
    document.activeElement; at most ``limit`` presses."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        if log is not None:
            log.check(page)
        if page.evaluate(f"(() => {{ const el = document.activeElement; return !!el && !!({predicate})(el); }})()"):
            return
        seen.append(page.evaluate(ACTIVE))
    raise AssertionError(f"no element matching {predicate} within {limit} presses: {seen[-15:]}")


def by_id(element_id: str) -> str:
    return f"el => el.id === {element_id!r}"


def press_and_wait(page, key: str) -> None:
    """Press a key that submits a form or follows a link, and wait for the next page."""
    with page.expect_navigation():
        page.keyboard.press(key)
    page.wait_for_load_state()


def choose(page, value: str, limit: int = 40) -> None:
    """In the focused (closed) select, move with the arrow keys to the option ``value``."""
    for key in ("ArrowDown", "ArrowUp"):
        for _ in range(limit):
            if page.evaluate("document.activeElement.value") == value:
                return
            before = page.evaluate("document.activeElement.selectedIndex")
            page.keyboard.press(key)
            if page.evaluate("document.activeElement.selectedIndex") == before:
                break  # the end of the list: go the other way
    assert page.evaluate("document.activeElement.value") == value, page.evaluate(ACTIVE)


def type_date(page, iso: str) -> None:
    """Type a date into the focused date input, segment by segment. Chromium orders the
    segments by its own interface language, which need not be the page's (yyyy/mm/dd in
    Chinese, mm/dd/yyyy in American English): try the likely orders, clearing the segments
    with Backspace between tries. Two-digit segments move on by themselves; a year may have
    more digits, so ArrowRight moves on from it."""
    parts = dict(zip(("year", "month", "day"), iso.split("-")))
    orders = [page.evaluate("new Intl.DateTimeFormat(navigator.language).formatToParts(new Date(2001, 1, 3))"
                            ".filter(p => p.type !== 'literal').map(p => p.type)")]
    orders += [o for o in (["month", "day", "year"], ["year", "month", "day"], ["day", "month", "year"]) if o != orders[0]]
    for order in orders:
        for index, part in enumerate(order):
            page.keyboard.type(parts[part])
            if part == "year" and index < len(order) - 1:
                page.keyboard.press("ArrowRight")
        if page.evaluate("document.activeElement.value") == iso:
            return
        for _ in order:
            page.keyboard.press("Backspace")
            page.keyboard.press("ArrowLeft")
    raise AssertionError(f"could not type {iso}: {page.evaluate('document.activeElement.value')!r}")


def fill_text(page, element_id: str, value: str, log: FocusLog) -> None:
    tab_to(page, by_id(element_id), log=log)
    page.keyboard.type(value)


def fill_select(page, element_id: str, value: str, log: FocusLog) -> None:
    tab_to(page, by_id(element_id), log=log)
    choose(page, value)


def tick(page, predicate: str, log: FocusLog) -> None:
    tab_to(page, predicate, log=log)
    page.keyboard.press("Space")
    assert page.evaluate("document.activeElement.checked"), page.evaluate(ACTIVE)


def save_and_continue(page, log: FocusLog, step: str) -> None:
    tab_to(page, "el => el.name === 'action' && el.value === 'next'", log=log)
    press_and_wait(page, "Enter")
    expect(page).to_have_url(re.compile(rf"/step/{step}$"))


def log_in_by_keyboard(page, login: str, log: FocusLog | None = None) -> None:
    page.goto("/login")
    tab_to(page, by_id("login"), log=log)
    page.keyboard.type(login)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    press_and_wait(page, "Enter")
    expect(page.locator("#login")).to_have_count(0)


@pytest.fixture
def emulated(new_context):
    """A desktop page without transitions, so a focus style is computed in full at once."""
    def make(lang):
        page = new_context(DESKTOP, lang).new_page()
        page.emulate_media(reduced_motion="reduce")
        return page

    return make


def test_an_applicant_fills_and_submits_an_application_by_keyboard(live_server, emulated):
    from loans.auth.services import create_user
    from loans.db import db

    with live_server.app.app_context():
        create_user(role="applicant", email="13912340001", password=PASSWORD, name="陈晓", check_password=False)
        db.session.commit()
    page, log = emulated("zh"), FocusLog()
    log_in_by_keyboard(page, "13912340001", log)

    tab_to(page, "el => el.matches('nav a') && el.pathname === '/my/applications/'", log=log)
    press_and_wait(page, "Enter")
    tab_to(page, "el => el.form && el.form.action.endsWith('/my/applications/new')", log=log)
    press_and_wait(page, "Enter")
    expect(page).to_have_url(re.compile(r"/step/person$"))

    body = "431002" + "19880612" + "215"
    fill_text(page, "full_name", "陈晓", log)
    fill_text(page, "id_number", body + mod_11_2.calc_check_digit(body), log)
    fill_text(page, "mobile", "13912340001", log)
    fill_select(page, "household_district_code", "431002", log)
    fill_select(page, "education", "senior_high", log)
    save_and_continue(page, log, "groups")

    tick(page, "el => el.name === 'key_groups' && el.value === 'urban_unemployed'", log)
    save_and_continue(page, log, "business")

    fill_select(page, "loan_type", "individual", log)
    fill_text(page, "business_name", "陈晓早餐店", log)
    fill_select(page, "district_code", "431002", log)
    fill_text(page, "business_address", "郴州市北湖区文化路12号", log)
    fill_text(page, "industry", "餐饮", log)
    tab_to(page, by_id("business_start_date"), log=log)
    type_date(page, "2026-03-01")
    fill_text(page, "current_staff", "1", log)
    fill_text(page, "planned_jobs", "3", log)
    save_and_continue(page, log, "loan")

    fill_text(page, "amount", "100000", log)
    fill_text(page, "term_months", "24", log)
    fill_text(page, "purpose", "购置厨房设备", log)
    fill_select(page, "preferred_bank_code", "ICBC-CZ", log)
    save_and_continue(page, log, "declarations")

    for name in ("declares_no_other_loans", "consents_credit_check", "declares_truthful"):
        tick(page, by_id(name), log)
    save_and_continue(page, log, "documents")

    # The evidence: the kind by arrow keys, the file from the dialog that Space opens.
    fill_select(page, "kind", "key_group:urban_unemployed", log)
    tab_to(page, by_id("file"), log=log)
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(files=[{"name": "失业登记证.pdf", "mimeType": "application/pdf", "buffer": TINY_PDF}])
    tab_to(page, "el => el.tagName === 'BUTTON' && el.form && el.form.enctype === 'multipart/form-data'", log=log)
    press_and_wait(page, "Enter")
    expect(page.locator("main")).to_contain_text("失业登记证.pdf")

    tab_to(page, "el => el.tagName === 'A' && el.href.endsWith('/step/review') && el.classList.contains('btn')", log=log)
    press_and_wait(page, "Enter")
    expect(page).to_have_url(re.compile(r"/step/review$"))
    tab_to(page, "el => el.matches('form[action$=\"/submit\"] button')", log=log)
    assert page.evaluate("document.activeElement.getAttribute('aria-disabled')") is None  # nothing is missing
    shot(page, "keyboard-review-desktop-zh")
    press_and_wait(page, "Enter")

    expect(page).to_have_url(re.compile(r"/my/applications/\d+$"))
    expect(page.locator(".alert-success")).to_be_visible()
    with live_server.app.app_context():
        from sqlalchemy import select

        from loans.applications.models import LoanApplication

        case = db.session.scalar(select(LoanApplication).where(LoanApplication.mobile == "13912340001"))
        assert case.status == "submitted" and case.business_name == "陈晓早餐店"
        assert case.amount == 100000 and str(case.business_start_date) == "2026-03-01"
    assert not log.invisible, log.invisible


def test_an_officer_takes_checks_and_recommends_a_case_by_keyboard(live_server, emulated):
    from .test_journeys import _submitted_case

    case_id, reference, _applicant = _submitted_case(live_server)
    page, log = emulated("en"), FocusLog()
    log_in_by_keyboard(page, live_server.logins["officer"], log)

    tab_to(page, "el => el.matches('nav a') && el.pathname === '/review/'", log=log)
    press_and_wait(page, "Enter")
    tab_to(page, f"el => el.tagName === 'A' && el.textContent.trim() === {reference!r}", log=log)
    press_and_wait(page, "Enter")
    expect(page).to_have_url(re.compile(rf"/review/cases/{case_id}$"))
    tab_to(page, "el => el.tagName === 'BUTTON' && el.textContent.trim() === 'Take this case for review'", log=log)
    press_and_wait(page, "Enter")
    expect(page.locator(".alert-success")).to_contain_text("You are now reviewing this case")

    # Each evidence check: the "verified" radio by Space, a note, its Record button.
    rules = page.eval_on_selector_all("input[id^='v-'][id$='-yes']", "els => els.map(e => e.id.slice(2, -4))")
    assert rules, "the case has evidence to check"
    for rule in rules:
        tick(page, by_id(f"v-{rule}-yes"), log)
        page.keyboard.press("Tab")  # a radio group is one stop: on to the note
        log.check(page)
        assert page.evaluate(ACTIVE) == f"#note-{rule}"
        page.keyboard.type(f"{rule} seen in the original")
        page.keyboard.press("Tab")
        log.check(page)
        press_and_wait(page, "Enter")
        expect(page.locator(".alert-success")).to_contain_text("Check recorded")

    # The outcome by the arrow keys (one radio group), then its fields.
    tab_to(page, "el => el.name === 'outcome'", log=log)
    page.keyboard.press("Space")
    while page.evaluate("document.activeElement.id") != "outcome-approve":
        page.keyboard.press("ArrowLeft")
        log.check(page)
    assert page.evaluate("document.activeElement.checked")
    tab_to(page, by_id("amount"), log=log)
    expect(page.locator("#amount")).to_have_value("200000.00")
    fill_text(page, "conditions", "Quarterly turnover report", log)
    tab_to(page, "el => el.tagName === 'BUTTON' && el.textContent.trim() === 'Send recommendation to a supervisor'",
           log=log)
    shot(page, "keyboard-recommend-desktop-en")
    press_and_wait(page, "Enter")
    expect(page.locator(".alert-success")).to_contain_text("Recommendation recorded")
    with live_server.app.app_context():
        from loans.applications.models import LoanApplication
        from loans.db import db

        case = db.session.get(LoanApplication, case_id)
        assert case.status == "recommended"
    assert not log.invisible, log.invisible
