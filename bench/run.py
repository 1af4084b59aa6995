"""The benchmark, in one command (see bench/README.md):

    .venv/bin/python bench/run.py [--applications N] [--seconds S] [--concurrency C]
                                  [--output bench/results/latest.json] [--database-url URL]

1. builds a deterministic data set of N applications in a fresh SQLite file under
   bench/results/ (or the PostgreSQL database given by --database-url), then N loans
   (ledger import, events, follow-up visits, four periods of subsidy statements) in it;
2. serves it with gunicorn (2 sync workers) on 127.0.0.1 and drives each page with a
   pure-Python load generator for S seconds: req/s, p50, p95, errors;
3. counts SQL statements per page in-process (bounded whatever the page or N), with
   EXPLAIN QUERY PLAN on SQLite, and times one approval letter's render;
4. prints a table and writes everything, with the environment, as JSON.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import dataset, inprocess, ledger, load, loanbook, targets  # noqa: E402
from bench.config import BENCH_PASSWORD, app_config, env_for  # noqa: E402

SEARCH_NAMES = ("王伟", "李芳", "陈静", "张强", "wangwei", "lf", "Chen Jing", "zq")  # characters, pinyin, initials
OFFICER = ("officer.431002@bench.example", BENCH_PASSWORD)
SUPERVISOR = ("supervisor.city@bench.example", BENCH_PASSWORD)
BANK_CLERK = ("bank.icbc@bench.example", BENCH_PASSWORD)  # ICBC-CZ: a quarter of the loans
FINANCE = (loanbook.FINANCE_EMAIL, BENCH_PASSWORD)
HALF_YEAR = "/reports/?from=2021-01-01&to=2021-06-30"
YEAR_DISTRICT = "/reports/?from=2024-01-01&to=2024-12-31&district=431002"  # the officer's own district anyway


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--applications", "-n", type=int, default=100_000, help="applications to build (default 100000)")
    p.add_argument("--seconds", "-s", type=float, default=10.0, help="measured seconds per scenario (default 10)")
    p.add_argument("--concurrency", "-c", type=int, default=4, help="client threads (default 4)")
    p.add_argument("--max-requests", type=int, default=200_000, help="request budget per scenario (default 200000)")
    p.add_argument("--warmup", type=float, default=1.0, help="unmeasured warm-up seconds per scenario (default 1)")
    p.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    p.add_argument("--output", "-o", default=str(RESULTS / "latest.json"), help="JSON results file")
    p.add_argument("--database-url", help="PostgreSQL URL to build in instead of a fresh SQLite file; the database "
                                          "must be empty unless --reset-database")
    p.add_argument("--reset-database", action="store_true",
                   help="DROP SCHEMA public CASCADE in --database-url first (destroys its data)")
    p.add_argument("--only", help="comma-separated scenario names to run (default: all)")
    p.add_argument("--loans", type=int, default=None,
                   help="loans in the benchmark database for the loan, report and subsidy pages "
                        "(default: --applications; 0: none)")
    p.add_argument("--subsidy-loans", type=int, default=100_000,
                   help="loans for the subsidy compute measurement, in a database of its own (0: skip)")
    p.add_argument("--keep-database", action="store_true", help="keep the SQLite file afterwards")
    p.add_argument("--ledger-loans", type=int, default=None,
                   help="loans in the ledger import measurement (default: --applications, at most 100000; 0 skips)")
    p.add_argument("--compare", metavar="FILE.json",
                   help="another run's JSON (e.g. SQLite's, when this run is on PostgreSQL): each target's "
                        "value beside it, and how many times slower this run is")
    return p.parse_args(argv)


# --- database ---------------------------------------------------------------------------

def prepare_database(args) -> tuple[str, Path | None]:
    if args.database_url:
        import sqlalchemy as sa

        engine = sa.create_engine(args.database_url)
        with engine.begin() as conn:
            if args.reset_database:
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
            elif sa.inspect(conn).get_table_names():
                raise SystemExit("the database at --database-url is not empty; "
                                 "pass --reset-database to wipe it (all its data is lost)")
        engine.dispose()
        return args.database_url, None
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"bench-{args.applications}.sqlite3"
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return f"sqlite:///{path}", path


def build(url: str, n: int, n_loans: int = 0) -> dict:
    from flask_migrate import upgrade

    from loans import create_app

    app = create_app(app_config(url))
    started = time.perf_counter()
    with app.app_context():
        import logging

        logging.getLogger("alembic").setLevel(logging.WARNING)
        upgrade()
        migrate_s = time.perf_counter() - started
        info = dataset.build(app, n)
        from loans.db import db

        db.engine.dispose()
    loans_started = time.perf_counter()
    info["loans"] = loanbook.build(app, n_loans)
    info["loans_seconds"] = round(time.perf_counter() - loans_started, 2)
    info["rows"].update({k: info["loans"][k] for k in ("loans", "loan_events", "follow_up_visits")
                         if k in info["loans"]})
    with app.app_context():
        from loans.db import db

        db.engine.dispose()
    info["migrate_seconds"] = round(migrate_s, 2)
    info["build_seconds"] = round(time.perf_counter() - started, 2)
    return info


def pick_applicants(url: str, k: int) -> list[dict]:
    """k applicants with an undecided or approved case and a full timeline, spread over districts."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT a.id, u.mobile, a.status, a.district_code FROM loan_applications a "
            "JOIN users u ON u.id = a.applicant_id "
            "WHERE a.status IN ('under_review', 'info_requested', 'recommended', 'approved') "
            "ORDER BY a.id LIMIT :k"), {"k": max(k, 1) * 4}).all()
    engine.dispose()
    seen, picked = set(), []
    for row in rows:  # one per district first, then any
        if row.district_code not in seen:
            seen.add(row.district_code)
            picked.append(row)
    picked += [r for r in rows if r not in picked]
    return [{"application_id": r.id, "mobile": r.mobile, "status": r.status} for r in picked[:k]]


