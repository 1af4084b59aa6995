"""One loan's months for the monthly rollups (``core.rollups``): each position's change from
one month's end to the next adds up to the position on any month's end, and the loan
counts in its first disbursement's and its maturity's months."""
from __future__ import annotations

from datetime import date as d, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loans.core.rollups import (FIELDS, POSITIONS, SUBSIDY, Event, LoanFacts, change_between, month_deltas, month_end,
                                month_of, position)

E = Event
FACTS = LoanFacts(contract_date=d(2021, 1, 5), first_disbursement=d(2021, 1, 10), maturity=d(2022, 1, 10),
                  partners=1, jobs_declared=3, jobs_verified=2)
HISTORY = [E(d(2021, 1, 10), "disbursement", 100_000), E(d(2021, 3, 1), "repayment", 30_000),
           E(d(2021, 3, 20), "overdue_start"), E(d(2021, 5, 2), "overdue_end"),
           E(d(2022, 2, 1), "repayment", 70_000)]

# (day, (outstanding, overdue, guaranteed, guaranteed overdue)) of HISTORY
POSITIONS_ON = [
    (d(2021, 1, 9), (0, 0, 0, 0)),
    (d(2021, 1, 10), (100_000, 0, 100_000, 0)),
    (d(2021, 3, 19), (70_000, 0, 70_000, 0)),
    (d(2021, 3, 20), (70_000, 70_000, 70_000, 70_000)),
    (d(2021, 5, 1), (70_000, 70_000, 70_000, 70_000)),
    (d(2021, 5, 2), (70_000, 0, 70_000, 0)),  # an overdue period's end is exclusive
    (d(2022, 2, 1), (0, 0, 0, 0)),
]


@pytest.mark.parametrize("day, expected", POSITIONS_ON)
def test_position_on_a_day(day, expected):
    assert position(HISTORY, FACTS.contract_date, day) == expected


@pytest.mark.parametrize("events, contract, day, expected", [
    # repaid more than disbursed: never a negative balance
    ([E(d(2021, 1, 1), "disbursement", 100), E(d(2021, 2, 1), "repayment", 150)], d(2021, 1, 1), d(2021, 3, 1),
     (0, 0, 0, 0)),
    # compensated: the report's balance drops by the compensation, the fund guarantees nothing more
    ([E(d(2021, 1, 1), "disbursement", 100), E(d(2021, 2, 1), "overdue_start"),
      E(d(2021, 3, 1), "compensation", 60)], d(2021, 1, 1), d(2021, 3, 1), (40, 40, 0, 0)),
    # disbursed before the contract date: outstanding, not yet guaranteed
    ([E(d(2021, 1, 1), "disbursement", 100)], d(2021, 2, 1), d(2021, 1, 31), (100, 0, 0, 0)),
])
def test_position_edge_cases(events, contract, day, expected):
    assert position(events, contract, day) == expected


def test_changes_add_up_to_every_month_end():
    months = month_deltas(HISTORY, FACTS)
    for day in (d(2021, 1, 31), d(2021, 2, 28), d(2021, 3, 31), d(2021, 5, 31), d(2021, 12, 31), d(2022, 2, 28)):
        summed = [sum(row[POSITIONS][i] for month, row in months.items() if month <= day) for i in range(4)]
        assert tuple(summed) == position(HISTORY, FACTS.contract_date, day), day


def test_flows_issue_and_maturity_months():
    months = month_deltas(HISTORY, FACTS)
    named = {month: dict(zip(FIELDS, row)) for month, row in months.items()}
    assert named[d(2021, 1, 1)]["disbursed_fen"] == 100_000
    assert named[d(2021, 3, 1)]["repaid_fen"] == 30_000
    assert (named[d(2021, 1, 1)]["loans_issued"], named[d(2021, 1, 1)]["jobs_declared"],
            named[d(2021, 1, 1)]["jobs_verified"]) == (1, 3, 2)
    # matured 2022-01-10: the repayment of 2022-02-01 came after it
    assert (named[d(2022, 1, 1)]["matured_disbursed_fen"], named[d(2022, 1, 1)]["matured_repaid_fen"]) == (
        100_000, 30_000)
    assert d(2021, 2, 1) not in months  # nothing changed in February


def test_partial_month_change():
    assert change_between(HISTORY, FACTS.contract_date, d(2021, 2, 28), d(2021, 3, 25)) == (
        -30_000, 70_000, -30_000, 70_000)


def test_a_loan_with_no_events_counts_only_where_it_was_issued():
    assert month_deltas([], LoanFacts(first_disbursement=d(2021, 6, 1), partners=3)) == {
        d(2021, 6, 1): [0] * 6 + [1, 3, 0, 0, 0, 0, 0]}
    assert month_deltas([], LoanFacts()) == {}


def test_subsidy_counts_in_the_payment_month():
    facts = LoanFacts(subsidy_paid=((d(2022, 1, 10), 102_222), (d(2022, 4, 8), -3_000)))
    assert {month: row[SUBSIDY] for month, row in month_deltas([], facts).items()} == {
        d(2022, 1, 1): 102_222, d(2022, 4, 1): -3_000}


KINDS = ("disbursement", "repayment", "compensation", "overdue_start", "overdue_end")
DAYS = st.dates(min_value=d(2020, 11, 1), max_value=d(2022, 3, 31))


@settings(max_examples=200, deadline=None)
@given(events=st.lists(st.builds(Event, DAYS, st.sampled_from(KINDS), st.integers(0, 300_000)), max_size=8),
       contract=st.one_of(st.none(), DAYS), day=DAYS)
def test_any_history_sums_to_its_position_on_every_month_end(events, contract, day):
    """Whatever the events (any order, overpaid, compensated, overdue ends before starts),
    the monthly changes up to a month's end give the position on that day, and the
    partial month's change adds up to any other day."""
    months = month_deltas(events, LoanFacts(contract_date=contract))
    end = month_end(day)
    summed = tuple(sum(row[POSITIONS][i] for month, row in months.items() if month <= end) for i in range(4))
    assert summed == position(events, contract, end)
    previous = month_of(day) - timedelta(days=1)
    before = tuple(sum(row[POSITIONS][i] for month, row in months.items() if month <= previous) for i in range(4))
    change = change_between(events, contract, previous, day)
    assert tuple(a + b for a, b in zip(before, change)) == position(events, contract, day)
