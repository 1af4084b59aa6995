"""Running one import, for the CLI and the admin page alike, in units of work of its own.

The run's record is stored first (one unit of work), so it stays whatever happens; then
the run stores its loans and events with the record marked ``done`` (a second one), or,
refused, that is all rolled back and the record is marked ``failed`` with its problems (a
third). While rows are being checked, progress is written beside the run's transaction.
From the admin page the run is a background job (``loans.ledger.jobs``); the CLI runs it here.
Services only flush; ``loans.unit_of_work`` commits. Inside a request or a CLI command
these units commit on their own, before the request's or command's own unit of work ends.
"""
from __future__ import annotations

import logging
import threading
from contextlib import contextmanager

from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from ..db import db
from ..garbage import collector_paused
from ..unit_of_work import beside_the_unit_of_work, unit_of_work
from .parsing import FileRefused, Problem, SourceFile
from .services import ImportResult, LedgerRefused, Progress, begin_import, mark_failed, run_import, set_progress

log = logging.getLogger(__name__)
ANALYZE_AFTER_ROWS = 10_000
INTERNAL = {"file": "", "row": None, "column": None, "code": "internal", "params": {}}

_run_lock = threading.Lock()  # one run at a time in this process (PostgreSQL also locks across processes)


@contextmanager
def _one_run_here():
    if not _run_lock.acquire(blocking=False):
        raise LedgerRefused([Problem("", None, None, "another_run")])
    try:
        yield
    finally:
        _run_lock.release()


def start(sources: list[SourceFile], *, actor=None) -> int:
    """Record a new run (committed) and return its id."""
    with unit_of_work():
        batch_id = begin_import(sources, actor=actor).id
    return batch_id


def execute(batch_id: int, sources: list[SourceFile], *, actor=None,
            progress: Progress | None = None) -> tuple[ImportResult | None, list[dict] | None]:
    """(result, None) when stored, (None, problems) when refused; committed either way."""
    from .models import LedgerImport

    try:
        with _one_run_here(), unit_of_work():  # committed before another run may start here
            batch = db.session.get(LedgerImport, batch_id)
            with collector_paused():  # rows parsed and kept until written: no collector passes (loans.garbage)
                result = run_import(batch, sources, actor=actor, progress=progress)
        _refresh_statistics(result)
        return result, None
    except LedgerRefused as exc:
        problems = exc.as_dicts()
    except FileRefused as exc:  # a file on disk changed or went away while the run read it
        problems = [problem.as_dict() for problem in exc.problems]
    except IntegrityError:  # another process stored the same loan_ref or event meanwhile
        log.warning("ledger import %s collided with a concurrent change", batch_id, exc_info=True)
        problems = [Problem("", None, None, "stored_meanwhile").as_dict()]
    except Exception:  # a bug, not bad input: the run is still recorded as failed
        log.exception("ledger import %s failed", batch_id)
        problems = [dict(INTERNAL)]
    with unit_of_work():
        mark_failed(batch_id, problems, actor=actor)
    return None, problems


def _refresh_statistics(result: ImportResult) -> None:
    """After a big load, PostgreSQL's planner still believes the tables small until
    autovacuum comes by; a next import at once (a quarter's events) then scans instead of
    using the indexes (measured: 68 s instead of 9 s to re-check 100,000 loans)."""
    if db.engine.dialect.name != "postgresql" or result.loans_added + result.events_added < ANALYZE_AFTER_ROWS:
        return
    try:
        with beside_the_unit_of_work() as connection:
            connection.execute(text("ANALYZE loans, loan_events"))
    except Exception:  # noqa: BLE001 — statistics are an optimisation; the import is committed
        log.warning("ANALYZE after the ledger import failed", exc_info=True)
