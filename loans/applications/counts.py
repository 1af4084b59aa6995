"""Cases per district and status, kept as they change, so that the review queue's tabs and
status pills read a few hundred rows instead of counting every case in the city.

``case_counts`` holds signed amounts (district, status, user, n): a case counts once for its
district with no user, and once more for each of the staff it is "mine" for (its assigned
officer and the one who recommended it), so "my cases" is counted the same way. A case that
moves from one status to another adds −1 for the old and +1 for the new one, in the same
transaction.
Rows are only ever inserted — never updated in place — so two decisions at the same moment
never wait on one counter row (nor deadlock on two), and a transaction or savepoint rolled
back takes its rows with it. The daily job ``case_counts_fold`` (03:00) folds the rows into
one per district, status and user (``fold``); ``rebuild`` counts afresh (``flask cases
rebuild-counts``).

Kept by ``transition`` (the one place a status changes: a guarded UPDATE the session does
not see, so it says so here through ``moved``) and by a session hook for cases inserted,
deleted or given another status, district, assigned or recommending officer through the
ORM. Drafts are not counted: staff never see them. Writes that bypass both (bulk inserts)
call ``rebuild``.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from sqlalchemy import BigInteger, Index, Integer, String, delete, event, func, insert, inspect, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..core.workflow import CaseStatus
from ..db import db
from .models import LoanApplication

DRAFT = CaseStatus.draft.value
_PENDING = "case_counts_pending"


class CaseCount(db.Model):
    """A signed number of cases of one district in one status, all of them (``user_id`` None)
    or those of one member of staff (see the module's docstring)."""

    __tablename__ = "case_counts"
    __table_args__ = (Index("ix_case_counts_user_district_status", "user_id", "district_code", "status", "n"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    district_code: Mapped[str] = mapped_column(String(6))
    status: Mapped[str] = mapped_column(String(20))
    # None: every case of the district; a user: the cases that are theirs (assigned or recommended)
    user_id: Mapped[int | None] = mapped_column(Integer)
    n: Mapped[int] = mapped_column(BigInteger)


def _value(status) -> str | None:
    return getattr(status, "value", status)


Key = tuple  # (district, status, user id or None)
_COLUMNS = (LoanApplication.__table__.c.district_code, LoanApplication.__table__.c.status,
            LoanApplication.__table__.c.assigned_officer_id, LoanApplication.__table__.c.recommended_by_id)


def _keys(district, status, assigned, recommended) -> list[Key]:
    """The rows one case counts in: its district's, and each of its staff's once."""
    status = _value(status)
    if not district or not status or status == DRAFT:
        return []
    return [(district, status, None)] + [(district, status, u) for u in dict.fromkeys((assigned, recommended)) if u]


def _write(connection, changes: Iterable[tuple[Key, int]]) -> None:
    """Insert the non-zero sums of ``changes`` ((district, status, user), ±n)."""
    sums: Counter = Counter()
    for key, n in changes:
        sums[key] += n
    rows = [{"district_code": d, "status": s, "user_id": u, "n": n}
            for (d, s, u), n in sorted(sums.items(), key=lambda item: (item[0][0], item[0][1], item[0][2] or 0)) if n]
    if rows:
        connection.execute(insert(CaseCount.__table__), rows)


def moved(application_id: int, old, new) -> None:
    """A case went from status ``old`` to ``new`` by a statement the session does not follow
    (``applications.services.transition``, after its UPDATE)."""
    connection = db.session.connection()
    district, _, assigned, recommended = connection.execute(
        select(*_COLUMNS).where(LoanApplication.__table__.c.id == application_id)).one()
    _write(connection, [(key, -1) for key in _keys(district, old, assigned, recommended)]
           + [(key, 1) for key in _keys(district, new, assigned, recommended)])


def _sums(query, district: str | None) -> dict[str, int]:
    if district is not None:
        query = query.where(CaseCount.district_code == district)
    return {status: int(n) for status, n in db.session.execute(query.group_by(CaseCount.status)) if n}


def per_status(district: str | None = None) -> dict[str, int]:
    """Cases per status (drafts aside) in ``district``, or in every district."""
    return _sums(select(CaseCount.status, func.sum(CaseCount.n)).where(CaseCount.user_id.is_(None)), district)


def mine_per_status(user_id: int, district: str | None = None) -> dict[str, int]:
    """The cases assigned to or recommended by ``user_id`` per status, in ``district`` or in all."""
    return _sums(select(CaseCount.status, func.sum(CaseCount.n)).where(CaseCount.user_id == user_id), district)


def counted_afresh(connection) -> dict[Key, int]:
    """{(district, status, user): cases} counted from the cases themselves (what
    ``case_counts`` must sum to)."""
    found: Counter = Counter()
    for district, status, assigned, recommended in connection.execute(select(*_COLUMNS)):
        for key in _keys(district, status, assigned, recommended):
            found[key] += 1
    return dict(found)


def kept(connection) -> dict[Key, int]:
    """{(district, status, user): cases} as ``case_counts`` sums them (zero sums left out)."""
    return {(d, s, u): int(n) for d, s, u, n in connection.execute(
        select(CaseCount.district_code, CaseCount.status, CaseCount.user_id, func.sum(CaseCount.n))
        .group_by(CaseCount.district_code, CaseCount.status, CaseCount.user_id)) if n}


def rebuild(connection) -> int:
    """Count every case afresh; the number of rows written."""
    connection.execute(delete(CaseCount))
    afresh = counted_afresh(connection)
    _write(connection, afresh.items())
    return len(afresh)


def fold(connection) -> int:
    """Replace the rows by one per district, status and user; how many rows there were. The rows
    summed are exactly those deleted (``DELETE … RETURNING``), so a change committed by
    another transaction meanwhile is neither lost nor counted twice."""
    rows = connection.execute(delete(CaseCount).returning(CaseCount.district_code, CaseCount.status,
                                                          CaseCount.user_id, CaseCount.n)).all()
    _write(connection, (((d, s, u), n) for d, s, u, n in rows))
    return len(rows)


# --- the session hook -----------------------------------------------------------------------

def _moves(session: Session, obj) -> bool:
    if obj in session.deleted:
        return True
    attrs = inspect(obj).attrs
    return any(attrs[name].history.has_changes()
               for name in ("status", "district_code", "assigned_officer_id", "recommended_by_id"))


def _stored(connection, ids: list[int], sign: int) -> list[tuple[Key, int]]:
    found = []
    for start in range(0, len(ids), 500):
        for row in connection.execute(select(*_COLUMNS).where(
                LoanApplication.__table__.c.id.in_(ids[start:start + 500]))):
            found += [(key, sign) for key in _keys(*row)]
    return found


@event.listens_for(Session, "before_flush")
def _before_flush(session, _flush_context, _instances):
    """What the cases about to change count for now (read from the database: an attribute
    set after it expired has no old value in the session)."""
    objects = [obj for obj in (*session.new, *session.dirty, *session.deleted)
               if isinstance(obj, LoanApplication) and (obj in session.new or _moves(session, obj))]
    if not objects:
        session.info.pop(_PENDING, None)
        return
    stored = [obj.id for obj in objects if obj.id is not None and obj not in session.new]
    session.info[_PENDING] = (objects, _stored(session.connection(), stored, -1))


@event.listens_for(Session, "after_flush")
def _after_flush(session, _flush_context):
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    objects, changes = pending
    remaining = [obj.id for obj in objects if obj not in session.deleted and obj.id is not None]
    connection = session.connection()
    _write(connection, changes + _stored(connection, remaining, 1))
