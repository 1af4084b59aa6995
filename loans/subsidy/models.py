"""Quarterly interest-subsidy statements, one per bank and period (SPEC §7 Statements)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import ExactDecimal, Money, Rate, UTCDateTime, db, enum_type, utcnow


class StatementStatus(StrEnum):
    draft = "draft"
    reviewed = "reviewed"
    approved = "approved"
    paid = "paid"
    superseded = "superseded"


STATEMENT_STATUSES = tuple(StatementStatus)
FROZEN_STATUSES = (StatementStatus.reviewed, StatementStatus.approved, StatementStatus.paid)
"""Statements a recomputation may not touch: reopening one makes a new version."""


class SubsidyStatement(db.Model):
    """draft → reviewed (city-wide supervisor) → approved (finance) → paid. Recomputing
    replaces a draft's lines; a frozen statement is reopened (with a reason) as a new
    version, the old one becoming ``superseded``."""

    __tablename__ = "subsidy_statements"
    __table_args__ = (UniqueConstraint("period", "bank_code", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(6), index=True)
    bank_code: Mapped[str] = mapped_column(ForeignKey("banks.code"))
    version: Mapped[int] = mapped_column(default=1)
    status: Mapped[StatementStatus] = mapped_column(enum_type(StatementStatus), default=StatementStatus.draft,
                                                    index=True)
    lock_version: Mapped[int] = mapped_column(default=0)
    # Σ lines + Σ adjustments (SPEC §13); negative when the bank owes a refund
    total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    line_count: Mapped[int] = mapped_column(default=0)
    adjustments_total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    adjustment_count: Mapped[int] = mapped_column(default=0)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    computed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    paid_on: Mapped[date | None] = mapped_column(Date, index=True)
    voucher_no: Mapped[str | None] = mapped_column(String(60))
    paid_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reopened_from_id: Mapped[int | None] = mapped_column(ForeignKey("subsidy_statements.id"))
    reopen_reason: Mapped[str | None] = mapped_column(Text)

    lines: Mapped[list["SubsidyLine"]] = relationship(
        back_populates="statement", order_by="SubsidyLine.loan_ref", cascade="all, delete-orphan")
    adjustments: Mapped[list["SubsidyAdjustment"]] = relationship(
        back_populates="statement", order_by="(SubsidyAdjustment.loan_ref, SubsidyAdjustment.original_period)",
        cascade="all, delete-orphan")


class SubsidyLine(db.Model):
    """One loan's subsidy in a statement. ``balance_days``: Σ of the subsidised balance
    over the subsidised days, yuan·days; ``interest``: the borrower's interest at the
    contract rate, for reconciliation."""

    __tablename__ = "subsidy_lines"
    __table_args__ = (
        UniqueConstraint("statement_id", "loan_id"),
        # a statement's page of lines in loan-ref order, and its policy versions, read from an
        # index (a 15,000-line statement sorted them all: 2 ms for page 1, 9 for page 200, 4 for
        # the versions); the unique constraint above serves what looks lines up by statement
        Index("ix_subsidy_lines_statement_loan_ref", "statement_id", "loan_ref"),
        Index("ix_subsidy_lines_statement_policy", "statement_id", "policy_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("subsidy_statements.id", ondelete="CASCADE"))
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    loan_ref: Mapped[str] = mapped_column(String(40))
    borrower_masked: Mapped[str] = mapped_column(String(60))
    policy_code: Mapped[str] = mapped_column(String(20))
    contract_rate: Mapped[Decimal] = mapped_column(Rate)
    lpr_rate: Mapped[Decimal] = mapped_column(Rate)
    # the LPR fixing the loan's LPR₀ is (published on or before its contract date); None
    # when the rate came from a ledger and matches no fixing
    lpr_published_on: Mapped[date | None] = mapped_column(Date)
    subsidy_rate: Mapped[Decimal] = mapped_column(ExactDecimal)
    subsidised_days: Mapped[int]
    balance_days: Mapped[Decimal] = mapped_column(Money)
    subsidy: Mapped[Decimal] = mapped_column(Money)
    interest: Mapped[Decimal] = mapped_column(Money)

    statement: Mapped[SubsidyStatement] = relationship(back_populates="lines")


class SubsidyAdjustment(db.Model):
    """A correction carried by a later statement for an earlier, frozen period (SPEC
    §13): ``recomputed_subsidy`` (the original period from today's events) −
    ``frozen_subsidy`` (the loan's line on that period's statement plus its adjustments for
    that period on the bank's other current statements) = ``adjustment``, never zero.
    See ``services._period_adjustments``."""

    __tablename__ = "subsidy_adjustments"
    __table_args__ = (UniqueConstraint("statement_id", "loan_id", "original_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("subsidy_statements.id", ondelete="CASCADE"), index=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    loan_ref: Mapped[str] = mapped_column(String(40))
    original_period: Mapped[str] = mapped_column(String(6))
    frozen_subsidy: Mapped[Decimal] = mapped_column(Money)
    recomputed_subsidy: Mapped[Decimal] = mapped_column(Money)
    adjustment: Mapped[Decimal] = mapped_column(Money)

    statement: Mapped[SubsidyStatement] = relationship(back_populates="adjustments")


class BankClaim(db.Model):
    """A bank's own figures for a period, uploaded for comparison; never adopted silently."""

    __tablename__ = "bank_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(6), index=True)
    bank_code: Mapped[str] = mapped_column(ForeignKey("banks.code"))
    filename: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    total: Mapped[Decimal] = mapped_column(Money)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lines: Mapped[list["BankClaimLine"]] = relationship(
        back_populates="claim", order_by="BankClaimLine.loan_ref", cascade="all, delete-orphan")


class BankClaimLine(db.Model):
    __tablename__ = "bank_claim_lines"
    __table_args__ = (UniqueConstraint("claim_id", "loan_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("bank_claims.id", ondelete="CASCADE"), index=True)
    loan_ref: Mapped[str] = mapped_column(String(40))
    subsidy: Mapped[Decimal] = mapped_column(Money)

    claim: Mapped[BankClaim] = relationship(back_populates="lines")
