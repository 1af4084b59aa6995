"""Several servers (issue 13, SPEC §14): two gunicorn instances on two ports and one worker,
on PostgreSQL and Redis, share nothing but the database, Redis and the instance folder.

- a login on A works on B (signed-cookie sessions);
- login throttling counts across both (Flask-Limiter's storage in Redis; the per-account
  backoff in the database);
- a ledger import uploaded on A is run by the worker and its progress shows on B;
- 1,000 concurrent decisions on one case, spread over A and B, give exactly one decision;
- a worker killed with SIGKILL while it writes a 100,000-loan import leaves no row, and the
  worker started again finishes the import.

Slow (about two minutes) and needs PostgreSQL (``TEST_DATABASE_URL``: its role must be
allowed to create databases; the module makes and drops its own) and Redis
(``TEST_REDIS_URL``, default redis://127.0.0.1:6379/15, flushed). Skipped unless
``LOANS_MULTISERVER=1``: ``make test-multiserver`` (``.ci/run`` runs it).
"""
from __future__ import annotations

import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.conftest import BASE_CONFIG, ROOT, csrf_token
from tests.helpers import PASSWORD, drop_database, text

pytestmark = [
    pytest.mark.multiserver,
    pytest.mark.skipif(os.environ.get("LOANS_MULTISERVER") != "1",
                       reason="multi-server test: LOANS_MULTISERVER=1 with TEST_DATABASE_URL (make test-multiserver)"),
]

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
LOGIN_LIMIT = 5  # per client address and minute, across every server
DECISIONS = 1_000
RACES, RACERS = 15, 8  # cases decided by approvals and rejections at the same moment
BIG_IMPORT = 100_000
ADMIN, SUPERVISOR = "admin@multiserver.example.cn", "supervisor@multiserver.example.cn"