def pick_case(url: str) -> int | None:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        value = conn.scalar(sa.text("SELECT id FROM loan_applications WHERE district_code = '431002' "
                                    "AND status = 'under_review' ORDER BY id LIMIT 1"))
    engine.dispose()
    return value


def first_approved(url: str) -> int | None:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        value = conn.scalar(sa.text("SELECT id FROM loan_applications WHERE status = 'approved' ORDER BY id LIMIT 1"))
    engine.dispose()
    return value


# --- server -----------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn with N sync workers on 127.0.0.1; stopped with SIGTERM (graceful), then SIGKILL."""

    def __init__(self, url: str, workers: int):
        self.port = free_port()
        self.log = RESULTS / "gunicorn.log"
        gunicorn = Path(sys.executable).parent / "gunicorn"
        cmd = [str(gunicorn)] if gunicorn.exists() else [sys.executable, "-m", "gunicorn"]
        # the production settings (deploy/gunicorn.conf.py: its hooks), these options over them
        self.cmd = cmd + ["--config", str(ROOT / "deploy" / "gunicorn.conf.py"),
                          "-w", str(workers), "-k", "sync", "-b", f"127.0.0.1:{self.port}",
                          "--error-logfile", str(self.log), "--log-level", "warning", "bench.app:app"]
        env = {**os.environ, **env_for(url), "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen(self.cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}; see {self.log}:\n{self.tail()}")
            try:
                client = load.Client("127.0.0.1", self.port, timeout=5)
                status, _, _ = client.request("GET", "/bench/bare")
                client.close()
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn not ready after {timeout:.0f} s; see {self.log}:\n{self.tail()}")

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def worker_rss(self) -> dict:
        """Resident memory (VmRSS) of each worker now, from /proc: the master's children."""
        workers = {}
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
            except OSError:  # a process that ended meanwhile
                continue
            if fields.get("PPid", "").strip() == str(self.proc.pid) and "VmRSS" in fields:
                workers[int(status.parent.name)] = round(int(fields["VmRSS"].split()[0]) / 1024, 1)
        return {"rss_mb": [workers[pid] for pid in sorted(workers)],
                "max_rss_mb": max(workers.values()) if workers else None}

    def stop(self) -> None:
        if self.proc.poll() is not None:
            return
        try:
            self.proc.send_signal(signal.SIGTERM)  # the master, which stops its workers gracefully
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)  # the session we started: master and its workers
            self.proc.wait(timeout=5)


# --- scenarios --------------------------------------------------------------------------

