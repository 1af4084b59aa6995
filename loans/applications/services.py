"""Changes to applications. Nothing here commits or rolls back: the request's unit of work
commits once after the view returns, and rolls everything back when a ``Refused`` escapes."""
from __future__ import annotations

import hashlib
import re
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from ..audit.services import record
from ..core import resident_id
from ..core.eligibility import IdHolder, holders_words
from ..core.money import parse_positive_amount
from ..core.workflow import (ACTIVE_LOAN_STATUSES, OPEN_APPLICATION_STATUSES, OPEN_STATUSES, Action, CaseStatus,
                             IllegalTransition, next_status, role_may)
from ..db import after_commit, db, local_today, on_rollback, utcnow
from ..personal_data import vault
from ..provided import Provided
from ..policy.models import KeyGroup
from ..labels import DOCUMENT_KIND, STATUS, label
from . import counts
from .models import ApplicationKeyGroup, Consent, Document, LoanApplication, OpenCaseClaim, Partner
from ..errors import ConcurrentChange, Refused

# A submitted application or a loan blocks another one for the same person or enterprise
# (SPEC §6 E14). Drafts do not: anyone can type any ID into a draft, and a draft must not
# let a stranger block a person or learn that they have a case.
BLOCKING_STATUSES = tuple(s.value for s in (OPEN_APPLICATION_STATUSES | ACTIVE_LOAN_STATUSES) - {CaseStatus.draft})
DUPLICATE_MESSAGE = _l("This resident ID already has an open application or loan. One person may hold only one "
                       "open application; if you think this is wrong, contact the bureau.")

APPLICATION_REFERENCE = re.compile(r"A[0-9]{4}-[0-9]{6}")
"""An online application's reference; its loan carries it as ``loan_ref``."""
STEPS = ("person", "groups", "business", "loan", "partners", "declarations", "documents", "review")


def steps_for(application: LoanApplication) -> tuple[str, ...]:
    return tuple(s for s in STEPS if s != "partners" or application.loan_type == "partnership")


# --- status changes -------------------------------------------------------------------

