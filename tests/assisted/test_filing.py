"""Assisted filing by community workers (SPEC §15, issue 16)."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from loans.applications.models import LoanApplication
from loans.auth.models import User
from loans.db import db
from tests.factories import resident_id
from tests.helpers import login
from tests.test_roles_routes import client_as

PERSON_ID = resident_id("431002", date(1990, 3, 4), 5)


@pytest.fixture
def worker(make_user):
    return make_user("community", district_code="431002")


def file_case(client, mobile="13800001111", number=PERSON_ID):
    return client.post("/assisted/new", data={"full_name": "李四", "id_number": number, "mobile": mobile})


def test_a_community_worker_lands_on_assisted_filing_and_is_refused_elsewhere(app, worker):
    client = client_as(app, worker)
    assert client.get("/").headers["Location"].endswith("/assisted/")
    page = client.get("/assisted/").get_data(as_text=True)
    assert "File for a person" in page
    assert client.get("/review/").status_code == 403
    assert client.get("/admin/users").status_code == 403


def test_filing_for_a_person_creates_their_passwordless_account_and_a_draft(app, worker):
    client = client_as(app, worker)
    response = file_case(client)
    assert response.status_code == 302
    case = db.session.scalar(select(LoanApplication).where(LoanApplication.filed_by_id == worker.id))
    assert (case.status, case.full_name, case.district_code) == ("draft", "李四", "431002")
    person = db.session.get(User, case.applicant_id)
    assert (person.role, person.mobile) == ("applicant", "13800001111")
    assert login(client_as(app, None), "13800001111", "").status_code != 302  # no usable password
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert PERSON_ID not in page and case.id_number_masked in page
    assert "李四" in client.get("/assisted/").get_data(as_text=True)


def test_a_staff_mobile_is_refused_in_place(app, worker, make_user):
    officer = make_user("officer", district_code="431002")
    officer.mobile = "13800002222"
    db.session.commit()
    response = file_case(client_as(app, worker), mobile="13800002222")
    assert response.status_code == 400
    assert "belongs to a staff account" in response.get_data(as_text=True)
    assert db.session.scalar(select(LoanApplication).where(LoanApplication.filed_by_id == worker.id)) is None


def test_another_workers_case_is_not_found(app, worker, make_user):
    file_case(client_as(app, worker))
    case = db.session.scalar(select(LoanApplication).where(LoanApplication.filed_by_id == worker.id))
    other = client_as(app, make_user("community", district_code="431002"))
    assert other.get(f"/assisted/{case.id}").status_code == 404
    assert "李四" not in other.get("/assisted/").get_data(as_text=True)


def test_the_pages_speak_chinese(app, worker):
    client = client_as(app, worker)
    client.post("/language", data={"lang": "zh"})
    assert client.get("/assisted/new").status_code == 200


def test_users_create_makes_a_community_worker_of_one_district(runner):
    args = ["users", "create", "--role", "community", "--email", "c@example.cn", "--password", "Correct-Horse-42"]
    assert runner.invoke(args=args).exit_code != 0  # a district is required
    result = runner.invoke(args=[*args, "--district", "431003"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "c@example.cn"))
    assert (user.role, user.district_code) == ("community", "431003")
