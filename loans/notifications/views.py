"""Short links (``/s/<code>``), each person's channel preferences, and the admins' outbox."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import BooleanField

from ..access import ADMIN, APPLICANT, AUDITOR, BANK, COMMUNITY, FINANCE, OFFICER, SUPERVISOR, allow, public
from ..db import db, paginate
from ..errors import Refused, on_refusal
from .models import Notification, OutboxMessage
from .services import mark_read, render
from .outbox import CHANNELS, FAILED, STATUSES, channel_enabled, mask, resolve_short_link, retry, set_channels

bp = Blueprint("notifications", __name__)

STATUS_LABELS = {"queued": _l("Queued"), "waiting": _l("Waiting for 08:00"), "sent": _l("Sent"),
                 "failed": _l("Failed")}
CHANNEL_LABELS = {"in_app": _l("In the app"), "email": _l("Email"), "sms": _l("SMS")}


@bp.app_context_processor
def unread():
    def unread_count() -> int:
        if not current_user.is_authenticated:
            return 0
        return db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.user_id == current_user.id, Notification.read_at.is_(None))) or 0

    return {"unread_count": unread_count}


@bp.get("/messages")
@allow(APPLICANT, OFFICER, SUPERVISOR, BANK, FINANCE, ADMIN, AUDITOR, COMMUNITY)
def inbox():
    """The user's messages in the app, newest first (unread ones marked)."""
    page = paginate(select(Notification).where(Notification.user_id == current_user.id)
                    .order_by(Notification.id.desc()), request.args.get("page", 1, type=int), 50)
    return render_template("notifications/inbox.html", notes=page.items, page=page, render=render,
                           form=FlaskForm())


@bp.post("/messages/read")
@allow(APPLICANT, OFFICER, SUPERVISOR, BANK, FINANCE, ADMIN, AUDITOR, COMMUNITY)
def read():
    up_to = request.form.get("up_to", type=int)
    mark_read(current_user, up_to_id=up_to)
    return redirect(url_for(".inbox"), 303)


@bp.get("/s/<code>")
@public
def short(code: str):
    target = resolve_short_link(code)
    if target is None or not target.startswith("/") or target.startswith("//"):
        abort(404)
    return redirect(target, 302)


class PreferencesForm(FlaskForm):
    email = BooleanField(_l("Email"))
    sms = BooleanField(_l("SMS"))


@bp.route("/account/notifications", methods=["GET", "POST"])
@allow(APPLICANT, OFFICER, SUPERVISOR, BANK, FINANCE, ADMIN, AUDITOR, COMMUNITY)
def preferences():
    form = PreferencesForm()
    if form.validate_on_submit():
        set_channels(current_user.id, {"email": form.email.data, "sms": form.sms.data})
        flash(_("Your notification settings are saved."), "success")
        return redirect(url_for(".preferences"), 303)
    if request.method == "GET":
        form.email.data = channel_enabled(current_user.id, "email")
        form.sms.data = channel_enabled(current_user.id, "sms")
    return render_template("notifications/preferences.html", form=form), 400 if form.errors else 200


def _outbox_page(status: int = 200):
    which = request.args.get("status", "failed")
    channel = request.args.get("channel", "")
    query = select(OutboxMessage)
    if which in STATUSES:
        query = query.where(OutboxMessage.status == which)
    if channel in CHANNELS:
        query = query.where(OutboxMessage.channel == channel)
    page = paginate(query.order_by(OutboxMessage.id.desc()), request.args.get("page", 1, type=int), 50)
    return render_template("notifications/outbox.html", messages=page.items, page=page, which=which, channel=channel,
                           statuses=STATUS_LABELS, channels=CHANNEL_LABELS, mask=mask,
                           render=render), status


@bp.get("/admin/outbox")
@allow(ADMIN, AUDITOR)
def outbox():
    return _outbox_page()


@bp.post("/admin/outbox/<int:message_id>/retry")
@allow(ADMIN)
def retry_message(message_id: int):
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        abort(404)
    if message.status != FAILED or not retry(message):
        on_refusal(lambda: _outbox_page(409))
        raise Refused(_l("Only a failed message can be sent again."), status=409)
    from ..audit.services import record

    record("outbox_retried", message, actor=current_user)
    flash(_("Message #%(id)s queued again.", id=message.id), "info")
    return redirect(url_for(".outbox", status="queued"), 303)
