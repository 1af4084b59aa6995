"""After a failed submit, the error summary lists every field's error as a link to that field
(GOV.UK pattern) and the page asks static/js/forms.js to focus it; the Submit button stays
focusable while items are missing, names them beside it, and the server refuses naming them
all (issue 12)."""
from __future__ import annotations

import html as html_lib
import re

from tests.applications.conftest import get_application
from tests.helpers import text


def summary(page: str) -> str | None:
    match = re.search(r'<div class="alert alert-danger error-summary"[^>]*>(.*?)</div>', page, re.S)
    return match.group(0) if match else None


def summary_links(page: str) -> dict[str, str]:
    """href target → link text of every link in the error summary."""
    return {target: text(body) for target, body in
            re.findall(r'<a class="alert-link" href="#([^"]+)">(.*?)</a>', summary(page) or "", re.S)}


def script_tag(page: str) -> str:
    match = re.search(r'<script src="/static/js/forms\.js"[^>]*>', page)
    assert match, "the forms script is on every page"
    return match.group(0)


def test_summary_links_every_field_error_to_its_field(portal):
    app_id = portal.new()
    page = portal.step(app_id, "person", {"full_name": "", "id_number": "", "mobile": "12",
                                          "household_district_code": "", "education": ""}).get_data(as_text=True)
    box = summary(page)
    assert box and 'tabindex="-1"' in box and "<h2" in box
    links = summary_links(page)
    assert set(links) == {"full_name", "id_number", "mobile", "household_district_code", "education"}
    assert links["full_name"] == "Full name (as on your ID card): This field is required."
    assert links["mobile"].startswith("Mobile") and "11-digit mainland mobile number" in links["mobile"]
    for target in links:  # every link lands on a control of the form
        assert re.search(rf'<(input|select|textarea)\b[^>]*\bid="{target}"', page), target
    assert "data-after-post" in script_tag(page)


def test_a_group_of_checkboxes_is_linked_by_its_first_option(portal):
    app_id = portal.new()
    page = portal.step(app_id, "groups", {}).get_data(as_text=True)
    links = summary_links(page)
    assert list(links) == ["key_groups-0"]
    assert links["key_groups-0"] == "Which key groups do you belong to? Choose all that apply: This field is required."
    assert re.search(r'<input\b[^>]*\bid="key_groups-0"', page)


def test_no_summary_and_no_focus_on_an_ordinary_page(portal):
    app_id = portal.new()
    page = portal.page(app_id, "person")
    assert summary(page) is None
    assert "data-after-post" not in script_tag(page)


def test_summary_in_chinese(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN,zh"
    response = client.post("/register", data={})
    page = response.get_data(as_text=True)
    assert response.status_code in (200, 400)
    assert '<html lang="zh-CN">' in page
    links = summary_links(page)
    assert {"name", "login", "password", "confirm"} <= set(links), links
    assert all(re.search(r"[\u4e00-\u9fff]", label) for label in links.values()), links
    assert "data-after-post" in script_tag(page)


def test_upload_and_consent_errors_have_a_summary(portal):
    app_id = portal.new()
    portal.step(app_id, "groups", {"key_groups": ["disabled"]})
    page = portal.upload(app_id, "key_group:disabled", b"%PDF-1.4\n%%EOF\n").get_data(as_text=True)
    assert "file" in summary_links(page)  # sensitive evidence before consent: refused beside the file
    response = portal.client.post(f"/my/applications/{app_id}/consent", data={})
    assert "agree" in summary_links(response.get_data(as_text=True))


def submit_button(page: str) -> str:
    form = re.search(r'<form method="post" action="/my/applications/\d+/submit".*?</form>', page, re.S).group(0)
    return re.search(r"<button\b[^>]*>", form).group(0)


def test_submit_stays_focusable_and_says_what_is_missing(portal):
    app_id = portal.new()
    page = portal.page(app_id, "review")
    button = submit_button(page)
    assert 'aria-disabled="true"' in button
    assert not re.search(r"\sdisabled(\s|>|=)", button), button  # focusable: not the disabled attribute
    assert 'aria-describedby="submit-missing"' in button
    missing = re.search(r'<div class="alert alert-warning" id="submit-missing"[^>]*>(.*?)</div>', page, re.S)
    assert missing, "the list of what is missing is beside the button"
    steps = re.findall(rf'href="/my/applications/{app_id}/step/(\w+)"', missing.group(1))
    assert {"person", "groups", "business", "loan", "declarations"} <= set(steps)
    # the form holds the list, right before the button
    assert page.index('id="submit-missing"') < page.index(button)


def test_submit_is_refused_naming_every_missing_item(portal):
    app_id = portal.new()
    portal.fill(app_id, evidence=False)
    response = portal.submit(app_id)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    refusal = re.search(r'<div class="alert alert-danger" role="alert" id="refusal"[^>]*>(.*?)</div>', page, re.S)
    assert refusal, "the refusal is at the top of the page"
    assert html_lib.unescape(refusal.group(1)).strip() == (
        "Before you can submit, please complete: Upload the evidence for: Registered urban unemployed.")
    assert "data-after-post" in script_tag(page)
    assert get_application(app_id).status == "draft"

    response = portal.submit(portal.new())
    refusal = text(re.search(r'id="refusal"[^>]*>(.*?)</div>', response.get_data(as_text=True), re.S).group(1))
    for message in ("Your personal details are incomplete.", "Choose at least one key group.",
                    "The business details are incomplete.", "The loan details are incomplete.",
                    "Confirm the declarations."):
        assert message in refusal, message


def test_a_complete_application_has_a_plain_submit_button(portal):
    app_id = portal.new()
    portal.fill(app_id)
    page = portal.page(app_id, "review")
    button = submit_button(page)
    assert "aria-disabled" not in button and "aria-describedby" not in button
    assert 'id="submit-missing"' not in page


def test_the_forms_script_is_served_under_the_csp(client):
    page = client.get("/login")
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert "<script>" not in page.get_data(as_text=True)  # nothing inline
    script = client.get("/static/js/forms.js")
    assert script.status_code == 200 and "error-summary" in script.get_data(as_text=True)
