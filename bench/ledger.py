"""Ledger import throughput (SPEC §10): ``ledger import`` of N generated loans and ~3N events.

Deterministic files (same seed, same bytes): valid resident IDs across the 11 districts,
contract dates 2019–2025, ~3 events per loan (a disbursement, usually a repayment, some
overdue periods, some settled). The import runs in this process, in a fresh SQLite file
(or the given database), through ``ledger.runner`` exactly as the CLI calls it; we time the
whole run (read, check, write, commit) and a second run of the same files (all unchanged),
and record the peak RSS of the process.

    .venv/bin/python bench/ledger.py --loans 100000     # standalone
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import random
import resource
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.config import app_config  # noqa: E402
from bench.dataset import BANKS, DISTRICTS, GIVEN, GROUPS, SURNAMES, resident_id  # noqa: E402

SEED = 20260110
LOAN_HEADER = ("loan_ref,borrower_name,id_number,key_group,district_code,business_name,credit_code,loan_type,"
               "partners,bank_code,contract_no,contract_date,amount,contract_rate,lpr,term_months,maturity_date,"
               "jobs_declared").split(",")


def ledger_files(n: int, seed: int = SEED, *, start: date = date(2019, 9, 1),
                 span_days: int = 2000) -> tuple[bytes, bytes, int]:
    """(loans.csv, events.csv, number of events) for n loans, UTF-8; contract dates spread
    over ``span_days`` from ``start``, events up to ~385 days after the contract."""
    loans, events = io.StringIO(), io.StringIO()
    n_events = _write_ledger(n, seed, start, span_days, loans, events)
    return loans.getvalue().encode(), events.getvalue().encode(), n_events


def write_ledger_files(n: int, folder: Path, seed: int = SEED) -> tuple[Path, Path, int]:
    """The same files written straight to ``folder`` (nothing of them kept in memory)."""
    paths = folder / f"ledger-{n}-loans.csv", folder / f"ledger-{n}-events.csv"
    with paths[0].open("w", encoding="utf-8", newline="") as loans, \
            paths[1].open("w", encoding="utf-8", newline="") as events:
        n_events = _write_ledger(n, seed, date(2019, 9, 1), 2000, loans, events)
    return *paths, n_events


def _write_ledger(n: int, seed: int, start: date, span_days: int, loans, events) -> int:
    rng = random.Random(seed)
    lw, ew = csv.writer(loans, lineterminator="\n"), csv.writer(events, lineterminator="\n")
    lw.writerow(LOAN_HEADER)
    ew.writerow(("loan_ref", "date", "kind", "amount"))
    n_events = 0
    for i in range(n):
        ref = f"BL-{i:07d}"
        district = DISTRICTS[i % len(DISTRICTS)]
        number = resident_id(district, i, bool(i % 2))
        name = SURNAMES[rng.randrange(len(SURNAMES))] + GIVEN[rng.randrange(len(GIVEN))]
        contract = start + timedelta(days=rng.randrange(span_days))
        amount = rng.choice((50000, 100000, 150000, 200000))
        rate = rng.choice(("4.35", "4.50", "5.35", "3.95"))
        lw.writerow((ref, name, number, GROUPS[i % len(GROUPS)], district, name + "小店", "", "individual", 1,
                     BANKS[i % len(BANKS)], f"C{i:08d}", contract.isoformat(), amount, rate, "", 36,
                     (contract + timedelta(days=1095)).isoformat(), 1 + i % 5))
        disbursed = contract + timedelta(days=rng.randrange(1, 20))
        ew.writerow((ref, disbursed.isoformat(), "disbursement", amount))
        n_events += 1
        roll = rng.random()
        if roll < 0.6:
            ew.writerow((ref, (disbursed + timedelta(days=180)).isoformat(), "repayment", amount // 2))
            ew.writerow((ref, (disbursed + timedelta(days=365)).isoformat(), "repayment", amount // 4))
            n_events += 2
        elif roll < 0.8:
            ew.writerow((ref, (disbursed + timedelta(days=200)).isoformat(), "overdue_start", ""))
            ew.writerow((ref, (disbursed + timedelta(days=230)).isoformat(), "overdue_end", ""))
            n_events += 2
        else:
            ew.writerow((ref, (disbursed + timedelta(days=300)).isoformat(), "repayment", amount))
            n_events += 1
    return n_events


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM: unlike ru_maxrss it does not carry over the
    peak of the parent that forked us before exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # Linux: KiB


def measure(n: int, database_url: str | None = None) -> dict:
    """Generate, then import n loans into a fresh database; rows/s and peak RSS."""
    from flask_migrate import upgrade

    from loans import create_app
    from loans.db import db
    from loans.ledger.parsing import SourceFile
    from loans.ledger import runner

    sqlite_path = None
    if database_url is None:
        RESULTS.mkdir(parents=True, exist_ok=True)
        sqlite_path = RESULTS / f"ledger-{n}.sqlite3"
        for suffix in ("", "-wal", "-shm"):  # a stale write-ahead log must not meet a new file
            Path(str(sqlite_path) + suffix).unlink(missing_ok=True)
        database_url = f"sqlite:///{sqlite_path}"
    rss_before = peak_rss_mb()
    t0 = time.perf_counter()
    RESULTS.mkdir(parents=True, exist_ok=True)
    loans_path, events_path, n_events = write_ledger_files(n, RESULTS)
    generate_s = time.perf_counter() - t0
    app = create_app(app_config(database_url))
    with app.app_context():
        import logging

        logging.getLogger("alembic").setLevel(logging.WARNING)
        upgrade()
        # read from disk as the CLI does (``ledger import PATH…``: a piece at a time, as the run goes)
        sources = [SourceFile("loans.csv", path=loans_path), SourceFile("events.csv", path=events_path)]
        phases = {}

        def progress(phase, done, total):
            phases.setdefault(phase, time.perf_counter())

        started = time.perf_counter()
        result, problems = runner.execute(runner.start(sources), sources, progress=progress)
        seconds = time.perf_counter() - started
        if problems:
            raise SystemExit(f"the generated ledger was refused: {problems[:3]}")
        again_started = time.perf_counter()
        again, _ = runner.execute(runner.start(sources), sources)
        again_s = time.perf_counter() - again_started
        db.session.remove()
        db.engine.dispose()
    if sqlite_path:
        for suffix in ("", "-wal", "-shm"):
            Path(str(sqlite_path) + suffix).unlink(missing_ok=True)
    files_bytes = sum(source.size for source in sources)
    del sources
    loans_path.unlink(missing_ok=True)
    events_path.unlink(missing_ok=True)
    rows = n + n_events
    write_started = phases.get("write", started + seconds)
    return {
        "loans": n, "events": n_events, "rows": rows,
        "files_mb": round(files_bytes / 1e6, 1),
        "generate_seconds": round(generate_s, 2),
        "import_seconds": round(seconds, 2),
        "check_seconds": round(write_started - started, 2),
        "write_seconds": round(started + seconds - write_started, 2),
        "rows_per_s": round(rows / seconds),
        "reimport_seconds": round(again_s, 2),
        "reimport_unchanged": again.loans_unchanged == n and again.events_unchanged == n_events,
        "loans_added": result.loans_added, "events_added": result.events_added,
        "peak_rss_mb": peak_rss_mb(), "peak_rss_mb_before": rss_before,
        "database": database_url.split(":", 1)[0],
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="ledger import throughput")
    p.add_argument("--loans", type=int, default=100_000)
    p.add_argument("--database-url", help="an empty database to import into (default: a fresh SQLite file)")
    args = p.parse_args(argv)
    print(json.dumps(measure(args.loans, args.database_url), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())


def run(n: int) -> dict:
    """The measurement in a child process, so its peak RSS is the import's alone (for bench/run.py)."""
    import subprocess

    if n <= 0:
        return {"skipped": True}
    print(f"ledger import of {n} generated loans …", file=sys.stderr)
    try:
        done = subprocess.run([sys.executable, str(Path(__file__)), "--loans", str(n)], cwd=ROOT,
                              capture_output=True, text=True, timeout=1800)
    except subprocess.TimeoutExpired:
        return {"error": "timed out after 1800 s"}
    if done.returncode != 0:
        return {"error": (done.stderr or done.stdout).strip().splitlines()[-1:] or "failed"}
    return json.loads(done.stdout)


def print_summary(result: dict) -> None:
    if result.get("skipped"):
        return
    if "error" in result:
        print(f"\nledger import: {result['error']}")
        return
    print(f"\nledger import: {result['loans']} loans + {result['events']} events ({result['files_mb']} MB CSV) in "
          f"{result['import_seconds']} s = {result['rows_per_s']} rows/s (check {result['check_seconds']} s, write "
          f"{result['write_seconds']} s); re-import, all unchanged, {result['reimport_seconds']} s; "
          f"peak RSS {result['peak_rss_mb']} MB")
