"""Loans as the banks service them (SPEC §4 from ``contracted`` on, §7, §10 ledger).

A loan comes either from an approved application (the bank records the contract) or from
the bureau's existing ledger (``ledger import``). Its money movements and overdue periods
are events; balances and subsidies are derived from them, never stored.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.workflow import CaseStatus
from ..db import EncryptedText, Money, Rate, UTCDateTime, db, enum_type, utcnow

LOAN_SOURCES = ("application", "ledger")


class EventKind(StrEnum):
    disbursement = "disbursement"
    repayment = "repayment"
    overdue_start = "overdue_start"
    overdue_end = "overdue_end"
    extension = "extension"
    compensation = "compensation"


EVENT_KINDS = tuple(EventKind)
MONEY_EVENT_KINDS = (EventKind.disbursement, EventKind.repayment, EventKind.compensation)


class Loan(db.Model):
    """One guaranteed loan. ``maturity_date`` is the contract's (it governs the subsidy);
    an extension (展期) sets ``extended_maturity_date`` and earns no subsidy (§7.3)."""

    __tablename__ = "loans"
    __table_args__ = (
        Index("ix_loans_bank_code_status", "bank_code", "status"),
        Index("ix_loans_district_code_status", "district_code", "status"),
        # the loan lists of a bank and of a district, newest contract first, paginated
        Index("ix_loans_bank_code_contract", "bank_code", "contract_date", "id"),
        Index("ix_loans_district_code_contract", "district_code", "contract_date", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_ref: Mapped[str] = mapped_column(String(40), unique=True)
    source: Mapped[str] = mapped_column(String(12), default="application")
    application_id: Mapped[int | None] = mapped_column(ForeignKey("loan_applications.id"), unique=True)
    status: Mapped[CaseStatus] = mapped_column(enum_type(CaseStatus), default=CaseStatus.contracted, index=True)
    lock_version: Mapped[int] = mapped_column(default=0)

    borrower_name: Mapped[str] = mapped_column(String(100))
    id_number: Mapped[str] = mapped_column(EncryptedText)
    id_number_hash: Mapped[str] = mapped_column(String(64), index=True)
    id_number_masked: Mapped[str] = mapped_column(String(18))
    key_group_code: Mapped[str | None] = mapped_column(ForeignKey("key_groups.code"))
    district_code: Mapped[str] = mapped_column(ForeignKey("districts.code"))
    business_name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str | None] = mapped_column(String(18), index=True)
    loan_type: Mapped[str] = mapped_column(String(20))
    partners: Mapped[int] = mapped_column(default=1)
    jobs_declared: Mapped[int] = mapped_column(default=0)

    bank_code: Mapped[str] = mapped_column(ForeignKey("banks.code"))
    contract_no: Mapped[str] = mapped_column(String(60))
    contract_date: Mapped[date] = mapped_column(Date, index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    contract_rate: Mapped[Decimal] = mapped_column(Rate)
    lpr_rate: Mapped[Decimal] = mapped_column(Rate)
    term_months: Mapped[int]
    maturity_date: Mapped[date] = mapped_column(Date)
    extended_maturity_date: Mapped[date | None] = mapped_column(Date)
    first_disbursement_date: Mapped[date | None] = mapped_column(Date, index=True)
    policy_code: Mapped[str | None] = mapped_column(String(20))

    import_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_imports.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    application = relationship("LoanApplication")
    bank = relationship("Bank")
    district = relationship("District")
    events: Mapped[list["LoanEvent"]] = relationship(
        back_populates="loan", order_by="(LoanEvent.event_on, LoanEvent.id)", cascade="all, delete-orphan")


class LoanEvent(db.Model):
    """A dated fact about a loan: money out or back (principal only), the start or end
    (exclusive) of an overdue period, an extension (new maturity) or the guarantee fund's
    compensation. ``occurrence`` tells identical ledger rows apart (n-th in the file)."""

    __tablename__ = "loan_events"
    __table_args__ = (UniqueConstraint("loan_id", "event_on", "kind", "amount", "occurrence"),
                      UniqueConstraint("bank_code", "bank_ref"))

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id", ondelete="CASCADE"), index=True)
    event_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[EventKind] = mapped_column(enum_type(EventKind))
    amount: Mapped[Decimal | None] = mapped_column(Money)
    occurrence: Mapped[int] = mapped_column(default=1)
    new_maturity_date: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_imports.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Where it came from (SPEC §12): "page" (typed by a clerk), "api", "file", "ledger"
    # (the bureau's import) or "app" (``loans check``); None before this was recorded.
    source: Mapped[str | None] = mapped_column(String(10))
    token_id: Mapped[int | None] = mapped_column(ForeignKey("bank_tokens.id"))
    # The bank's own reference for the event: unique per bank across page, API and files.
    # ``bank_code`` is set with it (the loan's bank), for that uniqueness.
    bank_code: Mapped[str | None] = mapped_column(String(20))
    bank_ref: Mapped[str | None] = mapped_column(String(64))

    loan: Mapped[Loan] = relationship(back_populates="events")


class FollowUpVisit(db.Model):
    """An officer's visit to a funded business: the jobs it really has (SPEC §8)."""

    __tablename__ = "follow_up_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id", ondelete="CASCADE"), index=True)
    visited_on: Mapped[date] = mapped_column(Date)
    owners: Mapped[int]
    employees_with_contracts: Mapped[int]
    note: Mapped[str | None] = mapped_column(Text)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def jobs_verified(self) -> int:
        return self.owners + self.employees_with_contracts
