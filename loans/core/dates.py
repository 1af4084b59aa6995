"""Subsidy periods, month arithmetic and working days (SPEC §7.1).

Interest is settled on the 20th of March, June, September and December, so the subsidy
period ``2021Q3`` runs from 2021-06-21 to 2021-09-20 inclusive and Q1 from 21 December
of the year before to 20 March.
"""

import calendar
import re
from bisect import bisect_right
from datetime import date, timedelta

import chinese_calendar

_PERIOD_RE = re.compile(r"([0-9]{4})Q([1-4])")
_SETTLEMENT_DAY = 20


def quarter_period(code: str) -> tuple[date, date]:
    """First and last day (inclusive) of a subsidy period such as ``"2021Q3"``."""
    match = _PERIOD_RE.fullmatch(code.strip().upper()) if isinstance(code, str) else None
    if not match:
        raise ValueError(f"not a period like 2021Q3: {code!r}")
    year, quarter = int(match[1]), int(match[2])
    end = date(year, 3 * quarter, _SETTLEMENT_DAY)
    if quarter == 1:
        start = date(year - 1, 12, _SETTLEMENT_DAY + 1)
    else:
        start = date(year, 3 * quarter - 3, _SETTLEMENT_DAY + 1)
    return start, end


def period_of(d: date) -> str:
    """The subsidy period containing ``d`` (2021-12-21 → ``"2022Q1"``)."""
    for quarter in (1, 2, 3, 4):
        if (d.month, d.day) <= (3 * quarter, _SETTLEMENT_DAY):
            return f"{d.year}Q{quarter}"
    return f"{d.year + 1}Q1"


def add_months(d: date, n: int) -> date:
    """The same day ``n`` months later, or that month's last day when the day does not
    exist (2021-01-31 + 1 → 2021-02-28)."""
    months = d.year * 12 + d.month - 1 + n
    year, month = divmod(months, 12)
    month += 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def is_working_day(d: date) -> bool:
    """Mainland China working day: public holidays off, adjusted weekend workdays (调休)
    on. Years the calendar data does not cover fall back to Monday–Friday."""
    try:
        return chinese_calendar.is_workday(d)
    except NotImplementedError:
        return d.weekday() < 5


# Official exceptions to the Monday–Friday week, from chinese_calendar's data: public
# holidays falling on weekdays (days off) and adjusted weekend workdays (调休, days on).
_WEEKDAY_HOLIDAYS = sorted(d for d in chinese_calendar.holidays if d.weekday() < 5)
_WEEKEND_WORKDAYS = sorted(d for d in chinese_calendar.workdays if d.weekday() >= 5)


def _weekdays_up_to(d: date) -> int:
    """Mondays–Fridays from a fixed Monday (0001-01-01) up to and including ``d``."""
    days = d.toordinal()  # 0001-01-01 is ordinal 1, a Monday
    weeks, rest = divmod(days, 7)
    return weeks * 5 + min(rest, 5)


def _count_in(sorted_days: list[date], start: date, end: date) -> int:
    return bisect_right(sorted_days, end) - bisect_right(sorted_days, start)


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when end ≤ start).

    Constant time: weekdays by arithmetic, minus weekday holidays, plus adjusted weekend
    workdays (a queue page computes this for every row)."""
    if end <= start:
        return 0
    return (_weekdays_up_to(end) - _weekdays_up_to(start)
            - _count_in(_WEEKDAY_HOLIDAYS, start, end) + _count_in(_WEEKEND_WORKDAYS, start, end))


def add_working_days(start: date, n: int) -> date:
    """The ``n``-th working day after ``start`` (before it when ``n`` is negative);
    ``start`` itself when ``n`` is 0."""
    step = timedelta(days=1 if n >= 0 else -1)
    remaining = abs(n)
    d = start
    while remaining:
        d += step
        if is_working_day(d):
            remaining -= 1
    return d
