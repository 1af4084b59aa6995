"""Adjustments after a frozen statement (SPEC §13, issue 15): an event dated inside a
period whose statement is reviewed, approved or paid never changes that statement; the
bank's next computed statement carries the difference, and its total may be negative.

Worked by hand (basis 360, HN-2021, district 431002, r = 4.35 %, LPR₀ 3.85 %: s = 2.00 %):
2021Q3 runs 2021-06-21 … 2021-09-20 (92 days), 2021Q4 2021-09-21 … 2021-12-20 (91 days).
"""
from __future__ import annotations

import csv
import io
import re
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests.helpers import client_for, text

from .test_pages import people  # noqa: F401  (the fixture)

AFTER_Q3 = date(2021, 9, 21)
AFTER_Q4 = date(2021, 12, 21)
AFTER_Q1 = date(2022, 3, 21)
D = Decimal


def compute(period, today, **kwargs):
    from loans.db import db
    from loans.subsidy import services

    result = services.compute_period_subsidy(period, None, today=today, **kwargs)
    db.session.commit()
    return result


def statement(period, bank="ICBC-CZ"):
    from loans.subsidy.services import current_statement

    return current_statement(period, bank)


def freeze(period, people, bank="ICBC-CZ", upto="reviewed"):
    """Review (and approve, and pay) the bank's current statement of ``period``."""
    from loans.db import db
    from loans.subsidy import services

    s = statement(period, bank)
    services.review_statement(s, actor=people["supervisor"])
    if upto in ("approved", "paid"):
        services.approve_statement(s, actor=people["finance"])
    if upto == "paid":
        services.pay_statement(s, actor=people["finance"], paid_on=date(2022, 1, 10), voucher_no="PZ-1")
    db.session.commit()
    return s


def add_event(loan, on, kind, amount=None):
    from loans.db import db
    from loans.servicing.models import LoanEvent

    db.session.add(LoanEvent(loan_id=loan.id, event_on=on, kind=kind, amount=D(amount) if amount else None,
                             occurrence=1))
    if kind == "disbursement" and (loan.first_disbursement_date is None or on < loan.first_disbursement_date):
        loan.first_disbursement_date = on
    db.session.commit()


def adjustments(s):
    return [(a.loan_ref, a.original_period, a.frozen_subsidy, a.recomputed_subsidy, a.adjustment)
            for a in s.adjustments]


@pytest.fixture
def three_loans(app, add_loan):
    """A: ¥200,000 from 2021-06-15 (2021Q3: ¥1,022.22); B: the same, for an overdue period
    recorded late; C: contracted 2021-08-25, its ¥100,000 disbursement recorded late."""
    from loans.db import db

    loans = {
        "A": add_loan("ADJ-A"),
        "B": add_loan("ADJ-B"),
        "C": add_loan("ADJ-C", contract_date=date(2021, 8, 25), events=()),
    }
    db.session.commit()
    return loans


@pytest.fixture
def q3_reviewed(three_loans, people):
    compute("2021Q3", AFTER_Q3)
    assert {line.loan_ref: line.subsidy for line in statement("2021Q3").lines} == {
        "ADJ-A": D("1022.22"), "ADJ-B": D("1022.22")}
    freeze("2021Q3", people)
    return three_loans


