"""Every role against every route (SPEC §2): deny by default, never a 500.

The routes come from ``app.url_map``, so a new route is covered the day it is added; a
route without a declared role list fails ``test_every_endpoint_declares_its_roles``."""
from __future__ import annotations

import io

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
from werkzeug.routing.converters import NumberConverter

from loans.access import PUBLIC, ROLES, declared_roles
from loans.db import local_today

from .conftest import login
from tests.helpers import verify_evidence

ANONYMOUS = "anonymous"
SKIP_METHODS = {"HEAD", "OPTIONS"}
TINY_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# Route arguments that name reference data rather than a case.
ARGUMENTS_BY_ENDPOINT = {
    "policy.edit_key_group": {"code": "veteran"},
    "policy.edit_version": {"code": "HN-2023"},
}


class OwnUserClient(FlaskClient):
    """Requests from the test thread share the ``app`` fixture's ``g``, where Flask-Login
    caches the current user; clear it so each client acts as its own user."""

    def open(self, *args, **kwargs):
        if has_app_context():
            g.pop("_login_user", None)
        return super().open(*args, **kwargs)


def is_static(endpoint: str) -> bool:
    return endpoint == "static" or endpoint.endswith(".static")


def checked_rules(app):
    return sorted((r for r in app.url_map.iter_rules() if not is_static(r.endpoint)), key=lambda r: (r.rule, r.endpoint))


@pytest.fixture
def world(app, make_user):
    """One approved case that every role's scope includes: district 431002, bank ICBC-CZ,
    with a document; a user for every role; and an officer of another district."""
    from tests.factories import resident_id

    from datetime import date, datetime, timezone
    from decimal import Decimal

    from loans.applications import services as app_services
    from loans.applications.models import ApplicationKeyGroup
    from loans.core.workflow import Action
    from loans.db import db
    from loans.eligibility.services import evaluate_case
    from loans.review import services as review

    users = {role: make_user(role, district_code="431002" if role in ("officer", "community") else None)
             for role in ROLES}
    other_officer = make_user("officer", district_code="431003")
    second_supervisor = make_user("supervisor")
    applicant = users["applicant"]
    case = app_services.start_application(applicant)
    app_services._set_id_number(case, resident_id("431002", date(1988, 5, 17), 7))
    case.full_name, case.mobile, case.household_district_code, case.education = "赵六", "13811112222", "431002", "senior_high"
    case.key_group_links.append(ApplicationKeyGroup(key_group_code="veteran"))
    case.loan_type, case.business_name, case.district_code = "individual", "赵六汽修", "431002"
    case.business_address, case.industry, case.business_start_date = "郴州市1号", "repair", date(2026, 1, 1)
    case.current_staff, case.planned_jobs = 1, 3
    case.amount, case.term_months, case.purpose, case.preferred_bank_code = Decimal("100000"), 24, "设备", "ICBC-CZ"
    case.declares_no_other_loans = case.consents_credit_check = case.declares_truthful = True
    app_services.record_consent(applicant, case, None)
    document = app_services.store_document(
        case, _Upload(TINY_PDF, "veteran.pdf"), "key_group:veteran", actor=applicant)
    case.submitted_at, case.application_date = datetime.now(timezone.utc), local_today()
    evaluate_case(case, trigger="submission", actor=applicant)
    app_services.transition(case, Action.submit, actor=applicant)
    review.take_case(case, actor=users["officer"])
    verify_evidence(case, users["officer"])
    review.recommend(case, actor=users["officer"], decision="approve", amount=case.amount, term_months=24,
                     bank_code="ICBC-CZ")
    review.decide(case, actor=second_supervisor, decision="approve")
    from loans.servicing import services as servicing

    loan, _ = servicing.record_contract(case, servicing.ContractTerms(
        contract_no="ICBC-2026-0001", contract_date=local_today(), amount=Decimal("100000"), term_months=24,
        contract_rate=Decimal("3.50")), actor=users["bank"])
    _claim_on(loan)
    db.session.commit()
    return {"users": users, "other_officer": other_officer, "case_id": case.id, "document_id": document.id,
            "letter_id": _any_letter_id(), "loan_id": loan.id}


def _claim_on(loan) -> None:
    """Claim 1 (a route's ``claim_id`` is 1): a filed compensation claim on the world's loan."""
    from decimal import Decimal

    from loans.db import db
    from loans.fund.models import CompensationClaim

    money = {name: Decimal("1000") for name in ("principal", "total", "fund_share")}
    db.session.add(CompensationClaim(loan_id=loan.id, bank_code=loan.bank_code, district_code=loan.district_code,
                                     status="filed", claim_date=loan.contract_date, interest=Decimal(0),
                                     share_pct=Decimal(100), bank_share=Decimal(0), **money))
    db.session.flush()


class _Upload:
    def __init__(self, data: bytes, filename: str):
        self.stream = io.BytesIO(data)
        self.filename = filename


def _any_letter_id() -> int:
    """A real letter's id when the letters module has stored one, else 1 (a 404 in scope)."""
    from loans.db import db

    table = db.metadata.tables.get("letters")
    if table is None:
        return 1
    return db.session.execute(table.select().limit(1)).scalar() or 1


