"""The admin's Jobs page (queued, running, failed with the error, retried, done) and each
job's own page for the person who started it: progress while it runs (the page reloads
itself: an HTTP ``Refresh`` header, no script), then its result — or, for its starter
arriving from the form that started it, the result's own page."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, or_, select, true

from ..access import ADMIN, AUDITOR, FINANCE, SUPERVISOR, allow
from ..auth.models import User
from ..db import db, paginate
from ..errors import Refused, on_refusal
from .kinds import KINDS, kind as kind_named
from .messages import reason_text
from .models import Job, JobState
from .runner import output_folder, submit

bp = Blueprint("jobs", __name__)

REFRESH_SECONDS = 2
PER_PAGE = 50
STATE_LABELS = {JobState.queued: _l("Queued"), JobState.running: _l("In progress"), JobState.done: _l("Done"),
                JobState.failed: _l("Failed")}
BADGES = {JobState.queued: "text-bg-secondary", JobState.running: "text-bg-primary", JobState.done: "text-bg-success",
          JobState.failed: "text-bg-danger"}
FILTERS = {"all": _l("All"), "queued": _l("Queued"), "running": _l("In progress"), "failed": _l("Failed"),
           "retried": _l("Retried"), "done": _l("Done")}
SEES_EVERY_JOB = (ADMIN, AUDITOR)


def _names(ids) -> dict[int, str]:
    ids = [i for i in ids if i]
    if not ids:
        return {}
    return {u.id: u.name or u.email for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


def _shown(sends: bool):
    """Which jobs the list shows: routine ones (a message send per notification, the retry
    sweep: a kind registered with ``extra={"routine": True}``) only when asked — or failed."""
    routine = [k.name for k in KINDS.values() if k.extra.get("routine")]
    return true() if sends or not routine else or_(Job.kind.not_in(routine), Job.state == JobState.failed)


def _filtered(which: str, sends: bool):
    query = select(Job).where(_shown(sends))
    if which in ("queued", "running", "failed", "done"):
        query = query.where(Job.state == which)
    elif which == "retried":
        query = query.where(Job.attempts > 1)
    return query.order_by(Job.id.desc())


def _list_page(status=200):
    which = request.args.get("state", "all")
    if which not in FILTERS:
        which = "all"
    sends = request.args.get("sends") == "1"
    page = paginate(_filtered(which, sends), request.args.get("page", 1, type=int), PER_PAGE)
    counts = dict(db.session.execute(select(Job.state, func.count()).where(_shown(sends)).group_by(Job.state)).all())
    retried = db.session.scalar(select(func.count()).select_from(Job).where(Job.attempts > 1, _shown(sends)))
    manual = [k for k in KINDS.values() if k.manual] if current_user.role == ADMIN else []
    body = render_template("jobs/list.html", jobs=page.items, page=page, which=which, filters=FILTERS, sends=sends,
                           counts={str(k): v for k, v in counts.items()}, retried=retried, manual=manual,
                           kinds=KINDS, labels=STATE_LABELS, badges=BADGES, users=_names({j.started_by_id for j in page.items}),
                           reason_text=reason_text)
    response = current_app.make_response((body, status))
    if any(j.state in (JobState.queued, JobState.running) for j in page.items):
        response.headers["Refresh"] = str(REFRESH_SECONDS * 3)
    return response


@bp.get("/admin/jobs")
@allow(ADMIN, AUDITOR)
def jobs():
    return _list_page()


@bp.post("/admin/jobs")
@allow(ADMIN)
def start():
    """Run a scheduled job now (the schedule runs it anyway; this is for when it is wanted sooner)."""
    registered = kind_named(request.form.get("kind", ""))
    if registered is None or not registered.manual:
        on_refusal(lambda: _list_page(400))
        raise Refused(_l("Choose one of the jobs listed."))
    job = submit(registered.name, {}, actor=current_user)
    flash(_("%(job)s queued.", job=registered.label), "info")
    return redirect(url_for(".show", job_id=job.id), 303)


@bp.post("/admin/jobs/<int:job_id>/retry")
@allow(ADMIN)
def retry(job_id: int):
    """Run a failed job again, as a new job with the same parameters (the failed one stays on record)."""
    job = db.session.get(Job, job_id)
    if job is None:
        abort(404)
    registered = kind_named(job.kind)
    if job.state != JobState.failed or registered is None or not _retryable(job):
        on_refusal(lambda: _list_page(409))
        raise Refused(_l("Only a job that failed on an error or a stopped worker can be run again."), status=409)
    again = submit(job.kind, dict(job.params or {}), actor=current_user)
    flash(_("Job #%(old)s queued again as job #%(new)s.", old=job.id, new=again.id), "info")
    return redirect(url_for(".show", job_id=again.id), 303)


def _retryable(job: Job) -> bool:
    return (job.error or {}).get("code") in ("internal", "worker_died") and job.kind != "ledger_import"


def job_or_404(job_id: int) -> Job:
    """Admins and auditors see every job; others only those they started."""
    job = db.session.get(Job, job_id)
    if job is None or (current_user.role not in SEES_EVERY_JOB and job.started_by_id != current_user.id):
        abort(404)
    return job


@bp.get("/jobs/<int:job_id>/file")
@allow(ADMIN, AUDITOR, FINANCE, SUPERVISOR)
def download(job_id: int):
    """The file a job made (a PDF to print), for whoever may see the job; gone after a week."""
    job = job_or_404(job_id)
    name = (job.result or {}).get("file")
    path = output_folder(job.id) / name if name and "/" not in name and name not in (".", "..") else None
    if job.state != JobState.done or path is None or not path.is_file():
        abort(404)
    response = send_file(path, as_attachment=request.args.get("download") == "1", download_name=name, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/jobs/<int:job_id>")
@allow(ADMIN, AUDITOR, FINANCE, SUPERVISOR)
def show(job_id: int):
    job = job_or_404(job_id)
    registered = kind_named(job.kind)
    target = registered.result_link(dict(job.params or {}), job.result) if registered and registered.result_link \
        else None
    link = url_for(target[0], **target[1]) if target else None
    follow = request.args.get("follow") == "1" and job.started_by_id == current_user.id
    if follow and job.state == JobState.done and (job.result or {}).get("file"):
        return redirect(url_for(".download", job_id=job.id))
    if follow and job.state == JobState.done and link:
        for category, message in (registered.result_messages(dict(job.params or {}), job.result)
                                  if registered.result_messages else []):
            flash(message, category)
        return redirect(link)
    running = job.state in (JobState.queued, JobState.running)
    body = render_template("jobs/show.html", job=job, kind=registered, link=link, running=running,
                           label=STATE_LABELS.get(job.state, job.state), badges=BADGES, reason=reason_text(job.error),
                           started_by=_names({job.started_by_id}).get(job.started_by_id),
                           messages=(registered.result_messages(dict(job.params or {}), job.result)
                                     if registered and registered.result_messages and job.state == JobState.done
                                     else []),
                           refresh_seconds=REFRESH_SECONDS, can_retry=current_user.role == ADMIN and _retryable(job)
                           and job.state == JobState.failed, follow=follow)
    response = current_app.make_response(body)
    if running:
        response.headers["Refresh"] = str(REFRESH_SECONDS)
    return response