def test_late_events_into_a_frozen_period_are_carried_by_the_next_statement(q3_reviewed):
    loans = q3_reviewed
    # recorded after 2021Q3 was reviewed, dated inside it
    add_event(loans["A"], date(2021, 8, 5), "repayment", "100000")
    add_event(loans["B"], date(2021, 9, 1), "overdue_start")
    add_event(loans["B"], date(2021, 9, 11), "overdue_end")
    add_event(loans["C"], date(2021, 9, 1), "disbursement", "100000")
    q3 = statement("2021Q3")
    assert (q3.status, q3.total, q3.adjustment_count) == ("reviewed", D("2044.44"), 0)  # never changed

    result = compute("2021Q4", AFTER_Q4)
    q4 = statement("2021Q4")
    assert adjustments(q4) == [
        # (200,000 × 45 + 100,000 × 47) × 2 % ÷ 360 = 761.11
        ("ADJ-A", "2021Q3", D("1022.22"), D("761.11"), D("-261.11")),
        # 10 overdue days earn nothing: 200,000 × 82 × 2 % ÷ 360 = 911.11
        ("ADJ-B", "2021Q3", D("1022.22"), D("911.11"), D("-111.11")),
        # no line on 2021Q3, gains one: 100,000 × 20 days (09-01 … 09-20) × 2 % ÷ 360 = 111.11
        ("ADJ-C", "2021Q3", D("0.00"), D("111.11"), D("111.11")),
    ]
    # 2021Q4's own lines: A 100,000 × 91 × 2 % ÷ 360 = 505.56; B and C 1,011.11 and 505.56
    assert {line.loan_ref: line.subsidy for line in q4.lines} == {
        "ADJ-A": D("505.56"), "ADJ-B": D("1011.11"), "ADJ-C": D("505.56")}
    assert (q4.adjustment_count, q4.adjustments_total) == (3, D("-261.11"))
    assert q4.total == D("2022.23") - D("261.11") == D("1761.12")
    icbc = next(b for b in result.banks if b.bank_code == "ICBC-CZ")
    assert (icbc.adjustment_count, icbc.adjustments_total, icbc.total) == (3, D("-261.11"), D("1761.12"))

    # computing again replaces the draft's adjustments, it does not add to them
    compute("2021Q4", AFTER_Q4)
    assert len(statement("2021Q4").adjustments) == 3 and statement("2021Q4").total == D("1761.12")


def test_a_negative_total_is_a_refund_and_later_statements_count_frozen_adjustments(q3_reviewed, people):
    loans = q3_reviewed
    add_event(loans["A"], date(2021, 6, 21), "repayment", "200000")  # repaid on the period's first day
    add_event(loans["B"], date(2021, 6, 21), "repayment", "200000")
    compute("2021Q4", AFTER_Q4)
    q4 = statement("2021Q4")
    assert q4.line_count == 0 and q4.total == q4.adjustments_total == D("-2044.44")  # the bank owes it back
    freeze("2021Q4", people)

    # the next period: the line on 2021Q3 + the adjustment frozen on 2021Q4 = the truth already
    compute("2022Q1", AFTER_Q1)
    assert statement("2022Q1").adjustments == [] and statement("2022Q1").total == D("0.00")

    # a later correction moves only the rest: half of A's repayment was a mistake
    from loans.db import db
    from loans.servicing.models import LoanEvent

    event = db.session.scalar(select(LoanEvent).where(LoanEvent.loan_id == loans["A"].id,
                                                      LoanEvent.kind == "repayment"))
    event.amount = D("100000")
    db.session.commit()
    compute("2022Q1", AFTER_Q1)
    # 2021Q3: 100,000 × 92 × 2 % ÷ 360 = 511.11, counted so far 1,022.22 − 1,022.22 = 0
    # 2021Q4: 100,000 × 91 days = 505.56, counted 0 (no line)
    assert adjustments(statement("2022Q1")) == [
        ("ADJ-A", "2021Q3", D("0.00"), D("511.11"), D("511.11")),
        ("ADJ-A", "2021Q4", D("0.00"), D("505.56"), D("505.56")),
    ]


def test_every_bank_has_a_statement_for_every_computed_period(q3_reviewed):
    from loans.db import db
    from loans.policy.models import Bank
    from loans.subsidy.models import SubsidyStatement

    compute("2021Q4", AFTER_Q4)
    banks = set(db.session.scalars(select(Bank.code)))
    assert len(banks) >= 4
    for period in ("2021Q3", "2021Q4"):
        have = set(db.session.scalars(select(SubsidyStatement.bank_code).where(SubsidyStatement.period == period)))
        assert have == banks
    empty = statement("2021Q4", "CZRCB")
    assert (empty.line_count, empty.adjustment_count, empty.total) == (0, 0, D("0.00"))


# --- reopening -------------------------------------------------------------------------------

