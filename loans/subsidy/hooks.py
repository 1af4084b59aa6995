"""A corrected or deleted loan event marks its loan as changed (``loans.updated_at``).

A frozen period's adjustments recompute only the loans whose inputs changed since the
statement was computed (``services._period_adjustments``): loans changed since, and loans
with an event recorded since (``loan_events.created_at``). An event edited in place or
deleted has no newer ``created_at``, so its loan's ``updated_at`` is set here, in the same
flush. (Every write of events goes through the session or is a Core INSERT, which sets
``created_at``.)"""
from __future__ import annotations

from sqlalchemy import event, inspect, update
from sqlalchemy.orm import Session

from ..db import utcnow
from ..servicing.models import Loan, LoanEvent


def changed_event_loans(session: Session) -> set[int]:
    """Ids of the loans whose stored events this flush edits or deletes."""
    ids: set[int] = set()
    for obj in list(session.dirty) + list(session.deleted):
        if not isinstance(obj, LoanEvent):
            continue
        if obj in session.dirty and not session.is_modified(obj):
            continue
        history = inspect(obj).attrs.loan_id.history
        ids.update(i for i in (obj.loan_id, *(history.deleted or ())) if i is not None)
    return ids


@event.listens_for(Session, "before_flush")
def _mark_loans_of_changed_events(session, _flush_context, _instances):
    ids = changed_event_loans(session)
    if ids:
        session.connection().execute(update(Loan).where(Loan.id.in_(sorted(ids))).values(updated_at=utcnow())
                                     .execution_options(synchronize_session=False))
