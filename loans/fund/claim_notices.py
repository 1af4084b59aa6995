"""Claim steps tell the next actor (SPEC §15): a filed claim the district's checkers, a
checked one the city-wide supervisors (not its checker), an approved one finance, a paid
one the bank's clerks."""
from __future__ import annotations

from sqlalchemy import or_, select

from ..auth.models import User
from ..db import db
from ..notifications.services import notify_user
from .models import CompensationClaim


def _next_actors(claim: CompensationClaim, step: str) -> list[User]:
    query = select(User).where(User.active.is_(True))
    if step == "filed":
        query = query.where(or_(
            (User.role == "officer") & (User.district_code == claim.district_code),
            (User.role == "supervisor") & or_(User.district_code.is_(None), User.district_code == claim.district_code)))
    elif step == "checked":
        query = query.where(User.role == "supervisor", User.district_code.is_(None))
        if claim.checked_by_id is not None:
            query = query.where(User.id != claim.checked_by_id)
    elif step == "approved":
        query = query.where(User.role == "finance")
    else:
        query = query.where(User.role == "bank", User.bank_code == claim.bank_code)
    return list(db.session.scalars(query.order_by(User.id)))


def tell(claim: CompensationClaim, step: str) -> None:
    loan_ref = claim.loan.loan_ref if claim.loan is not None else str(claim.loan_id)
    for user in _next_actors(claim, step):
        notify_user(user, "claim_step", page="claims.claim", page_args={"claim_id": claim.id}, claim=loan_ref,
                    step=step)
