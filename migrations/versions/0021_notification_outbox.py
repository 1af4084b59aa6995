"""notification outbox, channels, short links, reminders (SPEC §15): placeholder, filled by the notifications work

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 16:30:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
