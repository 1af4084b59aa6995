"""Defects found in review: hostile values that ended as an "unexpected error", dates
no ledger can hold, events that moved an application's loan behind its case's back,
XLSX bombs and two imports at once."""
from __future__ import annotations

import io
import threading
import zipfile
from datetime import date, timedelta

from sqlalchemy import func, select

from loans.db import db, local_today
from loans.ledger.parsing import LOAN_COLUMNS, SourceFile
from loans.ledger.models import LedgerImport
from loans.servicing.models import Loan, LoanEvent


from .conftest import event_row, events_file, example_sources, loan_row, loans_file


def _codes(problems) -> list[tuple]:
    return [(p["row"], p["column"], p["code"]) for p in problems]


def test_an_absurd_amount_is_a_row_problem_not_an_internal_error(app, run_ledger):
    result, problems = run_ledger(loans_file(loan_row(amount="99999999999999999999")))
    assert _codes(problems) == [(2, "amount", "amount_too_large")]
    result, problems = run_ledger(loans_file(loan_row()), events_file(event_row(amount="99999999999999999999")))
    assert _codes(problems) == [(2, "amount", "amount_too_large")]


def test_dates_outside_the_apps_range_are_refused(app, run_ledger):
    result, problems = run_ledger(loans_file(loan_row(contract_date="0001-01-01", lpr="3.85",
                                                      maturity_date="9999-12-31")))
    assert _codes(problems) == [(2, "contract_date", "date_out_of_range"), (2, "maturity_date", "date_out_of_range")]
    assert db.session.scalar(select(func.count()).select_from(Loan)) == 0


def test_an_event_dated_after_today_is_refused(app, run_ledger):
    """A repayment of the whole balance dated next month made the loan "settled" today."""
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    result, problems = run_ledger(loans_file(loan_row()), events_file(
        event_row(), event_row(date=tomorrow, kind="repayment", amount="200000")))
    assert _codes(problems) == [(3, "date", "event_in_future")]


def test_events_for_a_loan_from_an_application_are_refused(app, run_ledger, contracted):
    """The ledger set the loan's status directly: the loan became active while its case
    stayed "contracted" (and a settlement would have left the case's claims open)."""
    loan = contracted(contract_date=date(2025, 1, 15))
    ref, case = loan.loan_ref, loan.application
    result, problems = run_ledger(events_file(event_row(loan_ref=ref, date="2025-01-20", amount="50000")))
    assert _codes(problems) == [(2, "loan_ref", "serviced_in_app")]
    db.session.expire_all()
    loan = db.session.scalar(select(Loan).where(Loan.loan_ref == ref))
    assert loan.status == "contracted" and not loan.events and case.status == "contracted"


def test_a_stored_loan_that_gains_events_gets_a_new_lock_version(app, run_ledger):
    """A bank's form opened before the import must be refused as stale, even when the
    imported events leave the status as it was."""
    run_ledger(loans_file(loan_row()), events_file(event_row()))
    version = db.session.scalar(select(Loan.lock_version))
    result, problems = run_ledger(events_file(event_row(date="2021-08-05", kind="repayment", amount="1000")))
    assert problems is None and result.events_added == 1
    db.session.expire_all()
    loan = db.session.scalar(select(Loan))
    assert loan.status == "active" and loan.lock_version == version + 1


def _workbook_with_a_far_cell(cell: str) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    sheet = wb.active
    sheet.title = "loans"
    sheet.append(list(LOAN_COLUMNS))
    sheet.append([loan_row()[c] for c in LOAN_COLUMNS])
    sheet[cell] = "x" if cell == "T2" else " "
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_an_xlsx_whose_used_range_is_the_whole_sheet_is_read_quickly(app, run_ledger):
    """A 5 kB workbook with one cell at XFD1048576 made the reader pad 17 billion cells."""
    import time

    started = time.monotonic()
    result, problems = run_ledger(SourceFile("ledger.xlsx", _workbook_with_a_far_cell("XFD1048576")))
    assert problems is None and result.loans_added == 1
    assert time.monotonic() - started < 30


def test_an_xlsx_extra_cell_is_still_named(app, run_ledger):
    result, problems = run_ledger(SourceFile("ledger.xlsx", _workbook_with_a_far_cell("T2")))
    assert _codes(problems) == [(2, None, "extra_cells")]


def test_a_zip_bomb_is_refused_before_it_is_unpacked(app, run_ledger, monkeypatch):
    from loans.ledger import parsing

    monkeypatch.setattr(parsing, "XLSX_MAX_UNPACKED_BYTES", 10_000_000)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(_workbook_with_a_far_cell("A3"))) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for info in source.infolist():
            bomb.writestr(info, source.read(info))
        bomb.writestr("xl/padding.xml", b" " * 20_000_000)
    assert len(out.getvalue()) < 100_000
    result, problems = run_ledger(SourceFile("ledger.xlsx", out.getvalue()))
    assert _codes(problems) == [(None, None, "xlsx_too_large")]


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


def test_a_failure_while_recording_the_failure_does_not_leave_the_run_running(app, monkeypatch):
    from loans.ledger import runner

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
    runner.start_in_background(batch_id, sources, actor_id=None)
    runner.wait(batch_id, 30)
    db.session.expire_all()
    batch = db.session.get(LedgerImport, batch_id)
    assert batch.status == "failed" and batch.errors[0]["code"] == "internal"
