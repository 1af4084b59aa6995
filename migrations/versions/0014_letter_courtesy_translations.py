"""courtesy translations of decision letters: the official letter is Chinese (SPEC §9 as
amended by issue 11); an applicant whose language is English also gets an English
translation, stored once with its SHA-256 under the letter's reference and code

Letters already issued are left as issued (some of them in English): nothing is rendered
here, and no translation is made for them. Downgrading drops the stored translations; the
official letters stay.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-12 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'letter_translations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('letter_id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=5), nullable=False),
        sa.Column('pdf', sa.LargeBinary(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('size_bytes', sa.Integer(), nullable=False),
        sa.Column('generated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['letter_id'], ['letters.id'], name=op.f('fk_letter_translations_letter_id_letters')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_letter_translations')),
        sa.UniqueConstraint('letter_id', name=op.f('uq_letter_translations_letter_id')),
    )


def downgrade():
    op.drop_table('letter_translations')
