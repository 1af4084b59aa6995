"""Batch printing as a background job (SPEC §14): the chosen letters, exactly as issued, in
one PDF for the supervisor who chose them."""
from __future__ import annotations

import io

from flask_babel import lazy_gettext as _l

from ..jobs.kinds import JobContext, JobFailed, job_kind


@job_kind("letters_print", _l("Letters for printing"), attempts=2, backoff_seconds=10)
def letters_print(context: JobContext) -> dict:
    """``letter_ids`` were checked against the supervisor's scope when the job was started."""
    from pypdf import PdfWriter

    from ..db import db
    from . import services
    from .models import Letter

    ids = [int(i) for i in context.params.get("letter_ids", [])]
    by_id = {letter.id: letter for letter in db.session.scalars(db.select(Letter).where(Letter.id.in_(ids)))}
    letters = [by_id[i] for i in ids if i in by_id]
    if not letters:
        raise JobFailed("not_found")
    writer = PdfWriter()
    for done, letter in enumerate(letters, 1):
        writer.append(io.BytesIO(services.letter_pdf(letter)))
        context.progress(done, len(letters))
    name = f"letters-{len(letters)}.pdf"
    with context.output(name).open("wb") as out:
        writer.write(out)
    return {"file": name, "letters": len(letters)}
