"""The pre-check on a phone (issue 11, item 1): after "Check my eligibility" the verdict is
on the screen the page opens on, with focus on it, and the next step beside it — in
Chinese and in English. Screenshots go to /tmp/shots."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import PHONE, overflowing, shot

pytestmark = pytest.mark.browser


def answer_the_pre_check(page, *, amount="200000") -> None:
    page.goto("/eligibility")
    page.fill("#id_number", "431003199408081555")
    page.check("input[name=key_groups][value=urban_unemployed]")
    page.select_option("#loan_type", "individual")
    page.fill("#amount", amount)
    page.fill("#term_months", "36")
    page.select_option("#district_code", "431002")
    page.check("input[name=other_loans][value=no]")
    page.locator("form[action$='/eligibility'] button[type=submit]").click()


def verdict_on_screen(page) -> dict:
    heading = page.locator("#verdict-title")
    expect(heading).to_be_visible()
    box = heading.bounding_box()
    viewport = page.viewport_size
    assert box is not None and 0 <= box["y"] and box["y"] + box["height"] < viewport["height"], box
    assert page.evaluate("window.scrollY + document.activeElement.getBoundingClientRect().top") >= 0
    assert page.evaluate("document.activeElement.id") == "verdict-title"  # a screen reader starts there
    return box


def translated(app, lang: str, msgid: str) -> str:
    from flask_babel import force_locale, gettext

    with app.test_request_context(), force_locale(lang):
        return gettext(msgid)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_verdict_is_what_a_phone_shows_after_the_pre_check(live_server, new_context, lang):
    page = new_context(PHONE, lang).new_page()
    answer_the_pre_check(page)
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN" if lang == "zh" else "en")
    verdict_on_screen(page)
    expect(page.locator("#verdict-title")).to_have_text(translated(live_server.app, lang, "Your result: no rule fails"))
    button = page.get_by_role("button", name=translated(live_server.app, lang, "Start an application with these answers"))
    expect(button).to_be_visible()
    box = button.bounding_box()
    assert box["y"] + box["height"] < page.viewport_size["height"], "the next step is beside the verdict"
    assert overflowing(page) == []
    shot(page, f"precheck-verdict-phone-{lang}-full")
    page.screenshot(path=f"/tmp/shots/precheck-verdict-phone-{lang}.png")


def test_a_failing_verdict_on_a_phone_says_what_to_change(new_context):
    page = new_context(PHONE, "en").new_page()
    answer_the_pre_check(page, amount="400000")
    verdict_on_screen(page)
    expect(page.locator("#verdict-title")).to_have_text("Your result: some rules are not met")
    expect(page.locator("#precheck-result")).to_contain_text("What to change")
    page.get_by_role("link", name="Change your answers and check again").click()
    expect(page.locator("#precheck-form h2")).to_be_in_viewport()
    shot(page, "precheck-verdict-fail-phone-en")
