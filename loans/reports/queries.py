"""Reads for programme statistics (SPEC §8), summed in SQL.

A handful of queries whatever the data size, so a report over 100,000 loans and their
events moves a few hundred rows into Python: the districts; the monthly rollups' whole months
of the range read once for loans issued, disbursements and subsidy paid (by district, loan
type and month, for the tables and the charts); the balances on the last day; the paid
statements' totals; and for a range that starts or ends inside a month, the loans, events
and paid lines of those days. ``core.statistics`` defines the figures and does the rest.

Filters (district, key group, bank, loan type) select *loans*; every figure is over the
loans they select. Subsidy paid: with no district, key-group or loan-type filter it is
the sum of the totals of statements marked paid with ``paid_on`` in the range (of the
filtered bank, if any); with one of those filters it is the sum of the lines of those
same statements whose loans match (lines and adjustments). The district table always sums
lines and adjustments, which add up to the statements' totals (§7, §13).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from sqlalchemy import BigInteger, func, literal, select, type_coerce

from ..core import fund as fund_rules
from ..core import statistics as stats
from ..core.money import from_fen
from ..db import db
from ..fund import queries as fund_queries
from ..policy import queries as policy_queries
from ..policy.models import District
from ..servicing import rollups
from ..servicing.models import FollowUpVisit, Loan
from ..subsidy.models import StatementStatus, SubsidyAdjustment, SubsidyLine, SubsidyStatement


@dataclass(frozen=True)
class ReportFilters:
    start: date
    end: date
    district: str = ""
    key_group: str = ""
    bank: str = ""
    loan_type: str = ""

    @property
    def filters_loans(self) -> bool:
        """True when a filter selects loans beyond what a bank's statement already does."""
        return bool(self.district or self.key_group or self.loan_type)


def own_district(user) -> str:
    """The one district an officer, or a supervisor of one district, may report on; ""
    for city-wide roles (SPEC §2)."""
    if user.role in ("officer", "supervisor") and user.district_code:
        return user.district_code
    return ""


def scoped(filters: ReportFilters, user) -> ReportFilters:
    """Whatever district the request names, district-bound staff get their own."""
    district = own_district(user)
    return replace(filters, district=district) if district else filters


@dataclass(frozen=True)
class Report:
    filters: ReportFilters
    total: stats.Figures
    by_district: list[tuple[District, stats.Figures]]
    monthly: list[tuple[int, int, int, int]]  # (year, month, loans issued, amount issued in fen)

    def by_period(self, unit: str) -> list[tuple[str, int, Decimal]]:
        return stats.by_period(self.filters.start, self.filters.end, unit, self.monthly)

    def summary(self, lang: str) -> str:
        """The §8 sentence; one district's figures name the district where the Chinese
        sentence says 全市."""
        place = self.by_district[0][0].label(lang) if self.filters.district and self.by_district else ""
        return stats.summary_sentence(self.filters.start, self.filters.end, self.total, lang, place=place)


def _fen(column):
    """A Money column as its raw integer fen, so SQL sums stay exact integers."""
    return type_coerce(column, BigInteger)


def _int(value) -> int:
    return 0 if value is None else int(value)  # PostgreSQL sums bigint as numeric


def _loan_conditions(f: ReportFilters) -> list:
    conditions = []
    if f.district:
        conditions.append(Loan.district_code == f.district)
    if f.key_group:
        conditions.append(Loan.key_group_code == f.key_group)
    if f.bank:
        conditions.append(Loan.bank_code == f.bank)
    if f.loan_type:
        conditions.append(Loan.loan_type == f.loan_type)
    return conditions


def _year(column):
    return func.extract("year", column)


def _month(column):
    return func.extract("month", column)


# The figures of the range's whole months, read from the rollups in one query:
# [loans issued, partners, jobs declared, jobs verified, disbursed fen, subsidy paid fen]
_WHOLE_MONTH_FIELDS = ("loans_issued", "partners", "jobs_declared", "jobs_verified", "disbursed_fen",
                       "subsidy_paid_fen")


def _whole_months(f: ReportFilters) -> dict[tuple, list[int]]:
    """{(district, loan type, year, month): the ``_WHOLE_MONTH_FIELDS`` sums} over the whole
    months of the range: one read of the rollups for the issued, disbursed and subsidy
    figures (three scans of the same rows were half a report's SQL)."""
    return rollups.month_sums(f.start, f.end, ("district_code", "loan_type"), _rollup_filters(f),
                              _WHOLE_MONTH_FIELDS, by_month=True)


def _issued_rows(f: ReportFilters, whole: dict[tuple, list[int]]):
    """(district, loan type, year, month, loans, Σ partners, Σ jobs declared, Σ jobs verified)
    over loans first disbursed in the range: whole months from the monthly rollups
    (``_whole_months``), the partial ones at either end from the loans."""
    rows = [(district, loan_type, year, month, *sums[:4]) for (district, loan_type, year, month), sums
            in whole.items()]
    for start, end in rollups.partial_ranges(f.start, f.end):
        rows += _issued_rows_between(f, start, end)
    return rows


