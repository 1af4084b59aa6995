"""Monthly rollups of the loans' money (SPEC §8, §13): a report or the fund page reads a
few hundred rows instead of every loan event.

One row per month × district × bank × loan type × key group holds the month's
disbursements and repayments and the change, from the previous month's end to this one's,
of four positions summed over loans: outstanding and overdue principal (the report's), the
fund's guaranteed outstanding and overdue (``core.rollups`` defines them per loan). A
position on a month's last day is the sum of the changes up to that month; on another day,
the previous month's end plus the partial month of the loans that have an event (or their
contract) in it, read from the events (``positions``).

The rows change in the same transaction as what changes them: a session hook recomputes,
for every loan whose events or grouping columns a flush touches, its months before and
after the flush and adds the difference (an upsert that adds, so two transactions adding
to the same month both count); the ledger import's Core writes call ``apply_import``.
``rebuild`` (``flask reports rebuild-rollups``) computes them all again from the events.
"""
from __future__ import annotations

from array import array
from collections.abc import Iterable
from datetime import date
from functools import cache

from sqlalchemy import (BigInteger, Date, Index, String, UniqueConstraint, case, column, delete, event, func, insert,
                        inspect, select, table, type_coerce, union)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..core import rollups as rules
from ..core.dates import add_months
from ..db import db
from .models import FollowUpVisit, Loan, LoanEvent

DIMENSIONS = ("district_code", "bank_code", "loan_type", "key_group_code")
POSITIONS = rules.FIELDS[rules.POSITIONS]
CHUNK = 2000
# the loan's columns that place it in a row or in a month, or that it adds up
_LOAN_COLUMNS = ("district_code", "bank_code", "loan_type", "key_group_code", "contract_date", "first_disbursement_date",
                 "maturity_date", "extended_maturity_date", "partners", "jobs_declared")


