"""Ledger import (SPEC §10): the example ledger, idempotence, every refusal, values no
ledger can hold, encodings, XLSX (and workbooks built to exhaust the reader),
all-or-nothing, events added later, and the CLI."""
from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text

from loans.db import db, local_today
from loans.ledger.messages import problem_text
from loans.ledger.parsing import EVENT_COLUMNS, LOAN_COLUMNS, SourceFile
from loans.ledger.models import LedgerImport
from loans.servicing.models import Loan, LoanEvent

from .conftest import (EXAMPLES, SPEC_EXAMPLES, csv_bytes, event_row, events_file, example_sources,
                       import_example_ledger, loan_row, loans_file)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _loan(ref: str) -> Loan:
    db.session.expire_all()
    return db.session.scalar(select(Loan).where(Loan.loan_ref == ref))


def _audit_rows():
    from loans.audit.models import AuditEvent

    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "ledger_import")
                                   .order_by(AuditEvent.id)))


def _codes(problems) -> list[tuple]:
    return [(p["row"], p["column"], p["code"]) for p in problems]


def _english(problem: dict) -> str:
    from flask_babel import force_locale

    with force_locale("en"):
        return problem_text(problem)


# --- the example ledger -------------------------------------------------------------------

def test_example_copy_matches_the_spec():
    if not SPEC_EXAMPLES.is_dir():
        pytest.skip("the spec's examples are not beside this checkout")
    for name in ("loans.csv", "events.csv", "subsidy-2021Q3.csv"):
        assert (EXAMPLES / name).read_bytes() == (SPEC_EXAMPLES / name).read_bytes()


def test_example_ledger_imports_with_statuses_lpr_and_policy(app):
    from loans.personal_data import vault

    result = import_example_ledger(app)
    assert (result.loans_added, result.events_added) == (3, 4)
    assert (result.loans_unchanged, result.events_unchanged) == (0, 0)
    batch = db.session.scalar(select(LedgerImport))
    assert batch.status == "done" and batch.total_rows == batch.processed_rows == 7
    assert [f["rows"] for f in batch.files] == [3, 4] and all(len(f["sha256"]) == 64 for f in batch.files)
    for ref in ("EX-A", "EX-B", "EX-C"):
        loan = _loan(ref)
        assert loan.status == "active"
        assert loan.lpr_rate == Decimal("3.85")  # EX-A, EX-B blank: the fixing of 2020-04-20 on 2021-06-10
        assert loan.policy_code == "HN-2021"
        assert loan.first_disbursement_date == date(2021, 6, 15)
        assert loan.source == "ledger" and loan.import_id == batch.id
        assert loan.amount == Decimal("200000.00") and loan.term_months == 36
    a = _loan("EX-A")
    assert a.id_number == "431002199003151117"
    assert a.id_number_hash == vault().lookup_hash("431002199003151117")
    assert a.id_number_masked == "431002********1117"
    raw = db.session.execute(text("SELECT id_number FROM loans WHERE loan_ref = 'EX-A'")).scalar()
    assert "431002199003151117" not in raw  # encrypted at rest
    assert _loan("EX-B").contract_rate == Decimal("5.35") and _loan("EX-B").bank_code == "ABC-CZ"
    c = _loan("EX-C")
    assert [(e.event_on, e.kind, e.amount) for e in c.events] == [
        (date(2021, 6, 15), "disbursement", Decimal("200000.00")),
        (date(2021, 8, 5), "repayment", Decimal("100000.00"))]
    audit = _audit_rows()
    assert len(audit) == 1  # one per run, not per row
    assert audit[0].detail["loans_added"] == 3 and audit[0].detail["events_added"] == 4
    assert [f["name"] for f in audit[0].detail["files"]] == ["loans.csv", "events.csv"]


def test_importing_twice_changes_nothing(app):
    import_example_ledger(app)
    before = [(loan.id, loan.status, loan.updated_at, loan.lock_version)
              for loan in db.session.scalars(select(Loan).order_by(Loan.id))]
    result = import_example_ledger(app)
    assert (result.loans_added, result.loans_unchanged, result.events_added, result.events_unchanged) == (0, 3, 0, 4)
    db.session.expire_all()
    after = [(loan.id, loan.status, loan.updated_at, loan.lock_version)
             for loan in db.session.scalars(select(Loan).order_by(Loan.id))]
    assert before == after
    assert _count(Loan) == 3 and _count(LoanEvent) == 4
    assert len(_audit_rows()) == 2


