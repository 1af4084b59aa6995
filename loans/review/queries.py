"""Reads for the review screens: the queue (SQL pagination on indexed columns, a bounded
number of queries per page), the case page's parts, the evidence a rule rests on."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..applications.models import ApplicationKeyGroup, LoanApplication
from ..applications.queries import visible_applications
from ..core.dates import WorkingCalendar
from ..core.workflow import IN_REVIEW_STATUSES
from ..db import Page, contains_text, db, paginate
from ..eligibility.models import EvidenceCheck
from .models import CaseNote, InfoRequest

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
PAGE_SIZE = 25
IN_REVIEW = tuple(sorted(s.value for s in IN_REVIEW_STATUSES))
SORTS = {
    "submitted": LoanApplication.submitted_at.asc(),
    "-submitted": LoanApplication.submitted_at.desc(),
    "amount": LoanApplication.amount.asc(),
    "-amount": LoanApplication.amount.desc(),
    "name": LoanApplication.full_name.asc(),
    "reference": LoanApplication.reference.asc(),
}


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
    sort: str = "submitted"


def _day_start(d: date) -> datetime:
    return datetime.combine(d, time.min, LOCAL_TZ).astimezone(timezone.utc)


def _filtered(user, f: QueueFilters, *, with_status: bool = True):
    query = visible_applications(user)
    if with_status and f.status:
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
        query = query.where(contains_text(q, LoanApplication.full_name, LoanApplication.reference,
                                          LoanApplication.business_name, LoanApplication.id_number_masked))
    return query


def queue_page(user, f: QueueFilters, page: int) -> tuple[Page, dict[str, int]]:
    """(the page of cases, status counts) — three queries whatever the page size."""
    order = SORTS.get(f.sort, SORTS["submitted"])
    rows = paginate(_filtered(user, f).options(selectinload(LoanApplication.key_group_links))
                    .order_by(order, LoanApplication.id), page, PAGE_SIZE)
    counted = _filtered(user, f, with_status=False).order_by(None).subquery()
    counts = dict(db.session.execute(select(counted.c.status, func.count()).group_by(counted.c.status)).all())
    return rows, counts


def submitted_on(application) -> date | None:
    return application.submitted_at.astimezone(LOCAL_TZ).date() if application.submitted_at else None


def working_days_waiting(application, today: date, calendar: WorkingCalendar) -> int | None:
    """Working days from the day after submission up to and including ``today``."""
    on = submitted_on(application)
    return None if on is None else calendar.working_days_between(on, today)


def case_parts(application) -> dict:
    return {
        "notes": db.session.scalars(select(CaseNote).where(CaseNote.application_id == application.id)
                                    .order_by(CaseNote.id.desc())).all(),
        "checks": db.session.scalars(select(EvidenceCheck).where(EvidenceCheck.application_id == application.id)
                                     .order_by(EvidenceCheck.id.desc())).all(),
        "info_requests": db.session.scalars(select(InfoRequest).where(InfoRequest.application_id == application.id)
                                            .order_by(InfoRequest.id.desc())).all(),
    }
