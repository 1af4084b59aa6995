"""Deny by default (SPEC §2): every route declares its roles, anonymous users go to the login
page, and every form POST needs a CSRF token."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from werkzeug.routing.converters import NumberConverter

from loans.access import PUBLIC, declared_roles
from loans.db import db
from tests.conftest import running_app


def is_static(endpoint: str) -> bool:
    return endpoint == "static" or endpoint.endswith(".static")


def is_api(rule) -> bool:
    return rule.rule.startswith("/api/")


def sample_url(rule, value=1) -> str:
    """The rule's URL with every argument filled with a harmless sample value."""
    values = {}
    for name in rule.arguments:
        converter = rule._converters[name]
        values[name] = value if isinstance(converter, NumberConverter) else "x"
    path = rule.build(values, append_unknown=False)[1]
    return path


def test_every_endpoint_declares_its_roles(app):
    offenders = []
    for rule in app.url_map.iter_rules():
        if is_static(rule.endpoint):
            continue
        view = app.view_functions[rule.endpoint]
        if declared_roles(view) is None:
            offenders.append(f"{rule.endpoint} {rule.rule}")
    assert not offenders, "routes without @allow(...) or @public:\n" + "\n".join(sorted(offenders))


def test_an_undeclared_route_is_refused_for_everyone(app, client, login_as):
    app.add_url_rule("/undeclared-for-test", "undeclared_for_test", lambda: "secret")
    assert client.get("/undeclared-for-test").status_code == 403
    login_as("admin")
    assert client.get("/undeclared-for-test").status_code == 403


def protected_rules(app, method):
    for rule in app.url_map.iter_rules():
        if is_static(rule.endpoint) or method not in rule.methods:
            continue
        if declared_roles(app.view_functions[rule.endpoint]) == PUBLIC:
            continue
        yield rule


def test_anonymous_get_of_a_protected_page_leads_to_login(app, client):
    rules = list(protected_rules(app, "GET"))
    assert rules, "no protected pages found"
    wrong = []
    for rule in rules:
        url = sample_url(rule)
        response = client.get(url)
        if is_api(rule):
            ok = response.status_code == 401 and response.is_json
        else:
            location = response.headers.get("Location", "")
            ok = response.status_code == 302 and location.startswith("/login") and "next=" in location
        if not ok:
            wrong.append(f"{url} → {response.status_code} {response.headers.get('Location', '')}")
    assert not wrong, "\n".join(wrong)


def test_anonymous_post_to_a_protected_route_changes_nothing(app, client):
    wrong = []
    for rule in protected_rules(app, "POST"):
        url = sample_url(rule)
        response = client.post(url, data={})
        expected = 401 if is_api(rule) else 302
        if response.status_code != expected:
            wrong.append(f"POST {url} → {response.status_code}")
    assert not wrong, "\n".join(wrong)


def test_login_redirect_keeps_the_query(client):
    response = client.get("/my/applications/?page=2")
    assert response.status_code == 302
    assert "next=/my/applications/?page%3D2" in response.headers["Location"] or \
           "next=/my/applications/%3Fpage%3D2" in response.headers["Location"]


# --- CSRF -----------------------------------------------------------------------------------

@pytest.fixture
def csrf_app(migrated_template, tmp_path):
    (tmp_path / "csrf").mkdir()
    with running_app(migrated_template, tmp_path / "csrf", WTF_CSRF_ENABLED=True) as app:
        yield app


def token_from(page: str) -> str:
    from tests.conftest import csrf_token

    return csrf_token(page)


def login_with_token(client, login_name, password="Correct-Horse-42"):
    token = token_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"login": login_name, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def table_counts() -> dict[str, int]:
    db.session.expire_all()
    with db.engine.connect() as conn:
        names = [name for name in sa.inspect(conn).get_table_names() if name != "alembic_version"]
        return {name: conn.execute(sa.text(f"SELECT count(*) FROM {name}")).scalar() for name in names}


def csrf_protected_rules(app):
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and not is_static(rule.endpoint) and not is_api(rule):
            yield rule