def test_a_stored_loan_with_other_values_is_refused_naming_the_columns(app, run_ledger):
    import_example_ledger(app)
    result, problems = run_ledger(loans_file(loan_row(business_name="张三饭店", amount="150000",
                                                       id_number="431002199003151125")))
    assert result is None
    assert problems == [{"file": "loans.csv", "row": 2, "column": "loan_ref", "code": "loan_differs",
                         "params": {"value": "EX-A", "columns": "id_number, business_name, amount"}}]
    assert "id_number, business_name, amount" in _english(problems[0])
    assert _loan("EX-A").business_name == "张三小吃店"


# --- every refusal of SPEC §10 -------------------------------------------------------------

LOAN_CASES = [
    ("invalid resident ID", {"id_number": "431002199003151118"}, "id_number", "id_number"),
    ("resident ID birth date", {"id_number": "431002199002301113"}, "id_number", "id_number"),
    ("invalid credit code", {"credit_code": "91430100MA4L0000X1"}, "credit_code", "credit_code"),
    ("unknown district", {"district_code": "431099"}, "district_code", "unknown_district"),
    ("unknown bank", {"bank_code": "HSBC-CZ"}, "bank_code", "unknown_bank"),
    ("unknown key group", {"key_group": "astronaut"}, "key_group", "unknown_key_group"),
    ("loan type not listed", {"loan_type": "consumer"}, "loan_type", "unknown_loan_type"),
    ("non-numeric amount", {"amount": "twenty"}, "amount", "not_a_number"),
    ("thousands separator", {"amount": "200,000"}, "amount", "thousands_separator"),
    ("zero amount", {"amount": "0"}, "amount", "not_positive"),
    ("negative amount", {"amount": "-5"}, "amount", "not_positive"),
    ("fractions of a fen", {"amount": "100.005"}, "amount", "too_many_decimals"),
    ("non-numeric rate", {"contract_rate": "high"}, "contract_rate", "not_a_number"),
    ("zero rate", {"contract_rate": "0"}, "contract_rate", "not_positive"),
    ("rate with % sign", {"contract_rate": "4.35%"}, "contract_rate", "percent_sign"),
    ("non-positive lpr", {"lpr": "-1"}, "lpr", "not_positive"),
    ("not a real date", {"contract_date": "2021-02-30"}, "contract_date", "not_a_date"),
    ("not a date at all", {"maturity_date": "15/06/2024"}, "maturity_date", "bad_date_format"),
    ("blank required value", {"borrower_name": ""}, "borrower_name", "required"),
    ("partnership of one", {"loan_type": "partnership", "partners": "1"}, "partners", "partners_partnership"),
    ("non-integer term", {"term_months": "36.5"}, "term_months", "bad_integer"),
    # not in SPEC §10's list: an online application's loan will carry this reference
    ("application reference", {"loan_ref": "A2026-000123"}, "loan_ref", "reserved_loan_ref"),
]


@pytest.mark.parametrize("changes, column, code", [c[1:] for c in LOAN_CASES], ids=[c[0] for c in LOAN_CASES])
def test_a_bad_loan_row_is_refused_with_file_row_and_column(app, run_ledger, changes, column, code):
    good = loan_row(loan_ref="EX-OK", contract_no="OK-1")
    result, problems = run_ledger(loans_file(good, loan_row(**changes)))
    assert result is None
    assert [(p["file"], p["row"], p["column"], p["code"]) for p in problems] == [("loans.csv", 3, column, code)]
    assert _english(problems[0]).startswith(f"loans.csv, row 3, column {column}: ")
    assert _count(Loan) == 0  # all-or-nothing: the good row is not stored either


def test_a_missing_column_is_refused_on_the_header_row(app, run_ledger):
    columns = [c for c in LOAN_COLUMNS if c != "lpr"]
    result, problems = run_ledger(SourceFile("loans.csv", csv_bytes(columns, [loan_row()])))
    assert [(p["file"], p["row"], p["column"], p["code"]) for p in problems] == [("loans.csv", 1, "lpr",
                                                                                  "missing_column")]
    assert _english(problems[0]) == "loans.csv, row 1, column lpr: This column is missing from the header row."


