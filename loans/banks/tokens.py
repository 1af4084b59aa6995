"""Issuing, revoking and checking bank API tokens (SPEC §12).

A token is ``lb_`` + 40 random URL-safe characters, shown once; the app keeps its SHA-256
(a token is a random secret, not a password: a fast hash is right, and lets a request find
its token with one indexed read). A request's token is refused — 401, the same answer for
every reason — when it is unknown, expired, revoked or used from an address outside its
allow-list.
"""
from __future__ import annotations

import hashlib
import ipaddress
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from ..audit.services import record
from ..db import db, utcnow
from ..errors import Refused
from .models import BankToken

PREFIX = "lb_"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def parse_networks(values) -> list[str]:
    """CIDR networks (or single addresses) as typed → their canonical text; refused if any is not one."""
    networks = []
    for value in values or []:
        for part in str(value).replace(",", " ").split():
            try:
                networks.append(str(ipaddress.ip_network(part, strict=False)))
            except ValueError:
                raise Refused(_l("%(value)s is not an IP address or network (CIDR).", value=part),
                              field="allow_ip") from None
    return networks


def issue_token(bank_code: str, name: str, *, actor=None, expires_at: datetime | None = None,
                allowed_ips=()) -> tuple[BankToken, str]:
    """A new token for ``bank_code``: (its record, the token itself — shown once, never stored)."""
    from ..policy.models import Bank

    if db.session.get(Bank, bank_code) is None:
        raise Refused(_l("Unknown bank %(code)s.", code=bank_code), field="bank_code")
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise Refused(_l("Give the token a name of 1 to 80 characters (what it is for)."), field="name")
    if expires_at is not None and expires_at <= utcnow():
        raise Refused(_l("The expiry must be in the future."), field="expires")
    secret = PREFIX + secrets.token_urlsafe(30)
    token = BankToken(bank_code=bank_code, name=name, prefix=secret[:10], token_hash=token_hash(secret),
                      allowed_ips=parse_networks(allowed_ips), expires_at=expires_at,
                      created_by_id=getattr(actor, "id", None))
    db.session.add(token)
    db.session.flush()
    record("bank_token_issued", token, actor=actor, bank=bank_code, name=name, prefix=token.prefix,
           expires_at=expires_at.isoformat() if expires_at else None, allowed_ips=token.allowed_ips or None)
    return token, secret


def revoke_token(token: BankToken, *, actor=None) -> None:
    if token.revoked_at is not None:
        raise Refused(_l("This token was already revoked."), status=409)
    token.revoked_at = utcnow()
    record("bank_token_revoked", token, actor=actor, bank=token.bank_code, name=token.name, prefix=token.prefix)
    db.session.flush()


def _allowed(token: BankToken, address: str | None) -> bool:
    if not token.allowed_ips:
        return True
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(n) for n in token.allowed_ips)


@dataclass(frozen=True)
class TokenActor:
    """Who the bank API acts as: the token's bank, with the bank clerk's rights; the audit
    trail names the token (``record`` adds ``token`` to every row it writes)."""

    token_id: int
    token_name: str
    token_prefix: str
    bank_code: str
    id: None = None
    role: str = "bank"
    district_code: None = None

    @property
    def audit_detail(self) -> dict:
        return {"token": self.token_prefix, "token_name": self.token_name, "token_id": self.token_id}


def authenticate(header: str | None, address: str | None) -> TokenActor | None:
    """The actor for an ``Authorization: Bearer …`` header from ``address``, or None (401)."""
    if not header or not header.startswith("Bearer "):
        return None
    secret = header[len("Bearer "):].strip()
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    token = db.session.scalar(select(BankToken).where(BankToken.token_hash == token_hash(secret)))
    now = utcnow()
    if token is None or not token.usable(now) or not _allowed(token, address):
        return None
    db.session.execute(update(BankToken).where(BankToken.id == token.id)
                       .values(last_used_at=now, last_used_ip=(address or "")[:45]))
    return TokenActor(token_id=token.id, token_name=token.name, token_prefix=token.prefix,
                      bank_code=token.bank_code)
