"""A deterministic data set of N applications, bulk-inserted with SQLAlchemy Core.

Same seed → same people, IDs, statuses, dates and audit trail (Fernet ciphertexts differ:
they carry a random IV). Rows go through the models' tables, so the column types do the
work the app relies on: ``EncryptedText`` encrypts the resident ID with the app's
personal-data vault, ``Money`` stores fen, ``UTCDateTime`` stores UTC.

Per application: one applicant user (shared precomputed password hash), one key group,
for submitted cases one eligibility snapshot (the engine's real rule list, computed once),
and the audit events of the path that led to its status (create, submit, take, …), so the
applicant's timeline and the officer's queue look like production.
"""
from __future__ import annotations

import json
import random
import sys
import time
from dataclasses import asdict
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import func, insert, select
from stdnum.cn import uscc
from stdnum.iso7064 import mod_11_2

from loans.core.audit_chain import GENESIS, row_hash
from loans.core.resident_id import mask

SEED = 20260101
ANCHOR = datetime(2026, 10, 31, 9, 0, tzinfo=timezone.utc)  # "now" of the data set: fixed, not today
TWO_YEARS = 730

DISTRICTS = ("431002", "431003", "431021", "431022", "431023", "431024", "431025", "431026", "431027",
             "431028", "431081")
# Urban districts get more cases than the counties.
DISTRICT_WEIGHTS = (16, 14, 9, 8, 9, 7, 7, 7, 6, 7, 10)
BANKS = ("ICBC-CZ", "ABC-CZ", "CZRCB", "PSBC-CZ")
GROUPS = ("urban_unemployed", "graduate", "veteran", "returning_migrant", "retired_fisherman", "disabled",
          "rural_self_employed", "employment_difficulty", "online_merchant", "poverty_alleviated")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ("伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "秀英", "华", "平", "刚",
         "桂英")
BUSINESSES = ("小吃店", "农家乐", "汽修店", "服装店", "电商工作室", "养殖场", "理发店", "水果店", "设计工作室", "茶叶店")
INDUSTRIES = ("catering", "tourism", "repair", "retail", "e-commerce", "farming", "services", "retail", "design",
              "retail")

# status → (share in %, the actions (audit actions) that lead there after "create")
STATUS_PLAN = {
    "draft": (5, ()),
    "submitted": (18, ("submit",)),
    "under_review": (16, ("submit", "take")),
    "info_requested": (6, ("submit", "take", "request_info")),
    "recommended": (8, ("submit", "take", "recommend")),
    "approved": (17, ("submit", "take", "recommend", "approve")),
    "rejected": (8, ("submit", "take", "recommend", "reject")),
    "withdrawn": (4, ("submit", "withdraw")),
    "expired": (2, ("submit", "take", "recommend", "approve", "expire")),
    "contracted": (5, ("submit", "take", "recommend", "approve", "contract")),
    "active": (9, ("submit", "take", "recommend", "approve", "contract", "disburse")),
    "settled": (2, ("submit", "take", "recommend", "approve", "contract", "disburse", "settle")),
}
OPEN = {"draft", "submitted", "under_review", "info_requested", "recommended"}
TO_STATE = {"submit": "submitted", "take": "under_review", "request_info": "info_requested",
            "recommend": "recommended", "approve": "approved", "reject": "rejected", "withdraw": "withdrawn",
            "expire": "expired", "contract": "contracted", "disburse": "active", "settle": "settled"}