def test_columns_in_any_order_and_an_unknown_header(app, run_ledger):
    columns = list(reversed(LOAN_COLUMNS))
    result, problems = run_ledger(SourceFile("mine.csv", csv_bytes(columns, [loan_row()])))
    assert problems is None and result.loans_added == 1
    result, problems = run_ledger(SourceFile("other.csv", b"name,value\nx,1\n"))
    assert problems[0]["code"] == "unknown_header" and problems[0]["row"] == 1
    assert "loan_ref,borrower_name" in _english(problems[0])


def _events_case(app, run_ledger, loan, *events):
    return run_ledger(loans_file(loan), events_file(*events))


EVENT_CASES = [
    ("kind not listed", [event_row(kind="interest")], 2, "kind", "unknown_kind"),
    ("zero amount", [event_row(amount="0")], 2, "amount", "not_positive"),
    ("non-numeric amount", [event_row(amount="lots")], 2, "amount", "not_a_number"),
    ("missing amount", [event_row(amount="")], 2, "amount", "required"),
    ("amount on an overdue kind", [event_row(), event_row(date="2021-07-01", kind="overdue_start", amount="5")],
     3, "amount", "amount_not_blank"),
    ("not a real date", [event_row(date="2021-13-01")], 2, "date", "not_a_date"),
    ("unknown loan", [event_row(loan_ref="EX-Z")], 2, "loan_ref", "unknown_loan"),
    ("before the contract date", [event_row(date="2021-06-01")], 2, "date", "before_contract"),
    ("negative balance", [event_row(amount="100000"), event_row(date="2021-07-01", kind="repayment",
                                                                  amount="150000")], 3, "amount",
     "negative_balance"),
    ("repayment before any disbursement", [event_row(kind="repayment", amount="10")], 2, "amount",
     "negative_balance"),
    ("overdue_end without overdue_start", [event_row(), event_row(date="2021-07-01", kind="overdue_end", amount="")],
     3, "kind", "overdue_end_without_start"),
    ("disbursements above the amount", [event_row(amount="150000"), event_row(date="2021-06-20", amount="50000.01")],
     3, "amount", "above_amount"),
]


@pytest.mark.parametrize("events, row, column, code", [c[1:] for c in EVENT_CASES], ids=[c[0] for c in EVENT_CASES])
def test_a_bad_event_row_is_refused_with_file_row_and_column(app, run_ledger, events, row, column, code):
    result, problems = _events_case(app, run_ledger, loan_row(), *events)
    assert result is None
    assert [(p["file"], p["row"], p["column"], p["code"]) for p in problems] == [("events.csv", row, column, code)]
    assert _english(problems[0]).startswith(f"events.csv, row {row}, column {column}: ")
    assert _count(Loan) == 0 and _count(LoanEvent) == 0


def test_no_policy_in_force_on_the_first_disbursement(app, run_ledger):
    loan = loan_row(contract_date="2018-01-10", lpr="4.35", maturity_date="2021-01-10")
    result, problems = _events_case(app, run_ledger, loan, event_row(date="2018-02-01"))
    assert [(p["file"], p["row"], p["column"], p["code"]) for p in problems] == [
        ("events.csv", 2, "date", "no_policy")]
    assert "2018-02-01" in _english(problems[0])


def test_a_blank_lpr_needs_a_fixing_on_the_contract_date(app, run_ledger):
    result, problems = run_ledger(loans_file(loan_row(contract_date="2019-01-10", maturity_date="2022-01-10")))
    assert [(p["row"], p["column"], p["code"]) for p in problems] == [(2, "lpr", "no_lpr")]


def test_every_problem_is_reported_up_to_a_limit(app, run_ledger):
    rows = [loan_row(loan_ref=f"EX-{i}", district_code="999999", bank_code="NOPE") for i in range(40)]
    result, problems = run_ledger(loans_file(*rows))
    assert len(problems) == 51 and problems[-1]["code"] == "too_many"
    assert problems[-1]["params"] == {"n": "30"}
    assert {(p["row"], p["column"]) for p in problems[:4]} == {(2, "district_code"), (2, "bank_code"),
                                                                (3, "district_code"), (3, "bank_code")}
    batch = db.session.scalar(select(LedgerImport))
    assert batch.status == "failed" and len(batch.errors) == 51


