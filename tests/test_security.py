"""Security findings of issue 8 that concern the whole app: the proxy, the public address,
the personal-data key, HSTS and secure cookies, passwords, 405 answers."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from loans import create_app
from loans.config import ConfigError
from loans.db import db
from tests.conftest import BASE_CONFIG, login, make_app, running_app
from tests.helpers import field_error

PASSWORD = "Correct-Horse-42"


# --- finding 4: behind the reverse proxy -----------------------------------------------------

def _login_codes(app, forwarded_for: str, n: int) -> list[int]:
    client = app.test_client()
    client.environ_base.update(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded_for)
    return [client.post("/login", data={"login": f"user{i}@example.cn", "password": "guess"}).status_code
            for i in range(n)]


def test_behind_a_configured_proxy_each_client_has_its_own_limit(migrated_template, tmp_path):
    """With LOANS_PROXY_HOPS=1 the client is the address the proxy saw: one busy client
    does not make login answer 429 for the whole city."""
    with running_app(migrated_template, tmp_path, RATELIMIT_ENABLED=True, PROXY_HOPS=1) as app:
        first = _login_codes(app, "198.51.100.1", 12)
        assert 429 in first
        assert _login_codes(app, "198.51.100.2", 3) == [200, 200, 200]


def test_without_a_configured_proxy_the_forwarded_header_is_ignored(migrated_template, tmp_path):
    """Otherwise a client could claim a new address with each request and never be limited."""
    with running_app(migrated_template, tmp_path, RATELIMIT_ENABLED=True) as app:
        codes = [_login_codes(app, f"198.51.100.{i}", 1)[0] for i in range(1, 15)]
        assert 429 in codes


def test_proxy_hops_must_be_a_count(tmp_path):
    with pytest.raises(ConfigError, match="PROXY_HOPS"):
        create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite3", "PROXY_HOPS": "two"})


# --- finding 7: the public address ---------------------------------------------------------

@pytest.mark.nodb
def test_outside_tests_the_app_refuses_to_start_without_its_public_address(tmp_path, monkeypatch):
    for name in ("SECRET_KEY", "PERSONAL_DATA_KEY", "SQLALCHEMY_DATABASE_URI"):
        monkeypatch.setenv(f"LOANS_{name}", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite3"}.get(name, "k"))
    monkeypatch.setenv("LOANS_PUBLIC_BASE_URL", "")
    monkeypatch.setattr("loans.ROOT", tmp_path)
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
        create_app()
    monkeypatch.setenv("LOANS_PUBLIC_BASE_URL", "loans.example.cn")
    with pytest.raises(ConfigError, match="https://"):
        create_app()


def test_message_links_use_the_public_address_not_the_host_header(app):
    from loans.urls import public_url

    app.config["PUBLIC_BASE_URL"] = "https://loans.chenzhou.example/"
    with app.test_request_context("/", headers={"Host": "evil.example"}):
        assert public_url("letters.verify", code="abc") == "https://loans.chenzhou.example/verify/abc"
    # and outside any request (CLI, jobs)
    assert public_url("applications.status", application_id=7) == "https://loans.chenzhou.example/my/applications/7"


# --- hardening: HSTS and secure cookies over https --------------------------------------------

def test_https_address_turns_on_hsts_and_secure_cookies(migrated_template, tmp_path):
    with running_app(migrated_template, tmp_path, PUBLIC_BASE_URL="https://loans.chenzhou.example") as app:
        assert app.config["SESSION_COOKIE_SECURE"] is True
        response = app.test_client().get("/login", base_url="https://loans.chenzhou.example")
        assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
        assert "Secure" in response.headers["Set-Cookie"]


def test_plain_http_demo_sends_no_hsts(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers


# --- finding 8: the personal-data key ------------------------------------------------------

def test_the_app_refuses_to_start_with_a_key_that_does_not_open_the_data(migrated_template, tmp_path, make_user):
    """A restore without the original key answered 500 on every case page; now the start
    is refused with one clear line."""
    from loans.personal_data import KeyCheck

    # The running app (the `make_user` fixture's) stored its key check value.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(KeyCheck)) == 1
    url = db.engine.url.render_as_string(hide_password=False)
    db.session.commit()
    elsewhere = tmp_path / "restored"
    elsewhere.mkdir()
    with pytest.raises(ConfigError) as excinfo:
        make_app(migrated_template, elsewhere, SQLALCHEMY_DATABASE_URI=url, PERSONAL_DATA_KEY="another-key")
    assert "PERSONAL_DATA_KEY" in str(excinfo.value) and "\n" not in str(excinfo.value)
    # the right key starts
    make_app(migrated_template, elsewhere, SQLALCHEMY_DATABASE_URI=url)


def test_a_database_from_before_the_key_check_is_checked_against_its_data(app, make_user):
    """No key check value stored yet (data written by an older version): a stored resident
    ID is decrypted instead, and a wrong key is refused just the same."""
    from loans.applications import services as app_services
    from loans.personal_data import KeyCheck, check_stored_key, PersonalDataVault, WrongKeyError

    applicant = make_user("applicant")
    application = app_services.start_application(applicant)
    app_services._set_id_number(application, "431002199003151117")
    db.session.execute(sa.delete(KeyCheck))
    db.session.commit()
    app.extensions["personal_data"] = PersonalDataVault("another-key")
    try:
        with pytest.raises(WrongKeyError, match="cannot be decrypted"):
            check_stored_key(app)
    finally:
        app.extensions["personal_data"] = PersonalDataVault(BASE_CONFIG["PERSONAL_DATA_KEY"])
    check_stored_key(app)  # the right key: passes and stores the check value
    assert db.session.scalar(sa.select(KeyCheck.check_value)) == app.extensions["personal_data"].key_check_value


# --- hardening: passwords ------------------------------------------------------------------

def test_staff_change_their_password_and_other_sessions_end(app, make_user):
    from tests.helpers import client_for

    officer = make_user("officer")
    first, second = client_for(app, officer), client_for(app, officer)
    response = first.post("/account/password", data={"current_password": "wrong", "password": "Brand-New-Pass-9",
                                                      "confirm": "Brand-New-Pass-9"})
    assert response.status_code == 400
    assert "not right" in field_error(response.get_data(as_text=True), "current_password")
    response = first.post("/account/password", data={"current_password": PASSWORD, "password": "Brand-New-Pass-9",
                                                      "confirm": "Brand-New-Pass-9"})
    assert response.status_code == 302
    assert first.get("/staff").status_code == 200          # this session stays
    assert "/login" in second.get("/staff").headers.get("Location", "")  # the other one ended
    fresh = app.test_client()
    assert login(fresh, officer, PASSWORD).status_code == 200
    assert login(fresh, officer, "Brand-New-Pass-9").status_code == 302


def test_admin_resets_a_password_and_the_user_must_change_it(app, make_user):
    from loans.audit.models import AuditEvent
    from tests.helpers import client_for

    admin = client_for(app, make_user("admin"))
    bank_user = make_user("bank")
    old_session = client_for(app, bank_user)
    page = admin.post(f"/admin/users/{bank_user.id}/reset-password")
    assert page.status_code == 200
    import re

    temporary = re.search(r'<code[^>]*>([0-9a-f-]+)</code>', page.get_data(as_text=True)).group(1)
    assert "/login" in old_session.get("/loans/").headers.get("Location", "")
    user = app.test_client()
    response = login(user, bank_user, temporary)
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/password")
    # nothing else until the password is changed
    assert user.get("/loans/").headers["Location"].endswith("/account/password")
    response = user.post("/account/password", data={"current_password": temporary, "password": "Bank-Clerk-Pass-7",
                                                    "confirm": "Bank-Clerk-Pass-7"})
    assert response.status_code == 302
    assert user.get("/loans/").status_code == 200
    actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.object_type == "users",
                                                                    AuditEvent.object_id == bank_user.id)).all()
    assert "reset_password" in actions and "change_password" in actions


@pytest.mark.parametrize("role", ["officer", "supervisor", "bank", "finance", "auditor", "applicant"])
def test_only_admins_reset_passwords(app, make_user, role):
    from tests.helpers import client_for

    target = make_user("bank")
    client = client_for(app, make_user(role))
    assert client.post(f"/admin/users/{target.id}/reset-password").status_code == 403


def test_applicant_accounts_are_not_reset_here(app, make_user):
    from tests.helpers import client_for

    admin = client_for(app, make_user("admin"))
    assert admin.post(f"/admin/users/{make_user('applicant').id}/reset-password").status_code == 404


# --- hardening: 405 answers say what is allowed --------------------------------------------

def test_method_not_allowed_names_the_allowed_methods(client):
    response = client.get("/logout")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    response = client.get("/api/v1/eligibility/precheck")
    assert response.status_code == 405 and "POST" in response.headers["Allow"]
