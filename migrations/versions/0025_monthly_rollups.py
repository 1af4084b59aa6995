"""monthly rollups (issue 17): monthly_rollups, one row per month × district × bank × loan
type × key group with the month's disbursements and repayments and the change of four
positions (outstanding and overdue principal; the fund's guaranteed outstanding and
overdue), in integer fen, filled from the existing loans and events; and an index on
loan_events.event_on (a partial month's loans are found by their events' dates)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02 18:40:00

"""
from alembic import op
import sqlalchemy as sa

from loans.core import rollups as rules


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

DIMENSIONS = ('district_code', 'bank_code', 'loan_type', 'key_group_code')
CHUNK = 2000


def _fill(connection, rollups):
    """Every loan's months (``core.rollups``), summed per month and group, as the app's
    ``flask report rebuild-rollups`` computes them."""
    loans = sa.table('loans', *(sa.column(n) for n in ('id', *DIMENSIONS)), sa.column('contract_date', sa.Date))
    events = sa.table('loan_events', sa.column('loan_id'), sa.column('event_on', sa.Date), sa.column('kind'),
                      sa.column('amount', sa.BigInteger))
    ids = list(connection.scalars(sa.select(loans.c.id).order_by(loans.c.id)))
    total = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        dims = {row[0]: tuple(row[1:]) for row in connection.execute(
            sa.select(loans.c.id, *(loans.c[n] for n in DIMENSIONS), loans.c.contract_date)
            .where(loans.c.id.in_(chunk)))}
        by_loan = {}
        for loan_id, on, kind, amount in connection.execute(
                sa.select(events.c.loan_id, events.c.event_on, events.c.kind, events.c.amount)
                .where(events.c.loan_id.in_(chunk))):
            by_loan.setdefault(loan_id, []).append(rules.Event(on, kind, int(amount or 0)))
        for loan_id, loan_events in by_loan.items():
            district, bank, loan_type, key_group, contract_date = dims[loan_id]
            for month, row in rules.month_deltas(loan_events, contract_date).items():
                into = total.setdefault((month, district, bank, loan_type, key_group or ''), [0] * len(rules.FIELDS))
                for i, value in enumerate(row):
                    into[i] += value
    values = [dict(zip(('month', *DIMENSIONS), key), **dict(zip(rules.FIELDS, row)))
              for key, row in sorted(total.items()) if any(row)]
    for start in range(0, len(values), CHUNK):
        connection.execute(sa.insert(rollups), values[start:start + CHUNK])


def upgrade():
    rollups = op.create_table(
        'monthly_rollups',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('district_code', sa.String(length=20), nullable=False),
        sa.Column('bank_code', sa.String(length=20), nullable=False),
        sa.Column('loan_type', sa.String(length=20), nullable=False),
        sa.Column('key_group_code', sa.String(length=20), nullable=False),
        *(sa.Column(name, sa.BigInteger(), nullable=False) for name in rules.FIELDS),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_monthly_rollups')),
        sa.UniqueConstraint('month', *DIMENSIONS, name='uq_monthly_rollups_key'))
    with op.batch_alter_table('loan_events', schema=None) as batch_op:
        batch_op.create_index('ix_loan_events_event_on', ['event_on'], unique=False)
    _fill(op.get_bind(), rollups)


def downgrade():
    with op.batch_alter_table('loan_events', schema=None) as batch_op:
        batch_op.drop_index('ix_loan_events_event_on')
    op.drop_table('monthly_rollups')
