"""Filing for a person: the applicant account is the person's (by mobile, no usable
password, so they can take over later); the worker is recorded as ``filed_by``."""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from ..applications import services as applications
from ..applications.models import LoanApplication, Partner
from ..audit.services import record
from ..auth import codes
from ..auth.models import User
from ..auth.services import NO_PASSWORD
from ..core.workflow import CaseStatus
from ..db import db, utcnow
from ..errors import ConcurrentChange, Refused
from ..personal_data import vault


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


def ensure_draft(application: LoanApplication) -> None:
    if application.status != CaseStatus.draft.value:
        raise Refused(_l("This application has already been submitted."), status=409)


def send_confirmation_code(application: LoanApplication, *, address: str) -> None:
    """A code for the person's own mobile, bound to this case (they read it out to the worker)."""
    ensure_draft(application)
    outcome = codes.request_code(application.mobile, "confirm_case", address=address,
                                 application_id=application.id)
    if outcome.refusal is not None:
        raise Refused(outcome.refusal, "code", status=429)


def _confirm(application: LoanApplication, worker: User, method: str) -> None:
    """The person confirmed the consent text, the declarations and the credit-check
    authorisation: record how, when and which consent text."""
    version = current_app.config["CONSENT_TEXT_VERSION"]
    application.declares_no_other_loans = application.consents_credit_check = application.declares_truthful = True
    application.person_confirmed_by, application.person_confirmed_at = method, utcnow()
    application.person_consent_version = version
    applications.record_consent(application.applicant, application, None)
    record("person_confirmed", application, actor=worker, confirmed_with=method, text_version=version)


def confirm_by_code(application: LoanApplication, worker: User, code: str) -> bool:
    """False when the code is not right: the caller shows its page, and the try stays counted
    (a refusal would roll it back and allow endless guesses)."""
    ensure_draft(application)
    if codes.check_code(application.mobile, "confirm_case", code, application_id=application.id) is None:
        return False
    _confirm(application, worker, "code")
    return True


def confirm_by_scan(application: LoanApplication, worker: User, upload) -> bool:
    ensure_draft(application)
    applications.store_document(application, upload, "other", actor=worker)
    _confirm(application, worker, "scan")
    return True


# --- a partnership: the partners (the portal's checks), each confirming their own declaration

def add_partner(application: LoanApplication, worker: User, values: dict) -> None:
    """A partner the worker lists (the portal's service and checks); their declaration of no
    other loans stays unanswered until they confirm it themselves."""
    ensure_draft(application)
    applications.save_step(application, "partners", applications.add_partner,
                           {**values, "declares_no_other_loans": False}, actor=worker)


def remove_partner(application: LoanApplication, partner_id: int) -> None:
    ensure_draft(application)
    applications.remove_partner(application, partner_id)


def confirm_partner_by_scan(application: LoanApplication, worker: User, partner_id: int, upload) -> Partner:
    """The partner's own declaration, signed by them on paper and scanned by the worker (checked
    by content as any upload) and bound to that partner; once (a guarded change)."""
    ensure_draft(application)
    partner = next((p for p in application.partners if p.id == partner_id), None)
    if partner is None:
        raise Refused(_l("That partner is not on this application."), status=409)
    if partner.confirmed_at is not None:
        raise Refused(_l("This partner has already confirmed their declaration."), status=409)
    document = applications.store_document(application, upload, "other", actor=worker)
    changed = db.session.execute(
        update(Partner).where(Partner.id == partner.id, Partner.confirmed_at.is_(None))
        .values(confirmed_at=utcnow(), confirmation_document_id=document.id, declares_no_other_loans=True)
        .execution_options(synchronize_session=False)).rowcount
    if not changed:
        raise ConcurrentChange()
    db.session.refresh(partner)
    record("partner_confirmed", application, actor=worker, partner=partner.id_number_masked,
           confirmed_with="scan", document_id=document.id)
    return partner


def unconfirmed_partners(application: LoanApplication) -> list[Partner]:
    return [p for p in application.partners if p.confirmed_at is None] if application.is_partnership else []


def submit(application: LoanApplication, worker: User, *, evaluate) -> None:
    ensure_draft(application)
    if application.person_confirmed_at is None:
        raise Refused(_l("The person has not confirmed the consent and the declarations yet."), status=409)
    if waiting := unconfirmed_partners(application):
        raise Refused(_l("Not every partner has confirmed their own declaration yet: %(names)s.",
                         names=", ".join(p.full_name for p in waiting)), status=409)
    applications.submit_application(application, actor=worker, evaluate=evaluate)


def take_over(application: LoanApplication, person: User, *, code: str, id_number: str) -> bool:
    """The person takes over a case filed for them: a fresh code to their mobile and their
    resident ID typed again; the worker's access ends."""
    if application.filed_by_id is None or application.taken_over_at is not None:
        raise Refused(_l("This application has already been taken over."), status=409)
    if vault().lookup_hash(id_number.strip().upper()) != application.id_number_hash:
        raise Refused(_l("This is not the resident ID of this application."), "id_number")
    if codes.check_code(person.mobile or "", "confirm_case", code, application_id=application.id) is None:
        return False  # as confirm_by_code: the try stays counted
    application.taken_over_at = utcnow()
    record("take_over", application, actor=person)
    return True
