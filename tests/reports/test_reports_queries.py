"""§8 figures from the database: definitions, filters, and a bounded number of queries."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import event

from loans.reports.queries import ReportFilters, programme_report

from tests.factories import ProgrammeLoanFactory

D = Decimal
START, END = date(2021, 1, 1), date(2021, 6, 30)  # the range of the ``programme`` fixture


def report(**filters):
    return programme_report(ReportFilters(start=filters.pop("start", START), end=filters.pop("end", END), **filters))


def district(rep, code):
    return next(f for d, f in rep.by_district if d.code == code)


def test_headline_figures(programme):
    t = report().total
    assert t.loans_issued == 4                      # L1, L2, L5, L6 — by first disbursement
    assert t.amount_issued == D("1630000.00")       # every disbursement in the range, L3's tranche too
    assert t.people_supported == 5                  # 1 + 3 partners + 1
    assert t.enterprises_supported == 1             # L5, apart
    assert t.jobs_declared == 32                    # 3 + 8 + 20 + 1
    assert t.jobs_verified == 18                    # L1's latest visit 5, L5 13, none for L2 and L6
    assert t.subsidy_paid == D("1800.00")           # paid statements with paid_on in the range
    assert t.outstanding_balance == D("1460000.00")  # L1 80k, L2 300k, L3 80k, L5 1m
    assert t.overdue_balance == D("80000.00")       # L3 only: L5's overdue ended on the last day
    assert t.overdue_rate == D("5.48")              # 80,000 ÷ 1,460,000 = 5.479…%


def test_by_district(programme):
    rep = report()
    assert [d.code for d, _ in rep.by_district][:2] == ["431002", "431003"]
    assert len(rep.by_district) == 11  # every district, empty ones included
    beihu, suxian = district(rep, "431002"), district(rep, "431003")
    assert (beihu.loans_issued, beihu.people_supported, beihu.amount_issued) == (2, 4, D("430000.00"))
    assert (beihu.subsidy_paid, beihu.outstanding_balance, beihu.overdue_rate) == (D("1300.00"), D("460000.00"),
                                                                                 D("17.39"))
    assert (suxian.loans_issued, suxian.people_supported, suxian.enterprises_supported) == (2, 1, 1)
    assert (suxian.amount_issued, suxian.subsidy_paid) == (D("1200000.00"), D("500.00"))
    assert (suxian.outstanding_balance, suxian.overdue_rate) == (D("1000000.00"), D("0.00"))
    empty = district(rep, "431081")
    assert empty.loans_issued == 0 and empty.overdue_rate is None
    assert sum((f.subsidy_paid for _, f in rep.by_district), D(0)) == rep.total.subsidy_paid


def test_the_range_edges_are_inclusive(programme):
    # the day before L2's and L5's overdue end: L5 is still overdue, L2 not yet disbursed
    rep = report(end=date(2021, 6, 29))
    assert rep.total.loans_issued == 3
    assert rep.total.overdue_balance == D("1080000.00")   # L3 (since 06-01) and L5
    assert rep.total.outstanding_balance == D("1160000.00")
    # a one-day range on the first day of L3's tranche
    rep = report(start=date(2021, 1, 1), end=date(2021, 1, 1))
    assert (rep.total.loans_issued, rep.total.amount_issued) == (0, D("30000.00"))


def test_count_follows_the_first_disbursement_while_amount_follows_every_disbursement(app):
    ProgrammeLoanFactory(events=[(date(2020, 12, 1), "disbursement", "100000"),
                                 (date(2021, 3, 1), "disbursement", "50000")])
    ProgrammeLoanFactory(events=[(date(2021, 6, 1), "disbursement", "70000"),
                                 (date(2021, 7, 1), "disbursement", "10000")])
    t = report().total
    assert (t.loans_issued, t.amount_issued) == (1, D("120000.00"))


def test_verified_jobs_come_from_the_latest_visit_only(app):
    ProgrammeLoanFactory(jobs_declared=6, events=[(date(2021, 2, 1), "disbursement", "1")],
                         visits=[(date(2021, 9, 1), 1, 1), (date(2021, 3, 1), 2, 9), (date(2021, 6, 1), 1, 7)])
    t = report().total
    assert (t.jobs_declared, t.jobs_verified) == (6, 2)  # the visit of 2021-09-01, whatever the insert order


@pytest.mark.parametrize("filters, expected", [
    ({"district": "431003"}, {"loans_issued": 2, "people_supported": 1, "enterprises_supported": 1,
                              "amount_issued": D("1200000.00"), "subsidy_paid": D("500.00"),
                              "outstanding_balance": D("1000000.00")}),
    ({"bank": "ICBC-CZ"}, {"loans_issued": 2, "people_supported": 2, "amount_issued": D("330000.00"),
                           "subsidy_paid": D("1800.00"), "outstanding_balance": D("160000.00")}),
    ({"bank": "CZRCB"}, {"loans_issued": 1, "subsidy_paid": D("0.00")}),
    ({"loan_type": "partnership"}, {"loans_issued": 1, "people_supported": 3, "amount_issued": D("300000.00"),
                                    "subsidy_paid": D("0.00"), "jobs_declared": 8}),
    ({"key_group": "graduate"}, {"loans_issued": 2, "amount_issued": D("300000.00"), "subsidy_paid": D("1500.00")}),
    ({"key_group": "urban_unemployed", "district": "431002"},
     {"loans_issued": 0, "amount_issued": D("30000.00"), "subsidy_paid": D("300.00"),
      "overdue_balance": D("80000.00")}),
])
def test_filters(programme, filters, expected):
    t = report(**filters).total
    assert {name: getattr(t, name) for name in expected} == expected


def test_a_district_filter_lists_that_district_alone(programme):
    rep = report(district="431003")
    assert [d.code for d, _ in rep.by_district] == ["431003"]


def test_subsidy_paid_without_loan_filters_is_the_statements_total(programme):
    from loans.db import db
    from loans.subsidy.models import SubsidyStatement

    # a paid statement with no lines still counts its total (the statement is the record)
    db.session.add(SubsidyStatement(period="2021Q2", bank_code="PSBC-CZ", status="paid", paid_on=date(2021, 6, 25),
                                    total=D("12.34"), line_count=0))
    db.session.commit()
    assert report().total.subsidy_paid == D("1812.34")
    assert report(bank="PSBC-CZ").total.subsidy_paid == D("12.34")


def test_by_period(programme):
    rep = report()
    assert rep.by_period("month") == [
        ("2021-01", 1, D("230000.00")), ("2021-02", 1, D("100000.00")), ("2021-03", 1, D("1000000.00")),
        ("2021-04", 0, D("0.00")), ("2021-05", 0, D("0.00")), ("2021-06", 1, D("300000.00"))]
    assert rep.by_period("quarter") == [("2021Q1", 3, D("1330000.00")), ("2021Q2", 1, D("300000.00"))]


def test_an_inverted_range_is_refused(app):
    with pytest.raises(ValueError):
        report(start=date(2021, 2, 1), end=date(2021, 1, 1))


def test_the_number_of_queries_does_not_grow_with_the_data(app):
    from loans.db import db

    statements = []

    def count(*args):
        statements.append(args[2])

    def queries_for_report():
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            report()
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    ProgrammeLoanFactory(events=[(date(2021, 2, 1), "disbursement", "1")], visits=[(date(2021, 3, 1), 1, 0)])
    db.session.commit()
    few = queries_for_report()
    for i in range(30):
        ProgrammeLoanFactory(district=("431002", "431003", "431081")[i % 3],
                             loan_type=("individual", "partnership")[i % 2], partners=2,
                             events=[(date(2021, 1 + i % 6, 1), "disbursement", "1000"),
                                     (date(2021, 6, 1), "overdue_start", None)],
                             visits=[(date(2021, 7, 1), 1, 1)])
    db.session.commit()
    assert queries_for_report() == few <= 7  # districts, the rollups' whole months, balances, totals, partial months


def test_subsidy_paid_by_district_counts_adjustments(app):
    """A paid statement's adjustments (SPEC §13) belong to their loans' districts: the district
    rows add up to the statements' totals, refunds included."""
    from loans.db import db
    from loans.subsidy.models import SubsidyAdjustment
    from tests.factories import StatementFactory

    beihu = ProgrammeLoanFactory(district="431002", events=[(date(2021, 2, 1), "disbursement", "100000")])
    suxian = ProgrammeLoanFactory(district="431003", events=[(date(2021, 2, 1), "disbursement", "100000")])
    statement = StatementFactory(period="2021Q1", status="paid", paid_on=date(2021, 4, 20), lines=[(beihu, "500.00")])
    statement.adjustments.append(SubsidyAdjustment(
        loan_id=suxian.id, loan_ref=suxian.loan_ref, original_period="2020Q4", frozen_subsidy=D("300.00"),
        recomputed_subsidy=D("100.00"), adjustment=D("-200.00")))
    statement.total = D("300.00")
    db.session.commit()
    rep = report()
    assert rep.total.subsidy_paid == D("300.00")
    assert (district(rep, "431002").subsidy_paid, district(rep, "431003").subsidy_paid) == (D("500.00"),
                                                                                          D("-200.00"))
    assert report(district="431003").total.subsidy_paid == D("-200.00")
