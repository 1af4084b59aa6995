"""Loans in the HTTP benchmark's database (the loan, report and subsidy pages), built after
the applications by bench/dataset.py:

* the loans and their events are bench/ledger.py's generator (same seed, same files),
  with contract dates from 2021-01-01 over 1,700 days (events up to 2026-09), imported
  through ``loans.ledger.runner`` as the CLI does: N loans, ~2.8 N events, round-robin
  over the 4 banks (N/4 each) and the 11 districts; statuses derived by the import
  (active, overdue, settled);
* follow-up visits: one for ~35 % of the disbursed loans, a second for a third of those,
  by the district's bench officer (deterministic, bulk-inserted);
* a finance account (``finance@bench.example``) and the subsidy statements of four
  periods computed through ``loans.subsidy.services``: 2021Q1, 2021Q2 and 2023Q4 reviewed
  (city-wide supervisor), approved and paid (finance), 2024Q4 left as drafts — so the
  reports find paid subsidy in 2021 and 2024, and the statement page has N/4-ish lines
  per bank to paginate.
"""
from __future__ import annotations

import random
import sys
import time
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import func, insert, select

SEED = 20260120
LEDGER_START = date(2021, 1, 1)
LEDGER_SPAN_DAYS = 1700  # last contract 2025-08-27, last event ≤ 384 days later: before the data set's "now"
FINANCE_EMAIL = "finance@bench.example"
# period → (paid on, voucher) or None for a draft
PERIODS = {
    "2021Q1": (date(2021, 4, 20), "BENCH-V-2021Q1"),
    "2021Q2": (date(2021, 7, 20), "BENCH-V-2021Q2"),
    "2023Q4": (date(2024, 1, 22), "BENCH-V-2023Q4"),
    "2024Q4": None,
}
BIG_PERIOD = "2024Q4"  # the statement page's period: the largest statements
COMPUTED_ON = date(2026, 10, 31)  # the data set's "now" (bench/dataset.ANCHOR)


def build(app, n_loans: int) -> dict:
    """Import n loans (ledger generator), add visits, a finance user and four periods of
    statements into the app's database, which already holds bench/dataset.py's data."""
    from loans.auth.models import User
    from loans.auth.passwords import hash_password
    from loans.db import db
    from loans.ledger import runner
    from loans.ledger.parsing import SourceFile

    from .config import BENCH_PASSWORD
    from .dataset import ANCHOR
    from .ledger import ledger_files

    timings = {}
    out = {"loans": 0, "loan_events": 0, "follow_up_visits": 0}
    with app.app_context():
        # A finance account, like the other staff (same password, cheap hash).
        users_t = User.__table__
        with db.engine.begin() as conn:
            finance_id = (conn.scalar(select(func.max(users_t.c.id))) or 0) + 1
            conn.execute(insert(users_t), [dict(
                id=finance_id, role="finance", email=FINANCE_EMAIL, name="Bench finance", mobile=None,
                district_code=None, bank_code=None, password_hash=hash_password(BENCH_PASSWORD), locale="en",
                active=True, session_token=f"bench-staff-{finance_id}", created_at=ANCHOR - timedelta(days=800))])
        if n_loans <= 0:
            return {"skipped": True}

        t0 = time.perf_counter()
        loans_csv, events_csv, n_events = ledger_files(n_loans, start=LEDGER_START, span_days=LEDGER_SPAN_DAYS)
        sources = [SourceFile("loans.csv", loans_csv), SourceFile("events.csv", events_csv)]
        result, problems = runner.execute(runner.start(sources), sources)
        if problems:
            raise RuntimeError(f"the generated ledger was refused: {problems[:3]}")
        db.session.remove()
        timings["ledger_import_seconds"] = round(time.perf_counter() - t0, 2)
        out.update(loans=result.loans_added, loan_events=result.events_added)
        print(f"  loans: {result.loans_added} loans + {result.events_added} events imported in "
              f"{timings['ledger_import_seconds']} s", file=sys.stderr)

        t0 = time.perf_counter()
        out["follow_up_visits"] = _visits(db)
        timings["visits_seconds"] = round(time.perf_counter() - t0, 2)

        t0 = time.perf_counter()
        out["statements"] = _statements(db, finance_id)
        timings["subsidy_seconds"] = round(time.perf_counter() - t0, 2)
        print(f"  loans: {out['follow_up_visits']} visits, statements {out['statements']} "
              f"({timings['subsidy_seconds']} s)", file=sys.stderr)
        db.session.remove()
    out["timings"] = timings
    return out


