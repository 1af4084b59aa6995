from __future__ import annotations

from flask import has_request_context, request
from flask_login import current_user

from ..db import db
from .models import AuditEvent


def record(action: str, obj=None, *, object_type: str | None = None, object_id: int | None = None,
           from_state: str | None = None, to_state: str | None = None, actor=None,
           **detail) -> AuditEvent:
    """Write one audit row for a change; the caller's transaction commits it with the change."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    if obj is not None:
        object_type = object_type or obj.__tablename__
        if obj.id is None:
            db.session.flush()
        object_id = obj.id
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        actor_role=_state(getattr(actor, "role", None)),
        action=action,
        object_type=object_type or "system",
        object_id=object_id,
        from_state=_state(from_state),
        to_state=_state(to_state),
        detail={k: v for k, v in detail.items() if v is not None},
        ip_address=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event)
    return event


def _state(value):
    return getattr(value, "value", value)