def test_reopen_rules(q3_reviewed, people):
    from loans.db import db
    from loans.errors import Refused
    from loans.subsidy import services

    loans = q3_reviewed
    add_event(loans["A"], date(2021, 8, 5), "repayment", "100000")
    compute("2021Q4", AFTER_Q4)
    q4 = statement("2021Q4")
    assert q4.adjustment_count == 1 and q4.total == D("1255.56")  # 505.56 + 1,011.11 − 261.11

    # a draft carries the adjustment: 2021Q3 may be reopened; the draft loses it
    q3 = statement("2021Q3")
    new_q3 = services.reopen_statement(q3, actor=people["finance"], reason="还款日期更正", today=AFTER_Q4)
    db.session.commit()
    assert new_q3.version == 2 and new_q3.total == D("761.11") + D("1022.22")
    q4 = statement("2021Q4")
    db.session.refresh(q4)
    assert (q4.adjustment_count, q4.adjustments_total, q4.total) == (0, D("0.00"), D("1516.67"))
    history = text(client_for(_app(), people["finance"]).get(f"/subsidy/statements/{new_q3.id}").get_data(
        as_text=True))
    assert "1 adjustment(s) for this period removed from draft statements" in history

    # frozen again, and another late change: 2021Q4 carries it and is reviewed
    freeze("2021Q3", people, upto="approved")
    add_event(loans["B"], date(2021, 9, 1), "overdue_start")
    add_event(loans["B"], date(2021, 9, 11), "overdue_end")
    compute("2021Q4", AFTER_Q4)
    freeze("2021Q4", people)
    q3 = statement("2021Q3")
    with pytest.raises(Refused) as refused:
        services.reopen_statement(q3, actor=people["finance"], reason="再次更正", today=AFTER_Q4)
    assert refused.value.status == 409
    assert "statement of Q4 2021 (version 1)" in str(refused.value) and "carries adjustments" in str(refused.value)
    db.session.rollback()
    assert statement("2021Q3").status == "approved"

    # 2021Q4 carries them but nothing frozen adjusts 2021Q4: it may be reopened
    services.reopen_statement(statement("2021Q4"), actor=people["finance"], reason="复核", today=AFTER_Q4)
    db.session.commit()
    assert statement("2021Q4").version == 2 and statement("2021Q4").adjustment_count == 1


def test_a_paid_statement_is_never_reopened(three_loans, people):
    from loans.db import db
    from loans.errors import Refused
    from loans.subsidy import services

    compute("2021Q3", AFTER_Q3)
    freeze("2021Q3", people, upto="paid")
    with pytest.raises(Refused) as refused:
        services.reopen_statement(statement("2021Q3"), actor=people["finance"], reason="更正", today=AFTER_Q4)
    assert refused.value.status == 409 and "A paid statement is never reopened" in str(refused.value)
    db.session.rollback()
    assert statement("2021Q3").status == "paid"
    page = client_for(_app(), people["finance"]).get(f"/subsidy/statements/{statement('2021Q3').id}")
    assert "A paid statement is never reopened" in text(page.get_data(as_text=True))
    assert "/reopen" not in page.get_data(as_text=True)


def test_reopen_refused_on_the_page_in_both_languages(q3_reviewed, people):
    loans = q3_reviewed
    add_event(loans["A"], date(2021, 8, 5), "repayment", "100000")
    compute("2021Q4", AFTER_Q4)
    freeze("2021Q4", people)
    q3 = statement("2021Q3")
    finance = client_for(_app(), people["finance"])
    page = finance.get(f"/subsidy/statements/{q3.id}").get_data(as_text=True)
    assert f"/subsidy/statements/{q3.id}/reopen" not in page  # no form to fill in vain
    assert ("This statement cannot be reopened while the statement of Q4 2021 (version 1), already reviewed, "
            "approved or paid, carries adjustments for its period.") in text(page)
    lock_version = re.search(r'name="lock_version"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="lock_version"', page)
    lock = lock_version.group(1) or lock_version.group(2)
    response = finance.post(f"/subsidy/statements/{q3.id}/reopen", data={"reason": "更正", "lock_version": lock})
    assert response.status_code == 409
    assert "carries adjustments for its period" in text(response.get_data(as_text=True))
    finance.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    response = finance.post(f"/subsidy/statements/{q3.id}/reopen", data={"reason": "更正", "lock_version": lock})
    assert response.status_code == 409
    assert 'lang="zh-CN"' in response.get_data(as_text=True)


