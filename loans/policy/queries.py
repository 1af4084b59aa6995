"""Reads of reference data: policy versions, LPR fixings, served districts and active key
groups (read once per request or command), the choice lists of districts, banks and key
groups that forms offer, the working calendar (holidays and adjusted
workdays), and whether the LPR table and the calendar are up to date.

``working_calendar()`` is what every working-day count uses. It is cached per process
and keyed by a cheap fingerprint of the table (one aggregate query per call), so a day
changed on the admin page counts at once in every worker, without a restart.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from threading import Lock

from flask import g, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from ..core import policy as core_policy
from ..core.dates import WorkingCalendar
from ..core.money import format_rate
from ..db import db
from .models import Bank, CalendarDay, District, KeyGroup, LprFixing, PolicyVersion


def _cached(name, load):
    """Reference data is read once per request or command (``g``), then reused."""
    cache = g.setdefault("_reference_cache", {})
    if name not in cache:
        cache[name] = load()
    return cache[name]


def policies() -> tuple[core_policy.PolicyParams, ...]:
    return _cached("policies", lambda: tuple(
        p.to_params() for p in db.session.scalars(select(PolicyVersion).order_by(PolicyVersion.effective_from))))


def lpr_fixings() -> tuple[tuple[date, object], ...]:
    return _cached("lpr", lambda: tuple(
        (f.published_on, f.rate) for f in db.session.scalars(select(LprFixing).order_by(LprFixing.published_on))))


def served_districts() -> frozenset[str]:
    return _cached("districts", lambda: frozenset(db.session.scalars(select(District.code).where(District.active.is_(True)))))


def known_key_groups() -> frozenset[str]:
    return _cached("key_groups", lambda: frozenset(db.session.scalars(select(KeyGroup.code).where(KeyGroup.active.is_(True)))))


# --- choice lists ------------------------------------------------------------------------
# (code, name in ``lang``) pairs for select fields. ``blank`` puts a first entry with the
# value "" and that label ("All", "— none —", …); ``active_only`` leaves out what is no
# longer offered to new applications (staff filters and admin forms list everything).

Choices = list[tuple[str, str]]


def _with_blank(choices: Choices, blank) -> Choices:
    return choices if blank is None else [("", str(blank))] + choices


def districts(*, active_only: bool = False, only: str = "") -> list[District]:
    query = select(District).order_by(District.code)
    if active_only:
        query = query.where(District.active.is_(True))
    if only:
        query = query.where(District.code == only)
    return list(db.session.scalars(query))


def banks(*, active_only: bool = False) -> list[Bank]:
    query = select(Bank).order_by(Bank.code)
    if active_only:
        query = query.where(Bank.active.is_(True))
    return list(db.session.scalars(query))


def key_groups(*, active_only: bool = False) -> list[KeyGroup]:
    query = select(KeyGroup).order_by(KeyGroup.sort_order, KeyGroup.code)
    if active_only:
        query = query.where(KeyGroup.active.is_(True))
    return list(db.session.scalars(query))


def district_choices(lang: str, *, blank=None, active_only: bool = False, only: str = "") -> Choices:
    return _with_blank([(d.code, d.label(lang)) for d in districts(active_only=active_only, only=only)], blank)


def bank_choices(lang: str, *, blank=None, active_only: bool = False) -> Choices:
    return _with_blank([(b.code, b.label(lang)) for b in banks(active_only=active_only)], blank)


def bank_names(lang: str) -> dict[str, str]:
    return dict(bank_choices(lang))


def reference_name(kind: str, code: str, lang: str) -> str | None:
    """The name of a ``"key_group"``, ``"district"`` or ``"bank"`` in ``lang`` (None when unknown);
    all three tables are read once per request."""
    names = _cached(f"names-{lang}", lambda: {
        **{("key_group", g.code): g.label(lang) for g in key_groups()},
        **{("district", d.code): d.label(lang) for d in districts()},
        **{("bank", b.code): b.label(lang) for b in banks()}})
    return names.get((kind, code))


def key_group_choices(lang: str, *, blank=None, active_only: bool = False, with_evidence: bool = False) -> Choices:
    """With ``with_evidence`` each name is followed by the evidence it asks for."""
    return _with_blank([(g.code, f"{g.label(lang)} ({g.evidence(lang)})" if with_evidence else g.label(lang))
                        for g in key_groups(active_only=active_only)], blank)


def policy_on(on: date) -> core_policy.PolicyParams | None:
    return core_policy.policy_in_force(policies(), on)


LPR_PUBLICATION_DAY = 20
CALENDAR_WARNING_FROM = (11, 1)  # the State Council publishes next year's arrangement around November

_cache: dict[tuple, WorkingCalendar] = {}
_cache_lock = Lock()
_CACHE_SIZE = 8


def _fingerprint() -> tuple:
    count, last_id, last_change = db.session.execute(
        select(func.count(CalendarDay.id), func.max(CalendarDay.id), func.max(CalendarDay.updated_at))).one()
    return str(db.engine.url), count, last_id, last_change


def working_calendar() -> WorkingCalendar:
    """The official arrangement as entered, loaded again only when the table changed; one
    fingerprint query per request or command (a queue page asks for it twice), forgotten
    when this session writes a calendar day (``_forget_calendar``)."""
    memo = g.get("_working_calendar")
    if memo is not None:
        return memo
    key = _fingerprint()
    calendar = _cache.get(key)
    if calendar is None:
        rows = db.session.execute(select(CalendarDay.calendar_date, CalendarDay.kind)).all()
        calendar = WorkingCalendar.from_days((day, kind) for day, kind in rows)
        with _cache_lock:
            if len(_cache) >= _CACHE_SIZE:
                _cache.clear()
            _cache[key] = calendar
    g._working_calendar = calendar
    return calendar


@event.listens_for(Session, "after_flush")
def _forget_calendar(session, _flush_context) -> None:
    """A calendar day written in this request or command counts at once in it."""
    if has_app_context() and "_working_calendar" in g and any(
            isinstance(o, CalendarDay) for o in (*session.new, *session.dirty, *session.deleted)):
        g.pop("_working_calendar", None)


def calendar_days(year: int) -> dict[date, CalendarDay]:
    return {d.calendar_date: d for d in db.session.scalars(
        select(CalendarDay).where(CalendarDay.calendar_date >= date(year, 1, 1),
                                  CalendarDay.calendar_date <= date(year, 12, 31)))}


# --- festival names ----------------------------------------------------------------------

# The names chinesecalendar gives (the migration's seed), in the reader's language; a name
# an admin typed is shown as typed.
FESTIVAL_NAMES = {
    "New Year's Day": _l("New Year's Day"),
    "Spring Festival": _l("Spring Festival"),
    "Tomb-sweeping Day": _l("Tomb-sweeping Day"),
    "Labour Day": _l("Labour Day"),
    "Dragon Boat Festival": _l("Dragon Boat Festival"),
    "National Day": _l("National Day"),
    "Mid-autumn Festival": _l("Mid-autumn Festival"),
    "Anti-Fascist 70th Day": _l("70th anniversary of the victory in the War of Resistance"),
}


def festival_name(name: str | None) -> str:
    return str(FESTIVAL_NAMES.get(name or "", name or ""))


# --- what is running out ----------------------------------------------------------------

@dataclass(frozen=True)
class ReferenceWarning:
    """Reference data that is missing today. ``topic`` is ``calendar`` or ``lpr``; the
    message is lazy, in the reader's language when shown."""

    topic: str
    message: object

    def __str__(self) -> str:
        return str(self.message)