def resident_id(region: str, i: int, male: bool) -> str:
    """A valid 18-digit ID (region, birth date, sequence, check digit), unique per ``i`` < 6 million."""
    birth = date(1970, 1, 1) + timedelta(days=((i // 500) * 97) % 12000)  # born 1970–2002
    seq = (i % 500) * 2 + (1 if male else 0)  # digit 17 odd for men
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return body + mod_11_2.calc_check_digit(body)


def credit_code(i: int) -> str:
    body = f"92431000MA{i:07d}"[:17]
    return body + uscc.calc_check_digit(body)


class Progress:
    def __init__(self, total: int, label: str = "building", stream=sys.stderr):
        self.total, self.label, self.stream = total, label, stream
        self.tty = stream.isatty()
        self.last = 0.0

    def update(self, done: int, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < (0.2 if self.tty else 2.0) and done < self.total:
            return
        self.last = now
        end = "\r" if self.tty and done < self.total else "\n"
        print(f"{self.label} {done}/{self.total}", end=end, file=self.stream, flush=True)


def _reference_rules(app_row_id: int):
    """The engine's rules for one real application, used for every snapshot (None if unavailable)."""
    from loans.applications.models import LoanApplication
    from loans.db import db

    try:
        from loans.eligibility.services import run_engine

        application = db.session.get(LoanApplication, app_row_id)
        result = run_engine(application, application.application_date)
        if result is None:
            return None
        rules = json.loads(json.dumps([asdict(r) for r in result.rules], default=str))
        return {"policy_code": result.policy_code, "eligible": result.eligible, "max_amount": result.max_amount,
                "max_term_months": result.max_term_months, "rules": rules}
    except Exception as exc:  # the engine is someone else's moving target: degrade, don't fail the bench
        print(f"note: no eligibility snapshots ({type(exc).__name__}: {exc})", file=sys.stderr)
        return None
    finally:
        db.session.rollback()


def build(app, n: int, *, batch: int = 5000, seed: int = SEED, progress: Progress | None = None) -> dict:
    """Insert N applications (+ users, audit events…) into the app's (migrated, empty) database."""
    from loans.applications.models import ApplicationKeyGroup, LoanApplication
    from loans.eligibility.models import EligibilitySnapshot
    from loans.audit.models import AuditEvent
    from loans.auth.models import User
    from loans.auth.passwords import hash_password
    from loans.db import db
    from loans.search.index import add_rows as search_tokens

    from .config import BENCH_PASSWORD

    started = time.perf_counter()
    vault = app.extensions["personal_data"]
    rng = random.Random(seed)
    users_t, apps_t = User.__table__, LoanApplication.__table__
    events_t, groups_t, snaps_t = AuditEvent.__table__, ApplicationKeyGroup.__table__, EligibilitySnapshot.__table__
    password_hash = hash_password(BENCH_PASSWORD)
    engine = db.engine

    with engine.begin() as conn:
        next_user = (conn.scalar(select(func.max(users_t.c.id))) or 0) + 1
        next_app = (conn.scalar(select(func.max(apps_t.c.id))) or 0) + 1
        staff_rows = []
        officers = {}
        for code in DISTRICTS:
            officers[code] = next_user
            staff_rows.append(dict(id=next_user, role="officer", email=f"officer.{code}@bench.example",
                                   name=f"Bench officer {code}", district_code=code))
            next_user += 1
        supervisor = next_user
        staff_rows.append(dict(id=supervisor, role="supervisor", email="supervisor.city@bench.example",
                               name="Bench supervisor (city-wide)", district_code=None))
        bank_user = next_user + 1
        staff_rows.append(dict(id=bank_user, role="bank", email="bank.icbc@bench.example", name="Bench bank clerk",
                               district_code=None, bank_code="ICBC-CZ"))
        next_user += 2
        for row in staff_rows:
            row.setdefault("bank_code", None)
            row.update(mobile=None, password_hash=password_hash, locale="en", active=True,
                       session_token=f"bench-staff-{row['id']}", created_at=ANCHOR - timedelta(days=800))
        conn.execute(insert(users_t), staff_rows)

    statuses = list(STATUS_PLAN)
    weights = [STATUS_PLAN[s][0] for s in statuses]
    actor_for = {"submit": None, "withdraw": None, "take": "officer", "request_info": "officer",
                 "recommend": "officer", "approve": supervisor, "reject": supervisor, "expire": "system",
                 "contract": bank_user, "disburse": bank_user, "settle": bank_user}
    role_of = {supervisor: "supervisor", bank_user: "bank"}
    snapshot_template = None
    counts = {s: 0 for s in statuses}
    district_counts = {d: 0 for d in DISTRICTS}
    first = {"applicant": None, "approved": None}
    totals = {"users": len(staff_rows), "applications": 0, "audit_events": 0, "eligibility_snapshots": 0,
              "application_key_groups": 0}
    progress = progress or Progress(n)

    with engine.connect() as conn:  # the audit chain (SPEC §14) continues from the rows already there
        last = conn.execute(select(events_t.c.id, events_t.c.row_hash).order_by(events_t.c.id.desc()).limit(1)).first()
    chain = {"id": last.id if last else 0, "head": last.row_hash if last else GENESIS}

    done = 0
    while done < n:
        size = min(batch, n - done)
        users, apps, groups, events, submitted_ids = [], [], [], [], []
        for k in range(size):
            i = done + k
            uid, aid = next_user + i, next_app + i
            status = rng.choices(statuses, weights)[0]
            district = rng.choices(DISTRICTS, DISTRICT_WEIGHTS)[0]
            household = district if rng.random() < 0.85 else rng.choice(DISTRICTS)
            male = rng.random() < 0.55
            name = rng.choice(SURNAMES) + rng.choice(GIVEN)
            mobile = f"139{i:08d}"
            id_number = resident_id(household, i, male)
            group = rng.choice(GROUPS)
            kind = rng.randrange(len(BUSINESSES))
            loan_type = "enterprise" if rng.random() < 0.12 else "individual"
            amount = Decimal(rng.choice((50000, 80000, 100000, 150000, 200000, 300000)
                                        if loan_type == "individual" else (500000, 1000000, 2000000)))
            term = rng.choice((12, 24, 36)) if loan_type == "individual" else rng.choice((12, 24))
            bank = rng.choice(BANKS)
            # Open cases were submitted in the last 90 days, settled history over two years.
            age_days = rng.uniform(0, 90) if status in OPEN else rng.uniform(30, TWO_YEARS)
            created = ANCHOR - timedelta(days=age_days + rng.uniform(1, 10))
            submitted = ANCHOR - timedelta(days=age_days) if status != "draft" else None
            users.append(dict(id=uid, role="applicant", mobile=mobile, email=None, name=name,
                              password_hash=password_hash, district_code=None, bank_code=None,
                              locale="zh" if i % 3 else "en", active=True, session_token=f"bench-{uid}",
                              created_at=created))
            row = dict(
                id=aid, reference=f"A{created:%Y}-{aid:06d}", applicant_id=uid, status=status, lock_version=0,
                current_step="review", full_name=name, id_number=id_number,
                id_number_hash=vault.lookup_hash(id_number), id_number_masked=mask(id_number), mobile=mobile,
                household_district_code=household,
                education="bachelor" if group == "graduate" else "senior_high",
                graduation_date=date(2024, 6, 30) if group == "graduate" else None,
                loan_type=loan_type, business_name=name + BUSINESSES[kind],
                credit_code=credit_code(i) if loan_type == "enterprise" else None,
                district_code=district, business_address=f"郴州市{district}路{i % 900 + 1}号",
                industry=INDUSTRIES[kind], business_start_date=(created - timedelta(days=rng.randint(30, 700))).date(),
                current_staff=rng.randint(0, 8) if loan_type == "individual" else rng.randint(10, 60),
                planned_jobs=rng.randint(1, 5), new_key_group_hires=None if loan_type == "individual" else 3,
                amount=amount, term_months=term, purpose="购置设备和原材料", preferred_bank_code=bank,
                declares_no_other_loans=True, consents_credit_check=True, declares_truthful=True,
                created_at=created, updated_at=submitted or created, submitted_at=submitted,
                application_date=submitted.date() if submitted else None,
            )
            path = STATUS_PLAN[status][1]
            at = created
            events.append(dict(at=at, actor_id=uid, actor_role="applicant", action="create",
                               object_type="loan_applications", object_id=aid, from_state=None, to_state="draft",
                               detail={}, ip_address="127.0.0.1"))
            state = "draft"
            for step, action in enumerate(path):
                at = submitted if action == "submit" else at + timedelta(days=rng.uniform(0.5, 6))
                who = actor_for[action]
                if who is None:
                    actor_id, role = uid, "applicant"
                elif who == "officer":
                    actor_id, role = officers[district], "officer"
                elif who == "system":
                    actor_id, role = None, "system"
                else:
                    actor_id, role = who, role_of[who]
                detail = {}
                if action == "request_info":
                    detail = {"message": "请补充上传营业执照。"}
                elif action == "withdraw":
                    detail = {"reason": "计划有变"}
                events.append(dict(at=at, actor_id=actor_id, actor_role=role, action=action,
                                   object_type="loan_applications", object_id=aid, from_state=state,
                                   to_state=TO_STATE[action], detail=detail, ip_address="127.0.0.1"))
                state = TO_STATE[action]
                if action == "take":
                    row["assigned_officer_id"] = officers[district]
                elif action == "recommend":
                    row.update(recommendation="reject" if status == "rejected" else "approve",
                               recommended_by_id=officers[district], recommended_at=at,
                               recommended_amount=amount, recommended_term_months=term, recommended_bank_code=bank)
                    if status == "rejected":
                        row.update(rejection_rules=["E05"], rejection_explanation="经营场所证明不足。")
                elif action in ("approve", "reject"):
                    row.update(decided_by_id=supervisor, decided_at=at, decision_on=at.date())
                    if action == "approve":
                        row.update(approved_amount=amount, approved_term_months=term, approved_bank_code=bank,
                                   approval_policy_code="HN-2023", approval_lpr_rate=Decimal("3.0000"),
                                   approval_cap_bp=150, rate_ceiling_rate=Decimal("4.5000"),
                                   borrower_rate_rule_en="Interest above LPR − 150 bp is subsidised by the "
                                                         "finance bureau.",
                                   borrower_rate_rule_zh="LPR 减 150 个基点以上部分由财政贴息。",
                                   valid_until_date=at.date() + timedelta(days=90))
            row["updated_at"] = at
            apps.append(row)
            groups.append(dict(application_id=aid, key_group_code=group))
            if submitted is not None:
                submitted_ids.append((aid, submitted, uid))
            counts[status] += 1
            district_counts[district] += 1
            if first["applicant"] is None and status == "under_review" and district == "431002":
                first["applicant"] = {"user_id": uid, "mobile": mobile, "application_id": aid}
            if first["approved"] is None and status == "approved":
                first["approved"] = aid
        with engine.begin() as conn:
            conn.execute(insert(users_t), users)
            conn.execute(insert(apps_t), _uniform(apps))
            search_tokens(conn, "application", apps)
            conn.execute(insert(groups_t), groups)
        if snapshot_template is None and submitted_ids:
            snapshot_template = _reference_rules(submitted_ids[0][0]) or False
        snaps = []
        if snapshot_template:
            for aid, submitted, uid in submitted_ids:
                snaps.append(dict(application_id=aid, trigger="submission",
                                  policy_code=snapshot_template["policy_code"], application_date=submitted.date(),
                                  eligible=snapshot_template["eligible"], max_amount=snapshot_template["max_amount"],
                                  max_term_months=snapshot_template["max_term_months"],
                                  rules=snapshot_template["rules"], evaluated_at=submitted, evaluated_by_id=uid))
        for event in events:
            chain["id"] += 1
            event.update(id=chain["id"], prev_hash=chain["head"])
            event["row_hash"] = chain["head"] = row_hash(event)
        with engine.begin() as conn:
            if snaps:
                conn.execute(insert(snaps_t), snaps)
            conn.execute(insert(events_t), events)
        totals["users"] += len(users)
        totals["applications"] += len(apps)
        totals["application_key_groups"] += len(groups)
        totals["eligibility_snapshots"] += len(snaps)
        totals["audit_events"] += len(events)
        done += size
        progress.update(done)
    with engine.begin() as conn:  # the queue's case counts, as a bulk load leaves them to be
        from loans.applications.counts import rebuild

        rebuild(conn)
    if engine.dialect.name == "postgresql":
        # the audit rows were inserted with their ids (the chain needs them): move the
        # sequence past them, or the app's next audit record would collide on its key
        with engine.begin() as conn:
            conn.exec_driver_sql("SELECT setval(pg_get_serial_sequence('audit_events', 'id'), "
                                 "(SELECT COALESCE(MAX(id), 1) FROM audit_events))")
        # autovacuum would do this soon after a bulk load in production. SQLite has no
        # automatic ANALYZE, so none is run there: the planner sees what a live app sees.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "rows": totals,
        "statuses": counts,
        "districts": district_counts,
        "accounts": {
            "password": BENCH_PASSWORD,
            "officer_431002": "officer.431002@bench.example",
            "supervisor_city": "supervisor.city@bench.example",
            "sample_applicant": first["applicant"],
            "sample_approved_application_id": first["approved"],
        },
        "applicant_base": {"first_user_id": next_user, "first_application_id": next_app},
    }


def _uniform(rows: list[dict]) -> list[dict]:
    """executemany needs the same keys in every row; fill the missing ones with None."""
    keys = set()
    for row in rows:
        keys.update(row)
    return [{k: row.get(k) for k in keys} for row in rows]
