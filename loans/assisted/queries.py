from __future__ import annotations

from flask import abort
from sqlalchemy import select

from ..applications.models import LoanApplication
from ..db import db


def filed_by(worker):
    """The cases ``worker`` filed that the person has not taken over, newest first."""
    return select(LoanApplication).where(LoanApplication.filed_by_id == worker.id,
                                         LoanApplication.taken_over_at.is_(None)).order_by(LoanApplication.id.desc())


def filed_case_or_404(application_id: int, worker) -> LoanApplication:
    application = db.session.scalar(filed_by(worker).where(LoanApplication.id == application_id))
    if application is None:
        abort(404)
    return application
