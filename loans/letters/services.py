"""Issuing, serving and revoking letters. Writes flush; the unit of work commits once."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from ..audit.services import record
from ..core.workflow import CaseStatus
from ..db import db, local_today, utcnow
from ..notifications.services import notify
from ..urls import public_url
from .models import LETTER_KINDS, Letter, LetterSequence, LetterTranslation
from ..errors import Refused


OFFICIAL_LANGUAGE = "zh"  # the bureau's official letters are Chinese (SPEC §9)


class LetterIntegrityError(RuntimeError):
    """Stored PDF bytes no longer match their SHA-256."""


def _insert_ignore(table):
    """INSERT … ON CONFLICT DO NOTHING on SQLite and PostgreSQL."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table).on_conflict_do_nothing()


def allocate_number(district_code: str, year: int) -> int:
    """The next letter number for (district, year), within the caller's transaction.

    The counter row is created if missing (a concurrent creator makes this a no-op), then
    bumped with one UPDATE: PostgreSQL row-locks it and SQLite takes its write lock until
    commit, so concurrent deciders get distinct, consecutive numbers; a rolled-back
    decision returns its number with it, so none is ever issued twice."""
    db.session.execute(_insert_ignore(LetterSequence.__table__).values(
        district_code=district_code, year=year, last_number=0))
    db.session.execute(update(LetterSequence)
                       .where(LetterSequence.district_code == district_code, LetterSequence.year == year)
                       .values(last_number=LetterSequence.last_number + 1)
                       .execution_options(synchronize_session=False))
    return db.session.scalar(select(LetterSequence.last_number).where(
        LetterSequence.district_code == district_code, LetterSequence.year == year))


def format_reference(district_code: str, year: int, number: int) -> str:
    return f"{district_code}-{year}-{number:05d}"


def translation_language(user) -> str | None:
    """The language of the courtesy translation the applicant gets besides the official
    Chinese letter (SPEC §9): "en" for an applicant whose language is English, else none."""
    locale = (getattr(user, "locale", None) or current_app.config["BABEL_DEFAULT_LOCALE"]).lower()
    return "en" if locale.startswith("en") else None


def verify_url(code: str) -> str:
    """The absolute address printed in the QR code, on the bureau's public host."""
    return public_url("letters.verify", code=code)


def issue_letter(application, kind: str, actor, *, snapshot=None) -> Letter:
    """Number, render and store the decision letter, in the deciding transaction: the
    official letter in Chinese, whatever the applicant's or the decider's language, and
    for an applicant whose language is English its courtesy translation (same reference,
    same code).

    ``snapshot``: the case's latest eligibility result, which a rejection letter explains."""
    from .render import letter_values, render_pdf

    if kind not in LETTER_KINDS:
        raise ValueError(f"unknown letter kind {kind!r}")
    on = application.decision_on or local_today()
    number = allocate_number(application.district_code, on.year)
    reference = format_reference(application.district_code, on.year, number)
    code = secrets.token_urlsafe(16)  # 128 bits
    db.session.flush()  # the relationships the letter shows (bank, decider) are loaded from the rows

    def render(lang: str) -> tuple[bytes, str]:
        pdf = render_pdf(letter_values(application, kind=kind, reference=reference, verification_code=code,
                                       lang=lang, verify_url=verify_url(code),
                                       snapshot=snapshot if kind == "rejection" else None))
        return pdf, hashlib.sha256(pdf).hexdigest()

    pdf, sha256 = render(OFFICIAL_LANGUAGE)
    letter = Letter(application_id=application.id, kind=kind, reference=reference,
                    district_code=application.district_code, year=on.year, number=number,
                    language=OFFICIAL_LANGUAGE, verification_code=code, pdf=pdf, sha256=sha256,
                    size_bytes=len(pdf), generated_by_id=getattr(actor, "id", None))
    lang = translation_language(application.applicant)
    if lang is not None:
        pdf, sha256 = render(lang)
        letter.translation = LetterTranslation(language=lang, pdf=pdf, sha256=sha256, size_bytes=len(pdf))
    db.session.add(letter)
    db.session.flush()
    # No audit row of its own: the decision's row is the event; the letter row records
    # who generated what (generated_by, generated_at, sha256).
    return letter