def calendar_warnings(today: date, calendar: WorkingCalendar | None = None) -> list[ReferenceWarning]:
    """This year without an arrangement (counts are Monday–Friday only), and from
    1 November next year without one."""
    calendar = calendar or working_calendar()
    warnings = []
    if not calendar.is_covered(today.year):
        warnings.append(ReferenceWarning("calendar", _l(
            "No public holidays have been entered for %(year)s: working days in %(year)s count Monday to Friday "
            "only, so deadlines may be wrong. An administrator enters the State Council's arrangement on the "
            "holiday calendar page.",
            year=today.year)))
    if (today.month, today.day) >= CALENDAR_WARNING_FROM and not calendar.is_covered(today.year + 1):
        warnings.append(ReferenceWarning("calendar", _l(
            "No public holidays have been entered for %(year)s yet. An administrator should enter the State "
            "Council's arrangement on the holiday calendar page as soon as it is published, before 1 January.",
            year=today.year + 1)))
    return warnings


def lpr_publication_day(year: int, month: int, calendar: WorkingCalendar | None = None) -> date:
    """The day the month's 1-year LPR is published: the 20th, or the next working day."""
    calendar = calendar or working_calendar()
    day = date(year, month, LPR_PUBLICATION_DAY)
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    return day


def latest_lpr_fixing(on: date | None = None) -> LprFixing | None:
    query = select(LprFixing).order_by(LprFixing.published_on.desc()).limit(1)
    if on is not None:
        query = query.where(LprFixing.published_on <= on)
    return db.session.scalar(query)


def lpr_warnings(today: date, calendar: WorkingCalendar | None = None) -> list[ReferenceWarning]:
    """No fixing entered for this month once it should have been published (from the
    21st, or the day after a publication moved past a weekend or holiday)."""
    if today.day <= LPR_PUBLICATION_DAY or today <= lpr_publication_day(today.year, today.month, calendar):
        return []
    month_start = today.replace(day=1)
    latest = latest_lpr_fixing(today)
    if latest is not None and latest.published_on >= month_start:
        return []
    if latest is None:
        message = _l("No 1-year LPR fixing has been entered for %(month)s. It is published on the 20th; enter it on "
                     "the LPR page.", month=month_start.strftime("%Y-%m"))
    else:
        message = _l("No 1-year LPR fixing has been entered for %(month)s. It is published on the 20th; until it "
                     "is entered, contracts, letters and subsidies use the fixing of %(date)s (%(rate)s%%).",
                     month=month_start.strftime("%Y-%m"), date=latest.published_on.isoformat(),
                     rate=format_rate(latest.rate))
    return [ReferenceWarning("lpr", message)]


# Who is told on their home page (SPEC §2: admins keep the reference data; supervisors
# answer for deadlines; finance for the subsidy's LPR).
WARNED_ROLES = {"calendar": ("admin", "supervisor"), "lpr": ("admin", "finance")}


def reference_warnings(today: date, role: str | None = None) -> list[ReferenceWarning]:
    """The warnings for ``role``'s home page, or all of them (the daily jobs) when None."""
    calendar = working_calendar()
    warnings = []
    if role is None or role in WARNED_ROLES["calendar"]:
        warnings += calendar_warnings(today, calendar)
    if role is None or role in WARNED_ROLES["lpr"]:
        warnings += lpr_warnings(today, calendar)
    return warnings
