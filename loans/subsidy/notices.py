"""Who hears about subsidy statements (SPEC §15): a computed draft awaits the city-wide
supervisors' review, a reviewed one finance's approval, and a paid one tells the borrowers
whose loans it carries."""
from __future__ import annotations

from sqlalchemy import select

from ..auth.models import User
from ..db import db
from ..notifications.services import notify, notify_user
from ..servicing.models import Loan
from .models import SubsidyLine, SubsidyStatement


def _staff(*where) -> list[User]:
    return list(db.session.scalars(select(User).where(User.active.is_(True), *where).order_by(User.id)))


def awaiting_review(period: str, statements: list[SubsidyStatement]) -> None:
    if not statements:
        return
    for user in _staff(User.role == "supervisor", User.district_code.is_(None)):
        notify_user(user, "statement_review", page="subsidy.period", page_args={"period": period}, statement=period)


def awaiting_approval(statement: SubsidyStatement) -> None:
    for user in _staff(User.role == "finance"):
        notify_user(user, "statement_approval", page="subsidy.statement", page_args={"statement_id": statement.id},
                    statement=f"{statement.period} {statement.bank_code}")


def paid(statement: SubsidyStatement) -> None:
    loans = db.session.scalars(select(Loan).join(SubsidyLine, SubsidyLine.loan_id == Loan.id)
                               .where(SubsidyLine.statement_id == statement.id).order_by(Loan.id))
    for loan in loans:
        application = loan.application
        if application is not None and application.applicant is not None:
            notify(application.applicant, application, "subsidy_paid", period=statement.period)