def url_for_rule(rule, world) -> str:
    values = {}
    overrides = ARGUMENTS_BY_ENDPOINT.get(rule.endpoint, {})
    for name in rule.arguments:
        if name in overrides:
            values[name] = overrides[name]
        elif name == "application_id":
            values[name] = world["case_id"]
        elif name == "document_id":
            values[name] = world["document_id"]
        elif name == "letter_id":
            values[name] = world["letter_id"]
        elif name == "loan_id":
            values[name] = world["loan_id"]
        elif name == "step":
            values[name] = "person"
        elif isinstance(rule._converters[name], NumberConverter):
            values[name] = 1
        else:
            values[name] = "x"
    from flask import current_app, url_for

    with current_app.test_request_context():
        return url_for(rule.endpoint, **values)


def client_as(app, user):
    client = OwnUserClient(app, app.response_class, use_cookies=True)
    if user is not None:
        response = login(client, user)
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def test_every_endpoint_declares_its_roles(app):
    missing = sorted(endpoint for endpoint, view in app.view_functions.items()
                     if not is_static(endpoint) and declared_roles(view) is None)
    assert not missing, f"endpoints without @allow(...) or @public: {missing}"


def test_an_undeclared_route_is_refused_for_everyone(migrated_template, tmp_path):
    from tests.conftest import make_app

    app = make_app(migrated_template, tmp_path)

    @app.get("/undeclared")
    def undeclared():
        return "should never be served"

    assert app.test_client().get("/undeclared").status_code == 403


@pytest.mark.parametrize("role", (ANONYMOUS,) + ROLES)
def test_role_against_every_route(app, world, role):
    user = None if role == ANONYMOUS else world["users"][role]
    client = client_as(app, user)
    problems = []
    for rule in checked_rules(app):
        roles = declared_roles(app.view_functions[rule.endpoint])
        url = url_for_rule(rule, world)
        for method in sorted(rule.methods - SKIP_METHODS):
            response = client.open(url, method=method, data={})
            where = f"{method} {url} ({rule.endpoint})"
            if response.status_code >= 500:
                problems.append(f"{where}: {response.status_code}")
                continue
            if roles == PUBLIC or roles is None:
                continue
            if role == ANONYMOUS:
                if url.startswith("/api/"):
                    ok = response.status_code == 401
                else:
                    ok = response.status_code == 302 and response.headers["Location"].startswith("/login")
                if not ok:
                    problems.append(f"{where}: anonymous got {response.status_code}")
            elif role not in roles and response.status_code != 403:
                problems.append(f"{where}: {role} (not in {sorted(roles)}) got {response.status_code}")
            if rule.endpoint == "auth.logout" and user is not None:
                client = client_as(app, user)  # the session really ended; log in again
    assert not problems, "\n".join(problems)


def test_officer_of_another_district_gets_404_on_case_routes(app, world):
    client = client_as(app, world["other_officer"])
    checked = 0
    for rule in checked_rules(app):
        roles = declared_roles(app.view_functions[rule.endpoint])
        if "application_id" not in rule.arguments or roles == PUBLIC or "officer" not in (roles or ()):
            continue
        url = url_for_rule(rule, world)
        for method in sorted(rule.methods - SKIP_METHODS):
            response = client.open(url, method=method, data={})
            assert response.status_code == 404, f"{method} {url}: {response.status_code}"
            checked += 1
    assert checked >= 9  # the case page, its actions and the document download
    # …while the case's own district officer sees it
    own = client_as(app, world["users"]["officer"])
    assert own.get(f"/review/cases/{world['case_id']}").status_code == 200
    assert own.get(f"/my/applications/{world['case_id']}/documents/{world['document_id']}").status_code == 200


def test_bank_sees_only_approved_cases_of_its_own_bank(app, world, make_user):
    from loans.applications.models import LoanApplication
    from loans.applications.queries import visible_applications
    from loans.db import db

    other_bank = make_user("bank", bank_code="ABC-CZ")
    own_bank = world["users"]["bank"]
    def ids(user):
        return set(db.session.scalars(visible_applications(user).with_only_columns(LoanApplication.id)))

    assert world["case_id"] in ids(own_bank)
    assert world["case_id"] not in ids(other_bank)


def test_bank_clerk_of_another_bank_gets_404_on_loan_routes(app, world, make_user):
    other_bank = client_as(app, make_user("bank", bank_code="ABC-CZ"))
    checked = 0
    for rule in checked_rules(app):
        if "loan_id" not in rule.arguments or "bank" not in (declared_roles(app.view_functions[rule.endpoint]) or ()):
            continue
        url = url_for_rule(rule, world)
        for method in sorted(rule.methods - SKIP_METHODS):
            response = other_bank.open(url, method=method, data={})
            assert response.status_code == 404, f"{method} {url}: {response.status_code}"
            checked += 1
    assert checked >= 7  # the loan page and its six bank actions
    assert client_as(app, world["users"]["bank"]).get(f"/loans/{world['loan_id']}").status_code == 200
