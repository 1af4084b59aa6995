"""``Idempotency-Key`` on every POST of the bank API (SPEC §12).

Keys are scoped per bank. The first request with a key is recorded as in flight in a
transaction of its own (committed before the request's work begins), and its answer —
status and body, 2xx or 4xx — is written in another one after the request's unit of work
ended. A replay with the same key, method, path and parsed JSON body gets that answer and
changes nothing; the same key with another request is a 422; the same key while the first
is still being answered, a 409. A 5xx answer is not kept: the key is freed for a retry.
Keys are kept 30 days (``purge``).
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..db import utcnow
from ..unit_of_work import beside_the_unit_of_work
from .models import IdempotencyKey

KEY_PATTERN = re.compile(r"[!-~]{1,64}")
KEEP = timedelta(days=30)


def valid_key(key: str | None) -> bool:
    return key is not None and KEY_PATTERN.fullmatch(key) is not None


def fingerprint(method: str, path: str, body: bytes) -> str:
    """SHA-256 of the request as compared: method, path and the parsed JSON body (key order
    and spacing do not matter); a body that is not JSON counts as its bytes."""
    try:
        parsed = json.loads(body.decode("utf-8")) if body else None
        canonical = json.dumps(parsed, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    except (ValueError, UnicodeDecodeError):
        canonical = b"raw:" + body
    return hashlib.sha256(method.encode() + b" " + path.encode("utf-8") + b"\n" + canonical).hexdigest()


@dataclass(frozen=True)
class Reservation:
    """The outcome of presenting a key: ``new`` (the request goes ahead, ``row_id`` to
    finish), ``replay`` (``status``/``body`` of the first answer), ``other_request`` (422)
    or ``in_flight`` (409)."""

    outcome: str
    row_id: int | None = None
    status: int | None = None
    body: str | None = None


def reserve(bank_code: str, key: str, *, method: str, path: str, body_sha256: str,
            token_id: int | None) -> Reservation:
    """Record ``key`` as in flight for this request, or say what it already stands for."""
    now = utcnow()
    try:
        with beside_the_unit_of_work() as connection:
            row_id = connection.execute(insert(IdempotencyKey).values(
                bank_code=bank_code, key=key, method=method, path=path[:300], body_sha256=body_sha256,
                token_id=token_id, created_at=now).returning(IdempotencyKey.id)).scalar_one()
        return Reservation("new", row_id=row_id)
    except IntegrityError:
        pass
    with beside_the_unit_of_work() as connection:
        row = connection.execute(select(IdempotencyKey.method, IdempotencyKey.path, IdempotencyKey.body_sha256,
                                        IdempotencyKey.status, IdempotencyKey.response)
                                 .where(IdempotencyKey.bank_code == bank_code, IdempotencyKey.key == key)).one_or_none()
    if row is None:  # freed (a 5xx) between our insert and this read: present it again
        return reserve(bank_code, key, method=method, path=path, body_sha256=body_sha256, token_id=token_id)
    if (row.method, row.path, row.body_sha256) != (method, path[:300], body_sha256):
        return Reservation("other_request")
    if row.status is None:
        return Reservation("in_flight")
    return Reservation("replay", status=row.status, body=row.response)


def finish(row_id: int, status: int, body: str) -> None:
    """Keep the answer to the request (a 5xx frees the key instead)."""
    with beside_the_unit_of_work() as connection:
        if status >= 500:
            connection.execute(delete(IdempotencyKey).where(IdempotencyKey.id == row_id))
        else:
            connection.execute(update(IdempotencyKey).where(IdempotencyKey.id == row_id)
                               .values(status=status, response=body))


def release(row_id: int) -> None:
    """Free a key whose request ended without an answer to keep."""
    with beside_the_unit_of_work() as connection:
        connection.execute(delete(IdempotencyKey).where(IdempotencyKey.id == row_id,
                                                        IdempotencyKey.status.is_(None)))


def purge(now=None) -> int:
    """Delete keys older than 30 days (for the housekeeping job); returns how many."""
    cutoff = (now or utcnow()) - KEEP
    with beside_the_unit_of_work() as connection:
        return connection.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < cutoff)).rowcount
