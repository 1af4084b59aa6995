"""The "mobile number or email" field on a phone (issue 11, item 7): the full text keyboard,
which has the digits of a mobile number and the letters and @ of an email — not the email
keyboard (digits behind a key) nor a number pad (no letters); no capital first letter,
no autocorrect; the password manager sees a username."""
from __future__ import annotations

import re

import pytest


def login_input(page: str) -> str:
    tag = re.search(r'<input\b[^>]*\bname="login"[^>]*>', page)
    assert tag, "no login field"
    return tag.group(0)


@pytest.mark.parametrize("path", ["/register", "/login"])
def test_the_login_field_opens_a_keyboard_for_numbers_and_emails(client, path):
    tag = login_input(client.get(path).get_data(as_text=True))
    assert 'type="text"' in tag
    assert 'inputmode="text"' in tag and 'inputmode="email"' not in tag
    assert 'autocomplete="username"' in tag
    assert 'autocapitalize="none"' in tag and 'autocorrect="off"' in tag and 'spellcheck="false"' in tag


def test_a_mobile_number_and_an_email_both_still_register(client):
    for login in ("13812345678", "li.hua@example.cn"):
        client.post("/logout")
        response = client.post("/register", data={"name": "李华", "login": login, "password": "Correct-Horse-42",
                                                  "confirm": "Correct-Horse-42"})
        assert response.status_code == 302, login