def _issued_rows_between(f: ReportFilters, start: date, end: date):
    """(district, loan type, year, month, loans, Σ partners, Σ jobs declared, Σ jobs verified)
    over loans first disbursed from ``start`` to ``end``; jobs verified from each loan's latest
    visit."""
    latest_visit = (select(FollowUpVisit.owners + FollowUpVisit.employees_with_contracts)
                    .where(FollowUpVisit.loan_id == Loan.id)
                    .order_by(FollowUpVisit.visited_on.desc(), FollowUpVisit.id.desc())
                    .limit(1).correlate(Loan).scalar_subquery())
    per_loan = (select(Loan.district_code, Loan.loan_type, _year(Loan.first_disbursement_date).label("year"),
                       _month(Loan.first_disbursement_date).label("month"), Loan.partners, Loan.jobs_declared,
                       func.coalesce(latest_visit, 0).label("verified"))
                .where(Loan.first_disbursement_date.between(start, end), *_loan_conditions(f))
                .subquery())
    c = per_loan.c
    return db.session.execute(
        select(c.district_code, c.loan_type, c.year, c.month, func.count(), func.sum(c.partners),
               func.sum(c.jobs_declared), func.sum(c.verified))
        .group_by(c.district_code, c.loan_type, c.year, c.month)).all()


def _rollup_filters(f: ReportFilters) -> dict[str, str]:
    return {"district_code": f.district, "key_group_code": f.key_group, "bank_code": f.bank, "loan_type": f.loan_type}


def _disbursed_rows(f: ReportFilters, whole: dict[tuple, list[int]]):
    """(district, year, month, Σ disbursed fen) of every disbursement dated in the range:
    whole months from the monthly rollups (``_whole_months``), the partial ones at either end
    from the events."""
    disbursed: dict[tuple, int] = {}
    for (district, _loan_type, year, month), sums in whole.items():
        disbursed[district, year, month] = disbursed.get((district, year, month), 0) + sums[4]
    for key, (fen, _repaid) in rollups.partial_flows(f.start, f.end, ("district_code",), _rollup_filters(f),
                                                     by_month=True).items():
        disbursed[key] = disbursed.get(key, 0) + fen
    return [(district, year, month, fen) for (district, year, month), fen in disbursed.items()]


def _balance_rows(f: ReportFilters):
    """(district, outstanding fen, overdue fen) on the range's last day.

    Per loan: balance = disbursements − repayments − compensation dated ≤ that day, at
    least 0; overdue when more ``overdue_start`` than ``overdue_end`` events are dated ≤
    that day (an interval's end is exclusive: a loan whose overdue ends on the day is no
    longer overdue on it; one that starts on the day is). Summed over loans in the monthly
    rollups (``servicing.rollups``): a few hundred rows, not every event."""
    return [(district, outstanding, overdue) for (district,), (outstanding, overdue, _g, _go)
            in rollups.positions(f.end, ("district_code",), _rollup_filters(f)).items()]


def _paid_statements(f: ReportFilters, start: date | None = None, end: date | None = None):
    conditions = [SubsidyStatement.status == StatementStatus.paid,
                  SubsidyStatement.paid_on.between(start or f.start, end or f.end)]
    if f.bank:
        conditions.append(SubsidyStatement.bank_code == f.bank)
    return conditions


def _subsidy_line_rows(f: ReportFilters, whole: dict[tuple, list[int]]):
    """(district, Σ subsidy fen) of the lines and adjustments (SPEC §13) of paid statements
    whose loans match: together they add up to the statements' totals. Whole months of
    payments from the monthly rollups (``_whole_months``), the partial ones at either end
    from the lines."""
    rows: dict[str, int] = {}
    for (district, _loan_type, _year, _month), sums in whole.items():
        rows[district] = rows.get(district, 0) + sums[5]
    for start, end in rollups.partial_ranges(f.start, f.end):
        for district, fen in _subsidy_line_rows_between(f, start, end):
            rows[district] = rows.get(district, 0) + fen
    return list(rows.items())


def _subsidy_line_rows_between(f: ReportFilters, start: date, end: date):
    rows: dict[str, int] = {}
    for model, amount in ((SubsidyLine, SubsidyLine.subsidy), (SubsidyAdjustment, SubsidyAdjustment.adjustment)):
        for district, fen in db.session.execute(
                select(Loan.district_code, func.sum(_fen(amount)))
                .join(SubsidyStatement, SubsidyStatement.id == model.statement_id)
                .join(Loan, Loan.id == model.loan_id)
                .where(*_paid_statements(f, start, end), *_loan_conditions(f))
                .group_by(Loan.district_code)):
            rows[district] = rows.get(district, 0) + _int(fen)
    return list(rows.items())


