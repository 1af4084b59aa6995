"""After a failed submit Chromium starts on the error summary, not on <body>: its first link
takes the keyboard to the field (issue 12). In both languages; a refusal without a field
takes the focus at the top of the page; an ordinary page load moves nothing."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP, PASSWORD, PHONE, shot
from .test_keyboard import ACTIVE, log_in_by_keyboard, press_and_wait, tab_to

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("kind, lang", [(DESKTOP, "en"), (PHONE, "zh")], ids=["desktop-en", "phone-zh"])
def test_a_failed_submit_focuses_the_summary_and_its_links_the_fields(live_server, new_context, kind, lang):
    page = new_context(kind, lang).new_page()
    page.goto("/register")
    assert page.evaluate("document.activeElement === document.body")  # nothing moves on an ordinary load
    tab_to(page, "el => el.type === 'submit' && el.form && el.form.querySelector('#login')")
    press_and_wait(page, "Enter")

    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    assert page.evaluate("document.activeElement.id") == "form-errors"
    links = summary.locator("a")
    assert links.count() >= 4  # name, login, password, confirmation: each a link to its field
    targets = [href.lstrip("#") for href in links.evaluate_all("els => els.map(a => a.getAttribute('href'))")]
    assert {"name", "login", "password", "confirm"} <= set(targets), targets
    shot(page, f"error-summary-{'phone' if kind is PHONE else 'desktop'}-{lang}")

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement === document.querySelector('.error-summary a')")
    page.keyboard.press("Enter")
    assert page.evaluate(ACTIVE) == f"#{targets[0]}"
    page.keyboard.type("Liu Xiaomei")  # the field takes the typing at once
    expect(page.locator(f"#{targets[0]}")).to_have_value("Liu Xiaomei")


def test_a_refusal_without_a_field_takes_the_focus(live_server, new_context):
    from loans.auth.services import create_user
    from loans.db import db

    with live_server.app.app_context():
        create_user(role="applicant", email="13900000002", password=PASSWORD, name="Zhao Lei", check_password=False)
        db.session.commit()
    page = new_context(DESKTOP, "en").new_page()
    log_in_by_keyboard(page, "13900000002")
    tab_to(page, "el => el.form && el.form.action.endsWith('/my/applications/new')")
    press_and_wait(page, "Enter")
    page.goto(re.sub(r"/step/\w+$", "/step/review", page.url))

    # Submit stays focusable while items are missing; pressed, it shows what is missing.
    button = "el => el.matches('form[action$=\"/submit\"] button')"
    tab_to(page, button)
    assert page.evaluate("document.activeElement.getAttribute('aria-disabled')") == "true"
    page.keyboard.press("Enter")
    assert page.evaluate(ACTIVE) == "#submit-missing"
    expect(page).to_have_url(re.compile(r"/step/review$"))

    # Sent anyway (a browser without the script), the server refuses naming every item, and
    # the refusal at the top takes the focus.
    with page.expect_navigation():
        page.evaluate("document.querySelector('form[action$=\"/submit\"]').submit()")
    refusal = page.locator("#refusal")
    expect(refusal).to_contain_text("Before you can submit, please complete:")
    expect(refusal).to_contain_text("Your personal details are incomplete.")
    expect(refusal).to_contain_text("Confirm the declarations.")
    assert page.evaluate(ACTIVE) == "#refusal"
