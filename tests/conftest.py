"""The one conftest: the app on a real database (SQLite by default, PostgreSQL when
TEST_DATABASE_URL is set) with its instance folder in a temporary directory, a test
client, a CLI runner, and the fixtures every package's tests share. The data itself
comes from ``tests/factories.py``; a package's conftest only adds what is its own."""
from __future__ import annotations

import logging
import os
import re
import shutil
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from flask import g, request_started
from hypothesis import HealthCheck, settings

from tests import factories
from tests.helpers import client_for, login

settings.register_profile("ci", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=200, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ROOT = Path(__file__).resolve().parent.parent


def _worker_database_url(url: str | None) -> str | None:
    """TEST_DATABASE_URL; under pytest-xdist (``-n 2``) each worker has its own database
    beside that one, ``<name>_gw0``, ``<name>_gw1``…, made when missing (the role needs
    CREATEDB, as .ci/run gives it)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{worker}").render_as_string(hide_password=False)


PG_URL = _worker_database_url(os.environ.get("TEST_DATABASE_URL"))
REFERENCE_TABLES = {"districts", "banks", "key_groups", "policy_versions", "lpr_fixings", "calendar_days",
                    "alembic_version"}

BASE_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key",
    "PERSONAL_DATA_KEY": "test-personal-data-key",
    "WTF_CSRF_ENABLED": False,
    "RATELIMIT_ENABLED": False,
    "JOBS_IMMEDIATE": True,  # no consumer: jobs run inline when their unit of work ends
    "SMS_BACKEND": "recording",  # SMS kept in the app for tests to read, not printed
    # Cheap argon2 so the suite stays fast; production uses the defaults in config.py.
    "PASSWORD_HASH_TIME_COST": 1,
    "PASSWORD_HASH_MEMORY_COST": 8,
    "PASSWORD_HASH_PARALLELISM": 1,
}


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives Chromium (runs once, on SQLite)")
    config.addinivalue_line("markers", "pdf: renders PDFs (runs once, on SQLite)")
    config.addinivalue_line("markers", "nodb: needs no database (skipped in the PostgreSQL run)")
    config.addinivalue_line("markers", "no_fund: starts without the test guarantee fund (tests/fund/ always does)")
    config.addinivalue_line("markers", "multiserver: gunicorn servers, a worker, PostgreSQL and Redis "
                                       "(skipped unless LOANS_MULTISERVER=1; make test-multiserver)")


def _upgrade(url: str) -> None:
    from flask_migrate import upgrade

    from loans import create_app

    from loans.db import db

    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()  # SQLite: the last connection closed folds the write-ahead log into the file copied


def _create_worker_database() -> None:
    import sqlalchemy as sa

    shared = os.environ["TEST_DATABASE_URL"]
    if PG_URL == shared:
        return
    name = sa.engine.make_url(PG_URL).database
    engine = sa.create_engine(shared, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if not conn.exec_driver_sql("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).scalar():
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        conn.exec_driver_sql(f'ALTER DATABASE "{name}" SET synchronous_commit = off')  # see _commit_without_fsync
    engine.dispose()


def _reset_postgres(url: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory):
    """A database at the latest migration with only reference data in it."""
    if PG_URL:
        _create_worker_database()
        _reset_postgres(PG_URL)
        _upgrade(PG_URL)
        _snapshot_reference_data(PG_URL)
        return PG_URL
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    _upgrade(f"sqlite:///{path}")
    return path


_REFERENCE_ROWS: dict = {}


def _snapshot_reference_data(url: str) -> None:
    """Keep the seeded reference rows (as the migrations wrote them) to restore after each test."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    metadata = sa.MetaData()
    metadata.reflect(engine)
    with engine.connect() as conn:
        for name in sorted(REFERENCE_TABLES - {"alembic_version"}):
            table = metadata.tables[name]
            _REFERENCE_ROWS[name] = (table, [dict(row._mapping) for row in conn.execute(sa.select(table))])
        _EMPTYING.update(_emptying_plan(conn, metadata))
    engine.dispose()


_EMPTYING: dict = {}


def _emptying_plan(conn, metadata) -> dict:
    """What ``_empty_postgres`` needs to know of the schema: the tables parents first, who
    references whom, which tables refuse DELETE (the audit trail's append-only trigger), each
    table's id sequence, and a fingerprint of each reference table as the migrations left it."""
    tables = [t.name for t in metadata.sorted_tables if t.name != "alembic_version"]
    referenced_by: dict[str, set[str]] = {name: set() for name in tables}
    for table in metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name in referenced_by and fk.column.table is not table:
                referenced_by[fk.column.table.name].add(table.name)
    no_delete = set(conn.exec_driver_sql(  # tgtype bit 3: fires on DELETE
        "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE NOT t.tgisinternal AND t.tgtype & 8 <> 0").scalars())
    sequences = {name: seq for name, seq in conn.exec_driver_sql(
        "SELECT c.relname, pg_get_serial_sequence(quote_ident(c.relname), a.attname) FROM pg_class c "
        "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'id' "
        "WHERE c.relkind = 'r' AND c.relnamespace = current_schema()::regnamespace") if seq and name in tables}
    return {"tables": tables, "referenced_by": referenced_by, "no_delete": no_delete & set(tables),
            "sequences": sequences, "fingerprints": _reference_fingerprints(conn)}


def _reference_fingerprints(conn) -> dict[str, str]:
    names = sorted(_REFERENCE_ROWS)
    row = conn.exec_driver_sql(", ".join(
        f"(SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {name} t) AS {name}"
        for name in names).join(["SELECT ", ""])).one()
    return dict(zip(names, row))


def _empty_postgres(conn) -> None:
    """The same end as TRUNCATE … RESTART IDENTITY CASCADE and refilling the reference
    tables, at a fraction of its cost: only the tables a test wrote to are emptied (DELETE,
    children first; TRUNCATE where a trigger refuses DELETE), a reference table only when
    its rows differ from the migrations' (with the reference tables that point at it),
    and the id sequences that moved are put back."""
    plan = _EMPTYING
    tables = plan["tables"]
    filled = set(conn.exec_driver_sql(" UNION ALL ".join(
        f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM {name})" for name in tables)).scalars())
    fingerprints = _reference_fingerprints(conn)
    changed = {name for name in _REFERENCE_ROWS if fingerprints[name] != plan["fingerprints"][name]}
    grown = True
    while grown:  # a reference row that points at a reference row about to be refilled goes too
        more = {child for name in changed for child in plan["referenced_by"][name] if child in _REFERENCE_ROWS}
        grown = not more <= changed
        changed |= more
    dirty = (filled - set(_REFERENCE_ROWS)) | changed
    truncated = {name for name in dirty if name in plan["no_delete"]}
    grown = True
    while grown:  # TRUNCATE wants every table that references one of them in the same statement
        more = {child for name in truncated for child in plan["referenced_by"][name]}
        grown = not more <= truncated
        truncated |= more
    if truncated:
        conn.exec_driver_sql(f"TRUNCATE {', '.join(sorted(truncated))}")
    for name in reversed(tables):
        if name in dirty and name not in truncated:
            conn.exec_driver_sql(f"DELETE FROM {name}")
    for name in tables:
        if name in changed or (name in truncated and name in _REFERENCE_ROWS):
            table, rows = _REFERENCE_ROWS[name]
            if rows:
                conn.execute(table.insert(), rows)
    moved = set(conn.exec_driver_sql(
        "SELECT schemaname || '.' || sequencename FROM pg_sequences "
        "WHERE schemaname = current_schema() AND last_value IS NOT NULL").scalars())
    resets = [f"setval('{seq}', 1, false)" for name, seq in plan["sequences"].items()
              if name not in _REFERENCE_ROWS and seq in moved]
    resets += [f"setval('{seq}', (SELECT max(id) FROM {name}))" for name, seq in plan["sequences"].items()
               if name in _REFERENCE_ROWS and _REFERENCE_ROWS[name][1]]
    if resets:
        conn.exec_driver_sql("SELECT " + ", ".join(resets))


def _truncate_postgres(db) -> None:
    """Empty every table and put the seeded reference data back.

    ``_empty_postgres`` does it table by table; when it cannot (a migration test left
    another schema), TRUNCATE … CASCADE, which also empties tables that merely reference a
    truncated one (e.g. policy_versions.created_by_id → users), so reference tables are
    truncated too and refilled; either way reference data an admin test changed is undone."""
    import sqlalchemy as sa

    if _EMPTYING:
        try:
            with db.engine.begin() as conn:
                _empty_postgres(conn)
            db.engine.dispose()
            return
        except sa.exc.DBAPIError:  # a schema the plan does not know (a migration test's): start over
            pass
    with db.engine.begin() as conn:
        tables = [t for t in sa.inspect(conn).get_table_names() if t != "alembic_version"]
        conn.exec_driver_sql(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        for name, (table, rows) in _REFERENCE_ROWS.items():
            if rows:
                conn.execute(table.insert(), rows)
            if rows and "id" in table.c:
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))")
    db.engine.dispose()


def make_app(migrated_template, tmp_path, **overrides):
    from loans import create_app

    if PG_URL:
        url = PG_URL
    else:
        db_file = tmp_path / "test.sqlite3"
        shutil.copy(migrated_template, db_file)
        url = f"sqlite:///{db_file}"
    config = {**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url, "UPLOAD_FOLDER": str(tmp_path / "uploads"), **overrides}
    app = create_app(config)
    if _SESSION_INSTANCE is not None:
        app.instance_path = str(_SESSION_INSTANCE)
    request_started.connect(_fresh_g, app)
    _share_compiled_templates(app)
    return app


class _TemplateCodeCache:
    """Jinja's compiled templates, kept for the whole session in memory.

    Every test has its own app and so its own Jinja environment, which would parse and
    compile each template again (a quarter of a page test's time). Environments built
    alike share one cache; Jinja still checks each template's source checksum on load."""

    def __init__(self):
        from jinja2 import BytecodeCache

        class Cache(BytecodeCache):
            def __init__(self):
                self.codes: dict[str, bytes] = {}

            def load_bytecode(self, bucket):
                if bucket.key in self.codes:
                    bucket.bytecode_from_string(self.codes[bucket.key])

            def dump_bytecode(self, bucket):
                self.codes[bucket.key] = bucket.bytecode_to_string()

        self.cache_class = Cache
        self.by_environment: dict[tuple, BytecodeCache] = {}

    def attach(self, env) -> None:
        """What decides the compiled code: the syntax, the extensions and the options."""
        signature = (tuple(sorted(env.extensions)), env.block_start_string, env.block_end_string,
                     env.variable_start_string, env.variable_end_string, env.comment_start_string,
                     env.comment_end_string, env.line_statement_prefix, env.line_comment_prefix, env.trim_blocks,
                     env.lstrip_blocks, env.newline_sequence, env.keep_trailing_newline, env.optimized,
                     getattr(env.autoescape, "__qualname__", env.autoescape),
                     env.is_async, getattr(env, "newstyle_gettext", None), type(env.loader).__name__)
        env.bytecode_cache = self.by_environment.setdefault(signature, self.cache_class())


_TEMPLATE_CODE = _TemplateCodeCache()


def _share_compiled_templates(app) -> None:
    _TEMPLATE_CODE.attach(app.jinja_env)


def _share_url_builders() -> None:
    """Werkzeug compiles two Python functions (via ``ast`` and ``compile``) for each of the
    app's ~115 URL rules; for an app per test that is two thirds of ``create_app`` (37 ms
    of CPU, 12 ms when shared). The functions are pure — they read the rule's own converters when called — so
    rules that parse alike share them for the session. If Werkzeug's internals change,
    nothing is shared and the tests only run slower."""
    import inspect

    from werkzeug.routing import rules

    original = getattr(rules.Rule, "_compile_builder", None)
    if original is None or getattr(original, "shared", False) \
            or list(inspect.signature(original).parameters) != ["self", "append_unknown"]:
        return
    builders: dict[tuple, object] = {}

    def compile_builder(self, append_unknown=True):
        try:
            key = (self.rule, tuple(self._trace), repr(sorted((self.defaults or {}).items())),
                   tuple(sorted((name, type(c)) for name, c in self._converters.items())), append_unknown)
        except (AttributeError, TypeError):
            return original(self, append_unknown)
        if key not in builders:
            builders[key] = original(self, append_unknown)
        return builders[key]

    compile_builder.shared = True
    rules.Rule._compile_builder = compile_builder


_share_url_builders()


def _commit_without_fsync() -> None:
    """A test database need not survive a power cut: SQLite commits without fsync
    (PRAGMA synchronous=OFF; 1.5 ms a commit on this disk, ~10 commits a test). A commit
    is as atomic and as visible as before; PostgreSQL's worker databases get the same
    with synchronous_commit=off (``_create_worker_database``)."""
    import sqlite3

    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    @event.listens_for(Engine, "connect")
    def no_fsync(dbapi_connection, _record):
        if isinstance(dbapi_connection, sqlite3.Connection):
            dbapi_connection.execute("PRAGMA synchronous = OFF")


_commit_without_fsync()


# --- the instance folder --------------------------------------------------------------------

REPO_INSTANCE = ROOT / "instance"
_SESSION_INSTANCE: Path | None = None


def instance_listing(folder: Path = REPO_INSTANCE) -> dict[str, tuple[int, int]]:
    """Every file and folder under ``folder`` (itself included) with its size and mtime."""
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in [folder, *folder.rglob("*")]}


@pytest.fixture(scope="session", autouse=True)
def session_instance(tmp_path_factory):
    """The apps of this test session keep their instance files (letter font, uploads,
    databases) in a temporary folder, never in the repository's ``instance/``.

    The letter font that ``make install`` built into ``instance/fonts`` is copied, so the
    session does not spend ~12 s building it again; without it the first letter builds it
    here. At the end, the repository's ``instance/`` must be as the session found it."""
    global _SESSION_INSTANCE
    before = instance_listing()
    folder = tmp_path_factory.mktemp("instance")
    built = REPO_INSTANCE / "fonts"
    if built.is_dir():
        (folder / "fonts").mkdir()
        for font in built.glob("*.otf"):
            shutil.copy2(font, folder / "fonts" / font.name)
    _SESSION_INSTANCE = folder
    yield folder
    _SESSION_INSTANCE = None
    after = instance_listing()
    changed = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
    assert not changed, f"the test session wrote into the repository's instance/: {changed}"


def _fresh_g(sender, **extra):
    """Give every request its own ``g``, as in production.

    The ``app`` fixture keeps an application context pushed for the whole test, and Flask
    reuses it for each request, so ``g`` would otherwise carry Flask-Login's cached user,
    the CSRF token and per-request caches from one request (and one client) to the next."""
    g.__dict__.clear()


def _case_counts_hold(db) -> None:
    """After every test: the kept case counts (loans/applications/counts.py) still equal the
    cases counted afresh, whatever the test did to cases (a drift anywhere fails the test)."""
    import sqlalchemy as sa

    from loans.applications import counts

    with db.engine.connect() as conn:
        if not sa.inspect(conn).has_table("case_counts"):
            return  # a migration test left an older schema
        kept, afresh = counts.kept(conn), counts.counted_afresh(conn)
    assert kept == afresh, f"case_counts drifted: kept {kept}, counted {afresh}"


@contextmanager
def running_app(migrated_template, tmp_path, **config):
    """An app on a fresh database inside its app context; emptied again afterwards."""
    app = make_app(migrated_template, tmp_path, **config)
    with app.app_context():
        yield app
        from loans.db import db

        db.session.remove()
        try:
            _case_counts_hold(db)
        finally:
            if PG_URL:
                _truncate_postgres(db)
            else:
                db.engine.dispose()


@pytest.fixture
def app(migrated_template, tmp_path):
    with running_app(migrated_template, tmp_path) as app:
        yield app


@pytest.fixture
def client(app):
    """A browser that prefers English; a test wanting Chinese asks for it."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# --- data: users, cases, loans (built by tests/factories.py, committed here) ------------------

@pytest.fixture(autouse=True)
def _numbering_from_one():
    factories.reset_sequences()


@pytest.fixture(autouse=True)
def _guarantee_fund(request):
    """Approvals pass the guarantee fund's check (SPEC §13): outside tests/fund/ (whose tests
    count the fund to the fen) and tests marked ``no_fund``, every test with a database
    starts with a fund far larger than any test lends (``factories.ensure_test_fund``)."""
    if ("app" in request.fixturenames and request.node.get_closest_marker("no_fund") is None
            and "fund" not in request.path.parent.name):
        request.getfixturevalue("app")
        from loans.db import db

        factories.ensure_test_fund()
        db.session.commit()


@pytest.fixture
def make_user(app):
    """make_user(role="applicant", email=…, password=…, **fields) → a committed user."""
    from loans.db import db

    def make(role="applicant", email=None, password=factories.PASSWORD, **kwargs):
        if email is not None:
            kwargs["email"] = email
        user = factories.UserFactory(role=role, password=password, **kwargs)
        db.session.commit()
        return user

    return make


@pytest.fixture
def staff(make_user):
    """staff(role, district_code=…, bank_code=…, name=…) → a committed staff user."""
    def make(role, **kwargs):
        return make_user(role, **kwargs)

    return make


@pytest.fixture
def make_case(app):
    """make_case(status="submitted", **fields) → a committed LoanApplication reached through
    the services (see ``factories.ApplicationFactory`` for the fields)."""
    from loans.db import db

    def make(status="submitted", **fields):
        application = factories.ApplicationFactory(
            status=status, **{k: v for k, v in fields.items() if v is not None or k not in ("name", "business")})
        db.session.commit()
        return application

    return make


@pytest.fixture
def as_user(app):
    """as_user(user) → a fresh test client logged in as ``user``."""
    return lambda user: client_for(app, user)


@pytest.fixture
def bank_user(staff):
    return staff("bank", bank_code="ICBC-CZ", name="ICBC clerk")


@pytest.fixture
def approved(app):
    """approved(decided_on=…, **make_case fields) → a committed approved case, its decision
    moved to ``decided_on`` (validity 90 days from it) so contracts can be dated in the past."""
    from loans.db import db

    def make(decided_on: date | None = None, **fields):
        case = factories.approved_case(decided_on, **fields)
        db.session.commit()
        return case

    return make


@pytest.fixture
def contracted(app, bank_user):
    """contracted(contract_date=…, rate=…, amount=…, term_months=…, **case fields) → a
    committed Loan in ``contracted``, its contract recorded by ``bank_user``."""
    from loans.db import db

    def make(**fields):
        loan = factories.ContractedLoanFactory(clerk=bank_user, **fields)
        db.session.commit()
        return loan

    return make


@pytest.fixture
def add_loan(app):
    """add_loan(ref, bank=…, events=[(date, kind, amount)], **fields) → a flushed ledger Loan."""
    def add(loan_ref, *, bank="ICBC-CZ", district="431002", name=None, id_number=None, rate="4.35", lpr="3.85",
            maturity=date(2024, 6, 15), amount="200000", **fields):
        if name is not None:
            fields["borrower_name"] = name
        if id_number is not None:
            fields["id_number"] = id_number
        return factories.LoanFactory(loan_ref=loan_ref, bank_code=bank, district=district, contract_rate=Decimal(rate),
                                     lpr_rate=Decimal(lpr), maturity_date=maturity, amount=Decimal(amount), **fields)

    return add


@pytest.fixture
def run_ledger(app):
    """Run a ledger import as the CLI does; returns (result, problems)."""
    from loans.ledger import runner

    def run(*sources, actor=None):
        batch_id = runner.start(list(sources), actor=actor)
        return runner.execute(batch_id, list(sources), actor=actor)

    return run


@pytest.fixture
def programme(app):
    """One small world for the range 2021-01-01 – 2021-06-30, built directly with the
    models so the reports do not depend on the servicing, ledger or subsidy services
    (figures worked out by hand beside each loan). Returns {name: Loan}."""
    from loans.db import db

    loan, d = factories.ProgrammeLoanFactory, date
    loans = {
        # Beihu 431002
        # counted; 100,000 out, 20,000 back → 80,000; latest visit 1 + 4 = 5 verified
        "L1": loan(jobs_declared=3, events=[(d(2021, 2, 10), "disbursement", "100000"),
                                            (d(2021, 5, 1), "repayment", "20000")],
                   visits=[(d(2021, 4, 1), 1, 1), (d(2021, 8, 1), 1, 4)]),
        # counted on the range's last day; a partnership of 3 people; never visited
        "L2": loan(loan_type="partnership", partners=3, jobs_declared=8, bank_code="ABC-CZ", key_group="veteran",
                   events=[(d(2021, 6, 30), "disbursement", "300000")]),
        # first disbursed before the range: its second tranche counts in the amount only;
        # overdue since 2021-06-01, still open → 80,000 overdue
        "L3": loan(jobs_declared=2, key_group="urban_unemployed",
                   events=[(d(2020, 12, 31), "disbursement", "50000"), (d(2021, 1, 1), "disbursement", "30000"),
                           (d(2021, 6, 1), "overdue_start", None)], status="overdue"),
        # first disbursed the day after the range: not counted, no balance on its last day
        "L4": loan(jobs_declared=4, events=[(d(2021, 7, 1), "disbursement", "90000")]),
        # Suxian 431003
        # an enterprise: counted apart from people; overdue 04-01 up to (not including) 06-30
        "L5": loan(district="431003", loan_type="enterprise", jobs_declared=20, bank_code="CZRCB",
                   events=[(d(2021, 3, 15), "disbursement", "1000000"), (d(2021, 4, 1), "overdue_start", None),
                           (d(2021, 6, 30), "overdue_end", None)],
                   visits=[(d(2021, 5, 1), 1, 12)]),
        # counted, repaid in full before the range ends
        "L6": loan(district="431003", jobs_declared=1, events=[(d(2021, 1, 5), "disbursement", "200000"),
                                                               (d(2021, 6, 1), "repayment", "200000")],
                   status="settled"),
        # an older loan the guarantee fund compensated: nothing outstanding
        "L7": loan(district="431003", bank_code="ABC-CZ", key_group="urban_unemployed",
                   events=[(d(2020, 6, 1), "disbursement", "100000"), (d(2021, 1, 10), "overdue_start", None),
                           (d(2021, 3, 1), "compensation", "100000")], status="compensated"),
    }
    statement = factories.StatementFactory
    statement(bank_code="ICBC-CZ", period="2021Q1", status="paid", paid_on=d(2021, 4, 10),
              lines=[(loans["L1"], "1000.00"), (loans["L6"], "500.00")])
    statement(bank_code="ICBC-CZ", period="2020Q4", status="paid", paid_on=d(2021, 1, 15),
              lines=[(loans["L3"], "300.00")])
    # not paid, paid after the range, and a superseded version: none counts
    statement(bank_code="ABC-CZ", period="2021Q1", status="approved", lines=[(loans["L2"], "999.00")])
    statement(bank_code="CZRCB", period="2021Q2", status="paid", paid_on=d(2021, 7, 5),
              lines=[(loans["L5"], "777.00")])
    statement(bank_code="ICBC-CZ", period="2020Q3", status="superseded", paid_on=d(2021, 2, 1),
              lines=[(loans["L3"], "50.00")])
    db.session.commit()
    return loans


# --- PDFs ----------------------------------------------------------------------------------

class RenderWarnings(logging.Handler):
    """Collects the warnings of the PDF renderers' loggers."""

    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def no_render_warnings():
    """A missing glyph prints as a blank (.notdef): fail instead of shipping such a PDF —
    any WeasyPrint or letter-renderer warning fails the test."""
    handler = RenderWarnings()
    loggers = [logging.getLogger(name) for name in ("weasyprint", "loans.letters.render", "loans.subsidy.pdf")]
    for logger in loggers:
        logger.addHandler(handler)
    yield handler
    for logger in loggers:
        logger.removeHandler(handler)
    messages = [r.getMessage() for r in handler.records]
    assert not messages, f"renderer warnings: {messages}"


# --- clients -------------------------------------------------------------------------------

@pytest.fixture
def login_as(client, make_user):
    def do(role="applicant", **kwargs):
        user = make_user(role, **kwargs)
        response = login(client, user)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return user

    return do


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1) or match.group(2)

