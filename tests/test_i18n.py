"""Every page an applicant or an admin can reach renders in Chinese and in English.

Translations may be incomplete while a translator works, so the checks rest on what is
certain: the html ``lang`` attribute, the language switcher, and that strings come from
the catalog of the page's language."""
from __future__ import annotations

import re

import pytest
from flask_babel import gettext

from loans.access import PUBLIC, declared_roles
from loans.db import db
from tests.applications.conftest import Portal, get_application, tiny_pdf

LANG_ATTR = {"zh": "zh-CN", "en": "en"}


def html_lang(page: str) -> str | None:
    match = re.search(r"<html\b[^>]*\blang=\"([^\"]+)\"", page)
    return match.group(1) if match else None


def active_language(page: str) -> str | None:
    match = re.search(r"<button\b[^>]*name=\"lang\" value=\"(\w+)\"[^>]*aria-current=\"true\"", page)
    return match.group(1) if match else None


def brand(app, lang: str) -> str:
    """The brand string as the catalog of ``lang`` renders it (the msgid while untranslated)."""
    with app.test_request_context(headers={"Accept-Language": lang}):
        return gettext("Chenzhou Entrepreneurship Loans")


def assert_in_language(app, page: str, lang: str, url: str):
    assert html_lang(page) == LANG_ATTR[lang], url
    assert active_language(page) == lang, url
    assert "中文" in page and "English" in page, url  # the switcher is always there
    assert brand(app, lang) in page, url


def switch(client, lang: str, next_url: str = "/"):
    response = client.post("/language", data={"lang": lang, "next": next_url})
    assert response.status_code == 302
    assert response.headers["Location"] == next_url


def get_pages(app, role: str, values: dict) -> list[str]:
    """GET URLs for every page ``role`` may open whose arguments we can fill."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint.endswith("static") or rule.rule.startswith("/api/"):
            continue
        roles = declared_roles(app.view_functions[rule.endpoint])
        if roles is None or (roles != PUBLIC and role not in roles):
            continue
        if not set(rule.arguments) <= set(values):
            continue
        urls.append(rule.build({name: values[name] for name in rule.arguments}, append_unknown=False)[1])
    return sorted(set(urls))


@pytest.fixture
def applicant_pages(app, client, login_as):
    """An applicant with a partnership draft with a document, and a submitted application."""
    login_as("applicant")
    portal = Portal(client)
    submitted = portal.new()
    portal.fill(submitted)
    assert portal.submit(submitted).status_code == 302
    draft = portal.new()
    portal.step(draft, "business", {"loan_type": "partnership", "business_name": "合伙店"}, action="draft")
    portal.upload(draft, "business_plan", tiny_pdf(), "计划书.pdf")
    document_id = get_application(draft).documents[0].id
    urls = set(get_pages(app, "applicant", {"application_id": draft, "document_id": document_id}))
    urls |= {f"/my/applications/{draft}/step/{step}" for step in
             ("person", "groups", "business", "loan", "partners", "declarations", "documents", "review")}
    urls.add(f"/my/applications/{submitted}")
    urls = {u for u in urls if "<" not in u and u != f"/my/applications/{draft}/documents/{document_id}"}
    return sorted(urls)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_applicant_page_renders_in_both_languages(app, client, applicant_pages, lang):
    switch(client, lang)
    assert len(applicant_pages) >= 12
    for url in applicant_pages:
        response = client.get(url, follow_redirects=True)
        assert response.status_code == 200, url
        if response.mimetype == "text/html":
            assert_in_language(app, response.get_data(as_text=True), lang, url)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_admin_page_renders_in_both_languages(app, client, login_as, lang):
    login_as("admin")
    switch(client, lang)
    urls = get_pages(app, "admin", {})
    assert "/admin/users" in urls
    for url in urls:
        response = client.get(url, follow_redirects=True)
        assert response.status_code == 200, url
        if response.mimetype == "text/html":
            assert_in_language(app, response.get_data(as_text=True), lang, url)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_public_pages_render_in_both_languages(app, client, lang):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    for url in get_pages(app, "anonymous", {}):
        response = client.get(url)
        assert response.status_code == 200, url
        if response.mimetype == "text/html":
            assert_in_language(app, response.get_data(as_text=True), lang, url)


@pytest.mark.parametrize("header, lang", [
    ("en-US,en;q=0.9", "en"),
    ("en", "en"),
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
    ("zh-TW", "zh"),
    ("fr-FR,fr;q=0.9", "zh"),  # neither: the default, Chinese
    (None, "zh"),
])
def test_accept_language(app, client, header, lang):
    if header:
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = header
    else:
        client.environ_base.pop("HTTP_ACCEPT_LANGUAGE", None)
    page = client.get("/login").get_data(as_text=True)
    assert_in_language(app, page, lang, "/login")


def test_the_chosen_language_beats_accept_language(app, client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    switch(client, "zh", "/login")
    assert html_lang(client.get("/login").get_data(as_text=True)) == "zh-CN"
    switch(client, "en", "/login")
    assert html_lang(client.get("/login").get_data(as_text=True)) == "en"


def test_language_switch_refuses_unknown_languages_and_foreign_targets(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post("/language", data={"lang": "fr", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert "evil" not in response.headers["Location"]
    assert html_lang(client.get("/login").get_data(as_text=True)) == "en"


def test_a_logged_in_users_choice_is_remembered(app, client, login_as):
    user = login_as("applicant")
    switch(client, "en", "/my/applications/")
    db.session.refresh(user)
    assert user.locale == "en"
    client.post("/logout")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    from tests.conftest import login

    login(client, user)
    assert html_lang(client.get("/my/applications/").get_data(as_text=True)) == "en"


def test_messages_follow_the_language(app, client, login_as):
    """A validation message comes from the catalog of the page's language."""
    login_as("applicant")
    portal = Portal(client)
    app_id = portal.new()
    for lang in ("zh", "en"):
        switch(client, lang)
        page = portal.step(app_id, "loan", {"amount": "abc", "term_months": "12", "purpose": "x",
                                            "preferred_bank_code": "ICBC-CZ"}).get_data(as_text=True)
        with app.test_request_context(headers={"Accept-Language": lang}):
            expected = gettext("Enter the amount in yuan in digits, such as 200000, 200,000.00 or 20万.")
        assert expected in page
