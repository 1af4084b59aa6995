"""The outbox (SPEC §15): every message to a person is a row here, written in the caller's
unit of work, and sent by a job once that commits — never inside a request.

In the app the message shows at once (the Notification list) and is recorded as sent;
email and SMS go to the person's address and mobile when they have one and have not
turned the channel off (essential messages ignore that). SMS wait between 21:00 and 08:00
Asia/Shanghai (only one-time codes go at night). A failed try is retried with backoff by
the sweep; after ``MAX_ATTEMPTS`` the message is failed and shows on /admin/outbox."""
from __future__ import annotations

import secrets
from datetime import datetime, time, timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from ..db import LOCAL_TZ, db, utcnow
from ..urls import TEST_BASE_URL
from .models import NotificationPreference, OutboxMessage, ShortLink
from .texts import TEMPLATES

CHANNELS = ("in_app", "email", "sms")
QUEUED, WAITING, SENT, FAILED = "queued", "waiting", "sent", "failed"
STATUSES = (QUEUED, WAITING, SENT, FAILED)
MAX_ATTEMPTS = 5
BACKOFF_SECONDS = 60  # doubled with each try
QUIET_FROM, QUIET_UNTIL = time(21, 0), time(8, 0)


def quiet_until(now: datetime) -> datetime | None:
    """When quiet hours end (08:00 Asia/Shanghai, in UTC) if ``now`` is inside them, else None."""
    local = now.astimezone(LOCAL_TZ)
    if QUIET_UNTIL <= local.time() < QUIET_FROM:
        return None
    day = local.date() if local.time() < QUIET_UNTIL else local.date() + timedelta(days=1)
    return datetime.combine(day, QUIET_UNTIL, tzinfo=LOCAL_TZ).astimezone(now.tzinfo)


def is_code(template: str) -> bool:
    """One-time codes go at any hour (none yet: login by code comes later)."""
    return bool(TEMPLATES.get(template) and TEMPLATES[template].essential_code)


def channel_enabled(user_id: int, channel: str) -> bool:
    stored = db.session.get(NotificationPreference, (user_id, channel))
    return stored is None or stored.enabled


def set_channels(user_id: int, enabled: dict[str, bool]) -> None:
    for channel, on in enabled.items():
        stored = db.session.get(NotificationPreference, (user_id, channel))
        if stored is None:
            db.session.add(NotificationPreference(user_id=user_id, channel=channel, enabled=on))
        else:
            stored.enabled = on


def short_link(path: str, days: int = 30) -> str:
    """A short link (``/s/<code>`` on the public address) to one of the app's own pages."""
    if not path.startswith("/") or path.startswith("//"):
        raise ValueError(f"short links lead only to the app's own pages, not {path!r}")
    code = secrets.token_urlsafe(6)  # 8 characters, 48 random bits
    db.session.add(ShortLink(code=code, target=path, expires_at=utcnow() + timedelta(days=days)))
    base = (current_app.config.get("PUBLIC_BASE_URL") or TEST_BASE_URL).rstrip("/")
    return f"{base}/s/{code}"


def resolve_short_link(code: str) -> str | None:
    link = db.session.get(ShortLink, code)
    if link is None or link.expires_at <= utcnow():
        return None
    return link.target


def occasion_taken(occasion: str, user_id: int) -> bool:
    """Whether this person was told of this occasion already (each reminder once)."""
    key = f"{occasion}:{user_id}:in_app"
    return db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.occasion_key == key)) is not None


def enqueue(user, template: str, params: dict, *, path: str, application_id: int | None = None,
            occasion: str | None = None) -> list[OutboxMessage]:
    """The email and SMS rows for one event to one person (the in-app row is the caller's);
    ``path`` is the page the message leads to. Submits the job that sends them."""
    config = current_app.config
    essential = bool(TEMPLATES.get(template) and TEMPLATES[template].essential)
    any_hour = is_code(template)
    language = user.locale or config["BABEL_DEFAULT_LOCALE"]
    rows = [OutboxMessage(user_id=user.id, application_id=application_id, channel="in_app", template=template,
                          params=params, language=language, essential=essential, status=SENT, attempts=1,
                          sent_at=utcnow(), occasion_key=f"{occasion}:{user.id}:in_app" if occasion else None)]
    now = utcnow()
    wanted = []
    if user.email and config.get("MAIL_BACKEND") != "none":
        wanted.append(("email", user.email, dict(params)))
    if user.mobile and config.get("SMS_BACKEND") != "none":
        wanted.append(("sms", user.mobile, {**params, "link": short_link(path)}))
    for channel, address, channel_params in wanted:
        if not essential and not channel_enabled(user.id, channel):
            continue
        later = quiet_until(now) if channel == "sms" and not any_hour else None
        rows.append(OutboxMessage(
            user_id=user.id, application_id=application_id, address=address, channel=channel, template=template,
            params={**channel_params, "path": path}, language=language, essential=essential,
            status=WAITING if later else QUEUED, attempts=0, next_attempt_at=later or now,
            occasion_key=f"{occasion}:{user.id}:{channel}" if occasion else None))
    db.session.add_all(rows)
    db.session.flush()
    due = [row.id for row in rows if row.status == QUEUED]
    if due:
        from ..jobs.runner import submit

        submit("outbox_send", {"ids": due})
    return rows


def claim(message: OutboxMessage, now: datetime) -> bool:
    """Take a due message for one try (a guarded UPDATE: a concurrent sender gets 0 rows)."""
    backoff = timedelta(seconds=BACKOFF_SECONDS * 2 ** message.attempts)
    taken = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id, OutboxMessage.status.in_((QUEUED, WAITING)),
               OutboxMessage.attempts == message.attempts)
        .values(attempts=message.attempts + 1, status=QUEUED, next_attempt_at=now + backoff)
        .execution_options(synchronize_session=False)).rowcount
    if taken:
        db.session.refresh(message)
    return bool(taken)


def due_messages(now: datetime, limit: int = 200) -> list[OutboxMessage]:
    """Queued messages whose next try has come, and waiting SMS once quiet hours are over."""
    query = select(OutboxMessage).where(
        OutboxMessage.status.in_((QUEUED, WAITING)),
        or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now))
    return list(db.session.scalars(query.order_by(OutboxMessage.id).limit(limit)))


def retry(message: OutboxMessage) -> bool:
    """An admin sends a failed message again (from its first try's backoff)."""
    changed = db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message.id, OutboxMessage.status == FAILED)
        .values(status=QUEUED, attempts=0, next_attempt_at=utcnow(), last_error=None)
        .execution_options(synchronize_session=False)).rowcount
    if changed:
        from ..jobs.runner import submit

        db.session.refresh(message)
        submit("outbox_send", {"ids": [message.id]})
    return bool(changed)


def mask(address: str | None) -> str:
    """An address as shown to admins: 138****8000, z***@example.cn."""
    if not address:
        return ""
    if "@" in address:
        name, domain = address.split("@", 1)
        return f"{name[:1]}***@{domain}"
    return address[:3] + "****" + address[-4:] if len(address) >= 8 else "****"
