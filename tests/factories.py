"""Test data, built the way the app builds it (factory-boy).

Users and applications go through the real services (``create_user``, the applicant's
steps, the review workflow, ``record_contract``), so every state a test starts from is
one the app can reach. Loans straight from a ledger, and subsidy statements, are plain
rows (``LoanFactory``, ``StatementFactory``) for tests that must not depend on the
servicing, ledger or subsidy services.

Nothing here commits: factories add and flush inside the test's unit of work; the
fixtures in ``tests/conftest.py`` commit afterwards, as a request would.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import factory
from factory.alchemy import SQLAlchemyModelFactory
from sqlalchemy import select
from stdnum.iso7064 import mod_11_2

from loans.applications.models import LoanApplication
from loans.auth.models import User
from loans.db import db, local_today
from loans.servicing.models import FollowUpVisit, Loan, LoanEvent
from loans.subsidy.models import SubsidyLine, SubsidyStatement
from tests.helpers import PASSWORD, verify_evidence


def resident_id(region: str, birth: date, seq: int, male: bool = True) -> str:
    """A valid 18-digit resident ID registered in ``region``, born on ``birth``."""
    body = f"{region}{birth:%Y%m%d}{seq % 100:02d}{(seq // 100) % 5 * 2 + (1 if male else 0)}"
    return body + mod_11_2.calc_check_digit(body)


class _CountsFromOne:
    """Sequences start at 1 (names such as 申请人1), as the fixtures always did."""

    @classmethod
    def _setup_next_sequence(cls):
        return 1


# --- users -------------------------------------------------------------------------------

class UserFactory(_CountsFromOne, factory.Factory):
    """A user created by ``auth.services.create_user`` (flushed, not committed)."""

    class Meta:
        model = User

    role = "applicant"
    email = factory.LazyAttributeSequence(lambda o, n: f"{o.role}{n}@example.cn")
    password = PASSWORD
    name = ""
    district_code = factory.LazyAttribute(lambda o: "431002" if o.role == "officer" else None)
    bank_code = factory.LazyAttribute(lambda o: "ICBC-CZ" if o.role == "bank" else None)

    @classmethod
    def _create(cls, model_class, **kwargs):
        from loans.auth.services import create_user

        return create_user(check_password=False, **kwargs)


class ApplicantFactory(UserFactory):
    role = "applicant"


class OfficerFactory(UserFactory):
    """An officer of 北湖区 431002 unless ``district_code`` says otherwise."""
    role = "officer"


class SupervisorFactory(UserFactory):
    """City-wide unless given a ``district_code``."""
    role = "supervisor"


class BankClerkFactory(UserFactory):
    """A clerk of ICBC-CZ unless given a ``bank_code``."""
    role = "bank"


class FinanceFactory(UserFactory):
    role = "finance"


class AuditorFactory(UserFactory):
    role = "auditor"


class AdminFactory(UserFactory):
    role = "admin"


class MobileApplicantFactory(_CountsFromOne, SQLAlchemyModelFactory):
    """An applicant who registered with a mobile number only (no email)."""

    class Meta:
        model = User
        sqlalchemy_session = db.session
        sqlalchemy_session_persistence = "flush"

    role = "applicant"
    mobile = factory.Sequence(lambda n: f"139{n:08d}")
    name = factory.Sequence(lambda n: f"申请人{n}")
    password_hash = "x"


# --- applications ------------------------------------------------------------------------

# The services each status is reached through, from a submitted case.
PATHS = {
    "submitted": (),
    "under_review": ("take",),
    "info_requested": ("take", "request_info"),
    "recommended": ("take", "recommend"),
    "approved": ("take", "recommend", "approve"),
    "rejected": ("take", "recommend", "reject"),
    "withdrawn": ("withdraw",),
}


def _actor(role: str, district: str | None) -> User:
    """The officer of a district (or the city-wide supervisor) who works the cases nobody
    else was named for: one per database, made on first use."""
    name = f"{role} {district}"
    user = db.session.scalar(db.select(User).where(User.name == name))
    return user or UserFactory(role=role, district_code=district, name=name)


class ApplicationFactory(_CountsFromOne, factory.Factory):
    """ApplicationFactory(status="submitted", **fields) → a LoanApplication in ``status``,
    filled in by its applicant and walked there through the real services.

    ``officer``/``supervisor`` default to one officer per district and one city-wide
    supervisor; ``verified`` records the evidence checks when the officer takes the case;
    ``email=False`` makes an applicant with a mobile number only."""

    class Meta:
        model = LoanApplication

    class Params:
        n = factory.Sequence(lambda n: n)

    status = "submitted"
    district = "431002"
    name = factory.LazyAttribute(lambda o: f"申请人{o.n}")
    business = factory.LazyAttribute(lambda o: f"测试小店{o.n}")
    amount = Decimal("100000")
    term_months = 24
    bank = "ICBC-CZ"
    group = "urban_unemployed"
    loan_type = "individual"
    submitted_at = None
    application_date = None
    email = True
    officer = None
    supervisor = None
    birth = None
    male = True
    verified = False
    seq = factory.SelfAttribute("n")

    @classmethod
    def _create(cls, model_class, *, status, district, name, business, amount, term_months, bank, group, loan_type,
                submitted_at, application_date, email, officer, supervisor, birth, male, verified, seq):
        from loans.applications import services as app_services
        from loans.applications.models import ApplicationKeyGroup
        from loans.core.workflow import Action
        from loans.eligibility.services import evaluate_case
        from loans.review import services as review

        n = seq
        applicant = ApplicantFactory(name=name) if email else MobileApplicantFactory(name=name, mobile=f"139{n:08d}")
        application = app_services.start_application(applicant)
        app_services._set_id_number(application, resident_id(district, birth or date(1985, 1 + n % 12, 1 + n % 28),
                                                              n, male))
        application.full_name = name
        application.mobile = f"138{n:08d}"
        application.household_district_code = district
        application.education = "senior_high"
        application.key_group_links.append(ApplicationKeyGroup(key_group_code=group))
        application.loan_type = loan_type
        application.business_name = business
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
            application.application_date = application_date or local_today()
            evaluate_case(application, trigger="submission", actor=applicant)
            app_services.transition(application, Action.submit, actor=applicant)
        off = officer or _actor("officer", district)
        sup = supervisor or _actor("supervisor", None)
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
                if step == "approve":
                    ensure_test_fund()
                review.decide(application, actor=sup, decision=step)
            elif step == "withdraw":
                app_services.withdraw_application(application, actor=applicant)
        db.session.flush()
        return application


TEST_FUND_VOUCHER = "TEST-FUND"


def ensure_test_fund() -> None:
    """A guarantee fund of ¥10,000,000,000 since 2000 (once), so that the approvals tests make
    pass the fund check; tests/fund/ builds its own fund and sees this one only when it
    approves cases through these factories."""
    from loans.fund.models import FundMovement

    if db.session.scalar(select(FundMovement.id).where(FundMovement.voucher_no == TEST_FUND_VOUCHER)) is None:
        db.session.add(FundMovement(moved_on=date(2000, 1, 1), kind="deposit", amount=Decimal("10000000000.00"),
                                    voucher_no=TEST_FUND_VOUCHER, source="cli"))
        db.session.flush()


def recommended_case(decision: str = "approve", **fields) -> LoanApplication:
    """A case its officer recommended to approve (with conditions) or to reject."""
    from loans.review import services as review

    application = ApplicationFactory(status="under_review", **fields)
    officer = application.assigned_officer
    if decision == "approve":
        verify_evidence(application, officer)
        review.recommend(application, actor=officer, decision="approve", amount=application.amount,
                         term_months=application.term_months, bank_code=application.preferred_bank_code,
                         conditions="按月报送经营情况。")
    else:
        review.recommend(application, actor=officer, decision="reject", failed_rules=["E07"],
                         explanation="配偶有未结清的经营贷款。")
    return application


def approved_case(decided_on: date | None = None, **fields) -> LoanApplication:
    """An approved case, its decision moved to ``decided_on`` (valid 90 days from it) so
    that contracts can be dated in the past."""
    case = ApplicationFactory(status="approved", **fields)
    if decided_on is not None:
        case.decision_on = decided_on
        case.valid_until_date = decided_on + timedelta(days=90)
        db.session.flush()
    return case


class ContractedLoanFactory(factory.Factory):
    """ContractedLoanFactory(clerk=…, contract_date=…, rate=…, **case fields) → a Loan in
    ``contracted``: an approved case (decided five days earlier) whose contract the bank's
    clerk recorded through ``servicing.services.record_contract``."""

    class Meta:
        model = Loan

    clerk = factory.SubFactory(BankClerkFactory)
    contract_date = date(2025, 1, 15)
    rate = "3.50"
    amount = "100000"
    term_months = 24

    @classmethod
    def _create(cls, model_class, *, clerk, contract_date, rate, amount, term_months, **case_fields):
        from loans.servicing import services

        case = approved_case(decided_on=contract_date - timedelta(days=5), **case_fields)
        loan, _ = services.record_contract(case, services.ContractTerms(
            contract_no=f"C-{case.id}", contract_date=contract_date, amount=Decimal(amount), term_months=term_months,
            contract_rate=Decimal(rate)), actor=clerk)
        return loan


# --- loans as a ledger has them, and statements -----------------------------------------

class LoanFactory(_CountsFromOne, SQLAlchemyModelFactory):
    """LoanFactory(loan_ref, events=[(date, kind, amount or None)], visits=[(date, owners,
    employees with contracts)], **fields) → a flushed ledger Loan; its first disbursement
    comes from the events."""

    class Meta:
        model = Loan
        sqlalchemy_session = db.session
        sqlalchemy_session_persistence = "flush"

    class Params:
        n = factory.Sequence(lambda n: n)
        district = "431002"

    loan_ref = factory.LazyAttribute(lambda o: f"T-{o.n:05d}")
    source = "ledger"
    status = "active"
    borrower_name = factory.LazyAttribute(lambda o: f"借款人{o.n}")
    id_number = factory.LazyAttribute(lambda o: f"{o.district}19900101{o.n % 1000:03d}"
                                      + mod_11_2.calc_check_digit(f"{o.district}19900101{o.n % 1000:03d}"))
    id_number_hash = factory.LazyAttribute(lambda o: _vault().lookup_hash(o.id_number))
    id_number_masked = factory.LazyAttribute(lambda o: _mask(o.id_number))
    key_group_code = "urban_unemployed"
    district_code = factory.SelfAttribute("district")
    business_name = factory.LazyAttribute(lambda o: f"小店{o.n}")
    loan_type = "individual"
    partners = 1
    jobs_declared = 1
    bank_code = "ICBC-CZ"
    contract_no = factory.LazyAttribute(lambda o: f"C-{o.loan_ref}")
    contract_date = date(2021, 6, 10)
    amount = Decimal("200000")
    contract_rate = Decimal("4.35")
    lpr_rate = Decimal("3.85")
    term_months = 36
    maturity_date = date(2024, 6, 15)
    policy_code = "HN-2021"
    events = ((date(2021, 6, 15), "disbursement", "200000"),)
    visits = ()

    @classmethod
    def _create(cls, model_class, *args, events, visits, **kwargs):
        disbursed = [on for on, kind, _ in events if kind == "disbursement"]
        kwargs.setdefault("first_disbursement_date", min(disbursed) if disbursed else None)
        loan = super()._create(model_class, *args, **kwargs)
        seen: dict = {}
        for on, kind, value in events:
            key = (on, kind, value)
            seen[key] = seen.get(key, 0) + 1
            db.session.add(LoanEvent(loan_id=loan.id, event_on=on, kind=kind,
                                     amount=Decimal(value) if value is not None else None, occurrence=seen[key]))
        for on, owners, employees in visits:
            db.session.add(FollowUpVisit(loan_id=loan.id, visited_on=on, owners=owners,
                                         employees_with_contracts=employees))
        db.session.flush()
        return loan


class ProgrammeLoanFactory(LoanFactory):
    """A loan of the reports' small worlds: every borrower counts as a different person
    (own lookup hash), an enterprise has no key group."""

    class Params:
        key_group = "graduate"

    borrower_name = factory.LazyAttribute(lambda o: f"借款人{o.n}")
    id_number = "431002199001011237"
    id_number_hash = factory.LazyAttribute(lambda o: f"hash{o.n}")
    id_number_masked = "431002********1237"
    key_group_code = factory.LazyAttribute(lambda o: None if o.loan_type == "enterprise" else o.key_group)
    business_name = factory.LazyAttribute(lambda o: f"生意{o.n}")
    contract_no = factory.LazyAttribute(lambda o: f"C{o.n}")
    contract_date = date(2020, 1, 1)
    amount = Decimal("5000000")
    maturity_date = date(2024, 1, 1)
    events = ()


def _vault():
    from loans.personal_data import vault

    return vault()


def _mask(id_number: str) -> str:
    from loans.core.resident_id import mask

    return mask(id_number)


class StatementFactory(SQLAlchemyModelFactory):
    """StatementFactory(bank_code=…, period=…, status=…, lines=[(loan, subsidy)]) → a
    flushed statement whose total is the sum of its lines."""

    class Meta:
        model = SubsidyStatement
        sqlalchemy_session = db.session
        sqlalchemy_session_persistence = "flush"

    period = "2021Q1"
    bank_code = "ICBC-CZ"
    status = "draft"
    paid_on = None
    version = 1
    lines = ()

    @classmethod
    def _create(cls, model_class, *args, lines, **kwargs):
        statement = model_class(total=sum((Decimal(s) for _, s in lines), Decimal("0.00")), line_count=len(lines),
                                **kwargs)
        for loan, subsidy in lines:
            statement.lines.append(SubsidyLine(
                loan_id=loan.id, loan_ref=loan.loan_ref, borrower_masked="借*", policy_code="HN-2021",
                contract_rate=Decimal("4.35"), lpr_rate=Decimal("3.85"), subsidy_rate=Decimal("2.00"),
                subsidised_days=90, balance_days=Decimal("1000.00"), subsidy=Decimal(subsidy),
                interest=Decimal("1.00")))
        db.session.add(statement)
        db.session.flush()
        return statement


def reset_sequences() -> None:
    """Numbering starts again at 1 in every test, as each test's database starts empty."""
    for f in (UserFactory, MobileApplicantFactory, ApplicationFactory, LoanFactory):
        f.reset_sequence(1, force=True)
