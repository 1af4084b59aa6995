"""The SMS of a one-time code (loans/auth/codes.py, SPEC §15): like every message it is an
outbox row, but the row names the code row (``code_id``), never the code. The code's own job
reads the value from the code row (erasing it there), renders the SMS and sends it; a
failure fails the row at once (a code is worth minutes: the person asks for a new one)."""
from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from ..auth.codes import code_sms, take_value
from ..db import db, utcnow
from ..jobs.kinds import JobContext, job_kind
from .models import OutboxMessage
from .outbox import FAILED, SENT, WAITING

TEMPLATE = "sms_code"


@code_sms.provide
def queue_code_sms(code, *, mobile: str, user, language: str, now) -> OutboxMessage:
    """The outbox row for the code's SMS; it waits for the code's job (the sweep would take
    it only after the code expired, and then finds no code to send)."""
    from ..jobs.runner import submit

    message = OutboxMessage(user_id=user.id if user else None, application_id=code.application_id, address=mobile,
                            channel="sms", template=TEMPLATE, params={"code_id": code.id, "purpose": code.purpose},
                            language=(user.locale if user and user.locale else language), essential=True,
                            status=WAITING, attempts=0, next_attempt_at=code.expires_at + timedelta(minutes=1),
                            created_at=now)
    db.session.add(message)
    db.session.flush()
    submit("sms_code_send", {"message_id": message.id, "code_id": code.id})
    return message


@job_kind("sms_code_send", _l("One-time codes to send"))
def send_code(context: JobContext) -> dict:
    from .channels import Sms, send_sms
    from .services import compose_sms

    app = current_app._get_current_object()
    message = db.session.get(OutboxMessage, context.params["message_id"])
    taken = db.session.execute(update(OutboxMessage).where(OutboxMessage.id == message.id,
                                                           OutboxMessage.status == WAITING)
                               .values(attempts=OutboxMessage.attempts + 1, status=FAILED)
                               .execution_options(synchronize_session=False)).rowcount
    if not taken:
        return {"sent": 0}
    db.session.refresh(message)
    value = take_value(context.params["code_id"], utcnow())
    if value is None:
        message.last_error = "the code expired or was replaced before it could be sent"
        return {"sent": 0}
    text, params = compose_sms(SimpleNamespace(template=message.template, language=message.language,
                                               params={"code": value}), app.config.get("SMS_SIGN") or "")
    try:
        provider_id = send_sms(app.config, app.extensions, Sms(to=message.address, text=text,
                                                               template=message.template, params=params))
    except Exception as error:  # the provider refused; only its kind is kept (the text holds the code)
        message.last_error = type(error).__name__
        return {"sent": 0}
    message.status, message.sent_at, message.provider_id = SENT, utcnow(), (provider_id or None)
    return {"sent": 1}
