"""Reads for the review screens: the queue (SQL pagination on indexed columns, a bounded
number of queries per page), the case page's parts, the evidence a rule rests on.

The queue has tabs: open work (the default: cases whose review clock runs), "my cases"
(open cases the user took or recommended), closed cases, and cases with a loan."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.orm import load_only

from ..applications.counts import mine_per_status, per_status
from ..applications.models import OPEN_CASE_STATUSES, OPEN_CASES_SQL, ApplicationKeyGroup, LoanApplication
from ..applications.queries import visible_applications
from ..core.dates import WorkingCalendar
from ..core.workflow import IN_REVIEW_STATUSES, LOAN_STATUSES, CaseStatus
from ..db import Page, db, paginate
from ..eligibility.models import EvidenceCheck
from ..search.index import narrowed
from .models import CaseNote, InfoRequest

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
PAGE_SIZE = 25
IN_REVIEW = tuple(sorted(s.value for s in IN_REVIEW_STATUSES))
# The queue's tabs and the statuses each lists, in the order of the lifecycle; every
# status staff see is in one of them.
OPEN = OPEN_CASE_STATUSES
LOANS = tuple(s.value for s in LOAN_STATUSES)
CLOSED = tuple(s.value for s in CaseStatus if s.value not in (*OPEN, *LOANS) and s is not CaseStatus.draft)
STAFF_STATUSES = tuple(s.value for s in CaseStatus if s is not CaseStatus.draft)
VIEWS = {"open": OPEN, "mine": OPEN, "closed": CLOSED, "loans": LOANS}
DEFAULT_SORT = {"open": "urgent", "mine": "urgent", "closed": "-submitted", "loans": "-submitted"}
SORTS = {
    # The deadline is the submission day plus the working-day target, so it grows with the
    # submission date: oldest submission first is fewest working days left first, in SQL.
    "urgent": LoanApplication.submitted_at.asc(),
    "submitted": LoanApplication.submitted_at.asc(),
    "-submitted": LoanApplication.submitted_at.desc(),
    "amount": LoanApplication.amount.asc(),
    "-amount": LoanApplication.amount.desc(),
    "name": LoanApplication.full_name.asc(),
    "reference": LoanApplication.reference.asc(),
}


# What a queue row shows (review/queue.html): the rest of a case (its encrypted resident ID,
# the JSON answers) is neither read nor decrypted for the list.
QUEUE_COLUMNS = (LoanApplication.id, LoanApplication.reference, LoanApplication.full_name,
                 LoanApplication.id_number_masked, LoanApplication.business_name, LoanApplication.loan_type,
                 LoanApplication.amount, LoanApplication.status, LoanApplication.submitted_at)


@dataclass
class QueueFilters:
    status: str = ""
    key_group: str = ""
    loan_type: str = ""
    bank: str = ""
    submitted_from: date | None = None
    submitted_to: date | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    q: str = ""
    sort: str = ""
    view: str = "open"


def view_of(status: str, view: str) -> str:
    """The tab a request shows: the one asked for, unless a status of another tab is
    asked for (old links such as ``?status=approved``), which opens that status's tab."""
    view = view if view in VIEWS else "open"
    if status and status not in VIEWS[view]:
        return next((v for v, statuses in VIEWS.items() if status in statuses), view)
    return view


def _mine(user):
    return or_(LoanApplication.assigned_officer_id == user.id, LoanApplication.recommended_by_id == user.id)


class _OpenCases(ColumnElement):
    """The open tab's statuses, written as the partial indexes on open cases state them
    (``OPEN_CASES_SQL``, with SQLite's unary plus), so that the planner may walk those."""

    inherit_cache = True  # no Boolean type: SQLite would get "… = 1", which matches no index
    _traverse_internals: list = []  # no state: one cache key, so the page's SELECT is compiled once


@compiles(_OpenCases)
def _open_cases(element, compiler, **kw):
    return "loan_applications." + OPEN_CASES_SQL


@compiles(_OpenCases, "sqlite")
def _open_cases_sqlite(element, compiler, **kw):
    return "+loan_applications." + OPEN_CASES_SQL


def _day_start(d: date) -> datetime:
    return datetime.combine(d, time.min, LOCAL_TZ).astimezone(timezone.utc)


def _filtered(user, f: QueueFilters, *, with_status: bool = True, also=()):
    """The cases in ``user``'s scope matching the filters (and the tab's statuses unless not
    ``with_status``) and the conditions ``also``, the search last (``narrowed`` takes all
    the others as its scope)."""
    query = visible_applications(user).where(*also)
    if with_status:
        query = query.where(_OpenCases() if VIEWS[f.view] is OPEN else LoanApplication.status.in_(VIEWS[f.view]))
        if f.view == "mine":
            query = query.where(_mine(user))
        if f.status:
            query = query.where(LoanApplication.status == f.status)
    if f.key_group:
        query = query.where(LoanApplication.id.in_(
            select(ApplicationKeyGroup.application_id).where(ApplicationKeyGroup.key_group_code == f.key_group)))
    if f.loan_type:
        query = query.where(LoanApplication.loan_type == f.loan_type)
    if f.bank:
        query = query.where(LoanApplication.preferred_bank_code == f.bank)
    if f.submitted_from:
        query = query.where(LoanApplication.submitted_at >= _day_start(f.submitted_from))
    if f.submitted_to:
        query = query.where(LoanApplication.submitted_at < _day_start(f.submitted_to + timedelta(days=1)))
    if f.amount_min is not None:
        query = query.where(LoanApplication.amount >= f.amount_min)
    if f.amount_max is not None:
        query = query.where(LoanApplication.amount <= f.amount_max)
    q = f.q.strip()
    if q:
        query = narrowed(query, q, "application")
    return query


