"""Letters: download (applicant and case staff), batch print and revoke (supervisors),
and the public verification page."""
from __future__ import annotations

import io

from flask import Blueprint, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user

from ..access import APPLICANT, AUDITOR, OFFICER, SUPERVISOR, allow, public
from ..applications.queries import portal_letters as portal_letters_reader
from ..errors import Refused, on_refusal
from . import queries, services
from .forms import RevokeForm
from ..jobs.runner import submit

bp = Blueprint("letters", __name__)


def _pdf_response(data: bytes, name: str, *, etag: str | None = None):
    response = send_file(io.BytesIO(data), mimetype="application/pdf", download_name=name,
                         as_attachment=request.args.get("download") == "1", max_age=0, etag=etag or False)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/letters/<int:letter_id>.pdf")
@allow(APPLICANT, OFFICER, SUPERVISOR, AUDITOR)
def download(letter_id: int):
    letter = queries.letter_or_404(letter_id, current_user)
    return _pdf_response(services.letter_pdf(letter), f"{letter.reference}.pdf", etag=letter.sha256)


@bp.get("/letters/<int:letter_id>/translation.pdf")
@allow(APPLICANT, OFFICER, SUPERVISOR, AUDITOR)
def download_translation(letter_id: int):
    translation = queries.translation_or_404(letter_id, current_user)
    return _pdf_response(services.letter_pdf(translation), f"{translation.reference}-{translation.language}.pdf",
                         etag=translation.sha256)


@bp.get("/letters/print")
@allow(SUPERVISOR)
def batch():
    return _batch_page(request.args.get("page", 1, type=int))


def _batch_page(page):
    listed = queries.printable_letters(current_user, page)
    return render_template("letters/batch.html", letters=listed.items, total=listed.total, page=listed.page,
                           pages=listed.pages)


@bp.post("/letters/print")
@allow(SUPERVISOR)
def batch_pdf():
    """The chosen letters in one PDF, made by a background job (SPEC §14); its page hands the
    PDF over when it is ready."""
    ids = [int(x) for x in request.form.getlist("letter_id") if x.isdigit() and len(x) <= 9]
    letters = queries.letters_in_scope(current_user, ids)
    if not letters:
        on_refusal(lambda: _batch_page(request.form.get("page", 1, type=int)))
        raise Refused(_l("Choose at least one letter to print."))
    job = submit("letters_print", {"letter_ids": [letter.id for letter in letters]}, actor=current_user)
    return redirect(url_for("jobs.show", job_id=job.id, follow=1), 303)


@bp.post("/letters/<int:letter_id>/revoke")
@allow(SUPERVISOR)
def revoke(letter_id: int):
    letter = queries.letter_or_404(letter_id, current_user)
    application_id = letter.application_id
    # refused: the case page again, with the reason at the top (the review blueprint's own view
    # renders it; letters do not import review, which imports letters)
    on_refusal(lambda: current_app.view_functions["review.case"](application_id=application_id))
    form = RevokeForm()
    if not form.validate_on_submit():
        raise Refused(_l("Give the reason for revoking the letter."))
    services.revoke_letter(letter, actor=current_user, reason=form.reason.data)
    flash(_("Letter %(ref)s revoked; the applicant has been told.", ref=letter.reference), "success")
    return redirect(url_for("review.case", application_id=application_id) + "#letters")


@bp.get("/verify/<code>")
@public
def verify(code: str):
    letter = queries.letter_by_code(code) if len(code) <= 64 else None
    if letter is None:
        return render_template("letters/verify_unknown.html"), 404
    return render_template("letters/verify.html", v=services.verification(letter))


portal_letters_reader.provide(queries.letters_for)  # the status page lists them, and warns of a revoked approval
