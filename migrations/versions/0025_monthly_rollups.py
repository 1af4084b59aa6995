"""monthly rollups (issue 17): monthly_rollups, one row per month × district × bank × loan
type × key group with the month's disbursements and repayments, the change of four
positions (outstanding and overdue principal; the fund's guaranteed outstanding and
overdue), the loans first disbursed in it (count, partners, jobs declared and verified),
the principal disbursed and repaid by maturity of loans maturing in it and the subsidy paid
in it (lines and adjustments of statements paid), all integers (fen), filled from the
existing loans, events, visits and statements; and an index on loan_events.event_on (a
partial month's loans are found by their events' dates)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02 18:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

DIMENSIONS = ('district_code', 'bank_code', 'loan_type', 'key_group_code')
FIGURES = ('disbursed_fen', 'repaid_fen', 'outstanding_fen', 'overdue_fen', 'guaranteed_fen', 'guaranteed_overdue_fen',
           'loans_issued', 'partners', 'jobs_declared', 'jobs_verified', 'matured_disbursed_fen', 'matured_repaid_fen',
           'subsidy_paid_fen')


def upgrade():
    op.create_table(
        'monthly_rollups',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('district_code', sa.String(length=20), nullable=False),
        sa.Column('bank_code', sa.String(length=20), nullable=False),
        sa.Column('loan_type', sa.String(length=20), nullable=False),
        sa.Column('key_group_code', sa.String(length=40), nullable=False),
        *(sa.Column(name, sa.BigInteger(), nullable=False) for name in FIGURES),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_monthly_rollups')),
        sa.UniqueConstraint('month', *DIMENSIONS, name='uq_monthly_rollups_key'))
    with op.batch_alter_table('loan_events', schema=None) as batch_op:
        batch_op.create_index('ix_loan_events_event_on', ['event_on'], unique=False)
    # the app's own rebuild (``flask report rebuild-rollups``): it reads only the loans',
    # events' and visits' columns named here, through Core
    from loans.servicing.rollups import rebuild
    rebuild(op.get_bind())


def downgrade():
    with op.batch_alter_table('loan_events', schema=None) as batch_op:
        batch_op.drop_index('ix_loan_events_event_on')
    op.drop_table('monthly_rollups')
