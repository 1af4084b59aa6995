"""Keeping the search tokens current, and the search clause the lists use.

Which rows are searched is declared here (``SOURCES``: a kind, its table's code and the
columns whose tokens it gets); the model registry binds each kind to its model
(``watch``), so this package imports no feature package. Tokens follow the rows in the
same transaction: ORM changes through the session's ``after_flush`` event, rows inserted
with Core (the ledger import, the benchmark's data set) through ``index_new``; ``reindex``
rebuilds a kind from scratch (``flask search reindex``)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Select, and_, delete, event, func, insert, inspect, or_, select, true
from sqlalchemy.orm import Session

from ..db import db, unindexed
from .models import SearchToken
from .tokens import MAX_TOKEN, normalize, prefix_range, tokens_for

CHUNK = 2000  # rows read (and their tokens written) at a time by the bulk paths
LISTED = 1000  # a term finding at most this many rows gives their ids as a list
_LISTED_KEY = "search_listed"  # in Session.info: the id lists read, until the next flush


@dataclass(eq=False)
class Source:
    """A searched table: ``names`` are people's names (pinyin too), ``others`` plain text."""
    code: int
    names: tuple[str, ...]
    others: tuple[str, ...]
    model: type | None = field(default=None, repr=False)

    @property
    def fields(self) -> tuple[str, ...]:
        return self.names + self.others

    def tokens(self, values: dict) -> set[str]:
        return tokens_for([values[n] for n in self.names], [values[o] for o in self.others])

    def columns(self) -> list:
        return [getattr(self.model, name) for name in self.fields]


SOURCES = {
    "application": Source(1, ("full_name",), ("business_name", "reference", "id_number_masked")),
    "loan": Source(2, ("borrower_name",), ("business_name", "loan_ref", "contract_no")),
}
_BY_MODEL: dict[type, Source] = {}


def watch(kind: str, model: type) -> None:
    """Bind ``kind`` to its model: its rows are searched and their tokens kept current."""
    source = SOURCES[kind]
    source.model = model
    _BY_MODEL[model] = source


def matching(q: str, kind: str) -> ColumnElement[bool]:
    """The rows of ``kind`` that ``q`` finds: ``q`` (case, width and spaces ignored) is
    part of a name, business name or reference, or the beginning of a name's pinyin or
    initials from any syllable on. An index range on the token table, never a scan;
    ``%`` and ``_`` are plain characters."""
    source = SOURCES[kind]
    term = normalize(q)
    if not term:
        return true()
    return _found(source, term, _owners(source, term))


def _found(source: Source, term: str, owners) -> ColumnElement[bool]:
    found = source.model.id.in_(owners)
    if len(term) <= MAX_TOKEN:
        return found
    # tokens are cut at MAX_TOKEN characters: check a longer term on the few rows found
    return and_(found, or_(*(func.lower(func.replace(column, " ", "")).contains(term, autoescape=True)
                             for column in source.columns())))


def narrowed(query: Select, q: str, kind: str) -> Select:
    """``query`` — ``select(model).where(scope and filters)`` of the kind's model, nothing
    more — narrowed to the rows ``q`` finds (``matching``). When they are few (a list of
    ids), the rows are read by id and the scope and filters tested on each (``unindexed``):
    SQLite's planner, knowing no row counts, would otherwise walk an index of the scope (a
    district's 15,000 cases) and test every entry against the list — 3 to 5 ms a query at
    100,000 cases instead of 0.25 ms."""
    source = SOURCES[kind]
    if not _plain(query, source.model):
        raise ValueError("narrowed() takes select(model).where(…) and nothing more; order, options and "
                         "limits come after it")
    term = normalize(q)
    if not term:
        return query
    owners = _owners(source, term)
    if isinstance(owners, list) and query.whereclause is not None:
        query = select(source.model).where(unindexed(query.whereclause))
    return query.where(_found(source, term, owners))


# What a select may have besides its entity and WHERE (SQLAlchemy 2.0's attribute names):
# ``narrowed`` rebuilds the select from its WHERE, so it refuses one that has any of them.
_PLAIN_NONE = ("_setup_joins", "_with_options", "_order_by_clauses", "_group_by_clauses", "_having_criteria",
               "_distinct_on", "_hints", "_prefixes", "_suffixes")
_PLAIN_UNSET = ("_limit_clause", "_offset_clause", "_fetch_clause", "_for_update_arg")


def _plain(query: Select, model) -> bool:
    described = query.column_descriptions
    return (len(described) == 1 and described[0]["expr"] is model and not query._distinct
            and not any(getattr(query, name, ()) for name in _PLAIN_NONE)
            and all(getattr(query, name, None) is None for name in _PLAIN_UNSET))


