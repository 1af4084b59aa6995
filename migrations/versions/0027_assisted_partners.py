"""assisted filing (SPEC §15): on partners, each partner's own confirmation of their
declaration when a community worker files a partnership: when it was confirmed
(confirmed_at) and the signed form scanned for it (confirmation_document_id → documents)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-02 18:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('confirmation_document_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_partners_confirmation_document_id_documents'), 'documents',
                                    ['confirmation_document_id'], ['id'])


def downgrade():
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_partners_confirmation_document_id_documents'), type_='foreignkey')
        batch_op.drop_column('confirmation_document_id')
        batch_op.drop_column('confirmed_at')
