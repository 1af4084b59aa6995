"""Deterministic demo data (SPEC §10 ``demo-data``): a user for every role, about fifty
applications in varied states and a few loans of the demo bank (ICBC-CZ) in every loan
state with disbursements and repayments across 2025–2026, each state reached through the
real services, and subsidy statements for every finished period (paid, approved, reviewed, draft)."""
from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from stdnum.iso7064 import mod_11_2

from .applications import services as app_services
from .applications.models import ApplicationKeyGroup
from .auth.models import User
from .auth.passwords import hash_password
from .auth.services import create_user
from .core.workflow import Action
from .db import db, local_today
from .subsidy.models import SubsidyStatement
from .unit_of_work import unit_of_work

DEMO_PASSWORD = "Demo-Password-2026"
MARKER_EMAIL = "admin@demo.czloans.cn"

STAFF = (
    ("admin", "admin@demo.czloans.cn", "系统管理员", None, None),
    ("officer", "officer.beihu@demo.czloans.cn", "李信贷", "431002", None),
    ("officer", "officer.suxian@demo.czloans.cn", "周信贷", "431003", None),
    ("supervisor", "supervisor.beihu@demo.czloans.cn", "王科长", "431002", None),
    ("supervisor", "supervisor.city@demo.czloans.cn", "陈处长", None, None),
    ("bank", "bank.icbc@demo.czloans.cn", "张柜员", None, "ICBC-CZ"),
    ("finance", "finance@demo.czloans.cn", "刘会计", None, None),
    ("auditor", "auditor@demo.czloans.cn", "赵审计", None, None),
    ("community", "community.beihu@demo.czloans.cn", "孙社区", "431002", None),
)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ("伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "秀英", "华", "平", "刚", "桂英")
BUSINESSES = ("小吃店", "农家乐", "汽修店", "服装店", "电商工作室", "养殖场", "理发店", "水果店", "设计工作室", "茶叶店")
INDUSTRIES = ("餐饮", "乡村旅游", "汽车维修", "零售", "电子商务", "养殖", "生活服务", "零售", "设计", "零售")
GROUPS = ("urban_unemployed", "graduate", "veteran", "returning_migrant", "retired_fisherman", "disabled",
          "rural_self_employed", "employment_difficulty")
DISTRICTS = ("431002", "431003", "431021", "431022", "431081", "431002", "431003")
BANKS = ("ICBC-CZ", "ABC-CZ", "CZRCB", "PSBC-CZ")
# (status reached, how many)
PLAN = (("draft", 6), ("submitted", 10), ("under_review", 8), ("info_requested", 5), ("recommended", 7),
        ("approved", 6), ("rejected", 4), ("withdrawn", 4))
PATHS = {
    "draft": (),
    "submitted": (Action.submit,),
    "under_review": (Action.submit, Action.take),
    "info_requested": (Action.submit, Action.take, Action.request_info),
    "recommended": (Action.submit, Action.take, Action.recommend),
    "approved": (Action.submit, Action.take, Action.recommend, Action.approve),
    "rejected": (Action.submit, Action.take, Action.recommend, Action.reject),
    "withdrawn": (Action.submit, Action.withdraw),
}


# Loans of the demo bank, from cases approved a week before the contract:
# (final state, contract date, amount, term months, contract rate, district, events).
# Events: (kind, date, amount — or the new maturity date for an extension, or for "claim" the
# state the bank's compensation claim filed that day reaches: filed, checked, approved or paid).
D = date.fromisoformat
LOAN_PLAN = (
    ("contracted", D("2026-11-02"), 150000, 24, "3.50", "431002", ()),
    ("active", D("2025-03-10"), 200000, 36, "3.50", "431002", (
        ("disbursement", D("2025-03-15"), 120000), ("disbursement", D("2025-05-20"), 80000),
        ("repayment", D("2025-09-20"), 20000), ("repayment", D("2025-12-20"), 20000),
        ("repayment", D("2026-03-20"), 20000), ("repayment", D("2026-06-20"), 20000),
        ("repayment", D("2026-09-20"), 20000))),
    ("active", D("2025-07-01"), 100000, 24, "4.80", "431003", (
        ("disbursement", D("2025-07-05"), 100000), ("repayment", D("2025-12-20"), 25000),
        ("repayment", D("2026-06-20"), 25000))),
    ("active", D("2025-05-06"), 60000, 24, "3.45", "431002", (
        ("disbursement", D("2025-05-08"), 60000), ("overdue_start", D("2025-08-01"), None),
        ("claim", D("2025-11-03"), "filed"),  # cancelled by the end of the overdue period
        ("overdue_end", D("2025-12-01"), None), ("repayment", D("2026-03-20"), 10000))),
    ("overdue", D("2025-04-10"), 150000, 24, "3.50", "431003", (
        ("disbursement", D("2025-04-15"), 150000), ("repayment", D("2025-10-15"), 30000),
        ("overdue_start", D("2026-08-01"), None), ("claim", D("2026-11-02"), "approved"))),
    ("extended", D("2025-01-08"), 100000, 12, "3.60", "431002", (
        ("disbursement", D("2025-01-10"), 100000), ("repayment", D("2025-07-10"), 50000),
        ("extension", D("2025-12-20"), D("2026-12-31")))),
    ("settled", D("2025-02-05"), 80000, 12, "3.50", "431003", (
        ("disbursement", D("2025-02-10"), 80000), ("repayment", D("2025-08-10"), 40000),
        ("repayment", D("2026-02-05"), 40000))),
    ("compensated", D("2025-02-20"), 100000, 12, "3.50", "431002", (
        ("disbursement", D("2025-02-25"), 100000), ("repayment", D("2025-08-25"), 20000),
        ("overdue_start", D("2026-02-21"), None), ("claim", D("2026-05-22"), "paid"))),
    ("active", D("2026-03-02"), 200000, 36, "3.50", "431002", (("disbursement", D("2026-03-05"), 200000),)),
    ("active", D("2026-07-10"), 150000, 24, "3.45", "431003", (
        ("disbursement", D("2026-07-15"), 100000), ("disbursement", D("2026-08-14"), 50000))),
    ("declined", D("2026-11-10"), 100000, 24, "", "431003", ()),
    ("overdue", D("2025-06-02"), 120000, 24, "3.50", "431002", (
        ("disbursement", D("2025-06-05"), 120000), ("repayment", D("2025-12-05"), 20000),
        ("overdue_start", D("2026-07-01"), None), ("claim", D("2026-10-08"), "filed"))),
    ("overdue", D("2025-03-03"), 90000, 24, "3.45", "431002", (
        ("disbursement", D("2025-03-05"), 90000), ("overdue_start", D("2026-06-01"), None),
        ("claim", D("2026-09-01"), "checked"))),
)


def make_resident_id(region: str, birth: date, seq: int, male: bool) -> str:
    body = f"{region}{birth:%Y%m%d}{seq % 100:02d}{(seq % 5) * 2 + (1 if male else 0)}"
    return body + mod_11_2.calc_check_digit(body)


def demo_data_present() -> bool:
    return db.session.scalar(select(User.id).where(User.email == MARKER_EMAIL)) is not None


def load_demo_data(echo=print, progress=lambda done: None) -> bool:
    """Returns False (and changes nothing) when the demo data is already there.
    ``progress(n)`` is called after each case, for a progress bar."""
    if demo_data_present():
        return False
    with unit_of_work():  # stored before the accounts are printed
        staff = {}
        for role, email, name, district, bank in STAFF:
            staff[email] = create_user(role=role, email=email, password=DEMO_PASSWORD, name=name,
                                       district_code=district, bank_code=bank, check_password=False)
        _demo_fund(staff)
        _demo_rosters()
        rng = random.Random(20260101)
        shared_hash = hash_password(DEMO_PASSWORD)
        n = 0
        for status, count in PLAN:
            for _ in range(count):
                n += 1
                _demo_application(n, status, rng, shared_hash, staff)
                progress(1)
        for plan in LOAN_PLAN:
            n += 1
            _demo_loan(n, plan, rng, shared_hash, staff)
        _demo_statements(staff)
    echo("Demo accounts (password for all: %s):" % DEMO_PASSWORD)
    for role, email, name, district, bank in STAFF:
        echo(f"  {role:<10} {email:<38} {district or bank or ''}")
    echo(f"  {'applicant':<10} {'13800000001 … 13800000%03d' % n:<38} (mobile numbers)")
    echo(f"{n} demo applications created, {len(LOAN_PLAN) - 1} of them with a loan of ICBC-CZ.")
    return True


DEMO_FUND = (  # (date, kind, amount, voucher, bank, district): the fund's history as finance entered it
    ("2019-01-10", "deposit", "20000000", "郴财社〔2019〕3号", None, None),
    ("2021-03-01", "deposit", "5000000", "郴财社〔2021〕11号", "ICBC-CZ", None),
    ("2023-06-15", "deposit", "3000000", "郴财社〔2023〕27号", None, "431022"),
    ("2024-12-31", "interest", "412345.67", "利息-2024", None, None),
    ("2025-12-31", "interest", "398765.43", "利息-2025", None, None),
)


def _demo_fund(staff: dict) -> None:
    """The guarantee fund (SPEC §13) behind the demo's loans: approvals pass its check."""
    from .fund.models import FundMovement

    finance = staff["finance@demo.czloans.cn"]
    for on, kind, amount, voucher, bank, district in DEMO_FUND:
        db.session.add(FundMovement(moved_on=date.fromisoformat(on), kind=kind, amount=Decimal(amount),
                                    voucher_no=voucher, bank_code=bank, district_code=district, source="page",
                                    recorded_by_id=finance.id))
    db.session.flush()


def _demo_statements(staff: dict) -> None:
    """Subsidy statements for every finished period of the demo loans, through the real
    services: the last period left as a draft for finance to work on, the one before it
    reviewed, the one before approved, older ones paid 30 days after the period."""
    from .core.dates import period_of, quarter_period
    from .subsidy import services as subsidy

    finance, chief = staff["finance@demo.czloans.cn"], staff["supervisor.city@demo.czloans.cn"]
    today = local_today()
    first = min(plan[1] for plan in LOAN_PLAN)
    periods, period = [], period_of(first)
    while quarter_period(period)[1] < today:
        periods.append(period)
        period = period_of(quarter_period(period)[1] + timedelta(days=1))
    for age, period in enumerate(reversed(periods)):
        subsidy.compute_period_subsidy(period, finance, today=today)
        if age == 0:
            continue
        paid_on = quarter_period(period)[1] + timedelta(days=30)
        for statement in db.session.scalars(select(SubsidyStatement).where(SubsidyStatement.period == period)):
            subsidy.review_statement(statement, actor=chief)
            if age >= 2:
                subsidy.approve_statement(statement, actor=finance)
                if age >= 3 and paid_on <= today:
                    subsidy.pay_statement(statement, actor=finance, paid_on=paid_on,
                                          voucher_no=f"CZCZ-{period}-{statement.bank_code}")


def _demo_loan(n: int, plan, rng: random.Random, password_hash: str, staff: dict) -> None:
    """A case approved a week before its contract, then contracted (or declined) and
    serviced by the demo bank clerk through the servicing services."""
    from .servicing import services as servicing

    state, contract_on, amount, term, rate, district, events = plan
    clerk = staff["bank.icbc@demo.czloans.cn"]
    app = _demo_application(n, "approved", rng, password_hash, staff, decided_on=contract_on - timedelta(days=7),
                            bank="ICBC-CZ", amount=Decimal(amount), term_months=term, district=district)
    if state == "declined":
        servicing.decline_case(app, actor=clerk, reason="担保机构审查未通过：经营场所租赁合同不足一年。")
        return
    loan, _ = servicing.record_contract(app, servicing.ContractTerms(
        contract_no=f"ICBC-CZ-{contract_on:%Y}-{n:04d}", contract_date=contract_on, amount=Decimal(amount),
        term_months=term, contract_rate=Decimal(rate)), actor=clerk)
    for kind, on, value in events:
        if kind == "extension":
            servicing.record_extension(loan, actor=clerk, on=on, new_maturity_date=value, expected_version=None)
        elif kind == "claim":
            _demo_claim(loan, on, value, staff)
        elif kind in ("overdue_start", "overdue_end"):
            recorder = servicing.record_overdue_start if kind == "overdue_start" else servicing.record_overdue_end
            recorder(loan, actor=clerk, on=on, expected_version=None)
        else:
            recorder = {"disbursement": servicing.record_disbursement, "repayment": servicing.record_repayment}[kind]
            recorder(loan, actor=clerk, on=on, amount=Decimal(value), expected_version=None)
    if state in ("active", "extended") and district == "431002":
        servicing.record_visit(loan, actor=staff["officer.beihu@demo.czloans.cn"],
                               visited_on=contract_on + timedelta(days=120), owners=1,
                               employees=app.planned_jobs - 1, note="经营正常，员工均已签订劳动合同。")
    assert loan.status == state, (loan.loan_ref, loan.status, state)


def _demo_claim(loan, on: date, state: str, staff: dict) -> None:
    """The bank's compensation claim filed ``on``, taken through the claim services as far as
    ``state``: checked by the district's officer, approved by the city-wide supervisor, paid
    by finance two weeks later (with a recovery a hundred days after that)."""
    from .fund import claims

    clerk = staff["bank.icbc@demo.czloans.cn"]
    claim = claims.file_claim(loan, on, clerk, note="逾期超过九十天，申请担保基金代偿。")
    if state == "filed":
        return
    officer = staff["officer.beihu@demo.czloans.cn" if loan.district_code == "431002" else
                    "officer.suxian@demo.czloans.cn"]
    claims.check_claim(claim, actor=officer, note="逾期记录、余额与利息已与银行台账核对一致。")
    if state == "checked":
        return
    claims.approve_claim(claim, actor=staff["supervisor.city@demo.czloans.cn"])
    if state == "approved":
        return
    paid_on = on + timedelta(days=14)
    claims.pay_claim(claim, paid_on=paid_on, voucher_no=f"DC-{paid_on:%Y}-{loan.id:04d}",
                     actor=staff["finance@demo.czloans.cn"])
    claims.record_recovery(claim, paid_on + timedelta(days=100), Decimal("5000"), clerk,
                           bank_ref=f"ICBC-ZC-{loan.id:04d}", note="借款人变卖设备后部分归还。")


def _demo_person(n: int) -> tuple[str, bool, str, date, str]:
    """Demo applicant ``n``: name, male, district, birth date, key group."""
    return (SURNAMES[n % len(SURNAMES)] + GIVEN[(n * 7) % len(GIVEN)], n % 2 == 1, DISTRICTS[n % len(DISTRICTS)],
            date(1975 + n % 25, 1 + n % 12, 1 + n % 28), GROUPS[n % len(GROUPS)])


# Demo applicants on a registry roster of their key group (SPEC §15): a draft (its upload
# optional) and two cases under review (the case page shows the roster hit).
DEMO_ROSTERED = (2, 18, 24)


def _demo_rosters() -> None:
    from .rosters.services import import_roster

    as_of, until = local_today() - timedelta(days=60), local_today() + timedelta(days=365)
    rows: dict[str, list[str]] = {}
    for n in DEMO_ROSTERED:
        name, male, district, birth, group = _demo_person(n)
        rows.setdefault(group, []).append(f"{make_resident_id(district, birth, n, male)},{name},{as_of},{until}")
    for kind, lines in rows.items():
        import_roster(kind, f"demo-{kind}.csv", "\n".join(["id_number,name,as_of,valid_until", *lines]).encode())


def _demo_application(n: int, status: str, rng: random.Random, password_hash: str, staff: dict, *,
                      decided_on: date | None = None, bank: str | None = None, amount: Decimal | None = None,
                      term_months: int | None = None, district: str | None = None):
    name, male, district_of_n, birth, group = _demo_person(n)
    mobile = f"13800000{n:03d}"
    applicant = User(role="applicant", mobile=mobile, name=name, password_hash=password_hash,
                     locale="zh" if n % 3 else "en")
    db.session.add(applicant)
    db.session.flush()
    district = district or district_of_n
    app = app_services.start_application(applicant)
    app_services._set_id_number(app, make_resident_id(district, birth, n, male))
    app.full_name = name
    app.mobile = mobile
    app.household_district_code = district
    app.education = "bachelor" if group == "graduate" else "senior_high"
    if group == "graduate":
        app.graduation_date = date(2022, 6, 30)
    app.key_group_links.append(ApplicationKeyGroup(key_group_code=group))
    kind = BUSINESSES[n % len(BUSINESSES)]
    app.loan_type = "individual"
    app.business_name = f"{name}{kind}"
    app.district_code = district
    app.business_address = f"郴州市{n}号"
    app.industry = INDUSTRIES[n % len(INDUSTRIES)]
    app.business_start_date = date(2026, 1 + n % 10, 1)
    app.current_staff = rng.randint(0, 6)
    app.planned_jobs = app.current_staff + rng.randint(1, 4)
    app.amount = Decimal(rng.choice((50000, 80000, 100000, 150000, 200000, 300000)))
    app.term_months = rng.choice((12, 24, 36))
    app.purpose = "购置设备和原材料"
    app.preferred_bank_code = bank or BANKS[n % len(BANKS)]
    if amount is not None:
        app.amount, app.term_months = amount, term_months
    app.declares_no_other_loans = True
    app.consents_credit_check = True
    app.declares_truthful = True
    app.current_step = "review"
    officer = staff["officer.beihu@demo.czloans.cn"] if district == "431002" else staff["officer.suxian@demo.czloans.cn"]
    supervisor = staff["supervisor.city@demo.czloans.cn"]
    from .eligibility.services import evaluate_case
    from .review import services as review

    for action in PATHS[status]:
        if action is Action.submit:
            app.submitted_at = app.created_at - timedelta(days=rng.randint(1, 30))
            app.application_date = (decided_on or local_today()) - timedelta(days=rng.randint(1, 30))
            evaluate_case(app, trigger="submission", actor=applicant)
            app_services.transition(app, action, actor=applicant)
        elif action is Action.withdraw:
            app_services.withdraw_application(app, actor=applicant, reason="计划有变")
        elif action is Action.take:
            review.take_case(app, actor=officer)
        elif action is Action.request_info:
            review.request_info(app, actor=officer, message="请补充上传营业执照。", documents=["business_licence"])
        elif action is Action.recommend:
            if status == "rejected":
                review.recommend(app, actor=officer, decision="reject", failed_rules=["E07"],
                                 explanation="申请人配偶有未结清的经营贷款，不符合条件。")
            else:
                for rule_id, note in (("E08", "征信报告无不良记录"), ("E12", "社保记录显示无固定工作")):
                    review.record_evidence(app, actor=officer, rule_id=rule_id, verified=True, note=note)
                review.recommend(app, actor=officer, decision="approve", amount=app.amount,
                                 term_months=app.term_months, bank_code=app.preferred_bank_code,
                                 conditions="按月报送经营情况。")
        elif action in (Action.approve, Action.reject):
            review.decide(app, actor=supervisor, decision=action.value, on=decided_on)
    db.session.flush()
    return app
