"""Language of parts in Chromium (WCAG 3.1.2, issue 12): on English pages every text node
with Chinese characters has a nearest ``[lang]`` that is Chinese, as the browser itself
parsed the page — names from the database, glosses in English sentences, policy citations,
options and chart titles. Chinese pages are left as rendered."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.browser.conftest import DESKTOP, PASSWORD, PHONE, shot

pytestmark = pytest.mark.browser

# Text nodes with CJK characters whose closest [lang] is not Chinese (a <textarea>'s text is
# the value of a field, which the marker leaves as the user typed it).
UNMARKED = """() => {
  const cjk = /[\\u2e80-\\u2fdf\\u3000-\\u303f\\u3100-\\u312f\\u31a0-\\u31ef\\u3200-\\u33ff\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff\\ufe10-\\ufe1f\\ufe30-\\ufe4f\\uff00-\\uffef]/;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const out = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!cjk.test(node.data) || parent.closest('script, style, textarea')) continue;
    const owner = parent.closest('[lang]');
    const lang = owner ? owner.getAttribute('lang') : '';
    if (!lang.toLowerCase().startsWith('zh')) out.push(parent.tagName.toLowerCase() + ' [' + lang + ']: ' + node.data.trim().slice(0, 60));
  }
  return out;
}"""


def log_in(page, login: str) -> None:
    page.goto("/login")
    page.fill("#login", login)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    assert "/login" not in page.url


@pytest.fixture(scope="module")
def pages(live_server) -> dict[str, tuple[str | None, list[str]]]:
    """Role → (login, paths): an officer's case with Chinese names, business, conditions and
    a request for information; an admin for the policy pages."""
    from loans.auth.models import User
    from loans.auth.services import create_user
    from loans.db import db
    from loans.review import services as review
    from tests import factories

    with live_server.app.app_context():
        officer = db.session.scalar(select(User).where(User.email == live_server.logins["officer"]))
        recommended = factories.recommended_case("approve", officer=officer, name="张三", business="张三米粉店")
        asking = factories.ApplicationFactory(status="under_review", officer=officer, name="欧阳娜娜",
                                              business="郴州市北湖区欧阳花艺工作室")
        review.request_info(asking, actor=officer, message="请补充营业执照副本。", documents=["business_licence"])
        create_user(role="admin", email="lang-admin@test.cn", password=PASSWORD, name="管理员 Liu", check_password=False)
        db.session.commit()
        cases = [f"/review/cases/{recommended.id}", f"/review/cases/{asking.id}"]
    return {
        "public": (None, ["/", "/eligibility", "/login"]),
        "officer": (live_server.logins["officer"], ["/review/", *cases, "/reports/"]),
        "admin": ("lang-admin@test.cn", ["/admin/policy/versions", "/admin/policy/key-groups", "/admin/ledger/",
                                         "/admin/users"]),
    }


@pytest.mark.parametrize("role", ["public", "officer", "admin"])
def test_every_chinese_text_on_an_english_page_is_marked_chinese(live_server, new_context, pages, role):
    login, paths = pages[role]
    page = new_context(DESKTOP, "en").new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    if login:
        log_in(page, login)
    marked = 0
    for path in paths:
        page.goto(path)
        assert page.evaluate("document.documentElement.lang") == "en", path
        assert page.evaluate(UNMARKED) == [], path
        marked += page.locator('span[lang="zh-CN"], option[lang="zh-CN"], tspan[lang="zh-CN"]').count()
    assert marked or role == "public", "no Chinese was marked on any page"
    assert errors == []


def test_names_and_glosses_read_as_before_and_a_chinese_page_has_no_marks(live_server, new_context, pages):
    _, (queue, case, asking, _reports) = pages["officer"]
    for kind, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page = new_context(size, "en").new_page()
        log_in(page, live_server.logins["officer"])
        page.goto(case)
        assert page.locator('span[lang="zh-CN"]', has_text="张三米粉店").count() >= 1
        shot(page, f"lang-parts-case-{kind}-en")
        page.goto(asking)
        assert page.get_by_text("请补充营业执照副本。").count() >= 1
        shot(page, f"lang-parts-request-{kind}-en")

    page = new_context(DESKTOP, "zh").new_page()
    log_in(page, live_server.logins["officer"])
    for path in (queue, case):
        page.goto(path)
        assert page.evaluate("document.documentElement.lang") == "zh-CN"
        assert page.locator('span[lang="zh-CN"]').count() == 0, path
    shot(page, "lang-parts-case-desktop-zh")
