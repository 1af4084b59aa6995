"""Account changes: registration, staff users, login bookkeeping, logout."""
from __future__ import annotations

import math
import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..access import ROLES, ROLES_NEEDING_BANK, ROLES_NEEDING_DISTRICT
from ..audit.services import record
from ..core.resident_id import valid_mobile
from ..db import db, utcnow
from ..personal_data import vault
from ..policy.models import Bank, District
from .models import LoginThrottle, User, new_session_token
from .passwords import hash_password, password_problems, verify_password
from ..errors import Refused


def find_by_login(login: str) -> User | None:
    login = login.strip().lower()
    return db.session.scalar(select(User).where(or_(User.email == login, User.mobile == login)))


def register_applicant(*, name: str, login: str, password: str, locale: str | None) -> User:
    if find_by_login(login) is not None:
        raise Refused(_l("An account with this mobile number or email already exists. Log in instead."), "login")
    user = User(name=name, role="applicant", locale=locale, password_hash=hash_password(password))
    if valid_mobile(login):
        user.mobile = login
    else:
        user.email = login
    db.session.add(user)
    db.session.flush()
    record("register", user, actor=user)
    return user


# An account made with an SMS code has no password until its owner sets one: a value no
# password can match (not an argon2 hash).
NO_PASSWORD = "!none"


def has_password(user: User) -> bool:
    return not user.password_hash.startswith("!")


def register_by_code(*, name: str, mobile: str, code: str, locale: str | None) -> User | None:
    """An applicant's account proved by a registration code sent to ``mobile`` (no password);
    None when the code is not right (the try counts: the caller returns its page)."""
    from .codes import check_code

    if check_code(mobile, "registration", code) is None:
        return None
    if find_by_login(mobile) is not None:
        raise Refused(_l("An account with this mobile number or email already exists. Log in instead."), "mobile")
    user = User(name=name, role="applicant", locale=locale, password_hash=NO_PASSWORD, mobile=mobile)
    db.session.add(user)
    db.session.flush()
    record("register", user, actor=user, by_code=True)
    return user


def authenticate_by_code(login: str, code: str) -> User | None:
    """The applicant whose mobile is ``login`` if ``code`` is their live login code."""
    from .codes import check_code

    user = find_by_login(login)
    if user is None or not user.active or user.role != "applicant" or user.mobile != login.strip():
        return None
    if check_code(login, "login", code) is None:
        return None
    user.last_login_at = utcnow()
    record("login_by_code", user, actor=user)
    return user


def create_user(*, role: str, email: str, password: str, name: str = "", district_code: str | None = None,
                bank_code: str | None = None, actor=None, check_password: bool = True) -> User:
    """Create a staff (or applicant) account; raises Refused with a clear reason. ``actor``
    is the administrator creating it (None from the command line)."""
    if actor is not None and actor.role != "admin":
        raise Refused(_l("Only administrators can create users."), status=403)
    email = email.strip().lower()
    if role not in ROLES:
        raise Refused(_l("Unknown role %(role)s.", role=role), "role")
    if check_password:
        problems = password_problems(password, identifiers=(email,))
        if problems:
            raise Refused(problems[0], "password")
    if find_by_login(email) is not None:
        raise Refused(_l("A user with this email already exists."), "login")
    if role in ROLES_NEEDING_DISTRICT and not district_code:
        raise Refused(_l("This role needs a district."), "district_code")
    if role in ROLES_NEEDING_BANK and not bank_code:
        raise Refused(_l("This role needs a bank."), "bank_code")
    if district_code and db.session.get(District, district_code) is None:
        raise Refused(_l("Unknown district %(code)s.", code=district_code), "district_code")
    if bank_code and db.session.get(Bank, bank_code) is None:
        raise Refused(_l("Unknown bank %(code)s.", code=bank_code), "bank_code")
    if role not in ROLES_NEEDING_BANK:
        bank_code = None
    if role not in (*ROLES_NEEDING_DISTRICT, "supervisor"):
        district_code = None
    user = User(role=role, email=email, name=name or email.split("@")[0], password_hash=hash_password(password),
                district_code=district_code, bank_code=bank_code)
    db.session.add(user)
    db.session.flush()
    record("create_user", user, actor=actor, role=role, district=district_code, bank=bank_code)
    return user


