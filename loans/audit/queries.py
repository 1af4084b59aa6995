"""Reads of the audit trail: checking its hash chain (SPEC §14, `audit verify`)."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import func, select

from ..core.audit_chain import CANONICAL_FIELDS, GENESIS, row_hash
from ..db import db
from .models import AuditEvent

BATCH = 1000  # rows read at a time: memory stays the same on a trail of any length


@dataclass(frozen=True)
class ChainCheck:
    """What `audit verify` found: the head (last row's hash) and count of the rows that
    hold together, and, when the chain breaks, the first row that does not match (None
    when the rows hold but their head or count are not the expected ones)."""

    head: str
    count: int
    broken_at: int | None = None
    problem: str | None = None

    @property
    def holds(self) -> bool:
        return self.problem is None


def chain_head() -> tuple[str, int]:
    """The last row's hash and the number of rows, without checking them (two indexed
    reads): what a backup manifest and the daily log line record, for a later
    `audit verify --expect-head … --expect-count …`."""
    head = db.session.scalar(select(AuditEvent.row_hash).order_by(AuditEvent.id.desc()).limit(1))
    return head or GENESIS, db.session.scalar(select(func.count()).select_from(AuditEvent))


def _rows() -> Iterator:
    columns = [getattr(AuditEvent, field) for field in CANONICAL_FIELDS] + [AuditEvent.row_hash]
    after = None
    while True:
        query = select(*columns).order_by(AuditEvent.id).limit(BATCH)
        if after is not None:
            query = query.where(AuditEvent.id > after)
        batch = db.session.execute(query).all()
        yield from batch
        if len(batch) < BATCH:
            return
        after = batch[-1].id


def verify_chain(expect_head: str | None = None, expect_count: int | None = None) -> ChainCheck:
    """Recompute every row's hash in id order; stop at the first row that was changed (its
    hash differs) or that does not link to the row before it (a row was inserted or
    deleted before it behind the app's back). Deleting the newest rows leaves a chain that
    holds: only the expected head and count (from a backup or the daily log) catch it."""
    head, count = GENESIS, 0
    for row in _rows():
        if row.prev_hash != head:
            return ChainCheck(head, count, row.id, f"row {row.id} does not link to the row before it "
                                                  "(a row was inserted or deleted before it)")
        if row_hash(row._mapping) != row.row_hash:
            return ChainCheck(head, count, row.id, f"row {row.id} was changed: its hash does not match")
        head, count = row.row_hash, count + 1
    if expect_count is not None and count != expect_count:
        return ChainCheck(head, count, None, f"the chain has {count} rows, {expect_count} expected "
                                             "(rows were deleted or added at its end)")
    if expect_head is not None and head != expect_head.lower():
        return ChainCheck(head, count, None, f"the chain ends at {head}, {expect_head} expected "
                                             "(rows were deleted or added at its end)")
    return ChainCheck(head, count)
