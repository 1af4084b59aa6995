"""Issue 11, items 12–14 on the statement pages: the quarter to compute is chosen from the
finished periods; review asks for confirmation and keeps an optional comment in the
statement's history; a statement downloads as a table for people (headers in the reader's
language with units, a totals row) beside the fixed-column export; dates in prose; every
CSV answers ``text/csv; charset=utf-8`` once."""
from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from tests.helpers import client_for, field_error, is_checked, text

from .test_pages import lock, people  # noqa: F401  (the fixture)


def options(page: str, name: str = "period") -> list[tuple[str, str]]:
    select = re.search(rf'<select\b[^>]*\bname="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert select, f"no select named {name}"
    return [(value, text(label)) for value, label in
            re.findall(r'<option\b[^>]*\bvalue="([^"]*)"[^>]*>(.*?)</option>', select.group(1), re.S)]


# --- the quarter to compute -------------------------------------------------------------------

@pytest.mark.parametrize("first_day, today, expected", [
    (date(2021, 6, 15), date(2021, 9, 21), ["2021Q3", "2021Q2"]),
    (date(2021, 6, 15), date(2021, 9, 20), ["2021Q2"]),            # 2021Q3 ends that day: not yet
    (date(2021, 6, 21), date(2021, 12, 21), ["2021Q4", "2021Q3"]),
    (date(2020, 12, 21), date(2021, 3, 21), ["2021Q1"]),           # Q1 starts on 21 December
    (date(2020, 12, 20), date(2021, 3, 21), ["2021Q1", "2020Q4"]),
    (date(2026, 11, 1), date(2026, 12, 2), ["2026Q3"]),            # nothing before: the last one ended
], ids=str)
def test_ended_periods(first_day, today, expected):
    from loans.subsidy.queries import ended_periods

    assert ended_periods(first_day, today) == expected


def test_finance_chooses_a_finished_period_from_a_list(app, example_ledger, people):
    from loans.core.dates import period_of, quarter_period
    from loans.db import local_today

    finance = client_for(app, people["finance"])
    page = finance.get("/subsidy/").get_data(as_text=True)
    assert not re.search(r'<input\b[^>]*name="period"', page)  # not typed
    choices = options(page)
    last_ended = period_of(quarter_period(period_of(local_today()))[0].replace(day=20))
    assert choices[0][0] == last_ended  # newest first: the last period that has ended
    assert period_of(local_today()) not in dict(choices)  # the current period has not ended
    assert choices[-1] == ("2021Q2", "Q2 2021, not computed yet (2021-03-21 to 2021-06-20)")  # the first loan's
    assert ("2021Q3", "Q3 2021, not computed yet (2021-06-21 to 2021-09-20)") in choices

    response = finance.post("/subsidy/compute", data={"period": "2021Q3"})
    assert response.status_code == 302 and re.search(r"/jobs/\d+\?follow=1$", response.headers["Location"])
    done = finance.get(response.headers["Location"])  # the job ran inline (no consumer in tests)
    assert done.status_code == 302 and done.headers["Location"].endswith("/subsidy/periods/2021Q3")
    assert ("2021Q3", "Q3 2021, drafts recomputed (2021-06-21 to 2021-09-20)") in options(
        finance.get("/subsidy/").get_data(as_text=True))


def test_a_period_whose_statements_are_all_frozen_is_not_offered(app, computed, people, staff):
    from loans.db import db
    from loans.subsidy import services
    from loans.subsidy.models import StatementStatus, SubsidyStatement

    supervisor = staff("supervisor")
    finance = client_for(app, people["finance"])
    drafts = db.session.scalars(db.select(SubsidyStatement).where(SubsidyStatement.period == "2021Q3")).all()
    for statement in drafts[:-1]:
        services.review_statement(statement, actor=supervisor)
    db.session.commit()
    assert "2021Q3" in dict(options(finance.get("/subsidy/").get_data(as_text=True)))  # one draft left
    services.review_statement(drafts[-1], actor=supervisor)
    db.session.commit()
    assert all(s.status == StatementStatus.reviewed for s in drafts)
    assert "2021Q3" not in dict(options(finance.get("/subsidy/").get_data(as_text=True)))


def test_the_choices_in_chinese_write_dates_in_prose(app, example_ledger, people):
    finance = client_for(app, people["finance"])
    finance.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    labels = dict(options(finance.get("/subsidy/").get_data(as_text=True)))
    assert "2021年6月21日" in labels["2021Q3"] and "2021年9月20日" in labels["2021Q3"]


def test_a_period_that_has_not_ended_is_still_refused_if_posted(app, people):
    finance = client_for(app, people["finance"])
    response = finance.post("/subsidy/compute", data={"period": "2099Q1"})
    assert response.status_code == 400
    assert "2099-03-20" in field_error(response.get_data(as_text=True), "period")


# --- review: confirm, and an optional comment ----------------------------------------------------

def test_review_asks_for_confirmation(app, computed, people):
    from loans.audit.models import AuditEvent
    from loans.db import db

    sid = computed["ICBC-CZ"].id
    supervisor = client_for(app, people["supervisor"])
    page = supervisor.get(f"/subsidy/statements/{sid}").get_data(as_text=True)
    assert 'name="confirmed"' in page and 'name="comment"' in page
    assert "2 line(s), total subsidy ¥1,783.33" in text(page)

    response = supervisor.post(f"/subsidy/statements/{sid}/review",
                               data={"lock_version": lock(supervisor, sid), "comment": "看过了"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert field_error(page, "confirmed") == "Tick the box to confirm that you have checked the statement."
    assert "看过了" in page and not is_checked(page, "confirmed")  # what was typed is kept
    db.session.expire_all()
    assert computed["ICBC-CZ"].status == "draft"
    assert db.session.scalar(db.select(db.func.count(AuditEvent.id)).where(AuditEvent.action == "subsidy_review")) == 0


def test_the_reviewers_comment_is_kept_and_shown_in_the_history(app, computed, people):
    from loans.audit.models import AuditEvent
    from loans.db import db

    sid = computed["ICBC-CZ"].id
    supervisor, finance = client_for(app, people["supervisor"]), client_for(app, people["finance"])
    response = supervisor.post(f"/subsidy/statements/{sid}/review", data={
        "lock_version": lock(supervisor, sid), "confirmed": "y", "comment": "  EX-C 的还款日期已与银行核对。 "})
    assert response.status_code == 302
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "subsidy_review"))
    assert event.detail == {"comment": "EX-C 的还款日期已与银行核对。"} and event.object_id == sid

    page = finance.get(f"/subsidy/statements/{sid}").get_data(as_text=True)
    history = text(page.split('id="history-title"')[1])
    assert "Subsidy statement computed" in history and "2 line(s), total ¥1,783.33" in history
    assert "Subsidy statement reviewed" in history and "市级 李科长" in history
    assert "Comment: EX-C 的还款日期已与银行核对。" in history
    assert history.index("computed") < history.index("reviewed")


def test_a_review_without_a_comment_stores_none(app, computed, people):
    from loans.audit.models import AuditEvent
    from loans.db import db

    sid = computed["ABC-CZ"].id
    supervisor = client_for(app, people["supervisor"])
    assert supervisor.post(f"/subsidy/statements/{sid}/review",
                           data={"lock_version": lock(supervisor, sid), "confirmed": "y"}).status_code == 302
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "subsidy_review")).detail == {}


