"""Tell applicants what happened: a portal notification and an email, in their language."""
from __future__ import annotations

import logging

from flask import current_app
from flask_babel import force_locale, gettext as _

from sqlalchemy import update

from ..db import db, utcnow
from ..labels import STATUS, label
from ..urls import public_url
from .models import Notification


def render(event: str, params: dict) -> str:
    """The message for a notification, in the current locale."""
    ref = params.get("ref", "")
    if event == "status":
        return _("Your application %(ref)s is now: %(status)s.", ref=ref, status=label(STATUS, params.get("status")))
    if event == "info_requested":
        return _("The officer needs more information on your application %(ref)s: %(message)s",
                 ref=ref, message=params.get("message", ""))
    if event == "letter_revoked":
        return _("The approval letter for %(ref)s has been revoked: %(reason)s", ref=ref, reason=params.get("reason", ""))
    if event in STAFF_EVENTS:
        return STAFF_EVENTS[event](params)
    return _("There is news about your application %(ref)s.", ref=ref)


def _bank_warned(params: dict) -> str:
    return _("Bank %(bank)s: overdue rate %(rate)s%% on %(on)s is above the %(threshold)s%% threshold.",
             bank=params.get("bank", ""), rate=params.get("rate", ""), on=params.get("on", ""),
             threshold=params.get("threshold", ""))


def _bank_paused(params: dict) -> str:
    return _("Bank %(bank)s: claims rate %(rate)s%% on %(on)s is above %(threshold)s%%; new approvals naming it "
             "are paused.", bank=params.get("bank", ""), rate=params.get("rate", ""), on=params.get("on", ""),
             threshold=params.get("threshold", ""))


def _bank_pause_lifted(params: dict) -> str:
    return _("Bank %(bank)s: the pause on new approvals was lifted on %(on)s.", bank=params.get("bank", ""),
             on=params.get("on", ""))


def _leverage_near_limit(params: dict) -> str:
    return _("Guarantee fund: leverage %(leverage)s on %(on)s is at 90%% of the limit %(limit)s or above.",
             leverage=params.get("leverage", ""), on=params.get("on", ""), limit=params.get("limit", ""))


# Staff notifications (no application): the guarantee fund's warnings, pauses and leverage (SPEC §13, §15).
STAFF_EVENTS = {"bank_warned": _bank_warned, "bank_paused": _bank_paused, "bank_pause_lifted": _bank_pause_lifted,
                "leverage_near_limit": _leverage_near_limit}


def notify(user, application, event: str, **params) -> Notification:
    """Record a portal notification and, for a user with an email address, a background job
    that sends the email once the caller's unit of work commits (a lost email never loses
    the portal notice)."""
    params = {"ref": application.reference, **params}
    return _deliver(user, Notification(user_id=user.id, application_id=application.id, event=event, params=params))


def _deliver(user, note: Notification) -> Notification:
    from ..jobs.runner import submit

    db.session.add(note)
    if user.email and current_app.config["MAIL_BACKEND"] != "none":
        db.session.flush()
        submit("send_email", {"notification_id": note.id})
    return note


def notify_user(user, event: str, **params) -> Notification:
    """A staff member's notification about no application (``params["page"]``: the endpoint
    the email links to); emailed like ``notify``."""
    return _deliver(user, Notification(user_id=user.id, application_id=None, event=event, params=params))


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

mail_log = logging.getLogger("loans.mail")


def _console() -> logging.Logger:
    """The console mail backend: messages are printed where the server logs."""
    if not mail_log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("[mail] %(message)s"))
        mail_log.addHandler(handler)
        mail_log.setLevel(logging.INFO)
        mail_log.propagate = False
    return mail_log


def compose_email(note: Notification) -> dict:
    """The notification's email in the recipient's language."""
    user = note.user
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        body = render(note.event, note.params)
        subject = note.params.get("ref") or (_("Guarantee fund") if note.event in STAFF_EVENTS else "")
    link = (public_url("applications.status", application_id=note.application_id) if note.application_id
            else public_url(note.params.get("page") or "main.index"))
    return {"to": user.email, "subject": subject, "event": note.event, "body": body, "link": link}


def send_email(app, message: dict) -> None:
    """Hand a committed notification to the mail backend ("console": the server log)."""
    _console().info("to=%s subject=%s\n%s\n%s", message["to"], message["subject"], message["body"], message["link"])
    if app.config.get("TESTING"):
        app.extensions.setdefault("sent_emails", []).append(message)
