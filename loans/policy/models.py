from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..core.dates import DayKind
from ..core.policy import PolicyParams
from ..db import Money, Rate, UTCDateTime, db, utcnow


class District(db.Model):
    __tablename__ = "districts"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(50))
    name_en: Mapped[str] = mapped_column(String(80))
    cap_class: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)

    def label(self, locale: str) -> str:
        return self.name_zh if locale == "zh" else self.name_en


class Bank(db.Model):
    __tablename__ = "banks"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(default=True)

    def label(self, locale: str) -> str:
        return self.name_zh if locale == "zh" else self.name_en


class KeyGroup(db.Model):
    """A key group (重点群体) with the evidence an officer checks, in both languages."""

    __tablename__ = "key_groups"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    label_zh: Mapped[str] = mapped_column(String(80))
    label_en: Mapped[str] = mapped_column(String(120))
    evidence_zh: Mapped[str] = mapped_column(String(120))
    evidence_en: Mapped[str] = mapped_column(String(200))
    sensitive: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=0)

    def label(self, locale: str) -> str:
        return self.label_zh if locale == "zh" else self.label_en

    def evidence(self, locale: str) -> str:
        return self.evidence_zh if locale == "zh" else self.evidence_en


class PolicyVersion(db.Model):
    """One version of the programme's parameters (SPEC §5), in force from a date."""

    __tablename__ = "policy_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    effective_from: Mapped[date] = mapped_column(Date, unique=True)
    regime_individual: Mapped[str] = mapped_column(String(20))
    regime_individual_value: Mapped[Decimal] = mapped_column(Rate)
    regime_enterprise: Mapped[str] = mapped_column(String(20))
    regime_enterprise_value: Mapped[Decimal] = mapped_column(Rate)
    cap_standard_bp: Mapped[int] = mapped_column(Integer)
    cap_former_poverty_bp: Mapped[int] = mapped_column(Integer)
    individual_max: Mapped[Decimal] = mapped_column(Money)
    partnership_factor_pct: Mapped[Decimal] = mapped_column(Rate)
    partnership_max: Mapped[Decimal] = mapped_column(Money)
    enterprise_max: Mapped[Decimal] = mapped_column(Money)
    max_term_individual: Mapped[int]
    max_term_enterprise: Mapped[int]
    hire_share_small_pct: Mapped[Decimal] = mapped_column(Rate)
    hire_share_large_pct: Mapped[Decimal] = mapped_column(Rate)
    hire_staff_threshold: Mapped[int]
    graduate_window_years: Mapped[int]
    working_age_min: Mapped[int]
    retirement_age_male: Mapped[int]
    retirement_age_female: Mapped[int]
    lifetime_loans: Mapped[int]
    consumer_loan_allowed_max: Mapped[Decimal] = mapped_column(Money)
    day_basis: Mapped[int]
    approval_validity_days: Mapped[int]
    leverage_limit_high: Mapped[Decimal] = mapped_column(Rate)
    leverage_limit_low: Mapped[Decimal] = mapped_column(Rate)
    repayment_rate_threshold_pct: Mapped[Decimal] = mapped_column(Rate)
    overdue_warn_pct: Mapped[Decimal] = mapped_column(Rate)
    claims_pause_pct: Mapped[Decimal] = mapped_column(Rate)
    claim_wait_days: Mapped[int]
    fund_share_pct: Mapped[Decimal] = mapped_column(Rate)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    PARAM_FIELDS = (
        "regime_individual", "regime_individual_value", "regime_enterprise",
        "regime_enterprise_value", "cap_standard_bp", "cap_former_poverty_bp",
        "individual_max", "partnership_factor_pct", "partnership_max", "enterprise_max",
        "max_term_individual", "max_term_enterprise", "hire_share_small_pct",
        "hire_share_large_pct", "hire_staff_threshold", "graduate_window_years",
        "working_age_min", "retirement_age_male", "retirement_age_female", "lifetime_loans",
        "consumer_loan_allowed_max", "day_basis", "approval_validity_days",
        "leverage_limit_high", "leverage_limit_low", "repayment_rate_threshold_pct", "overdue_warn_pct",
        "claims_pause_pct", "claim_wait_days", "fund_share_pct",
    )

    def to_params(self) -> PolicyParams:
        return PolicyParams(
            code=self.code,
            effective_from=self.effective_from,
            **{name: getattr(self, name) for name in self.PARAM_FIELDS},
        )


class LprFixing(db.Model):
    """A 1-year Loan Prime Rate fixing, in percent, by publication date."""

    __tablename__ = "lpr_fixings"

    id: Mapped[int] = mapped_column(primary_key=True)
    published_on: Mapped[date] = mapped_column(Date, unique=True)
    rate: Mapped[Decimal] = mapped_column(Rate)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CalendarDay(db.Model):
    """An official exception to the Monday–Friday week: a public holiday or an adjusted
    workday (调休), with the festival's name. Seeded from chinesecalendar (migration
    0011); the State Council's arrangement for each next year is entered by an admin."""

    __tablename__ = "calendar_days"
    __table_args__ = (CheckConstraint(f"kind IN ('{DayKind.holiday.value}', '{DayKind.workday.value}')",
                                      name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    calendar_date: Mapped[date] = mapped_column(Date, unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(60), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
