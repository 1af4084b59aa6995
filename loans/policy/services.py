"""Changes to policy versions, LPR fixings, key groups and the holiday calendar (SPEC §5).
Every change is audited.

History is never rewritten: a version that cases already used is not edited but
superseded by a new version, and no change may move an evaluated case to another
version. Nothing here commits: the request's or command's unit of work does.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from sqlalchemy.exc import IntegrityError

from ..audit.services import record
from ..core.dates import DayKind
from ..core.policy import REGIMES, policy_in_force
from ..db import db, local_today, utcnow
from ..provided import Provided
from .calendar_file import NAME_MAX, CalendarRow
from .models import CalendarDay, KeyGroup, LprFixing, PolicyVersion
from ..errors import ConcurrentChange, Refused

PARAM_FIELDS = PolicyVersion.PARAM_FIELDS
CODE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,19}")
KEY_GROUP_CODE_RE = re.compile(r"[a-z][a-z0-9_]{0,39}")
KEY_GROUP_FIELDS = ("label_zh", "label_en", "evidence_zh", "evidence_en", "sensitive", "active", "sort_order")


MONEY_FIELDS = ("individual_max", "partnership_max", "enterprise_max", "consumer_loan_allowed_max")


def _plain(value, name: str = ""):
    """Audit details are JSON: exact decimals (money with two places) and dates as text."""
    if isinstance(value, Decimal):
        return f"{value:.2f}" if name in MONEY_FIELDS else f"{value.normalize():f}"
    if isinstance(value, date):
        return value.isoformat()
    return value


def _changes(obj, values: dict, names) -> dict[str, list]:
    return {name: [_plain(getattr(obj, name), name), _plain(values[name], name)]
            for name in names if name in values and getattr(obj, name) != values[name]}


# --- reads ------------------------------------------------------------------------------

# Which cases were evaluated under which version is eligibility's record (its snapshots),
# a package above this one: it provides these readers.
cases_per_policy_code = Provided("the cases evaluated under each policy code", "eligibility")
policy_code_used = Provided("whether a case was evaluated under a policy code", "eligibility")
evaluated_application_dates = Provided("the application dates of evaluated cases", "eligibility")


def usage_counts() -> dict[str, int]:
    """Cases evaluated under each policy code."""
    return cases_per_policy_code()


def is_used(version: PolicyVersion) -> bool:
    return policy_code_used(version.code)


def versions() -> list[PolicyVersion]:
    return list(db.session.scalars(select(PolicyVersion).order_by(PolicyVersion.effective_from)))


def suggest_code(code: str) -> str:
    """A free code derived from ``code``: HN-2021 → HN-2021-2 (or -3, …)."""
    base = code[:17]
    taken = set(db.session.scalars(select(PolicyVersion.code)))
    n = 2
    while f"{base}-{n}"[:20] in taken:
        n += 1
    return f"{base}-{n}"[:20]


# --- checks -----------------------------------------------------------------------------

class _Span(NamedTuple):
    effective_from: date
    key: object


def _first_moved_case(before: list[_Span], after: list[_Span]) -> date | None:
    """The first application date of an evaluated case whose version would change."""
    for on in evaluated_application_dates():
        old, new = policy_in_force(before, on), policy_in_force(after, on)
        if (old and old.key) != (new and new.key):
            return on
    return None


def _check_history(after_spans: list[_Span]) -> None:
    before = [_Span(v.effective_from, v.id) for v in versions()]
    moved = _first_moved_case(before, after_spans)
    if moved is not None:
        raise Refused(_l("Cases applied on %(date)s were evaluated under another version; a version starting "
                             "on this date would change their policy. Choose a later date.", date=moved.isoformat()),
                          "effective_from")


def _check_identity(values: dict, exclude_id: int | None) -> None:
    code = values["code"]
    if not CODE_RE.fullmatch(code or ""):
        raise Refused(_l("Letters, digits, dots, dashes and underscores."), "code")
    same_code = select(PolicyVersion.id).where(PolicyVersion.code == code)
    same_day = select(PolicyVersion.code).where(PolicyVersion.effective_from == values["effective_from"])
    if exclude_id is not None:
        same_code = same_code.where(PolicyVersion.id != exclude_id)
        same_day = same_day.where(PolicyVersion.id != exclude_id)
    if db.session.scalar(same_code.limit(1)) is not None:
        raise Refused(_l("Another version already has this code."), "code")
    other = db.session.scalar(same_day.limit(1))
    if other is not None:
        raise Refused(_l("Version %(code)s already starts on this date; each version needs its own start date.",
                             code=other), "effective_from")


def _check_params(values: dict) -> None:
    """Values a policy can sensibly hold; each refusal names its field."""
    def need(ok: bool, field: str, message) -> None:
        if not ok:
            raise Refused(message, field)

    for kind in ("individual", "enterprise"):
        regime, value = values[f"regime_{kind}"], values[f"regime_{kind}_value"]
        need(regime in REGIMES, f"regime_{kind}", _l("Unknown subsidy regime."))
        if regime == "full":
            need(value == 0, f"regime_{kind}_value", _l("The full regime takes no value; enter 0."))
        elif regime == "lpr_margin":
            need(0 <= value <= 1000, f"regime_{kind}_value", _l("A margin in basis points, from 0 to 1000."))
        else:
            need(0 < value <= 100, f"regime_{kind}_value", _l("A share in percent, above 0 and at most 100."))
    for name in ("cap_standard_bp", "cap_former_poverty_bp"):
        need(0 <= values[name] <= 1000, name, _l("A cap in basis points, from 0 to 1000."))
    for name in ("individual_max", "partnership_max", "enterprise_max"):
        need(values[name] > 0, name, _l("Must be greater than zero."))
    need(values["partnership_max"] >= values["individual_max"], "partnership_max",
         _l("Must be at least the individual maximum."))
    need(0 < values["partnership_factor_pct"] <= 1000, "partnership_factor_pct",
         _l("A percentage above 0 and at most 1000."))
    for name in ("max_term_individual", "max_term_enterprise"):
        need(1 <= values[name] <= 360, name, _l("From 1 to 360 months."))
    for name in ("hire_share_small_pct", "hire_share_large_pct"):
        need(0 <= values[name] <= 100, name, _l("A percentage from 0 to 100."))
    need(values["hire_staff_threshold"] >= 1, "hire_staff_threshold", _l("At least 1."))
    need(values["graduate_window_years"] <= 50, "graduate_window_years", _l("At most 50 years."))
    for name in ("retirement_age_male", "retirement_age_female"):
        need(values["working_age_min"] < values[name] <= 100, name,
             _l("Above the working age start and at most 100."))
    need(values["lifetime_loans"] >= 1, "lifetime_loans", _l("At least 1."))
    need(values["consumer_loan_allowed_max"] >= 0, "consumer_loan_allowed_max", _l("Cannot be negative."))
    need(values["day_basis"] in (360, 365), "day_basis", _l("360 or 365."))
    need(values["approval_validity_days"] >= 1, "approval_validity_days", _l("At least 1."))
    for name in ("leverage_limit_high", "leverage_limit_low"):
        need(0 < values[name] <= 100, name, _l("Above 0 and at most 100 times the fund."))
    need(values["leverage_limit_high"] >= values["leverage_limit_low"], "leverage_limit_high",
         _l("Must be at least the other limit."))
    for name in ("repayment_rate_threshold_pct", "overdue_warn_pct", "claims_pause_pct"):
        need(0 <= values[name] <= 100, name, _l("A percentage from 0 to 100."))
    need(0 < values["fund_share_pct"] <= 100, "fund_share_pct", _l("A share in percent, above 0 and at most 100."))
    need(0 <= values["claim_wait_days"] <= 3650, "claim_wait_days", _l("From 0 to 3650 days."))


# --- policy versions --------------------------------------------------------------------

def add_version(values: dict, *, actor) -> PolicyVersion:
    """A new version from ``values`` (code, effective_from and every parameter)."""
    _check_identity(values, exclude_id=None)
    _check_params(values)
    _check_history([_Span(v.effective_from, v.id) for v in versions()]
                   + [_Span(values["effective_from"], "new")])
    version = PolicyVersion(code=values["code"], effective_from=values["effective_from"],
                            created_by_id=getattr(actor, "id", None),
                            **{name: values[name] for name in PARAM_FIELDS})
    db.session.add(version)
    db.session.flush()
    record("policy_version_add", version, actor=actor, code=version.code,
           effective_from=version.effective_from.isoformat(),
           params={name: _plain(values[name], name) for name in PARAM_FIELDS})
    return version


def edit_version(version: PolicyVersion, values: dict, *, actor) -> tuple[PolicyVersion, bool]:
    """Change a version; when cases already used it, add a new version instead.

    Returns (the version holding the values, whether it is a new version)."""
    if is_used(version):
        if values["code"] == version.code:
            raise Refused(_l("Cases already use %(code)s, so your changes become a new version: give it a new "
                                 "code.", code=version.code), "code")
        new = add_version(values, actor=actor)
        record("policy_version_supersede", version, actor=actor, code=version.code, new_code=new.code,
               new_version_id=new.id)
        return new, True
    _check_identity(values, exclude_id=version.id)
    _check_params(values)
    _check_history([_Span(v.effective_from, v.id) for v in versions() if v.id != version.id]
                   + [_Span(values["effective_from"], version.id)])
    changes = _changes(version, values, ("code", "effective_from", *PARAM_FIELDS))
    for name in ("code", "effective_from", *PARAM_FIELDS):
        setattr(version, name, values[name])
    db.session.flush()
    record("policy_version_edit", version, actor=actor, code=version.code, changes=changes or None)
    return version, False


# --- LPR fixings ------------------------------------------------------------------------

def add_lpr_fixing(published_on: date, rate: Decimal, *, actor, today: date | None = None) -> LprFixing:
    """A new 1-year LPR fixing (percent) published on ``published_on``."""
    if published_on > (today or local_today()):
        raise Refused(_l("A fixing cannot be dated in the future."), "published_on")
    if db.session.scalar(select(LprFixing.id).where(LprFixing.published_on == published_on)) is not None:
        raise Refused(_l("There is already a fixing published on this date."), "published_on")
    if not (Decimal(0) < rate < Decimal(100)):
        raise Refused(_l("Enter the rate in percent such as 3.45, without a percent sign."), "rate")
    fixing = LprFixing(published_on=published_on, rate=rate)
    db.session.add(fixing)
    db.session.flush()
    record("lpr_fixing_add", fixing, actor=actor, published_on=published_on.isoformat(), rate=_plain(rate))
    return fixing


# --- key groups -------------------------------------------------------------------------

def _key_group_record(action: str, group: KeyGroup, actor, **detail) -> None:
    # key groups are keyed by code, not by an integer id
    record(action, object_type="key_groups", object_id=None, actor=actor, code=group.code, **detail)


def update_key_group(group: KeyGroup, values: dict, *, actor) -> KeyGroup:
    changes = _changes(group, values, KEY_GROUP_FIELDS)
    for name in KEY_GROUP_FIELDS:
        if name in values:
            setattr(group, name, values[name])
    db.session.flush()
    _key_group_record("key_group_edit", group, actor, changes=changes or None)
    return group


def add_key_group(values: dict, *, actor) -> KeyGroup:
    code = values["code"]
    if not KEY_GROUP_CODE_RE.fullmatch(code or ""):
        raise Refused(_l("Lower-case letters, digits and underscores."), "code")
    if db.session.get(KeyGroup, code) is not None:
        raise Refused(_l("A key group with this code already exists."), "code")
    group = KeyGroup(code=code, **{name: values[name] for name in KEY_GROUP_FIELDS})
    db.session.add(group)
    db.session.flush()
    _key_group_record("key_group_add", group, actor, **{name: values[name] for name in KEY_GROUP_FIELDS})
    return group


# --- the holiday calendar ---------------------------------------------------------------

@dataclass
class CalendarImportResult:
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    years: tuple[int, ...] = ()


def _check_day(on: date, kind: DayKind, name: str) -> None:
    if kind is DayKind.workday and on.weekday() < 5:
        raise Refused(_l("%(date)s is a Monday to Friday, a working day already: only a Saturday or Sunday can be "
                             "an adjusted workday.", date=on.isoformat()), "kind")
    if len(name) > NAME_MAX:
        raise Refused(_l("At most %(max)s characters.", max=NAME_MAX), "name")


def _flush_calendar() -> None:
    """Flush; a day another admin stored meanwhile is refused, not a server error."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise ConcurrentChange(_l("Another change to the same days was saved meanwhile; nothing was changed. "
                                  "Try again.")) from None


