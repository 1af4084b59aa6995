from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, JSON, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from ..db import UTCDateTime, db, utcnow


class AuditEvent(db.Model):
    """Who did what, when, to which object, from which state to which. Never updated.

    Rows form a hash chain (SPEC §14, ``core.audit_chain``): ``prev_hash`` is the row
    before's ``row_hash``; only ``services.record`` appends."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_object", "object_type", "object_id", "id"),
                      # Two rows after the same row would fork the chain: the database refuses it.
                      Index("ix_audit_events_prev_hash", "prev_hash", unique=True))

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    actor_role: Mapped[str | None] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None]
    from_state: Mapped[str | None] = mapped_column(String(30))
    to_state: Mapped[str | None] = mapped_column(String(30))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    ip_address: Mapped[str | None] = mapped_column(String(45))
    prev_hash: Mapped[str] = mapped_column(String(64))
    row_hash: Mapped[str] = mapped_column(String(64))

    actor = relationship("User", lazy="joined")


class AppendOnlyViolation(RuntimeError):
    pass


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session, flush_context, instances):
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise AppendOnlyViolation("audit events are append-only")
