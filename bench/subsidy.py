"""Subsidy statements, measured on a database of their own (a fresh SQLite file under
bench/results/, so the HTTP scenarios' data set stays as it is):

* the time to compute one period (2021Q3) for N loans with a few events each — every bank's
  statement, through ``compute_period_subsidy``, committed — from a cold process: a child
  Python process started for it, so interpreter start, imports, ``create_app`` and the
  first queries count (``compute_seconds``; ``compute_inner_seconds`` is the call alone),
  and the SQL statements it costs;
* the median render time of a 200-line statement PDF (zh and en).

Standalone: ``.venv/bin/python bench/subsidy.py --loans 100000`` (``--keep-database``).
"""
from __future__ import annotations

import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert

SEED = 20211
BANKS = ("ICBC-CZ", "ABC-CZ", "CZRCB", "PSBC-CZ")
DISTRICTS = ("431002", "431003", "431021", "431022", "431023", "431024", "431025", "431026", "431027", "431028",
             "431081")
PDF_BANK = "BENCH-200"
PDF_LINES = 200


def _loans(n: int, bank_for, start_id: int, rng: random.Random, policy_for, lpr_for):
    loans, events = [], []
    for i in range(n):
        loan_id = start_id + i
        first = date(2019, 9, 1) + timedelta(days=rng.randrange(0, 750))  # up to 2021-09-20
        amount = Decimal(rng.choice((50_000, 100_000, 150_000, 200_000, 300_000)))
        contract = first - timedelta(days=rng.randrange(0, 10))
        loans.append({
            "id": loan_id, "loan_ref": f"B{loan_id:07d}", "source": "ledger", "status": "active",
            "borrower_name": "陈静", "id_number_masked": "431002********1234", "id_number_hash": f"{loan_id:064d}",
            "district_code": rng.choice(DISTRICTS), "business_name": "小店", "loan_type": "individual", "partners": 1,
            "jobs_declared": 2, "bank_code": bank_for(i), "contract_no": f"C{loan_id}", "contract_date": contract,
            "amount": amount, "contract_rate": lpr_for(contract) + Decimal(rng.choice(("1.00", "1.50", "2.00"))),
            "lpr_rate": lpr_for(contract), "term_months": 36, "maturity_date": first + timedelta(days=1095),
            "first_disbursement_date": first, "policy_code": policy_for(first), "lock_version": 0,
        })
        events.append({"loan_id": loan_id, "event_on": first, "kind": "disbursement", "amount": amount,
                       "occurrence": 1})
        if rng.random() < 0.4:
            events.append({"loan_id": loan_id, "event_on": first + timedelta(days=rng.randrange(30, 700)),
                           "kind": "repayment", "amount": amount / 2, "occurrence": 1})
        if rng.random() < 0.05:
            late = first + timedelta(days=rng.randrange(60, 800))
            events.append({"loan_id": loan_id, "event_on": late, "kind": "overdue_start", "amount": None,
                           "occurrence": 1})
            events.append({"loan_id": loan_id, "event_on": late + timedelta(days=rng.randrange(5, 90)),
                           "kind": "overdue_end", "amount": None, "occurrence": 1})
    return loans, events


ROOT = Path(__file__).resolve().parent.parent
PERIOD = "2021Q3"
TODAY = date(2021, 9, 21)


def measure(n_loans: int, results_dir: Path, *, renders: int = 7, keep: bool = False) -> dict:
    from flask_migrate import upgrade

    from bench.config import app_config
    from loans import create_app

    # the process id in the name: two runs at once (say the full benchmark and this one
    # standalone) must not share, and delete, each other's file
    path = results_dir / f"bench-subsidy-{n_loans}-{os.getpid()}.sqlite3"
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    app = create_app(app_config(f"sqlite:///{path}"))
    try:
        with app.app_context():
            import logging

            logging.getLogger("alembic").setLevel(logging.WARNING)
            upgrade()
            build_s = _build(n_loans)
            db_dispose()
        compute = _cold_compute(path)
        with app.app_context():
            return {"available": True, "loans": n_loans + PDF_LINES, "build_seconds": round(build_s, 2),
                    "period": PERIOD, **compute, **_pdf_timings(renders)}
    finally:
        with app.app_context():
            db_dispose()
        if not keep:
            for left in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                left.unlink(missing_ok=True)


def db_dispose() -> None:
    from loans.db import db

    db.session.remove()
    db.engine.dispose()


