"""Deterministic demo data (SPEC §10 ``demo-data``): a user for every role and about fifty
applications in varied states, each state reached through the real services."""
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

DEMO_PASSWORD = "Demo-Password-2026"
MARKER_EMAIL = "admin@demo.czloans.cn"

STAFF = (
    ("admin", "admin@demo.czloans.cn", "系统管理员 Admin", None, None),
    ("officer", "officer.beihu@demo.czloans.cn", "李信贷 Officer Li (Beihu)", "431002", None),
    ("officer", "officer.suxian@demo.czloans.cn", "周信贷 Officer Zhou (Suxian)", "431003", None),
    ("supervisor", "supervisor.beihu@demo.czloans.cn", "王科长 Supervisor Wang (Beihu)", "431002", None),
    ("supervisor", "supervisor.city@demo.czloans.cn", "陈处长 Supervisor Chen (city-wide)", None, None),
    ("bank", "bank.icbc@demo.czloans.cn", "工行柜员 ICBC clerk", None, "ICBC-CZ"),
    ("finance", "finance@demo.czloans.cn", "财政局 Finance", None, None),
    ("auditor", "auditor@demo.czloans.cn", "审计 Auditor", None, None),
)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ("伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "秀英", "华", "平", "刚", "桂英")
BUSINESSES = ("小吃店", "农家乐", "汽修店", "服装店", "电商工作室", "养殖场", "理发店", "水果店", "设计工作室", "茶叶店")
INDUSTRIES = ("catering", "tourism", "repair", "retail", "e-commerce", "farming", "services", "retail", "design", "retail")
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
    staff = {}
    for role, email, name, district, bank in STAFF:
        staff[email] = create_user(role=role, email=email, password=DEMO_PASSWORD, name=name, district_code=district,
                                   bank_code=bank, check_password=False)
    rng = random.Random(20260101)
    shared_hash = hash_password(DEMO_PASSWORD)
    n = 0
    for status, count in PLAN:
        for _ in range(count):
            n += 1
            _demo_application(n, status, rng, shared_hash, staff)
            progress(1)
    db.session.commit()
    echo("Demo accounts (password for all: %s):" % DEMO_PASSWORD)
    for role, email, name, district, bank in STAFF:
        echo(f"  {role:<10} {email:<38} {district or bank or ''}")
    echo(f"  {'applicant':<10} {'13800000001 … 13800000%03d' % n:<38} (mobile numbers)")
    echo(f"{n} demo applications created.")
    return True


def _demo_application(n: int, status: str, rng: random.Random, password_hash: str, staff: dict) -> None:
    male = n % 2 == 1
    name = SURNAMES[n % len(SURNAMES)] + GIVEN[(n * 7) % len(GIVEN)]
    mobile = f"13800000{n:03d}"
    applicant = User(role="applicant", mobile=mobile, name=name, password_hash=password_hash,
                     locale="zh" if n % 3 else "en")
    db.session.add(applicant)
    db.session.flush()
    district = DISTRICTS[n % len(DISTRICTS)]
    birth = date(1975 + n % 25, 1 + n % 12, 1 + n % 28)
    group = GROUPS[n % len(GROUPS)]
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
    app.preferred_bank_code = BANKS[n % len(BANKS)]
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
            app.application_date = local_today() - timedelta(days=rng.randint(1, 30))
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
            review.decide(app, actor=supervisor, decision=action.value)
    db.session.flush()
