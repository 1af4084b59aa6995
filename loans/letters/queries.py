"""Reads: letters within the user's scope (others' → 404), the supervisor's print list."""
from __future__ import annotations

from flask import abort
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, selectinload

from ..applications.queries import application_or_404, visible_applications
from ..db import Page, db, paginate
from .models import Letter, LetterTranslation

PAGE_SIZE = 50


def letters_for(application) -> list[Letter]:
    """The case's letters, each with its courtesy translation (if any) loaded, not its bytes."""
    return list(db.session.scalars(select(Letter).where(Letter.application_id == application.id)
                                   .options(selectinload(Letter.translation)).order_by(Letter.id)))


def letter_or_404(letter_id: int, user) -> Letter:
    letter = db.session.get(Letter, letter_id)
    if letter is None:
        abort(404)
    application_or_404(letter.application_id, user)  # outside the user's scope → 404
    return letter


def translation_or_404(letter_id: int, user) -> LetterTranslation:
    """The courtesy translation of a letter in the user's scope (none, or out of scope → 404)."""
    translation = letter_or_404(letter_id, user).translation
    if translation is None:
        abort(404)
    return translation


def letter_by_code(code: str) -> Letter | None:
    return db.session.scalar(select(Letter).where(Letter.verification_code == code))


def letter_by_reference(reference: str) -> Letter | None:
    return db.session.scalar(select(Letter).where(Letter.reference == reference))


def printable_letters(user, page: int | None = 1) -> Page:
    """Letters of decided cases in the user's scope, newest first: one page (and the total)."""
    in_scope = Letter.application_id.in_(select(visible_applications(user).subquery().c.id))
    total = db.session.scalar(select(func.count(Letter.id)).where(in_scope))
    return paginate(select(Letter).join(Letter.application).where(in_scope).options(contains_eager(Letter.application))
                    .order_by(Letter.generated_at.desc(), Letter.id.desc()), page, PAGE_SIZE, total=total)


def letters_in_scope(user, letter_ids: list[int]) -> list[Letter]:
    """The chosen letters the user may print, in the order chosen; unknown ids are dropped."""
    scope = select(visible_applications(user).subquery().c.id)
    found = {letter.id: letter for letter in db.session.scalars(
        select(Letter).where(Letter.id.in_(letter_ids), Letter.application_id.in_(scope)))}
    return [found[i] for i in letter_ids if i in found]
