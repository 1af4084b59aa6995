"""Cases in a chosen state, built through the real services (as the demo data is)."""
from __future__ import annotations

import itertools
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
from stdnum.iso7064 import mod_11_2

from tests.conftest import login
from tests.helpers import verify_evidence

PASSWORD = "Correct-Horse-42"
PATHS = {
    "submitted": (),
    "under_review": ("take",),
    "info_requested": ("take", "request_info"),
    "recommended": ("take", "recommend"),
    "approved": ("take", "recommend", "approve"),
    "rejected": ("take", "recommend", "reject"),
    "withdrawn": ("withdraw",),
}


def resident_id(region: str, birth: date, seq: int, male: bool = True) -> str:
    body = f"{region}{birth:%Y%m%d}{seq % 100:02d}{(seq // 100) % 5 * 2 + (1 if male else 0)}"
    return body + mod_11_2.calc_check_digit(body)


@pytest.fixture
def staff(make_user):
    """staff(role, district_code=…, bank_code=…, name=…) → a committed user."""
    def make(role, **kwargs):
        return make_user(role, **kwargs)

    return make


@pytest.fixture
def make_case(app, make_user):
    """make_case(status="submitted", **fields) → a LoanApplication reached through the services."""
    from loans.applications import services as app_services
    from loans.applications.models import ApplicationKeyGroup
    from loans.auth.models import User
    from loans.core.workflow import Action
    from loans.db import db
    from loans.eligibility.services import evaluate_case
    from loans.review import services as review

    counter = itertools.count(1)
    actors: dict = {}

    def actor(role, district):
        key = (role, district)
        if key not in actors:
            actors[key] = make_user(role, district_code=district, name=f"{role} {district}")
        return actors[key]

    def make(status="submitted", *, district="431002", name=None, business=None, amount=Decimal("100000"),
             term_months=24, bank="ICBC-CZ", group="urban_unemployed", loan_type="individual",
             submitted_at=None, application_date=None, email=True, officer=None, supervisor=None,
             birth=None, male=True, verified=False):
        n = next(counter)
        applicant = (make_user("applicant", name=name or f"申请人{n}") if email else
                     User(role="applicant", mobile=f"139{n:08d}", name=name or f"申请人{n}", password_hash="x"))
        if not email:
            db.session.add(applicant)
            db.session.flush()
        application = app_services.start_application(applicant)
        app_services._set_id_number(application, resident_id(district, birth or date(1985, 1 + n % 12, 1 + n % 28), n, male))
        application.full_name = name or f"申请人{n}"
        application.mobile = f"138{n:08d}"
        application.household_district_code = district
        application.education = "senior_high"
        application.key_group_links.append(ApplicationKeyGroup(key_group_code=group))
        application.loan_type = loan_type
        application.business_name = business or f"测试小店{n}"
        application.district_code = district
        application.business_address = f"郴州市测试路{n}号"
        application.industry = "retail"
        application.business_start_date = date(2026, 1, 1)
        application.current_staff = 2
        application.planned_jobs = 4
        application.amount = Decimal(amount)
        application.term_months = term_months
        application.purpose = "购置设备"
        application.preferred_bank_code = bank
        application.declares_no_other_loans = True
        application.consents_credit_check = True
        application.declares_truthful = True
        application.current_step = "review"
        if status != "draft":
            application.submitted_at = submitted_at or datetime.now(timezone.utc)
            application.application_date = application_date or date.today()
            evaluate_case(application, trigger="submission", actor=applicant)
            app_services.transition(application, Action.submit, actor=applicant)
        off = officer or actor("officer", district)
        sup = supervisor or actor("supervisor", None)
        for step in PATHS.get(status, ()):
            if step == "take":
                review.take_case(application, actor=off)
                if verified:
                    verify_evidence(application, off)
            elif step == "request_info":
                review.request_info(application, actor=off, message="请补充营业执照", documents=["business_licence"])
            elif step == "recommend":
                if status == "rejected":
                    review.recommend(application, actor=off, decision="reject", failed_rules=["E07"],
                                     explanation="配偶有未结清经营贷款")
                else:
                    verify_evidence(application, off)
                    review.recommend(application, actor=off, decision="approve", amount=application.amount,
                                     term_months=application.term_months, bank_code=application.preferred_bank_code)
            elif step in ("approve", "reject"):
                review.decide(application, actor=sup, decision=step)
            elif step == "withdraw":
                app_services.withdraw_application(application, actor=applicant)
        db.session.commit()
        return application

    return make


class OwnUserClient(FlaskClient):
    """A test client whose requests never see another client's user.

    The ``app`` fixture keeps an application context pushed, so requests made from the
    test thread share its ``g`` — and Flask-Login caches the current user there. Several
    clients in one test (officer, supervisor, applicant) would otherwise act as whoever
    logged in last."""

    def open(self, *args, **kwargs):
        if has_app_context():
            g.pop("_login_user", None)
        return super().open(*args, **kwargs)


def client_for(app, user):
    """A fresh test client logged in as ``user``."""
    c = OwnUserClient(app, app.response_class, use_cookies=True)
    c.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = login(c, user, PASSWORD)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return c


@pytest.fixture
def as_user(app):
    return lambda user: client_for(app, user)
