"""The audit chain's hash (SPEC §14): pure, so that the writer, `audit verify` and the
migration that chained the rows written before it compute exactly the same thing.

Each audit row stores ``prev_hash`` (the ``row_hash`` of the row before it in id order,
``GENESIS`` — 64 zeros — for the first row) and ``row_hash``:

    row_hash = SHA-256 hex of  prev_hash (64 ASCII hex digits)  followed by  the row's canonical JSON

The canonical row holds every column of ``audit_events`` except ``row_hash``, and no
other key: ``id``, ``at``, ``actor_id``, ``actor_role``, ``action``, ``object_type``,
``object_id``, ``from_state``, ``to_state``, ``detail``, ``ip_address``, ``prev_hash``
(``CANONICAL_FIELDS``); a missing value is JSON ``null``. Its JSON has sorted keys (at
every level, ``detail`` too), separators ``,`` and ``:``, UTF-8 without escaping
(``ensure_ascii=False``); timestamps are UTC ISO-8601 with microseconds
(``2026-12-02T06:35:29.123456+00:00``), decimals strings (``"1500.00"``), dates ISO-8601.
A column added to the table must be added here too, and the fixed example of the test
changed on purpose: the hash is a contract that tools outside the app check.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date, datetime, timezone
from decimal import Decimal

GENESIS = "0" * 64
CANONICAL_FIELDS = ("id", "at", "actor_id", "actor_role", "action", "object_type", "object_id", "from_state",
                    "to_state", "detail", "ip_address", "prev_hash")


def _plain(value):
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("audit timestamps must carry their time zone")
        return value.astimezone(timezone.utc).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def canonical_json(row: Mapping) -> bytes:
    """The row's canonical JSON (UTF-8 bytes): the fields of ``CANONICAL_FIELDS``, no others."""
    document = {field: _plain(row.get(field)) for field in CANONICAL_FIELDS}
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def row_hash(row: Mapping) -> str:
    """The hash of ``row``, chained to the row before it through ``row["prev_hash"]``."""
    prev_hash = row.get("prev_hash")
    if not isinstance(prev_hash, str) or len(prev_hash) != 64:
        raise ValueError("prev_hash must be 64 hex digits")
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_json(row)).hexdigest()
