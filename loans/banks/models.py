"""Tokens banks call the API with, and the answers kept for their idempotency keys (SPEC §12)."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime, db, enum_type, utcnow


class BankToken(db.Model):
    """A bank's API token: shown once when issued, stored as its SHA-256 only.

    ``prefix`` (the token's first characters) names it in lists and the audit trail
    without revealing it. ``allowed_ips``: networks (CIDR) it may be used from; empty: any."""

    __tablename__ = "bank_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_code: Mapped[str] = mapped_column(ForeignKey("banks.code"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    allowed_ips: Mapped[list] = mapped_column(JSON, default=list)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_ip: Mapped[str | None] = mapped_column(String(45))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def usable(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)


class IdempotencyKey(db.Model):
    """The first answer to a bank's POST with an ``Idempotency-Key`` (per bank, 30 days):
    a replay of the same request gets it again and changes nothing."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("bank_code", "key"), Index("ix_idempotency_keys_created_at", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_code: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(300))
    body_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[int | None] = mapped_column()  # None: the first request is still being answered
    response: Mapped[str | None] = mapped_column(Text)  # the JSON body as sent
    token_id: Mapped[int | None] = mapped_column(ForeignKey("bank_tokens.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BankFileStatus(StrEnum):
    preview = "preview"  # read and classified; waits for a clerk (or the API) to confirm
    confirmed = "confirmed"  # applied, all rows at once
    refused = "refused"  # a row (or the whole file) is refused: it cannot be confirmed


class BankFile(db.Model):
    """A bank's file of loan events (SPEC §12): uploaded by its clerk, posted to the API or
    dropped into the inbox. ``preview`` holds what confirming it would do, row by row (new
    events, skipped, attached references, replaced overdue starts, refused rows) and the
    balance differences; it is what the preview page and the API show. The same file (its
    SHA-256) is kept once per bank: sending it again changes nothing."""

    __tablename__ = "bank_files"
    __table_args__ = (UniqueConstraint("bank_code", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_code: Mapped[str] = mapped_column(ForeignKey("banks.code"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(10))  # "clerk", "api" or "inbox"
    status: Mapped[BankFileStatus] = mapped_column(enum_type(BankFileStatus), default=BankFileStatus.preview)
    preview: Mapped[dict] = mapped_column(JSON, default=dict)
    rows_count: Mapped[int] = mapped_column(default=0)
    new_count: Mapped[int] = mapped_column(default=0)
    skipped_count: Mapped[int] = mapped_column(default=0)
    refused_count: Mapped[int] = mapped_column(default=0)
    differences_count: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    token_id: Mapped[int | None] = mapped_column(ForeignKey("bank_tokens.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_token_id: Mapped[int | None] = mapped_column(ForeignKey("bank_tokens.id"))