def _cold_compute(path: Path) -> dict:
    """Compute the period in a child process started now; its wall time counts it all.

    The child keeps its instance folder (the job queue file the statements' notices use)
    beside the database, not in the repository's instance/. Its modules' bytecode is cached
    under bench/results/pycache and written by an unmeasured import run first, as on any
    installed server (this environment sets PYTHONDONTWRITEBYTECODE, which would make the
    child compile the app's sources each time: ~0.7 s)."""
    instance = path.with_suffix(".instance")
    env = {**os.environ, "LOANS_INSTANCE_PATH": str(instance),
           "PYTHONPYCACHEPREFIX": str(path.parent / "pycache")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    child = [sys.executable, str(Path(__file__)), "--compute", str(path)]
    try:
        subprocess.run([*child, "--imports-only"], cwd=ROOT, env=env, capture_output=True, timeout=600, check=True)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(child, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    finally:
        shutil.rmtree(instance, ignore_errors=True)
    if done.returncode != 0:
        raise RuntimeError(f"the compute process failed: {done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"compute_seconds": round(wall, 2), "compute_cpu_seconds": round(cpu, 2),
            **json.loads(done.stdout.strip().splitlines()[-1])}


def _compute_child(path: str, imports_only: bool = False) -> dict:
    """Runs in the cold process: create the app, compute every bank's statement, commit."""
    from sqlalchemy import event as sa_event

    from bench.config import app_config
    from loans import create_app
    from loans.db import db
    from loans.subsidy import services

    app = create_app(app_config(f"sqlite:///{path}"))
    if imports_only:
        return {}
    with app.app_context():
        statements = []

        def count(*_args, **_kwargs):
            statements.append(1)

        sa_event.listen(db.engine, "before_cursor_execute", count)
        started = time.perf_counter()
        result = services.compute_period_subsidy(PERIOD, None, today=TODAY)
        db.session.commit()
        inner = time.perf_counter() - started
        sa_event.remove(db.engine, "before_cursor_execute", count)
        return {"compute_inner_seconds": round(inner, 2), "compute_sql_statements": len(statements),
                "loans_considered": result.loans_considered,
                "lines": sum(b.line_count for b in result.banks), "total": str(sum(b.total for b in result.banks))}


def _build(n_loans: int) -> float:
    from loans.core.policy import lpr_on, policy_in_force
    from loans.db import db
    from loans.policy.queries import lpr_fixings, policies
    from loans.personal_data import vault
    from loans.policy.models import Bank
    from loans.servicing.models import Loan, LoanEvent

    rng = random.Random(SEED)
    known, fixings = policies(), lpr_fixings()
    token = vault().encrypt_text("431002199001011234")

    def policy_for(d):
        return policy_in_force(known, d).code

    def lpr_for(d):
        return lpr_on(fixings, d)

    db.session.add(Bank(code=PDF_BANK, name_zh="基准测试银行", name_en="Benchmark Bank"))
    started = time.perf_counter()
    batches = [(n_loans, lambda i: BANKS[i % len(BANKS)], 1),
               (PDF_LINES, lambda i: PDF_BANK, n_loans + 1)]
    for count, bank_for, first_id in batches:
        for offset in range(0, count, 5000):
            loans, events = _loans(min(5000, count - offset), bank_for, first_id + offset, rng, policy_for, lpr_for)
            # every PDF loan is current in 2021Q3, so the 200-line statement has 200 lines
            if bank_for(0) == PDF_BANK:
                for loan, ev in zip(loans, (e for e in events if e["kind"] == "disbursement")):
                    loan["first_disbursement_date"] = ev["event_on"] = date(2021, 6, 1)
                    loan["contract_date"] = date(2021, 5, 28)
                    loan["maturity_date"] = date(2024, 6, 1)
                    loan["policy_code"] = "HN-2021"
                events = [e for e in events if e["kind"] == "disbursement"]
            for loan in loans:
                loan["id_number"] = token
            db.session.execute(insert(Loan), loans)
            db.session.execute(insert(LoanEvent), events)
    db.session.commit()
    return time.perf_counter() - started


def _pdf_timings(renders: int) -> dict:
    from loans.subsidy import services
    from loans.subsidy.pdf import render_statement_pdf

    statement = services.current_statement(PERIOD, PDF_BANK)
    timings = {}
    for lang in ("zh", "en"):
        render_statement_pdf(statement, lang)  # warm: font subset, templates
        runs = []
        for _ in range(renders):
            t0 = time.perf_counter()
            data = render_statement_pdf(statement, lang)
            runs.append((time.perf_counter() - t0) * 1000)
        timings[lang] = {"median_ms": round(statistics.median(runs), 1), "min_ms": round(min(runs), 1),
                         "pages": _pages(data),
                         "bytes": len(data)}
    return {"pdf_lines": statement.line_count, "pdf_renders_per_language": renders, "pdf": timings}


def _pages(data: bytes) -> int:
    import io

    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data)).pages)


def main(argv=None) -> int:
    import argparse

    p = argparse.ArgumentParser(description="Subsidy period compute (cold process) and statement PDF timings")
    p.add_argument("--loans", type=int, default=100_000)
    p.add_argument("--renders", type=int, default=7)
    p.add_argument("--keep-database", action="store_true")
    p.add_argument("--results-dir", default=str(ROOT / "bench" / "results"))
    p.add_argument("--compute", metavar="SQLITE_FILE", help=argparse.SUPPRESS)  # the cold child process
    p.add_argument("--imports-only", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.compute:
        print(json.dumps(_compute_child(args.compute, args.imports_only)))
        return 0
    print(json.dumps(measure(args.loans, Path(args.results_dir), renders=args.renders, keep=args.keep_database),
                     indent=2))
    return 0


if __name__ == "__main__":
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    sys.exit(main())