@dataclass
class QueueCounts:
    """Cases per status matching the filters other than tab and status (``mine``: of
    those, the user's own), for the tabs and the status pills."""
    statuses: dict[str, int]
    mine: dict[str, int]

    def of(self, view: str) -> dict[str, int]:
        """Cases per status of the tab ``view``."""
        counted = self.mine if view == "mine" else self.statuses
        return {s: counted.get(s, 0) for s in VIEWS[view]}

    def total(self, view: str, status: str = "") -> int:
        per_status = self.of(view)
        return per_status.get(status, 0) if status else sum(per_status.values())


def queue_page(user, f: QueueFilters, page: int) -> tuple[Page, QueueCounts]:
    """(the page of cases, counts per status) — three queries whatever the page size: the
    counts (which also give the page's total), the page, its key groups."""
    order = SORTS.get(f.sort or DEFAULT_SORT[f.view], SORTS["urgent"])
    counts = _kept_counts(user, f) or _counted(user, f)
    # submitted_at is NULL only for drafts, which staff never see (saying so lets the
    # city-wide page read its index from the first submission on); id breaks ties
    rows = paginate(_filtered(user, f, also=(LoanApplication.submitted_at.is_not(None),))
                    .options(load_only(*QUEUE_COLUMNS, raiseload=True)).order_by(order, LoanApplication.id),
                    page, PAGE_SIZE, total=counts.total(f.view, f.status))
    return rows, counts


def _counted(user, f: QueueFilters) -> QueueCounts:
    """Counted from the cases matching the filters: one row per status, grouped in the order
    of an index on (…, status, officer ids), so the count reads the index alone, without a
    sort; the statuses staff see are named (rather than "not a draft") so that the city-wide
    count is index lookups, not a scan."""
    counted = (_filtered(user, f, with_status=False, also=(LoanApplication.status.in_(STAFF_STATUSES),))
               .with_only_columns(LoanApplication.status, func.count(), func.sum(case((_mine(user), 1), else_=0)))
               .group_by(LoanApplication.status).order_by(None))
    statuses: dict[str, int] = {}
    mine: dict[str, int] = {}
    for status, n, n_mine in db.session.execute(counted):
        status = getattr(status, "value", status)
        statuses[status] = n
        if n_mine:
            mine[status] = n_mine
    return QueueCounts(statuses, mine)


# The scope whose counts ``case_counts`` keeps: a district (an officer's, a district
# supervisor's) or the city (a city supervisor, an auditor).
_COUNTED_ROLES = ("officer", "supervisor", "auditor")


def _kept_counts(user, f: QueueFilters) -> QueueCounts | None:
    """Without filters beyond tab, status and order, the counts kept per district, status and
    user (``applications.counts``; the city-wide queue counted 100,000 cases per page, an
    officer's "my cases" every case of the district). None when filters narrow the cases."""
    if user.role not in _COUNTED_ROLES or any((f.key_group, f.loan_type, f.bank, f.submitted_from, f.submitted_to,
                                                f.amount_min is not None, f.amount_max is not None, f.q.strip())):
        return None
    district = user.district_code if user.role != "auditor" else None
    if user.role == "officer" and not district:
        return None
    statuses = {s: n for s, n in per_status(district).items() if s in STAFF_STATUSES}
    mine = {s: n for s, n in mine_per_status(user.id, district).items() if s in STAFF_STATUSES}
    return QueueCounts(statuses, mine)


def submitted_on(application) -> date | None:
    return application.submitted_at.astimezone(LOCAL_TZ).date() if application.submitted_at else None


def working_days_waiting(application, today: date, calendar: WorkingCalendar) -> int | None:
    """Working days from the day after submission up to and including ``today``."""
    on = submitted_on(application)
    return None if on is None else calendar.working_days_between(on, today)


def working_days_left(application, today: date, calendar: WorkingCalendar, target: int) -> int | None:
    """Working days from ``today`` to the review deadline (the ``target``-th working day
    after submission); negative once it has passed: −2 is two working days late."""
    waiting = working_days_waiting(application, today, calendar)
    return None if waiting is None else target - waiting


def review_deadline(application, calendar: WorkingCalendar, target: int) -> date | None:
    """The day the review should be finished by: the ``target``-th working day after submission."""
    on = submitted_on(application)
    return None if on is None else calendar.add_working_days(on, target)


def case_parts(application) -> dict:
    return {
        "notes": db.session.scalars(select(CaseNote).where(CaseNote.application_id == application.id)
                                    .order_by(CaseNote.id.desc())).all(),
        "checks": db.session.scalars(select(EvidenceCheck).where(EvidenceCheck.application_id == application.id)
                                     .order_by(EvidenceCheck.id.desc())).all(),
        "info_requests": db.session.scalars(select(InfoRequest).where(InfoRequest.application_id == application.id)
                                            .order_by(InfoRequest.id.desc())).all(),
    }
