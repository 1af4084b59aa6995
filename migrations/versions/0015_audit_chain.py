"""the audit chain (SPEC §14): every audit row stores the previous row's hash and its own

The rows already there are chained here, in id order, with the hash of
``loans.core.audit_chain`` (a fixed contract: SPEC §14 defines it and a test pins it to a
fixed example). The append-only guard of 0002 refuses the updates that write the hashes,
so it is lifted around them — on PostgreSQL the trigger is disabled, on SQLite the triggers
are dropped (the table is rebuilt anyway to make the columns NOT NULL) — and put back as
0002 made it. A unique index on ``prev_hash`` refuses a fork: two rows after the same row.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 07:00:00

"""
from datetime import timezone

import sqlalchemy as sa
from alembic import op

from loans.core.audit_chain import CANONICAL_FIELDS, GENESIS, row_hash

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

BATCH = 1000

# The append-only guard of 0002: how to lift it, and how to put it back.
GUARD = {
    "sqlite": (
        ["DROP TRIGGER IF EXISTS audit_events_no_update", "DROP TRIGGER IF EXISTS audit_events_no_delete"],
        ["CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
         "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
         "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
         "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"],
    ),
    "postgresql": (
        ["ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change"],
        ["ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_change"],
    ),
}


def _guard(on: bool):
    for statement in GUARD[op.get_bind().dialect.name][on]:
        op.execute(statement)


AUDIT = sa.table(
    "audit_events",
    sa.column("id", sa.Integer), sa.column("at", sa.DateTime(timezone=True)), sa.column("actor_id", sa.Integer),
    sa.column("actor_role", sa.String), sa.column("action", sa.String), sa.column("object_type", sa.String),
    sa.column("object_id", sa.Integer), sa.column("from_state", sa.String), sa.column("to_state", sa.String),
    sa.column("detail", sa.JSON), sa.column("ip_address", sa.String), sa.column("prev_hash", sa.String),
    sa.column("row_hash", sa.String),
)


def _chain_existing_rows():
    """Hash the rows in id order, a batch at a time (memory stays flat on a long trail)."""
    conn = op.get_bind()
    columns = [AUDIT.c[field] for field in CANONICAL_FIELDS if field != "prev_hash"]
    prev_hash, after = GENESIS, 0
    while True:
        rows = conn.execute(sa.select(*columns).where(AUDIT.c.id > after).order_by(AUDIT.c.id).limit(BATCH)).all()
        if not rows:
            return
        links = []
        for row in rows:
            values = dict(row._mapping, prev_hash=prev_hash)
            at = values["at"]
            values["at"] = at.replace(tzinfo=timezone.utc) if at.tzinfo is None else at
            links.append({"key": row.id, "prev": prev_hash, "hash": row_hash(values)})
            prev_hash = links[-1]["hash"]
        conn.execute(sa.update(AUDIT).where(AUDIT.c.id == sa.bindparam("key"))
                     .values(prev_hash=sa.bindparam("prev"), row_hash=sa.bindparam("hash")), links)
        after = rows[-1].id


def upgrade():
    _guard(on=False)
    op.add_column("audit_events", sa.Column("prev_hash", sa.String(length=64), nullable=True))
    op.add_column("audit_events", sa.Column("row_hash", sa.String(length=64), nullable=True))
    _chain_existing_rows()
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("row_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_index("ix_audit_events_prev_hash", ["prev_hash"], unique=True)
    _guard(on=True)


def downgrade():
    _guard(on=False)
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_prev_hash")
        batch_op.drop_column("row_hash")
        batch_op.drop_column("prev_hash")
    _guard(on=True)
