"""Every page an applicant or an admin can reach renders in Chinese and in English.

Translations may be incomplete while a translator works, so the checks rest on what is
certain: the html ``lang`` attribute, the language switcher, and that strings come from
the catalog of the page's language."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask_babel import gettext

from loans.access import PUBLIC, declared_roles
from loans.db import db
from tests.applications.conftest import Portal, get_application, tiny_pdf
from tests.helpers import text as helpers_text
from tests.helpers import unmarked

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
        assert expected in unmarked(page)


# --- no internal codes, one wording, one language per page (issue 11, item 15) ---------------

CATALOG = Path(__file__).resolve().parents[1] / "loans" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")
# Literal names a Chinese text may quote: the columns and kinds of the ledger and of the bank's
# subsidy file (SPEC §10), and the example of a key-group code on the admin form.
FILE_LITERALS = {"loan_ref", "overdue_start", "overdue_end", "retired_fisherman", "bank_ref", "new_maturity"}


def zh_catalog():
    from babel.messages.pofile import read_po

    with CATALOG.open("rb") as f:
        return [m for m in read_po(f) if isinstance(m.id, str) and m.id]


def _msgstr(message) -> str:
    return message.string if isinstance(message.string, str) else " ".join(message.string)


def main_text(page: str) -> str:
    match = re.search(r"<main\b.*?</main>", page, re.S)
    assert match, "the page has its main region"
    return helpers_text(match.group(0))


def test_chinese_catalog_has_no_internal_codes():
    """"(lpr_margin)", "(rate_share)" and the like are not words a reader knows."""
    found = {m.id: SNAKE.findall(_msgstr(m)) for m in zh_catalog()}
    assert {msgid: codes for msgid, codes in found.items() if set(codes) - FILE_LITERALS} == {}


def test_one_chinese_wording_per_concept():
    """"Required" reads 此项为必填项 everywhere; the subsidy finance pays is 拨付 (never 支付);
    the bank's disbursement of a loan is 放款."""
    catalog = zh_catalog()
    required = {m.id: _msgstr(m) for m in catalog if re.fullmatch(r"This (field|value) is required\.", m.id or "")}
    assert set(required.values()) == {"此项为必填项。"}, required
    assert [m.id for m in catalog if "支付" in _msgstr(m)] == []
    loan_paid_out = {m.id: _msgstr(m) for m in catalog if m.id in ("Loan paid out", "Disbursement")}
    assert all("放款" in v for v in loan_paid_out.values()), loan_paid_out


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_required_reads_as_the_catalog_says_on_every_form(app, client, lang):
    """WTForms' own message (DataRequired, InputRequired) comes from the app's catalog first:
    the login form says 此项为必填项 as the application form does, not WTForms' 该字段是必填字段."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    page = client.post("/login", data={"login": "", "password": ""}).get_data(as_text=True)
    with app.test_request_context(headers={"Accept-Language": lang}):
        assert gettext("This field is required.") in page
    assert "该字段是必填字段" not in page


@pytest.mark.parametrize("lang, message, expected", [
    ("zh", "Not a valid date value.", "不是有效的日期值"),  # WTForms' own translation
    ("zh", "This field is required.", "此项为必填项"),     # the catalog's
    ("en", "This field is required.", "This field is required."),
])
def test_wtforms_messages_come_from_the_catalog_then_from_wtforms(app, lang, message, expected):
    from loans.i18n import FORM_MESSAGES

    with app.test_request_context(headers={"Accept-Language": lang}):
        assert expected in FORM_MESSAGES.ugettext(message)


@pytest.fixture
def error_routes(app):
    """Two pages that answer 409: Werkzeug's Conflict, and a refusal with no page to show again."""
    from flask import abort

    from loans.access import public
    from loans.errors import CONCURRENT_MESSAGE, Refused

    @public
    def conflict():
        abort(409)

    @public
    def refused():
        raise Refused(CONCURRENT_MESSAGE, status=409)

    app.add_url_rule("/_test/conflict", "test_conflict", conflict)
    app.add_url_rule("/_test/refused", "test_refused", refused)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("method, url, status", [
    ("get", "/_test/conflict", 409), ("get", "/_test/refused", 409),
    ("get", "/no/such/page", 404), ("get", "/language", 405),
])
def test_error_pages_speak_the_readers_language(app, client, error_routes, lang, method, url, status):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    response = getattr(client, method)(url)
    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert_in_language(app, page, lang, url)
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    words = main_text(page) + " " + title
    if lang == "zh":
        assert re.findall(r"[A-Za-z]{2,}", words) == []  # not a word of English (Werkzeug's descriptions are)
    else:
        assert re.findall(r"[\u4e00-\u9fff]", words) == []
    with app.test_request_context(headers={"Accept-Language": lang}):
        assert gettext("Go to the start page") in page


def test_failing_rules_are_named_in_the_readers_language(app, make_case, as_user):
    """The officer's list of rules to cite reads "E01 重点群体身份", not "E01 key_group"."""
    from loans.labels import rule_title

    case = make_case("under_review")
    client = as_user(case.assigned_officer)
    switch(client, "zh", f"/review/cases/{case.id}")
    page = client.get(f"/review/cases/{case.id}").get_data(as_text=True)
    assert re.findall(r"\bE\d\d [a-z_]+\b", helpers_text(page)) == []
    with app.test_request_context(headers={"Accept-Language": "zh"}):
        assert rule_title("E01") in page


def test_precheck_results_are_headed_as_results(client):
    from tests.eligibility.test_precheck_page import ANSWERS

    page = client.post("/eligibility", data=ANSWERS, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Your result" in page and "Your answers" not in page


def test_demo_staff_have_one_name_each():
    """A display name in one language: 李信贷, not "李信贷 Officer Li (Beihu)"."""
    from loans.demo import INDUSTRIES, STAFF

    for _role, _email, name, _district, _bank in STAFF:
        assert not (re.search(r"[A-Za-z]", name) and re.search(r"[\u4e00-\u9fff]", name)), name
    assert all(re.fullmatch(r"[\u4e00-\u9fff]+", industry) for industry in INDUSTRIES)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_templates_translate_escape_and_format_messages_as_jinja_does(app, lang):
    """The template's _() and ngettext() (loans/i18n.py, one call instead of Jinja's three):
    translated, the variables escaped in HTML and not in plain text, %% a percent sign,
    ngettext's number as %(num)d."""
    from flask_babel import force_locale, ngettext

    html = app.jinja_env.overlay(autoescape=True).from_string(
        "{{ _('Case queue') }}|{{ _('%(n)d months', n=36) }}|{{ _('%(name)s', name='<b>') }}|"
        "{{ ngettext('%(num)d approved case awaits a contract.', '%(num)d approved cases await a contract.', 2) }}|"
        "{% trans %}Case queue{% endtrans %}")
    text = app.jinja_env.overlay(autoescape=False).from_string("{{ _('%(name)s', name='<b>') }}")
    with app.test_request_context("/"), force_locale(lang):
        parts = html.render().split("|")
        assert parts == [gettext("Case queue"), gettext("%(n)d months", n=36), "&lt;b&gt;",
                         ngettext("%(num)d approved case awaits a contract.",
                                  "%(num)d approved cases await a contract.", 2), gettext("Case queue")]
        assert text.render() == "<b>"
        assert (parts[0] == "Case queue") == (lang == "en")