def set_calendar_day(on: date, kind: DayKind | str, name: str, *, actor) -> CalendarDay:
    """Mark ``on`` as a public holiday or an adjusted workday, with the festival's name."""
    kind, name = DayKind(kind), (name or "").strip()
    _check_day(on, kind, name)
    day = db.session.scalar(select(CalendarDay).where(CalendarDay.calendar_date == on))
    if day is None:
        day = CalendarDay(calendar_date=on, kind=kind.value, name=name, updated_at=utcnow())
        db.session.add(day)
        _flush_calendar()
        record("calendar_day_add", day, actor=actor, date=on.isoformat(), kind=kind.value, name=name)
        return day
    changes = _changes(day, {"kind": kind.value, "name": name}, ("kind", "name"))
    if changes:
        day.kind, day.name, day.updated_at = kind.value, name, utcnow()
        _flush_calendar()
        record("calendar_day_edit", day, actor=actor, date=on.isoformat(), changes=changes)
    return day


def remove_calendar_day(on: date, *, actor) -> bool:
    """Make ``on`` an ordinary day again; False when it was one already."""
    day = db.session.scalar(select(CalendarDay).where(CalendarDay.calendar_date == on))
    if day is None:
        return False
    record("calendar_day_remove", day, actor=actor, date=on.isoformat(), kind=day.kind, name=day.name)
    db.session.delete(day)
    db.session.flush()
    return True


