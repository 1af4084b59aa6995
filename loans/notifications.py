"""Tell applicants what happened: a portal notification and an email, in their language."""
from __future__ import annotations

import logging

from flask import current_app, url_for
from flask_babel import force_locale, gettext as _

from .applications.models import Notification
from .db import db
from .labels import STATUS, label


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
    return _("There is news about your application %(ref)s.", ref=ref)


def notify(user, application, event: str, **params) -> Notification:
    """Record a portal notification and send the email (after the caller commits, the
    message is already in the log; a lost email never loses the portal notice)."""
    params = {"ref": application.reference, **params}
    note = Notification(user_id=user.id, application_id=application.id, event=event, params=params)
    db.session.add(note)
    send_email(user, application, event, params)
    return note


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


def send_email(user, application, event: str, params: dict) -> None:
    if not user.email or current_app.config["MAIL_BACKEND"] == "none":
        return
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        body = render(event, params)
        try:
            link = url_for("applications.status", application_id=application.id, _external=True)
        except RuntimeError:
            link = ""
    # The console backend: the message goes to the log (a real backend would hand it to SMTP).
    _console().info("to=%s subject=%s\n%s\n%s", user.email, application.reference, body, link)
    current_app.extensions.setdefault("sent_emails", []).append(
        {"to": user.email, "event": event, "body": body, "ref": application.reference})
