"""Account changes: registration, staff users, login bookkeeping, logout."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from ..access import ROLES, ROLES_NEEDING_BANK, ROLES_NEEDING_DISTRICT
from ..audit.services import record
from ..core.resident_id import valid_mobile
from ..db import db, utcnow
from ..policy.models import Bank, District
from .models import User, new_session_token
from .passwords import hash_password, password_problems, verify_password


class AccountError(ValueError):
    """A refused account change; ``field`` names the form field it belongs to."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.field = field


def find_by_login(login: str) -> User | None:
    login = login.strip().lower()
    return db.session.scalar(select(User).where(or_(User.email == login, User.mobile == login)))


def register_applicant(*, name: str, login: str, password: str, locale: str | None) -> User:
    if find_by_login(login) is not None:
        raise AccountError(_l("An account with this mobile number or email already exists. Log in instead."), "login")
    user = User(name=name, role="applicant", locale=locale, password_hash=hash_password(password))
    if valid_mobile(login):
        user.mobile = login
    else:
        user.email = login
    db.session.add(user)
    db.session.flush()
    record("register", user, actor=user)
    return user


def create_user(*, role: str, email: str, password: str, name: str = "", district_code: str | None = None,
                bank_code: str | None = None, actor=None, check_password: bool = True) -> User:
    """Create a staff (or applicant) account; raises AccountError with a clear reason."""
    email = email.strip().lower()
    if role not in ROLES:
        raise AccountError(_l("Unknown role %(role)s.", role=role), "role")
    if check_password:
        problems = password_problems(password, identifiers=(email,))
        if problems:
            raise AccountError(problems[0], "password")
    if find_by_login(email) is not None:
        raise AccountError(_l("A user with this email already exists."), "login")
    if role in ROLES_NEEDING_DISTRICT and not district_code:
        raise AccountError(_l("This role needs a district."), "district_code")
    if role in ROLES_NEEDING_BANK and not bank_code:
        raise AccountError(_l("This role needs a bank."), "bank_code")
    if district_code and db.session.get(District, district_code) is None:
        raise AccountError(_l("Unknown district %(code)s.", code=district_code), "district_code")
    if bank_code and db.session.get(Bank, bank_code) is None:
        raise AccountError(_l("Unknown bank %(code)s.", code=bank_code), "bank_code")
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