def test_duplicate_loan_ref_in_a_run(app, run_ledger):
    result, problems = run_ledger(loans_file(loan_row(), loan_row()))
    assert [(p["row"], p["column"], p["code"]) for p in problems] == [(3, "loan_ref", "duplicate_loan_ref")]


def test_an_unquoted_thousands_separator_shifts_the_row_and_is_named(app, run_ledger):
    data = csv_bytes(LOAN_COLUMNS, []) + ("EX-A,张三,431002199003151117,urban_unemployed,431002,店,,individual,1,"
                                          "ICBC-CZ,C1,2021-06-10,200,000,4.35,,36,2024-06-15,3\r\n").encode()
    result, problems = run_ledger(SourceFile("loans.csv", data))
    assert problems[0]["code"] == "extra_cells" and problems[0]["row"] == 2


# --- statuses, events added later -----------------------------------------------------------

def test_statuses_derived_from_events(app, run_ledger):
    result, problems = run_ledger(
        loans_file(loan_row(loan_ref="L-CON", contract_no="1"), loan_row(loan_ref="L-SET", contract_no="2"),
                   loan_row(loan_ref="L-OVD", contract_no="3"), loan_row(loan_ref="L-CUR", contract_no="4")),
        events_file(event_row("L-SET"), event_row("L-SET", "2021-07-01", "repayment", "150000"),
                    event_row("L-SET", "2021-08-01", "repayment", "50000"),
                    event_row("L-OVD"), event_row("L-OVD", "2021-09-21", "overdue_start", ""),
                    event_row("L-CUR"), event_row("L-CUR", "2021-09-21", "overdue_start", ""),
                    event_row("L-CUR", "2021-10-01", "overdue_end", "")))
    assert problems is None
    assert {ref: _loan(ref).status for ref in ("L-CON", "L-SET", "L-OVD", "L-CUR")} == {
        "L-CON": "contracted", "L-SET": "settled", "L-OVD": "overdue", "L-CUR": "active"}
    assert _loan("L-CON").first_disbursement_date is None and _loan("L-CON").policy_code is None


def test_a_later_events_file_adds_to_stored_loans_and_checks_the_union(app, run_ledger):
    import_example_ledger(app)
    # EX-C owes 100,000 after the example; repaying 150,000 more is refused…
    result, problems = run_ledger(events_file(event_row("EX-C", "2021-10-08", "repayment", "150000"),
                                              name="events-2021Q4.csv"))
    assert [(p["file"], p["row"], p["code"]) for p in problems] == [("events-2021Q4.csv", 2, "negative_balance")]
    assert "EX-C" in _english(problems[0])
    # …a second disbursement of EX-A would pass its amount…
    result, problems = run_ledger(events_file(event_row("EX-A", "2021-10-08", "disbursement", "1")))
    assert problems[0]["code"] == "above_amount"
    # …while the next quarter's file is taken, with the example's rows in it unchanged
    later = events_file(*[dict(zip(EVENT_COLUMNS, line.split(",")))
                          for line in (EXAMPLES / "events.csv").read_text().splitlines()[1:]],
                        event_row("EX-C", "2021-10-08", "repayment", "100000"),
                        event_row("EX-B", "2021-10-08", "overdue_start", ""))
    result, problems = run_ledger(later)
    assert problems is None
    assert (result.events_added, result.events_unchanged) == (2, 4)
    assert _loan("EX-C").status == "settled" and _loan("EX-B").status == "overdue"
    assert _loan("EX-A").status == "active"
    assert _loan("EX-C").lock_version == 1  # a guarded update


def test_identical_rows_are_told_apart_by_their_occurrence(app, run_ledger):
    events = [event_row(amount="50000"), event_row(amount="50000")]
    result, problems = run_ledger(loans_file(loan_row()), events_file(*events))
    assert problems is None and result.events_added == 2
    assert sorted(e.occurrence for e in _loan("EX-A").events) == [1, 2]
    result, problems = run_ledger(events_file(*events, event_row(amount="50000")))
    assert (result.events_added, result.events_unchanged) == (1, 2)


