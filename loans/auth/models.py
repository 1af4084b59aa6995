from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.workflow import Role
from ..db import UTCDateTime, db, enum_type, utcnow


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    mobile: Mapped[str | None] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_type(Role), index=True)
    district_code: Mapped[str | None] = mapped_column(ForeignKey("districts.code"))
    bank_code: Mapped[str | None] = mapped_column(ForeignKey("banks.code"))
    locale: Mapped[str | None] = mapped_column(String(5))
    active: Mapped[bool] = mapped_column(default=True)
    # Rotated at logout so that a copied session cookie stops working (SPEC §11).
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when an admin resets the password: the next login must choose a new one.
    must_change_password: Mapped[bool] = mapped_column(default=False)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    district = relationship("District", lazy="joined")
    bank = relationship("Bank", lazy="joined")

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def login_name(self) -> str:
        return self.email or self.mobile or ""


class LoginThrottle(db.Model):
    """Failed logins per account name, whatever the client address: after a few, each
    further attempt must wait an exponentially growing delay (never a permanent lockout).

    Keyed by a keyed hash of the login as typed (normalised), so unknown names are slowed
    exactly like real accounts and the table reveals no logins."""

    __tablename__ = "login_throttles"

    login_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SmsCode(db.Model):
    """A one-time SMS code (SPEC §15) for one purpose (and optionally one case). Only a keyed
    hash of the code is kept; the value itself waits here encrypted with the personal-data
    key until the sending job has sent it, then is erased. Never in the outbox."""

    __tablename__ = "sms_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20))
    mobile_hash: Mapped[str] = mapped_column(String(64), index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("loan_applications.id"))
    code_hash: Mapped[str] = mapped_column(String(64))
    value_encrypted: Mapped[str | None] = mapped_column(String(255))
    tries: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SmsCodeCounter(db.Model):
    """Codes asked for, per number, per client address and in all, within a window (an
    Asia/Shanghai day, or the last minute): shared by every server through the database."""

    __tablename__ = "sms_code_counters"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    window: Mapped[str] = mapped_column(String(20))
    count: Mapped[int] = mapped_column(default=0)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime)
