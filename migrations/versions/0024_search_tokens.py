"""name search tokens (issue 17): the search_tokens table — per application (kind 1) and per
loan (kind 2) the suffixes of its name, business name and references, and the pinyin and
initials of its person's name — with the primary key (kind, token, owner_id) as the search
index (WITHOUT ROWID on SQLite; token in the "C" collation on PostgreSQL, so a prefix is an
index range) and an index (kind, owner_id); filled for the rows already stored

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02 18:40:00

"""
from alembic import op
import sqlalchemy as sa

from loans.search.tokens import MAX_TOKEN, tokens_for


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

# kind, table, the person's name column, the other columns (as in loans/search/index.py
# at the time of this migration)
SOURCES = (
    (1, 'loan_applications', 'full_name', ('business_name', 'reference', 'id_number_masked')),
    (2, 'loans', 'borrower_name', ('business_name', 'loan_ref', 'contract_no')),
)
CHUNK = 2000


def upgrade():
    token = sa.String(length=MAX_TOKEN).with_variant(sa.String(length=MAX_TOKEN, collation='C'), 'postgresql')
    tokens = op.create_table(
        'search_tokens',
        sa.Column('kind', sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column('token', token, nullable=False),
        sa.Column('owner_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint('kind', 'token', 'owner_id', name=op.f('pk_search_tokens')),
        sqlite_with_rowid=False,
    )
    op.create_index('ix_search_tokens_owner', 'search_tokens', ['kind', 'owner_id'], unique=False)
    bind = op.get_bind()
    for kind, table, name, others in SOURCES:
        columns = ', '.join(('id', name) + others)
        rows = bind.execute(sa.text(f'SELECT {columns} FROM {table} ORDER BY id')).all()
        for start in range(0, len(rows), CHUNK):
            values = [{'kind': kind, 'token': t, 'owner_id': r[0]}
                      for r in rows[start:start + CHUNK] for t in tokens_for([r[1]], r[2:])]
            if values:
                op.bulk_insert(tokens, values)


def downgrade():
    op.drop_index('ix_search_tokens_owner', table_name='search_tokens')
    op.drop_table('search_tokens')