ROTATE = 8  # the list scenarios rotate over this many pages, the case and loan pages over this many ids


def _rotating(url: str | None, sql: str, first: int) -> list[int]:
    """Up to ``ROTATE`` ids like ``first`` (``sql`` selects them), so a page is not the same page each time."""
    if not url:
        return [first]
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        ids = list(conn.scalars(sa.text(sql + f" LIMIT {ROTATE}")))
    engine.dispose()
    return ids or [first]


def _pages(path: str, first: int):
    """``path`` (ending in ? or &) with ``page=`` first, first + 1, … first + ROTATE − 1 in turn."""
    return lambda t, n: f"{path}page={first + (t + n) % ROTATE}"


def scenarios(applicants: list[dict], case_id: int | None, loans: dict | None = None,
              url: str | None = None) -> list[load.Scenario]:
    """Each list scenario rotates over ``ROTATE`` pages and the case page over as many cases
    (with ``url``: the 431002 officer's first cases under review), so no page is served twice in a row."""
    officer, supervisor = OFFICER, SUPERVISOR

    def applicant_login(t):
        return applicants[t % len(applicants)]["mobile"], BENCH_PASSWORD

    def applicant_path(t, n):
        return f"/my/applications/{applicants[t % len(applicants)]['application_id']}"

    result = [
        load.Scenario("bare", lambda t, n: "/bench/bare", expect=b"ok",
                      description="GET /bench/bare: Flask + the app's request hooks, no database"),
        load.Scenario("one_row", lambda t, n: "/bench/one-row", expect=b"Beihu",
                      description="GET /bench/one-row: one primary-key SELECT of a district"),
        load.Scenario("applicant_status", applicant_path, login=applicant_login,
                      description="GET /my/applications/<id>: applicant's status page with timeline "
                                  "(each client thread a different applicant)"),
        load.Scenario("officer_queue_submitted", _pages("/review/?status=submitted&", 1),
                      login=lambda t: officer,
                      description=f"GET /review/?status=submitted&page=1…{ROTATE}: officer 431002 queue, status filter"),
        load.Scenario("officer_queue_search",
                      lambda t, n: "/review/?q=" + quote(SEARCH_NAMES[(t + n) % len(SEARCH_NAMES)]),
                      login=lambda t: officer,
                      description="GET /review/?q=<name>: officer 431002 queue, substring search "
                                  f"(rotating {', '.join(SEARCH_NAMES)})"),
        load.Scenario("officer_queue_page200", _pages("/review/?", 200), login=lambda t: officer,
                      description=f"GET /review/?page=200…{199 + ROTATE}: officer 431002 queue, deep page "
                                  "(offset 4975 on)"),
        load.Scenario("supervisor_queue_citywide", _pages("/review/?", 1), login=lambda t: supervisor,
                      description=f"GET /review/?page=1…{ROTATE}: city-wide supervisor queue (all districts, "
                                  "counts over every case)"),
    ]
    if case_id:
        case_ids = _rotating(url, "SELECT id FROM loan_applications WHERE district_code = '431002' "
                                  "AND status = 'under_review' ORDER BY id", case_id)
        result.append(load.Scenario("officer_case_page",
                                    lambda t, n: f"/review/cases/{case_ids[(t + n) % len(case_ids)]}",
                                    login=lambda t: officer,
                                    description="GET /review/cases/<id>: officer's case page "
                                                "(history, eligibility, forms)"))
    result += loan_scenarios(loans or {}, url)
    return result


