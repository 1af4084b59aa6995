"""Measurements made inside one process with Flask's test client (no server):

* SQL statements per page — counted with SQLAlchemy's ``before_cursor_execute`` event, to
  show that a queue page costs a fixed number of queries whatever the page or the data size;
  each SELECT's time run again on its own to its last row (``_select_ms``), and on SQLite its
  ``EXPLAIN QUERY PLAN`` (full scans and temporary sort B-trees are flagged);
* the median render time of one approval letter (``loans.letters.render``), when present.
"""
from __future__ import annotations

import importlib
import importlib.util
import inspect
import statistics
import sys
import time
from contextlib import contextmanager

from sqlalchemy import event


# Tables that grow with the number of cases; scans and sorts of the others (reference data) are free.
BIG_TABLES = {"loan_applications", "audit_events", "users", "application_key_groups", "eligibility_snapshots",
              "documents", "notifications", "partners", "letters", "case_notes", "evidence_checks", "info_requests",
              "consents", "loans", "loan_events", "follow_up_visits", "subsidy_lines", "bank_claim_lines"}
# A search on one of these keys returns one parent's few rows (a case's events, a loan's events):
# sorting them is cheap. ``statement_id`` is not one: a statement has up to a bank's whole book.
PER_PARENT_KEYS = ("(application_id=?)", "(loan_id=?)")


class QueryLog:
    def __init__(self, engine):
        self.engine = engine
        self.statements: list[dict] = []
        self.active = False
        self._start = {}

    def before(self, conn, cursor, statement, parameters, context, executemany):
        if self.active:
            self._start[id(cursor)] = time.perf_counter()

    def after(self, conn, cursor, statement, parameters, context, executemany):
        if self.active:
            started = self._start.pop(id(cursor), None)
            ms = (time.perf_counter() - started) * 1000 if started else None
            self.statements.append({"sql": statement, "params": parameters, "ms": ms})

    @contextmanager
    def capture(self):
        self.statements = []
        self.active = True
        try:
            yield self
        finally:
            self.active = False

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self.before)
        event.listen(self.engine, "after_cursor_execute", self.after)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self.before)
        event.remove(self.engine, "after_cursor_execute", self.after)


def _login(client, login: str, password: str) -> None:
    response = client.post("/login", data={"login": login, "password": password})
    if response.status_code not in (302, 303) or "/login" in response.headers.get("Location", ""):
        raise RuntimeError(f"in-process login as {login} failed ({response.status_code})")


def _plan(engine, sql: str, params) -> list[str]:
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params if params is not None else ())
        return [row[-1] for row in cursor.fetchall()]
    finally:
        raw.close()


