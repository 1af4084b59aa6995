"""Reads of stored eligibility data."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import func, select

from ..db import db
from ..policy import services as policy_services
from .models import EligibilitySnapshot, EvidenceCheck


def recorded_evidence(application) -> dict[str, bool]:
    """Rule id → verified, the latest check per rule."""
    rows = db.session.execute(select(EvidenceCheck.rule_id, EvidenceCheck.verified)
                              .where(EvidenceCheck.application_id == application.id)
                              .order_by(EvidenceCheck.id)).all()
    return {rule_id: verified for rule_id, verified in rows}


# --- which cases were evaluated under which policy version (policy's history checks) -------

@policy_services.cases_per_policy_code.provide
def cases_per_policy_code() -> dict[str, int]:
    rows = db.session.execute(select(EligibilitySnapshot.policy_code, func.count(func.distinct(
        EligibilitySnapshot.application_id))).group_by(EligibilitySnapshot.policy_code))
    return {code: n for code, n in rows}


@policy_services.policy_code_used.provide
def policy_code_used(code: str) -> bool:
    return db.session.scalar(select(EligibilitySnapshot.id).where(
        EligibilitySnapshot.policy_code == code).limit(1)) is not None


@policy_services.evaluated_application_dates.provide
def evaluated_application_dates() -> Iterable[date]:
    return db.session.scalars(select(EligibilitySnapshot.application_date).distinct()
                              .order_by(EligibilitySnapshot.application_date))