def transition(application: LoanApplication, action: Action, *, actor=None, **detail) -> CaseStatus:
    """Move a case through the core state machine with a guarded update and an audit row.

    The UPDATE only matches while the case still has the status and lock version we read,
    so of two concurrent deciders exactly one succeeds; the other gets ``ConcurrentChange``.
    """
    current = CaseStatus(application.status)
    new = status_after(application, action)
    if actor is not None and not role_may(actor.role, action):
        raise Refused(_l("Your role may not do this."), status=403)
    result = db.session.execute(
        update(LoanApplication)
        .where(LoanApplication.id == application.id,
               LoanApplication.status == current.value,
               LoanApplication.lock_version == application.lock_version)
        .values(status=new.value, lock_version=LoanApplication.lock_version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        # Someone else moved the case first: say where it is now (e.g. already decided).
        now = db.session.scalar(select(LoanApplication.status).where(LoanApplication.id == application.id))
        raise ConcurrentChange(state_refusal(now, action).message)
    db.session.expire(application, ["status", "lock_version", "updated_at"])
    counts.moved(application.id, current, new)
    _update_claims(application, current, new)
    record(action.value, application, from_state=current, to_state=new, actor=actor, **detail)
    return new


def status_after(application: LoanApplication, action: Action) -> CaseStatus:
    """The case's status after ``action``, or the refusal saying the action is not possible now."""
    try:
        return next_status(CaseStatus(application.status), action)
    except IllegalTransition:
        raise state_refusal(application.status, action) from None


def state_refusal(status, action: Action | None = None) -> Refused:
    """The refusal of an action the case's status does not allow, in words (409)."""
    status = getattr(status, "value", status)
    if status in (CaseStatus.approved, CaseStatus.rejected):
        message = _l("This case has already been decided (%(status)s). Nothing was changed.",
                     status=label(STATUS, status))
    else:
        message = _l("This action is not possible while the case is “%(status)s”. Nothing was changed.",
                     status=label(STATUS, status))
    return Refused(message, status=409)


def claim_keys(application: LoanApplication) -> list[str]:
    """The people and the enterprise a case holds: applicant, partners, credit code."""
    keys = [f"id:{application.id_number_hash}"] if application.id_number_hash else []
    keys += [f"id:{p.id_number_hash}" for p in application.partners]
    if application.credit_code:
        keys.append(f"cc:{application.credit_code}")
    return list(dict.fromkeys(keys))


def _update_claims(application: LoanApplication, old: CaseStatus, new: CaseStatus) -> None:
    """Take the claims when a case starts to block others (submission); release them when
    it stops (withdrawn, rejected, expired, declined, settled, compensated). The primary key
    refuses a second holder even when two submissions race."""
    was, now = old.value in BLOCKING_STATUSES, new.value in BLOCKING_STATUSES
    if now and not was:
        for key in claim_keys(application):
            db.session.add(OpenCaseClaim(key=key, application_id=application.id))
        try:
            db.session.flush()
        except IntegrityError:  # the unit of work rolls the whole change back, status included
            raise Refused(DUPLICATE_MESSAGE) from None
    elif was and not now:
        db.session.execute(delete(OpenCaseClaim).where(OpenCaseClaim.application_id == application.id))


# --- drafts ---------------------------------------------------------------------------

def start_application(user) -> LoanApplication:
    application = LoanApplication(applicant_id=user.id, status=CaseStatus.draft.value, mobile=user.mobile,
                                  full_name=user.name or None)
    db.session.add(application)
    db.session.flush()
    application.reference = f"A{application.created_at:%Y}-{application.id:06d}"
    record("create", application, to_state=CaseStatus.draft, actor=user)
    return application


EDITABLE_STATUSES = (CaseStatus.draft.value, CaseStatus.info_requested.value)
# What identifies the case and decides who handles it is fixed at submission; while an
# officer asks for information the applicant may correct the rest.
LOCKED_AFTER_SUBMISSION = frozenset({"id_number", "loan_type", "district_code"})


def _submitted(application: LoanApplication) -> bool:
    return application.status != CaseStatus.draft.value


def ensure_editable(application: LoanApplication) -> None:
    """Refuse (409) once the application can no longer be changed by the applicant."""
    if application.status not in EDITABLE_STATUSES:
        raise Refused(_l("This application has been submitted and can no longer be edited here."), status=409)


def ensure_accepts_documents(application: LoanApplication) -> None:
    """Refuse (409) an upload once the application no longer takes documents."""
    if application.status not in EDITABLE_STATUSES:
        raise Refused(_l("Documents can no longer be added to this application."), status=409)


def _refuse_after_submission(application: LoanApplication) -> None:
    if _submitted(application):
        raise Refused(_l("This cannot be changed after submission. Explain the change to the officer in your answer."),
                      status=409)


def guard_edit(application: LoanApplication) -> None:
    """Make a step save stale-proof: it only lands while the case is still editable and
    nobody changed it since it was read (same guard as ``transition``)."""
    result = db.session.execute(
        update(LoanApplication)
        .where(LoanApplication.id == application.id, LoanApplication.status.in_(EDITABLE_STATUSES),
               LoanApplication.lock_version == application.lock_version)
        .values(lock_version=LoanApplication.lock_version + 1)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise ConcurrentChange(_l("This application was changed elsewhere just now (for example submitted "
                                  "from another window). Nothing was changed; the page shows its current state."))
    db.session.expire(application, ["lock_version"])


CORRECTABLE = {
    "person": ("full_name", "mobile", "household_district_code", "education", "graduation_date"),
    "groups": (),
    "business": ("business_name", "credit_code", "business_address", "industry", "business_start_date",
                 "current_staff", "planned_jobs", "new_key_group_hires"),
    "loan": ("amount", "term_months", "purpose", "preferred_bank_code"),
    "declarations": ("declares_no_other_loans", "consents_credit_check", "declares_truthful"),
}


def save_step(application: LoanApplication, step: str, saver, values: dict, *, actor) -> None:
    """Save one step of the form. A draft remembers the step; a correction made while
    information is requested is audited field by field (old → new)."""
    ensure_editable(application)
    names = CORRECTABLE.get(step, ())
    before = {name: getattr(application, name) for name in names}
    groups_before = list(application.key_group_codes)
    saver(application, values)
    if _submitted(application):
        changes = {name: [_plain(before[name]), _plain(getattr(application, name))]
                   for name in names if before[name] != getattr(application, name)}
        if step == "groups" and groups_before != application.key_group_codes:
            changes["key_groups"] = [groups_before, list(application.key_group_codes)]
        if changes:
            record("correct", application, actor=actor, step=step, changes=changes)
    else:
        application.current_step = step
    guard_edit(application)


def _plain(value):
    return value.isoformat() if isinstance(value, date) else str(value) if isinstance(value, Decimal) else value


# A loan imported from the bureau's ledger has no case, so it takes no claim (loans that came
# from an application block through its status and claims). Loans are servicing's, a package
# above this one: it provides the reader, called with id_number_hash= or credit_code=.
ledger_loan_held = Provided("whether an active ledger-imported loan is held", "servicing")
rostered_groups = Provided("the claimed key groups a registry roster already shows (group → as of)", "rosters")


def id_holder_conflict(id_hash: str, *, exclude_application_id: int | None) -> LoanApplication | None:
    """Another submitted application or loan held by the same resident ID (as applicant or partner)."""
    as_applicant = select(LoanApplication).where(
        LoanApplication.id_number_hash == id_hash, LoanApplication.status.in_(BLOCKING_STATUSES))
    as_partner = (select(LoanApplication).join(Partner, Partner.application_id == LoanApplication.id)
                  .where(Partner.id_number_hash == id_hash, LoanApplication.status.in_(BLOCKING_STATUSES)))
    if exclude_application_id is not None:
        as_applicant = as_applicant.where(LoanApplication.id != exclude_application_id)
        as_partner = as_partner.where(LoanApplication.id != exclude_application_id)
    return db.session.scalar(as_applicant.limit(1)) or db.session.scalar(as_partner.limit(1))


def credit_code_conflict(credit_code: str, *, exclude_application_id: int | None) -> LoanApplication | None:
    query = select(LoanApplication).where(LoanApplication.credit_code == credit_code,
                                          LoanApplication.status.in_(BLOCKING_STATUSES))
    if exclude_application_id is not None:
        query = query.where(LoanApplication.id != exclude_application_id)
    return db.session.scalar(query.limit(1))


def blocking_holders(application: LoanApplication) -> list[IdHolder]:
    """Who in the case — the applicant, a partner (numbered 2, 3, … as in E13) or its
    enterprise — already holds a submitted application or an active loan (including one
    imported from the ledger); empty when nobody does (SPEC §6 E14)."""
    people = [("applicant", application.id_number_hash, application.id_number_masked, None)] + [
        ("partner", p.id_number_hash, p.id_number_masked, number)
        for number, p in enumerate(application.partners, start=2)]
    holders = [IdHolder(kind, masked or "", number) for kind, digest, masked, number in people
               if digest and (id_holder_conflict(digest, exclude_application_id=application.id) is not None
                              or ledger_loan_held(id_number_hash=digest))]
    code = application.credit_code
    if code and (credit_code_conflict(code, exclude_application_id=application.id) is not None
                 or ledger_loan_held(credit_code=code)):
        holders.append(IdHolder("enterprise", code))
    return holders


def has_blocking_conflict(application: LoanApplication) -> bool:
    return bool(blocking_holders(application))


def duplicate_message(holders: list[IdHolder]):
    """The submission's refusal when IDs clash, naming whose (in the reader's language)."""
    who = holders_words(holders)[1 if _lang() == "zh" else 0]
    if len(holders) > 1:
        return _l("Not submitted: %(who)s already have open applications or loans. One person may hold only one "
                  "open application; if you think this is wrong, contact the bureau.", who=who)
    return _l("Not submitted: %(who)s already has an open application or loan. One person may hold only one open "
              "application; if you think this is wrong, contact the bureau.", who=who)


def own_draft_with_id(application: LoanApplication, id_hash: str) -> LoanApplication | None:
    """The same account's other draft for this resident ID (its reference may be shown)."""
    return db.session.scalar(select(LoanApplication).where(
        LoanApplication.applicant_id == application.applicant_id, LoanApplication.id != application.id,
        LoanApplication.status == CaseStatus.draft.value, LoanApplication.id_number_hash == id_hash).limit(1))


def _set_id_number(target, number: str) -> None:
    target.id_number = number
    target.id_number_hash = vault().lookup_hash(number)
    target.id_number_masked = resident_id.mask(number)


def save_person(application: LoanApplication, values: dict) -> None:
    ensure_editable(application)
    number = values.get("id_number")
    if number and _submitted(application):
        number = None  # the resident ID cannot change after submission
    if number:
        # Other people's cases are checked only at submission: a draft must not become a
        # way to learn whether some resident ID has a case.
        digest = vault().lookup_hash(number)
        draft = own_draft_with_id(application, digest)
        if draft is not None:
            raise Refused(_l("You already have a draft for this resident ID (%(ref)s). Continue that one, or "
                               "withdraw it first.", ref=draft.reference), "id_number")
        if any(p.id_number_hash == digest for p in application.partners):
            raise Refused(_l("This resident ID is already listed as a partner."), "id_number")
        _set_id_number(application, number)
    for name in ("full_name", "mobile", "household_district_code", "education", "graduation_date"):
        if name in values:
            setattr(application, name, values[name] or None)


def save_key_groups(application: LoanApplication, codes: list[str]) -> None:
    ensure_editable(application)
    known = set(db.session.scalars(select(KeyGroup.code).where(KeyGroup.active.is_(True))))
    wanted = [c for c in dict.fromkeys(codes) if c in known]
    existing = {link.key_group_code: link for link in application.key_group_links}
    for code, link in existing.items():
        if code not in wanted:
            application.key_group_links.remove(link)
    for code in wanted:
        if code not in existing:
            application.key_group_links.append(ApplicationKeyGroup(key_group_code=code))


def save_business(application: LoanApplication, values: dict) -> None:
    ensure_editable(application)
    for name in ("loan_type", "business_name", "credit_code", "district_code", "business_address", "industry",
                 "business_start_date", "current_staff", "planned_jobs", "new_key_group_hires"):
        if name in values and not (name in LOCKED_AFTER_SUBMISSION and _submitted(application)):
            value = values[name]
            setattr(application, name, value if value not in ("",) else None)
    if application.loan_type != "partnership":
        application.partners.clear()


def save_loan(application: LoanApplication, values: dict) -> None:
    ensure_editable(application)
    if values.get("amount"):
        application.amount = parse_positive_amount(values["amount"])
    for name in ("term_months", "purpose", "preferred_bank_code"):
        if name in values:
            setattr(application, name, values[name] if values[name] != "" else None)


def add_partner(application: LoanApplication, values: dict) -> Partner:
    ensure_editable(application)
    _refuse_after_submission(application)
    if application.loan_type != "partnership":
        raise Refused(_l("Partners can only be added to a partnership application."))
    number = values["id_number"]
    digest = vault().lookup_hash(number)
    if digest == application.id_number_hash or any(p.id_number_hash == digest for p in application.partners):
        raise Refused(_l("This person is already part of the application."), "id_number")
    partner = Partner(full_name=values["full_name"], key_group_code=values["key_group_code"],
                      graduation_date=values.get("graduation_date"),
                      declares_no_other_loans=bool(values.get("declares_no_other_loans")),
                      position=len(application.partners))
    _set_id_number(partner, number)
    application.partners.append(partner)
    return partner


def correct_partner_facts(application: LoanApplication, partner_id: int, values: dict, *, actor) -> None:
    """A partner's graduation date and other-loans declaration (E13) may be corrected in a
    draft or while information is requested; who the partners are may not change after
    submission. A correction after submission is audited field by field."""
    ensure_editable(application)
    partner = next((p for p in application.partners if p.id == partner_id), None)
    if partner is None:
        raise Refused(_l("That partner is not on this application."), status=409)
    changes = {}
    for name in ("graduation_date", "declares_no_other_loans"):
        new = bool(values.get(name)) if name == "declares_no_other_loans" else values.get(name)
        if getattr(partner, name) != new:
            changes[f"{partner.id_number_masked} {name}"] = [_plain(getattr(partner, name)), _plain(new)]
            setattr(partner, name, new)
    if changes and _submitted(application):
        record("correct", application, actor=actor, step="partners", changes=changes)
    guard_edit(application)


def remove_partner(application: LoanApplication, partner_id: int) -> None:
    ensure_editable(application)
    _refuse_after_submission(application)
    for partner in list(application.partners):
        if partner.id == partner_id:
            application.partners.remove(partner)
            return
    raise Refused(_l("That partner is not on this application."), status=409)


def save_declarations(application: LoanApplication, values: dict) -> None:
    ensure_editable(application)
    for name in ("declares_no_other_loans", "consents_credit_check", "declares_truthful"):
        setattr(application, name, bool(values.get(name)))


# --- consent and documents ------------------------------------------------------------

SENSITIVE_CONSENT = "sensitive_personal_information"


def has_sensitive_consent(user, application: LoanApplication) -> bool:
    version = current_app.config["CONSENT_TEXT_VERSION"]
    return db.session.scalar(
        select(Consent.id).where(Consent.user_id == user.id, Consent.application_id == application.id,
                                 Consent.kind == SENSITIVE_CONSENT, Consent.text_version == version).limit(1)
    ) is not None


def record_consent(user, application: LoanApplication, ip_address: str | None) -> Consent:
    version = current_app.config["CONSENT_TEXT_VERSION"]
    consent = Consent(user_id=user.id, application_id=application.id, kind=SENSITIVE_CONSENT,
                      text_version=version, ip_address=ip_address)
    db.session.add(consent)
    record("consent", application, actor=user, consent=SENSITIVE_CONSENT, text_version=version)
    return consent


SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)


def sniff_type(head: bytes) -> tuple[str, str] | None:
    """The file's real type from its first bytes, whatever its name says."""
    for magic, mime, ext in SIGNATURES:
        if head.startswith(magic):
            return mime, ext
    return None


def clean_filename(name: str | None) -> str:
    """A display name: no directories, no control characters, bounded length."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"|?*').strip(" .")
    stem, dot, suffix = name.rpartition(".")
    if len(name) > 150 and dot and 0 < len(suffix) <= 10:  # shorten the stem, keep the extension
        return stem[:149 - len(suffix)] + "." + suffix
    return name[:150] or "upload"


def is_sensitive_kind(kind: str, key_group: KeyGroup | None) -> bool:
    return kind == "id_card" or (key_group is not None and key_group.sensitive)


def store_document(application: LoanApplication, upload, kind: str, *, actor) -> Document:
    """Check and store one uploaded file; raises ``Refused`` with a clear reason."""
    key_group = None
    if kind.startswith("key_group:"):
        code = kind.split(":", 1)[1]
        if code not in application.key_group_codes:
            raise Refused(_l("Choose one of the key groups you claimed."), "kind")
        key_group = db.session.get(KeyGroup, code)
        kind = "key_group"
    elif kind not in DOCUMENT_KIND or kind == "key_group":
        raise Refused(_l("Choose what kind of document this is."), "kind")
    sensitive = is_sensitive_kind(kind, key_group)
    # The consent that counts is the person's, whoever uploads: a community worker filing for
    # them (SPEC §15) uploads it only once the person has confirmed (by code or signed scan).
    if sensitive and not has_sensitive_consent(application.applicant, application):
        if actor.id != application.applicant_id:
            raise Refused(_l("This document contains sensitive personal information: the person must first confirm "
                             "their consent (by a code sent to their mobile, or a signed scan)."), "file")
        raise Refused(_l("This document contains sensitive personal information. Give your consent above before uploading it."),
                        "file")
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    data = upload.stream.read(limit + 1)
    if not data:
        raise Refused(_l("The file is empty."), "file")
    if len(data) > limit:
        raise Refused(_l("The file is larger than 10 MB. Please upload a smaller file."), "file")
    sniffed = sniff_type(data[:16])
    if sniffed is None:
        raise Refused(_l("Only PDF, JPEG or PNG files can be uploaded; this file is something else, whatever its name says."),
                        "file")
    mime, ext = sniffed
    stored_name = f"{uuid.uuid4().hex}.{ext}" + (".enc" if sensitive else "")
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    payload = vault().encrypt_bytes(data) if sensitive else data
    path = folder / stored_name
    path.write_bytes(payload)
    on_rollback(lambda: path.unlink(missing_ok=True))  # no file without its database row
    document = Document(application_id=application.id, uploaded_by_id=actor.id, kind=kind,
                        key_group_code=key_group.code if key_group else None,
                        original_name=clean_filename(upload.filename), stored_name=stored_name,
                        content_type=mime, size_bytes=len(data), sha256=hashlib.sha256(data).hexdigest(),
                        encrypted=sensitive)
    db.session.add(document)
    db.session.flush()
    record("upload", application, actor=actor, document_id=document.id, kind=kind,
           key_group=document.key_group_code, sha256=document.sha256)
    return document


def record_document_view(application: LoanApplication, document: Document, *, actor) -> None:
    record("view_document", application, actor=actor, document_id=document.id, kind=document.kind,
           key_group=document.key_group_code)


def read_document(document: Document) -> bytes:
    data = (Path(current_app.config["UPLOAD_FOLDER"]) / document.stored_name).read_bytes()
    return vault().decrypt_bytes(data) if document.encrypted else data


def delete_document(application: LoanApplication, document: Document, *, actor) -> None:
    ensure_editable(application)
    _refuse_after_submission(application)
    record("delete_document", application, actor=actor, document_id=document.id, sha256=document.sha256)
    path = Path(current_app.config["UPLOAD_FOLDER"]) / document.stored_name
    db.session.delete(document)
    db.session.flush()
    after_commit(lambda: path.unlink(missing_ok=True))  # the file goes only if the deletion is committed


# --- completeness, submission, withdrawal ---------------------------------------------

def missing_items(application: LoanApplication) -> list[tuple[str, str]]:
    """(step, message) for everything still needed before the application can be submitted."""
    missing: list[tuple[str, str]] = []
    person = ("full_name", "id_number_hash", "mobile", "household_district_code", "education")
    if any(not getattr(application, name) for name in person):
        missing.append(("person", str(_l("Your personal details are incomplete."))))
    if not application.key_group_links and application.loan_type != "enterprise":
        missing.append(("groups", str(_l("Choose at least one key group."))))
    if "graduate" in application.key_group_codes and not application.graduation_date:
        missing.append(("person", str(_l("Give your graduation date, as you apply as a college graduate."))))
    business = ("loan_type", "business_name", "district_code", "business_address", "industry", "business_start_date")
    if any(not getattr(application, name) for name in business) or application.current_staff is None \
            or application.planned_jobs is None:
        missing.append(("business", str(_l("The business details are incomplete."))))
    if application.loan_type == "enterprise" and application.new_key_group_hires is None:
        missing.append(("business", str(_l("Give the number of key-group people hired this year."))))
    if not application.amount or not application.term_months or not application.purpose \
            or not application.preferred_bank_code:
        missing.append(("loan", str(_l("The loan details are incomplete."))))
    if application.loan_type == "partnership" and len(application.partners) < 1:
        missing.append(("partners", str(_l("A partnership needs at least one partner besides you."))))
    if not (application.consents_credit_check and application.declares_truthful):
        missing.append(("declarations", str(_l("Confirm the declarations."))))
    claimed = set(application.key_group_codes)
    evidenced = {d.key_group_code for d in application.documents if d.kind == "key_group"}
    # a group a registry roster shows (SPEC §15) needs no upload
    evidenced |= set(rostered_groups(application, application.application_date or local_today())) if claimed else set()
    for link in application.key_group_links:
        if link.key_group_code in claimed - evidenced:
            missing.append(("documents", str(_l("Upload the evidence for: %(group)s.", group=link.key_group.label(_lang())))))
    return missing


def _lang() -> str:
    from ..i18n import current_lang

    return current_lang()


def submit_application(application: LoanApplication, *, actor, evaluate, on: date | None = None) -> None:
    """Submit a complete draft: dated, evaluated (``evaluate(application)``, the eligibility
    engine, which sits above this package) and moved to submitted — or refused, unchanged."""
    if application.status != CaseStatus.draft.value:
        raise Refused(_l("This application has already been submitted."), status=409)
    missing = missing_items(application)
    if missing:  # every item, so that the refusal alone says what is left to do
        raise Refused(_l("Before you can submit, please complete: %(items)s",
                         items=("" if _lang() == "zh" else " ").join(message for _step, message in missing)))
    holders = blocking_holders(application)
    if holders:
        raise Refused(duplicate_message(holders))
    application.submitted_at = utcnow()
    application.application_date = on or local_today()
    application.current_step = "review"
    evaluate(application)
    transition(application, Action.submit, actor=actor)


def withdraw_application(application: LoanApplication, *, actor, reason: str | None = None) -> None:
    if application.status not in {s.value for s in OPEN_STATUSES}:
        raise Refused(_l("This application can no longer be withdrawn: a decision has already been made."),
                      status=409)
    transition(application, Action.withdraw, actor=actor, reason=reason or None)
