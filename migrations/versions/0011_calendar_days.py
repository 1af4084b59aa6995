"""Holidays and adjusted workdays (调休) in the database, seeded from chinesecalendar; the
LPR fixing a subsidy line's LPR₀ comes from.

The working-day clock read chinesecalendar's data directly, which ends with its newest
release (1.11.0: 2004–2026). The table holds every official holiday (weekends included,
with the festival's name) and every adjusted workday of the years the package covers;
an admin enters each next year's arrangement when the State Council publishes it.

Revision ID: 0011
Revises: 0010
"""
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _official_days():
    import chinese_calendar

    for kind, days in (("holiday", chinese_calendar.holidays), ("workday", chinese_calendar.workdays)):
        for day, name in days.items():
            yield day, kind, str(name or "")[:60]


def upgrade():
    calendar_days = op.create_table(
        "calendar_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("calendar_date", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('holiday', 'workday')", name=op.f("ck_calendar_days_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_days")),
        sa.UniqueConstraint("calendar_date", name=op.f("uq_calendar_days_calendar_date")),
    )
    now = datetime.now(timezone.utc)
    rows = sorted(_official_days())
    op.bulk_insert(calendar_days, [{"calendar_date": day, "kind": kind, "name": name, "updated_at": now}
                                   for day, kind, name in rows])
    with op.batch_alter_table("subsidy_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lpr_published_on", sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table("subsidy_lines", schema=None) as batch_op:
        batch_op.drop_column("lpr_published_on")
    op.drop_table("calendar_days")
