"""Running one import as a unit of work, for the CLI and the admin page alike.

The run's record is committed first, so it stays whatever happens; then the run either
commits its loans and events with the record marked ``done``, or rolls back and commits
the record marked ``failed`` with its problems. Services only flush; commits are here.
"""
from __future__ import annotations

import logging
import threading
import time
from contextlib import contextmanager

from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from ..db import db
from .parsing import Problem, SourceFile
from .services import ImportResult, LedgerRefused, Progress, begin_import, mark_failed, run_import, set_progress

log = logging.getLogger(__name__)
ANALYZE_AFTER_ROWS = 10_000
INTERNAL = {"file": "", "row": None, "column": None, "code": "internal", "params": {}}

_threads: dict[int, threading.Thread] = {}
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
    batch = begin_import(sources, actor=actor)
    db.session.commit()
    return batch.id


def execute(batch_id: int, sources: list[SourceFile], *, actor=None,
            progress: Progress | None = None) -> tuple[ImportResult | None, list[dict] | None]:
    """(result, None) when stored, (None, problems) when refused; committed either way."""
    from .models import LedgerImport

    batch = db.session.get(LedgerImport, batch_id)
    try:
        with _one_run_here():
            result = run_import(batch, sources, actor=actor, progress=progress)
            db.session.commit()
        _refresh_statistics(result)
        return result, None
    except LedgerRefused as exc:
        db.session.rollback()
        problems = exc.as_dicts()
    except IntegrityError:  # another process stored the same loan_ref or event meanwhile
        log.warning("ledger import %s collided with a concurrent change", batch_id, exc_info=True)
        db.session.rollback()
        problems = [Problem("", None, None, "stored_meanwhile").as_dict()]
    except Exception:  # a bug, not bad input: the run is still recorded as failed
        log.exception("ledger import %s failed", batch_id)
        db.session.rollback()
        problems = [dict(INTERNAL)]
    mark_failed(batch_id, problems, actor=actor)
    db.session.commit()
    return None, problems


def _refresh_statistics(result: ImportResult) -> None:
    """After a big load, PostgreSQL's planner still believes the tables small until
    autovacuum comes by; a next import at once (a quarter's events) then scans instead of
    using the indexes (measured: 68 s instead of 9 s to re-check 100,000 loans)."""
    if db.engine.dialect.name != "postgresql" or result.loans_added + result.events_added < ANALYZE_AFTER_ROWS:
        return
    try:
        with db.engine.connect() as connection:
            connection.execute(text("ANALYZE loans, loan_events"))
            connection.commit()
    except Exception:  # noqa: BLE001 — statistics are an optimisation; the import is committed
        log.warning("ANALYZE after the ledger import failed", exc_info=True)


def start_in_background(batch_id: int, sources: list[SourceFile], *, actor_id: int | None) -> None:
    """Run the import in a thread with its own app context (and so its own session);
    progress goes to the run's record every second while rows are being checked."""
    app = current_app._get_current_object()

    def work():
        from ..auth.models import User

        with app.app_context():
            actor = None
            last = [0.0]

            def progress(phase, done, total):
                now = time.monotonic()
                if phase == "check" and now - last[0] >= 1.0:
                    last[0] = now
                    set_progress(batch_id, done, total)

            try:
                actor = db.session.get(User, actor_id) if actor_id else None
                execute(batch_id, sources, actor=actor, progress=progress)
            except Exception:  # noqa: BLE001 — nobody waits on this thread: record it, never leave it "running"
                log.exception("ledger import %s: recording its failure failed", batch_id)
                _mark_failed_quietly(batch_id)
            finally:
                db.session.remove()
                _threads.pop(batch_id, None)

    thread = threading.Thread(target=work, name=f"ledger-import-{batch_id}", daemon=True)
    _threads[batch_id] = thread
    thread.start()


def _mark_failed_quietly(batch_id: int) -> None:
    try:
        db.session.rollback()
        mark_failed(batch_id, [dict(INTERNAL)])
        db.session.commit()
    except Exception:  # noqa: BLE001 — the database itself is failing; the log has it
        log.exception("ledger import %s could not be marked failed", batch_id)
        db.session.rollback()


def wait(batch_id: int, timeout: float | None = None) -> None:
    """Block until a background run of this process ends (tests, shutdown)."""
    thread = _threads.get(batch_id)
    if thread is not None:
        thread.join(timeout)
