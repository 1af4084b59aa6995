"""One-time SMS codes (SPEC §15): 6 digits, valid 5 minutes, 5 tries per code, bound to a
purpose (and optionally a case).

Limits per number (one per ``SMS_CODE_INTERVAL_SECONDS``, ``SMS_CODE_PER_NUMBER_PER_DAY``
per Asia/Shanghai day), per client address and in all per day; the counters are shared by
every server (the ``sms_code_counters`` table, or Redis when ``LOANS_REDIS_URL`` is set).
The answer is the same whether or not the number has an account: the counters count every
request, only the sending differs.

Where the code's value goes: the code row keeps only a keyed hash (HMAC with the
personal-data lookup key) for checking, in constant time, and the value encrypted with the
personal-data key until the sending job has sent it; the job then erases it. The outbox row
holds only the code row's id (never the value), so neither the outbox table nor the admin
outbox page can show a code (the sending is in loans/notifications/code_sms.py)."""
from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..audit.services import record
from ..db import LOCAL_TZ, db, utcnow
from ..personal_data import vault
from ..provided import Provided
from .models import SmsCode, SmsCodeCounter, User

PURPOSES = ("login", "registration", "confirm_case")
DIGITS = 6
VALID_FOR = timedelta(minutes=5)
MAX_TRIES = 5

# The code's SMS: an outbox row naming the code row (never the code) and the job that sends
# it (loans/notifications/code_sms.py).
code_sms = Provided("the SMS of a one-time code", "notifications.code_sms")


def mask_mobile(mobile: str) -> str:
    return mobile[:3] + "****" + mobile[-4:] if len(mobile) >= 8 else "****"


def _mobile_hash(mobile: str) -> str:
    return vault().lookup_hash("sms-code-mobile:" + mobile.strip())


def _code_hash(code_id: int, purpose: str, code: str) -> str:
    return vault().lookup_hash(f"sms-code:{code_id}:{purpose}:{code.strip()}")


# --- counters -------------------------------------------------------------------------------

def _redis():
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    import redis

    return redis.Redis.from_url(url)


def _claim_interval(key: str, now: datetime, seconds: int) -> bool:
    """Mark a send for ``key`` unless one was marked within ``seconds`` (atomic)."""
    client = _redis()
    if client is not None:
        return bool(client.set(f"loans:sms-code:{key}", "1", nx=True, ex=seconds))
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = SmsCodeCounter.__table__
    statement = insert(table).values(key=key, window="", count=1, last_at=now).on_conflict_do_update(
        index_elements=[table.c.key], set_={"count": table.c.count + 1, "last_at": now},
        where=table.c.last_at <= now - timedelta(seconds=seconds))
    return db.session.execute(statement.returning(table.c.count)).first() is not None


def _bump_daily(key: str, now: datetime) -> int:
    """Count one more for ``key`` today (Asia/Shanghai); returns today's count (atomic)."""
    day = now.astimezone(LOCAL_TZ).date().isoformat()
    client = _redis()
    if client is not None:
        name = f"loans:sms-code:{key}:{day}"
        count = client.incr(name)
        client.expire(name, 2 * 24 * 3600)
        return int(count)
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = SmsCodeCounter.__table__
    statement = insert(table).values(key=key, window=day, count=1, last_at=now).on_conflict_do_update(
        index_elements=[table.c.key],
        set_={"count": case((table.c.window == day, table.c.count + 1), else_=1), "window": day, "last_at": now})
    return db.session.execute(statement.returning(table.c.count)).scalar_one()


@dataclass
class Outcome:
    """What asking for a code gave: ``refusal`` (a message, too many codes) or None; the
    code row when one was sent (None for an unknown number: the page says the same)."""

    refusal: object | None = None
    code: SmsCode | None = None


def _over_limits(mobile: str, address: str, now: datetime):
    config = current_app.config
    number = _mobile_hash(mobile)
    interval = config["SMS_CODE_INTERVAL_SECONDS"]
    if not _claim_interval(f"recent:{number}", now, interval):
        return _l("A code was sent to this number less than %(n)d seconds ago. Wait a moment before asking again.",
                  n=interval)
    if _bump_daily(f"number:{number}", now) > config["SMS_CODE_PER_NUMBER_PER_DAY"]:
        return _l("Too many codes for this number today. Try again tomorrow, or log in with your password.")
    if _bump_daily("address:" + vault().lookup_hash("sms-code-address:" + (address or "")), now) > \
            config["SMS_CODE_PER_ADDRESS_PER_DAY"]:
        return _l("Too many codes were asked for from this network today. Try again tomorrow.")
    if _bump_daily("all", now) > config["SMS_CODE_PER_DAY"]:
        return _l("No more codes can be sent today. Try again tomorrow, or log in with your password.")
    return None