def _app():
    from flask import current_app

    return current_app._get_current_object()


# --- the export ------------------------------------------------------------------------------

def test_adjustments_export_csv_and_xlsx(q3_reviewed, runner, tmp_path):
    loans = q3_reviewed
    add_event(loans["A"], date(2021, 8, 5), "repayment", "100000")
    add_event(loans["C"], date(2021, 9, 1), "disbursement", "100000")
    compute("2021Q4", AFTER_Q4)

    out = tmp_path / "adj.csv"
    result = runner.invoke(args=["subsidy", "export", "2021Q4", "--adjustments", "--format", "csv",
                                 "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == (
        b"period,bank_code,loan_ref,original_period,frozen_subsidy,recomputed_subsidy,adjustment\r\n"
        b"2021Q4,ICBC-CZ,ADJ-A,2021Q3,1022.22,761.11,-261.11\r\n"
        b"2021Q4,ICBC-CZ,ADJ-C,2021Q3,0.00,111.11,111.11\r\n")
    assert "2 row(s)" in result.output

    xlsx = tmp_path / "adj.xlsx"
    result = runner.invoke(args=["subsidy", "export", "2021Q4", "--adjustments", "--format", "xlsx",
                                 "--output", str(xlsx)])
    assert result.exit_code == 0, result.output
    sheet = load_workbook(xlsx).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == ["period", "bank_code", "loan_ref", "original_period", "frozen_subsidy",
                       "recomputed_subsidy", "adjustment"]
    assert rows[1][:4] == ["2021Q4", "ICBC-CZ", "ADJ-A", "2021Q3"]
    assert [D(str(v)) for v in rows[1][4:]] == [D("1022.22"), D("761.11"), D("-261.11")]
    assert sheet["G2"].number_format == "0.00" and len(rows) == 3

    # the plain export is unchanged: lines only
    plain = tmp_path / "plain.csv"
    runner.invoke(args=["subsidy", "export", "2021Q4", "--format", "csv", "--output", str(plain)])
    assert plain.read_bytes().split(b"\r\n")[0] == (
        b"period,bank_code,loan_ref,contract_rate,lpr,subsidy_rate,subsidised_days,balance_days,subsidy")
    assert b"2021Q3" not in plain.read_bytes()


def test_adjustments_export_header_alone_and_never_computed(three_loans, runner, tmp_path):
    compute("2021Q3", AFTER_Q3)
    out = tmp_path / "adj.csv"
    result = runner.invoke(args=["subsidy", "export", "2021Q3", "--adjustments", "--format", "csv",
                                 "--output", str(out)])
    assert result.exit_code == 0
    assert out.read_bytes() == (b"period,bank_code,loan_ref,original_period,frozen_subsidy,recomputed_subsidy,"
                                b"adjustment\r\n")
    result = runner.invoke(args=["subsidy", "export", "2020Q1", "--adjustments", "--format", "csv",
                                 "--output", str(tmp_path / "never.csv")])
    assert result.exit_code != 0 and "2020Q1 has never been computed" in result.output
    assert not (tmp_path / "never.csv").exists()


# --- the page, the downloads and the PDF --------------------------------------------------------

@pytest.fixture
def refund_statement(q3_reviewed, people):
    """2021Q4 with a negative total: A and B repaid on 2021Q3's first day, C disbursed late."""
    loans = q3_reviewed
    add_event(loans["A"], date(2021, 6, 21), "repayment", "200000")
    add_event(loans["B"], date(2021, 6, 21), "repayment", "200000")
    add_event(loans["C"], date(2021, 9, 1), "disbursement", "100000")
    compute("2021Q4", AFTER_Q4)
    q4 = statement("2021Q4")
    # lines: C 505.56; adjustments −1,022.22 −1,022.22 +111.11 = −1,933.33; total −1,427.77
    assert (q4.total, q4.adjustments_total) == (D("-1427.77"), D("-1933.33"))
    return q4


def test_statement_page_shows_adjustments_apart(refund_statement, people):
    finance = client_for(_app(), people["finance"])
    page = text(finance.get(f"/subsidy/statements/{refund_statement.id}").get_data(as_text=True))
    assert "Adjustments for earlier periods" in page
    assert "ADJ-A Q3 2021 ¥1,022.22 ¥0.00 -¥1,022.22" in page or "ADJ-A Q3 2021 ¥1,022.22 ¥0.00 −¥1,022.22" in page
    assert "Lines total ¥505.56" in page
    assert "Adjustments total" in page and "1,933.33" in page
    assert "refund of ¥1,427.77 due from the bank" in page
    assert "1 line(s), total -¥1,427.77 · 3 adjustment(s) for earlier periods, -¥1,933.33" in page  # the history
    # the overview and the period page use the statement totals
    page = text(finance.get("/subsidy/periods/2021Q4").get_data(as_text=True))
    assert "Total of the current statements: -¥1,427.77" in page
    assert re.search(r"Q4 2021 .{0,80}-¥1,427\.77", text(finance.get("/subsidy/").get_data(as_text=True)))


def test_statement_table_downloads_show_adjustments_apart(refund_statement, people):
    finance = client_for(_app(), people["finance"])
    body = finance.get(f"/subsidy/statements/{refund_statement.id}/table.csv").get_data()
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    flat = [",".join(row) for row in rows]
    assert any(line.startswith("ADJ-C,") and line.endswith(",505.56") for line in flat)
    assert "Adjustments for earlier periods" in flat
    assert any(line.startswith("ADJ-A,Q3 2021,1022.22,0.00,-1022.22") for line in flat)
    assert any(line.startswith("Lines total") and "505.56" in line for line in flat)
    assert any(line.startswith("Adjustments total") and "-1933.33" in line for line in flat)
    assert any(line.startswith("Statement total") and "-1427.77" in line for line in flat)

    book = load_workbook(io.BytesIO(finance.get(f"/subsidy/statements/{refund_statement.id}/table.xlsx").data))
    values = [[c.value for c in row] for row in book.active.iter_rows()]
    assert ["Adjustments for earlier periods"] == [v for v in values[next(
        i for i, row in enumerate(values) if row[0] == "Adjustments for earlier periods")] if v is not None]
    totals = {row[0]: row[1] for row in values if row[0] in ("Lines total", "Adjustments total", "Statement total")
              and not isinstance(row[1], str)}
    assert {k: D(str(v)).quantize(D("0.01")) for k, v in totals.items()} == {
        "Lines total": D("505.56"), "Adjustments total": D("-1933.33"), "Statement total": D("-1427.77")}
    assert any(row[0] and "refund of ¥1,427.77 due from the bank" in row[0] for row in values)


def _pdf_text(data: bytes) -> str:
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True)
    return re.sub(r"\s+", " ", done.stdout.decode())