# --- values no ledger can hold, loans the app services ---------------------------------------

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


# --- encodings and XLSX -----------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-8"])
def test_encodings_are_detected(app, run_ledger, encoding):
    result, problems = run_ledger(loans_file(loan_row(), encoding=encoding))
    assert problems is None
    assert _loan("EX-A").borrower_name == "张三" and _loan("EX-A").business_name == "张三小吃店"


def test_a_binary_file_is_refused(app, run_ledger):
    result, problems = run_ledger(SourceFile("loans.csv", b"\x00\x01\x02garbage"))
    assert problems[0]["code"] == "not_text" and problems[0]["file"] == "loans.csv"


def _workbook(loans_rows, events_rows, *, numeric_id=False, amount=None) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    sheet = wb.active
    sheet.title = "loans"
    sheet.append(list(LOAN_COLUMNS))
    for row in loans_rows:
        sheet.append([row[c] for c in LOAN_COLUMNS])
    if numeric_id:
        sheet.cell(row=2, column=LOAN_COLUMNS.index("id_number") + 1, value=431002199003151117)
    if amount is not None:
        sheet.cell(row=2, column=LOAN_COLUMNS.index("amount") + 1, value=amount)
    sheet.cell(row=2, column=LOAN_COLUMNS.index("contract_date") + 1, value=date(2021, 6, 10))  # a date cell
    events = wb.create_sheet("events")
    events.append(list(EVENT_COLUMNS))
    for row in events_rows:
        events.append([row[c] for c in EVENT_COLUMNS])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_xlsx_with_text_cells_imports(app, run_ledger):
    data = _workbook([loan_row(amount=200000)], [event_row(amount=200000)], amount=200000.0)
    result, problems = run_ledger(SourceFile("ledger.xlsx", data))
    assert problems is None and (result.loans_added, result.events_added) == (1, 1)
    assert _loan("EX-A").contract_date == date(2021, 6, 10) and _loan("EX-A").amount == Decimal("200000")


def test_xlsx_amount_cells_convert_exactly_or_are_refused(app, run_ledger):
    ok = _workbook([loan_row()], [], amount=90090.5)
    result, problems = run_ledger(SourceFile("ledger.xlsx", ok))
    assert problems is None and _loan("EX-A").amount == Decimal("90090.50")
    inexact = _workbook([loan_row(loan_ref="EX-Q", contract_no="Q")], [], amount=90090.505)
    result, problems = run_ledger(SourceFile("ledger.xlsx", inexact))
    assert [(p["file"], p["row"], p["column"], p["code"]) for p in problems] == [
        ("ledger.xlsx[loans]", 2, "amount", "too_many_decimals")]


def test_xlsx_numeric_resident_id_is_refused_asking_for_text(app, run_ledger):
    result, problems = run_ledger(SourceFile("ledger.xlsx", _workbook([loan_row()], [], numeric_id=True)))
    assert [(p["row"], p["column"], p["code"]) for p in problems] == [(2, "id_number", "numeric_identifier")]
    assert "format the column as text" in _english(problems[0])


def test_xlsx_must_come_alone(app, run_ledger):
    data = _workbook([loan_row()], [])
    result, problems = run_ledger(SourceFile("ledger.xlsx", data), events_file(event_row()))
    assert problems[0]["code"] == "xlsx_alone"


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


# --- the command line -------------------------------------------------------------------------

def test_cli_imports_the_example(app, runner, tmp_path):
    paths = []
    for source in example_sources():
        (tmp_path / source.name).write_bytes(source.data)
        paths.append(str(tmp_path / source.name))
    result = runner.invoke(args=["ledger", "import", *paths])
    assert result.exit_code == 0, result.output
    assert "3 loan(s) added" in result.output and "4 event(s) added" in result.output
    again = runner.invoke(args=["ledger", "import", *paths])
    assert again.exit_code == 0 and "0 loan(s) added, 3 unchanged" in again.output