def test_a_comment_too_long_is_refused_beside_it(app, computed, people):
    sid = computed["ICBC-CZ"].id
    supervisor = client_for(app, people["supervisor"])
    response = supervisor.post(f"/subsidy/statements/{sid}/review",
                               data={"lock_version": lock(supervisor, sid), "confirmed": "y", "comment": "字" * 1001})
    assert response.status_code == 400 and field_error(response.get_data(as_text=True), "comment")


def test_the_statement_page_writes_the_period_in_prose(app, computed, people):
    finance = client_for(app, people["finance"])
    finance.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    sid = computed["ICBC-CZ"].id
    assert "2021年6月21日至2021年9月20日" in text(finance.get(f"/subsidy/statements/{sid}").get_data(as_text=True))
    assert "2021年6月21日至2021年9月20日" in text(finance.get("/subsidy/periods/2021Q3").get_data(as_text=True))
    finance.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert "2021-06-21 to 2021-09-20" in text(finance.get(f"/subsidy/statements/{sid}").get_data(as_text=True))


# --- a statement as a table for people ------------------------------------------------------------

EN_HEADER = ["Loan reference", "Borrower", "Policy version", "Contract rate (%)", "LPR₀ (%)", "Subsidy rate (%)",
             "Subsidised days", "Balance-days (yuan·days)", "Subsidy (yuan)"]
ZH_HEADER = ["贷款编号", "借款人", "政策版本", "合同利率（%）", "LPR₀（%）", "贴息利率（%）", "贴息天数",
             "余额积数（元·天）", "贴息金额（元）"]