_DUMMY_HASH: dict[str, str] = {}


def authenticate(login: str, password: str) -> User | None:
    user = find_by_login(login)
    if user is None or not user.active:
        # Spend the same effort as a real check so timing does not reveal accounts.
        key = "dummy"
        if key not in _DUMMY_HASH:
            _DUMMY_HASH[key] = hash_password("not-a-real-password")
        verify_password(_DUMMY_HASH[key], password)
        return None
    if not verify_password(user.password_hash, password):
        return None
    user.last_login_at = utcnow()
    return user


def end_sessions(user: User) -> None:
    """Invalidate every session cookie issued to this user."""
    user.session_token = new_session_token()


# --- per-account login throttling ---------------------------------------------------------
# The address-based limit slows one client; this slows guesses at one account from any
# number of addresses. After a few failures each attempt waits twice as long as the last
# (capped), and the count is forgotten a day after the last failure: slow, never locked.

def _throttle_key(login: str) -> str:
    return vault().lookup_hash("login-throttle:" + (login or "").strip().lower())


def login_wait_seconds(login: str, *, now: datetime | None = None) -> int:
    """Seconds before this account name may be tried again (0: now)."""
    now = now or utcnow()
    blocked_until = db.session.scalar(
        select(LoginThrottle.blocked_until).where(LoginThrottle.login_hash == _throttle_key(login)))
    if blocked_until is None or blocked_until <= now:
        return 0
    return math.ceil((blocked_until - now).total_seconds())


def backoff_seconds(failures: int, config) -> int:
    """The wait after ``failures`` consecutive failures: none for the first few, then
    doubling from the base up to the cap."""
    extra = failures - config["LOGIN_BACKOFF_FREE_FAILURES"]
    if extra < 0:
        return 0
    return min(config["LOGIN_BACKOFF_MAX_SECONDS"], config["LOGIN_BACKOFF_BASE_SECONDS"] * 2 ** min(extra, 30))


def record_failed_login(login: str, *, now: datetime | None = None) -> int:
    """Count a failure for this account name (atomically: concurrent guesses all count)
    and return the wait it imposes, in seconds."""
    now = now or utcnow()
    key = _throttle_key(login)
    forget_before = now - timedelta(days=1)
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = LoginThrottle.__table__
    statement = insert(table).values(login_hash=key, failures=1, last_failure_at=now)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.login_hash],
        set_={"failures": case((table.c.last_failure_at < forget_before, 1), else_=table.c.failures + 1),
              "last_failure_at": now})
    failures = db.session.execute(statement.returning(table.c.failures)).scalar_one()
    wait = backoff_seconds(failures, current_app.config)
    if wait:
        db.session.execute(update(LoginThrottle).where(LoginThrottle.login_hash == key)
                           .values(blocked_until=now + timedelta(seconds=wait)))
    return wait


def clear_failed_logins(login: str) -> None:
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.login_hash == _throttle_key(login)))


# --- passwords ----------------------------------------------------------------------------

def change_password(user: User, *, current: str, new: str) -> None:
    """The user's own change: the current password proves it is them; other sessions end."""
    if has_password(user) and not verify_password(user.password_hash, current or ""):
        raise Refused(_l("The current password is not right."), "current_password")
    if verify_password(user.password_hash, new):
        raise Refused(_l("Choose a password different from the current one."), "password")
    problems = password_problems(new, identifiers=tuple(v for v in (user.email, user.mobile) if v))
    if problems:
        raise Refused(problems[0], "password")
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.password_changed_at = utcnow()
    end_sessions(user)
    record("change_password", user, actor=user)


def reset_password(user: User, *, actor) -> str:
    """An admin's reset: a one-time password for the admin to hand over; the user must
    choose their own at the next login, and every session of theirs ends now."""
    if user.role == "applicant":
        raise Refused(_l("Applicants reset their own password; staff accounts only here."), status=403)
    temporary = "-".join(secrets.token_hex(3) for _ in range(3))
    user.password_hash = hash_password(temporary)
    user.must_change_password = True
    user.password_changed_at = utcnow()
    end_sessions(user)
    record("reset_password", user, actor=actor)
    return temporary