# --- processes -------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Process:
    name: str
    command: list[str]
    env: dict
    log: Path
    popen: subprocess.Popen | None = None
    logs: list[Path] = field(default_factory=list)

    def start(self) -> None:
        path = self.log.with_name(f"{self.log.stem}-{len(self.logs) + 1}.log")
        self.logs.append(path)
        with open(path, "wb") as out:  # a file, not a pipe: a chatty server never blocks on it
            self.popen = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                          start_new_session=True)

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL to this process only (a worker's threads die with it)."""
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(10)

    def stop(self) -> None:
        """SIGTERM to the process group it leads (gunicorn's own workers too), then SIGKILL."""
        if not self.alive():
            return
        try:
            os.killpg(self.popen.pid, signal.SIGTERM)
            self.popen.wait(15)
        except (subprocess.TimeoutExpired, ProcessLookupError):
            try:
                os.killpg(self.popen.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.popen.wait(5)

    def tail(self, chars: int = 4000) -> str:
        return "\n".join(f"--- {self.name} ({p.name}) ---\n{p.read_text(errors='replace')[-chars:]}"
                         for p in self.logs if p.exists())


def wait_for(condition, seconds: float, what: str, every: float = 0.2):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {seconds:.0f} s waiting for {what}")


# --- a small browser (the standard library's http.client: no redirects followed) ------------

@dataclass
class Answer:
    status: int
    headers: dict
    body: str

    @property
    def words(self) -> str:
        return text(self.body)


class Browser:
    """Keeps cookies like a browser does for one host (ports share cookies); ``forwarded_for``
    sets the client address the servers see (they trust one proxy hop)."""

    def __init__(self, forwarded_for: str | None = None):
        self.cookies: dict[str, str] = {}
        self.forwarded_for = forwarded_for

    def request(self, base: str, method: str, path: str, *, form: dict | None = None,
                files: list[tuple[str, str, bytes]] | None = None, timeout: float = 120) -> Answer:
        host, port = base.removeprefix("http://").split(":")
        headers = {"Accept-Language": "en"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.forwarded_for:
            headers["X-Forwarded-For"] = self.forwarded_for
        body = None
        if files is not None:
            boundary = uuid.uuid4().hex
            body, headers["Content-Type"] = _multipart(form or {}, files, boundary), \
                f"multipart/form-data; boundary={boundary}"
        elif form is not None:
            body = urlencode(form, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection(host, int(port), timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    for morsel in SimpleCookie(value).values():
                        if morsel["expires"] and "1970" in morsel["expires"] or morsel["max-age"] == "0":
                            self.cookies.pop(morsel.key, None)
                        else:
                            self.cookies[morsel.key] = morsel.value
            return Answer(response.status, {k.lower(): v for k, v in response.getheaders()},
                          data.decode("utf-8", "replace"))
        finally:
            connection.close()

    def get(self, base: str, path: str) -> Answer:
        return self.request(base, "GET", path)

    def post(self, base: str, path: str, form: dict, **kwargs) -> Answer:
        return self.request(base, "POST", path, form=form, **kwargs)

    def log_in(self, base: str, login: str, password: str = PASSWORD) -> Answer:
        token = csrf_token(self.get(base, "/login").body)
        return self.post(base, "/login", {"csrf_token": token, "login": login, "password": password})


def _multipart(form: dict, files: list[tuple[str, str, bytes]], boundary: str) -> bytes:
    parts = []
    for name, value in form.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, filename, data in files:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: text/csv\r\n\r\n".encode() + data + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode()


# --- the cluster -----------------------------------------------------------------------------

@dataclass
class Cluster:
    a: str
    b: str
    database: str
    engine: object
    servers: list[Process]
    worker: Process
    case_ids: list[int]

    def processes(self) -> list[Process]:
        return [*self.servers, self.worker]

    def scalar(self, sql: str, **params):
        import sqlalchemy as sa

        with self.engine.connect() as connection:
            return connection.execute(sa.text(sql), params).scalar()

    def row(self, sql: str, **params):
        import sqlalchemy as sa

        with self.engine.connect() as connection:
            return connection.execute(sa.text(sql), params).mappings().first()

    def logs(self) -> str:
        return "\n".join(p.tail() for p in self.processes())


def _database_urls(base_url: str) -> tuple[str, str]:
    """(a new database's URL on the same server, its name)."""
    from sqlalchemy.engine import make_url

    name = f"loans_multiserver_{os.getpid()}_{secrets.token_hex(3)}"
    return make_url(base_url).set(database=name).render_as_string(hide_password=False), name


def _admin_run(base_url: str, sql: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(sql)
    finally:
        engine.dispose()


def _seed(url: str, instance: Path) -> list[int]:
    """Users of the roles the tests need and a case an officer recommended for approval,
    built through the services (tests/factories.py). Returns the cases' ids."""
    from loans import create_app
    from loans.db import db
    from loans.unit_of_work import unit_of_work
    from tests import factories

    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url, "UPLOAD_FOLDER": str(instance / "uploads")})
    app.instance_path = str(instance)
    with app.app_context():
        with unit_of_work():
            factories.AdminFactory(email=ADMIN, name="Admin A")
            factories.SupervisorFactory(email=SUPERVISOR, name="Supervisor S")
            factories.ensure_test_fund()  # approvals pass the guarantee fund's check (SPEC §13)
            case_ids = [factories.recommended_case().id for _ in range(1 + RACES)]
        db.session.remove()
        db.engine.dispose()
    return case_ids


def _env(url: str, instance: Path, public: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOANS_")}
    env.update({
        "LOANS_SQLALCHEMY_DATABASE_URI": url, "LOANS_REDIS_URL": REDIS_URL, "LOANS_INSTANCE_PATH": str(instance),
        "LOANS_SECRET_KEY": "multiserver-secret", "LOANS_PERSONAL_DATA_KEY": BASE_CONFIG["PERSONAL_DATA_KEY"],
        "LOANS_PUBLIC_BASE_URL": public, "LOANS_PROXY_HOPS": "1", "LOANS_LOGIN_RATE_LIMIT": f"{LOGIN_LIMIT} per minute",
        "LOANS_PASSWORD_HASH_TIME_COST": "1", "LOANS_PASSWORD_HASH_MEMORY_COST": "8",
        "LOANS_PASSWORD_HASH_PARALLELISM": "1", "LOANS_JOB_HEARTBEAT_SECONDS": "1", "LOANS_JOB_STALE_SECONDS": "5",
        "LOANS_HEALTH_MIN_FREE_MB": "1", "PYTHONUNBUFFERED": "1",
    })
    return env


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    import shutil

    import redis
    import sqlalchemy as sa

    base_url = os.environ.get("TEST_DATABASE_URL", "")
    if not base_url.startswith("postgresql"):
        pytest.fail("the multi-server test needs TEST_DATABASE_URL pointing at PostgreSQL")
    redis.Redis.from_url(REDIS_URL).flushdb()  # no rate-limit counts or queued jobs of an earlier run

    root = tmp_path_factory.mktemp("multiserver")
    instance = root / "instance"  # the "shared storage" of every server and the worker
    (instance / "fonts").mkdir(parents=True)
    for font in (ROOT / "instance" / "fonts").glob("*.otf"):  # the letter font `make install` built
        shutil.copy2(font, instance / "fonts" / font.name)
    url, name = _database_urls(base_url)
    _admin_run(base_url, f'CREATE DATABASE "{name}"')
    processes: list[Process] = []
    engine = None
    try:
        ports = [_free_port(), _free_port()]
        a, b = (f"http://127.0.0.1:{p}" for p in ports)
        env = _env(url, instance, a)
        started = time.monotonic()
        upgrade = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                                 capture_output=True, text=True, timeout=300)
        assert upgrade.returncode == 0, upgrade.stderr[-3000:]
        case_ids = _seed(url, instance)
        servers = [Process(f"server {label}", [str(ROOT / ".venv" / "bin" / "gunicorn"), "-w", "2", "-b",
                                               f"127.0.0.1:{port}", "--timeout", "120", "wsgi:app"],
                           env, root / f"server-{label}.log")
                   for label, port in zip("AB", ports)]
        worker = Process("worker", [sys.executable, "-m", "flask", "--app", "wsgi", "worker"], env, root / "worker.log")
        processes = [*servers, worker]
        for process in processes:
            process.start()
        engine = sa.create_engine(url, pool_size=2)
        made = Cluster(a, b, url, engine, servers, worker, case_ids)

        def healthy(base):
            try:
                return Browser().get(base, "/healthz").status == 200
            except OSError:
                return False

        try:
            for server in (a, b):
                wait_for(lambda: healthy(server), 60, f"{server}/healthz to answer 200")
            wait_for(lambda: "worker:" in worker.logs[-1].read_text(errors="replace") or not worker.alive(), 60,
                     "the worker to start")
            dead = {p.name: p.popen.returncode for p in processes if not p.alive()}
            assert not dead, f"exited: {dead}"
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{made.logs()}") from None
        print(f"\ncluster up in {time.monotonic() - started:.1f} s: A {a}, B {b}, database {name}")
        yield made
    finally:
        for process in processes:
            process.stop()
        if engine is not None:
            engine.dispose()
        drop_database(base_url, name)
        redis.Redis.from_url(REDIS_URL).flushdb()


@pytest.fixture(autouse=True)
def _logs_on_failure(request, cluster):
    """A failing test prints the tail of every server's and the worker's output."""
    failed = request.session.testsfailed
    started = time.monotonic()
    yield
    print(f"\n{request.node.name}: {time.monotonic() - started:.1f} s")
    if request.session.testsfailed > failed:
        print(cluster.logs(), file=sys.stderr)


def _admin(cluster: Cluster, base: str) -> Browser:
    browser = Browser(forwarded_for=f"192.0.2.{secrets.randbelow(200) + 1}")
    answer = browser.log_in(base, ADMIN)
    assert answer.status == 302, answer.words[:1000]
    return browser


# --- the tests -------------------------------------------------------------------------------

def test_a_login_on_a_works_on_b(cluster):
    browser = Browser(forwarded_for="192.0.2.10")
    assert Browser().get(cluster.b, "/admin/ledger/").status == 302  # B asks a stranger to log in
    answer = browser.log_in(cluster.a, ADMIN)
    assert answer.status == 302, answer.words[:1000]
    on_b = browser.get(cluster.b, "/admin/ledger/")
    assert on_b.status == 200 and "Ledger import" in on_b.words
    # and a form whose CSRF token B issued is accepted by A (the token lives in the session)
    token = csrf_token(browser.get(cluster.b, "/admin/ledger/").body)
    logout = browser.post(cluster.a, "/logout", {"csrf_token": token})
    assert logout.status in (302, 303), logout.words[:1000]
    assert browser.get(cluster.b, "/admin/ledger/").status == 302


def test_login_throttling_counts_across_both_servers(cluster):
    # Flask-Limiter in Redis: LOGIN_LIMIT failed logins per address and minute, whichever
    # server they reach (different accounts, so only the address limit applies); each
    # server's two processes alone saw at most three.
    browser = Browser(forwarded_for="198.51.100.7")
    statuses = []
    for attempt in range(LOGIN_LIMIT + 2):
        server = (cluster.a, cluster.b)[attempt % 2]
        answer = browser.log_in(server, f"nobody{attempt}@multiserver.example.cn", "Wrong-password-1")
        statuses.append(answer.status)
    assert statuses == [200] * LOGIN_LIMIT + [429, 429], statuses
    assert "Too many attempts" in answer.words and answer.headers.get("retry-after")
    # another address is not affected
    assert Browser(forwarded_for="198.51.100.8").log_in(cluster.b, "nobody@multiserver.example.cn", "x").status == 200

    # The per-account backoff lives in the database: failures on one account from ever
    # new addresses (no address limit) alternate between A and B and still add up.
    from loans.config import DEFAULTS

    free = DEFAULTS["LOGIN_BACKOFF_FREE_FAILURES"]
    statuses, last = [], None
    for attempt in range(free + 1):
        server = (cluster.a, cluster.b)[attempt % 2]
        last = Browser(forwarded_for=f"203.0.113.{attempt + 1}").log_in(server, SUPERVISOR, "Wrong-password-1")
        statuses.append(last.status)
    # the failure that reaches the free count already imposes the wait (backoff_seconds)
    assert statuses == [200] * (free - 1) + [429, 429], statuses
    assert "Too many wrong passwords for this account" in last.words
    # the right password waits too, on either server
    assert Browser(forwarded_for="203.0.113.99").log_in(cluster.a, SUPERVISOR).status == 429
    import sqlalchemy as sa

    with cluster.engine.begin() as connection:  # the supervisor is needed again below
        connection.execute(sa.text("DELETE FROM login_throttles"))


def _upload(cluster: Cluster, browser: Browser, loans: int) -> int:
    from bench.ledger import ledger_files

    loans_csv, events_csv, _events = ledger_files(loans)
    token = csrf_token(browser.get(cluster.a, "/admin/ledger/").body)
    answer = browser.request(cluster.a, "POST", "/admin/ledger/", form={"csrf_token": token},
                             files=[("files", "loans.csv", loans_csv), ("files", "events.csv", events_csv)])
    assert answer.status == 303, answer.words[:2000]
    return int(re.search(r"/admin/ledger/(\d+)$", answer.headers["location"]).group(1))


CHECKING = re.compile(r"Checking rows: (\d+) of (\d+)")


def test_a_ledger_import_uploaded_on_a_is_run_by_the_worker_and_followed_on_b(cluster):
    loans = 5_000
    import_id = _upload(cluster, _admin(cluster, cluster.a), loans)
    on_b = _admin(cluster, cluster.b)
    seen: list[str] = []
    checked: list[int] = []

    def finished():
        page = on_b.get(cluster.b, f"/admin/ledger/{import_id}")
        assert page.status == 200, page.words[:1000]
        words = page.words
        if "refresh" in page.headers:  # still running: the page reloads itself
            seen.append("running")
            match = CHECKING.search(words)
            if match:
                checked.append(int(match.group(1)))
            return None
        return words

    words = wait_for(finished, 120, f"import {import_id} to end (seen on B)", every=0.1)
    assert "Imported. Nothing else changed." in words, words[:2000]
    assert seen, "B never showed the import running"
    print(f"B saw the run running {len(seen)} times; rows checked seen: {checked[:20]}")
    # the run commits its rows, then the job its end (a moment later)
    job = wait_for(lambda: (lambda r: r if r["state"] != "running" else None)(cluster.row(
        "SELECT state, worker, attempts FROM jobs WHERE kind = 'ledger_import' AND params->>'batch_id' = :i",
        i=str(import_id))), 30, "the job to end")
    assert job["state"] == "done" and job["attempts"] == 1 and job["worker"], dict(job)
    assert cluster.scalar("SELECT count(*) FROM loans WHERE import_id = :i", i=import_id) == loans
    assert cluster.scalar("SELECT loans_added FROM ledger_imports WHERE id = :i", i=import_id) == loans
    jobs_page = on_b.get(cluster.b, "/admin/jobs")
    assert jobs_page.status == 200 and "Ledger import" in jobs_page.words


def test_a_thousand_concurrent_decisions_across_both_servers_give_one(cluster):
    supervisor = Browser(forwarded_for="192.0.2.50")
    assert supervisor.log_in(cluster.a, SUPERVISOR).status == 302
    case = f"/review/cases/{cluster.case_ids[0]}"
    page = supervisor.get(cluster.b, case)
    assert page.status == 200, page.words[:1000]
    form = {"csrf_token": csrf_token(page.body), "decision": "approve", "amount": "", "reason": ""}
    servers = (cluster.a, cluster.b)

    def attempt(i: int) -> tuple[int, str]:
        answer = supervisor.post(servers[i % 2], f"{case}/decide", form)
        if answer.status in (302, 303):
            return answer.status, answer.headers.get("location", "")
        refusal = re.search(r"(This case has already been decided|This action is not possible|someone changed it)"
                            r"[^.]*\.", answer.words)
        return answer.status, refusal.group(0) if refusal else answer.words[-600:]

    def chain_ids() -> int:  # ids taken from the audit rows' sequence, minus the rows stored
        return cluster.scalar("SELECT (SELECT last_value FROM audit_events_id_seq) - count(*) FROM audit_events")

    chain_before = chain_ids()
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(attempt, range(DECISIONS)))
    elapsed = time.monotonic() - started
    by_status: dict[int, int] = {}
    for status, _ in results:
        by_status[status] = by_status.get(status, 0) + 1
    print(f"{DECISIONS} decisions in {elapsed:.1f} s: {by_status}")
    odd = [(s, w) for s, w in results if s not in (302, 303, 409)]
    assert not odd, f"{by_status}; e.g. {odd[:3]}"
    assert by_status.get(302, 0) + by_status.get(303, 0) == 1, by_status
    assert by_status[409] == DECISIONS - 1
    refusals: dict[str, int] = {}
    for status, words in results:
        if status == 409:
            refusals[words] = refusals.get(words, 0) + 1
    print(f"refusals: {refusals}")
    assert all(w.startswith(("This case has already been decided", "This action is not possible")) or
               "someone changed it" in w for w in refusals), refusals
    # the losers that had read the case before the winner committed got as far as the
    # audit chain (each took an id from its sequence and rolled back)
    raced = chain_ids() - chain_before
    print(f"attempts that raced the winner to the audit chain: {raced}")
    assert raced >= 1

    assert cluster.scalar("SELECT status FROM loan_applications WHERE id = :i", i=cluster.case_ids[0]) == "approved"
    assert cluster.scalar("SELECT count(*) FROM audit_events WHERE object_type = 'loan_applications' "
                          "AND object_id = :i AND action = 'approve'", i=cluster.case_ids[0]) == 1
    assert cluster.scalar("SELECT count(*) FROM letters WHERE application_id = :i", i=cluster.case_ids[0]) == 1
    verify = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "audit", "verify"], cwd=ROOT,
                            env=cluster.worker.env, capture_output=True, text=True, timeout=120)
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_a_worker_killed_while_writing_a_100000_loan_import_leaves_no_rows_and_the_next_finishes(cluster):
    before = cluster.scalar("SELECT count(*) FROM loans")
    events_before = cluster.scalar("SELECT count(*) FROM loan_events")
    inserts = ("SELECT coalesce(sum(n_tup_ins), 0) FROM pg_stat_user_tables "  # committed or not
               "WHERE relname IN ('loans', 'loan_events')")
    inserted_before = cluster.scalar(inserts)
    started = time.monotonic()
    import_id = _upload(cluster, _admin(cluster, cluster.a), BIG_IMPORT)
    uploaded = time.monotonic()
    job_id = cluster.scalar("SELECT id FROM jobs WHERE kind = 'ledger_import' AND params->>'batch_id' = :i",
                            i=str(import_id))

    def writing():
        # the run's rows all checked and the worker's transaction inserting loans or events
        state = cluster.row("SELECT status, processed_rows, total_rows FROM ledger_imports WHERE id = :i",
                            i=import_id)
        assert state["status"] == "running", f"the import ended before the worker could be killed: {dict(state)}"
        return state["total_rows"] and state["processed_rows"] == state["total_rows"] and cluster.scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' "
            "AND query ILIKE 'INSERT INTO loan%'")

    wait_for(writing, 240, "the worker to write the import's rows", every=0.05)
    time.sleep(0.5)  # some chunks written, not committed
    first = cluster.worker.popen.pid
    cluster.worker.kill()
    killed_at = time.monotonic()
    job = cluster.row("SELECT state, attempts FROM jobs WHERE id = :i", i=job_id)
    assert job["state"] == "running" and job["attempts"] == 1, dict(job)  # as the dead worker left it
    assert cluster.scalar("SELECT status FROM ledger_imports WHERE id = :i", i=import_id) == "running"
    # all-or-nothing: nothing of the run is stored, now or once its connection is gone
    wait_for(lambda: not cluster.scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                        "AND query ILIKE 'INSERT INTO loan%' AND state <> 'idle'"),
             60, "the dead worker's transaction to end")
    assert cluster.scalar("SELECT count(*) FROM loans") == before
    assert cluster.scalar("SELECT count(*) FROM loan_events") == events_before
    # though the dead transaction had written rows (its backend reports them as it exits)
    rolled_back = wait_for(lambda: cluster.scalar(inserts) - inserted_before, 30, "the statistics of the dead writer")
    print(f"rows written by the killed worker and rolled back: {rolled_back}")

    cluster.worker.start()
    finished = wait_for(lambda: (lambda r: r if r["state"] in ("done", "failed") else None)(
        cluster.row("SELECT state, attempts, error, worker FROM jobs WHERE id = :i", i=job_id)),
        300, "the import to end after the restart", every=0.5)
    ended = time.monotonic()
    print(f"100,000 loans: uploaded in {uploaded - started:.1f} s, killed after {killed_at - uploaded:.1f} s, "
          f"finished {ended - killed_at:.1f} s after the kill")
    batch = cluster.row("SELECT status, loans_added, events_added, errors FROM ledger_imports WHERE id = :i",
                        i=import_id)
    assert finished["state"] == "done", (dict(finished), dict(batch))
    assert finished["attempts"] == 2 and finished["error"] is None and str(first) not in finished["worker"]
    # the files generated for the smaller import above are this one's first loans: unchanged
    assert batch["status"] == "done" and batch["loans_added"] == BIG_IMPORT - before, dict(batch)
    assert cluster.scalar("SELECT count(*) FROM loans WHERE import_id = :i", i=import_id) == BIG_IMPORT - before
    assert cluster.scalar("SELECT count(*) FROM loans") == BIG_IMPORT
    assert cluster.scalar("SELECT count(*) FROM loan_events") == events_before + batch["events_added"]
    page = _admin(cluster, cluster.b).get(cluster.b, f"/admin/ledger/{import_id}")
    assert "Imported. Nothing else changed." in page.words


