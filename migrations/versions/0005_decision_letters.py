"""decision letters

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-27 04:56:05.829001

There is no revision 0004, and the history never had one: this migration follows 0003
directly (``down_revision = '0003'``), the number was skipped when it was written. Nothing
is missing. The revision ids stay as they are, since databases are stamped with them.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('letter_sequences',
    sa.Column('district_code', sa.String(length=6), nullable=False),
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['district_code'], ['districts.code'], name=op.f('fk_letter_sequences_district_code_districts')),
    sa.PrimaryKeyConstraint('district_code', 'year', name=op.f('pk_letter_sequences'))
    )
    op.create_table('letters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('district_code', sa.String(length=6), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('verification_code', sa.String(length=32), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('generated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('generated_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('revoke_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['loan_applications.id'], name=op.f('fk_letters_application_id_loan_applications')),
    sa.ForeignKeyConstraint(['district_code'], ['districts.code'], name=op.f('fk_letters_district_code_districts')),
    sa.ForeignKeyConstraint(['generated_by_id'], ['users.id'], name=op.f('fk_letters_generated_by_id_users')),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_letters_revoked_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letters')),
    sa.UniqueConstraint('application_id', 'kind', name=op.f('uq_letters_application_id')),
    sa.UniqueConstraint('reference', name=op.f('uq_letters_reference'))
    )
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letters_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_letters_verification_code'), ['verification_code'], unique=True)



def downgrade():
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letters_verification_code'))
        batch_op.drop_index(batch_op.f('ix_letters_application_id'))

    op.drop_table('letters')
    op.drop_table('letter_sequences')
