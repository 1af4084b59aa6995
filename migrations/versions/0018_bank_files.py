"""bank files (SPEC §12): the banks' event files, kept once per bank and content, with
their preview (new, skipped and refused rows, balance differences) and whether they were
confirmed

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 13:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'bank_files',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('bank_code', sa.String(length=20), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('source', sa.String(length=10), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('preview', sa.JSON(), nullable=False),
        sa.Column('rows_count', sa.Integer(), nullable=False),
        sa.Column('new_count', sa.Integer(), nullable=False),
        sa.Column('skipped_count', sa.Integer(), nullable=False),
        sa.Column('refused_count', sa.Integer(), nullable=False),
        sa.Column('differences_count', sa.Integer(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('token_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
        sa.Column('confirmed_token_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['bank_code'], ['banks.code'], name=op.f('fk_bank_files_bank_code_banks')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_bank_files_created_by_id_users')),
        sa.ForeignKeyConstraint(['confirmed_by_id'], ['users.id'], name=op.f('fk_bank_files_confirmed_by_id_users')),
        sa.ForeignKeyConstraint(['token_id'], ['bank_tokens.id'], name=op.f('fk_bank_files_token_id_bank_tokens')),
        sa.ForeignKeyConstraint(['confirmed_token_id'], ['bank_tokens.id'],
                                name=op.f('fk_bank_files_confirmed_token_id_bank_tokens')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_files')),
        sa.UniqueConstraint('bank_code', 'sha256', name=op.f('uq_bank_files_bank_code')),
    )
    with op.batch_alter_table('bank_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_files_bank_code'), ['bank_code'], unique=False)


def downgrade():
    op.drop_table('bank_files')
