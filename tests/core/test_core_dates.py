from datetime import date, timedelta

import pytest
from hypothesis import given, strategies as st

from loans.core.dates import (
    add_months,
    add_working_days,
    is_working_day,
    period_of,
    quarter_period,
    working_days_between,
)


@pytest.mark.parametrize("code, start, end, days", [
    ("2021Q3", date(2021, 6, 21), date(2021, 9, 20), 92),
    ("2021Q1", date(2020, 12, 21), date(2021, 3, 20), 90),
    ("2024Q1", date(2023, 12, 21), date(2024, 3, 20), 91),
    ("2021Q2", date(2021, 3, 21), date(2021, 6, 20), 92),
    ("2021Q4", date(2021, 9, 21), date(2021, 12, 20), 91),
    ("2025Q3", date(2025, 6, 21), date(2025, 9, 20), 92),
])
def test_quarter_period(code, start, end, days):
    assert quarter_period(code) == (start, end)
    assert (end - start).days + 1 == days
    assert period_of(start) == code and period_of(end) == code


@pytest.mark.parametrize("code", ["2021Q5", "2021Q0", "21Q3", "2021-Q3", "", "2021q"])
def test_quarter_period_rejects(code):
    with pytest.raises(ValueError):
        quarter_period(code)


def test_quarter_period_accepts_lowercase():
    assert quarter_period("2021q3") == quarter_period("2021Q3")


@pytest.mark.parametrize("d, code", [
    (date(2021, 12, 20), "2021Q4"),
    (date(2021, 12, 21), "2022Q1"),
    (date(2021, 12, 31), "2022Q1"),
    (date(2022, 1, 1), "2022Q1"),
    (date(2022, 3, 20), "2022Q1"),
    (date(2022, 3, 21), "2022Q2"),
    (date(2021, 6, 15), "2021Q2"),
])
def test_period_of(d, code):
    assert period_of(d) == code


@pytest.mark.parametrize("d, n, expected", [
    (date(2021, 6, 15), 36, date(2024, 6, 15)),
    (date(2021, 1, 31), 1, date(2021, 2, 28)),
    (date(2024, 1, 31), 1, date(2024, 2, 29)),
    (date(2021, 8, 31), 24, date(2023, 8, 31)),
    (date(2021, 3, 31), -1, date(2021, 2, 28)),
    (date(2021, 12, 15), 1, date(2022, 1, 15)),
    (date(2021, 5, 10), 0, date(2021, 5, 10)),
])
def test_add_months(d, n, expected):
    assert add_months(d, n) == expected


@pytest.mark.parametrize("d, working", [
    (date(2024, 9, 27), True),
    (date(2024, 9, 28), False),
    (date(2024, 9, 29), True),   # Sunday, adjusted workday (调休)
    (date(2024, 10, 1), False),
    (date(2024, 10, 7), False),  # Monday inside the National Day holiday
    (date(2024, 10, 8), True),
    (date(2024, 10, 12), True),  # Saturday, adjusted workday
    (date(2026, 10, 1), False),
    (date(2026, 10, 7), False),
    (date(2026, 10, 9), True),
    (date(2026, 10, 10), True),  # Saturday, adjusted workday
    (date(2035, 10, 1), True),   # not covered: Monday–Friday fallback
    (date(2035, 10, 6), False),
])
def test_is_working_day(d, working):
    assert is_working_day(d) is working


@pytest.mark.parametrize("start, end, days", [
    (date(2024, 9, 27), date(2024, 10, 8), 3),    # 9-29, 9-30, 10-8
    (date(2024, 9, 30), date(2024, 10, 7), 0),
    (date(2024, 9, 30), date(2024, 10, 8), 1),
    (date(2024, 10, 8), date(2024, 10, 8), 0),
    (date(2024, 10, 9), date(2024, 10, 8), 0),
    (date(2035, 1, 5), date(2035, 1, 12), 5),     # fallback Monday–Friday
], ids=lambda v: str(v))
def test_working_days_between(start, end, days):
    assert working_days_between(start, end) == days


@pytest.mark.parametrize("start, n, expected", [
    (date(2024, 9, 27), 1, date(2024, 9, 29)),
    (date(2024, 9, 27), 3, date(2024, 10, 8)),
    (date(2024, 9, 30), 1, date(2024, 10, 8)),
    (date(2024, 10, 8), 0, date(2024, 10, 8)),
    (date(2024, 10, 8), -1, date(2024, 9, 30)),
], ids=lambda v: str(v))
def test_add_working_days(start, n, expected):
    assert add_working_days(start, n) == expected
    if n > 0:
        assert working_days_between(start, expected) == n



@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31)), st.integers(min_value=-10, max_value=900))
def test_working_days_between_matches_a_day_by_day_count(start, span):
    end = start + timedelta(days=span)
    expected = sum(is_working_day(start + timedelta(days=i)) for i in range(1, span + 1)) if span > 0 else 0
    assert working_days_between(start, end) == expected
