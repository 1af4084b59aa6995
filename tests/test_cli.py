"""Every CLI command (SPEC §10): clear one-line errors, never a traceback.

``db upgrade`` is covered in test_migrations.py."""
from __future__ import annotations

from collections import Counter

import pytest
from flask_babel import gettext
from sqlalchemy import func, select

from loans.access import ROLES
from loans.applications.models import LoanApplication
from loans.audit.models import AuditEvent
from loans.auth.models import User
from loans.auth.passwords import verify_password
from loans.db import db
from tests.conftest import PG_URL, make_app

GOOD_PASSWORD = "Correct-Horse-42"


def create(runner, *args, password=GOOD_PASSWORD):
    argv = ["users", "create", *args]
    if password is not None:
        argv += ["--password", password]
    return runner.invoke(args=argv)


def assert_one_line_error(result, *fragments):
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def users_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


@pytest.mark.parametrize("role, extra, district, bank", [
    ("admin", [], None, None),
    ("officer", ["--district", "431022"], "431022", None),
    ("supervisor", ["--district", "431002"], "431002", None),
    ("supervisor", [], None, None),  # city-wide
    ("bank", ["--bank", "CZRCB"], None, "CZRCB"),
    ("finance", [], None, None),
    ("auditor", [], None, None),
])
def test_users_create(runner, role, extra, district, bank):
    result = create(runner, "--role", role, "--email", f"  New.{role}@Example.CN ", "--name", "张三", *extra)
    assert result.exit_code == 0, result.output
    assert f"created {role} new.{role}@example.cn" in result.output
    user = db.session.scalar(select(User).where(User.email == f"new.{role}@example.cn"))
    assert user is not None
    assert (user.role, user.district_code, user.bank_code, user.name) == (role, district, bank, "张三")
    assert user.password_hash.startswith("$argon2id$")
    assert verify_password(user.password_hash, GOOD_PASSWORD)
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "create_user",
                                                       AuditEvent.object_id == user.id))
    assert audit is not None


def test_users_create_prompts_for_the_password(runner):
    result = runner.invoke(args=["users", "create", "--role", "finance", "--email", "f@example.cn"],
                           input=f"{GOOD_PASSWORD}\n{GOOD_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert GOOD_PASSWORD not in result.output  # hidden input
    user = db.session.scalar(select(User).where(User.email == "f@example.cn"))
    assert verify_password(user.password_hash, GOOD_PASSWORD)


def test_users_create_ignores_a_district_the_role_does_not_use(runner):
    result = create(runner, "--role", "finance", "--email", "fin@example.cn", "--district", "431002")
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User.district_code).where(User.email == "fin@example.cn")) is None


@pytest.mark.parametrize("args, message, params", [
    (["--role", "boss", "--email", "x@example.cn"], "Unknown role %(role)s.", {"role": "boss"}),
    (["--role", "officer", "--email", "x@example.cn"], "This role needs a district.", {}),
    (["--role", "officer", "--email", "x@example.cn", "--district", "999999"], "Unknown district %(code)s.",
     {"code": "999999"}),
    (["--role", "bank", "--email", "x@example.cn"], "This role needs a bank.", {}),
    (["--role", "bank", "--email", "x@example.cn", "--bank", "NOPE"], "Unknown bank %(code)s.", {"code": "NOPE"}),
])
def test_users_create_refuses_bad_input(runner, args, message, params):
    before = users_count()
    result = create(runner, *args)
    # The CLI speaks the default language; compare with the catalog, whatever its state.
    assert_one_line_error(result, gettext(message, **params))
    assert users_count() == before


@pytest.mark.parametrize("password", ["short", "password123", "12345678"])
def test_users_create_refuses_a_weak_password(runner, password):
    result = create(runner, "--role", "admin", "--email", "weak@example.cn", password=password)
    assert_one_line_error(result)
    assert users_count() == 0


def test_users_create_refuses_the_email_as_password(runner):
    result = create(runner, "--role", "admin", "--email", "someone.long@example.cn", password="someone.long@example.cn")
    assert_one_line_error(result, gettext("Do not use your mobile number or email as the password."))


def test_users_create_refuses_a_duplicate_email(runner):
    assert create(runner, "--role", "admin", "--email", "dup@example.cn").exit_code == 0
    result = create(runner, "--role", "auditor", "--email", "DUP@example.cn")
    assert_one_line_error(result, gettext("A user with this email already exists."))
    assert users_count() == 1
    assert db.session.scalar(select(User.role).where(User.email == "dup@example.cn")) == "admin"


def test_users_create_requires_role_and_email(runner):
    result = runner.invoke(args=["users", "create", "--email", "x@example.cn", "--password", GOOD_PASSWORD])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert "--role" in result.output


# --- demo-data ----------------------------------------------------------------------------

def _snapshot():
    return (
        users_count(),
        db.session.scalar(select(func.count()).select_from(LoanApplication)),
        db.session.scalar(select(func.count()).select_from(AuditEvent)),
    )


def test_demo_data(app, runner):
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    roles = set(db.session.scalars(select(User.role)))
    assert roles == set(ROLES)
    # Every staff account is printed with the shared password.
    from loans.demo import DEMO_PASSWORD, STAFF

    assert DEMO_PASSWORD in result.output
    for role, email, *_ in STAFF:
        assert email in result.output
    assert "applicant" in result.output
    for user in db.session.scalars(select(User).where(User.role != "applicant")):
        assert verify_password(user.password_hash, DEMO_PASSWORD), user.email

    statuses = Counter(db.session.scalars(select(LoanApplication.status)))
    assert 45 <= sum(statuses.values()) <= 65
    assert {"draft", "submitted", "under_review", "info_requested", "recommended", "approved", "rejected",
            "withdrawn"} <= set(statuses)
    # Submitted cases carry their history and eligibility snapshot, like real ones.
    approved = db.session.scalar(select(LoanApplication).where(LoanApplication.status == "approved").limit(1))
    actions = list(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "loan_applications", AuditEvent.object_id == approved.id).order_by(AuditEvent.id)))
    assert actions[0] == "create" and "submit" in actions and actions[-1] == "approve"
    # Personal data is protected in demo data too.
    assert approved.id_number_hash and approved.id_number_masked and "*" in approved.id_number_masked

    # The printed accounts work.
    client = app.test_client()
    response = client.post("/login", data={"login": "officer.beihu@demo.czloans.cn", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    client = app.test_client()
    assert client.post("/login", data={"login": "13800000001", "password": DEMO_PASSWORD}).status_code == 302
    assert client.get("/my/applications/").status_code == 200

    before = _snapshot()
    again = runner.invoke(args=["demo-data"])
    assert again.exit_code == 0, again.output
    assert "nothing changed" in again.output
    assert _snapshot() == before


@pytest.mark.skipif(bool(PG_URL), reason="needs a second database")
def test_demo_data_is_deterministic(runner, migrated_template, tmp_path):
    def load(app):
        with app.app_context():
            app.test_cli_runner().invoke(args=["demo-data"])
            rows = [(a.status, a.amount, a.business_name, a.mobile, a.id_number_masked, a.preferred_bank_code)
                    for a in db.session.scalars(select(LoanApplication).order_by(LoanApplication.id))]
            db.session.remove()
            db.engine.dispose()
            return rows

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = load(make_app(migrated_template, tmp_path / "a"))
    second = load(make_app(migrated_template, tmp_path / "b"))
    assert len(first) >= 45
    assert first == second


def test_cli_help_lists_the_commands(runner):
    result = runner.invoke(args=["--help"])
    assert result.exit_code == 0
    for command in ("users", "demo-data", "db"):
        assert command in result.output