def statement_csv(client, sid) -> list[list[str]]:
    response = client.get(f"/subsidy/statements/{sid}/table.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def test_a_statement_for_people_in_english(app, computed, people):
    sid = computed["ICBC-CZ"].id
    rows = statement_csv(client_for(app, people["icbc"]), sid)  # the bank reads its own statement too
    assert rows[0] == EN_HEADER
    assert rows[1] == ["EX-A", "张* 431002********1117", "HN-2021", "4.35", "3.85", "2.00", "92", "18400000",
                       "1022.22"]
    total = rows[-1]
    assert total[0] == "Total" and total[-1] == "1783.33" == f"{computed['ICBC-CZ'].total:.2f}"
    assert Decimal(total[-1]) == sum(Decimal(row[-1]) for row in rows[1:-1])
    assert Decimal(total[-2]) == sum(Decimal(row[-2]) for row in rows[1:-1])


def test_a_statement_for_people_in_chinese(app, computed, people):
    finance = client_for(app, people["finance"])
    finance.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    rows = statement_csv(finance, computed["ICBC-CZ"].id)
    assert rows[0] == ZH_HEADER and rows[-1][0] == "合计"


def test_a_statement_workbook_for_people(app, computed, people):
    sid = computed["ICBC-CZ"].id
    response = client_for(app, people["auditor"]).get(f"/subsidy/statements/{sid}/table.xlsx")
    assert response.status_code == 200
    assert "subsidy-2021Q3-ICBC-CZ-v1.xlsx" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0].startswith("Interest-subsidy statement Q3 2021 (2021-06-21 to 2021-09-20), ")
    assert rows[0][0].endswith(", version 1, Draft")
    assert list(rows[2]) == EN_HEADER
    assert rows[-1][0] == "Total" and Decimal(str(rows[-1][-1])) == Decimal("1783.33")
    assert sheet.cell(4, 9).number_format == "#,##0.00" and isinstance(sheet.cell(4, 9).value, (int, float, Decimal))


def test_a_name_that_looks_like_a_formula_is_neutralised(app, add_loan, people):
    from loans.db import db
    from loans.subsidy import services

    add_loan("EX-F", name="=HYPERLINK(\"http://x\")", id_number="431002199003151117")
    db.session.commit()
    services.compute_period_subsidy("2021Q3", None, today=date(2021, 9, 21))
    db.session.commit()
    sid = services.current_statement("2021Q3", "ICBC-CZ").id
    finance = client_for(app, people["finance"])
    rows = statement_csv(finance, sid)
    assert rows[1][1].startswith("'=")
    sheet = load_workbook(io.BytesIO(finance.get(f"/subsidy/statements/{sid}/table.xlsx").get_data())).active
    assert sheet.cell(4, 2).data_type == "s" and sheet.cell(4, 2).value.startswith("=")


def test_the_statement_page_links_the_tables(app, computed, people):
    sid = computed["ICBC-CZ"].id
    page = client_for(app, people["finance"]).get(f"/subsidy/statements/{sid}").get_data(as_text=True)
    assert f'href="/subsidy/statements/{sid}/table.xlsx"' in page and f'href="/subsidy/statements/{sid}/table.csv"' in page


def test_other_banks_statements_are_not_downloadable(app, computed, people):
    icbc = client_for(app, people["icbc"])
    other = computed["ABC-CZ"].id
    assert icbc.get(f"/subsidy/statements/{other}/table.csv").status_code == 404
    assert icbc.get(f"/subsidy/statements/{other}/table.xlsx").status_code == 404


# --- every CSV the app answers ---------------------------------------------------------------------

def test_every_csv_download_names_its_charset_once(app, computed, people):
    """The charset was doubled (``text/csv; charset=utf-8; charset=utf-8``): Flask adds it to
    every text type itself. Every GET route ending in .csv is asked."""
    from loans.banks.files import preview_file
    from loans.db import db

    bank_file = preview_file("ICBC-CZ", "events.csv", b"loan_ref,date,kind,amount,bank_ref\r\n", source="clerk",
                             actor=people["icbc"])
    db.session.commit()
    arguments = {"period": "2021Q3", "statement_id": computed["ICBC-CZ"].id, "file_id": bank_file.id}
    query = {"reports.export_csv": "?from=2021-01-01&to=2021-12-31", "reports.table_csv": "?from=2021-01-01&to=2021-12-31"}
    finance = client_for(app, people["finance"])
    bank_clerk = client_for(app, people["icbc"])  # a bank's own files
    routes = [rule for rule in app.url_map.iter_rules() if rule.rule.endswith(".csv") and "GET" in rule.methods]
    assert len(routes) >= 4
    for rule in routes:
        missing = set(rule.arguments) - set(arguments)
        assert not missing, f"{rule.endpoint}: give this test an example of {missing}"
        url = rule.rule
        for name in rule.arguments:
            url = re.sub(rf"<(?:[a-z]+:)?{name}>", str(arguments[name]), url)
        client = bank_clerk if rule.endpoint.startswith("banks.") else finance
        response = client.get(url + query.get(rule.endpoint, ""))
        assert response.status_code == 200, rule.endpoint
        assert response.headers.getlist("Content-Type") == ["text/csv; charset=utf-8"], rule.endpoint
