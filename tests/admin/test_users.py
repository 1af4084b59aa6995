"""The staff-user form of the admin pages: create, refusals shown on the page itself."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from loans.auth.models import User
from loans.db import db
from tests.helpers import field_error, text

NEW_USER = {"name": "Officer Zhou", "login": "zhou@example.cn", "role": "officer", "district_code": "431002",
            "bank_code": "", "password": "Correct-Horse-42", "confirm": "Correct-Horse-42"}


def users_named(email: str) -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(User.email == email))


def test_admin_creates_a_staff_user(client, login_as):
    login_as("admin")
    response = client.post("/admin/users", data=NEW_USER)
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/users")
    page = text(client.get("/admin/users").get_data(as_text=True))
    assert "User zhou@example.cn created." in page
    user = db.session.scalar(select(User).where(User.email == "zhou@example.cn"))
    assert (user.role, user.district_code, user.name) == ("officer", "431002", "Officer Zhou")


# What each staff role needs besides the common fields (SPEC §2).
STAFF_ROLES = {"officer": {"district_code": "431003"}, "supervisor": {}, "bank": {"bank_code": "ABC-CZ"},
               "finance": {}, "admin": {}, "auditor": {}}


@pytest.mark.parametrize("role", list(STAFF_ROLES))
def test_admin_creates_a_user_of_each_staff_role(client, login_as, role):
    login_as("admin")
    email = f"new.{role}@example.cn"
    response = client.post("/admin/users", data={**NEW_USER, "login": email, "role": role, "district_code": "",
                                                  **STAFF_ROLES[role]})
    assert response.status_code == 302, text(response.get_data(as_text=True))[:1000]
    assert email in text(client.get("/admin/users").get_data(as_text=True))
    user = db.session.scalar(select(User).where(User.email == email))
    assert (user.role, user.district_code, user.bank_code) == (
        role, STAFF_ROLES[role].get("district_code"), STAFF_ROLES[role].get("bank_code"))


@pytest.mark.parametrize("changes, field, message", [
    ({"login": "zhou.example.cn"}, "login", "Enter a valid email address."),
    ({"password": "short"}, "password", "Use at least"),
    ({"password": "zhou@example.cn"}, "password", "Do not use your mobile number or email as the password."),
    ({"role": "bank", "district_code": "", "bank_code": ""}, "bank_code", "This role needs a bank."),
])
def test_a_bad_field_is_named_beside_it(client, login_as, changes, field, message):
    login_as("admin")
    response = client.post("/admin/users", data={**NEW_USER, **changes})
    page = response.get_data(as_text=True)
    assert response.status_code != 302 and "Redirecting" not in page
    assert message in (field_error(page, field) or ""), text(page)[:2000]
    assert 'value="Officer Zhou"' in page
    assert db.session.scalar(select(func.count()).select_from(User).where(User.role != "applicant")) == 1


def test_refusals_come_back_on_the_users_page(client, login_as):
    login_as("admin")
    assert client.post("/admin/users", data=NEW_USER).status_code == 302
    # the same email again: beside the field, what was typed kept
    response = client.post("/admin/users", data={**NEW_USER, "name": "Another Zhou"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Redirecting" not in page
    assert "already exists" in field_error(page, "login")
    assert 'value="Another Zhou"' in page
    # a role that needs a district, without one
    response = client.post("/admin/users", data={**NEW_USER, "login": "li@example.cn", "district_code": ""})
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "district_code") == "This role needs a district."
    assert users_named("zhou@example.cn") == 1 and users_named("li@example.cn") == 0


def test_the_auditor_sees_users_but_cannot_create_them(client, login_as, make_user):
    officer = make_user("officer", email="officer.li@example.cn")
    login_as("auditor")
    response = client.get("/admin/users")
    assert response.status_code == 200
    assert officer.email in text(response.get_data(as_text=True))
    assert 'name="password"' not in response.get_data(as_text=True)  # no form to create one
    response = client.post("/admin/users", data=NEW_USER)
    page = text(response.get_data(as_text=True))
    assert response.status_code == 403 and "Redirecting" not in page
    assert "Only administrators can create users." in page
    assert users_named("zhou@example.cn") == 0
