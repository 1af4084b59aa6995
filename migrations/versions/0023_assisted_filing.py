"""assisted filing by community workers (SPEC §15): on loan_applications, who filed the case
(filed_by_id), how and when the person confirmed it (code or signed scan, consent text version)
and when the person took it over

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02 17:06:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('loan_applications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('filed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('person_confirmed_by', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('person_confirmed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('person_consent_version', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('taken_over_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_loan_applications_filed_by_id'), ['filed_by_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_loan_applications_filed_by_id_users'), 'users',
                                    ['filed_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('loan_applications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_loan_applications_filed_by_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_loan_applications_filed_by_id'))
        batch_op.drop_column('taken_over_at')
        batch_op.drop_column('person_consent_version')
        batch_op.drop_column('person_confirmed_at')
        batch_op.drop_column('person_confirmed_by')
        batch_op.drop_column('filed_by_id')
