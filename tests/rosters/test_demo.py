"""The demo data puts a few applicants on a roster of their key group, so the case page
shows a roster hit."""
from __future__ import annotations

from sqlalchemy import select

from loans.applications.models import LoanApplication
from loans.db import db
from loans.eligibility.models import EvidenceCheck
from loans.rosters.models import RosterEntry


def test_demo_cases_with_a_roster_hit(app, runner):
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    assert {kind for kind in db.session.scalars(select(RosterEntry.kind))} == {"veteran", "urban_unemployed"}
    rostered = db.session.execute(select(LoanApplication.status, EvidenceCheck.roster_kind).join(
        EvidenceCheck, EvidenceCheck.application_id == LoanApplication.id).where(
        EvidenceCheck.roster_kind.is_not(None))).all()
    assert sorted(rostered) == [("under_review", "urban_unemployed"), ("under_review", "veteran")]