def _recipient(mobile: str, purpose: str) -> tuple[bool, User | None]:
    """Whether a code goes to this number for this purpose, and its account if any."""
    user = db.session.scalar(select(User).where(User.mobile == mobile))
    if purpose == "registration":
        return user is None, None
    return user is not None and user.active and user.role == "applicant", user


def request_code(mobile: str, purpose: str, *, address: str, application_id: int | None = None,
                 language: str | None = None, now: datetime | None = None) -> Outcome:
    """Send a code for ``purpose`` to ``mobile`` if the limits allow and the number may get
    one (an account for a login; none yet for a registration). Never raises for an unknown
    number: the caller shows the same page either way."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown code purpose {purpose!r}")
    now = now or utcnow()
    mobile = mobile.strip()
    refusal = _over_limits(mobile, address, now)
    if refusal is not None:
        return Outcome(refusal=refusal)
    sends, user = _recipient(mobile, purpose)
    if purpose == "confirm_case":
        sends = True
    if not sends:
        return Outcome()
    number = _mobile_hash(mobile)
    # A new code replaces the ones asked for before (for this purpose and case).
    same_case = SmsCode.application_id.is_(None) if application_id is None else \
        SmsCode.application_id == application_id
    db.session.execute(update(SmsCode).where(SmsCode.mobile_hash == number, SmsCode.purpose == purpose, same_case,
                                             SmsCode.used_at.is_(None))
                       .values(used_at=now, value_encrypted=None).execution_options(synchronize_session=False))
    value = "".join(secrets.choice("0123456789") for _ in range(DIGITS))
    code = SmsCode(purpose=purpose, mobile_hash=number, application_id=application_id, code_hash="",
                   value_encrypted=vault().encrypt_text(value), tries=0, created_at=now, expires_at=now + VALID_FOR)
    db.session.add(code)
    db.session.flush()
    code.code_hash = _code_hash(code.id, purpose, value)
    record("sms_code_sent", code, actor=user, mobile=mask_mobile(mobile), code_for=purpose)
    code_sms(code, mobile=mobile, user=user, language=language or current_app.config["BABEL_DEFAULT_LOCALE"],
             now=now)
    return Outcome(code=code)


def check_code(mobile: str, purpose: str, code: str, *, application_id: int | None = None,
               now: datetime | None = None) -> SmsCode | None:
    """The live code for this number and purpose (and case) if ``code`` is it, now used up;
    else None. Every check counts as a try (even a right one); the fifth wrong try ends it."""
    now = now or utcnow()
    query = select(SmsCode).where(SmsCode.mobile_hash == _mobile_hash(mobile), SmsCode.purpose == purpose,
                                  SmsCode.used_at.is_(None), SmsCode.expires_at > now, SmsCode.tries < MAX_TRIES)
    query = query.where(SmsCode.application_id.is_(None) if application_id is None
                        else SmsCode.application_id == application_id)
    row = db.session.scalar(query.order_by(SmsCode.id.desc()).limit(1))
    if row is None:
        return None
    tried = db.session.execute(update(SmsCode).where(SmsCode.id == row.id, SmsCode.tries < MAX_TRIES,
                                                     SmsCode.used_at.is_(None))
                               .values(tries=SmsCode.tries + 1).execution_options(synchronize_session=False)).rowcount
    if not tried or not hmac.compare_digest(row.code_hash, _code_hash(row.id, purpose, code or "")):
        return None
    used = db.session.execute(update(SmsCode).where(SmsCode.id == row.id, SmsCode.used_at.is_(None))
                              .values(used_at=now, value_encrypted=None)
                              .execution_options(synchronize_session=False)).rowcount
    if not used:
        return None
    db.session.refresh(row)
    return row


def take_value(code_id: int, now: datetime) -> str | None:
    """The code's value for its SMS, erased from the code row as it is read (None when the
    code expired, was used or was replaced before it could be sent)."""
    code = db.session.get(SmsCode, code_id)
    if code is None or code.value_encrypted is None or code.expires_at <= now or code.used_at is not None:
        return None
    value = vault().decrypt_text(code.value_encrypted)
    code.value_encrypted = None
    return value
