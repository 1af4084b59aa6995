"""Reads of stored eligibility data."""
from __future__ import annotations

from sqlalchemy import select

from ..db import db
from .models import EvidenceCheck


def recorded_evidence(application) -> dict[str, bool]:
    """Rule id → verified, the latest check per rule."""
    rows = db.session.execute(select(EvidenceCheck.rule_id, EvidenceCheck.verified)
                              .where(EvidenceCheck.application_id == application.id)
                              .order_by(EvidenceCheck.id)).all()
    return {rule_id: verified for rule_id, verified in rows}