class MonthlyRollup(db.Model):
    """Sums over loans for one month and one group (see the module's docstring), in
    integer fen; the key group is "" for loans without one."""

    __tablename__ = "monthly_rollups"
    __table_args__ = (UniqueConstraint("month", *DIMENSIONS, name="uq_monthly_rollups_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(Date)  # its first day
    district_code: Mapped[str] = mapped_column(String(20))
    bank_code: Mapped[str] = mapped_column(String(20))
    loan_type: Mapped[str] = mapped_column(String(20))
    key_group_code: Mapped[str] = mapped_column(String(40), default="")
    disbursed_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    repaid_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    outstanding_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    overdue_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    guaranteed_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    guaranteed_overdue_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    loans_issued: Mapped[int] = mapped_column(BigInteger, default=0)
    partners: Mapped[int] = mapped_column(BigInteger, default=0)
    jobs_declared: Mapped[int] = mapped_column(BigInteger, default=0)
    jobs_verified: Mapped[int] = mapped_column(BigInteger, default=0)
    matured_disbursed_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    matured_repaid_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    subsidy_paid_fen: Mapped[int] = mapped_column(BigInteger, default=0)


# the partial month's loans are found by their events' dates
Index("ix_loan_events_event_on", LoanEvent.__table__.c.event_on)

_table = MonthlyRollup.__table__

# the subsidy package's tables, named here (it sits above servicing): a statement's lines and
# the adjustments it carries count, per loan, in the month the statement is paid
_statements = table("subsidy_statements", column("id"), column("status"), column("paid_on", Date))
_paid_parts = [(part.c, part.c[amount]) for part, amount in (
    (table("subsidy_lines", column("statement_id"), column("loan_id"), column("subsidy", BigInteger)), "subsidy"),
    (table("subsidy_adjustments", column("statement_id"), column("loan_id"), column("adjustment", BigInteger)),
     "adjustment"))]
PAID = "paid"
Key = tuple  # (month, district, bank, loan type, key group)


def fen(column):
    """A Money column as its raw integer fen, so SQL sums stay exact integers."""
    return type_coerce(column, BigInteger)


# --- per-loan months -----------------------------------------------------------------------

def _loan_rows(connection, loan_ids: list[int]) -> dict[int, tuple[tuple, rules.LoanFacts]]:
    """{loan id: ((district, bank, loan type, key group), facts)}."""
    t, v = Loan.__table__, FollowUpVisit.__table__
    verified: dict[int, int] = {}
    for loan_id, jobs in connection.execute(
            select(v.c.loan_id, v.c.owners + v.c.employees_with_contracts).where(v.c.loan_id.in_(loan_ids))
            .order_by(v.c.loan_id, v.c.visited_on, v.c.id)):
        verified[loan_id] = int(jobs or 0)  # the latest visit's, as the report reads it
    subsidy: dict[int, list[tuple[date, int]]] = {}
    for part, amount in _paid_parts:
        for loan_id, paid_on, fen_paid in connection.execute(
                select(part.loan_id, _statements.c.paid_on, func.sum(amount))
                .join(_statements, _statements.c.id == part.statement_id)
                .where(part.loan_id.in_(loan_ids), _statements.c.status == PAID)
                .group_by(part.loan_id, _statements.c.paid_on)):
            subsidy.setdefault(loan_id, []).append((paid_on, int(fen_paid or 0)))
    rows = connection.execute(select(t.c.id, t.c.district_code, t.c.bank_code, t.c.loan_type, t.c.key_group_code,
                                     t.c.contract_date, t.c.first_disbursement_date,
                                     func.coalesce(t.c.extended_maturity_date, t.c.maturity_date).label("maturity"),
                                     t.c.partners, t.c.jobs_declared).where(t.c.id.in_(loan_ids)))
    return {row.id: ((row.district_code, row.bank_code, row.loan_type, row.key_group_code or ""),
                     rules.LoanFacts(contract_date=row.contract_date, first_disbursement=row.first_disbursement_date,
                                     maturity=_day(row.maturity), partners=int(row.partners or 0),
                                     jobs_declared=int(row.jobs_declared or 0), jobs_verified=verified.get(row.id, 0),
                                     subsidy_paid=tuple(subsidy.get(row.id, ()))))
            for row in rows}


def _day(value) -> date | None:
    """coalesce() of two dates comes back untyped on SQLite (text)."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def _events(connection, loan_ids: list[int], *, until: date | None = None) -> dict[int, list[rules.Event]]:
    e = LoanEvent.__table__
    query = select(e.c.loan_id, e.c.event_on, e.c.kind, fen(e.c.amount)).where(e.c.loan_id.in_(loan_ids))
    if until is not None:
        query = query.where(e.c.event_on <= until)
    events: dict[int, list[rules.Event]] = {}
    for loan_id, on, kind, amount in connection.execute(query):
        events.setdefault(loan_id, []).append(rules.Event(on, getattr(kind, "value", kind), int(amount or 0)))
    return events


_ZEROS = bytes(8 * len(rules.FIELDS))


def _add(total: dict[Key, list[int]], dims: tuple, deltas: dict[date, list[int]], sign: int = 1) -> None:
    for month, row in deltas.items():
        # a row of 64-bit integers (fen sums stay far below 2⁶³): the ~22,000 rows of a
        # first ledger import of 100,000 loans take 4 MB, as lists of Python ints 17
        into = total.setdefault((month, *dims), array("q", _ZEROS))
        for i, value in enumerate(row):
            into[i] += sign * value


def loan_months(connection, loan_ids: Iterable[int], *, sign: int = 1,
                into: dict[Key, list[int]] | None = None) -> dict[Key, list[int]]:
    """The rows these loans add to the rollups now (``sign=-1``: take away), read in chunks."""
    ids = sorted(set(loan_ids))
    return _months(connection, (ids[start:start + CHUNK] for start in range(0, len(ids), CHUNK)), sign, into)


def _months(connection, chunks: Iterable[list[int]], sign: int = 1,
            into: dict[Key, list[int]] | None = None) -> dict[Key, list[int]]:
    total = {} if into is None else into
    for chunk in chunks:
        events = _events(connection, chunk)
        for loan_id, (dims, facts) in _loan_rows(connection, chunk).items():
            _add(total, dims, rules.month_deltas(events.get(loan_id, []), facts), sign)
    return total


def apply(connection, rows: dict[Key, list[int]]) -> None:
    """Add the rows' figures to the stored ones: an upsert that adds (PostgreSQL and SQLite
    ``ON CONFLICT … DO UPDATE SET x = x + excluded.x``), so concurrent additions all count.
    One statement, compiled once, executed for ``CHUNK`` rows at a time: a first ledger
    import of 100,000 loans brings ~26,000 rows, whose parameters at once cost ~40 MB."""
    statement = _upsert(connection.dialect.name)
    values = []
    for key, row in sorted(rows.items()):
        if any(row):
            values.append(dict(zip(("month", *DIMENSIONS), key), **dict(zip(rules.FIELDS, row))))
            if len(values) == CHUNK:
                connection.execute(statement, values)
                values = []
    if values:
        connection.execute(statement, values)


@cache
def _upsert(dialect_name: str):
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    statement = dialect.insert(_table)
    return statement.on_conflict_do_update(
        index_elements=["month", *DIMENSIONS],
        set_={name: _table.c[name] + statement.excluded[name] for name in rules.FIELDS})


def before_import(loan_ids: Iterable[int]) -> dict[Key, list[int]]:
    """The stored loans' rows as they are before the ledger import's Core writes, to take away."""
    return loan_months(db.session.connection(), loan_ids, sign=-1)


def apply_import(import_id: int, before: dict[Key, list[int]]) -> None:
    """After the ledger import's Core writes (which pass by the session's hook): the loans
    it wrote events for move from their rows ``before`` to their rows now."""
    connection = db.session.connection()
    e, t = LoanEvent.__table__, Loan.__table__
    touched = union(select(e.c.loan_id.label("id")).where(e.c.import_id == import_id),
                    select(t.c.id).where(t.c.import_id == import_id)).subquery()
    ids = list(connection.scalars(select(touched.c.id).order_by(touched.c.id)))  # distinct, in order: no set
    apply(connection, _months(connection, (ids[start:start + CHUNK] for start in range(0, len(ids), CHUNK)),
                              into=before))


def statement_rows(connection, statement_ids: Iterable[int], *, sign: int = 1, besides: Iterable[int] = (),
                   into: dict[Key, list[int]] | None = None) -> dict[Key, list[int]]:
    """The subsidy these statements add to the rollups now, if paid (``sign=-1``: take
    away): their lines and adjustments by loan group, in the payment's month; the loans
    ``besides`` left out (their own months count them)."""
    total = {} if into is None else into
    ids, others = sorted(set(statement_ids)), sorted(set(besides))
    if not ids:
        return total
    t = Loan.__table__
    dims = (t.c.district_code, t.c.bank_code, t.c.loan_type, func.coalesce(t.c.key_group_code, ""))
    for part, amount in _paid_parts:
        query = (select(_statements.c.paid_on, *dims, func.sum(amount))
                 .join(_statements, _statements.c.id == part.statement_id).join(t, t.c.id == part.loan_id)
                 .where(part.statement_id.in_(ids), _statements.c.status == PAID)
                 .group_by(_statements.c.paid_on, *dims))
        if others:
            query = query.where(part.loan_id.not_in(others))
        for paid_on, *group, fen_paid in connection.execute(query):
            row = total.setdefault((rules.month_of(paid_on), *group), [0] * len(rules.FIELDS))
            row[rules.SUBSIDY] += sign * int(fen_paid or 0)
    return total


def statement_paid(statement_id: int) -> None:
    """A statement just marked paid by a guarded Core update (which passes by the session's
    hook): its lines and adjustments count in its payment's month. A paid statement never
    changes again (SPEC §7, §13)."""
    connection = db.session.connection()
    apply(connection, statement_rows(connection, [statement_id]))


def rebuild(connection) -> int:
    """Every row again from the loans and their events; returns the number of rows."""
    connection.execute(delete(_table))
    t = Loan.__table__
    ids = list(connection.scalars(select(t.c.id).order_by(t.c.id)))
    rows = loan_months(connection, ids)
    values = [dict(zip(("month", *DIMENSIONS), key), **dict(zip(rules.FIELDS, row)))
              for key, row in sorted(rows.items()) if any(row)]
    for start in range(0, len(values), CHUNK):
        connection.execute(insert(_table), values[start:start + CHUNK])
    return len(values)


# --- the session hook ----------------------------------------------------------------------

_PENDING = "monthly_rollups_pending"
_SUBSIDY_TABLES = ("subsidy_statements", "subsidy_lines", "subsidy_adjustments")  # the subsidy package's models
_STATEMENT_COLUMNS = ("status", "paid_on")


def _owner_id(obj, attribute: str) -> int | None:
    """The id of the loan or statement an event, visit, line or adjustment belongs to,
    also when it was attached through the relationship and has no foreign key yet."""
    value = getattr(obj, f"{attribute}_id", None)
    if value is None:
        state = inspect(obj)
        related = state.attrs[attribute].loaded_value if attribute in state.attrs else None
        value = getattr(related, "id", None)
    return value


def _touched(session: Session) -> tuple[set[int], set[int], list]:
    """(ids of stored loans and of stored statements whose rows may change in this flush,
    objects to read more ids from after it)."""
    loans, statements, objects = set(), set(), []
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        kind = getattr(obj, "__tablename__", None)
        if isinstance(obj, Loan):
            state = inspect(obj)
            if obj in session.new:  # its first disbursement, if it has one, counts from now
                objects.append(obj)
            elif obj in session.deleted or any(state.attrs[name].history.has_changes() for name in _LOAN_COLUMNS):
                objects.append(obj)
                loans.add(obj.id)
            continue
        if kind == "subsidy_statements":
            state = inspect(obj)
            if obj in session.dirty and not any(state.attrs[n].history.has_changes() for n in _STATEMENT_COLUMNS):
                continue
        elif not isinstance(obj, (LoanEvent, FollowUpVisit)) and kind not in _SUBSIDY_TABLES:
            continue
        elif obj in session.dirty and not session.is_modified(obj):
            continue
        objects.append(obj)
        if kind == "subsidy_statements":
            statements.update([obj.id] if obj.id is not None else [])
        elif kind in _SUBSIDY_TABLES:
            statements.update(i for i in [_owner_id(obj, "statement"),
                                          *(inspect(obj).attrs.statement_id.history.deleted or ())] if i is not None)
        else:
            loans.update(i for i in [_owner_id(obj, "loan"), *(inspect(obj).attrs.loan_id.history.deleted or ())]
                         if i is not None)
    return loans, statements, objects


@event.listens_for(Session, "before_flush")
def _before_flush(session, _flush_context, _instances):
    loans, statements, objects = _touched(session)
    if not objects:
        return
    connection = session.connection()
    old = loan_months(connection, loans, sign=-1) if loans else {}
    statement_rows(connection, statements, sign=-1, besides=loans, into=old)
    # one flush at a time: whatever a flush that never finished left here is stale
    session.info[_PENDING] = (loans, statements, objects, old)


@event.listens_for(Session, "after_flush")
def _after_flush(session, _flush_context):
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    loans, statements, objects, rows = pending
    loans, statements = set(loans), set(statements)
    for obj in objects:
        kind = getattr(obj, "__tablename__", None)
        if isinstance(obj, Loan):
            loans.add(obj.id)
        elif kind == "subsidy_statements":
            statements.add(obj.id)
        elif kind in _SUBSIDY_TABLES:
            statements.add(_owner_id(obj, "statement"))
        else:
            loans.add(_owner_id(obj, "loan"))
    loans.discard(None)
    statements.discard(None)
    connection = session.connection()
    loan_months(connection, loans, into=rows)
    # a loan counted afresh above carries its subsidy with it: left out of the statements'
    apply(connection, statement_rows(connection, statements, besides=loans, into=rows))


# --- reading -------------------------------------------------------------------------------

def positions(d: date, group_by: tuple[str, ...], filters: dict[str, str] | None = None) -> dict[tuple, list[int]]:
    """{group: [outstanding, overdue, guaranteed, guaranteed overdue] in fen} on ``d``, over
    the loans whose columns match ``filters`` ({dimension: code}, blanks ignored)."""
    filters = {name: value for name, value in (filters or {}).items() if value}
    first = rules.month_of(d)
    whole_month = d == rules.month_end(d)
    month_condition = _table.c.month <= first if whole_month else _table.c.month < first
    columns = [_table.c[name] for name in group_by]
    result: dict[tuple, list[int]] = {}
    query = (select(*columns, *(func.sum(fen(_table.c[name])) for name in POSITIONS))
             .where(month_condition, *(_table.c[name] == value for name, value in filters.items())))
    if columns:
        query = query.group_by(*columns)
    for row in db.session.execute(query):
        key, sums = tuple(row[:len(columns)]), row[len(columns):]
        result[key] = [int(value or 0) for value in sums]
    if not whole_month:
        _add_partial(result, first, d, group_by, filters)
    return result


def _add_partial(result: dict[tuple, list[int]], first: date, d: date, group_by: tuple[str, ...],
                 filters: dict[str, str]) -> None:
    """The positions' change from the previous month's end to ``d`` of the loans with an
    event or their contract in between."""
    t, e = Loan.__table__, LoanEvent.__table__
    conditions = [t.c[name] == value for name, value in filters.items()]
    moved = select(e.c.loan_id).where(e.c.event_on.between(first, d))
    contracted = select(t.c.id).where(t.c.contract_date.between(first, d), *conditions)
    connection = db.session.connection()
    ids = set(connection.scalars(select(t.c.id).where(t.c.id.in_(moved), *conditions)))
    ids |= set(connection.scalars(contracted))
    before = date.fromordinal(first.toordinal() - 1)
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start:start + CHUNK]
        loans = {row[0]: row[1:] for row in connection.execute(
            select(t.c.id, t.c.contract_date, *(func.coalesce(t.c[name], "") for name in group_by))
            .where(t.c.id.in_(chunk)))}
        for loan_id, events in _events(connection, chunk, until=d).items():
            contract_date, *key = loans[loan_id]
            key = tuple(key)
            change = rules.change_between(events, contract_date, before, d)
            if any(change):
                into = result.setdefault(key, [0] * len(POSITIONS))
                for i, value in enumerate(change):
                    into[i] += value


def month_sums(start: date, end: date, group_by: tuple[str, ...], filters: dict[str, str] | None,
               fields: tuple[str, ...], *, by_month: bool = False) -> dict[tuple, list[int]]:
    """{group (+ (year, month) when ``by_month``): [Σ field, …]} over the whole months
    inside [start, end] (``partial_ranges`` are the days left out)."""
    filters = {name: value for name, value in (filters or {}).items() if value}
    first_whole = start if start.day == 1 else add_months(rules.month_of(start), 1)
    last = rules.month_of(end)
    upper = _table.c.month <= last if end == rules.month_end(end) else _table.c.month < last
    columns = [_table.c[name] for name in group_by]
    if by_month:
        columns += [func.extract("year", _table.c.month), func.extract("month", _table.c.month)]
    query = (select(*columns, *(func.sum(fen(_table.c[name])) for name in fields))
             .where(_table.c.month >= first_whole, upper,
                    *(_table.c[name] == value for name, value in filters.items())))
    if columns:
        query = query.group_by(*columns)
    return {tuple(_int_month(v) for v in row[:len(columns)]): [int(v or 0) for v in row[len(columns):]]
            for row in db.session.execute(query)}


def flows(start: date, end: date, group_by: tuple[str, ...], filters: dict[str, str] | None = None,
          *, by_month: bool = False) -> dict[tuple, list[int]]:
    """{group (+ (year, month) when ``by_month``): [disbursed, repaid] in fen} of the events
    dated from ``start`` to ``end``: whole months from the rollups, the partial ones at
    either end from the events."""
    filters = {name: value for name, value in (filters or {}).items() if value}
    result = month_sums(start, end, group_by, filters, ("disbursed_fen", "repaid_fen"), by_month=by_month)
    for key, (disbursed, repaid) in partial_flows(start, end, group_by, filters, by_month=by_month).items():
        into = result.setdefault(key, [0, 0])
        into[0] += disbursed
        into[1] += repaid
    return result


def partial_flows(start: date, end: date, group_by: tuple[str, ...], filters: dict[str, str] | None = None,
                  *, by_month: bool = False) -> dict[tuple, list[int]]:
    """``flows`` of the days outside whole months only (``partial_ranges``), from the events:
    for a caller that read the whole months' sums with other figures in one query."""
    filters = {name: value for name, value in (filters or {}).items() if value}
    result: dict[tuple, list[int]] = {}

    def add(key, values):
        into = result.setdefault(key, [0, 0])
        into[0] += int(values[0] or 0)
        into[1] += int(values[1] or 0)

    for low, high in partial_ranges(start, end):
        _add_partial_flows(add, low, high, group_by, filters, by_month)
    return result