def _visits(db) -> int:
    """~35 % of disbursed loans visited once (a third of them twice), 60–400 days after the
    first disbursement and never after the data set's "now"; by the district's officer."""
    from loans.auth.models import User
    from loans.servicing.models import FollowUpVisit, Loan

    from .dataset import ANCHOR

    rng = random.Random(SEED)
    officers = dict(db.session.execute(select(User.district_code, User.id).where(
        User.role == "officer", User.email.like("officer.%@bench.example"))).all())
    latest = ANCHOR.date()
    rows, total = [], 0
    table = FollowUpVisit.__table__
    created = datetime(2026, 10, 31, 9, 0, tzinfo=timezone.utc)
    loans = db.session.execute(select(Loan.id, Loan.district_code, Loan.first_disbursement_date, Loan.partners)
                               .where(Loan.first_disbursement_date.is_not(None)).order_by(Loan.id)).all()
    for loan_id, district, first, partners in loans:
        if rng.random() >= 0.35:
            continue
        on = first + timedelta(days=rng.randrange(60, 400))
        for _ in range(2 if rng.random() < 1 / 3 else 1):
            if on > latest:
                break
            rows.append(dict(loan_id=loan_id, visited_on=on, owners=partners or 1,
                             employees_with_contracts=rng.randrange(0, 6), note="经营正常。",
                             officer_id=officers.get(district), created_at=created))
            on += timedelta(days=rng.randrange(90, 300))
        if len(rows) >= 5000:
            db.session.execute(insert(table), rows)
            total += len(rows)
            rows = []
    if rows:
        db.session.execute(insert(table), rows)
        total += len(rows)
    # Core inserts pass by the session's rollup hook: the jobs verified at the latest visit
    # count in the monthly rollups once they are computed again
    from loans.servicing.rollups import rebuild

    rebuild(db.session.connection())
    db.session.commit()
    return total


def _statements(db, finance_id: int) -> dict:
    """Compute the periods through the app's service; review, approve and pay those with a
    payment date, as the city-wide supervisor and finance would."""
    from loans.auth.models import User
    from loans.subsidy import services
    from loans.subsidy.models import SubsidyStatement

    supervisor = db.session.scalar(select(User).where(User.email == "supervisor.city@bench.example"))
    finance = db.session.get(User, finance_id)
    summary = {}
    for period, payment in PERIODS.items():
        result = services.compute_period_subsidy(period, finance, today=COMPUTED_ON)
        db.session.commit()
        statements = list(db.session.scalars(select(SubsidyStatement).where(
            SubsidyStatement.period == period, SubsidyStatement.status != "superseded")
            .order_by(SubsidyStatement.bank_code)))
        if payment:
            paid_on, voucher = payment
            for statement in statements:
                if statement.line_count == 0:
                    continue
                services.review_statement(statement, actor=supervisor)
                services.approve_statement(statement, actor=finance)
                services.pay_statement(statement, actor=finance, paid_on=paid_on,
                                       voucher_no=f"{voucher}-{statement.bank_code}")
            db.session.commit()
        summary[period] = {"lines": sum(s.line_count for s in statements),
                           "loans_considered": result.loans_considered,
                           "status": "paid" if payment else "draft"}
    return summary


def picks(url: str, bank_code: str = "ICBC-CZ") -> dict:
    """Ids the scenarios use: the bank's loan with the most events that also has a visit and
    subsidy lines, and the bank's statement of the big period."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        loan_id = conn.scalar(sa.text(
            "SELECT l.id FROM loans l "
            "WHERE l.bank_code = :bank AND EXISTS (SELECT 1 FROM follow_up_visits v WHERE v.loan_id = l.id) "
            "AND EXISTS (SELECT 1 FROM subsidy_lines s WHERE s.loan_id = l.id) "
            "AND (SELECT count(*) FROM loan_events e WHERE e.loan_id = l.id) >= 3 "
            "ORDER BY l.id LIMIT 1"), {"bank": bank_code})
        if loan_id is None:
            loan_id = conn.scalar(sa.text("SELECT id FROM loans WHERE bank_code = :bank ORDER BY id LIMIT 1"),
                                  {"bank": bank_code})
        statement = conn.execute(sa.text(
            "SELECT id, period, line_count FROM subsidy_statements WHERE bank_code = :bank AND period = :period "
            "AND status != 'superseded' ORDER BY version DESC LIMIT 1"),
            {"bank": bank_code, "period": BIG_PERIOD}).first()
        loans_in_scope = conn.scalar(sa.text("SELECT count(*) FROM loans WHERE bank_code = :bank"),
                                     {"bank": bank_code})
    engine.dispose()
    return {"loan_id": loan_id, "loans_in_scope": loans_in_scope, "period": BIG_PERIOD,
            "statement_id": statement.id if statement else None,
            "statement_lines": statement.line_count if statement else 0}
