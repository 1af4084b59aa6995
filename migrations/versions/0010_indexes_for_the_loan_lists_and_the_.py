"""indexes for the loan lists and the awaiting-contract queue

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 07:49:42.087944

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('loan_applications', schema=None) as batch_op:
        batch_op.create_index('ix_loan_applications_bank_awaiting', ['approved_bank_code', 'status', 'valid_until_date', 'id'], unique=False)

    with op.batch_alter_table('loans', schema=None) as batch_op:
        batch_op.create_index('ix_loans_bank_code_contract', ['bank_code', 'contract_date', 'id'], unique=False)
        batch_op.create_index('ix_loans_district_code_contract', ['district_code', 'contract_date', 'id'], unique=False)



def downgrade():
    with op.batch_alter_table('loans', schema=None) as batch_op:
        batch_op.drop_index('ix_loans_district_code_contract')
        batch_op.drop_index('ix_loans_bank_code_contract')

    with op.batch_alter_table('loan_applications', schema=None) as batch_op:
        batch_op.drop_index('ix_loan_applications_bank_awaiting')

