"""Registration, login, logout and login throttling (issue 2, SPEC §11)."""
from __future__ import annotations

import re

from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from loans.audit.models import AuditEvent
from loans.auth.models import User
from loans.db import db
from tests.conftest import login, running_app
from tests.helpers import field_error, input_value, text

PASSWORD = "Correct-Horse-42"


@pytest.fixture(autouse=True)
def english(client):
    """Pages in English, so the assertions read the messages a user sees."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def register(client, login_name="13812345678", password=PASSWORD, confirm=None, name="张小明"):
    return client.post("/register", data={"name": name, "login": login_name, "password": password,
                                          "confirm": password if confirm is None else confirm})


def count_users() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


# --- registration -------------------------------------------------------------------------

def test_register_with_a_mobile_number(client):
    response = register(client, " 13812345678 ")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/my/applications/")
    user = db.session.scalar(select(User).where(User.mobile == "13812345678"))
    assert user is not None and user.email is None
    assert (user.role, user.name, user.locale) == ("applicant", "张小明", "en")
    page = client.get("/my/applications/")
    assert page.status_code == 200
    assert "Welcome! Your account is ready." in page.get_data(as_text=True)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "register",
                                                      AuditEvent.object_id == user.id)) is not None


def test_register_with_an_email(client):
    response = register(client, "Xiao.Ming@Example.CN")
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "xiao.ming@example.cn"))
    assert user is not None and user.mobile is None
    client.post("/logout")
    assert login(client, "XIAO.MING@example.cn", PASSWORD).status_code == 302


@pytest.mark.parametrize("password, confirm, field, message", [
    ("Ab1-xyz", None, "password", "Use at least 8 characters."),
    ("password123", None, "password", "This password is too common; choose another."),
    ("12345678", None, "password", "This password is too common; choose another."),
    ("aaaaaaaaaa", None, "password", "This password is too common; choose another."),
    (PASSWORD, PASSWORD + "x", "confirm", "The passwords do not match."),
    ("13812345678", None, "password", "Do not use your mobile number or email as the password."),
])
def test_register_refuses_bad_passwords_beside_the_field(client, password, confirm, field, message):
    response = register(client, "13812345678", password=password, confirm=confirm)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in (field_error(page, field) or ""), text(page)[:600]
    # What was typed is kept (except the passwords).
    assert input_value(page, "name") == "张小明"
    assert input_value(page, "login") == "13812345678"
    assert input_value(page, "password") in (None, "")
    assert count_users() == 0


def test_register_refuses_the_email_as_password(client):
    response = register(client, "xiao.ming@example.cn", password="Xiao.Ming@example.cn")
    page = response.get_data(as_text=True)
    assert "Do not use your mobile number or email as the password." in field_error(page, "password")
    assert count_users() == 0


@pytest.mark.parametrize("login_name", ["12345", "2381234567", "not-an-email", "a@b"])
def test_register_refuses_a_bad_login(client, login_name):
    page = register(client, login_name).get_data(as_text=True)
    assert "Enter an 11-digit mobile number" in (field_error(page, "login") or "")
    assert input_value(page, "login") == login_name
    assert count_users() == 0


def test_register_requires_every_field(client):
    page = client.post("/register", data={}).get_data(as_text=True)
    for field in ("name", "login", "password", "confirm"):
        assert field_error(page, field), field
    assert "Please correct the highlighted fields." in page


def test_register_twice_with_the_same_login(client):
    register(client, "13812345678")
    client.post("/logout")
    response = register(client, "13812345678", name="李四")
    assert response.status_code == 400  # refused: the form again, the reason beside the login
    page = response.get_data(as_text=True)
    assert "already exists" in field_error(page, "login")
    assert input_value(page, "name") == "李四"
    assert count_users() == 1


def test_passwords_are_stored_as_argon2id(client, app):
    register(client, "xiao.ming@example.cn")
    user = db.session.scalar(select(User))
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    # Production parameters are memory-hard (the tests lower them to stay fast).
    from loans.config import DEFAULTS

    assert DEFAULTS["PASSWORD_HASH_MEMORY_COST"] >= 19 * 1024
    assert DEFAULTS["PASSWORD_HASH_TIME_COST"] >= 2


# --- login --------------------------------------------------------------------------------

def test_login_and_reach_the_portal(client, make_user):
    user = make_user("applicant", email="wang@example.cn")
    response = login(client, "wang@example.cn")
    assert response.status_code == 302
    assert client.get("/my/applications/").status_code == 200
    db.session.refresh(user)
    assert user.last_login_at is not None


@pytest.mark.parametrize("login_name, password", [
    ("wang@example.cn", "Wrong-Password-1"),
    ("nobody@example.cn", PASSWORD),  # same answer: accounts cannot be probed
])
def test_login_refused_with_a_clear_message(client, make_user, login_name, password):
    make_user("applicant", email="wang@example.cn")
    response = client.post("/login", data={"login": login_name, "password": password})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "The mobile number/email or password is not right." in field_error(page, "password")
    assert input_value(page, "login") == login_name
    assert client.get("/my/applications/").status_code == 302


def test_login_refuses_a_deactivated_account(client, make_user):
    user = make_user("applicant", email="gone@example.cn")
    user.active = False
    db.session.commit()
    response = login(client, "gone@example.cn")
    assert response.status_code == 200
    assert "not right" in field_error(response.get_data(as_text=True), "password")


@pytest.mark.parametrize("target, expected", [
    ("/my/applications/", "/my/applications/"),
    ("//evil.example/phish", "/"),
    ("https://evil.example/", "/"),
])
def test_login_follows_next_only_within_the_site(client, make_user, target, expected):
    make_user("applicant", email="wang@example.cn")
    response = client.post("/login", query_string={"next": target},
                           data={"login": "wang@example.cn", "password": PASSWORD}, follow_redirects=False)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.netloc in ("", "localhost")
    assert location.path == expected


def test_anonymous_is_sent_to_login_and_back(client, make_user):
    make_user("applicant", email="wang@example.cn")
    response = client.get("/my/applications/")
    assert response.status_code == 302
    assert "/login?next=/my/applications/" in response.headers["Location"]
    response = client.post(response.headers["Location"], data={"login": "wang@example.cn", "password": PASSWORD})
    assert response.headers["Location"].endswith("/my/applications/")


# --- logout -------------------------------------------------------------------------------

def test_logout_ends_the_session_for_good(client, app, make_user):
    make_user("applicant", email="wang@example.cn")
    login(client, "wang@example.cn")
    assert client.get("/my/applications/").status_code == 200
    stolen = client.get_cookie("session").value
    # A copy of the cookie works on another device while the session lives …
    other = app.test_client()
    other.set_cookie("session", stolen)
    assert other.get("/my/applications/").status_code == 200

    response = client.post("/logout")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert "You have been logged out." in client.get("/login").get_data(as_text=True)
    assert client.get("/my/applications/").status_code == 302

    # … and no longer once the user has logged out: replaying it leads to the login page.
    for replay in (client, other):
        replay.set_cookie("session", stolen)
        response = replay.get("/my/applications/")
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_logout_needs_a_post(client, login_as):
    login_as("applicant")
    assert client.get("/logout").status_code == 405
    assert client.get("/my/applications/").status_code == 200


def test_logging_in_again_after_logout_works(client, make_user):
    make_user("applicant", email="wang@example.cn")
    login(client, "wang@example.cn")
    client.post("/logout")
    assert login(client, "wang@example.cn").status_code == 302
    assert client.get("/my/applications/").status_code == 200


# --- throttling ---------------------------------------------------------------------------

@pytest.fixture
def limited_app(migrated_template, tmp_path):
    (tmp_path / "limited").mkdir()
    with running_app(migrated_template, tmp_path / "limited", RATELIMIT_ENABLED=True) as app:
        yield app


def _client(app, ip):
    client = app.test_client()
    client.environ_base.update(REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE="en")
    return client


def _make_victim():
    from loans.auth.services import create_user

    create_user(role="applicant", email="victim@example.cn", password=PASSWORD, check_password=False)
    db.session.commit()


def test_repeated_wrong_logins_are_throttled_without_locking_the_user_out(limited_app):
    _make_victim()
    attacker = _client(limited_app, "203.0.113.66")
    codes = [attacker.post("/login", data={"login": "victim@example.cn", "password": f"guess-{i}"}).status_code
             for i in range(8)]
    assert codes[0] == 200
    assert 429 in codes, codes
    first_refused = codes.index(429)
    assert all(code == 429 for code in codes[first_refused:])
    refused = attacker.post("/login", data={"login": "victim@example.cn", "password": PASSWORD})
    assert refused.status_code == 429  # even the right password is not tried
    assert "Too many attempts" in refused.get_data(as_text=True)

    # The account itself is slowed too, whatever the address: the real user waits a short,
    # stated time (never a lockout), then logs in.
    user = _client(limited_app, "198.51.100.7")
    response = user.post("/login", data={"login": "victim@example.cn", "password": PASSWORD})
    assert response.status_code == 429
    assert "wait" in response.get_data(as_text=True)
    _time_passes()
    response = user.post("/login", data={"login": "victim@example.cn", "password": PASSWORD})
    assert response.status_code == 302
    assert user.get("/my/applications/").status_code == 200


def _time_passes():
    """The backoff's wait runs out (as if its seconds had passed)."""
    from datetime import timedelta

    from loans.auth.models import LoginThrottle
    from loans.db import utcnow

    db.session.execute(sa.update(LoginThrottle).values(blocked_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()


def test_one_account_is_slowed_whatever_the_address(app):
    """30 guesses at one account from 30 addresses (no address-based limit at all here):
    after 5 failures each further attempt must wait, and the password is not even tried."""
    from loans.auth.models import LoginThrottle

    _make_victim()
    codes = []
    for i in range(30):
        attacker = _client(app, f"203.0.113.{i + 1}")
        codes.append(attacker.post("/login", data={"login": "victim@example.cn", "password": f"guess-{i}"}).status_code)
    assert codes[:4] == [200] * 4
    assert codes[5:] == [429] * 25  # the 5th failure starts the wait
    # Refused attempts are not counted: the wait stays the first step, not 2^25 of them.
    throttle = db.session.scalar(sa.select(LoginThrottle))
    assert throttle.failures == 5
    # The right password during the wait is refused too, with the wait in the message.
    response = _client(app, "198.51.100.7").post("/login", data={"login": "victim@example.cn", "password": PASSWORD})
    assert response.status_code == 429
    # What is left of the 30 s wait (the 30 attempts above take a moment on a busy machine).
    waited = re.search(r"(\d+) seconds", response.get_data(as_text=True))
    assert waited and 20 <= int(waited.group(1)) <= 30
    _time_passes()
    response = _client(app, "198.51.100.7").post("/login", data={"login": "victim@example.cn", "password": PASSWORD})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginThrottle)) == 0  # success forgets


def test_the_wait_doubles_and_is_capped(app):
    from loans.auth.services import backoff_seconds

    waits = [backoff_seconds(n, app.config) for n in range(1, 15)]
    assert waits[:4] == [0, 0, 0, 0]
    assert waits[4:9] == [30, 60, 120, 240, 480]
    assert max(waits) == 900 and waits[-1] == 900


def test_an_unknown_account_is_slowed_like_a_real_one(app):
    """The wait does not tell which logins exist."""
    codes = [_client(app, f"203.0.113.{i}").post("/login", data={"login": "nobody@example.cn", "password": "x"}).status_code
             for i in range(1, 8)]
    assert codes == [200, 200, 200, 200, 429, 429, 429]


def test_one_client_cannot_spray_many_accounts(limited_app):
    attacker = _client(limited_app, "203.0.113.66")
    codes = [attacker.post("/login", data={"login": f"user{i}@example.cn", "password": "guess"}).status_code
             for i in range(15)]
    assert 429 in codes, codes
    # Viewing the login page is never throttled.
    assert attacker.get("/login").status_code == 200
