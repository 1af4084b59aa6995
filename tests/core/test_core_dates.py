from datetime import date, timedelta

import pytest
from hypothesis import given, strategies as st

import chinese_calendar

from loans.core.dates import DayKind, WorkingCalendar, add_months, period_of, quarter_period


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


# The official arrangement as chinesecalendar has it (2004–2026), as the migration seeds it.
OFFICIAL = WorkingCalendar.from_days(
    [(d, DayKind.holiday) for d in chinese_calendar.holidays] + [(d, DayKind.workday) for d in chinese_calendar.workdays])


def test_the_official_calendar_covers_2004_to_2026():
    assert OFFICIAL.covered_years == frozenset(range(2004, 2027))
    assert OFFICIAL.missing_years(date(2025, 12, 1), date(2027, 2, 1)) == (2027,)
    assert OFFICIAL.missing_years(date(2024, 1, 1), date(2026, 12, 31)) == ()


@pytest.mark.parametrize("d, working", [
    (date(2024, 9, 27), True),
    (date(2024, 9, 28), False),
    (date(2024, 9, 29), True),   # Sunday, adjusted workday (调休)
    (date(2024, 10, 1), False),
    (date(2024, 10, 7), False),  # Monday inside the National Day holiday
    (date(2024, 10, 8), True),
    (date(2024, 10, 12), True),  # Saturday, adjusted workday
    (date(2025, 1, 26), True),   # Sunday before the Spring Festival, adjusted workday
    (date(2025, 1, 28), False),  # Spring Festival's eve, a holiday since 2025
    (date(2025, 2, 4), False),
    (date(2025, 2, 5), True),
    (date(2026, 2, 14), True),   # Saturday, adjusted workday
    (date(2026, 2, 16), False),
    (date(2026, 10, 1), False),
    (date(2026, 10, 7), False),
    (date(2026, 10, 9), True),
    (date(2026, 10, 10), True),  # Saturday, adjusted workday
    (date(2035, 10, 1), True),   # not covered: Monday–Friday, and missing_years says so
    (date(2035, 10, 6), False),
])
def test_is_working_day(d, working):
    assert OFFICIAL.is_working_day(d) is working
    if d.year <= 2026:
        assert chinese_calendar.is_workday(d) is working


@pytest.mark.parametrize("start, end, days", [
    (date(2024, 9, 27), date(2024, 10, 8), 3),    # 9-29, 9-30, 10-8
    (date(2024, 9, 30), date(2024, 10, 7), 0),
    (date(2024, 9, 30), date(2024, 10, 8), 1),
    (date(2024, 10, 8), date(2024, 10, 8), 0),
    (date(2024, 10, 9), date(2024, 10, 8), 0),
    (date(2025, 1, 24), date(2025, 2, 5), 3),     # 1-26 (Sunday workday), 1-27, 2-5
    (date(2025, 12, 31), date(2026, 1, 5), 2),    # New Year 1-1 to 1-3 off, Sunday 1-4 on
    (date(2035, 1, 5), date(2035, 1, 12), 5),     # not covered: Monday–Friday
], ids=lambda v: str(v))
def test_working_days_between(start, end, days):
    assert OFFICIAL.working_days_between(start, end) == days


@pytest.mark.parametrize("first, last, days", [
    (date(2024, 10, 1), date(2024, 10, 31), 19),  # 23 weekdays − 5 holidays + Saturday 10-12
    (date(2024, 9, 29), date(2024, 9, 29), 1),
    (date(2024, 9, 28), date(2024, 9, 28), 0),
    (date(2024, 10, 2), date(2024, 10, 1), 0),
], ids=lambda v: str(v))
def test_working_days_from_to_counts_both_ends(first, last, days):
    assert OFFICIAL.working_days_from_to(first, last) == days


@pytest.mark.parametrize("start, n, expected", [
    (date(2024, 9, 27), 1, date(2024, 9, 29)),
    (date(2024, 9, 27), 3, date(2024, 10, 8)),
    (date(2024, 9, 30), 1, date(2024, 10, 8)),
    (date(2024, 10, 8), 0, date(2024, 10, 8)),
    (date(2024, 10, 8), -1, date(2024, 9, 30)),
], ids=lambda v: str(v))
def test_add_working_days(start, n, expected):
    assert OFFICIAL.add_working_days(start, n) == expected
    if n > 0:
        assert OFFICIAL.working_days_between(start, expected) == n


def test_exceptions_that_change_nothing_are_left_out():
    calendar = WorkingCalendar.from_days([(date(2027, 2, 6), "holiday"), (date(2027, 2, 8), "workday"),
                                          (date(2027, 2, 9), "holiday"), (date(2027, 2, 13), "workday")])
    assert calendar.weekday_holidays == (date(2027, 2, 9),)
    assert calendar.weekend_workdays == (date(2027, 2, 13),)
    assert calendar.covered_years == {2027}


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        WorkingCalendar.from_days([(date(2027, 1, 1), "festival")])


def test_an_empty_calendar_counts_monday_to_friday_and_says_every_year_is_missing():
    calendar = WorkingCalendar()
    assert calendar.working_days_between(date(2027, 1, 1), date(2027, 1, 31)) == 20
    assert calendar.missing_years(date(2026, 12, 1), date(2027, 1, 1)) == (2026, 2027)


def _day_by_day(calendar, start, end):
    return sum(calendar.is_working_day(start + timedelta(days=i)) for i in range((end - start).days + 1)[1:])


def _by_weekday_rule(d, holidays, workdays):
    """The rule spelled out without the calendar's sorted tuples."""
    return d in workdays if d.weekday() >= 5 else d not in holidays


_dates = st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31))


@given(st.sets(_dates, max_size=60), st.sets(_dates, max_size=30), _dates, st.integers(min_value=-10, max_value=900))
def test_any_calendar_matches_a_day_by_day_count(holidays, workdays, start, span):
    workdays = workdays - holidays
    calendar = WorkingCalendar.from_days([(d, "holiday") for d in holidays] + [(d, "workday") for d in workdays])
    end = start + timedelta(days=span)
    expected = sum(_by_weekday_rule(start + timedelta(days=i), holidays, workdays) for i in range(1, span + 1))
    assert calendar.working_days_between(start, end) == expected
    assert calendar.working_days_from_to(start, end) == expected + (
        _by_weekday_rule(start, holidays, workdays) if span >= 0 else 0)
    if 0 <= span <= 60:
        assert calendar.add_working_days(start, calendar.working_days_between(start, end)) <= end


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31)), st.integers(min_value=-10, max_value=900))
def test_the_official_calendar_matches_a_day_by_day_count(start, span):
    end = start + timedelta(days=span)
    assert OFFICIAL.working_days_between(start, end) == (_day_by_day(OFFICIAL, start, end) if span > 0 else 0)
