"""The statement PDF's lines table (issue 17): statement lines set as text lines of a few
big cells (fast), or a row of cells each when a value might not fit its column."""
from __future__ import annotations

import re
from datetime import date

import pytest

from tests.subsidy.test_statement_pdf import pdf_text

pytestmark = [pytest.mark.pdf, pytest.mark.usefixtures("no_render_warnings")]


def _statement(add_loan, refs):
    from loans.db import db
    from loans.subsidy import services

    for i, ref in enumerate(refs):
        add_loan(ref, name="欧阳小明" if i % 2 else "陈静", amount=str(100000 + 1000 * i),
                 events=((date(2021, 6, 15), "disbursement", str(100000 + 1000 * i)),))
    db.session.commit()
    services.compute_period_subsidy("2021Q3", None, today=date(2021, 9, 21))
    db.session.commit()
    return services.current_statement("2021Q3", "ICBC-CZ")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_line_keeps_its_values_side_by_side(app, add_loan, lang):
    from loans.subsidy.pdf import line_columns, render_statement_pdf, statement_values

    statement = _statement(add_loan, [f"R{i:04d}" for i in range(60)])
    assert line_columns(statement_values(statement, lang)["rows"])  # the fast layout
    text = pdf_text(render_statement_pdf(statement, lang))
    for i, line in enumerate(sorted(statement.lines, key=lambda line: line.loan_ref), start=1):
        subsidy = f"{line.subsidy:,.2f}"
        name = "欧*" if i % 2 == 0 else "陈*"
        # number, ref, masked borrower, …, subsidy: on one printed line, in that order
        assert re.search(rf"^\s*{i}\s+{line.loan_ref}\s+{re.escape(name)}.*\s{re.escape(subsidy)}\s*$", text,
                         re.MULTILINE), (line.loan_ref, text[:2000])


def test_a_value_too_wide_for_its_column_gets_a_row_of_cells(app, add_loan):
    from loans.subsidy.pdf import line_columns, render_statement_pdf, statement_values

    long_ref = "GUARANTEE-2021-CHENZHOU-00001"
    statement = _statement(add_loan, [long_ref, "R0001"])
    assert line_columns(statement_values(statement, "en")["rows"]) == []
    text = re.sub(r"\s+", "", pdf_text(render_statement_pdf(statement, "en")))
    # the cell wraps the reference where it may (after its hyphens), nothing is cut off
    assert all(part in text for part in long_ref.split("-")) and "R0001" in text


def test_the_rules_between_lines_are_drawn_once_a_row_not_once_a_cell(app, add_loan):
    """The rule under each statement line is a pattern painted over the row of ten cells:
    painted per cell it made the file twice as big and the render a quarter slower."""
    import io

    from pypdf import PdfReader

    from loans.subsidy.pdf import line_columns, render_statement_pdf, statement_values

    statement = _statement(add_loan, [f"R{i:04d}" for i in range(60)])
    rows = len(line_columns(statement_values(statement, "zh")["rows"]))
    reader = PdfReader(io.BytesIO(render_statement_pdf(statement, "zh")))
    # each page names its own patterns (/p0, /p1, …), a few for each row of cells on it;
    # painted cell by cell, the ten columns made ten times as many (50 a page here)
    per_page = [len(page["/Resources"].get("/Pattern", {})) for page in reader.pages]
    assert rows == 3 and all(0 < n < 10 for n in per_page), per_page
