"""Reads: which applications a user may see, their timelines and lists."""
from __future__ import annotations

from flask import abort
from sqlalchemy import Select, select

from ..audit.models import AuditEvent
from ..core.workflow import LOAN_STATUSES, CaseStatus
from ..db import db
from ..provided import Provided
from .models import Document, LoanApplication


# What the applicant's status page shows of packages above this one: they provide it.
portal_letters = Provided("the letters of a case", "letters")
portal_loan = Provided("the applicant's view of a loan", "servicing")


def visible_applications(user) -> Select:
    """Applications within the user's scope (SPEC §2): own, district, or all for read-only roles."""
    query = select(LoanApplication)
    if user.role == "applicant":
        return query.where(LoanApplication.applicant_id == user.id)
    staff_visible = LoanApplication.status != CaseStatus.draft
    if user.role == "officer":
        return query.where(LoanApplication.district_code == user.district_code, staff_visible)
    if user.role == "supervisor":
        query = query.where(staff_visible)
        return query.where(LoanApplication.district_code == user.district_code) if user.district_code else query
    if user.role == "auditor":
        return query.where(staff_visible)
    if user.role == "bank":
        # Approved cases assigned to the bank (SPEC §2), whatever the applicant preferred.
        return query.where(LoanApplication.approved_bank_code == user.bank_code,
                           LoanApplication.status.in_((CaseStatus.approved, *LOAN_STATUSES)))
    return query.where(False)


def application_or_404(application_id: int, user) -> LoanApplication:
    application = db.session.scalar(visible_applications(user).where(LoanApplication.id == application_id))
    if application is None:
        abort(404)
    return application


def may_see_sensitive(user, application: LoanApplication) -> bool:
    """The one rule for sensitive personal data leaving the server (SPEC §11): the full
    resident ID and the evidence of health, criminal record or poverty go to the applicant
    who owns the case, the officer assigned to it and supervisors whose scope covers it —
    not to other officers of the district, the bank, finance or the auditor.

    Callers have already scoped ``application`` to ``user`` (``application_or_404``); the
    supervisor's district is checked here again so the rule stands on its own."""
    if user.role == "applicant":
        return application.applicant_id == user.id
    if user.role == "officer":
        return application.assigned_officer_id is not None and application.assigned_officer_id == user.id
    if user.role == "supervisor":
        return user.district_code is None or user.district_code == application.district_code
    return False


def document_or_404(application: LoanApplication, document_id: int) -> Document:
    document = db.session.scalar(select(Document).where(Document.id == document_id,
                                                        Document.application_id == application.id))
    if document is None:
        abort(404)
    return document


def own_applications(user) -> list[LoanApplication]:
    return list(db.session.scalars(
        select(LoanApplication).where(LoanApplication.applicant_id == user.id).order_by(LoanApplication.id.desc())))


def timeline(application: LoanApplication) -> list[AuditEvent]:
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == LoanApplication.__tablename__,
                                 AuditEvent.object_id == application.id).order_by(AuditEvent.id)))
