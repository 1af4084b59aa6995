"""The statement pages: who may do what (SPEC §2), the workflow through real requests,
line pagination, the bank's upload and comparison, downloads."""
from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

import pytest

from tests.helpers import assert_refused_here, field_error, text
from tests.helpers import client_for, sqlite_plan, statements_of

from .conftest import EXAMPLE_EXPORT


def lock(client, statement_id):
    page = client.get(f"/subsidy/statements/{statement_id}").get_data(as_text=True)
    match = re.search(r'name="lock_version"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="lock_version"', page)
    assert match, "no lock_version on the page"
    return match.group(1) or match.group(2)


@pytest.fixture
def people(app, staff):
    return {
        "finance": staff("finance", name="财务 王会计"),
        "supervisor": staff("supervisor", name="市级 李科长"),
        "district_supervisor": staff("supervisor", district_code="431002", name="北湖 主管"),
        "auditor": staff("auditor"),
        "icbc": staff("bank", bank_code="ICBC-CZ"),
        "abc": staff("bank", bank_code="ABC-CZ"),
        "officer": staff("officer"),
    }


def test_finance_computes_a_period_from_the_page(app, example_ledger, people):
    finance = client_for(app, people["finance"])
    page = finance.get("/subsidy/").get_data(as_text=True)
    assert "Compute a period" in page and 'name="period"' in page
    response = finance.post("/subsidy/compute", data={"period": "2021q3"})
    assert response.status_code == 302 and re.search(r"/jobs/\d+\?follow=1$", response.headers["Location"])
    done = finance.get(response.headers["Location"])  # the job ran inline (no consumer in tests)
    assert done.status_code == 302 and done.headers["Location"].endswith("/subsidy/periods/2021Q3")
    page = text(finance.get("/subsidy/periods/2021Q3").get_data(as_text=True))
    assert "¥1,783.33" in page and "¥1,533.33" in page and "Total of the current statements: ¥3,316.66" in page
    assert finance.get("/subsidy/periods/2021Q3/export.csv").data == EXAMPLE_EXPORT.read_bytes()
    xlsx = finance.get("/subsidy/periods/2021Q3/export.xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    overview = finance.get("/subsidy/").get_data(as_text=True)
    assert "<svg" in overview and "2021Q3" in overview  # the chart of totals per period


def test_compute_refuses_a_period_not_yet_ended_beside_the_field(app, people):
    finance = client_for(app, people["finance"])
    response = finance.post("/subsidy/compute", data={"period": "2099Q1"})
    assert response.status_code == 400
    assert "it can be computed from the day after" in field_error(response.get_data(as_text=True), "period")
    response = finance.post("/subsidy/compute", data={"period": "2021Q9"})
    assert response.status_code == 400 and field_error(response.get_data(as_text=True), "period")


def test_only_finance_computes(app, people):
    for who in ("supervisor", "auditor", "icbc", "officer"):
        assert client_for(app, people[who]).post("/subsidy/compute", data={"period": "2021Q3"}).status_code == 403


def test_workflow_through_the_pages(app, computed, people):
    from loans.db import db
    from loans.subsidy.models import SubsidyStatement

    sid = computed["ICBC-CZ"].id
    supervisor, finance = client_for(app, people["supervisor"]), client_for(app, people["finance"])
    district = client_for(app, people["district_supervisor"])
    auditor = client_for(app, people["auditor"])

    assert district.get(f"/subsidy/statements/{sid}").status_code == 403
    assert district.post(f"/subsidy/statements/{sid}/review", data={"lock_version": "0"}).status_code == 403
    assert finance.post(f"/subsidy/statements/{sid}/review", data={"lock_version": "0"}).status_code == 403
    assert "Mark as reviewed" not in finance.get(f"/subsidy/statements/{sid}").get_data(as_text=True)

    response = supervisor.post(f"/subsidy/statements/{sid}/review", data={"lock_version": lock(supervisor, sid),
                                                                           "confirmed": "y"})
    assert response.status_code == 302
    assert auditor.post(f"/subsidy/statements/{sid}/approve", data={"lock_version": "1"}).status_code == 403
    assert "Approve for payment" not in auditor.get(f"/subsidy/statements/{sid}").get_data(as_text=True)
    assert finance.post(f"/subsidy/statements/{sid}/approve",
                        data={"lock_version": lock(finance, sid)}).status_code == 302

    bad = finance.post(f"/subsidy/statements/{sid}/pay", data={"lock_version": lock(finance, sid),
                                                                "paid_on": "2021-09-01", "voucher_no": "V-1"})
    assert bad.status_code == 400 and "after the period" in field_error(bad.get_data(as_text=True), "paid_on")
    paid = finance.post(f"/subsidy/statements/{sid}/pay", data={"lock_version": lock(finance, sid),
                                                                 "paid_on": "2021-10-15", "voucher_no": "FIN-7"})
    assert paid.status_code == 302
    db.session.expire_all()
    statement = db.session.get(SubsidyStatement, sid)
    assert (statement.status, statement.paid_on, statement.voucher_no) == ("paid", date(2021, 10, 15), "FIN-7")
    assert statement.reviewed_by_id == people["supervisor"].id and statement.approved_by_id == people["finance"].id

    never = finance.post(f"/subsidy/statements/{sid}/reopen", data={"lock_version": str(statement.lock_version),
                                                                     "reason": "bank reported a repayment"})
    assert never.status_code == 409 and "A paid statement is never reopened" in text(never.get_data(as_text=True))

    from loans.subsidy import services  # an approved statement may be reopened (SPEC §13)

    sid = computed["ABC-CZ"].id
    services.review_statement(computed["ABC-CZ"], actor=people["supervisor"])
    services.approve_statement(computed["ABC-CZ"], actor=people["finance"])
    db.session.commit()
    no_reason = finance.post(f"/subsidy/statements/{sid}/reopen", data={"lock_version": lock(finance, sid),
                                                                         "reason": ""})
    assert no_reason.status_code == 400
    reopened = finance.post(f"/subsidy/statements/{sid}/reopen", data={"lock_version": lock(finance, sid),
                                                                        "reason": "bank reported a repayment"})
    assert reopened.status_code == 302
    new_id = int(reopened.headers["Location"].rsplit("/", 1)[1])
    page = text(finance.get(f"/subsidy/statements/{new_id}").get_data(as_text=True))
    assert "v2" in page and "bank reported a repayment" in page and "Superseded" in page


def test_refusals_answer_with_the_statement_page(app, computed, people):
    """A refused action shows the statement as it is now, with the reason, in the answer
    itself (never a redirect whose message appears on the next page)."""
    finance = client_for(app, people["finance"])
    sid, seen = computed["ICBC-CZ"].id, str(computed["ICBC-CZ"].lock_version)
    stale = finance.post(f"/subsidy/statements/{sid}/approve", data={})
    assert stale.status_code == 400
    assert_refused_here(stale, "The form was incomplete or has expired; nothing was changed.")
    early = finance.post(f"/subsidy/statements/{sid}/approve", data={"lock_version": seen})
    assert early.status_code == 409  # still a draft: nobody has reviewed it
    assert_refused_here(early, "already been changed by someone else")
    draft = finance.post(f"/subsidy/statements/{sid}/reopen", data={"lock_version": seen, "reason": "correction"})
    assert draft.status_code == 409
    assert_refused_here(draft, "a draft is simply recomputed")
    compute = finance.post("/subsidy/compute", data={"period": "2099Q1"})
    assert "Redirecting" not in text(compute.get_data(as_text=True))


def test_bank_sees_only_its_own_statements(app, computed, people):
    icbc = client_for(app, people["icbc"])
    own, other = computed["ICBC-CZ"].id, computed["ABC-CZ"].id
    assert icbc.get(f"/subsidy/statements/{own}").status_code == 200
    assert icbc.get(f"/subsidy/statements/{other}").status_code == 404
    assert icbc.get(f"/subsidy/statements/{other}.pdf").status_code == 404
    assert icbc.post(f"/subsidy/statements/{other}/claims", data={}).status_code == 404
    period = text(icbc.get("/subsidy/periods/2021Q3").get_data(as_text=True))
    assert "ICBC-CZ" in period and "ABC-CZ" not in period
    assert icbc.get("/subsidy/periods/2021Q3/export.csv").status_code == 403
    assert icbc.post(f"/subsidy/statements/{own}/approve", data={"lock_version": "0"}).status_code == 403


def test_lines_are_paginated_in_sql(app, add_loan, people):
    from loans.db import db
    from loans.subsidy import services

    for i in range(120):
        add_loan(f"P{i:04d}")
    db.session.commit()
    services.compute_period_subsidy("2021Q3", None, today=date(2021, 9, 21))
    db.session.commit()
    sid = services.current_statement("2021Q3", "ICBC-CZ").id
    finance = client_for(app, people["finance"])
    first = text(finance.get(f"/subsidy/statements/{sid}").get_data(as_text=True))
    assert "P0000" in first and "P0049" in first and "P0050" not in first and "Page 1 of 3" in first
    third = text(finance.get(f"/subsidy/statements/{sid}?page=3").get_data(as_text=True))
    assert "P0100" in third and "P0119" in third and "P0099" not in third
    everything = text(finance.get(f"/subsidy/statements/{sid}?all=1").get_data(as_text=True))
    assert "P0000" in everything and "P0119" in everything
    assert finance.get(f"/subsidy/statements/{sid}?page=999999999").status_code == 200
    # the page of lines and the policy versions are read in order from an index, not sorted:
    # a 15,000-line statement sorted every line for each page (2 ms for page 1, 9 for page 200)
    if db.engine.dialect.name == "sqlite":
        lines_read = [(st, params) for st, params in statements_of(finance, f"/subsidy/statements/{sid}?page=3")
                      if "FROM subsidy_lines" in st]
        assert len(lines_read) == 2  # the page, the policy versions
        for statement, parameters in lines_read:
            plan = sqlite_plan(statement, parameters)
            assert "TEMP B-TREE" not in plan and "ix_subsidy_lines_statement_" in plan, plan


def claim_upload(client, statement_id, content: bytes, name="figures.csv"):
    return client.post(f"/subsidy/statements/{statement_id}/claims",
                       data={"file": (io.BytesIO(content), name)}, content_type="multipart/form-data")


def test_bank_uploads_its_figures_and_sees_the_differences(app, computed, people):
    from loans.db import db

    sid = computed["ICBC-CZ"].id
    icbc = client_for(app, people["icbc"])
    figures = "loan_ref,subsidy\r\nEX-A,1022.22\r\nEX-Z,5.00\r\n".encode("gb18030")  # EX-C missing, EX-Z extra
    response = claim_upload(icbc, sid, figures)
    assert response.status_code == 302
    page = text(icbc.get(response.headers["Location"]).get_data(as_text=True))
    assert "Lines that agree 1" in page and "Lines that differ 2" in page
    assert re.search(r"EX-C Missing in your figures ¥761\.11 — -¥761\.11", page), page
    assert re.search(r"EX-Z Not in the statement — ¥5\.00 ¥5\.00", page), page
    db.session.expire_all()
    assert computed["ICBC-CZ"].total == Decimal("1783.33")  # never adopted

    amounts = claim_upload(icbc, sid, b"\xef\xbb\xbfloan_ref,subsidy\nEX-A,1022.22\nEX-C,761.10\n")
    page = text(icbc.get(amounts.headers["Location"]).get_data(as_text=True))
    assert "EX-C Different amount ¥761.11 ¥761.10 -¥0.01" in page
    claim_id = int(amounts.headers["Location"].rsplit("/", 1)[1])
    assert client_for(app, people["finance"]).get(f"/subsidy/claims/{claim_id}").status_code == 200
    assert client_for(app, people["abc"]).get(f"/subsidy/claims/{claim_id}").status_code == 404


@pytest.mark.parametrize("content, message", [
    (b"ref,amount\nEX-A,1\n", "header loan_ref,subsidy"),
    (b"loan_ref,subsidy\nEX-A,12abc\n", "Row 2, subsidy: not an amount in yuan"),
    (b"loan_ref,subsidy\nEX-A,1.234\n", "Row 2, subsidy: not an amount in yuan"),
    (b"loan_ref,subsidy\nEX-A,1\nEX-A,2\n", "Row 3, loan_ref: EX-A appears twice"),
    (b"loan_ref,subsidy\nEX-A,-1\n", "must not be negative"),
    (b"loan_ref,subsidy\nEX-A\n", "expected 2 columns"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "not a CSV"),
    # amounts beyond the database's 64-bit fen columns were a 500, not a message
    (b"loan_ref,subsidy\nEX-A," + b"9" * 40 + b"\n", "Row 2, subsidy: more than ¥100,000,000.00"),
    (b"loan_ref,subsidy\nEX-A,99999999999999999.99\n", "Row 2, subsidy: more than"),
])
def test_bad_bank_files_are_refused_beside_the_field(app, computed, people, content, message):
    response = claim_upload(client_for(app, people["icbc"]), computed["ICBC-CZ"].id, content)
    assert response.status_code == 400
    assert message in field_error(response.get_data(as_text=True), "file")


def test_pages_in_chinese(app, computed, people):
    finance = client_for(app, people["finance"])
    finance.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    assert finance.get("/subsidy/periods/2021Q3").status_code == 200
    assert finance.get(f"/subsidy/statements/{computed['ICBC-CZ'].id}").status_code == 200


@pytest.mark.parametrize("lang, name", [("zh", "2021年第三季度"), ("en", "Q3 2021")])
def test_periods_read_as_quarters_while_links_and_exports_keep_the_code(app, computed, people, lang, name):
    """The walk after issue 11 found "2021Q3" in Chinese titles, breadcrumbs, headings and lists."""
    finance = client_for(app, people["finance"])
    finance.post("/language", data={"lang": lang})
    for url in ("/subsidy/", "/subsidy/periods/2021Q3", f"/subsidy/statements/{computed['ICBC-CZ'].id}"):
        page = finance.get(url).get_data(as_text=True)
        assert name in text(page) and "2021Q3" not in text(page), url
        assert 'href="/subsidy/periods/2021Q3' in page, url  # links keep the code
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert name in text(title)
    assert finance.get("/subsidy/periods/2021Q3/export.csv").data == EXAMPLE_EXPORT.read_bytes()  # the machine file


def test_nav_shows_statements_to_those_who_may_see_them(app, people):
    for who, shown in (("finance", True), ("supervisor", True), ("auditor", True), ("icbc", True),
                       ("district_supervisor", False), ("officer", False)):
        page = client_for(app, people[who]).get("/staff").get_data(as_text=True)
        assert ('href="/subsidy/"' in page) is shown, who


def test_every_form_carries_a_csrf_token(migrated_template, tmp_path):
    from tests.conftest import csrf_token, running_app

    with running_app(migrated_template, tmp_path, WTF_CSRF_ENABLED=True) as app:
        from loans.auth.services import create_user
        from loans.db import db

        user = create_user(role="finance", email="f@example.cn", password="Correct-Horse-42", check_password=False)
        db.session.commit()
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        client.post("/login", data={"login": user.email, "password": "Correct-Horse-42",
                                    "csrf_token": csrf_token(page)})
        page = client.get("/subsidy/").get_data(as_text=True)
        assert csrf_token(page)
        assert client.post("/subsidy/compute", data={"period": "2021Q3"}).status_code == 400
