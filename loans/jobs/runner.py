"""Submitting, running, retrying and reaping jobs — the same code in a worker, in a test
(jobs run inline when no consumer runs) and from the command line.

- ``submit`` adds the job's row to the caller's unit of work; the job is handed to the
  queue only once that commits (a job for a change that rolled back never runs). Without a
  consumer (Huey's immediate mode: tests), it runs right after the unit of work ends.
- ``run`` claims a queued job atomically (two deliveries of one job run it once), beats a
  heartbeat while it runs, and records done, a retry with backoff, or failed.
- ``reap`` finds running jobs whose heartbeat stopped (their worker died) and retries them
  while tries are left, else marks them failed — never "running" forever.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update

from ..db import after_commit, db, utcnow
from ..unit_of_work import abandon, beside_the_unit_of_work, unit_of_work
from .kinds import JobContext, JobFailed, kind as kind_named
from .models import Job, JobState

log = logging.getLogger(__name__)

PROGRESS_EVERY_SECONDS = 1.0
DETAIL_LIMIT = 500


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def output_folder(job_id: int) -> Path:
    """Files a job made for its starter, in the instance folder (shared by every server);
    housekeeping removes them after a week."""
    return Path(current_app.instance_path) / "job-files" / f"job-{job_id}"


def heartbeat_seconds() -> float:
    return float(current_app.config["JOB_HEARTBEAT_SECONDS"])


def stale_after() -> timedelta:
    return timedelta(seconds=float(current_app.config["JOB_STALE_SECONDS"]))


# --- submitting ------------------------------------------------------------------------------

def submit(kind: str, params: dict | None = None, *, actor=None) -> Job:
    """Add a job to the current unit of work; it is queued when that commits."""
    registered = kind_named(kind)
    if registered is None:
        raise KeyError(f"no job kind {kind!r}")
    job = Job(kind=kind, params=params or {}, state=JobState.queued, max_attempts=registered.attempts,
              started_by_id=getattr(actor, "id", None), progress_done=0, attempts=0)
    db.session.add(job)
    db.session.flush()
    job_id = job.id
    app = current_app._get_current_object()
    after_commit(lambda: dispatch(app, job_id))
    return job


def dispatch(app, job_id: int, delay: float | None = None) -> None:
    """Hand a committed job to the queue. With no consumer it runs here and now, in an app
    context (and so a database session) of its own, even when called as the commit ends."""
    queue = app.extensions["jobs"]
    if delay and not queue.immediate:
        queue.task.schedule((job_id,), delay=delay)
    else:
        queue.task(job_id)


# --- running ---------------------------------------------------------------------------------

class Heartbeat:
    """Stamps the running job every few seconds from a thread of the worker (never of the
    web process: with no consumer, jobs run inline and need none)."""

    def __init__(self, app, job_id: int, every: float):
        self.app, self.job_id, self.every = app, job_id, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"job-{job_id}-heartbeat", daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(self.every + 5)

    def _beat(self):
        with self.app.app_context():
            while not self._stop.wait(self.every):
                try:
                    with beside_the_unit_of_work() as connection:
                        connection.execute(update(Job).where(Job.id == self.job_id, Job.state == JobState.running)
                                           .values(heartbeat_at=utcnow()))
                except Exception:  # noqa: BLE001 — a busy database skips a beat; the reaper allows for several
                    log.debug("job %s: heartbeat skipped", self.job_id, exc_info=True)


def _claim(job_id: int) -> bool:
    now = utcnow()
    with beside_the_unit_of_work() as connection:
        claimed = connection.execute(
            update(Job).where(Job.id == job_id, Job.state == JobState.queued)
            .values(state=JobState.running, attempts=Job.attempts + 1, started_at=now, heartbeat_at=now,
                    worker=worker_name(), error=None)
        ).rowcount
    return claimed == 1


def _progress_writer(job_id: int):
    last = [0.0]

    def progress(done: int, total: int | None = None) -> None:
        now = time.monotonic()
        if now - last[0] < PROGRESS_EVERY_SECONDS and (total is None or done < total):
            return
        last[0] = now
        try:
            with beside_the_unit_of_work() as connection:
                connection.execute(update(Job).where(Job.id == job_id)
                                   .values(progress_done=done, progress_total=total, heartbeat_at=utcnow()))
        except Exception:  # noqa: BLE001 — progress is for the eye; the work goes on
            log.debug("job %s: progress not written", job_id, exc_info=True)

    return progress


def run(job_id: int) -> JobState | None:
    """Run a queued job (a Huey task calls this in a worker). Returns its state after this
    try, or None when it was not queued (already taken, done, or unknown)."""
    if not _claim(job_id):
        log.info("job %s: not queued any more; skipped", job_id)
        return None
    job = db.session.get(Job, job_id)
    registered = kind_named(job.kind)
    context = JobContext(job_id=job.id, params=dict(job.params or {}), started_by_id=job.started_by_id,
                         attempt=job.attempts, progress=_progress_writer(job.id), folder=output_folder(job.id))
    app = current_app._get_current_object()
    inline = app.extensions["jobs"].immediate
    log.info("job %s (%s) try %s started", job_id, job.kind, job.attempts)
    try:
        if registered is None:
            raise JobFailed("unknown_kind", kind=job.kind)
        with (_no_heartbeat() if inline else Heartbeat(app, job_id, heartbeat_seconds())):
            if registered.own_units:
                result = registered.function(context)
                with unit_of_work():
                    _finish(job_id, JobState.done, result=result)
            else:
                with unit_of_work():
                    result = registered.function(context)
                    _finish(job_id, JobState.done, result=result)
    except JobFailed as failure:
        abandon()
        _give_up(job_id, {"code": failure.code, "params": _jsonable(failure.params)})
        return JobState.failed
    except Exception as exc:  # a bug or an outage: retried while tries are left
        abandon()
        log.exception("job %s (%s) try %s failed", job_id, job.kind if job else "?", context.attempt)
        detail = "".join(traceback.format_exception_only(exc)).strip()[:DETAIL_LIMIT]
        error = {"code": "internal", "params": {}, "detail": detail}
        from ..operations import count_job_failure

        count_job_failure(registered.name if registered else "unknown")
        if context.attempt < (registered.attempts if registered else 1):
            delay = registered.backoff_seconds * 2 ** (context.attempt - 1)
            if _requeue(job_id, error):
                dispatch(app, job_id, delay=delay)
            return JobState.queued
        _give_up(job_id, error)
        return JobState.failed
    log.info("job %s (%s) done", job_id, registered.name)
    return JobState.done


class _no_heartbeat:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _jsonable(params: dict) -> dict:
    return {k: (v if isinstance(v, (int, str, bool, type(None), list, dict)) else str(v)) for k, v in params.items()}


def _finish(job_id: int, state: JobState, *, result=None, error=None) -> None:
    values = {"state": state, "finished_at": utcnow(), "result": result, "error": error}
    if state == JobState.done:
        job = db.session.get(Job, job_id)
        if job.progress_total:
            values["progress_done"] = job.progress_total
    db.session.execute(update(Job).where(Job.id == job_id, Job.state == JobState.running).values(**values))


def _requeue(job_id: int, error: dict) -> bool:
    with unit_of_work():
        changed = db.session.execute(update(Job).where(Job.id == job_id, Job.state == JobState.running)
                                     .values(state=JobState.queued, error=error, worker=None)).rowcount
    return changed == 1


def _give_up(job_id: int, error: dict) -> None:
    """Failed for good: the job, and whatever the kind keeps of its own, in one unit of work."""
    try:
        with unit_of_work():
            job = db.session.get(Job, job_id)
            registered = kind_named(job.kind)
            db.session.execute(update(Job).where(Job.id == job_id, Job.state == JobState.running)
                               .values(state=JobState.failed, finished_at=utcnow(), error=error))
            if registered and registered.on_give_up:
                registered.on_give_up(job_id, dict(job.params or {}))
    except Exception:  # noqa: BLE001 — the database itself fails; the reaper will find the job
        log.exception("job %s could not be marked failed", job_id)
        abandon()


# --- reaping ---------------------------------------------------------------------------------

def _dead_here(worker: str | None) -> bool:
    """A worker of this machine whose process is gone (a restart after a crash finds its
    jobs at once instead of waiting for their heartbeat to go stale)."""
    host, _, pid = (worker or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # alive, someone else's
        return False
    return False


def reap() -> dict:
    """Jobs running with no heartbeat for ``JOB_STALE_SECONDS``, or whose worker process on
    this machine is gone: their worker died. Retried while tries are left (the kinds are
    safe to run again), else failed with the reason."""
    app = current_app._get_current_object()
    cutoff = utcnow() - stale_after()
    running = db.session.execute(select(Job.id, Job.kind, Job.attempts, Job.max_attempts, Job.heartbeat_at,
                                        Job.worker).where(Job.state == JobState.running)).all()
    abandon()
    stale = [row for row in running if row.heartbeat_at < cutoff or _dead_here(row.worker)]
    retried, failed = [], []
    error = {"code": "worker_died", "params": {}}
    for job_id, kind, attempts, max_attempts, heartbeat_at, worker in stale:
        log.warning("job %s (%s): its worker %s stopped (try %s of %s)", job_id, kind, worker, attempts, max_attempts)
        from ..operations import count_job_failure

        count_job_failure(kind)
        same = (Job.id == job_id, Job.state == JobState.running, Job.heartbeat_at == heartbeat_at)
        if attempts < max_attempts:
            with unit_of_work():
                changed = db.session.execute(update(Job).where(*same)
                                             .values(state=JobState.queued, error=error, worker=None)).rowcount
            if changed:
                dispatch(app, job_id)
                retried.append(job_id)
        else:
            with unit_of_work():
                job = db.session.get(Job, job_id)
                changed = db.session.execute(update(Job).where(*same).values(
                    state=JobState.failed, error=error, finished_at=utcnow())).rowcount
                registered = kind_named(kind)
                if changed and registered and registered.on_give_up:
                    registered.on_give_up(job_id, dict(job.params or {}))
            if changed:
                failed.append(job_id)
    return {"retried": retried, "failed": failed}


def redispatch_queued() -> int:
    """At a consumer's start: hand every queued job to the queue again (a message lost with
    a queue that was wiped, or a retry waiting for its delay). Claiming is atomic, so a job
    delivered twice still runs once."""
    app = current_app._get_current_object()
    ids = list(db.session.scalars(select(Job.id).where(Job.state == JobState.queued).order_by(Job.id)))
    abandon()
    for job_id in ids:
        dispatch(app, job_id)
    return len(ids)
