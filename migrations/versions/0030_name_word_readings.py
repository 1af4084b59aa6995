"""name word readings (issue 17): names are read with pypinyin's single-character dictionary
and a table of the words it reads otherwise (loans/search/phrase_readings.txt) instead of
its whole phrase dictionary (~45 MB less in every process that writes a name); a name
holding such a word is now spelled both ways (李长江: lichangjiang and lizhangjiang). The
stored names that hold one get the tokens of their other spellings; the tokens they had
are among the new ones, so none goes. Downgrading keeps the added tokens (a search finds
those names by either reading; nothing else changes).

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-03 20:20:00

"""
from alembic import op
import sqlalchemy as sa

from loans.search.tokens import name_spellings, normalize, pinyin_tokens


revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None

# kind, table, the person's name column (as in loans/search/index.py at the time of this migration)
SOURCES = ((1, 'loan_applications', 'full_name'), (2, 'loans', 'borrower_name'))
CHUNK = 2000


def upgrade():
    bind = op.get_bind()
    tokens = sa.table('search_tokens', sa.column('kind'), sa.column('token'), sa.column('owner_id'))
    if bind.dialect.name == 'postgresql':
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    add = insert(tokens).on_conflict_do_nothing()
    for kind, table, column in SOURCES:
        values = []
        rows = bind.execute(sa.text(f'SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL ORDER BY id'))
        for owner_id, name in rows:
            text = normalize(name)
            if len(name_spellings(text)) > 1:
                values.extend({'kind': kind, 'token': t, 'owner_id': owner_id} for t in pinyin_tokens(text))
        for start in range(0, len(values), CHUNK):
            bind.execute(add, values[start:start + CHUNK])


def downgrade():
    pass
