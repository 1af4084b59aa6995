"""Emails go out from a background job (SPEC §14): never inside a request, retried with
backoff while the mail server does not answer. The job's parameters hold only the
notification's id: the message is composed when it is sent, in the recipient's language."""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l

from ..jobs.kinds import JobContext, JobFailed, job_kind


@job_kind("send_email", _l("Email to an applicant"), attempts=5, backoff_seconds=60)
def send_notification_email(context: JobContext) -> dict:
    from ..db import db
    from .models import Notification
    from .services import compose_email, send_email

    note = db.session.get(Notification, context.params["notification_id"])
    if note is None or note.user is None or not note.user.email:
        raise JobFailed("not_found")
    send_email(current_app._get_current_object(), compose_email(note))
    return {"notification_id": note.id, "event": note.event}
