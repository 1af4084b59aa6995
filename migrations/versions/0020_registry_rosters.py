"""registry rosters (SPEC §15): roster imports and entries (resident IDs encrypted, found
by the keyed hash); evidence checks recorded by a roster hit (no officer: checked_by_id
nullable, with the roster's kind and as-of date).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 16:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('roster_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('imported_by_id', sa.Integer(), nullable=True),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['imported_by_id'], ['users.id'], name=op.f('fk_roster_imports_imported_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_imports'))
    )
    with op.batch_alter_table('roster_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roster_imports_kind'), ['kind'], unique=False)

    op.create_table('roster_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('id_number', sa.Text(), nullable=False),
    sa.Column('id_number_hash', sa.String(length=64), nullable=False),
    sa.Column('id_number_masked', sa.String(length=18), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('graduation_date', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['import_id'], ['roster_imports.id'], name=op.f('fk_roster_entries_import_id_roster_imports')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_entries'))
    )
    with op.batch_alter_table('roster_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roster_entries_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_roster_entries_import_id'), ['import_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_roster_entries_id_number_hash'), ['id_number_hash'], unique=False)

    with op.batch_alter_table('evidence_checks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('roster_kind', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('roster_as_of', sa.Date(), nullable=True))
        batch_op.alter_column('checked_by_id', existing_type=sa.Integer(), nullable=True)


def downgrade():
    # Roster-recorded checks have no officer; they go with the rosters.
    op.execute("DELETE FROM evidence_checks WHERE checked_by_id IS NULL")
    with op.batch_alter_table('evidence_checks', schema=None) as batch_op:
        batch_op.alter_column('checked_by_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('roster_as_of')
        batch_op.drop_column('roster_kind')

    with op.batch_alter_table('roster_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roster_entries_id_number_hash'))
        batch_op.drop_index(batch_op.f('ix_roster_entries_import_id'))
        batch_op.drop_index(batch_op.f('ix_roster_entries_kind'))
    op.drop_table('roster_entries')

    with op.batch_alter_table('roster_imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roster_imports_kind'))
    op.drop_table('roster_imports')
