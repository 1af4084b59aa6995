"""open case claims

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 06:14:15.406359

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('open_case_claims',
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['loan_applications.id'], name=op.f('fk_open_case_claims_application_id_loan_applications')),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_open_case_claims'))
    )
    with op.batch_alter_table('open_case_claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_open_case_claims_application_id'), ['application_id'], unique=False)

    # Claims for the cases already submitted and not closed (the earliest case keeps a key).
    holding = ("'submitted', 'under_review', 'info_requested', 'recommended', 'approved', 'contracted', "
               "'active', 'overdue', 'extended'")
    op.execute(f"""
        INSERT INTO open_case_claims (key, application_id)
        SELECT key, MIN(application_id) FROM (
            SELECT 'id:' || id_number_hash AS key, id AS application_id FROM loan_applications
             WHERE status IN ({holding}) AND id_number_hash IS NOT NULL
            UNION ALL
            SELECT 'id:' || p.id_number_hash, a.id FROM partners p JOIN loan_applications a ON a.id = p.application_id
             WHERE a.status IN ({holding})
            UNION ALL
            SELECT 'cc:' || credit_code, id FROM loan_applications
             WHERE status IN ({holding}) AND credit_code IS NOT NULL AND credit_code <> ''
        ) AS held GROUP BY key""")



def downgrade():
    with op.batch_alter_table('open_case_claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_open_case_claims_application_id'))

    op.drop_table('open_case_claims')
