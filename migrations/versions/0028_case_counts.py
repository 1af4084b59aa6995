"""case counts (issue 17): cases per district and status — and per member of staff the case
is "mine" for (assigned officer, recommending officer) — as signed rows kept with every
change (loans/applications/counts.py), filled from the cases, so the review queue's tabs
and pills no longer count every case in scope

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-03 12:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

FILL = """
INSERT INTO case_counts (district_code, status, user_id, n)
SELECT district_code, status, NULL, count(*) FROM loan_applications
 WHERE status <> 'draft' AND district_code IS NOT NULL GROUP BY district_code, status
UNION ALL
SELECT district_code, status, assigned_officer_id, count(*) FROM loan_applications
 WHERE status <> 'draft' AND district_code IS NOT NULL AND assigned_officer_id IS NOT NULL
 GROUP BY district_code, status, assigned_officer_id
UNION ALL
SELECT district_code, status, recommended_by_id, count(*) FROM loan_applications
 WHERE status <> 'draft' AND district_code IS NOT NULL AND recommended_by_id IS NOT NULL
   AND (assigned_officer_id IS NULL OR recommended_by_id <> assigned_officer_id)
 GROUP BY district_code, status, recommended_by_id
"""


def upgrade():
    op.create_table(
        'case_counts',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('district_code', sa.String(length=6), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('n', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_counts')),
    )
    op.create_index('ix_case_counts_user_district_status', 'case_counts', ['user_id', 'district_code', 'status', 'n'],
                    unique=False)
    op.execute(FILL)


def downgrade():
    op.drop_index('ix_case_counts_user_district_status', table_name='case_counts')
    op.drop_table('case_counts')
