"""CSV formula injection (issue 8, finding 5): text that a spreadsheet would run as a
formula never reaches an export live. The ledger refuses codes and references that start
like a formula; free text (names) is kept and neutralised in every CSV the app writes,
and stored as a string — never a formula — in every XLSX. Figures are never prefixed."""
from __future__ import annotations

import csv
import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import update

from loans import spreadsheets
from loans.db import db
from tests.ledger.conftest import event_row, events_file, loan_row, loans_file
from tests.subsidy.conftest import AFTER_Q3_2021

EVIL = '=HYPERLINK("http://evil.example","x")'
RANGE = "from=2021-01-01&to=2021-06-30"


@pytest.mark.parametrize("text, expected", [
    (EVIL, "'" + EVIL), ("+86 731", "'+86 731"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1+1", "'\t=1+1"), ("\r=1+1", "'\r=1+1"), ("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"),
    ("-12.34", "-12.34"), ("-5", "-5"), ("2.00", "2.00"), ("EX-A", "EX-A"), ("张三", "张三"), ("", ""),
    (None, ""),
])
def test_csv_cell(text, expected):
    assert spreadsheets.csv_cell(text) == expected


def test_csv_bytes_keeps_figures_and_neutralises_text():
    data = spreadsheets.csv_bytes(("ref", "name", "adjustment"), [("EX-A", EVIL, "-12.34")])
    assert data == b'ref,name,adjustment\r\nEX-A,"\'=HYPERLINK(""http://evil.example"",""x"")",-12.34\r\n'
    assert spreadsheets.csv_bytes(("a",), [], bom=True) == b"\xef\xbb\xbfa\r\n"


def test_xlsx_text_is_a_string_never_a_formula():
    from decimal import Decimal

    book = Workbook()
    spreadsheets.append_row(book.active, [EVIL, "#N/A", "bad\x01char", Decimal("-12.34"), 3])
    sheet = _reloaded(book)
    cells = sheet[1]
    assert [c.data_type for c in cells] == ["s", "s", "s", "n", "n"]
    assert [c.value for c in cells] == [EVIL, "#N/A", "bad\ufffdchar", -12.34, 3]


def _reloaded(book):
    out = io.BytesIO()
    book.save(out)
    _assert_no_formulas(out.getvalue())
    return load_workbook(io.BytesIO(out.getvalue())).active


def _assert_no_formulas(data: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name), name


# --- the ledger import refuses codes and references that start like a formula ----------

@pytest.mark.parametrize("column, value", [
    ("loan_ref", EVIL), ("loan_ref", "+EX-A"), ("loan_ref", "-EX-A"), ("loan_ref", "@EX-A"),
    ("contract_no", "=1+1"), ("bank_code", "=ICBC"), ("district_code", "@431002"), ("key_group", "+graduate"),
    ("credit_code", "=91431002MA4L123452"), ("id_number", "-431002199003151117"), ("loan_type", "=individual"),
])
def test_ledger_refuses_a_code_starting_like_a_formula(app, run_ledger, column, value):
    from flask_babel import force_locale

    from loans.ledger.messages import problem_text
    from loans.servicing.models import Loan

    _, problems = run_ledger(loans_file(loan_row(), loan_row(**{"loan_ref": "EX-B", column: value})))
    assert {"file": "loans.csv", "row": 3, "column": column, "code": "formula_like",
            "params": {"first": value[0]}} in problems
    with force_locale("en"):
        text = problem_text(next(p for p in problems if p["code"] == "formula_like"))
    assert text == (f"loans.csv, row 3, column {column}: A code or reference cannot start with {value[0]}: "
                    "a spreadsheet would run the cell as a formula.")
    assert db.session.query(Loan).count() == 0


def test_ledger_refuses_an_event_for_a_formula_loan_ref(app, run_ledger):
    _, problems = run_ledger(loans_file(loan_row()), events_file(event_row(), event_row(loan_ref=EVIL)))
    assert problems == [{"file": "events.csv", "row": 3, "column": "loan_ref", "code": "formula_like",
                         "params": {"first": "="}}]


def test_ledger_keeps_names_starting_like_a_formula(app, run_ledger):
    """Names are free text: kept as written, neutralised where the app writes them out."""
    from loans.servicing.models import Loan

    _, problems = run_ledger(loans_file(loan_row(borrower_name="-张三", business_name="@张三小吃店")),
                             events_file(event_row()))
    assert problems is None
    loan = db.session.query(Loan).one()
    assert (loan.borrower_name, loan.business_name) == ("-张三", "@张三小吃店")


# --- stored data that starts like a formula leaves neutralised ---------------------------

def test_subsidy_export_neutralises_a_stored_formula_loan_ref(app, add_loan):
    from loans.subsidy import services
    from loans.subsidy.exports import csv_bytes, xlsx_bytes

    add_loan(EVIL)
    add_loan("EX-A")
    services.compute_period_subsidy("2021Q3", None, today=AFTER_Q3_2021)
    db.session.commit()
    rows = list(csv.reader(io.StringIO(csv_bytes("2021Q3").decode("utf-8"))))
    assert [row[2] for row in rows[1:]] == ["'" + EVIL, "EX-A"]
    assert rows[1][3:] == rows[2][3:]  # figures as they are
    data = xlsx_bytes("2021Q3")
    _assert_no_formulas(data)
    sheet = load_workbook(io.BytesIO(data)).active
    assert (sheet["C2"].value, sheet["C2"].data_type) == (EVIL, "s")
    assert sheet["I2"].data_type == "n"


def test_subsidy_export_page_neutralises_too(client, login_as, add_loan):
    from loans.subsidy import services

    add_loan(EVIL)
    services.compute_period_subsidy("2021Q3", None, today=AFTER_Q3_2021)
    db.session.commit()
    login_as("finance")
    body = client.get("/subsidy/periods/2021Q3/export.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in body and ",=HYPERLINK" not in body and '"=HYPERLINK' not in body


@pytest.fixture
def evil_district(programme):
    from loans.policy.models import District

    db.session.execute(update(District).where(District.code == "431002").values(name_en=EVIL, name_zh="-北湖区"))
    db.session.commit()


def test_reports_csv_neutralises_a_stored_formula(client, login_as, evil_district):
    login_as("finance")
    body = client.get(f"/reports/export.csv?{RANGE}").get_data().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    beihu = next(row for row in rows if row["district_code"] == "431002")
    assert beihu["district_name"] == "'" + EVIL
    assert beihu["amount_issued"] == "430000.00" and beihu["overdue_rate"] == "17.39"
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    body = client.get(f"/reports/export.csv?{RANGE}").get_data().decode("utf-8-sig")
    assert "'-北湖区" in body


def test_reports_xlsx_stores_a_stored_formula_as_text(client, login_as, evil_district):
    login_as("finance")
    data = client.get(f"/reports/export.xlsx?{RANGE}").get_data()
    _assert_no_formulas(data)
    sheet = load_workbook(io.BytesIO(data))["by_district"]
    beihu = next(row for row in sheet.iter_rows(min_row=2) if row[2].value == "431002")
    assert (beihu[3].value, beihu[3].data_type) == (EVIL, "s")
    assert beihu[5].data_type == "n"
