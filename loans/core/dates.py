"""Subsidy periods, month arithmetic and working days (SPEC §7.1).

Interest is settled on the 20th of March, June, September and December, so the subsidy
period ``2021Q3`` runs from 2021-06-21 to 2021-09-20 inclusive and Q1 from 21 December
of the year before to 20 March.

Working days follow a ``WorkingCalendar``: the official public holidays and adjusted
workdays (调休) as data, which the app loads from its ``calendar_days`` table.
"""

import calendar
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum
from typing import Iterable

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


class DayKind(str, Enum):
    """An official exception to the Monday–Friday week."""

    holiday = "holiday"   # a public holiday: no work, also on a weekday
    workday = "workday"   # an adjusted workday (调休): work, also on a weekend


def _weekdays_up_to(d: date) -> int:
    """Mondays–Fridays from a fixed Monday (0001-01-01) up to and including ``d``."""
    days = d.toordinal()  # 0001-01-01 is ordinal 1, a Monday
    weeks, rest = divmod(days, 7)
    return weeks * 5 + min(rest, 5)


def _count_in(sorted_days: tuple[date, ...], start: date, end: date) -> int:
    """Days of ``sorted_days`` after ``start`` up to and including ``end``."""
    return bisect_right(sorted_days, end) - bisect_right(sorted_days, start)


def _contains(sorted_days: tuple[date, ...], d: date) -> bool:
    i = bisect_left(sorted_days, d)
    return i < len(sorted_days) and sorted_days[i] == d


@dataclass(frozen=True)
class WorkingCalendar:
    """Mainland China's working days, from the official arrangement as data.

    ``weekday_holidays`` are public holidays falling on Monday–Friday (days off) and
    ``weekend_workdays`` the adjusted Saturdays and Sundays (days on), both sorted;
    ``covered_years`` are the years whose arrangement has been entered.

    A year that is not covered still counts Monday–Friday — there is nothing better to
    count — but it is never taken for an ordinary year silently: ``missing_years`` names
    it, so every page and command that counts across it can say the count is provisional.
    """

    weekday_holidays: tuple[date, ...] = ()
    weekend_workdays: tuple[date, ...] = ()
    covered_years: frozenset[int] = frozenset()

    @classmethod
    def from_days(cls, days: Iterable[tuple[date, DayKind | str]],
                  covered_years: Iterable[int] | None = None) -> "WorkingCalendar":
        """From (date, kind) pairs. Holidays on weekends and workdays on weekdays change
        nothing and are left out. The covered years are the years of ``days`` unless given."""
        days = [(d, DayKind(kind)) for d, kind in days]
        return cls(
            weekday_holidays=tuple(sorted({d for d, kind in days if kind is DayKind.holiday and d.weekday() < 5})),
            weekend_workdays=tuple(sorted({d for d, kind in days if kind is DayKind.workday and d.weekday() >= 5})),
            covered_years=frozenset(covered_years if covered_years is not None else (d.year for d, _ in days)),
        )

    def is_covered(self, year: int) -> bool:
        return year in self.covered_years

    def missing_years(self, start: date, end: date) -> tuple[int, ...]:
        """Years from ``start`` to ``end`` (both included) whose arrangement is missing."""
        return tuple(y for y in range(min(start, end).year, max(start, end).year + 1) if y not in self.covered_years)

    def is_working_day(self, d: date) -> bool:
        if d.weekday() < 5:
            return not _contains(self.weekday_holidays, d)
        return _contains(self.weekend_workdays, d)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when end ≤ start).

        Constant time in the span (logarithmic in the number of exceptions): weekdays by
        arithmetic, minus weekday holidays, plus adjusted weekend workdays — a queue page
        computes this for every row."""
        if end <= start:
            return 0
        return (_weekdays_up_to(end) - _weekdays_up_to(start)
                - _count_in(self.weekday_holidays, start, end) + _count_in(self.weekend_workdays, start, end))

    def working_days_from_to(self, first: date, last: date) -> int:
        """Working days from ``first`` to ``last``, both included (0 when last < first)."""
        return self.working_days_between(first - timedelta(days=1), last)

    def add_working_days(self, start: date, n: int) -> date:
        """The ``n``-th working day after ``start`` (before it when ``n`` is negative);
        ``start`` itself when ``n`` is 0."""
        step = timedelta(days=1 if n >= 0 else -1)
        remaining = abs(n)
        d = start
        while remaining:
            d += step
            if self.is_working_day(d):
                remaining -= 1
        return d


def chinese_date(d: date) -> str:
    """A date in Chinese prose, as the bureau writes it: 2026-12-02 → ``2026年12月2日``."""
    return f"{d.year}年{d.month}月{d.day}日"


_CHINESE_QUARTERS = "一二三四"


def quarter_name_lines(code: str, lang: str) -> tuple[str, ...]:
    """``quarter_name`` in its two parts, for two lines under a chart's column:
    ``("2026年", "第三季度")``, ``("Q3", "2026")``; anything else is one line, unchanged."""
    match = _PERIOD_RE.fullmatch(code.strip().upper()) if isinstance(code, str) else None
    if not match:
        return (code,)
    year, quarter = match[1], int(match[2])
    if lang == "zh":
        return f"{year}年", f"第{_CHINESE_QUARTERS[quarter - 1]}季度"
    return f"Q{quarter}", year


def quarter_name(code: str, lang: str) -> str:
    """A quarter code (a subsidy period or a report's quarter) in words for a page:
    ``2026Q3`` → ``2026年第三季度`` in Chinese, ``Q3 2026`` in English. Anything that is
    not such a code comes back unchanged. URLs, machine exports (SPEC §10, §13) and the
    statement PDF's reference keep the code."""
    lines = quarter_name_lines(code, lang)
    return code if len(lines) == 1 else ("" if lang == "zh" else " ").join(lines)


_ISO_IN_TEXT = re.compile(r" ?\b([0-9]{4})-([0-9]{2})-([0-9]{2})\b ?")


def chinese_dates_in(text: str) -> str:
    """ISO dates in a Chinese sentence written in prose, without the spaces around them:
    ``2026-12-02 时年满 36 周岁`` → ``2026年12月2日时年满 36 周岁`` (eligibility results stored
    before the engine wrote its Chinese dates so read like the new ones)."""
    def prose(match: re.Match) -> str:
        try:
            return chinese_date(date(int(match[1]), int(match[2]), int(match[3])))
        except ValueError:
            return match[0]
    return _ISO_IN_TEXT.sub(prose, text or "")
