"""Filing for a person: the applicant account is the person's (by mobile, no usable
password, so they can take over later); the worker is recorded as ``filed_by``."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..applications import services as applications
from ..applications.models import LoanApplication
from ..audit.services import record
from ..auth.models import User
from ..auth.services import NO_PASSWORD
from ..core.workflow import CaseStatus
from ..db import db
from ..errors import Refused


def person_account(name: str, mobile: str) -> User:
    """The applicant account for ``mobile``: the existing one, or a new one without a password."""
    user = db.session.scalar(select(User).where(User.mobile == mobile))
    if user is None:
        user = User(name=name, role="applicant", password_hash=NO_PASSWORD, mobile=mobile)
        db.session.add(user)
        db.session.flush()
        return user
    if user.role != "applicant":
        raise Refused(_l("This mobile number belongs to a staff account; use the person's own number."), "mobile")
    return user


def file_for_person(worker: User, *, full_name: str, id_number: str, mobile: str) -> LoanApplication:
    person = person_account(full_name, mobile)
    application = LoanApplication(applicant_id=person.id, filed_by_id=worker.id, status=CaseStatus.draft.value,
                                  mobile=mobile, full_name=full_name, district_code=worker.district_code)
    db.session.add(application)
    db.session.flush()
    application.reference = f"A{application.created_at:%Y}-{application.id:06d}"
    applications.save_person(application, {"id_number": id_number})
    record("create", application, to_state=CaseStatus.draft, actor=worker)
    return application
