"""The admin's rosters page (SPEC §15): each kind's roster and an upload per kind;
auditors read it. Template helpers show what a roster verified on a case."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..access import ADMIN, AUDITOR, allow
from ..auth.models import User
from ..db import db
from ..labels import ROSTER_KIND
from . import queries, services
from .forms import RosterUploadForm
from .parsing import RosterRefused, problem_text, columns_for

bp = Blueprint("rosters", __name__, url_prefix="/admin/rosters")


@bp.app_template_global()
def roster_evidence(application) -> dict:
    """Key group → roster as-of date, for the applicant's own application and the case page."""
    return queries.roster_evidence(application)


@bp.app_template_filter()
def roster_kind_label(kind: str) -> str:
    return str(ROSTER_KIND.get(kind, kind))


def _page(form=None, problems=None, status=200):
    summaries = queries.summaries()
    ids = {s.last_import.imported_by_id for s in summaries if s.last_import and s.last_import.imported_by_id}
    users = {u.id: u.name or u.email for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    return render_template("rosters/page.html", summaries=summaries, users=users, form=form,
                           problems=problems or [], failed_kind=form.kind.data if form is not None else None,
                           columns={kind: columns_for(kind) for kind in queries.KINDS},
                           can_upload=current_user.role == ADMIN, blank=RosterUploadForm()), status


@bp.get("/")
@allow(ADMIN, AUDITOR)
def page():
    return _page()


@bp.post("/")
@allow(ADMIN)
def upload():
    form = RosterUploadForm()
    if not form.validate_on_submit():
        return _page(form, [str(e) for errors in form.errors.values() for e in errors], 400)
    try:
        batch = services.import_roster(form.kind.data, form.file_name, form.file_bytes, actor=current_user)
    except RosterRefused as exc:
        return _page(form, [problem_text(p) for p in exc.problems], 400)
    flash(_("The roster of %(kind)s was replaced: %(n)s entries from %(file)s.", kind=ROSTER_KIND[batch.kind],
            n=batch.row_count, file=batch.file_name), "success")
    return redirect(url_for(".page"), 303)
