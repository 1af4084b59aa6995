"""Reads: a user's unread notifications."""
from __future__ import annotations

from sqlalchemy import select

from ..db import db
from .models import Notification


def unread_notifications(user, limit: int = 20, *, application_id: int | None = None) -> list[Notification]:
    """The user's unread notifications, newest first; only those about one case if given."""
    query = select(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if application_id is not None:
        query = query.where(Notification.application_id == application_id)
    return list(db.session.scalars(query.order_by(Notification.id.desc()).limit(limit)))