def loan_scenarios(loans: dict, url: str | None = None) -> list[load.Scenario]:
    """The loan, report and subsidy pages (when the data set has loans); the loan list rotates
    over ``ROTATE`` pages, the loan page over as many loans like ``loanbook.picks``'s."""
    if not loans.get("loan_id"):
        return []
    in_scope = loans.get("loans_in_scope", 0)
    loan_ids = _rotating(url, "SELECT l.id FROM loans l WHERE l.bank_code = 'ICBC-CZ' "
                              "AND EXISTS (SELECT 1 FROM follow_up_visits v WHERE v.loan_id = l.id) "
                              "AND EXISTS (SELECT 1 FROM subsidy_lines s WHERE s.loan_id = l.id) "
                              "AND (SELECT count(*) FROM loan_events e WHERE e.loan_id = l.id) >= 3 ORDER BY l.id",
                         loans["loan_id"])
    result = [
        load.Scenario("bank_loans_list", _pages("/loans/?", 1), login=lambda t: BANK_CLERK, expect=b"BL-",
                      description=f"GET /loans/?page=1…{ROTATE}: ICBC-CZ bank clerk's loan list ({in_scope} loans "
                                  "in scope; counts per status, balances, approved cases awaiting a contract)"),
        load.Scenario("bank_loans_list_page200", _pages("/loans/?", 200), login=lambda t: BANK_CLERK,
                      description=f"GET /loans/?page=200…{199 + ROTATE}: ICBC-CZ clerk's loan list, deep page "
                                  "(offset 4975 on)"),
        load.Scenario("loan_page", lambda t, n: f"/loans/{loan_ids[(t + n) % len(loan_ids)]}",
                      login=lambda t: BANK_CLERK, expect=b"BL-",
                      description="GET /loans/<id>: ICBC-CZ clerk's loan page (events, visits, subsidy history, "
                                  "event forms)"),
        load.Scenario("reports_half_year", lambda t, n: HALF_YEAR, login=lambda t: SUPERVISOR,
                      description="GET /reports/?from=2021-01-01&to=2021-06-30: city-wide supervisor, every "
                                  "district, by month"),
        load.Scenario("reports_year_district", lambda t, n: YEAR_DISTRICT, login=lambda t: OFFICER,
                      description="GET /reports/?from=2024-01-01&to=2024-12-31: officer 431002, own district, "
                                  "one year"),
    ]
    if loans.get("statement_id"):
        result += [
            load.Scenario("subsidy_period_page", lambda t, n, p=loans["period"]: f"/subsidy/periods/{p}",
                          login=lambda t: FINANCE,
                          description=f"GET /subsidy/periods/{loans['period']}: finance, the period's statements "
                                      "(one per bank)"),
            load.Scenario("subsidy_statement_page",
                          lambda t, n, i=loans["statement_id"]: f"/subsidy/statements/{i}",
                          login=lambda t: FINANCE, expect=b"BL-",
                          description=f"GET /subsidy/statements/<id>: finance, ICBC-CZ {loans['period']} statement "
                                      f"({loans.get('statement_lines')} lines), first page of 50 lines"),
        ]
    return result


def inprocess_pages(applicants, case_id, loans: dict | None = None) -> list[dict]:
    officer, supervisor = OFFICER, SUPERVISOR
    pages = [
        {"name": "officer queue page 1", "path": "/review/", "login": officer},
        {"name": "officer queue page 2", "path": "/review/?page=2", "login": officer},
        {"name": "officer queue page 200", "path": "/review/?page=200", "login": officer},
        {"name": "officer queue ?status=submitted", "path": "/review/?status=submitted", "login": officer},
        {"name": "officer queue ?q=王伟", "path": "/review/?q=" + quote("王伟"), "login": officer},
        {"name": "officer queue sorted by amount, filtered", "login": officer,
         "path": "/review/?sort=-amount&key_group=graduate&loan_type=individual&bank=ICBC-CZ"},
        {"name": "supervisor city-wide queue page 1", "path": "/review/", "login": supervisor},
        {"name": "supervisor city-wide queue page 200", "path": "/review/?page=200", "login": supervisor},
    ]
    if applicants:
        a = applicants[0]
        pages.append({"name": "applicant status page", "path": f"/my/applications/{a['application_id']}",
                      "login": (a["mobile"], BENCH_PASSWORD)})
    if case_id:
        pages.append({"name": "officer case page", "path": f"/review/cases/{case_id}", "login": officer})
    loans = loans or {}
    if loans.get("loan_id"):
        pages += [
            {"name": "bank loans list page 1", "path": "/loans/", "login": BANK_CLERK},
            {"name": "bank loans list page 200", "path": "/loans/?page=200", "login": BANK_CLERK},
            {"name": "bank loan page", "path": f"/loans/{loans['loan_id']}", "login": BANK_CLERK},
            {"name": "reports half-year, city-wide", "path": HALF_YEAR, "login": supervisor},
            {"name": "reports one year, one district", "path": YEAR_DISTRICT, "login": officer},
        ]
    if loans.get("statement_id"):
        pages += [
            {"name": "subsidy period page", "path": f"/subsidy/periods/{loans['period']}", "login": FINANCE},
            {"name": "subsidy statement page 1", "path": f"/subsidy/statements/{loans['statement_id']}",
             "login": FINANCE},
            {"name": "subsidy statement page 200", "login": FINANCE,
             "path": f"/subsidy/statements/{loans['statement_id']}?page=200"},
        ]
    return pages


