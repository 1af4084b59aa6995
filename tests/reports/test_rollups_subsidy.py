"""The subsidy paid in the monthly rollups (issue 17): a statement counts, per loan, in the
month it is paid — its lines and the adjustments it carries for an earlier frozen period —
and a loan moved to another district takes its paid subsidy along, as the lines read it."""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from sqlalchemy import func, select

from loans.db import db
from loans.reports import queries
from loans.subsidy.models import SubsidyAdjustment, SubsidyLine, SubsidyStatement
from tests.reports.test_rollups import fresh, stored
from tests.subsidy.test_adjustments import AFTER_Q3, AFTER_Q4, add_event, compute, freeze, three_loans  # noqa: F401
from tests.subsidy.test_pages import people  # noqa: F401 — the fixture


def paid_by_lines(start: date, end: date) -> D:
    """Σ lines and adjustments of the statements paid in the range, read from them."""
    total = D("0.00")
    for model, amount in ((SubsidyLine, SubsidyLine.subsidy), (SubsidyAdjustment, SubsidyAdjustment.adjustment)):
        total += db.session.scalar(
            select(func.coalesce(func.sum(amount), 0)).join(SubsidyStatement, SubsidyStatement.id == model.statement_id)
            .where(SubsidyStatement.status == "paid", SubsidyStatement.paid_on.between(start, end))) or 0
    return total


def district_subsidy(start: date, end: date) -> dict[str, D]:
    report = queries.programme_report(queries.ReportFilters(start=start, end=end))
    return {d.code: f.subsidy_paid for d, f in report.by_district if f.subsidy_paid}


def test_paid_statements_and_adjustments_count_in_their_payment_month(three_loans, people):  # noqa: F811
    compute("2021Q3", AFTER_Q3)
    freeze("2021Q3", people, upto="paid")  # paid 2022-01-10
    assert stored() == fresh()
    add_event(three_loans["B"], date(2021, 8, 1), "overdue_start")  # recorded late: Q4 carries an adjustment
    compute("2021Q4", AFTER_Q4)
    freeze("2021Q4", people, upto="paid")
    assert stored() == fresh()
    paid = paid_by_lines(date(2022, 1, 1), date(2022, 1, 31))
    assert paid > 0
    for start, end in ((date(2022, 1, 1), date(2022, 1, 31)), (date(2022, 1, 10), date(2022, 1, 10)),
                       (date(2021, 12, 15), date(2022, 2, 3))):
        assert sum(district_subsidy(start, end).values()) == paid, (start, end)
    assert district_subsidy(date(2022, 1, 11), date(2022, 3, 31)) == {}

    three_loans["A"].district_code = "431003"  # a correction: A's paid subsidy moves with it
    db.session.commit()
    assert stored() == fresh()
    by_district = district_subsidy(date(2022, 1, 1), date(2022, 1, 31))
    assert set(by_district) == {"431002", "431003"} and sum(by_district.values()) == paid
