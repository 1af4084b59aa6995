"""one-time SMS codes (SPEC §15): sms_codes (keyed hash, purpose, optional case, tries, expiry;
the value encrypted only until sent) and sms_code_counters (per number, address and day)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 16:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sms_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('mobile_hash', sa.String(length=64), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=True),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('value_encrypted', sa.String(length=255), nullable=True),
    sa.Column('tries', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['loan_applications.id'], name=op.f('fk_sms_codes_application_id_loan_applications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_codes'))
    )
    with op.batch_alter_table('sms_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sms_codes_mobile_hash'), ['mobile_hash'], unique=False)

    op.create_table('sms_code_counters',
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('window', sa.String(length=20), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('last_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_sms_code_counters'))
    )


def downgrade():
    op.drop_table('sms_code_counters')
    with op.batch_alter_table('sms_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sms_codes_mobile_hash'))

    op.drop_table('sms_codes')
