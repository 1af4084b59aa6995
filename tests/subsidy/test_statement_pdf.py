"""The printable statement (SPEC §9): content, page numbers, repeated header, embedded CJK font."""
from __future__ import annotations

import re
import subprocess
import tempfile
from datetime import date

import pytest

from tests.helpers import client_for

# A character the embedded font lacks would print blank: any renderer warning fails.
pytestmark = [pytest.mark.pdf, pytest.mark.usefixtures("no_render_warnings")]


def pdf_text(data: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode()


def pages(data: bytes) -> list[str]:
    return pdf_text(data).split("\f")[:-1]


def flat(s: str) -> str:
    return re.sub(r"\s+", "", s)


def pdf_fonts(data: bytes) -> list[str]:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        out = subprocess.run(["pdffonts", f.name], capture_output=True, check=True).stdout.decode()
    return out.splitlines()[2:]


def test_chinese_statement_shows_bank_period_lines_totals_and_signatures(app, computed, staff):
    from loans.db import db
    from loans.subsidy import services
    from loans.subsidy.pdf import render_statement_pdf

    icbc = computed["ICBC-CZ"]
    services.review_statement(icbc, actor=staff("supervisor", name="李科长"))
    db.session.commit()
    data = render_statement_pdf(icbc, "zh")
    text = flat(pdf_text(data))
    for expected in ("创业担保贷款财政贴息资金结算表", "工商银行郴州分行", "ICBC-CZ", "2021Q3-ICBC-CZ-v1",  # the reference
                     "贴息期间2021年第三季度：2021年6月21日",  # the period in words
                     "2021年6月21日",
                     "2021年9月20日", "92天", "HN-2021", "财金〔2020〕21号", "EX-A", "EX-C", "张*431002********1117",
                     "1,022.22", "761.11", "18,400,000", "合计", "1,783.33", "人民币壹仟柒佰捌拾叁元叁角叁分",
                     "制表", "审核", "审批", "李科长", "已审核", "第1页/共1页"):
        assert flat(expected) in text, expected
    assert "EX-B" not in text and "张三" not in text
    rows = pdf_fonts(data)
    assert rows and all(" yes " in f" {row} " for row in rows)  # every font embedded (subset)
    assert any(re.search(r"CJK", row) for row in rows), rows


def test_english_statement_and_page_x_of_y_with_the_header_on_every_page(app, add_loan):
    from loans.db import db
    from loans.subsidy import services
    from loans.subsidy.pdf import render_statement_pdf

    for i in range(200):
        add_loan(f"L{i:04d}", name="陈静")
    db.session.commit()
    services.compute_period_subsidy("2021Q3", None, today=date(2021, 9, 21))
    db.session.commit()
    statement = services.current_statement("2021Q3", "ICBC-CZ")
    data = render_statement_pdf(statement, "en")
    sheets = pages(data)
    assert len(sheets) >= 3
    for n, sheet in enumerate(sheets, start=1):
        assert f"Page {n} of {len(sheets)}" in sheet
        if "L0" in sheet:  # every page of the table repeats its header
            assert "Loan ref" in sheet and "Subsidy (¥)" in sheet
    everything = flat("".join(sheets))
    assert "L0000" in everything and "L0199" in everything and flat("204,444.00") in everything
    assert "Prepared by" in sheets[-1] and "Draft" in sheets[0]


def test_pdf_download_in_the_viewers_language(app, computed, staff):
    client = client_for(app, staff("bank", bank_code="ABC-CZ"))
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    response = client.get(f"/subsidy/statements/{computed['ABC-CZ'].id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = flat(pdf_text(response.data))
    assert "农业银行郴州分行" in text and "EX-B" in text and "1,533.33" in text and "第1页/共1页" in text


def test_every_statement_of_a_period_printed_by_a_job_in_one_pdf(app, computed, staff):
    finance = client_for(app, staff("finance"))
    page = finance.get("/subsidy/periods/2021Q3").get_data(as_text=True)
    assert 'action="/subsidy/periods/2021Q3/print"' in page
    response = finance.post("/subsidy/periods/2021Q3/print", follow_redirects=True)  # job page → its PDF
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    from loans.db import db
    from loans.subsidy.models import SubsidyStatement

    statements = db.session.scalars(db.select(SubsidyStatement).where(SubsidyStatement.period == "2021Q3")).all()
    assert len(pages(response.data)) == len(statements) >= len(computed)  # one page each, every bank
    text = flat(pdf_text(response.data))
    assert "EX-B" in text and "1,533.33" in text and "1,783.33" in text
    assert client_for(app, staff("bank", bank_code="ABC-CZ")).post("/subsidy/periods/2021Q3/print").status_code == 403
    assert finance.post("/subsidy/periods/2020Q1/print").status_code == 404
