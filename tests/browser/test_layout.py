"""Phone layout (issue 11, item 16): the brand and the menu button share the header's one
row in both languages, and the policy-versions table scrolls inside its own focusable,
labelled region instead of widening the page. Screenshots go to /tmp/shots."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import PASSWORD, PHONE, shot

pytestmark = pytest.mark.browser

FULL_NAME = {"en": "Chenzhou Entrepreneurship Loans", "zh": "郴州市创业担保贷款"}
HTML_LANG = {"en": "en", "zh": "zh-CN"}


@pytest.fixture(scope="module")
def admin_login(live_server):
    from loans.auth.services import create_user
    from loans.db import db

    with live_server.app.app_context():
        create_user(role="admin", email="layout-admin@test.cn", password=PASSWORD, name="Admin Layout",
                    check_password=False)
        db.session.commit()
    return "layout-admin@test.cn"


def centre_gap(page) -> float:
    """How far apart (px) the vertical centres of the brand and the menu button are."""
    brand = page.locator(".navbar-brand").bounding_box()
    toggler = page.locator(".navbar-toggler").bounding_box()
    assert brand and toggler, "brand or menu button not shown"
    return abs((brand["y"] + brand["height"] / 2) - (toggler["y"] + toggler["height"] / 2))


def no_horizontal_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


@pytest.mark.parametrize("width", [360, 390])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_brand_and_menu_button_share_one_row(live_server, new_context, lang, width):
    page = new_context({**PHONE, "viewport": {"width": width, "height": 844}}, lang).new_page()
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", HTML_LANG[lang])
    assert centre_gap(page) <= 4
    brand = page.locator(".navbar-brand")
    expect(brand).to_have_attribute("aria-label", FULL_NAME[lang])  # the short text on phones; the full name for all
    assert page.get_by_role("link", name=FULL_NAME[lang]).count() == 1
    assert no_horizontal_overflow(page)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_policy_versions_fit_a_phone(live_server, new_context, admin_login, lang):
    page = new_context(PHONE, lang).new_page()
    page.goto("/login")
    page.fill("#login", admin_login)
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page).not_to_have_url(re.compile(r"/login"))
    page.goto("/admin/policy/versions")
    expect(page.locator("html")).to_have_attribute("lang", HTML_LANG[lang])
    shot(page, f"layout-policy-versions-phone-{lang}")
    assert centre_gap(page) <= 4
    assert no_horizontal_overflow(page), page.evaluate("document.documentElement.scrollWidth")
    region = page.locator(".table-responsive:has(.policy-table)")
    expect(region).to_have_attribute("role", "region")
    expect(region).to_have_attribute("tabindex", "0")
    assert region.get_attribute("aria-label")
    # the table is wider than the phone: it scrolls inside its region, by keyboard too
    assert region.evaluate("el => el.scrollWidth > el.clientWidth")
    region.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('.table-responsive:has(.policy-table)').scrollLeft > 0")
    assert no_horizontal_overflow(page)
