"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-27 04:47:54.225640

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('banks',
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name_zh', sa.String(length=80), nullable=False),
    sa.Column('name_en', sa.String(length=120), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_banks'))
    )
    op.create_table('districts',
    sa.Column('code', sa.String(length=6), nullable=False),
    sa.Column('name_zh', sa.String(length=50), nullable=False),
    sa.Column('name_en', sa.String(length=80), nullable=False),
    sa.Column('cap_class', sa.String(length=20), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_districts'))
    )
    op.create_table('key_groups',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('label_zh', sa.String(length=80), nullable=False),
    sa.Column('label_en', sa.String(length=120), nullable=False),
    sa.Column('evidence_zh', sa.String(length=120), nullable=False),
    sa.Column('evidence_en', sa.String(length=200), nullable=False),
    sa.Column('sensitive', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_key_groups'))
    )
    op.create_table('lpr_fixings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('published_on', sa.Date(), nullable=False),
    sa.Column('rate', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lpr_fixings')),
    sa.UniqueConstraint('published_on', name=op.f('uq_lpr_fixings_published_on'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('mobile', sa.String(length=20), nullable=True),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('district_code', sa.String(length=6), nullable=True),
    sa.Column('bank_code', sa.String(length=20), nullable=True),
    sa.Column('locale', sa.String(length=5), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('session_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['bank_code'], ['banks.code'], name=op.f('fk_users_bank_code_banks')),
    sa.ForeignKeyConstraint(['district_code'], ['districts.code'], name=op.f('fk_users_district_code_districts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email')),
    sa.UniqueConstraint('mobile', name=op.f('uq_users_mobile'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_role'), ['role'], unique=False)

    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_role', sa.String(length=20), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('object_type', sa.String(length=40), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=True),
    sa.Column('from_state', sa.String(length=30), nullable=True),
    sa.Column('to_state', sa.String(length=30), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('ip_address', sa.String(length=45), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_events_actor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index('ix_audit_events_object', ['object_type', 'object_id', 'id'], unique=False)

    op.create_table('loan_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=True),
    sa.Column('applicant_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.Column('current_step', sa.String(length=20), nullable=False),
    sa.Column('full_name', sa.String(length=100), nullable=True),
    sa.Column('id_number', sa.Text(), nullable=True),
    sa.Column('id_number_hash', sa.String(length=64), nullable=True),
    sa.Column('id_number_masked', sa.String(length=18), nullable=True),
    sa.Column('mobile', sa.String(length=20), nullable=True),
    sa.Column('household_district_code', sa.String(length=6), nullable=True),
    sa.Column('education', sa.String(length=30), nullable=True),
    sa.Column('graduation_date', sa.Date(), nullable=True),
    sa.Column('loan_type', sa.String(length=20), nullable=True),
    sa.Column('business_name', sa.String(length=200), nullable=True),
    sa.Column('credit_code', sa.String(length=18), nullable=True),
    sa.Column('district_code', sa.String(length=6), nullable=True),
    sa.Column('business_address', sa.String(length=300), nullable=True),
    sa.Column('industry', sa.String(length=100), nullable=True),
    sa.Column('business_start_date', sa.Date(), nullable=True),
    sa.Column('current_staff', sa.Integer(), nullable=True),
    sa.Column('planned_jobs', sa.Integer(), nullable=True),
    sa.Column('new_key_group_hires', sa.Integer(), nullable=True),
    sa.Column('amount', sa.BigInteger(), nullable=True),
    sa.Column('term_months', sa.Integer(), nullable=True),
    sa.Column('purpose', sa.Text(), nullable=True),
    sa.Column('preferred_bank_code', sa.String(length=20), nullable=True),
    sa.Column('declares_no_other_loans', sa.Boolean(), nullable=True),
    sa.Column('consents_credit_check', sa.Boolean(), nullable=True),
    sa.Column('declares_truthful', sa.Boolean(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('application_date', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['applicant_id'], ['users.id'], name=op.f('fk_loan_applications_applicant_id_users')),
    sa.ForeignKeyConstraint(['district_code'], ['districts.code'], name=op.f('fk_loan_applications_district_code_districts')),
    sa.ForeignKeyConstraint(['household_district_code'], ['districts.code'], name=op.f('fk_loan_applications_household_district_code_districts')),
    sa.ForeignKeyConstraint(['preferred_bank_code'], ['banks.code'], name=op.f('fk_loan_applications_preferred_bank_code_banks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loan_applications')),
    sa.UniqueConstraint('reference', name=op.f('uq_loan_applications_reference'))
    )
    with op.batch_alter_table('loan_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loan_applications_applicant_id'), ['applicant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_loan_applications_business_name'), ['business_name'], unique=False)
        batch_op.create_index(batch_op.f('ix_loan_applications_credit_code'), ['credit_code'], unique=False)
        batch_op.create_index('ix_loan_applications_district_status', ['district_code', 'status', 'submitted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_loan_applications_id_number_hash'), ['id_number_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_loan_applications_id_number_masked'), ['id_number_masked'], unique=False)
        batch_op.create_index(batch_op.f('ix_loan_applications_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_loan_applications_submitted_at'), ['submitted_at'], unique=False)

    op.create_table('policy_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('regime_individual', sa.String(length=20), nullable=False),
    sa.Column('regime_individual_value', sa.Integer(), nullable=False),
    sa.Column('regime_enterprise', sa.String(length=20), nullable=False),
    sa.Column('regime_enterprise_value', sa.Integer(), nullable=False),
    sa.Column('cap_standard_bp', sa.Integer(), nullable=False),
    sa.Column('cap_former_poverty_bp', sa.Integer(), nullable=False),
    sa.Column('individual_max', sa.BigInteger(), nullable=False),
    sa.Column('partnership_factor_pct', sa.Integer(), nullable=False),
    sa.Column('partnership_max', sa.BigInteger(), nullable=False),
    sa.Column('enterprise_max', sa.BigInteger(), nullable=False),
    sa.Column('max_term_individual', sa.Integer(), nullable=False),
    sa.Column('max_term_enterprise', sa.Integer(), nullable=False),
    sa.Column('hire_share_small_pct', sa.Integer(), nullable=False),
    sa.Column('hire_share_large_pct', sa.Integer(), nullable=False),
    sa.Column('hire_staff_threshold', sa.Integer(), nullable=False),
    sa.Column('graduate_window_years', sa.Integer(), nullable=False),
    sa.Column('working_age_min', sa.Integer(), nullable=False),
    sa.Column('retirement_age_male', sa.Integer(), nullable=False),
    sa.Column('retirement_age_female', sa.Integer(), nullable=False),
    sa.Column('lifetime_loans', sa.Integer(), nullable=False),
    sa.Column('consumer_loan_allowed_max', sa.BigInteger(), nullable=False),
    sa.Column('day_basis', sa.Integer(), nullable=False),
    sa.Column('approval_validity_days', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_policy_versions_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_versions')),
    sa.UniqueConstraint('code', name=op.f('uq_policy_versions_code')),
    sa.UniqueConstraint('effective_from', name=op.f('uq_policy_versions_effective_from'))
    )
    op.create_table('application_key_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('key_group_code', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['loan_applications.id'], name=op.f('fk_application_key_groups_application_id_loan_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['key_group_code'], ['key_groups.code'], name=op.f('fk_application_key_groups_key_group_code_key_groups')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_key_groups')),
    sa.UniqueConstraint('application_id', 'key_group_code', name=op.f('uq_application_key_groups_application_id'))
    )
    op.create_table('consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('text_version', sa.String(length=20), nullable=False),
    sa.Column('given_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ip_address', sa.String(length=45), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['loan_applications.id'], name=op.f('fk_consents_application_id_loan_applications')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_consents_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consents'))
    )
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consents_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consents_user_id'), ['user_id'], unique=False)

    op.create_table('documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('key_group_code', sa.String(length=40), nullable=True),
    sa.Column('original_name', sa.String(length=200), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('encrypted', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['loan_applications.id'], name=op.f('fk_documents_application_id_loan_applications')),
    sa.ForeignKeyConstraint(['key_group_code'], ['key_groups.code'], name=op.f('fk_documents_key_group_code_key_groups')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_documents_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_documents')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_documents_stored_name'))
    )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_documents_application_id'), ['application_id'], unique=False)

    op.create_table('eligibility_snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('trigger', sa.String(length=20), nullable=False),
    sa.Column('policy_code', sa.String(length=20), nullable=False),
    sa.Column('application_date', sa.Date(), nullable=False),
    sa.Column('eligible', sa.Boolean(), nullable=False),
    sa.Column('max_amount', sa.BigInteger(), nullable=False),
    sa.Column('max_term_months', sa.Integer(), nullable=False),
    sa.Column('rules', sa.JSON(), nullable=False),
    sa.Column('evaluated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('evaluated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['loan_applications.id'], name=op.f('fk_eligibility_snapshots_application_id_loan_applications')),
    sa.ForeignKeyConstraint(['evaluated_by_id'], ['users.id'], name=op.f('fk_eligibility_snapshots_evaluated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_eligibility_snapshots'))
    )
    with op.batch_alter_table('eligibility_snapshots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_eligibility_snapshots_application_id'), ['application_id'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=True),
    sa.Column('event', sa.String(length=40), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['loan_applications.id'], name=op.f('fk_notifications_application_id_loan_applications')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_user_id'), ['user_id'], unique=False)

    op.create_table('partners',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('full_name', sa.String(length=100), nullable=False),
    sa.Column('id_number', sa.Text(), nullable=False),
    sa.Column('id_number_hash', sa.String(length=64), nullable=False),
    sa.Column('id_number_masked', sa.String(length=18), nullable=False),
    sa.Column('key_group_code', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['loan_applications.id'], name=op.f('fk_partners_application_id_loan_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['key_group_code'], ['key_groups.code'], name=op.f('fk_partners_key_group_code_key_groups')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partners'))
    )
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partners_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_partners_id_number_hash'), ['id_number_hash'], unique=False)



def downgrade():
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partners_id_number_hash'))
        batch_op.drop_index(batch_op.f('ix_partners_application_id'))

    op.drop_table('partners')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_user_id'))

    op.drop_table('notifications')
    with op.batch_alter_table('eligibility_snapshots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_eligibility_snapshots_application_id'))

    op.drop_table('eligibility_snapshots')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_documents_application_id'))

    op.drop_table('documents')
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consents_user_id'))
        batch_op.drop_index(batch_op.f('ix_consents_application_id'))

    op.drop_table('consents')
    op.drop_table('application_key_groups')
    op.drop_table('policy_versions')
    with op.batch_alter_table('loan_applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_loan_applications_submitted_at'))
        batch_op.drop_index(batch_op.f('ix_loan_applications_status'))
        batch_op.drop_index(batch_op.f('ix_loan_applications_id_number_masked'))
        batch_op.drop_index(batch_op.f('ix_loan_applications_id_number_hash'))
        batch_op.drop_index('ix_loan_applications_district_status')
        batch_op.drop_index(batch_op.f('ix_loan_applications_credit_code'))
        batch_op.drop_index(batch_op.f('ix_loan_applications_business_name'))
        batch_op.drop_index(batch_op.f('ix_loan_applications_applicant_id'))

    op.drop_table('loan_applications')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_object')
        batch_op.drop_index(batch_op.f('ix_audit_events_actor_id'))

    op.drop_table('audit_events')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_role'))

    op.drop_table('users')
    op.drop_table('lpr_fixings')
    op.drop_table('key_groups')
    op.drop_table('districts')
    op.drop_table('banks')