def test_every_form_post_without_a_token_is_refused(csrf_app):
    from loans.applications import services
    from loans.auth.services import create_user

    applicant = create_user(role="applicant", email="a@example.cn", password="Correct-Horse-42", check_password=False)
    create_user(role="admin", email="root@example.cn", password="Correct-Horse-42", check_password=False)
    db.session.commit()
    application = services.start_application(applicant)
    db.session.commit()
    app_id = application.id

    client = csrf_app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login_with_token(client, "a@example.cn")
    before = table_counts()

    wrong = []
    rules = list(csrf_protected_rules(csrf_app))
    assert len(rules) >= 10
    for rule in rules:
        url = sample_url(rule, value=app_id)
        response = client.post(url, data={"full_name": "Mallory", "agree": "y", "lang": "en", "login": "x@example.cn",
                                          "password": "Correct-Horse-42", "confirm": "Correct-Horse-42",
                                          "name": "Mallory", "reason": "forged"})
        if response.status_code != 400:
            wrong.append(f"POST {url} → {response.status_code}")
        elif "Your form expired or was sent from another site." not in response.get_data(as_text=True):
            wrong.append(f"POST {url}: no explanation")
    assert not wrong, "\n".join(wrong)

    assert table_counts() == before
    from tests.applications.conftest import get_application

    current = get_application(app_id)
    assert current.status == "draft" and current.full_name != "Mallory"
    # Still logged in (logout needed a token too), still in English (so did /language).
    page = client.get("/my/applications/")
    assert page.status_code == 200
    assert '<html lang="en">' in page.get_data(as_text=True)


def test_a_token_from_another_session_is_refused(csrf_app):
    from loans.auth.services import create_user

    create_user(role="applicant", email="victim@example.cn", password="Correct-Horse-42", check_password=False)
    db.session.commit()
    attacker = csrf_app.test_client()
    foreign_token = token_from(attacker.get("/login").get_data(as_text=True))
    victim = csrf_app.test_client()
    login_with_token(victim, "victim@example.cn")
    response = victim.post("/my/applications/new", data={"csrf_token": foreign_token})
    assert response.status_code == 400
    assert table_counts()["loan_applications"] == 0


def test_forms_carry_a_token_and_work_with_it(csrf_app):
    client = csrf_app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get("/register").get_data(as_text=True)
    response = client.post("/register", data={"name": "张三", "login": "13812345678", "password": "Correct-Horse-42",
                                              "confirm": "Correct-Horse-42", "csrf_token": token_from(page)})
    assert response.status_code == 302
    page = client.get("/my/applications/").get_data(as_text=True)
    # Every form on the page carries a token.
    for form in re.findall(r"<form\b[^>]*method=\"post\"[^>]*>.*?</form>", page, re.S | re.I):
        assert 'name="csrf_token"' in form, form[:200]
    response = client.post("/my/applications/new", data={"csrf_token": token_from(page)})
    assert response.status_code == 302
    assert table_counts()["loan_applications"] == 1


# --- hostile requests: a clear answer, never a server error ---------------------------------

def test_huge_ids_are_not_found(client, login_as):
    login_as("applicant")
    for url in ("/my/applications/99999999999", "/my/applications/99999999999/step/person",
                "/my/applications/1/documents/99999999999", "/my/applications/" + "9" * 40):
        assert client.get(url).status_code == 404, url
    assert client.post("/my/applications/99999999999/withdraw").status_code == 404


@pytest.mark.parametrize("path, data", [
    ("/login", {"login": "a\x00@example.cn", "password": "x"}),
    ("/register", {"name": "张\x00三", "login": "13812345678", "password": "Correct-Horse-42",
                   "confirm": "Correct-Horse-42"}),
    ("/language", {"lang": "en", "next": "/\x00"}),
])
def test_nul_bytes_are_refused_before_the_database(client, path, data):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post(path, data=data)
    assert response.status_code == 400
    assert "The request could not be understood. Please go back and try again." in response.get_data(as_text=True)
    assert table_counts()["users"] == 0


def test_nul_bytes_in_the_application_form(client, login_as):
    from tests.applications.conftest import PERSON, Portal, get_application, resident_id

    login_as("applicant")
    portal = Portal(client)
    app_id = portal.new()
    response = portal.step(app_id, "person", {**PERSON, "id_number": resident_id(), "full_name": "张\x00三"})
    assert response.status_code == 400
    assert get_application(app_id).id_number is None
    assert client.get("/my/applications/?q=\x00").status_code == 400
