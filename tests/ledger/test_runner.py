"""Import runs: two admins importing at once, and a run whose failure cannot be recorded
at the first attempt — no run is ever left "running"."""
from __future__ import annotations

import threading

from sqlalchemy import func, select

from loans.db import db
from loans.ledger.models import LedgerImport
from loans.servicing.models import Loan, LoanEvent

from .conftest import example_sources, loan_row, loans_file


def test_two_imports_of_the_same_files_at_once_store_them_once(app):
    """Two admins at once: the second used to end as "unexpected error, please report it"."""
    from loans.ledger import runner

    outcomes = []
    for _ in range(3):
        barrier = threading.Barrier(2)
        results = [None, None]

        def work(i):
            with app.app_context():
                try:
                    barrier.wait(10)
                    sources = example_sources()
                    batch_id = runner.start(sources)
                    results[i] = runner.execute(batch_id, sources)
                finally:
                    db.session.remove()

        threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        for result, problems in results:
            if problems:
                assert [p["code"] for p in problems] in (["another_run"], ["stored_meanwhile"]), problems
            outcomes.append("refused" if problems else (result.loans_added, result.events_added))
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Loan)) == 3
    assert db.session.scalar(select(func.count()).select_from(LoanEvent)) == 4
    assert outcomes.count((3, 4)) == 1, outcomes
    assert db.session.scalar(select(func.count()).where(LedgerImport.status == "running")) == 0


def test_a_failure_while_recording_the_failure_is_retried_and_does_not_leave_the_run_running(app, monkeypatch):
    """The job's first try fails while recording the refusal; its second try records it."""
    from loans.jobs.models import Job
    from loans.jobs.runner import submit
    from loans.ledger import runner
    from loans.ledger.jobs import store_sources
    from loans.unit_of_work import unit_of_work

    sources = [loans_file(loan_row(district_code="999999"))]
    batch_id = runner.start(sources)
    calls = []
    real = runner.mark_failed

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(runner, "mark_failed", flaky)
    with unit_of_work():
        job_id = submit("ledger_import", {"batch_id": batch_id, "files": store_sources(batch_id, sources)}).id
    db.session.expire_all()
    batch = db.session.get(LedgerImport, batch_id)
    assert batch.status == "failed" and batch.errors[0]["code"] == "unknown_district"
    job = db.session.get(Job, job_id)
    assert job.state == "failed" and job.attempts == 2 and job.error["code"] == "ledger_refused"