def test_cli_refusal_prints_one_line_per_problem_and_exits_non_zero(app, runner, tmp_path):
    (tmp_path / "loans.csv").write_bytes(loans_file(loan_row(district_code="999999"),
                                                    loan_row(loan_ref="EX-B", amount="abc")).data)
    result = runner.invoke(args=["ledger", "import", "--lang", "en", str(tmp_path / "loans.csv")])
    assert result.exit_code == 1
    lines = [line for line in result.output.strip().splitlines() if not line.startswith(("checking", "writing"))]
    assert lines[0] == "loans.csv, row 2, column district_code: Unknown district code 999999."
    assert lines[1] == "loans.csv, row 3, column amount: Not a number."
    assert lines[2].startswith("Error: ledger import refused")
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
    assert _count(Loan) == 0


def test_cli_missing_file_is_one_line(app, runner, tmp_path):
    result = runner.invoke(args=["ledger", "import", str(tmp_path / "nope.csv")])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) <= 2


def test_the_same_event_in_two_files_of_a_run_is_stored_once(app, run_ledger):
    result, problems = run_ledger(loans_file(loan_row()), events_file(event_row(), name="q2.csv"),
                                  events_file(event_row(), event_row("EX-A", "2021-07-01", "overdue_start", ""),
                                              name="q3.csv"))
    assert problems is None
    assert (result.events_added, result.events_unchanged) == (2, 1)


def test_files_read_from_disk_import_as_their_bytes_do(app, run_ledger, tmp_path):
    """The CLI and the job worker give the run paths, read a piece at a time (a 25 MB
    ledger is not held): the same loans and events, and the run's record names each file's
    size and SHA-256 as for the same bytes uploaded."""
    import hashlib

    on_disk = []
    for source in example_sources():
        (tmp_path / source.name).write_bytes(source.data)
        on_disk.append(SourceFile(source.name, path=tmp_path / source.name))
    result, problems = run_ledger(*on_disk)
    assert problems is None and (result.loans_added, result.events_added) == (3, 4)
    run = db.session.scalars(select(LedgerImport).order_by(LedgerImport.id.desc())).first()
    assert [(f["name"], f["bytes"], f["sha256"]) for f in run.files] == [
        (s.name, len(s.data), hashlib.sha256(s.data).hexdigest()) for s in example_sources()]
    workbook = tmp_path / "ledger.xlsx"
    workbook.write_bytes(_workbook([loan_row(loan_ref="EX-X")], []))
    result, problems = run_ledger(SourceFile("ledger.xlsx", path=workbook))
    assert problems is None and result.loans_added == 1


def test_a_stored_loan_imported_again_with_other_values_is_refused_by_row(app, run_ledger):
    """Stored loans are compared as their rows are read, a chunk at a time: the problem still
    names the row and the columns that differ, beside the other rows' problems."""
    assert run_ledger(loans_file(loan_row()))[1] is None
    result, problems = run_ledger(loans_file(loan_row(loan_ref="EX-N", district_code="999999"),
                                             loan_row(business_name="改了名的店")))
    assert result is None
    assert [(p["row"], p["code"]) for p in problems] == [(2, "unknown_district"), (3, "loan_differs")]
    assert problems[1]["params"]["columns"] == "business_name"


@pytest.mark.parametrize("change", ["rewritten", "removed"])
def test_a_file_on_disk_that_changes_while_it_is_read_stores_nothing(app, tmp_path, change):
    """The run reads a file given by path several times (check, then write): when it is
    rewritten or removed in between, the run is refused with a message saying so, not
    written from rows it never checked."""
    from loans.ledger import runner

    path = tmp_path / "loans.csv"
    path.write_bytes(loans_file(loan_row(loan_ref="EX-1"), loan_row(loan_ref="EX-2")).data)
    sources = [SourceFile("loans.csv", path=path)]

    def progress(phase, done, total):
        if phase == "check" and done == total and path.exists():
            if change == "removed":
                path.unlink()
            else:
                path.write_bytes(loans_file(loan_row(loan_ref="EX-0"), loan_row(loan_ref="EX-1"),
                                            loan_row(loan_ref="EX-2")).data)

    result, problems = runner.execute(runner.start(sources), sources, progress=progress)
    assert result is None and [p["code"] for p in problems] == ["file_changed"]
    from flask_babel import force_locale

    with force_locale("en"):
        assert "changed or went away" in problem_text(problems[0])
    with force_locale("zh"):
        assert "已被更改或移除" in problem_text(problems[0])
    assert _count(Loan) == 0
    assert db.session.scalars(select(LedgerImport)).one().status.value == "failed"
