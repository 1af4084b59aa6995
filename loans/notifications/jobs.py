"""Sending the outbox (SPEC §14, §15): a job per event sends its messages once the caller's
unit of work commits; the sweep (every minute) retries failed tries with backoff and sends
the SMS that waited for the morning. A provider's failure is recorded on the message
(attempts, last error), never lost; after the last try the message is failed and shows on
/admin/outbox."""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l

from ..jobs.kinds import JobContext, JobFailed, job_kind


def _send(message) -> str:
    from .channels import Sms, send_mail, send_sms
    from .services import compose_email, compose_sms

    app = current_app._get_current_object()
    if message.channel == "email":
        return send_mail(app.config, app.extensions, compose_email(message))
    if message.channel == "sms":
        text, params = compose_sms(message, app.config.get("SMS_SIGN") or "")
        return send_sms(app.config, app.extensions, Sms(to=message.address, text=text, template=message.template,
                                                         params=params))
    return ""


def deliver(messages, now) -> dict:
    """Try each due message once; returns counts by outcome."""
    from ..db import utcnow
    from .outbox import FAILED, MAX_ATTEMPTS, SENT, claim, is_code, quiet_until

    counts = {"sent": 0, "failed": 0, "retry": 0, "waiting": 0}
    for message in messages:
        if message.channel == "sms" and quiet_until(now) is not None and not is_code(message.template):
            counts["waiting"] += 1
            continue
        if not claim(message, now):
            continue
        try:
            provider_id = _send(message)
        except Exception as error:  # the provider refused or did not answer: recorded, retried
            message.last_error = f"{type(error).__name__}: {error}"[:1000]
            if message.attempts >= MAX_ATTEMPTS:
                message.status = FAILED
                counts["failed"] += 1
            else:
                counts["retry"] += 1
            continue
        message.status, message.sent_at, message.provider_id = SENT, utcnow(), (provider_id or None)
        counts["sent"] += 1
    return counts


# Routine kinds: a row per notification or retry sweep; the Jobs page lists them only when
# asked (or when they failed).
@job_kind("outbox_send", _l("Messages to send"), extra={"routine": True})
def send_messages(context: JobContext) -> dict:
    from sqlalchemy import select

    from ..db import db, utcnow
    from .models import OutboxMessage
    from .outbox import QUEUED

    ids = context.params.get("ids") or []
    messages = db.session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids),
                                                              OutboxMessage.status == QUEUED).order_by(OutboxMessage.id))
    return deliver(list(messages), utcnow())


def _sweep_due() -> bool:
    """Whether a message's next try has come: the minute's sweep is a job (a row on the Jobs
    page) only then, not 1,440 times a day."""
    from ..db import utcnow
    from .outbox import due_messages

    return bool(due_messages(utcnow(), limit=1))


@job_kind("outbox_sweep", _l("Messages to retry"), extra={"due": _sweep_due, "routine": True})
def sweep(context: JobContext) -> dict:
    from ..db import utcnow
    from .outbox import due_messages

    now = utcnow()
    return deliver(due_messages(now), now)


@job_kind("send_email", _l("Email queued before the outbox"), attempts=3, backoff_seconds=60)
def send_email_from_before_the_outbox(context: JobContext) -> dict:
    """A ``send_email`` job ({"notification_id": …}) queued before the outbox replaced it:
    a queue drained after the upgrade still delivers, through the outbox."""
    from ..db import db
    from .models import Notification
    from .services import outbox_email_for

    note = db.session.get(Notification, context.params.get("notification_id"))
    if note is None:
        raise JobFailed("not_found")
    message = outbox_email_for(note)
    return {"notification_id": note.id, "outbox_id": message.id if message else None}
