"""Indexes for the review queue at 100,000 cases: district pages in submission order without
a sort, and the key-group filter without a scan.

Revision ID: 0006
Revises: 0005
"""
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("loan_applications", schema=None) as batch_op:
        batch_op.create_index("ix_loan_applications_district_submitted", ["district_code", "submitted_at", "id"])
    with op.batch_alter_table("application_key_groups", schema=None) as batch_op:
        batch_op.create_index("ix_application_key_groups_key_group", ["key_group_code", "application_id"])


def downgrade():
    with op.batch_alter_table("application_key_groups", schema=None) as batch_op:
        batch_op.drop_index("ix_application_key_groups_key_group")
    with op.batch_alter_table("loan_applications", schema=None) as batch_op:
        batch_op.drop_index("ix_loan_applications_district_submitted")
