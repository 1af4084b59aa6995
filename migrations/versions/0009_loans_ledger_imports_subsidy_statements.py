"""loans, ledger imports, subsidy statements

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 06:34:58.503538

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('bank_claims',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=6), nullable=False),
    sa.Column('bank_code', sa.String(length=20), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['bank_code'], ['banks.code'], name=op.f('fk_bank_claims_bank_code_banks')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_bank_claims_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_claims'))
    )
    with op.batch_alter_table('bank_claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_claims_period'), ['period'], unique=False)

    op.create_table('ledger_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('files', sa.JSON(), nullable=False),
    sa.Column('total_rows', sa.Integer(), nullable=False),
    sa.Column('processed_rows', sa.Integer(), nullable=False),
    sa.Column('loans_added', sa.Integer(), nullable=False),
    sa.Column('loans_unchanged', sa.Integer(), nullable=False),
    sa.Column('events_added', sa.Integer(), nullable=False),
    sa.Column('events_unchanged', sa.Integer(), nullable=False),
    sa.Column('errors', sa.JSON(), nullable=True),
    sa.Column('started_by_id', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['started_by_id'], ['users.id'], name=op.f('fk_ledger_imports_started_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_imports'))
    )
    op.create_table('subsidy_statements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=6), nullable=False),
    sa.Column('bank_code', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('line_count', sa.Integer(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('computed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.Column('voucher_no', sa.String(length=60), nullable=True),
    sa.Column('paid_by_id', sa.Integer(), nullable=True),
    sa.Column('reopened_from_id', sa.Integer(), nullable=True),
    sa.Column('reopen_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_subsidy_statements_approved_by_id_users')),
    sa.ForeignKeyConstraint(['bank_code'], ['banks.code'], name=op.f('fk_subsidy_statements_bank_code_banks')),
    sa.ForeignKeyConstraint(['computed_by_id'], ['users.id'], name=op.f('fk_subsidy_statements_computed_by_id_users')),
    sa.ForeignKeyConstraint(['paid_by_id'], ['users.id'], name=op.f('fk_subsidy_statements_paid_by_id_users')),
    sa.ForeignKeyConstraint(['reopened_from_id'], ['subsidy_statements.id'], name=op.f('fk_subsidy_statements_reopened_from_id_subsidy_statements')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_subsidy_statements_reviewed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subsidy_statements')),
    sa.UniqueConstraint('period', 'bank_code', 'version', name=op.f('uq_subsidy_statements_period'))
    )
    with op.batch_alter_table('subsidy_statements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subsidy_statements_paid_on'), ['paid_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_subsidy_statements_period'), ['period'], unique=False)
        batch_op.create_index(batch_op.f('ix_subsidy_statements_status'), ['status'], unique=False)

    op.create_table('bank_claim_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('loan_ref', sa.String(length=40), nullable=False),
    sa.Column('subsidy', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['bank_claims.id'], name=op.f('fk_bank_claim_lines_claim_id_bank_claims'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_claim_lines')),
    sa.UniqueConstraint('claim_id', 'loan_ref', name=op.f('uq_bank_claim_lines_claim_id'))
    )
    with op.batch_alter_table('bank_claim_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_claim_lines_claim_id'), ['claim_id'], unique=False)

    op.create_table('loans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('loan_ref', sa.String(length=40), nullable=False),
    sa.Column('source', sa.String(length=12), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.Column('borrower_name', sa.String(length=100), nullable=False),
    sa.Column('id_number', sa.Text(), nullable=False),
    sa.Column('id_number_hash', sa.String(length=64), nullable=False),
    sa.Column('id_number_masked', sa.String(length=18), nullable=False),
    sa.Column('key_group_code', sa.String(length=40), nullable=True),
    sa.Column('district_code', sa.String(length=6), nullable=False),
    sa.Column('business_name', sa.String(length=200), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=True),
    sa.Column('loan_type', sa.String(length=20), nullable=False),
    sa.Column('partners', sa.Integer(), nullable=False),
    sa.Column('jobs_declared', sa.Integer(), nullable=False),
    sa.Column('bank_code', sa.String(length=20), nullable=False),
    sa.Column('contract_no', sa.String(length=60), nullable=False),
    sa.Column('contract_date', sa.Date(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('contract_rate', sa.Integer(), nullable=False),
    sa.Column('lpr_rate', sa.Integer(), nullable=False),
    sa.Column('term_months', sa.Integer(), nullable=False),
    sa.Column('maturity_date', sa.Date(), nullable=False),
    sa.Column('extended_maturity_date', sa.Date(), nullable=True),
    sa.Column('first_disbursement_date', sa.Date(), nullable=True),
    sa.Column('policy_code', sa.String(length=20), nullable=True),
    sa.Column('import_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['loan_applications.id'], name=op.f('fk_loans_application_id_loan_applications')),
    sa.ForeignKeyConstraint(['bank_code'], ['banks.code'], name=op.f('fk_loans_bank_code_banks')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_loans_created_by_id_users')),
    sa.ForeignKeyConstraint(['district_code'], ['districts.code'], name=op.f('fk_loans_district_code_districts')),
    sa.ForeignKeyConstraint(['import_id'], ['ledger_imports.id'], name=op.f('fk_loans_import_id_ledger_imports')),
    sa.ForeignKeyConstraint(['key_group_code'], ['key_groups.code'], name=op.f('fk_loans_key_group_code_key_groups')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loans')),
    sa.UniqueConstraint('application_id', name=op.f('uq_loans_application_id')),
    sa.UniqueConstraint('loan_ref', name=op.f('uq_loans_loan_ref'))
    )
    with op.batch_alter_table('loans', schema=None) as batch_op:
        batch_op.create_index('ix_loans_bank_code_status', ['bank_code', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_loans_contract_date'), ['contract_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_loans_credit_code'), ['credit_code'], unique=False)
        batch_op.create_index('ix_loans_district_code_status', ['district_code', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_loans_first_disbursement_date'), ['first_disbursement_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_loans_id_number_hash'), ['id_number_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_loans_import_id'), ['import_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_loans_status'), ['status'], unique=False)

    op.create_table('follow_up_visits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('loan_id', sa.Integer(), nullable=False),
    sa.Column('visited_on', sa.Date(), nullable=False),
    sa.Column('owners', sa.Integer(), nullable=False),
    sa.Column('employees_with_contracts', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('officer_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_follow_up_visits_loan_id_loans'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['officer_id'], ['users.id'], name=op.f('fk_follow_up_visits_officer_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_up_visits'))
    )
    with op.batch_alter_table('follow_up_visits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follow_up_visits_loan_id'), ['loan_id'], unique=False)

    op.create_table('loan_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('loan_id', sa.Integer(), nullable=False),
    sa.Column('event_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=True),
    sa.Column('occurrence', sa.Integer(), nullable=False),
    sa.Column('new_maturity_date', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('import_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['import_id'], ['ledger_imports.id'], name=op.f('fk_loan_events_import_id_ledger_imports')),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_loan_events_loan_id_loans'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_loan_events_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loan_events')),
    sa.UniqueConstraint('loan_id', 'event_on', 'kind', 'amount', 'occurrence', name=op.f('uq_loan_events_loan_id'))
    )
    with op.batch_alter_table('loan_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loan_events_loan_id'), ['loan_id'], unique=False)

    op.create_table('subsidy_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('loan_id', sa.Integer(), nullable=False),
    sa.Column('loan_ref', sa.String(length=40), nullable=False),
    sa.Column('borrower_masked', sa.String(length=60), nullable=False),
    sa.Column('policy_code', sa.String(length=20), nullable=False),
    sa.Column('contract_rate', sa.Integer(), nullable=False),
    sa.Column('lpr_rate', sa.Integer(), nullable=False),
    sa.Column('subsidy_rate', sa.String(length=40), nullable=False),
    sa.Column('subsidised_days', sa.Integer(), nullable=False),
    sa.Column('balance_days', sa.BigInteger(), nullable=False),
    sa.Column('subsidy', sa.BigInteger(), nullable=False),
    sa.Column('interest', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_subsidy_lines_loan_id_loans')),
    sa.ForeignKeyConstraint(['statement_id'], ['subsidy_statements.id'], name=op.f('fk_subsidy_lines_statement_id_subsidy_statements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subsidy_lines')),
    sa.UniqueConstraint('statement_id', 'loan_id', name=op.f('uq_subsidy_lines_statement_id'))
    )
    with op.batch_alter_table('subsidy_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subsidy_lines_loan_id'), ['loan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_subsidy_lines_statement_id'), ['statement_id'], unique=False)



def downgrade():
    with op.batch_alter_table('subsidy_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subsidy_lines_statement_id'))
        batch_op.drop_index(batch_op.f('ix_subsidy_lines_loan_id'))

    op.drop_table('subsidy_lines')
    with op.batch_alter_table('loan_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_loan_events_loan_id'))

    op.drop_table('loan_events')
    with op.batch_alter_table('follow_up_visits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_up_visits_loan_id'))

    op.drop_table('follow_up_visits')
    with op.batch_alter_table('loans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_loans_status'))
        batch_op.drop_index(batch_op.f('ix_loans_import_id'))
        batch_op.drop_index(batch_op.f('ix_loans_id_number_hash'))
        batch_op.drop_index(batch_op.f('ix_loans_first_disbursement_date'))
        batch_op.drop_index('ix_loans_district_code_status')
        batch_op.drop_index(batch_op.f('ix_loans_credit_code'))
        batch_op.drop_index(batch_op.f('ix_loans_contract_date'))
        batch_op.drop_index('ix_loans_bank_code_status')

    op.drop_table('loans')
    with op.batch_alter_table('bank_claim_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_claim_lines_claim_id'))

    op.drop_table('bank_claim_lines')
    with op.batch_alter_table('subsidy_statements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subsidy_statements_status'))
        batch_op.drop_index(batch_op.f('ix_subsidy_statements_period'))
        batch_op.drop_index(batch_op.f('ix_subsidy_statements_paid_on'))

    op.drop_table('subsidy_statements')
    op.drop_table('ledger_imports')
    with op.batch_alter_table('bank_claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_claims_period'))

    op.drop_table('bank_claims')
