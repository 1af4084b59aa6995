"""Password hashing (argon2id, memory-hard) and the password policy."""
from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 8


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # 12 MB: loaded when a password is first checked

    return frozenset(FREQUENCY_LISTS["passwords"])


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    key = (cfg["PASSWORD_HASH_TIME_COST"], cfg["PASSWORD_HASH_MEMORY_COST"], cfg["PASSWORD_HASH_PARALLELISM"])
    cache = current_app.extensions.setdefault("password_hashers", {})
    if key not in cache:
        cache[key] = PasswordHasher(time_cost=key[0], memory_cost=key[1], parallelism=key[2])
    return cache[key]


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_problems(password: str, *, identifiers: tuple[str, ...] = ()) -> list[str]:
    """Reasons a new password is refused (empty when acceptable)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(str(_l("Use at least %(n)d characters.", n=MIN_LENGTH)))
    lowered = password.lower()
    if lowered in _common_passwords() or len(set(password)) <= 2:
        problems.append(str(_l("This password is too common; choose another.")))
    if any(ident and lowered == ident.lower() for ident in identifiers):
        problems.append(str(_l("Do not use your mobile number or email as the password.")))
    return problems
