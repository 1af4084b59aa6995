"""Reminders (SPEC §15), hourly: approvals expiring in 15 days (applicant and the bank's
clerks), follow-up visits due 6 and 12 months after the first disbursement (the district's
officers), cases past their working-day target (the officer and the supervisors). Each
occasion is told once (the outbox's occasion key); occasions count from go-live on: only
those whose day fell within the last ``LOOKBACK_DAYS`` days and were not told yet, so a
new deployment does not send years of old reminders.

Also the officers' "Visits due" list: loans whose 6- or 12-month visit day has come with
no visit recorded since."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import Blueprint, current_app, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, or_, select

from ..access import AUDITOR, OFFICER, SUPERVISOR, allow
from ..applications.models import LoanApplication
from ..auth.models import User
from ..core.dates import add_months
from ..core.workflow import ACTIVE_LOAN_STATUSES, IN_REVIEW_STATUSES, CaseStatus
from ..db import LOCAL_TZ, db, local_today
from ..jobs.kinds import JobContext, job_kind
from ..notifications.outbox import occasion_taken
from ..notifications.services import notify, notify_user
from ..policy.queries import working_calendar
from .models import FollowUpVisit, Loan
from .queries import visible_loans

LOOKBACK_DAYS = 7
EXPIRY_NOTICE_DAYS = 15
VISIT_MONTHS = (6, 12)

bp = Blueprint("visits", __name__)


def _staff(role: str, **where) -> list[User]:
    query = select(User).where(User.role == role, User.active.is_(True))
    for column, value in where.items():
        query = query.where(getattr(User, column) == value)
    return list(db.session.scalars(query.order_by(User.id)))


def _tell(occasion: str, users, send) -> int:
    told = 0
    for user in users:
        if not occasion_taken(occasion, user.id):
            send(user)
            told += 1
    return told


def _recent(day: date, today: date) -> bool:
    return today - timedelta(days=LOOKBACK_DAYS) < day <= today


def expiring_approvals(today: date) -> int:
    """Approved, not contracted, valid until 15 days from an occasion day in the window."""
    told = 0
    cases = db.session.scalars(select(LoanApplication).where(
        LoanApplication.status == CaseStatus.approved.value,
        LoanApplication.valid_until_date > today - timedelta(days=LOOKBACK_DAYS) + timedelta(days=EXPIRY_NOTICE_DAYS),
        LoanApplication.valid_until_date <= today + timedelta(days=EXPIRY_NOTICE_DAYS)))
    for case in cases:
        occasion, on = f"expiry15:{case.id}", case.valid_until_date.isoformat()
        told += _tell(occasion, [case.applicant], lambda u, c=case: notify(u, c, "expiry_soon", occasion=occasion,
                                                                           date=on))
        clerks = _staff("bank", bank_code=case.approved_bank_code) if case.approved_bank_code else []
        told += _tell(occasion, clerks, lambda u, c=case: notify(u, c, "expiry_soon_bank", occasion=occasion,
                                                                 page="servicing.contract", date=on))
    return told


@dataclass(frozen=True)
class VisitDue:
    loan: Loan
    months: int
    due_on: date


def visits_due(loans_query, today: date) -> list[VisitDue]:
    """Each loan's latest 6- or 12-month visit day that has come with no visit on or after it."""
    last_visit = (select(FollowUpVisit.loan_id, func.max(FollowUpVisit.visited_on).label("last"))
                  .group_by(FollowUpVisit.loan_id).subquery())
    rows = db.session.execute(
        loans_query.add_columns(last_visit.c.last).outerjoin(last_visit, last_visit.c.loan_id == Loan.id)
        .where(Loan.first_disbursement_date.is_not(None), Loan.first_disbursement_date <= add_months(today, -6),
               Loan.status.in_([s.value for s in ACTIVE_LOAN_STATUSES]))
        .order_by(Loan.first_disbursement_date, Loan.id))
    due = []
    for loan, last in rows:
        come = [(m, add_months(loan.first_disbursement_date, m)) for m in VISIT_MONTHS
                if add_months(loan.first_disbursement_date, m) <= today]
        months, on = come[-1]
        if last is None or last < on:
            due.append(VisitDue(loan, months, on))
    return due


def visit_reminders(today: date) -> int:
    told = 0
    for item in visits_due(select(Loan), today):
        if not _recent(item.due_on, today):
            continue
        occasion = f"visit{item.months}:{item.loan.id}"
        told += _tell(occasion, _staff("officer", district_code=item.loan.district_code),
                      lambda u, i=item, o=occasion: notify_user(u, "visit_due", occasion=o, page="visits.due",
                                                                loan=i.loan.loan_ref, months=str(i.months),
                                                                date=i.due_on.isoformat()))
    return told


def late_cases(today: date) -> int:
    """Cases in review past the ``REVIEW_TARGET_WORKING_DAYS``-th working day after submission."""
    calendar, target, told = working_calendar(), current_app.config["REVIEW_TARGET_WORKING_DAYS"], 0
    since = today - timedelta(days=LOOKBACK_DAYS + 2 * target + 30)  # wide enough for any holidays
    cases = db.session.scalars(select(LoanApplication).where(
        LoanApplication.status.in_([s.value for s in IN_REVIEW_STATUSES]), LoanApplication.submitted_at.is_not(None),
        LoanApplication.submitted_at >= datetime.combine(since, time(), tzinfo=LOCAL_TZ)))
    for case in cases:
        submitted = case.submitted_at.astimezone(LOCAL_TZ).date()
        deadline = calendar.add_working_days(submitted, target)
        if not _recent(deadline + timedelta(days=1), today):  # late from the day after the deadline
            continue
        occasion = f"late:{case.id}:{deadline.isoformat()}"
        officers = ([case.assigned_officer] if case.assigned_officer else
                    _staff("officer", district_code=case.district_code))
        supervisors = list(db.session.scalars(select(User).where(
            User.role == "supervisor", User.active.is_(True),
            or_(User.district_code == case.district_code, User.district_code.is_(None))).order_by(User.id)))
        told += _tell(occasion, officers + supervisors,
                      lambda u, c=case, o=occasion: notify(u, c, "case_late", occasion=o, page="review.case",
                                                           days=str(target)))
    return told


@job_kind("reminders", _l("Reminders"))
def send_reminders(context: JobContext) -> dict:
    today = local_today()
    return {"expiry": expiring_approvals(today), "visits": visit_reminders(today), "late": late_cases(today)}


@bp.get("/loans/visits-due")
@allow(OFFICER, SUPERVISOR, AUDITOR)
def due():
    """The follow-up visits that are due in the user's scope (officer: own district)."""
    today = local_today()
    return render_template("servicing/visits_due.html", due=visits_due(visible_loans(current_user), today),
                           today=today)
