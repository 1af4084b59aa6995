"""status and kind columns of str-Enums get room for new members: VARCHAR(20), values unchanged

Statuses, roles and kinds are stored as their enum values in plain VARCHAR columns (no
native enum type, no CHECK constraint), so a new member needs no migration as long as it
fits. Three columns were narrower than the others' 20 characters.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-10 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

# table, column, old length
WIDENED = (
    ('subsidy_statements', 'status', 12),
    ('ledger_imports', 'status', 12),
    ('letters', 'kind', 10),
)


def upgrade():
    for table, column, old_length in WIDENED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(column, existing_type=sa.String(length=old_length), type_=sa.String(length=20),
                                  existing_nullable=False)


def downgrade():
    for table, column, old_length in WIDENED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(column, existing_type=sa.String(length=20), type_=sa.String(length=old_length),
                                  existing_nullable=False)
