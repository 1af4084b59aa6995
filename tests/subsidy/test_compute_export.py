"""Computing a period (SPEC §7 Statements) and exporting it (SPEC §10 "Subsidy export")."""
from __future__ import annotations

import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from .conftest import AFTER_Q3_2021, EXAMPLE_EXPORT
from loans.errors import ConcurrentChange, Refused


def compute(period="2021Q3", today=AFTER_Q3_2021, actor=None, **kwargs):
    from loans.db import db
    from loans.subsidy import services

    result = services.compute_period_subsidy(period, actor, today=today, **kwargs)
    db.session.commit()
    return result


def lines_by_ref(statement):
    return {line.loan_ref: line for line in statement.lines}


def audit_count(action):
    from loans.audit.models import AuditEvent
    from loans.db import db

    return db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == action))


def test_example_ledger_export_is_byte_identical(computed):
    from loans.subsidy.exports import csv_bytes

    expected = EXAMPLE_EXPORT.read_bytes()
    assert expected.count(b"\r\n") == expected.count(b"\n") == 4  # the example uses CRLF line endings
    assert csv_bytes("2021Q3") == expected


def test_statement_lines_and_totals(computed):
    icbc, abc = computed["ICBC-CZ"], computed["ABC-CZ"]
    assert (icbc.status, icbc.version, icbc.line_count, icbc.total) == ("draft", 1, 2, Decimal("1783.33"))
    assert (abc.line_count, abc.total) == (1, Decimal("1533.33"))
    assert icbc.total == sum(line.subsidy for line in icbc.lines)
    a = lines_by_ref(icbc)["EX-A"]
    assert (a.subsidy, a.interest, a.subsidy_rate, a.subsidised_days) == (
        Decimal("1022.22"), Decimal("2223.33"), Decimal("2.00"), 92)
    assert a.borrower_masked == "张* 431002********1117"
    assert "张三" not in a.borrower_masked and a.policy_code == "HN-2021"
    assert lines_by_ref(icbc)["EX-C"].subsidy == Decimal("761.11")
    assert lines_by_ref(abc)["EX-B"].subsidy_rate == Decimal("3.00")
    # every bank gets a statement, an explicit zero where no loan earns a subsidy
    from loans.subsidy.services import current_statement

    assert current_statement("2021Q3", "CZRCB").total == Decimal("0.00")
    assert audit_count("subsidy_compute") == 4  # once per statement


def test_hn2023_worked_example_through_the_database(app, add_loan):
    from loans.subsidy.services import current_statement

    add_loan("HN23", rate="3.50", lpr="3.00", contract_date=date(2025, 6, 10), amount="300000",
             maturity=date(2028, 6, 10), policy_code=None, events=((date(2025, 6, 10), "disbursement", "300000"),))
    compute("2025Q3", today=date(2025, 9, 21))
    line = lines_by_ref(current_statement("2025Q3", "ICBC-CZ"))["HN23"]
    assert (line.policy_code, line.subsidy_rate, line.subsidy) == ("HN-2023", Decimal("1.75"), Decimal("1341.67"))


def test_overdue_days_closed_loans_and_cents_in_balance_days(app, add_loan):
    from loans.subsidy.exports import csv_bytes
    from loans.subsidy.services import current_statement

    # overdue 2021-07-01 … 2021-07-30 (end exclusive): 30 days lose the subsidy
    add_loan("OD", events=((date(2021, 6, 15), "disbursement", "200000"), (date(2021, 7, 1), "overdue_start", None),
                           (date(2021, 7, 31), "overdue_end", None)))
    # settled before the period: no line
    add_loan("GONE", status="settled", events=((date(2020, 6, 15), "disbursement", "100000"),
                                               (date(2021, 5, 1), "repayment", "100000")), policy_code="HN-2020",
             contract_date=date(2020, 6, 10), maturity=date(2023, 6, 15))
    # a balance with fen: 90090.50 for 92 days
    add_loan("FEN", amount="90090.50", events=((date(2021, 6, 15), "disbursement", "90090.50"),))
    compute()
    lines = lines_by_ref(current_statement("2021Q3", "ICBC-CZ"))
    assert set(lines) == {"OD", "FEN"}
    assert lines["OD"].subsidised_days == 62 and lines["OD"].subsidy == Decimal("688.89")
    assert lines["FEN"].balance_days == Decimal("8288326.00")
    rows = csv_bytes("2021Q3").decode().splitlines()
    assert rows[1].startswith("2021Q3,ICBC-CZ,FEN,4.35,3.85,2.00,92,8288326,")


