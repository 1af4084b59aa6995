"""The guarantee fund's records (SPEC §13). Money in integer fen (``Money``), rates and
leverage as exact decimals; every row that changes state carries a ``lock_version`` so a
double click or two actors at once change it once."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.fund import ClaimStatus, MovementKind
from ..db import ExactDecimal, Money, Rate, UTCDateTime, db, enum_type, utcnow


class FundMovement(db.Model):
    """Money into or out of the fund. ``amount`` is positive; the kind gives the sign
    (``core.fund.MOVEMENT_SIGN``). The balance on a date is the signed sum of movements
    dated on or before it. A paid claim and a recovery write theirs (``claim_id`` /
    ``recovery_id``); finance enters the rest, optionally for a bank and a district."""

    __tablename__ = "fund_movements"
    __table_args__ = (Index("ix_fund_movements_moved_on", "moved_on", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    moved_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[MovementKind] = mapped_column(enum_type(MovementKind))
    amount: Mapped[Decimal] = mapped_column(Money)
    voucher_no: Mapped[str] = mapped_column(String(60))
    bank_code: Mapped[str | None] = mapped_column(ForeignKey("banks.code"), index=True)
    district_code: Mapped[str | None] = mapped_column(ForeignKey("districts.code"), index=True)
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("compensation_claims.id"), index=True)
    recovery_id: Mapped[int | None] = mapped_column(ForeignKey("recoveries.id"), index=True)
    note: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(10), default="page")  # page, cli, file, claim, recovery
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    bank = relationship("Bank")
    district = relationship("District")


class CompensationClaim(db.Model):
    """代偿: a bank's claim on the fund for a loan overdue since ``overdue_since``;
    filed → checked (officer) → approved (city-wide supervisor, never the checker) → paid
    (finance), or cancelled. Amounts are fixed when filed (SPEC §13); ``share_pct`` is the
    fund's share in force on the loan's contract date. ``legacy``: made from a
    compensation event recorded before claims existed, listed for finance to complete."""

    __tablename__ = "compensation_claims"
    __table_args__ = (
        UniqueConstraint("bank_code", "bank_ref"),
        Index("ix_compensation_claims_status", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    bank_code: Mapped[str] = mapped_column(ForeignKey("banks.code"), index=True)
    district_code: Mapped[str] = mapped_column(ForeignKey("districts.code"), index=True)
    status: Mapped[ClaimStatus] = mapped_column(enum_type(ClaimStatus), default=ClaimStatus.filed)
    lock_version: Mapped[int] = mapped_column(default=0)
    legacy: Mapped[bool] = mapped_column(default=False)

    claim_date: Mapped[date] = mapped_column(Date)
    overdue_since: Mapped[date | None] = mapped_column(Date)
    principal: Mapped[Decimal] = mapped_column(Money)
    interest: Mapped[Decimal] = mapped_column(Money)
    total: Mapped[Decimal] = mapped_column(Money)
    share_pct: Mapped[Decimal] = mapped_column(Rate)
    fund_share: Mapped[Decimal] = mapped_column(Money)
    bank_share: Mapped[Decimal] = mapped_column(Money)
    bank_ref: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)

    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    token_id: Mapped[int | None] = mapped_column(ForeignKey("bank_tokens.id"))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    check_note: Mapped[str | None] = mapped_column(Text)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    paid_on: Mapped[date | None] = mapped_column(Date, index=True)
    voucher_no: Mapped[str | None] = mapped_column(String(60))
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    compensation_event_id: Mapped[int | None] = mapped_column(ForeignKey("loan_events.id"))

    loan = relationship("Loan")
    recoveries: Mapped[list["Recovery"]] = relationship(back_populates="claim",
                                                        order_by="(Recovery.recovered_on, Recovery.id)")


class Recovery(db.Model):
    """追偿: money recovered on a compensated (or written-off) loan, shared back as the
    claim was: the fund's share rounded half-up, the bank the rest. Never more in all than
    the claim; changes no balance, status or subsidy."""

    __tablename__ = "recoveries"
    __table_args__ = (UniqueConstraint("bank_code", "bank_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("compensation_claims.id"), index=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    bank_code: Mapped[str] = mapped_column(ForeignKey("banks.code"))
    recovered_on: Mapped[date] = mapped_column(Date, index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    fund_share: Mapped[Decimal] = mapped_column(Money)
    bank_share: Mapped[Decimal] = mapped_column(Money)
    bank_ref: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    token_id: Mapped[int | None] = mapped_column(ForeignKey("bank_tokens.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    claim: Mapped[CompensationClaim] = relationship(back_populates="recoveries")


class WriteOff(db.Model):
    """核销 of a claim's unrecovered rest: proposed by a city-wide supervisor, approved
    (or refused) by finance. The debt stays on file (账销案存): recoveries may follow."""

    __tablename__ = "write_offs"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("compensation_claims.id"), index=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="proposed")  # proposed, approved, refused
    lock_version: Mapped[int] = mapped_column(default=0)
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_on: Mapped[date | None] = mapped_column(Date, index=True)
    decision_note: Mapped[str | None] = mapped_column(Text)

    claim = relationship("CompensationClaim")


class BankRate(db.Model):
    """A bank's overdue and claims rates as at a month-end (or any day asked for), with
    the figures they come from. A rate is None when its denominator is zero."""

    __tablename__ = "bank_rates"
    __table_args__ = (UniqueConstraint("bank_code", "as_of"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_code: Mapped[str] = mapped_column(ForeignKey("banks.code"))
    as_of: Mapped[date] = mapped_column(Date, index=True)
    overdue_principal: Mapped[Decimal] = mapped_column(Money)
    outstanding_principal: Mapped[Decimal] = mapped_column(Money)
    claims_paid_principal: Mapped[Decimal] = mapped_column(Money)
    guarantee_ended_principal: Mapped[Decimal] = mapped_column(Money)
    overdue_rate: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    claims_rate: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    warned: Mapped[bool] = mapped_column(default=False)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BankPause(db.Model):
    """New approvals naming the bank are refused from ``paused_on`` until a later month-end's
    claims rate is at or below the threshold or a city-wide supervisor lifts it."""

    __tablename__ = "bank_pauses"

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_code: Mapped[str] = mapped_column(ForeignKey("banks.code"), index=True)
    paused_on: Mapped[date] = mapped_column(Date)
    rate_id: Mapped[int | None] = mapped_column(ForeignKey("bank_rates.id"))
    claims_rate: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    lifted_on: Mapped[date | None] = mapped_column(Date)
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: lifted by the rates job
    lift_reason: Mapped[str | None] = mapped_column(Text)
    lock_version: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    bank = relationship("Bank")


class ApprovalOverride(db.Model):
    """A city-wide supervisor's approval despite the fund check (leverage above the
    limit, no positive fund balance, or a paused bank), with the written reason."""

    __tablename__ = "approval_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("loan_applications.id"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text)
    refusals: Mapped[str] = mapped_column(String(200))  # comma-separated core.fund.Refusal codes
    projected: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    limit: Mapped[Decimal] = mapped_column(ExactDecimal)
    fund_balance: Mapped[Decimal] = mapped_column(Money)
    bank_code: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    application = relationship("LoanApplication")
    actor = relationship("User")


class FundLock(db.Model):
    """One row; an approval updates it first, so approvals (and their fund check) run
    one at a time on SQLite and PostgreSQL alike."""

    __tablename__ = "fund_lock"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=0)