def _owners(source: Source, term: str):
    """The ids of the rows whose tokens begin with ``term``: a list when there are at most
    ``LISTED`` (read once per session and term, so the planner of either database looks
    them up by primary key rather than scanning a list's index and testing each row),
    else the subquery."""
    low, high = prefix_range(term)
    ids = select(SearchToken.owner_id).where(SearchToken.kind == source.code, SearchToken.token >= low)
    if high is not None:
        ids = ids.where(SearchToken.token < high)
    listed = db.session.info.setdefault(_LISTED_KEY, {})
    key = (source.code, term)
    if key not in listed:
        # no DISTINCT: SQLite would read the (kind, owner_id) index in full to give it
        found = db.session.scalars(ids.limit(2 * LISTED + 1)).all()
        owners = set(found)
        listed[key] = sorted(owners) if len(found) <= 2 * LISTED and len(owners) <= LISTED else None
    return ids if listed[key] is None else listed[key]


def _insert(connection, source: Source, ids: Iterable[int], values: Iterable[dict]) -> None:
    """Insert the tokens of rows (``ids`` and their ``values``) in index order, which
    SQLite's B-tree takes about twice as fast as in row order."""
    tokens = sorted((source.code, token, owner_id) for owner_id, row in zip(ids, values)
                    for token in source.tokens(row))
    if tokens:  # the driver's executemany: SQLAlchemy's per-row parameter handling cost more than the insert
        mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
        connection.exec_driver_sql(f"INSERT INTO search_tokens (kind, token, owner_id) VALUES ({mark}, {mark}, {mark})",
                                   tokens)


def _write(connection, source: Source, selected) -> int:
    """Insert the tokens of the rows ``selected`` (id first, then ``source.fields``), a
    chunk at a time; the number of rows."""
    count = 0
    result = connection.execute(selected.execution_options(yield_per=CHUNK))
    for chunk in result.partitions(CHUNK):
        _insert(connection, source, (r[0] for r in chunk), (r._mapping for r in chunk))
        count += len(chunk)
    return count


def _select(source: Source):
    return select(source.model.id, *source.columns()).order_by(source.model.id)


def index_new(kind: str, where) -> int:
    """Tokens for rows of ``kind`` just inserted with Core (none of theirs stored yet)
    that satisfy ``where``; the number of rows."""
    source = SOURCES[kind]
    return _write(db.session.connection(), source, _select(source).where(where))


def add_rows(connection, kind: str, rows: list[dict]) -> None:
    """Tokens for ``rows`` of ``kind`` just inserted with Core on ``connection`` (dicts
    holding ``id`` and the kind's columns, as inserted)."""
    _insert(connection, SOURCES[kind], (row["id"] for row in rows), rows)


def reindex(kinds: Iterable[str] = tuple(SOURCES)) -> dict[str, int]:
    """Rebuild the tokens of every row of ``kinds``; rows per kind."""
    connection = db.session.connection()
    counts = {}
    owners = next(i for i in SearchToken.__table__.indexes if i.name == "ix_search_tokens_owner")
    owners.drop(connection)  # built again once, after the inserts, rather than row by row
    for kind in kinds:
        source = SOURCES[kind]
        connection.execute(delete(SearchToken).where(SearchToken.kind == source.code))
        counts[kind] = _write(connection, source, _select(source))
    owners.create(connection)
    return counts


def _touched(obj, source: Source) -> bool:
    attrs = inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in source.fields)


@event.listens_for(Session, "after_flush")
def _follow_flush(session: Session, _context) -> None:
    """The flushed inserts, changes and deletions of searched rows, in the tokens (same
    transaction: a rollback takes both back)."""
    session.info.pop(_LISTED_KEY, None)
    if not _BY_MODEL:
        return
    fresh, stale = [], []  # (source, object) written anew; (source, id) whose tokens go
    for obj in session.new:
        if (source := _BY_MODEL.get(type(obj))) is not None:
            fresh.append((source, obj))
    for obj in session.dirty:
        if (source := _BY_MODEL.get(type(obj))) is not None and _touched(obj, source):
            fresh.append((source, obj))
            stale.append((source, obj.id))
    for obj in session.deleted:
        if (source := _BY_MODEL.get(type(obj))) is not None:
            stale.append((source, obj.id))
    if not fresh and not stale:
        return
    connection = session.connection()
    for source in {s for s, _ in stale}:
        ids = [i for s, i in stale if s is source]
        connection.execute(delete(SearchToken).where(SearchToken.kind == source.code, SearchToken.owner_id.in_(ids)))
    rows = [{"kind": source.code, "token": token, "owner_id": obj.id}
            for source, obj in fresh for token in source.tokens({n: getattr(obj, n) for n in source.fields})]
    if rows:
        connection.execute(insert(SearchToken.__table__), rows)