def test_balance_days_with_fen_print_exactly(app, add_loan):
    from loans.subsidy.exports import csv_bytes, plain_decimal

    assert plain_decimal(Decimal("18400000.00")) == "18400000"
    assert plain_decimal(Decimal("270271.50")) == "270271.5"
    assert plain_decimal(Decimal("0.05")) == "0.05"
    add_loan("HALF", amount="1000.50", events=((date(2021, 9, 20), "disbursement", "1000.50"),), rate="5.35")
    compute()
    assert csv_bytes("2021Q3").decode().splitlines()[1] == "2021Q3,ICBC-CZ,HALF,5.35,3.85,3.00,1,1000.5,0.08"


def test_refused_before_the_period_ends_and_for_a_bad_period(app, example_ledger):
    from loans.subsidy.services import compute_period_subsidy

    with pytest.raises(Refused, match="ends on 2021-09-20"):
        compute_period_subsidy("2021Q3", None, today=date(2021, 9, 20))
    with pytest.raises(Refused, match="not a period"):
        compute_period_subsidy("2021Q5", None, today=AFTER_Q3_2021)


def test_recompute_replaces_drafts_only(app, computed, staff, add_loan):
    from loans.db import db
    from loans.servicing.models import LoanEvent
    from loans.subsidy import services

    supervisor = staff("supervisor")
    services.review_statement(computed["ABC-CZ"], actor=supervisor)
    db.session.commit()
    ex_a = lines_by_ref(computed["ICBC-CZ"])["EX-A"].loan_id
    db.session.add(LoanEvent(loan_id=ex_a, event_on=date(2021, 8, 5), kind="repayment", amount=Decimal("100000")))
    add_loan("EX-B2", bank="ABC-CZ", rate="5.35")
    db.session.commit()

    result = compute()
    assert [(b.bank_code, b.status) for b in result.skipped] == [("ABC-CZ", "reviewed")]
    icbc = services.current_statement("2021Q3", "ICBC-CZ")
    abc = services.current_statement("2021Q3", "ABC-CZ")
    assert icbc.id == computed["ICBC-CZ"].id and icbc.version == 1  # the draft, recomputed in place
    assert icbc.total == Decimal("1522.22") and lines_by_ref(icbc)["EX-A"].subsidy == Decimal("761.11")
    assert (abc.status, abc.line_count, abc.total) == ("reviewed", 1, Decimal("1533.33"))  # frozen: untouched
    assert audit_count("subsidy_compute") == 4 + 3


def test_frozen_states_are_untouched_and_reopen_makes_version_2(app, computed, staff, add_loan):
    from loans.db import db
    from loans.subsidy import services
    from loans.subsidy.exports import csv_bytes

    supervisor, finance = staff("supervisor"), staff("finance")
    icbc, abc = computed["ICBC-CZ"], computed["ABC-CZ"]
    services.review_statement(icbc, actor=supervisor)
    services.approve_statement(icbc, actor=finance)
    services.review_statement(abc, actor=supervisor)
    services.approve_statement(abc, actor=finance)
    services.pay_statement(abc, actor=finance, paid_on=date(2021, 10, 15), voucher_no="FIN-2021-0099")
    db.session.commit()
    assert (abc.status, abc.voucher_no, abc.paid_by_id) == ("paid", "FIN-2021-0099", finance.id)
    add_loan("EX-D")
    add_loan("EX-B3", bank="ABC-CZ")
    db.session.commit()
    compute()
    assert services.current_statement("2021Q3", "ICBC-CZ").line_count == 2
    assert services.current_statement("2021Q3", "ABC-CZ").line_count == 1
    with pytest.raises(Refused, match="A paid statement is never reopened"):  # SPEC §13
        services.reopen_statement(abc, actor=finance, reason="EX-B3 was missing")
    db.session.rollback()

    with pytest.raises(Refused, match="reason"):
        services.reopen_statement(icbc, actor=finance, reason="  ")
    db.session.rollback()
    new = services.reopen_statement(icbc, actor=finance, reason="EX-D was missing from the ledger")
    db.session.commit()
    db.session.expire_all()
    assert (icbc.status, new.status, new.version, new.reopened_from_id) == ("superseded", "draft", 2, icbc.id)
    assert new.line_count == 3 and new.total == Decimal("2805.55")
    assert new.reopen_reason == "EX-D was missing from the ledger"
    assert services.current_statement("2021Q3", "ICBC-CZ").id == new.id
    assert b"EX-D" in csv_bytes("2021Q3") and csv_bytes("2021Q3").count(b"\r\n") == 5  # v1 rows not repeated
    with pytest.raises(Refused):
        services.reopen_statement(new, actor=finance, reason="a draft is recomputed instead")


