"""A real worker (``flask --app wsgi worker``, Huey on SQLite in the instance folder)
imports a ledger uploaded as a job; killed with SIGKILL in the middle, the import leaves no
row, and the next worker notices the silent heartbeat and runs it again to the end."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import BASE_CONFIG, ROOT

LOANS = 20_000


def _env(instance: Path, database: str) -> dict:
    return {**os.environ, "LOANS_INSTANCE_PATH": str(instance), "LOANS_SQLALCHEMY_DATABASE_URI": database,
            "LOANS_SECRET_KEY": "worker-test", "LOANS_PERSONAL_DATA_KEY": BASE_CONFIG["PERSONAL_DATA_KEY"],
            "LOANS_PUBLIC_BASE_URL": "https://loans.example.cn", "LOANS_JOB_HEARTBEAT_SECONDS": "1",
            "LOANS_JOB_STALE_SECONDS": "3", "LOANS_PASSWORD_HASH_TIME_COST": "1",
            "LOANS_PASSWORD_HASH_MEMORY_COST": "8", "LOANS_PASSWORD_HASH_PARALLELISM": "1"}


def _worker(env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--workers", "1"], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _wait(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.nodb
def test_a_worker_killed_mid_import_leaves_no_rows_and_the_next_one_finishes_it(tmp_path, monkeypatch,
                                                                              migrated_template):
    import shutil

    from bench.ledger import ledger_files
    from loans import create_app
    from loans.db import db
    from loans.jobs.models import Job
    from loans.jobs.runner import submit
    from loans.ledger import runner
    from loans.ledger.jobs import store_sources
    from loans.ledger.models import LedgerImport
    from loans.ledger.parsing import SourceFile
    from loans.servicing.models import Loan
    from loans.unit_of_work import unit_of_work
    instance = tmp_path / "instance"
    instance.mkdir()
    shutil.copy(migrated_template, tmp_path / "loans.sqlite3")  # a migration here would reset the app's loggers
    database = f"sqlite:///{tmp_path / 'loans.sqlite3'}"
    env = _env(instance, database)
    for key, value in env.items():
        if key.startswith("LOANS_"):
            monkeypatch.setenv(key, value)
    app = create_app()  # as the web server is: jobs go to the queue in the instance folder
    loans_csv, events_csv, _n_events = ledger_files(LOANS)
    sources = [SourceFile("loans.csv", loans_csv), SourceFile("events.csv", events_csv)]
    with app.app_context():
        batch_id = runner.start(sources)
        with unit_of_work():
            job_id = submit("ledger_import", {"batch_id": batch_id,
                                              "files": store_sources(batch_id, sources)}).id

        def job() -> Job:
            db.session.expire_all()
            found = db.session.get(Job, job_id)
            db.session.rollback()
            return found

        def loans() -> int:
            count = db.session.scalar(select(func.count()).select_from(Loan))
            db.session.rollback()
            return count

        first = _worker(env)
        try:
            _wait(lambda: job().state == "running" and job().progress_done > 0, 120, "the import to be checking rows")
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        finally:
            if first.poll() is None:
                first.kill()
        killed = job()
        assert killed.state == "running" and killed.attempts == 1  # as the dead worker left it
        assert loans() == 0  # all-or-nothing: no partial rows

        second = _worker(env)
        try:
            finished = _wait(lambda: job() if job().state in ("done", "failed") else None, 300,
                             "the import to end after the restart")
        finally:
            second.send_signal(signal.SIGINT)
            try:
                second.wait(20)
            except subprocess.TimeoutExpired:
                second.kill()
        assert finished.state == "done", (finished.error, second.stderr.read()[-3000:] if second.stderr else "")
        assert finished.attempts == 2 and finished.error is None
        assert loans() == LOANS
        batch = db.session.get(LedgerImport, batch_id)
        assert batch.status == "done" and batch.loans_added == LOANS
        assert not (instance / "job-files" / f"ledger-{batch_id}").exists()
        db.engine.dispose()
    shutil.rmtree(instance, ignore_errors=True)
