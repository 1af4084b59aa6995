"""Ledger import from the browser (admin): upload, progress, result; auditors read.

An upload is stored in the instance folder and imported by a background job
(``loans.ledger.jobs``, SPEC §14): a request-bound import of 100,000 loans would outlast any
proxy timeout. The run's page reloads itself every few seconds while the run is going (an
HTTP ``Refresh`` header: no script, nothing for the CSP to forbid), on whichever server
answers.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from ..access import ADMIN, AUDITOR, allow
from ..auth.models import User
from ..db import db
from .models import ImportStatus, LedgerImport
from . import runner
from .forms import LedgerUploadForm, max_upload_bytes
from .jobs import store_sources
from ..jobs.runner import submit
from .messages import reason_text
from .services import recent_imports

bp = Blueprint("ledger", __name__, url_prefix="/admin/ledger")

REFRESH_SECONDS = 3
STATUS_LABELS = {ImportStatus.running: _l("Running"), ImportStatus.done: _l("Imported"),
                 ImportStatus.failed: _l("Refused")}


@bp.url_value_preprocessor
def _upload_limit(endpoint, values):
    """A ledger is bigger than an evidence upload: raise the request limit for the admin's
    upload only (this runs before the CSRF check reads the form)."""
    if endpoint == "ledger.upload" and request.method == "POST" and current_user.is_authenticated \
            and current_user.role == ADMIN:
        request.max_content_length = max_upload_bytes() + 256 * 1024


def _list_page(form, status=200):
    imports = recent_imports()
    users = _names({i.started_by_id for i in imports})
    return render_template("ledger/imports.html", form=form, imports=imports, users=users,
                           labels=STATUS_LABELS, can_upload=current_user.role == ADMIN), status


def _names(ids) -> dict[int, str]:
    ids = [i for i in ids if i]
    if not ids:
        return {}
    return {u.id: u.name or u.email for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


@bp.get("/")
@allow(ADMIN, AUDITOR)
def imports():
    return _list_page(LedgerUploadForm() if current_user.role == ADMIN else None)


@bp.post("/")
@allow(ADMIN)
def upload():
    form = LedgerUploadForm()
    if not form.validate_on_submit():
        return _list_page(form, 400)
    sources = form.sources
    batch_id = runner.start(sources, actor=current_user)
    files = store_sources(batch_id, sources)
    submit("ledger_import", {"batch_id": batch_id, "files": files}, actor=current_user)
    flash(_("The import has started; this page shows its progress."), "info")
    return redirect(url_for(".show", import_id=batch_id), 303)


@bp.get("/<int:import_id>")
@allow(ADMIN, AUDITOR)
def show(import_id: int):
    batch = db.session.get(LedgerImport, import_id)
    if batch is None:
        abort(404)
    errors = [{**e, "reason": reason_text(e["code"], e.get("params"))} for e in (batch.errors or [])]
    users = _names({batch.started_by_id})
    running = batch.status == ImportStatus.running
    body = render_template("ledger/import.html", batch=batch, errors=errors, label=STATUS_LABELS.get(batch.status),
                           started_by=users.get(batch.started_by_id), running=running,
                           refresh_seconds=REFRESH_SECONDS)
    response = current_app.make_response(body)
    if running:
        response.headers["Refresh"] = str(REFRESH_SECONDS)
    return response