def test_workflow_roles_and_order(app, computed, staff):
    from loans.subsidy import services

    icbc = computed["ICBC-CZ"]
    with pytest.raises(Refused) as refused:
        services.review_statement(icbc, actor=staff("supervisor", district_code="431002"))
    assert refused.value.status == 403
    with pytest.raises(Refused) as refused:
        services.review_statement(icbc, actor=staff("finance"))
    assert refused.value.status == 403
    with pytest.raises(ConcurrentChange):  # not reviewed yet
        services.approve_statement(icbc, actor=staff("finance"))
    services.review_statement(icbc, actor=staff("supervisor"))
    with pytest.raises(Refused) as refused:
        services.approve_statement(icbc, actor=staff("supervisor"))
    assert refused.value.status == 403
    services.approve_statement(icbc, actor=staff("finance"))
    with pytest.raises(Refused, match="after the period"):
        services.pay_statement(icbc, actor=staff("finance"), paid_on=date(2021, 9, 1), voucher_no="V1")
    with pytest.raises(Refused, match="voucher"):
        services.pay_statement(icbc, actor=staff("finance"), paid_on=date(2021, 10, 1), voucher_no="")


def test_stale_lock_version_changes_nothing(app, computed, staff):
    from loans.subsidy import services

    icbc = computed["ICBC-CZ"]
    seen = icbc.lock_version
    services.review_statement(icbc, actor=staff("supervisor"), lock_version=seen)
    with pytest.raises(ConcurrentChange):
        services.approve_statement(icbc, actor=staff("finance"), lock_version=seen)


def test_export_of_a_period_without_lines_is_the_header_alone(app):
    from loans.subsidy.exports import HEADER, NeverComputed, csv_bytes

    with pytest.raises(NeverComputed):
        csv_bytes("2021Q3")
    compute()
    assert csv_bytes("2021Q3") == (",".join(HEADER) + "\r\n").encode()


def test_xlsx_export_has_the_same_rows_as_numbers(computed):
    from openpyxl import load_workbook

    from loans.subsidy.exports import HEADER, xlsx_bytes

    data = xlsx_bytes("2021Q3")
    sheet = load_workbook(io.BytesIO(data)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert tuple(rows[0]) == HEADER
    assert [r[:3] for r in rows[1:]] == [["2021Q3", "ABC-CZ", "EX-B"], ["2021Q3", "ICBC-CZ", "EX-A"],
                                        ["2021Q3", "ICBC-CZ", "EX-C"]]
    assert rows[3][6:] == [92, 13700000, 761.11]
    assert sheet["F2"].number_format == "0.00" and sheet["I2"].number_format == "0.00"
    xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<v>1533.33</v>" in xml and "<v>3</v>" in xml  # exact decimal text in the file


def test_a_rate_with_three_decimals_exports_exactly(app, add_loan):
    from loans.subsidy.exports import csv_bytes

    # HN-2023 rate share 50 % of 3.95 % = 1.975 %
    add_loan("R3", rate="3.95", lpr="3.00", contract_date=date(2025, 6, 10), amount="300000",
             maturity=date(2028, 6, 10), policy_code="HN-2023", events=((date(2025, 6, 10), "disbursement", "300000"),))
    compute("2025Q3", today=date(2025, 9, 21))
    assert csv_bytes("2025Q3").decode().splitlines()[1] == "2025Q3,ICBC-CZ,R3,3.95,3.00,1.975,92,27600000,1514.17"


def test_bulk_compute_is_chunked(app, add_loan, monkeypatch):
    from loans.db import db
    from loans.subsidy import services

    monkeypatch.setattr(services, "CHUNK", 7)
    for i in range(30):
        add_loan(f"N{i:03d}", bank=("ICBC-CZ", "ABC-CZ", "CZRCB")[i % 3])
    db.session.commit()
    seen = []
    result = compute(progress=seen.append)
    assert result.loans_considered == 30 and sum(seen) == 30 and len(seen) == 5
    assert sum(b.line_count for b in result.banks) == 30
    assert services.count_candidate_loans("2021Q3") == 30