# --- report -----------------------------------------------------------------------------

def environment(args, url: str) -> dict:
    def version(mod):
        try:
            from importlib.metadata import version as v

            return v(mod)
        except Exception:  # noqa: BLE001
            return None

    def git(*cmd):
        try:
            return subprocess.run(["git", *cmd], cwd=ROOT, capture_output=True, text=True, timeout=10).stdout.strip()
        except OSError:
            return None

    try:
        load_avg = os.getloadavg()
    except OSError:
        load_avg = None
    return {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "load_average_at_start": [round(x, 2) for x in load_avg] if load_avg else None,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "sqlite": sqlite3.sqlite_version,
        "database": url.split(":", 1)[0] if args.database_url else "sqlite (file under bench/results/)",
        "packages": {m: version(m) for m in ("flask", "sqlalchemy", "gunicorn", "weasyprint")},
        "git_commit": git("rev-parse", "--short", "HEAD"),
        "git_dirty": bool(git("status", "--porcelain")),
        "applications": args.applications, "seconds_per_scenario": args.seconds, "concurrency": args.concurrency,
        "gunicorn_workers": args.workers, "load_generator": "bench/load.py (Python threads, http.client)",
    }


def _cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def print_table(rows: list[dict]) -> None:
    print(f"\n{'scenario':<28} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'requests':>9} {'errors':>7}")
    for r in rows:
        print(f"{r['name']:<28} {r['req_per_s']:>8.1f} {_f(r['p50_ms'])} {_f(r['p95_ms'])} {_f(r['p99_ms'])} "
              f"{r['requests']:>9} {r['errors']:>7}")


def _f(v):
    return f"{v:>8.1f}" if isinstance(v, (int, float)) else f"{'-':>8}"


def _interrupt(signum, frame):
    raise KeyboardInterrupt  # SIGTERM takes the same way out as Ctrl-C: gunicorn is stopped