def _int_month(value):
    """extract() answers a float (SQLite) or a Decimal (PostgreSQL); codes stay strings."""
    return value if value is None or isinstance(value, str) else int(value)


def partial_ranges(start: date, end: date) -> list[tuple[date, date]]:
    """The days of [start, end] outside whole months."""
    if rules.month_of(start) == rules.month_of(end):
        whole = start.day == 1 and end == rules.month_end(end)
        return [] if whole else [(start, end)]
    ranges = []
    if start.day != 1:
        ranges.append((start, rules.month_end(start)))
    if end != rules.month_end(end):
        ranges.append((rules.month_of(end), end))
    return ranges


def _add_partial_flows(add, low: date, high: date, group_by, filters, by_month: bool) -> None:
    t, e = Loan.__table__, LoanEvent.__table__
    columns = [t.c[name] if name != "key_group_code" else func.coalesce(t.c.key_group_code, "") for name in group_by]
    month_columns = [func.extract("year", e.c.event_on), func.extract("month", e.c.event_on)] if by_month else []
    amount = fen(e.c.amount)
    query = (select(*columns, *month_columns,
                    func.sum(case((e.c.kind == "disbursement", amount), else_=0)),
                    func.sum(case((e.c.kind == "repayment", amount), else_=0)))
             .join(t, t.c.id == e.c.loan_id)
             .where(e.c.event_on.between(low, high), e.c.kind.in_(("disbursement", "repayment")),
                    *(t.c[name] == value for name, value in filters.items())))
    if columns or month_columns:
        query = query.group_by(*columns, *month_columns)
    width = len(columns) + len(month_columns)
    for row in db.session.execute(query):
        add(tuple(_int_month(v) for v in row[:width]), row[width:])
