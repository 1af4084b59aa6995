from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.workflow import IN_REVIEW_STATUSES, CaseStatus
from ..db import EncryptedText, Money, Rate, UTCDateTime, db, enum_type, utcnow

LOAN_TYPES = ("individual", "partnership", "enterprise")
# The statuses whose review clock runs, in lifecycle order, as the review queue's "open" tab
# lists them: the partial indexes' condition, written out, since a query matches it only
# when it names the same statuses literally (loans/review/queries.py). On SQLite it reads
# "+status IN (…)": the unary plus keeps the planner, which has no statistics, from looking
# the four statuses up in a status index and sorting them all instead of walking these.
OPEN_CASE_STATUSES = tuple(s.value for s in CaseStatus if s in IN_REVIEW_STATUSES)
OPEN_CASES_SQL = "status IN (" + ", ".join(f"'{s}'" for s in OPEN_CASE_STATUSES) + ")"
EDUCATION_LEVELS = ("junior_high_or_below", "senior_high", "vocational", "associate", "bachelor", "postgraduate")


class LoanApplication(db.Model):
    """One entrepreneur's application and, once approved, the case that follows it."""

    __tablename__ = "loan_applications"
    __table_args__ = (
        Index("ix_loan_applications_district_status", "district_code", "status", "submitted_at"),
        Index("ix_loan_applications_district_submitted", "district_code", "submitted_at", "id"),
        # a bank's approved cases awaiting a contract, soonest validity end first
        Index("ix_loan_applications_bank_awaiting", "approved_bank_code", "status", "valid_until_date", "id"),
        # The review queue (issue 17): open cases oldest first, of a district or city-wide, walk
        # a partial index and stop after a page (skipping a deep page's rows in the index:
        # the status is in it); the counts per status read one index alone.
        Index("ix_loan_applications_open_district", "district_code", "submitted_at", "id", "status",
              sqlite_where=text("+" + OPEN_CASES_SQL), postgresql_where=text(OPEN_CASES_SQL)),
        Index("ix_loan_applications_open_citywide", "submitted_at", "id", "status",
              sqlite_where=text("+" + OPEN_CASES_SQL), postgresql_where=text(OPEN_CASES_SQL)),
        Index("ix_loan_applications_status_counts", "status", "district_code", "assigned_officer_id",
              "recommended_by_id"),
        Index("ix_loan_applications_status_submitted", "status", "submitted_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str | None] = mapped_column(String(20), unique=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # Assisted filing (SPEC §15): the community worker who filed it, how and when the person
    # confirmed the consent and declarations ("code" or "scan"), and when the person took over.
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    person_confirmed_by: Mapped[str | None] = mapped_column(String(10))
    person_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    person_consent_version: Mapped[str | None] = mapped_column(String(20))
    taken_over_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[CaseStatus] = mapped_column(enum_type(CaseStatus), default=CaseStatus.draft, index=True)
    # Bumped by every guarded status change; a stale writer updates no row.
    lock_version: Mapped[int] = mapped_column(default=0)
    current_step: Mapped[str] = mapped_column(String(20), default="person")

    # The person
    full_name: Mapped[str | None] = mapped_column(String(100))
    id_number: Mapped[str | None] = mapped_column(EncryptedText)
    id_number_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    id_number_masked: Mapped[str | None] = mapped_column(String(18), index=True)
    mobile: Mapped[str | None] = mapped_column(String(20))
    household_district_code: Mapped[str | None] = mapped_column(ForeignKey("districts.code"))
    education: Mapped[str | None] = mapped_column(String(30))
    graduation_date: Mapped[date | None] = mapped_column(Date)

    # The business
    loan_type: Mapped[str | None] = mapped_column(String(20))
    business_name: Mapped[str | None] = mapped_column(String(200), index=True)
    credit_code: Mapped[str | None] = mapped_column(String(18), index=True)
    district_code: Mapped[str | None] = mapped_column(ForeignKey("districts.code"))
    business_address: Mapped[str | None] = mapped_column(String(300))
    industry: Mapped[str | None] = mapped_column(String(100))
    business_start_date: Mapped[date | None] = mapped_column(Date)
    current_staff: Mapped[int | None]
    planned_jobs: Mapped[int | None]
    new_key_group_hires: Mapped[int | None]

    # The loan
    amount: Mapped[Decimal | None] = mapped_column(Money)
    term_months: Mapped[int | None]
    purpose: Mapped[str | None] = mapped_column(Text)
    preferred_bank_code: Mapped[str | None] = mapped_column(ForeignKey("banks.code"))

    # Declarations
    declares_no_other_loans: Mapped[bool | None]
    consents_credit_check: Mapped[bool | None]
    declares_truthful: Mapped[bool | None]

    # Review and decision (SPEC §4); amounts in yuan, rates in percent
    assigned_officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recommendation: Mapped[str | None] = mapped_column(String(10))
    recommended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recommended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recommended_amount: Mapped[Decimal | None] = mapped_column(Money)
    recommended_term_months: Mapped[int | None]
    recommended_bank_code: Mapped[str | None] = mapped_column(ForeignKey("banks.code"))
    conditions: Mapped[str | None] = mapped_column(Text)
    rejection_rules: Mapped[list | None] = mapped_column(JSON)
    rejection_explanation: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_on: Mapped[date | None] = mapped_column(Date)
    approved_amount: Mapped[Decimal | None] = mapped_column(Money)
    approved_term_months: Mapped[int | None]
    approved_bank_code: Mapped[str | None] = mapped_column(ForeignKey("banks.code"))
    amount_lowered_reason: Mapped[str | None] = mapped_column(Text)
    approval_policy_code: Mapped[str | None] = mapped_column(String(20))
    approval_lpr_rate: Mapped[Decimal | None] = mapped_column(Rate)
    approval_cap_bp: Mapped[int | None]
    rate_ceiling_rate: Mapped[Decimal | None] = mapped_column(Rate)
    borrower_rate_rule_en: Mapped[str | None] = mapped_column(Text)
    borrower_rate_rule_zh: Mapped[str | None] = mapped_column(Text)
    valid_until_date: Mapped[date | None] = mapped_column(Date, index=True)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    application_date: Mapped[date | None] = mapped_column(Date)

    applicant = relationship("User", foreign_keys=[applicant_id])
    filed_by = relationship("User", foreign_keys=[filed_by_id])
    district = relationship("District", foreign_keys=[district_code])
    household_district = relationship("District", foreign_keys=[household_district_code])
    preferred_bank = relationship("Bank", foreign_keys=[preferred_bank_code])
    recommended_bank = relationship("Bank", foreign_keys=[recommended_bank_code])
    approved_bank = relationship("Bank", foreign_keys=[approved_bank_code])
    assigned_officer = relationship("User", foreign_keys=[assigned_officer_id])
    recommended_by = relationship("User", foreign_keys=[recommended_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    key_group_links: Mapped[list["ApplicationKeyGroup"]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="ApplicationKeyGroup.key_group_code"
    )
    partners: Mapped[list["Partner"]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="Partner.position"
    )
    documents: Mapped[list["Document"]] = relationship(
        back_populates="application", order_by="Document.id"
    )

    @property
    def key_group_codes(self) -> list[str]:
        return [link.key_group_code for link in self.key_group_links]

    @property
    def partners_count(self) -> int:
        return 1 + len(self.partners) if self.loan_type == "partnership" else 1

    @property
    def is_partnership(self) -> bool:
        return self.loan_type == "partnership"


class ApplicationKeyGroup(db.Model):
    __tablename__ = "application_key_groups"
    __table_args__ = (UniqueConstraint("application_id", "key_group_code"),
                      Index("ix_application_key_groups_key_group", "key_group_code", "application_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("loan_applications.id", ondelete="CASCADE"))
    key_group_code: Mapped[str] = mapped_column(ForeignKey("key_groups.code"))

    application: Mapped[LoanApplication] = relationship(back_populates="key_group_links")
    key_group = relationship("KeyGroup", lazy="joined")


class Partner(db.Model):
    """Another person in a partnership (the applicant is not listed here)."""

    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("loan_applications.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    full_name: Mapped[str] = mapped_column(String(100))
    id_number: Mapped[str] = mapped_column(EncryptedText)
    id_number_hash: Mapped[str] = mapped_column(String(64), index=True)
    id_number_masked: Mapped[str] = mapped_column(String(18))
    key_group_code: Mapped[str] = mapped_column(ForeignKey("key_groups.code"))
    graduation_date: Mapped[date | None] = mapped_column(Date)
    declares_no_other_loans: Mapped[bool | None]
    # A partnership a community worker files (SPEC §15): the partner confirms their own
    # declaration by a signed form the worker scans (never the worker for them).
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmation_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))

    application: Mapped[LoanApplication] = relationship(back_populates="partners")
    confirmation_document = relationship("Document", foreign_keys=[confirmation_document_id])
    key_group = relationship("KeyGroup", lazy="joined")


class Document(db.Model):
    """An uploaded evidence file, stored under instance/ with a generated name."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("loan_applications.id"), index=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(30))
    key_group_code: Mapped[str | None] = mapped_column(ForeignKey("key_groups.code"))
    original_name: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    encrypted: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[LoanApplication] = relationship(back_populates="documents")
    key_group = relationship("KeyGroup")


class Consent(db.Model):
    """A recorded consent: which text version, when, by whom (PIPL art. 29)."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("loan_applications.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    text_version: Mapped[str] = mapped_column(String(20))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ip_address: Mapped[str | None] = mapped_column(String(45))


class OpenCaseClaim(db.Model):
    """One row per person (resident-ID hash) or enterprise (credit code) with a submitted,
    undecided-or-running case: the unique key makes "one open application per person"
    hold even when two submissions race (SPEC §6 E14)."""

    __tablename__ = "open_case_claims"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("loan_applications.id"), index=True)