@pytest.mark.pdf
@pytest.mark.parametrize("lang, words", [
    ("en", ["Adjustments for earlier periods", "Lines total", "Adjustments total", "Statement total",
            "Refund due from the bank", "a refund of ¥1,427.77 is due from the bank", "-1,022.22"]),
    ("zh", ["以前期间贴息调整", "本期贴息合计", "调整合计", "结算合计", "银行应退回", "1,427.77"]),
])
def test_statement_pdf_shows_both_tables(refund_statement, lang, words):
    from loans.subsidy.pdf import render_statement_pdf

    content = _pdf_text(render_statement_pdf(refund_statement, lang))
    for word in words:
        assert word in content, word
    assert "ADJ-C" in content and "ADJ-A" in content
    assert "3项" in content if lang == "zh" else "3 items" in content
    assert "built-in" not in content and "object at" not in content


def test_the_compute_job_says_how_much_is_adjusted(q3_reviewed, people):
    add_event(q3_reviewed["A"], date(2021, 8, 5), "repayment", "100000")
    finance = client_for(_app(), people["finance"])
    response = finance.post("/subsidy/compute", data={"period": "2021Q4"}, follow_redirects=True)
    page = text(response.get_data(as_text=True))
    assert "The statements carry 1 adjustment(s) for earlier periods whose statements are frozen, -¥261.11 in all." \
        in page


