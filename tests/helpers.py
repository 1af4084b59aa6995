"""Small readers for rendered pages (what a user sees beside a field, what a field
holds) and logged-in test clients."""
from __future__ import annotations

import html as html_lib
import re

from flask import g, has_app_context
from flask.testing import FlaskClient

PASSWORD = "Correct-Horse-42"


LANGUAGE_MARK = re.compile(r'<(t?span) lang="zh-CN">([^<]*)</\1>')


def unmarked(page: str) -> str:
    """The page without the ``<span lang="zh-CN">`` that ``loans.lang_parts`` puts around
    Chinese on English pages (``<option>``'s lang stays), for tests about the words."""
    return LANGUAGE_MARK.sub(r"\2", page)


def field_error(page: str, field_id: str) -> str | None:
    """The error text shown beside a field (the forms macro renders ``<div id="<id>-error">``)."""
    match = re.search(rf'<div id="{re.escape(field_id)}-error"[^>]*>(.*?)</div>', unmarked(page), re.S)
    return html_lib.unescape(match.group(1)).strip() if match else None


def input_value(page: str, name: str) -> str | None:
    """The ``value`` of the input named ``name`` (None when it has none)."""
    tag = re.search(rf'<input\b[^>]*\bname="{re.escape(name)}"[^>]*>', page)
    assert tag, f"no input named {name}"
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return html_lib.unescape(value.group(1)) if value else None


def selected_option(page: str, name: str) -> str | None:
    select = re.search(rf'<select\b[^>]*\bname="{re.escape(name)}"[^>]*>(.*?)</select>', page, re.S)
    assert select, f"no select named {name}"
    option = re.search(r'<option\b[^>]*\bselected[^>]*\bvalue="([^"]*)"|<option\b[^>]*\bvalue="([^"]*)"[^>]*\bselected',
                       select.group(1))
    return (option.group(1) or option.group(2)) if option else None


def is_checked(page: str, name: str, value: str | None = None) -> bool:
    for tag in re.findall(rf'<input\b[^>]*\bname="{re.escape(name)}"[^>]*>', page):
        if value is None or f'value="{value}"' in tag:
            if re.search(r"\bchecked\b", tag):
                return True
    return False


def text(page: str) -> str:
    """The page's visible text, roughly: tags removed, entities decoded, blanks collapsed."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", unmarked(page), flags=re.S)
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", page))).strip()


def verify_evidence(application, officer) -> None:
    """Record every needs-evidence rule of the case as verified, as an officer would
    before recommending approval (the engine then has nothing left to check)."""
    from loans.eligibility.services import evaluate_case, latest_snapshot
    from loans.review import services as review

    snapshot = latest_snapshot(application) or evaluate_case(application, trigger="rerun", actor=officer)
    for rule in snapshot.rules:
        if rule["result"] == "needs_evidence":
            review.record_evidence(application, actor=officer, rule_id=rule["id"], verified=True, note="")


def assert_refused_here(response, message: str) -> None:
    """A refusal answers with the page itself, the reason on it — never a redirect whose
    message shows up later on another page (issue 10)."""
    page = text(response.get_data(as_text=True))
    assert message in page, page[:2000]
    assert "Redirecting" not in page and "Location" not in response.headers


def login(client, user_or_login, password=PASSWORD):
    login_name = getattr(user_or_login, "login_name", user_or_login)
    return client.post("/login", data={"login": login_name, "password": password})


class OwnUserClient(FlaskClient):
    """A test client whose requests never see another client's user.

    The ``app`` fixture keeps an application context pushed, so requests made from the
    test thread share its ``g`` — and Flask-Login caches the current user there. Several
    clients in one test (officer, supervisor, applicant) would otherwise act as whoever
    logged in last."""

    def open(self, *args, **kwargs):
        if has_app_context():
            g.pop("_login_user", None)
        return super().open(*args, **kwargs)


def client_for(app, user):
    """A fresh test client, preferring English, logged in as ``user``."""
    c = OwnUserClient(app, app.response_class, use_cookies=True)
    c.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = login(c, user, PASSWORD)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return c


def drop_database(server_url: str, name: str, *, tries: int = 40) -> None:
    """``DROP DATABASE … WITH (FORCE)`` on the PostgreSQL server of ``server_url``, again
    for a while if it is refused. After a test filled the database an autovacuum worker may
    be analysing it, and FORCE refuses to end a process of no role loans_ci belongs to
    ("must be a member of the role whose process is being terminated", PostgreSQL 15); a
    plain DROP, tried every other time, asks autovacuum to stop and waits for it."""
    import time

    import sqlalchemy as sa

    engine = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        for attempt in range(tries):
            force = " WITH (FORCE)" if attempt % 2 == 0 else ""
            try:
                with engine.connect() as connection:
                    connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"{force}')
                return
            except sa.exc.DBAPIError:
                if attempt == tries - 1:
                    raise
                time.sleep(0.25)
    finally:
        engine.dispose()


def statements_of(client, path: str) -> list[tuple[str, object]]:
    """The SQL statements (with their parameters) that GET ``path`` runs; it must answer 200."""
    from sqlalchemy import event

    from loans.db import db

    seen = []

    def note(_conn, _cursor, statement, parameters, _context, _many):
        seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    return seen


def sqlite_plan(statement: str, parameters) -> str:
    """SQLite's query plan of ``statement``, its steps on one line."""
    from loans.db import db

    return " ".join(row[3] for row in db.session.connection().exec_driver_sql(
        f"EXPLAIN QUERY PLAN {statement}", parameters))
