"""indexes for the review queue at province scale (issue 17): partial indexes on the open
cases (status submitted, under review, info requested, recommended) in submission order, of a
district (district_code, submitted_at, id, status) and city-wide (submitted_at, id, status), so
the open tab's page walks an index and stops after 25 rows instead of sorting every open case
(SQLite: "WHERE +status IN (…)", see loans/applications/models.py OPEN_CASES_SQL); a covering
index (status, district_code, assigned_officer_id, recommended_by_id) for the counts per
status and of the user's own cases; and (status, submitted_at, id) for a status filter
city-wide

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-02 18:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

# as loans/applications/models.py OPEN_CASES_SQL writes it (a query matches a partial index
# only when it names the same statuses)
OPEN_CASES = "status IN ('submitted', 'under_review', 'info_requested', 'recommended')"
# SQLite's unary plus: the planner, without statistics, would otherwise look the four statuses
# up in a status index and sort them all rather than walk these indexes
SQLITE_WHERE, PG_WHERE = sa.text("+" + OPEN_CASES), sa.text(OPEN_CASES)


def upgrade():
    op.create_index("ix_loan_applications_open_district", "loan_applications",
                    ["district_code", "submitted_at", "id", "status"], sqlite_where=SQLITE_WHERE,
                    postgresql_where=PG_WHERE)
    op.create_index("ix_loan_applications_open_citywide", "loan_applications", ["submitted_at", "id", "status"],
                    sqlite_where=SQLITE_WHERE, postgresql_where=PG_WHERE)
    op.create_index("ix_loan_applications_status_counts", "loan_applications",
                    ["status", "district_code", "assigned_officer_id", "recommended_by_id"])
    op.create_index("ix_loan_applications_status_submitted", "loan_applications", ["status", "submitted_at", "id"])


def downgrade():
    op.drop_index("ix_loan_applications_status_submitted", table_name="loan_applications")
    op.drop_index("ix_loan_applications_status_counts", table_name="loan_applications")
    op.drop_index("ix_loan_applications_open_citywide", table_name="loan_applications")
    op.drop_index("ix_loan_applications_open_district", table_name="loan_applications")