def import_calendar_days(rows: list[CalendarRow], *, actor, source: str) -> CalendarImportResult:
    """Store checked rows (``calendar_file.read_calendar_csv``): new days added, days with
    another kind or name changed, the same rows again change nothing. One audit row."""
    for row in rows:
        _check_day(row.calendar_date, row.kind, row.name)
    dates = [row.calendar_date for row in rows]
    existing = {d.calendar_date: d for d in db.session.scalars(
        select(CalendarDay).where(CalendarDay.calendar_date.in_(dates)))} if dates else {}
    result = CalendarImportResult(years=tuple(sorted({on.year for on in dates})))
    added, changed, now = [], {}, utcnow()
    for row in rows:
        day = existing.get(row.calendar_date)
        if day is None:
            db.session.add(CalendarDay(calendar_date=row.calendar_date, kind=row.kind.value, name=row.name,
                                       updated_at=now))
            added.append(row.calendar_date.isoformat())
        elif (day.kind, day.name) != (row.kind.value, row.name):
            changed[row.calendar_date.isoformat()] = _changes(day, {"kind": row.kind.value, "name": row.name},
                                                              ("kind", "name"))
            day.kind, day.name, day.updated_at = row.kind.value, row.name, now
        else:
            result.unchanged += 1
    result.added, result.changed = len(added), len(changed)
    if added or changed:
        _flush_calendar()
        record("calendar_import", object_type="calendar_days", object_id=None, actor=actor, file=source,
               years=list(result.years), added=added or None, changed=changed or None, unchanged=result.unchanged)
    return result
