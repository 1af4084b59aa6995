"""review and decisions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 04:50:00.090052

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['loan_applications.id'], name=op.f('fk_case_notes_application_id_loan_applications')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_case_notes_author_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_notes'))
    )
    with op.batch_alter_table('case_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_notes_application_id'), ['application_id'], unique=False)

    op.create_table('evidence_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.String(length=4), nullable=False),
    sa.Column('verified', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('checked_by_id', sa.Integer(), nullable=False),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['loan_applications.id'], name=op.f('fk_evidence_checks_application_id_loan_applications')),
    sa.ForeignKeyConstraint(['checked_by_id'], ['users.id'], name=op.f('fk_evidence_checks_checked_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_checks'))
    )
    with op.batch_alter_table('evidence_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_checks_application_id'), ['application_id'], unique=False)

    op.create_table('info_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('documents', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['loan_applications.id'], name=op.f('fk_info_requests_application_id_loan_applications')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_info_requests_requested_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_info_requests'))
    )
    with op.batch_alter_table('info_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_info_requests_application_id'), ['application_id'], unique=False)

    with op.batch_alter_table('loan_applications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assigned_officer_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('recommendation', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('recommended_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('recommended_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('recommended_amount', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('recommended_term_months', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('recommended_bank_code', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('conditions', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('rejection_rules', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('rejection_explanation', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('decided_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('decision_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('approved_amount', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('approved_term_months', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('approved_bank_code', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('amount_lowered_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('approval_policy_code', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('approval_lpr_rate', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('approval_cap_bp', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('rate_ceiling_rate', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('borrower_rate_rule_en', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('borrower_rate_rule_zh', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('valid_until_date', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_loan_applications_valid_until_date'), ['valid_until_date'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_loan_applications_approved_bank_code_banks'), 'banks', ['approved_bank_code'], ['code'])
        batch_op.create_foreign_key(batch_op.f('fk_loan_applications_decided_by_id_users'), 'users', ['decided_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_loan_applications_assigned_officer_id_users'), 'users', ['assigned_officer_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_loan_applications_recommended_bank_code_banks'), 'banks', ['recommended_bank_code'], ['code'])
        batch_op.create_foreign_key(batch_op.f('fk_loan_applications_recommended_by_id_users'), 'users', ['recommended_by_id'], ['id'])



def downgrade():
    with op.batch_alter_table('loan_applications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_loan_applications_recommended_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_loan_applications_recommended_bank_code_banks'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_loan_applications_assigned_officer_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_loan_applications_decided_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_loan_applications_approved_bank_code_banks'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_loan_applications_valid_until_date'))
        batch_op.drop_column('valid_until_date')
        batch_op.drop_column('borrower_rate_rule_zh')
        batch_op.drop_column('borrower_rate_rule_en')
        batch_op.drop_column('rate_ceiling_rate')
        batch_op.drop_column('approval_cap_bp')
        batch_op.drop_column('approval_lpr_rate')
        batch_op.drop_column('approval_policy_code')
        batch_op.drop_column('amount_lowered_reason')
        batch_op.drop_column('approved_bank_code')
        batch_op.drop_column('approved_term_months')
        batch_op.drop_column('approved_amount')
        batch_op.drop_column('decision_on')
        batch_op.drop_column('decided_at')
        batch_op.drop_column('decided_by_id')
        batch_op.drop_column('rejection_explanation')
        batch_op.drop_column('rejection_rules')
        batch_op.drop_column('conditions')
        batch_op.drop_column('recommended_bank_code')
        batch_op.drop_column('recommended_term_months')
        batch_op.drop_column('recommended_amount')
        batch_op.drop_column('recommended_at')
        batch_op.drop_column('recommended_by_id')
        batch_op.drop_column('recommendation')
        batch_op.drop_column('assigned_officer_id')

    with op.batch_alter_table('info_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_info_requests_application_id'))

    op.drop_table('info_requests')
    with op.batch_alter_table('evidence_checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_checks_application_id'))

    op.drop_table('evidence_checks')
    with op.batch_alter_table('case_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_notes_application_id'))

    op.drop_table('case_notes')