def _select_ms(engine, sql: str, params, runs: int = 3) -> float:
    """A SELECT run again on its own to its last row, the fastest of ``runs`` (warm): the
    time between the execute events is not the query's — SQLite's ``execute`` stops at the
    first row and the rest are computed as they are fetched (a count that walked 15,000
    index entries measured 0.5 ms that way, 5 ms to its result)."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        best = None
        for _ in range(runs):
            started = time.perf_counter()
            cursor.execute(sql, params if params is not None else ())
            cursor.fetchall()
            elapsed = (time.perf_counter() - started) * 1000
            best = elapsed if best is None else min(best, elapsed)
        return best
    finally:
        raw.close()


def plan_flags(plan: list[str]) -> list[str]:
    """Lines worth a look: a full scan of a big table, or a sort of rows a big-table search returned."""
    flags = []
    big = False
    for line in plan:
        words = line.split()
        table = words[1] if len(words) > 1 and words[0] in ("SCAN", "SEARCH") else ""
        if table in BIG_TABLES:
            big = big or words[0] == "SCAN" or not any(key in line for key in PER_PARENT_KEYS)
            if words[0] == "SCAN":
                flags.append("full scan: " + line)
        if "TEMP B-TREE" in line and big:
            flags.append(line)
    return flags


def _short(sql: str, limit: int = 160) -> str:
    flat = " ".join(sql.split())
    return flat if len(flat) <= limit else flat[:limit] + " …"


def query_counts(app, pages: list[dict], *, explain: bool = True) -> list[dict]:
    """GET each page twice (the first warms caches) and record the statements of the second."""
    from loans.db import db

    results = []
    with app.app_context():
        engine = db.engine
    sqlite = engine.dialect.name == "sqlite"
    clients = {}
    with QueryLog(engine) as log:
        for page in pages:
            who = page.get("login")
            key = who[0] if who else None
            if key not in clients:
                clients[key] = app.test_client()
                if who:
                    _login(clients[key], *who)
            client = clients[key]
            client.get(page["path"])
            with log.capture():
                started = time.perf_counter()
                response = client.get(page["path"])
                total_ms = (time.perf_counter() - started) * 1000
            statements = list(log.statements)
            for s in statements:
                if s["sql"].lstrip().upper().startswith("SELECT"):
                    try:
                        s["ms"] = _select_ms(engine, s["sql"], s["params"])
                    except Exception:  # noqa: BLE001 — keep the execute event's time
                        pass
            entry = {
                "name": page["name"], "path": page["path"], "status": response.status_code,
                "queries": len(statements), "request_ms": round(total_ms, 1),
                "sql_ms": round(sum(s["ms"] or 0 for s in statements), 1),
                "statements": [],
            }
            for s in statements:
                item = {"ms": round(s["ms"], 2) if s["ms"] is not None else None, "sql": _short(s["sql"])}
                if explain and sqlite and s["sql"].lstrip().upper().startswith("SELECT"):
                    try:
                        plan = _plan(engine, s["sql"], s["params"])
                    except Exception as exc:  # noqa: BLE001
                        plan = [f"(no plan: {exc})"]
                    item["plan"] = plan
                    flags = plan_flags(plan)
                    if flags:
                        item["flags"] = flags
                entry["statements"].append(item)
            results.append(entry)
    return results


# --- letters --------------------------------------------------------------------------

def letter_render(app, application_id: int | None, *, renders: int = 15) -> dict:
    """Median time to render one approval letter (values + PDF), both languages."""
    try:
        spec = importlib.util.find_spec("loans.letters.render")
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        return {"available": False, "message": "letters not available"}
    if application_id is None:
        return {"available": False, "message": "no approved application in the data set"}
    try:
        render = importlib.import_module("loans.letters.render")
    except Exception as exc:  # noqa: BLE001 — someone's half-finished edit must not sink the bench
        return {"available": False, "message": f"letters not importable: {type(exc).__name__}: {exc}"}
    if not (hasattr(render, "letter_values") and hasattr(render, "render_pdf")):
        names = [n for n, f in inspect.getmembers(render, inspect.isfunction) if f.__module__ == render.__name__]
        return {"available": False, "message": "letters present but without letter_values/render_pdf "
                                               f"(functions: {', '.join(names)})"}

    from loans.applications.models import LoanApplication
    from loans.db import db

    out = {"available": True, "renders_per_language": renders, "application_id": application_id,
           "what": "render.letter_values(...) + render.render_pdf(values): values, QR code, HTML, PDF"}
    with app.test_request_context("/"):
        application = db.session.get(LoanApplication, application_id)
        for lang in ("zh", "en"):
            times, size = [], 0
            first_ms = None
            for i in range(renders + 1):
                started = time.perf_counter()
                values = render.letter_values(
                    application, kind="approval", reference=f"{application.district_code}-2026-{i + 1:05d}",
                    verification_code="BenchVerificationCode0123456789", lang=lang,
                    verify_url="http://127.0.0.1/verify/BenchVerificationCode0123456789")
                pdf = render.render_pdf(values)
                ms = (time.perf_counter() - started) * 1000
                size = len(pdf)
                if i == 0:
                    first_ms = ms  # font loading, template compile: reported, not in the median
                else:
                    times.append(ms)
            out[lang] = {"median_ms": round(statistics.median(times), 1), "min_ms": round(min(times), 1),
                         "max_ms": round(max(times), 1), "first_render_ms": round(first_ms, 1), "pdf_bytes": size}
        db.session.rollback()
    out["median_ms"] = out["zh"]["median_ms"]
    out["target_ms"] = 150
    return out


def safe(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001
        print(f"warning: {fn.__name__} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return {"error": f"{type(exc).__name__}: {exc}"}