def test_approvals_and_rejections_racing_across_both_servers_give_one_decision_and_no_error(cluster):
    # An approval writes its eligibility snapshot (an audit row: the chain's lock) before
    # its guarded UPDATE; a rejection updates first, then writes its audit row. Without
    # the case's row locked first by the approval, the two deadlocked (a 500).
    supervisor = Browser(forwarded_for="192.0.2.51")
    assert supervisor.log_in(cluster.a, SUPERVISOR).status == 302
    races = cluster.case_ids[1:]
    token = csrf_token(supervisor.get(cluster.b, f"/review/cases/{races[0]}").body)
    servers = (cluster.a, cluster.b)
    statuses: dict[int, int] = {}
    errors = []
    for case_id in races:
        start = threading.Barrier(RACERS)

        def attempt(i: int) -> Answer:
            decision = ("approve", "reject")[i % 2]
            form = {"csrf_token": token, "decision": decision, "amount": "",
                    "reason": "Not this time." if decision == "reject" else ""}
            start.wait()
            return supervisor.post(servers[(i // 2) % 2], f"/review/cases/{case_id}/decide", form)

        with ThreadPoolExecutor(max_workers=RACERS) as pool:
            answers = list(pool.map(attempt, range(RACERS)))
        for answer in answers:
            statuses[answer.status] = statuses.get(answer.status, 0) + 1
            if answer.status not in (302, 303, 409):
                errors.append((case_id, answer.status, answer.words[-300:]))
        decided = cluster.scalar("SELECT count(*) FROM audit_events WHERE object_type = 'loan_applications' "
                                 "AND object_id = :i AND action IN ('approve', 'reject')", i=case_id)
        assert decided == 1, (case_id, decided, [a.status for a in answers])
    print(f"{RACES} cases, {RACERS} deciders each: {statuses}")
    assert not errors, errors[:3]
    assert statuses.get(302, 0) + statuses.get(303, 0) == RACES
