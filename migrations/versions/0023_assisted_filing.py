"""assisted filing by community workers (SPEC §15): placeholder, filled by the assisted-filing work

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02 17:06:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
