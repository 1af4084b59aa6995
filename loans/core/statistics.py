"""Programme statistics (SPEC §8): the arithmetic on figures the database has grouped.

The queries sum in SQL, per district (and month); this module turns those sums into the
figures the bureau reports, rolls months up into quarters, and writes the summary
sentence. Money is ``Decimal`` yuan; SQL sums arrive as integer fen (``from_fen``).

Definitions, for a date range ``start``–``end`` (both inclusive):

- **loans issued** — loans whose first disbursement is dated in the range;
  **amount issued** — every disbursement dated in the range, of any loan (a second
  tranche of an older loan counts in the amount, not in the count).
- **people supported** — over the loans issued: 1 per individual loan, ``partners`` per
  partnership loan, none for an enterprise loan; **enterprises supported** — enterprise
  loans issued.
- **jobs declared** — Σ ``jobs_declared`` of the loans issued (owners plus employees, as
  on the application or ledger); **jobs verified** — Σ (owners + employees with labour
  contracts) at each of those loans' latest follow-up visit, 0 for a loan never visited.
- **outstanding balance** on the range's last day — per loan, disbursements − principal
  repaid − guarantee-fund compensation dated on or before that day, never below zero
  (a compensated loan is no longer owed to the bank); **overdue balance** — the
  outstanding balance of loans inside an overdue interval on that day (start inclusive,
  end exclusive, SPEC §7); **overdue rate** = overdue ÷ outstanding balance, in percent,
  rounded half-up to two decimals; ``None`` when nothing is outstanding.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from .dates import chinese_date
from .money import format_chinese_amount, format_yuan, from_fen

ZERO = Decimal("0.00")
LOAN_TYPES = ("individual", "partnership", "enterprise")
PERIOD_UNITS = ("month", "quarter")
RATE_PLACES = Decimal("0.01")


def people_supported(loan_type: str, loans: int, partners: int) -> int:
    """People supported by ``loans`` loans of one type whose ``partners`` sum to the
    given number: each individual loan one person, each partnership its partners."""
    if loan_type == "individual":
        return loans
    if loan_type == "partnership":
        return partners
    if loan_type == "enterprise":
        return 0
    raise ValueError(f"unknown loan type {loan_type!r}")


def enterprises_supported(loan_type: str, loans: int) -> int:
    if loan_type not in LOAN_TYPES:
        raise ValueError(f"unknown loan type {loan_type!r}")
    return loans if loan_type == "enterprise" else 0


def jobs_verified(owners: int | None, employees_with_contracts: int | None) -> int:
    """Jobs seen at a visit: owners plus employees with labour contracts; 0 without a visit."""
    if owners is None and employees_with_contracts is None:
        return 0
    return (owners or 0) + (employees_with_contracts or 0)


def overdue_rate(overdue_balance: Decimal, outstanding_balance: Decimal) -> Decimal | None:
    """Overdue ÷ outstanding balance in percent, half-up to 0.01 %; ``None`` with nothing
    outstanding (a rate of 0 % would claim a healthy portfolio that does not exist)."""
    if outstanding_balance <= 0:
        return None
    if overdue_balance < 0 or overdue_balance > outstanding_balance:
        raise ValueError("overdue balance must lie between 0 and the outstanding balance")
    return (overdue_balance * 100 / outstanding_balance).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Figures:
    """The §8 figures of one group of loans (a district, or all). Adding two groups adds
    every figure; the overdue rate is derived, never added."""

    loans_issued: int = 0
    amount_issued: Decimal = ZERO
    people_supported: int = 0
    enterprises_supported: int = 0
    jobs_declared: int = 0
    jobs_verified: int = 0
    subsidy_paid: Decimal = ZERO
    outstanding_balance: Decimal = ZERO
    overdue_balance: Decimal = ZERO

    def __add__(self, other: "Figures") -> "Figures":
        return Figures(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    @property
    def overdue_rate(self) -> Decimal | None:
        return overdue_rate(self.overdue_balance, self.outstanding_balance)

    def as_json(self) -> dict:
        """Counts as ints; money as strings with two decimals (``"135409000.00"``); the
        overdue rate as a percent string with two decimals, or ``None``."""
        data = {}
        for f in fields(self):
            value = getattr(self, f.name)
            data[f.name] = f"{value:.2f}" if isinstance(value, Decimal) else value
        rate = self.overdue_rate
        data["overdue_rate"] = None if rate is None else f"{rate:.2f}"
        return data


def total(figures) -> Figures:
    result = Figures()
    for item in figures:
        result = result + item
    return result


def issued_figures(rows) -> Figures:
    """Figures of the loans issued from rows of (loan_type, loans, Σ partners,
    Σ jobs_declared, Σ jobs_verified) — one row per loan type, as SQL groups them."""
    result = Figures()
    for loan_type, loans, partners, declared, verified in rows:
        result = result + Figures(
            loans_issued=loans,
            people_supported=people_supported(loan_type, loans, partners),
            enterprises_supported=enterprises_supported(loan_type, loans),
            jobs_declared=declared,
            jobs_verified=verified,
        )
    return result


def money_figures(*, amount_issued_fen: int = 0, subsidy_paid_fen: int = 0, outstanding_fen: int = 0,
                  overdue_fen: int = 0) -> Figures:
    """Figures from SQL sums of fen columns (integers, exact)."""
    return Figures(amount_issued=from_fen(amount_issued_fen), subsidy_paid=from_fen(subsidy_paid_fen),
                   outstanding_balance=from_fen(outstanding_fen), overdue_balance=from_fen(overdue_fen))


def with_subsidy_paid(figures: Figures, amount: Decimal) -> Figures:
    return replace(figures, subsidy_paid=amount)


# --- periods ---------------------------------------------------------------------------
# Bars per calendar month or calendar quarter (Q1 = January–March). These are not the
# subsidy periods of §7, which end on the 20th.

def period_key(year: int, month: int, unit: str) -> str:
    """``(2021, 5, "month")`` → ``"2021-05"``; ``(2021, 5, "quarter")`` → ``"2021Q2"``."""
    if unit == "month":
        return f"{year:04d}-{month:02d}"
    if unit == "quarter":
        return f"{year:04d}Q{(month - 1) // 3 + 1}"
    raise ValueError(f"unknown period unit {unit!r}")


def periods_in_range(start: date, end: date, unit: str) -> list[str]:
    """Every month or quarter the range touches, in order (empty ones included, so a
    chart shows the gaps)."""
    if end < start:
        raise ValueError("the range ends before it starts")
    keys: list[str] = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        key = period_key(year, month, unit)
        if not keys or keys[-1] != key:
            keys.append(key)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return keys


def by_period(start: date, end: date, unit: str, monthly) -> list[tuple[str, int, Decimal]]:
    """(period, loans issued, amount issued) for every period of the range, from monthly
    rows of (year, month, loans, amount in fen)."""
    counts = {key: [0, 0] for key in periods_in_range(start, end, unit)}
    for year, month, loans, amount_fen in monthly:
        bucket = counts[period_key(int(year), int(month), unit)]
        bucket[0] += loans
        bucket[1] += amount_fen
    return [(key, loans, from_fen(fen)) for key, (loans, fen) in counts.items()]


# --- the summary sentence ----------------------------------------------------------------

def summary_sentence(start: date, end: date, figures: Figures, lang: str, place: str = "") -> str:
    """The bureau's own sentence, with declared jobs, in ``"en"`` or ``"zh"`` (SPEC §8):

    From 2021-01-01 to 2021-06-30, ¥135,409,000.00 of guaranteed loans were issued to
    support 666 people to start businesses, which created 3,115 jobs.
    2021年1月1日至2021年6月30日，全市发放创业担保贷款13540.9万元，扶持666人创业，带动就业3115人。

    In Chinese, as the bureau writes it: dates in 年月日, the amount in 万元 (two decimals
    at most, trailing zeros dropped: ``core.money.format_chinese_amount``), counts without
    thousands separators; ``place`` (a district's name) replaces 全市 when the figures
    are one district's. Enterprises supported are named beside the people when there are
    any."""
    people, enterprises, jobs = figures.people_supported, figures.enterprises_supported, figures.jobs_declared
    if lang == "zh":
        supported = f"扶持{people}人创业"
        if enterprises:
            supported += f"、小微企业{enterprises}家"
        return (f"{chinese_date(start)}至{chinese_date(end)}，{place or '全市'}发放创业担保贷款"
                f"{format_chinese_amount(figures.amount_issued, unit='万元')}，{supported}，带动就业{jobs}人。")
    if lang == "en":
        amount = format_yuan(figures.amount_issued)
        if people == 1:
            who = "1 person to start a business"
        else:
            who = f"{people:,} people to start businesses"
        if enterprises:
            who += f" and {enterprises:,} small or micro {'enterprise' if enterprises == 1 else 'enterprises'}"
        return (f"From {start.isoformat()} to {end.isoformat()}, {amount} of guaranteed loans were issued "
                f"to support {who}, which created {jobs:,} {'job' if jobs == 1 else 'jobs'}.")
    raise ValueError(f"unknown language {lang!r}")
