from __future__ import annotations

import json

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import func, select, text

from ..core.audit_chain import CANONICAL_FIELDS, GENESIS, row_hash
from ..db import db, utcnow
from .models import AuditEvent

# Any fixed number: the key of the PostgreSQL advisory lock that serialises appends.
CHAIN_LOCK_KEY = 0x4C4F414E5341  # "LOANSA"


def record(action: str, obj=None, *, object_type: str | None = None, object_id: int | None = None,
           from_state: str | None = None, to_state: str | None = None, actor=None,
           **detail) -> AuditEvent:
    """Write one audit row for a change; the caller's transaction commits it with the change.

    The row is chained to the last one (SPEC §14) and flushed at once; the chain stays
    locked until the caller's transaction ends, so concurrent writers append one after
    the other and never fork it."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    detail = {**getattr(actor, "audit_detail", {}), **detail}  # an API token names itself
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
        # As the JSON column will give it back, so that the hash is of what is stored.
        detail=json.loads(json.dumps({k: v for k, v in detail.items() if v is not None})),
        ip_address=request.remote_addr if has_request_context() else None,
        at=utcnow(),
    )
    event.id, event.prev_hash = _next_link()
    event.row_hash = row_hash({field: getattr(event, field) for field in CANONICAL_FIELDS})
    db.session.add(event)
    db.session.flush()
    return event


def _next_link() -> tuple[int, str]:
    """The new row's id and the hash it chains to, read under the chain's lock: PostgreSQL's
    transaction-level advisory lock, or SQLite's write lock (a write that changes nothing
    makes this transaction the one writer until it ends)."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK_KEY})
    else:
        db.session.execute(text("DELETE FROM audit_events WHERE 0 = 1"))
    last = db.session.execute(select(AuditEvent.id, AuditEvent.row_hash).order_by(AuditEvent.id.desc())
                              .limit(1)).first()
    if dialect == "postgresql":
        new_id = db.session.scalar(select(func.nextval(func.pg_get_serial_sequence("audit_events", "id"))))
    else:
        new_id = (last.id if last else 0) + 1
    return new_id, (last.row_hash if last else GENESIS)


def _state(value):
    return getattr(value, "value", value)