def main(argv=None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started with SIGINT ignored
    t0 = time.perf_counter()
    url, sqlite_path = prepare_database(args)
    report = {"environment": environment(args, url)}
    print(f"building {args.applications} applications in {sqlite_path or url.split('@')[-1]} …", file=sys.stderr)
    info = build(url, args.applications, args.applications if args.loans is None else args.loans)
    print(f"built in {info['build_seconds']} s (migrations {info['migrate_seconds']} s, loans "
          f"{info['loans_seconds']} s): {info['rows']}", file=sys.stderr)
    report["dataset"] = info
    report["environment"]["build_seconds"] = info["build_seconds"]

    applicants = pick_applicants(url, args.concurrency)
    case_id = pick_case(url)
    loan_picks = loanbook.picks(url) if info["loans"].get("loans") else {}
    info["loan_picks"] = loan_picks
    wanted = set(args.only.split(",")) if args.only else None
    results = []
    server = None
    try:
        server = Server(url, args.workers)
        server.wait_ready()
        print(f"gunicorn ({args.workers} sync workers) on 127.0.0.1:{server.port}; "
              f"{args.seconds:g} s per scenario, {args.concurrency} client threads", file=sys.stderr)
        for scenario in scenarios(applicants, case_id, loan_picks, url):
            if wanted and scenario.name not in wanted:
                continue
            try:
                result = load.run("127.0.0.1", server.port, scenario, seconds=args.seconds,
                                  concurrency=args.concurrency, max_requests=args.max_requests,
                                  warmup_seconds=args.warmup).summary()
            except Exception as exc:  # noqa: BLE001 — a broken page is a result, not the end of the run
                result = {"name": scenario.name, "description": scenario.description, "requests": 0, "errors": 1,
                          "req_per_s": 0.0, "p50_ms": None, "p95_ms": None, "p99_ms": None,
                          "error_sample": f"{type(exc).__name__}: {exc}"}
            results.append(result)
            print(f"  {result['name']:<28} {result['req_per_s']:>7.1f} req/s  p50 {_f(result['p50_ms']).strip()} ms"
                  f"  p95 {_f(result['p95_ms']).strip()} ms  errors {result['errors']}"
                  + (f"  ({result['error_sample']})" if result.get("error_sample") else ""), file=sys.stderr)
    except KeyboardInterrupt:
        print("\ninterrupted; stopping gunicorn", file=sys.stderr)
        return 130
    finally:
        if server:
            report["workers"] = server.worker_rss()  # after the run, before stopping them
            server.stop()
            log_tail = server.tail(10)
            if "Error" in log_tail or "Traceback" in log_tail:
                report["gunicorn_log_tail"] = log_tail
    report["http"] = results

    print("counting queries per page and timing the letter …", file=sys.stderr)
    from loans import create_app

    app = create_app(app_config(url, WTF_CSRF_ENABLED=False))
    report["queries_per_page"] = inprocess.safe(inprocess.query_counts, app,
                                                  inprocess_pages(applicants, case_id, loan_picks))
    report["letter"] = inprocess.safe(inprocess.letter_render, app, first_approved(url))
    if args.subsidy_loans:
        from bench import subsidy as subsidy_bench

        print(f"computing a subsidy period for {args.subsidy_loans} loans …", file=sys.stderr)
        report["subsidy"] = inprocess.safe(subsidy_bench.measure, args.subsidy_loans, RESULTS)
    with app.app_context():
        from loans.db import db

        db.engine.dispose()

    report["ledger"] = ledger.run(min(args.applications, 100_000) if args.ledger_loans is None else args.ledger_loans)

    report["total_seconds"] = round(time.perf_counter() - t0, 1)
    try:
        report["environment"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        pass
    report["targets"] = targets.evaluate(report)
    if args.compare:
        other = json.loads(Path(args.compare).read_text())
        report["comparison"] = {"file": args.compare, "targets": targets.compare(report["targets"],
                                                                                  targets.evaluate(other))}
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str) + "\n")

    print_table(results)
    if isinstance(report["queries_per_page"], list):
        print(f"\n{'page (in-process)':<42} {'queries':>7} {'sql ms':>7} {'request ms':>10}  flags")
        for q in report["queries_per_page"]:
            flags = sorted({f for s in q["statements"] for f in s.get("flags", [])})
            print(f"{q['name']:<42} {q['queries']:>7} {q['sql_ms']:>7.1f} {q['request_ms']:>10.1f}  "
                  + ("; ".join(flags) if flags else "") + ("" if q["status"] == 200 else f"  HTTP {q['status']}"))
    letter = report["letter"]
    if letter.get("available"):
        print(f"\napproval letter render: median {letter['zh']['median_ms']} ms (zh), {letter['en']['median_ms']} ms "
              f"(en) over {letter['renders_per_language']} renders; first render {letter['zh']['first_render_ms']} ms;"
              f" target ≤ {letter['target_ms']} ms")
    else:
        print(f"\nletter render: {letter.get('message') or letter.get('error')}")
    subsidy = report.get("subsidy") or {}
    if subsidy.get("available"):
        print(f"subsidy 2021Q3 for {subsidy['loans']} loans: compute {subsidy['compute_seconds']} s "
              f"({subsidy['compute_sql_statements']} SQL statements); {subsidy['pdf_lines']}-line statement PDF: "
              f"median {subsidy['pdf']['zh']['median_ms']} ms (zh), {subsidy['pdf']['en']['median_ms']} ms (en)")
    elif subsidy:
        print(f"subsidy: {subsidy.get('error')}")
    ledger.print_summary(report["ledger"])
    workers = report.get("workers") or {}
    if workers.get("rss_mb"):
        print(f"gunicorn workers after the run: RSS {', '.join(f'{mb:g}' for mb in workers['rss_mb'])} MB")
    targets.print_targets(report["targets"])
    if args.compare:
        targets.print_comparison(report["comparison"]["targets"], targets.database_label(report),
                                 targets.database_label(other))
    print(f"\nN = {args.applications}, build {info['build_seconds']} s, total {report['total_seconds']} s; "
          f"results in {output}")
    if sqlite_path and not args.keep_database:
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(str(sqlite_path) + suffix).unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
