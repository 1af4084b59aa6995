from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, db, enum_type, utcnow


class LetterKind(StrEnum):
    approval = "approval"
    rejection = "rejection"


LETTER_KINDS = tuple(LetterKind)


class LetterSequence(db.Model):
    """The last letter number issued per district and year; one row, bumped by a guarded
    update inside the deciding transaction, so numbers are never handed out twice."""

    __tablename__ = "letter_sequences"

    district_code: Mapped[str] = mapped_column(ForeignKey("districts.code"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(default=0)


class Letter(db.Model):
    """A decision letter as issued: the PDF bytes are stored in the row (same transaction
    as the decision, so a rolled-back decision leaves no letter behind) with their SHA-256.

    The bureau's official document, in Chinese (``language`` "zh"; letters issued before
    SPEC §9 was amended may be "en" and stay as issued). An applicant whose language is
    English also gets a courtesy translation (``translation``) under the same reference
    and verification code."""

    __tablename__ = "letters"
    __table_args__ = (UniqueConstraint("application_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("loan_applications.id"), index=True)
    kind: Mapped[LetterKind] = mapped_column(enum_type(LetterKind))
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    district_code: Mapped[str] = mapped_column(ForeignKey("districts.code"))
    year: Mapped[int]
    number: Mapped[int]
    language: Mapped[str] = mapped_column(String(5))
    verification_code: Mapped[str] = mapped_column(String(32), unique=True, index=True)
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int]
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    generated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoke_reason: Mapped[str | None] = mapped_column(Text)

    application = relationship("LoanApplication")
    revoked_by = relationship("User", foreign_keys=[revoked_by_id])
    translation: Mapped[LetterTranslation | None] = relationship(back_populates="letter", uselist=False)

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class LetterTranslation(db.Model):
    """The English courtesy translation of a letter, rendered and stored with it, once
    (SPEC §9): marked as a translation on every page, it carries the letter's reference
    and verification code; the Chinese letter stays the official document."""

    __tablename__ = "letter_translations"

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letters.id"), unique=True)
    language: Mapped[str] = mapped_column(String(5))
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int]
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    letter: Mapped[Letter] = relationship(back_populates="translation")

    @property
    def reference(self) -> str:
        return self.letter.reference