def letter_pdf(document: Letter | LetterTranslation) -> bytes:
    """The stored bytes of a letter or its translation, exactly as issued (checked against
    the stored SHA-256)."""
    data = document.pdf
    if hashlib.sha256(data).hexdigest() != document.sha256:
        what = "letter" if isinstance(document, Letter) else "translation of letter"
        raise LetterIntegrityError(f"{what} {document.reference}: stored PDF does not match its SHA-256")
    return data


def revoke_letter(letter: Letter, *, actor, reason: str) -> None:
    """A supervisor withdraws an approval letter; audited, and the applicant is told."""
    if actor.role != "supervisor":
        raise Refused(_l("Only a supervisor may revoke a letter."), status=403)
    if letter.kind != "approval":
        raise Refused(_l("Only approval letters can be revoked."), status=409)
    if letter.is_revoked:
        raise Refused(_l("This letter has already been revoked."), status=409)
    reason = (reason or "").strip()
    if not reason:
        raise Refused(_l("Give the reason for revoking the letter."), "reason")
    # Guarded: of two supervisors revoking at once, one revokes and the other is told.
    result = db.session.execute(update(Letter).where(Letter.id == letter.id, Letter.revoked_at.is_(None))
                                .values(revoked_at=utcnow(), revoked_by_id=actor.id, revoke_reason=reason)
                                .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise Refused(_l("This letter has already been revoked."), status=409)
    db.session.expire(letter, ["revoked_at", "revoked_by_id", "revoke_reason"])
    application = letter.application
    record("letter_revoked", application, actor=actor, reference=letter.reference, reason=reason)
    notify(application.applicant, application, "letter_revoked", reason=reason)


@dataclass(frozen=True)
class VerifiedDocument:
    """A document the verification code covers: the official letter or its translation."""

    official: bool
    language: str
    sha256: str


@dataclass(frozen=True)
class Verification:
    """What the public verification page may show: no personal data beyond a masked name."""

    reference: str
    kind: str
    masked_name: str
    amount: object
    decision_on: date | None
    valid_until: date | None
    state: str  # valid | expired | revoked | not_approved
    revoked_at: datetime | None
    documents: tuple[VerifiedDocument, ...] = ()


def mask_name(name: str | None) -> str:
    """``张三丰`` → ``张**``; ``Li Wei`` → ``L*****``."""
    name = (name or "").strip()
    return name[:1] + "*" * (len(name) - 1) if name else ""


def verification(letter: Letter, today: date | None = None) -> Verification:
    application = letter.application
    today = today or local_today()
    if letter.is_revoked:
        state = "revoked"
    elif letter.kind == "rejection":
        state = "not_approved"
    elif application.status == CaseStatus.expired.value or (
            application.status == CaseStatus.approved.value and application.valid_until_date is not None
            and application.valid_until_date < today):
        state = "expired"
    else:
        state = "valid"
    return Verification(reference=letter.reference, kind=letter.kind, masked_name=mask_name(application.full_name),
                        amount=application.approved_amount if letter.kind == "approval" else None,
                        decision_on=application.decision_on, valid_until=application.valid_until_date,
                        state=state, revoked_at=letter.revoked_at, documents=verified_documents(letter))


def verified_documents(letter: Letter) -> tuple[VerifiedDocument, ...]:
    documents = [VerifiedDocument(official=True, language=letter.language, sha256=letter.sha256)]
    if letter.translation is not None:
        documents.append(VerifiedDocument(official=False, language=letter.translation.language,
                                          sha256=letter.translation.sha256))
    return tuple(documents)
