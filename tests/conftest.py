"""Shared fixtures: the app on a real database (SQLite by default, PostgreSQL when
TEST_DATABASE_URL is set), a test client, a CLI runner and a few factories."""
from __future__ import annotations

import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import g, request_started
from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=200, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

PG_URL = os.environ.get("TEST_DATABASE_URL")
REFERENCE_TABLES = {"districts", "banks", "key_groups", "policy_versions", "lpr_fixings", "calendar_days",
                    "alembic_version"}

BASE_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key",
    "PERSONAL_DATA_KEY": "test-personal-data-key",
    "WTF_CSRF_ENABLED": False,
    "RATELIMIT_ENABLED": False,
    # Cheap argon2 so the suite stays fast; production uses the defaults in config.py.
    "PASSWORD_HASH_TIME_COST": 1,
    "PASSWORD_HASH_MEMORY_COST": 8,
    "PASSWORD_HASH_PARALLELISM": 1,
}


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives Chromium (runs once, on SQLite)")
    config.addinivalue_line("markers", "pdf: renders PDFs (runs once, on SQLite)")
    config.addinivalue_line("markers", "nodb: needs no database (skipped in the PostgreSQL run)")


def _upgrade(url: str) -> None:
    from flask_migrate import upgrade

    from loans import create_app

    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()


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
    engine.dispose()


def _truncate_postgres(db) -> None:
    """Empty every table and put the seeded reference data back.

    TRUNCATE … CASCADE also empties tables that merely reference a truncated one (e.g.
    policy_versions.created_by_id → users), so reference tables are truncated too and
    refilled; this also undoes reference data an admin test may have changed."""
    import sqlalchemy as sa

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
    request_started.connect(_fresh_g, app)
    return app


def _fresh_g(sender, **extra):
    """Give every request its own ``g``, as in production.

    The ``app`` fixture keeps an application context pushed for the whole test, and Flask
    reuses it for each request, so ``g`` would otherwise carry Flask-Login's cached user,
    the CSRF token and per-request caches from one request (and one client) to the next."""
    g.__dict__.clear()


@contextmanager
def running_app(migrated_template, tmp_path, **config):
    """An app on a fresh database inside its app context; emptied again afterwards."""
    app = make_app(migrated_template, tmp_path, **config)
    with app.app_context():
        yield app
        from loans.db import db

        db.session.remove()
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


@pytest.fixture
def make_user(app):
    from loans.auth.services import create_user
    from loans.db import db

    counter = iter(range(1, 10_000))

    def make(role="applicant", email=None, password="Correct-Horse-42", **kwargs):
        n = next(counter)
        email = email or f"{role}{n}@example.cn"
        if role == "officer":
            kwargs.setdefault("district_code", "431002")
        if role == "bank":
            kwargs.setdefault("bank_code", "ICBC-CZ")
        user = create_user(role=role, email=email, password=password, check_password=False, **kwargs)
        db.session.commit()
        return user

    return make


def login(client, user_or_login, password="Correct-Horse-42"):
    login_name = getattr(user_or_login, "login_name", user_or_login)
    return client.post("/login", data={"login": login_name, "password": password})


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


ROOT = Path(__file__).resolve().parent.parent
