"""Letters: download (applicant and case staff), batch print and revoke (supervisors),
and the public verification page."""
from __future__ import annotations

import io

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import APPLICANT, AUDITOR, OFFICER, SUPERVISOR, allow, public
from ..db import db
from . import queries, services
from .forms import RevokeForm
from ..errors import Refused

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


@bp.get("/letters/print")
@allow(SUPERVISOR)
def batch():
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), 100_000)
    letters, total = queries.printable_letters(current_user, page)
    pages = max((total + queries.PAGE_SIZE - 1) // queries.PAGE_SIZE, 1)
    return render_template("letters/batch.html", letters=letters, total=total, page=page, pages=pages)


@bp.post("/letters/print")
@allow(SUPERVISOR)
def batch_pdf():
    from pypdf import PdfWriter

    ids = [int(x) for x in request.form.getlist("letter_id") if x.isdigit() and len(x) <= 9]
    letters = queries.letters_in_scope(current_user, ids)
    if not letters:
        flash(_("Choose at least one letter to print."), "warning")
        return redirect(url_for(".batch"))
    writer = PdfWriter()
    for letter in letters:
        writer.append(io.BytesIO(services.letter_pdf(letter)))
    out = io.BytesIO()
    writer.write(out)
    return _pdf_response(out.getvalue(), f"letters-{len(letters)}.pdf")


@bp.post("/letters/<int:letter_id>/revoke")
@allow(SUPERVISOR)
def revoke(letter_id: int):
    letter = queries.letter_or_404(letter_id, current_user)
    form = RevokeForm()
    back = url_for("review.case", application_id=letter.application_id) + "#letters"
    if not form.validate_on_submit():
        flash(_("Give the reason for revoking the letter."), "danger")
        return redirect(back), 400
    try:
        services.revoke_letter(letter, actor=current_user, reason=form.reason.data)
    except Refused as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(back), 409
    db.session.commit()
    flash(_("Letter %(ref)s revoked; the applicant has been told.", ref=letter.reference), "success")
    return redirect(back)


@bp.get("/verify/<code>")
@public
def verify(code: str):
    letter = queries.letter_by_code(code) if len(code) <= 64 else None
    if letter is None:
        return render_template("letters/verify_unknown.html"), 404
    return render_template("letters/verify.html", v=services.verification(letter))


@bp.app_template_global("letters_for")
def letters_for_template(application):
    return queries.letters_for(application)


@bp.app_template_global("revoke_form")
def revoke_form_template():
    return RevokeForm()
