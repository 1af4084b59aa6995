"""partner facts for E13

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 05:41:34.797837

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.add_column(sa.Column('graduation_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('declares_no_other_loans', sa.Boolean(), nullable=True))



def downgrade():
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.drop_column('declares_no_other_loans')
        batch_op.drop_column('graduation_date')

