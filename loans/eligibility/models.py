"""Stored eligibility results (what the engine said about a case, and under which policy)
and the officers' checks of the evidence that needs-evidence rules rest on."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Money, UTCDateTime, db, utcnow


class EligibilitySnapshot(db.Model):
    """The engine's result for a case at one moment: policy version and each rule's result."""

    __tablename__ = "eligibility_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("loan_applications.id"), index=True)
    trigger: Mapped[str] = mapped_column(String(20))
    policy_code: Mapped[str] = mapped_column(String(20))
    application_date: Mapped[date] = mapped_column(Date)
    eligible: Mapped[bool]
    max_amount: Mapped[Decimal] = mapped_column(Money)
    max_term_months: Mapped[int]
    rules: Mapped[list] = mapped_column(JSON)
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    evaluated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class EvidenceCheck(db.Model):
    """An officer's check of a needs-evidence rule (E08, E11, E12); the latest one counts.

    A check with ``roster_kind`` was recorded by the app, not an officer: the claimed key
    group (rule E01) was found on that registry roster, as of ``roster_as_of``."""

    __tablename__ = "evidence_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("loan_applications.id"), index=True)
    rule_id: Mapped[str] = mapped_column(String(4))
    verified: Mapped[bool]
    note: Mapped[str] = mapped_column(Text, default="")
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    roster_kind: Mapped[str | None] = mapped_column(String(30))
    roster_as_of: Mapped[date | None] = mapped_column(Date)

    checked_by = relationship("User")
