"""The ledger import as a background job (SPEC §14): the admin's upload is stored in the
instance folder (shared by every server and worker) and imported by a worker, with its
progress on the run's page and on the Jobs page.

The import is all-or-nothing in one transaction, so a worker killed in the middle leaves
no rows; the reaper then runs the job again (the run's record still says "running") or,
with no tries left, marks the run failed with the reason. A try that finds its run already
stored or refused (it ended just before its worker died) reports that and changes nothing.
"""
from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

from ..db import db, on_rollback
from ..jobs.kinds import JobContext, JobFailed, job_kind
from ..unit_of_work import beside_the_unit_of_work
from . import runner
from .models import ImportStatus, LedgerImport
from .parsing import SourceFile
from .services import set_progress

FOLDER = "job-files"


def _folder(batch_id: int) -> Path:
    return Path(current_app.instance_path) / FOLDER / f"ledger-{batch_id}"


def store_sources(batch_id: int, sources: list[SourceFile]) -> list[dict]:
    """Write the uploaded files where any worker finds them; removed again if the upload's
    unit of work rolls back, and by the job when the run ends."""
    folder = _folder(batch_id)
    folder.mkdir(parents=True, exist_ok=True)
    on_rollback(lambda: shutil.rmtree(folder, ignore_errors=True))
    stored = []
    for index, source in enumerate(sources):
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", source.name)[-80:] or "file"
        path = folder / f"{index:02d}-{safe}"
        path.write_bytes(source.data)
        stored.append({"name": source.name, "file": path.name})
    return stored


def _load_sources(batch_id: int, files: list[dict]) -> list[SourceFile]:
    folder = _folder(batch_id)
    try:
        sources = [SourceFile(f["name"], path=folder / f["file"]) for f in files]
        for source in sources:
            source.open().close()  # there still (the run reads it a piece at a time)
        return sources
    except FileNotFoundError:
        raise JobFailed("files_missing") from None


def _remove_sources(batch_id: int) -> None:
    shutil.rmtree(_folder(batch_id), ignore_errors=True)


def _import_given_up(job_id: int, params: dict) -> None:
    """No tries left (a worker died each time): the run says so instead of "running"."""
    from .services import mark_failed

    batch = db.session.get(LedgerImport, params["batch_id"])
    if batch is not None and batch.status == ImportStatus.running:
        mark_failed(batch.id, [{"file": "", "row": None, "column": None, "code": "interrupted", "params": {}}])
    _remove_sources(params["batch_id"])


def _summary(batch: LedgerImport) -> dict:
    return {"batch_id": batch.id, "status": str(batch.status), "loans_added": batch.loans_added,
            "events_added": batch.events_added}


@job_kind("ledger_import", _l("Ledger import"), attempts=3, backoff_seconds=10, own_units=True,
          on_give_up=_import_given_up,
          result_link=lambda params, result: ("ledger.show", {"import_id": params["batch_id"]}))
def ledger_import(context: JobContext) -> dict:
    from ..auth.models import User

    batch_id = context.params["batch_id"]
    batch = db.session.get(LedgerImport, batch_id)
    if batch is None:
        raise JobFailed("not_found")
    if batch.status != ImportStatus.running:  # stored or refused by a try whose worker then died
        _remove_sources(batch_id)
        if batch.status == ImportStatus.failed:
            raise JobFailed("ledger_refused", problems=len(batch.errors or []), batch_id=batch_id)
        return _summary(batch)
    sources = _load_sources(batch_id, context.params.get("files", []))
    actor = db.session.get(User, context.started_by_id) if context.started_by_id else None
    last = [0.0]

    def progress(phase, done, total):
        # Only while rows are read: once writing starts, the run's transaction holds the
        # database (all of it, on SQLite) and the page says "writing".
        now = time.monotonic()
        if phase == "check" and (now - last[0] >= 1.0 or done == total):
            last[0] = now
            with beside_the_unit_of_work() as connection:
                set_progress(connection, batch_id, done, total)
            context.progress(done, total)

    result, problems = runner.execute(batch_id, sources, actor=actor, progress=progress)
    _remove_sources(batch_id)
    if problems:
        raise JobFailed("ledger_refused", problems=len(problems), batch_id=batch_id)
    db.session.expire_all()
    return _summary(db.session.get(LedgerImport, batch_id))
