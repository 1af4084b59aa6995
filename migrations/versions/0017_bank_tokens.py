"""bank connection (SPEC §12): API tokens per bank (stored as hashes), the first answers to
idempotency keys, and on each loan event where it came from (page, API, file, ledger, the
app's own check), the token, and the bank's reference — unique per bank

Events already recorded keep no source (they predate it): those of ledger imports are
marked "ledger", those typed by someone "page", and overdue starts with neither "app".

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 12:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'bank_tokens',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('bank_code', sa.String(length=20), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('prefix', sa.String(length=12), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('allowed_ips', sa.JSON(), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_used_ip', sa.String(length=45), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['bank_code'], ['banks.code'], name=op.f('fk_bank_tokens_bank_code_banks')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_bank_tokens_created_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_tokens')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_bank_tokens_token_hash')),
    )
    with op.batch_alter_table('bank_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_tokens_bank_code'), ['bank_code'], unique=False)
    op.create_table(
        'idempotency_keys',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('bank_code', sa.String(length=20), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('method', sa.String(length=8), nullable=False),
        sa.Column('path', sa.String(length=300), nullable=False),
        sa.Column('body_sha256', sa.String(length=64), nullable=False),
        sa.Column('status', sa.Integer(), nullable=True),
        sa.Column('response', sa.Text(), nullable=True),
        sa.Column('token_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['token_id'], ['bank_tokens.id'], name=op.f('fk_idempotency_keys_token_id_bank_tokens')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_keys')),
        sa.UniqueConstraint('bank_code', 'key', name=op.f('uq_idempotency_keys_bank_code')),
    )
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.create_index('ix_idempotency_keys_created_at', ['created_at'], unique=False)
    with op.batch_alter_table('loan_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('token_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('bank_code', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('bank_ref', sa.String(length=64), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_loan_events_token_id_bank_tokens'), 'bank_tokens',
                                    ['token_id'], ['id'])
        batch_op.create_unique_constraint(batch_op.f('uq_loan_events_bank_code'), ['bank_code', 'bank_ref'])
    op.execute("UPDATE loan_events SET source = 'ledger' WHERE import_id IS NOT NULL")
    op.execute("UPDATE loan_events SET source = 'page' WHERE import_id IS NULL AND recorded_by_id IS NOT NULL")
    op.execute("UPDATE loan_events SET source = 'app' WHERE source IS NULL AND kind = 'overdue_start'")


def downgrade():
    with op.batch_alter_table('loan_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_loan_events_bank_code'), type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_loan_events_token_id_bank_tokens'), type_='foreignkey')
        batch_op.drop_column('bank_ref')
        batch_op.drop_column('bank_code')
        batch_op.drop_column('token_id')
        batch_op.drop_column('source')
    op.drop_table('idempotency_keys')
    op.drop_table('bank_tokens')