def _subsidy_statement_total(f: ReportFilters) -> int:
    return _int(db.session.scalar(
        select(func.coalesce(func.sum(_fen(SubsidyStatement.total)), literal(0))).where(*_paid_statements(f))))


def districts(only: str = "") -> list[District]:
    return policy_queries.districts(only=only)


def programme_report(f: ReportFilters) -> Report:
    """Every §8 figure for the range and filters, by district and in total."""
    if f.end < f.start:
        raise ValueError("the range ends before it starts")
    issued: dict[str, list] = {}
    monthly: dict[tuple[int, int], list[int]] = {}
    whole = _whole_months(f)
    for district, loan_type, year, month, loans, partners, declared, verified in _issued_rows(f, whole):
        issued.setdefault(district, []).append(
            (loan_type, _int(loans), _int(partners), _int(declared), _int(verified)))
        monthly.setdefault((int(year), int(month)), [0, 0])[0] += _int(loans)
    disbursed: dict[str, int] = {}
    for district, year, month, fen in _disbursed_rows(f, whole):
        disbursed[district] = disbursed.get(district, 0) + _int(fen)
        monthly.setdefault((int(year), int(month)), [0, 0])[1] += _int(fen)
    balances = {district: (_int(out), _int(over)) for district, out, over in _balance_rows(f)}
    subsidy = {district: _int(fen) for district, fen in _subsidy_line_rows(f, whole)}

    by_district = []
    for district in districts(f.district):
        code = district.code
        outstanding, overdue = balances.get(code, (0, 0))
        figures = stats.issued_figures(issued.get(code, ())) + stats.money_figures(
            amount_issued_fen=disbursed.get(code, 0), subsidy_paid_fen=subsidy.get(code, 0),
            outstanding_fen=outstanding, overdue_fen=overdue)
        by_district.append((district, figures))
    total = stats.total(figures for _, figures in by_district)
    if not f.filters_loans:
        total = stats.with_subsidy_paid(total, from_fen(_subsidy_statement_total(f)))
    rows = [(year, month, loans, fen) for (year, month), (loans, fen) in sorted(monthly.items())]
    return Report(filters=f, total=total, by_district=by_district, monthly=rows)


# --- the guarantee fund (SPEC §13) -------------------------------------------------------------

@dataclass(frozen=True)
class FundFigures:
    """The fund's figures of a report: balance, guaranteed outstanding, leverage and limit
    as at the range's last day; the repayment rate at maturity of the year before it (the
    one the limit follows); claims paid, recoveries and approved write-offs in the range;
    overdue and claims rates per bank and per district on the last day. City-wide: the
    fund stands behind every loan whatever the report's filters."""

    end: date
    fund_balance: Decimal
    guaranteed_outstanding: Decimal
    leverage: Decimal | None
    leverage_limit: Decimal
    repayment_rate_at_maturity: Decimal | None
    claims_paid: Decimal
    recoveries: Decimal
    write_offs: Decimal
    by_bank: dict = field(default_factory=dict)
    by_district: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        """Money as strings with two decimals; leverage and limit as two-decimal strings
        (``"4.97"``); the repayment rate as a percent string with two decimals; None when
        undefined."""
        def ratio(value):
            return None if value is None else fund_rules.show_ratio(value)

        return {"fund_balance": f"{self.fund_balance:.2f}",
                "guaranteed_outstanding": f"{self.guaranteed_outstanding:.2f}",
                "leverage": ratio(self.leverage), "leverage_limit": ratio(self.leverage_limit),
                "repayment_rate_at_maturity": ratio(fund_rules.percent(self.repayment_rate_at_maturity)),
                "claims_paid": f"{self.claims_paid:.2f}", "recoveries": f"{self.recoveries:.2f}",
                "write_offs": f"{self.write_offs:.2f}"}


def fund_figures(f: ReportFilters, *, rates: bool = False) -> FundFigures:
    groups = fund_queries.rate_groups(f.end) if rates else None
    balance = fund_queries.fund_balance(f.end)
    outstanding = (sum((g.outstanding_principal for g in groups[0].values()), fund_queries.ZERO) if groups
                   else fund_queries.guaranteed_outstanding(f.end))  # the same sum, read once
    # the limit follows the year before's repayment rate, which the report shows too: read once
    repayment_rate = fund_queries.repayment_rate_at_maturity(f.end.year - 1)
    return FundFigures(
        end=f.end, fund_balance=balance, guaranteed_outstanding=outstanding,
        leverage=fund_rules.ratio(outstanding, balance),
        leverage_limit=fund_queries.leverage_limit(f.end.year, repayment_rate),
        repayment_rate_at_maturity=repayment_rate,
        claims_paid=fund_queries.claims_paid(f.start, f.end), recoveries=fund_queries.recoveries(f.start, f.end),
        write_offs=fund_queries.write_offs(f.start, f.end),
        **(dict(zip(("by_bank", "by_district"), groups)) if groups else {}))