def test_adjustments_load_loans_in_chunks(app, add_loan, people, monkeypatch):
    """Two queries per chunk of loans for each frozen period, whatever the number of loans."""
    from sqlalchemy import event

    from loans.db import db
    from loans.subsidy import services

    monkeypatch.setattr(services, "CHUNK", 7)
    loans = [add_loan(f"N{i:03d}", bank=("ICBC-CZ", "ABC-CZ")[i % 2]) for i in range(30)]
    db.session.commit()
    compute("2021Q3", AFTER_Q3)
    for bank in ("ICBC-CZ", "ABC-CZ"):
        freeze("2021Q3", people, bank=bank)
    for loan in loans:
        add_event(loan, date(2021, 8, 5), "repayment", "100000")

    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        compute("2021Q4", AFTER_Q4)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    event_reads = [s for s in statements if s.lstrip().startswith("SELECT loan_events.loan_id")]
    assert len(event_reads) == 5 + 5  # 2021Q4's lines, then 2021Q3 recomputed: 30 loans in chunks of 7
    for bank in ("ICBC-CZ", "ABC-CZ"):
        q4 = statement("2021Q4", bank)
        assert q4.adjustment_count == 15 and q4.adjustments_total == 15 * D("-261.11")


def test_period_page_links_the_adjustments_export(refund_statement, people):
    finance = client_for(_app(), people["finance"])
    page = finance.get("/subsidy/periods/2021Q4").get_data(as_text=True)
    assert "adjustments -¥1,933.33" in text(page) and "/subsidy/periods/2021Q4/adjustments.csv" in page
    body = finance.get("/subsidy/periods/2021Q4/adjustments.csv").data
    assert body.split(b"\r\n")[1] == b"2021Q4,ICBC-CZ,ADJ-A,2021Q3,1022.22,0.00,-1022.22"
    assert finance.get("/subsidy/periods/2021Q4/adjustments.xlsx").status_code == 200
    assert finance.get("/subsidy/periods/2020Q1/adjustments.csv").status_code == 404
    assert client_for(_app(), people["icbc"]).get("/subsidy/periods/2021Q4/adjustments.csv").status_code == 403
    assert "adjustments.csv" not in client_for(_app(), people["finance"]).get("/subsidy/periods/2021Q3").get_data(
        as_text=True)


def test_compute_command_lists_the_adjustments(q3_reviewed, runner):
    add_event(q3_reviewed["A"], date(2021, 8, 5), "repayment", "100000")
    result = runner.invoke(args=["subsidy", "compute", "2021Q4", "--today", "2021-12-21"])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if "ICBC-CZ" in line)
    # lines 505.56 + 1,011.11 (A and B), adjustment −261.11
    assert "2 line(s)" in line and "total 1255.56" in line and "1 adjustment(s) -261.11" in line


def test_the_loan_page_shows_its_adjustments_under_the_later_period(app, q3_reviewed, people):
    """The loan's subsidy history lists what the 2021Q4 statement corrects for 2021Q3."""
    from loans.db import db
    from loans.servicing.models import Loan

    loans = q3_reviewed
    add_event(loans["A"], date(2021, 8, 5), "repayment", "100000")
    compute("2021Q4", AFTER_Q4)
    loan = db.session.get(Loan, loans["A"].id)
    body = text(client_for(app, people["icbc"]).get(f"/loans/{loan.id}").get_data(as_text=True))
    history = body[body.index("Interest subsidy by period"):]
    assert re.search(r"Q4 2021 Draft Subsidy ¥505.56 .* Q4 2021 adjustment for Q3 2021 Draft Subsidy -¥261.11 ",
                     history), history[:800]
    assert "-¥261.11" in history and "¥1,022.22" in history
