"""Tell people what happened (SPEC §15): the in-app list at once, email and SMS through the
outbox (loans/notifications/outbox.py), each in the person's language."""
from __future__ import annotations

from flask import current_app
from flask_babel import force_locale, gettext as _
from sqlalchemy import select, update

from ..db import db, utcnow
from ..urls import TEST_BASE_URL
from .models import Notification, OutboxMessage
from .outbox import QUEUED, enqueue
from .texts import FUND_EVENTS, STAFF_EVENTS, TEMPLATES, render, render_sms

__all__ = ["STAFF_EVENTS", "compose_email", "mark_read", "notify", "notify_user", "render", "render_sms"]

# A case's status change: which template tells it (a decision is essential, SPEC §15).
_STATUS_TEMPLATES = {"submitted": "received", "approved": "decision", "rejected": "decision",
                     "declined": "decision", "expired": "decision", "contracted": "contract_recorded"}


def _template(event: str, params: dict) -> str:
    if event == "status":
        return _STATUS_TEMPLATES.get(str(params.get("status")), "status")
    return event if event in TEMPLATES else "status"


def _path(endpoint: str, **values) -> str:
    return current_app.url_map.bind("localhost").build(endpoint, values)


def notify(user, application, event: str, *, occasion: str | None = None, page: str | None = None,
           **params) -> Notification:
    """Tell ``user`` about ``application``: in the app now, by email and SMS once the caller's
    unit of work commits. ``page``: the endpoint (with ``application_id``) the message leads
    to, by default the applicant's status page."""
    params = {"ref": application.reference, **params}
    path = _path(page, application_id=application.id) if page else _path("applications.status",
                                                                          application_id=application.id)
    return _deliver(user, Notification(user_id=user.id, application_id=application.id, event=event, params=params),
                    path, occasion)


def notify_user(user, event: str, *, occasion: str | None = None, page_args: dict | None = None,
                **params) -> Notification:
    """A staff member's message about no application (``params["page"]``: the endpoint it
    leads to, with ``page_args``)."""
    path = _path(params.get("page") or "main.index", **(page_args or {}))
    return _deliver(user, Notification(user_id=user.id, application_id=None, event=event, params=params), path,
                    occasion)


def _deliver(user, note: Notification, path: str, occasion: str | None) -> Notification:
    db.session.add(note)
    enqueue(user, _template(note.event, note.params), note.params, path=path, application_id=note.application_id,
            occasion=occasion)
    return note


def outbox_email_for(note: Notification) -> OutboxMessage | None:
    """The outbox email of a notification written before the outbox, whose ``send_email`` job
    was still queued at the upgrade: sent as any outbox message (once: a job run twice finds
    the first). None when the person has no email address any more."""
    user = note.user
    if user is None or not user.email or current_app.config.get("MAIL_BACKEND") == "none":
        return None
    key = f"send_email:{note.id}"
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.occasion_key == key))
    if message is not None:
        return message
    template = _template(note.event, note.params)
    path = (_path("applications.status", application_id=note.application_id) if note.application_id
            else _path(note.params.get("page") or "main.index"))
    message = OutboxMessage(user_id=user.id, application_id=note.application_id, address=user.email, channel="email",
                            template=template, params={**note.params, "path": path},
                            language=user.locale or current_app.config["BABEL_DEFAULT_LOCALE"],
                            essential=bool(TEMPLATES.get(template) and TEMPLATES[template].essential),
                            status=QUEUED, attempts=0, next_attempt_at=utcnow(), occasion_key=key)
    db.session.add(message)
    db.session.flush()
    from ..jobs.runner import submit

    submit("outbox_send", {"ids": [message.id]})
    return message


def mark_read(user, *, application_id: int | None = None, up_to_id: int | None = None) -> int:
    """Mark the user's unread notifications read: only those about one case if given, and
    only up to ``up_to_id`` (the newest one the page showed: news that arrived since stays
    unread). Returns how many were marked."""
    query = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if application_id is not None:
        query = query.where(Notification.application_id == application_id)
    if up_to_id is not None:
        query = query.where(Notification.id <= up_to_id)
    return db.session.execute(query.values(read_at=utcnow()).execution_options(synchronize_session=False)).rowcount


def compose_email(message: OutboxMessage) -> dict:
    """The message's email in its recipient's language."""
    with force_locale(message.language):
        body = render(message.template, message.params)
        subject = message.params.get("ref") or (_("Guarantee fund") if message.template in FUND_EVENTS
                                                 else _("Entrepreneurship loans"))
    base = (current_app.config.get("PUBLIC_BASE_URL") or TEST_BASE_URL).rstrip("/")
    return {"to": message.address, "subject": subject, "event": message.template, "body": body,
            "link": base + message.params.get("path", "/")}


def compose_sms(message: OutboxMessage, sign: str) -> tuple[str, list[str]]:
    """The SMS text (with the signature) and the template's parameters in order."""
    with force_locale(message.language):
        text = render_sms(message.template, message.params, sign)
    template = TEMPLATES.get(message.template)
    names = template.sms_params if template else ("ref", "link")
    return text, [str(message.params.get(name, "")) for name in names]
