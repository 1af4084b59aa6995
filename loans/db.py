"""SQLAlchemy base, naming convention, the column types for money, rates and secrets, and
the one pagination helper of every list."""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import (BigInteger, ColumnElement, DateTime, Engine, Integer, MetaData, Select, String, Text, event, func,
                        select)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import Enum, TypeDecorator

from .core.money import from_fen, to_fen

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def local_today() -> date:
    """Today in Chenzhou: application, decision and expiry dates follow Beijing time,
    whatever the server's clock zone."""
    return datetime.now(LOCAL_TZ).date()


# --- pagination ---------------------------------------------------------------------------

MAX_PAGE = 100_000  # a larger page number in a link is read as this one (an empty page)


@dataclass(frozen=True)
class Page:
    """One page of a list paginated in SQL: its rows, the list's total and, for the pager
    macro of ``_pagination.html``, the page number and the number of pages (at least one)."""

    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max((self.total + self.per_page - 1) // self.per_page, 1)


def page_number(value: int | None) -> int:
    """A page number from a request, within 1 … MAX_PAGE."""
    return min(max(value or 1, 1), MAX_PAGE)


def paginate(query: Select, page: int | None, per_page: int, *, total: int | None = None) -> Page:
    """Page ``page`` of the ORM rows ``query`` selects (ordered by the caller), in two
    queries: the count of all of them — unless the caller already knows ``total`` — and
    the page itself."""
    page = page_number(page)
    if total is None:
        total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    offset = (page - 1) * per_page
    # past the last row (none at all, or a page beyond the last): nothing to read — a city
    # supervisor's empty "my cases" tab would otherwise walk every open case looking for one
    items = list(db.session.scalars(query.limit(per_page).offset(offset))) if offset < (total or 0) else []
    return Page(items, total or 0, page, per_page)


class unindexed(ColumnElement):  # noqa: N801 — read as SQL: WHERE +(…)
    """A condition tested on each row that the query's other conditions read (a list of
    ids), never used to choose an index: SQLite's unary plus, which it gives no index to
    (its planner, knowing no row counts, takes an equality on an indexed column for a
    handful of rows; ``likely()`` it sees through); elsewhere the condition as it is
    (PostgreSQL's planner knows the row counts). No Boolean type: SQLite would get "… = 1"."""

    inherit_cache = True
    _traverse_internals = [("condition", InternalTraversal.dp_clauseelement)]

    def __init__(self, condition):
        self.condition = condition

    @property
    def _from_objects(self):  # the tables the condition names stay in the FROM clause
        return self.condition._from_objects


@compiles(unindexed)
def _unindexed(element, compiler, **kw):
    return f"({compiler.process(element.condition, **kw)})"


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element, compiler, **kw):
    return f"+({compiler.process(element.condition, **kw)})"


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                value = value.replace(tzinfo=timezone.utc)
            value = value.astimezone(timezone.utc)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


class Money(TypeDecorator):
    """A yuan amount as ``Decimal`` in Python, integer fen in the database."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("money must be Decimal, never float")
        return to_fen(Decimal(value))

    def process_result_value(self, value, dialect):
        return None if value is None else from_fen(int(value))


RATE_SCALE = 10_000  # a percent rate is stored in units of 0.0001 %


class Rate(TypeDecorator):
    """A percent rate (``Decimal('4.35')`` = 4.35 %) stored exactly as an integer."""

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("rates must be Decimal, never float")
        scaled = Decimal(value) * RATE_SCALE
        if scaled != scaled.to_integral_value():
            raise ValueError(f"rate {value} has more than 4 decimal places")
        return int(scaled)

    def process_result_value(self, value, dialect):
        return None if value is None else Decimal(int(value)).scaleb(-4)


class ExactDecimal(TypeDecorator):
    """A derived rate with any number of decimals (a 50 % share of 4.3501 % is 2.17505 %),
    stored as its exact decimal text."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("rates must be Decimal, never float")
        return format(Decimal(value).normalize(), "f")

    def process_result_value(self, value, dialect):
        return None if value is None else Decimal(value)


ENUM_LENGTH = 20


def enum_type(enum_class, length: int = ENUM_LENGTH) -> Enum:
    """A column of a str-Enum's members (statuses, roles, kinds), stored as their values in
    a VARCHAR of ``length`` — no native enum type and no CHECK constraint, so adding a
    member needs no migration. Rows read back as members; plain strings are accepted."""
    return Enum(enum_class, native_enum=False, length=length, create_constraint=False,
                values_callable=lambda members: [m.value for m in members])


class EncryptedText(TypeDecorator):
    """Text encrypted at rest with the app's personal-data key (SPEC §11)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return current_app.extensions["personal_data"].encrypt_text(value)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return current_app.extensions["personal_data"].decrypt_text(value)


# --- side effects that must follow the transaction ----------------------------------------
# Emails go out, and files are removed, only once the change that caused them is committed;
# a file written for a change that rolls back is removed again.

def after_commit(callback) -> None:
    db.session.info.setdefault("after_commit", []).append(callback)


def on_rollback(callback) -> None:
    db.session.info.setdefault("on_rollback", []).append(callback)


def _run(callbacks) -> None:
    for callback in callbacks:
        callback()


@event.listens_for(Session, "after_commit")
def _after_commit(session):
    if session.in_nested_transaction():
        return  # a savepoint was released (SQLAlchemy says "commit"); the outer transaction has not committed
    session.info.pop("on_rollback", None)
    _run(session.info.pop("after_commit", []))


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session, previous_transaction):
    if session.in_transaction():
        return  # a savepoint rolled back; the outer transaction may still commit
    session.info.pop("after_commit", None)
    _run(session.info.pop("on_rollback", []))


# --- SQLite (the embedded default) ---------------------------------------------------------

@event.listens_for(Engine, "connect")
def _sqlite_write_ahead_log(dbapi_connection, connection_record):
    """A SQLite database in a file is kept in write-ahead-log mode: pages and workers read
    while a long import writes (in the default rollback journal, a transaction larger than
    the page cache locks every reader out until it commits, and they fail after the busy
    timeout). Writers still take turns, waiting up to 30 s for each other."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA busy_timeout = 30000")
        if cursor.execute("PRAGMA database_list").fetchone()[2]:  # a file, not :memory:
            cursor.execute("PRAGMA journal_mode = WAL")
    finally:
        cursor.close()
