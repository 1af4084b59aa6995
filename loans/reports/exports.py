"""The figures by district as CSV (UTF-8 with BOM, so Chinese Excel opens it) and XLSX.

One row per district in scope, then a ``total`` row; the columns are the JSON keys of
``core.statistics.Figures.as_json`` (money with two decimals, the overdue rate in
percent, empty when nothing is outstanding). Text that could run as a formula is
neutralised (``loans.spreadsheets``). ``people_table``: the same table for people (headers
in the reader's language, units, a totals row), beside these fixed columns."""
from __future__ import annotations

import io
from decimal import Decimal

from flask_babel import gettext as _

from .. import spreadsheets
from ..core import statistics as stats
from .queries import Report

FIGURE_COLUMNS = ("loans_issued", "amount_issued", "people_supported", "enterprises_supported", "jobs_declared",
                  "jobs_verified", "subsidy_paid", "outstanding_balance", "overdue_balance", "overdue_rate")
HEADER = ("from", "to", "district_code", "district_name") + FIGURE_COLUMNS
MONEY_COLUMNS = {"amount_issued", "subsidy_paid", "outstanding_balance", "overdue_balance"}


def table_rows(report: Report, lang: str) -> list[tuple]:
    """(from, to, district code, district name, figures…) with Decimal money, int counts,
    the overdue rate as Decimal percent or None; the last row is the total."""
    start, end = report.filters.start.isoformat(), report.filters.end.isoformat()
    rows = []
    for district, figures in report.by_district:
        rows.append((start, end, district.code, district.label(lang), *_values(figures)))
    rows.append((start, end, "total", "合计" if lang == "zh" else "Total", *_values(report.total)))
    return rows


def _values(figures) -> list:
    return [figures.overdue_rate if name == "overdue_rate" else getattr(figures, name) for name in FIGURE_COLUMNS]


def _text(value) -> str:
    if value is None:
        return ""
    return f"{value:.2f}" if isinstance(value, Decimal) else str(value)


def to_csv(report: Report, lang: str) -> bytes:
    return spreadsheets.csv_bytes(HEADER, ([_text(v) for v in row] for row in table_rows(report, lang)), bom=True)


def to_xlsx(report: Report, lang: str) -> bytes:
    """Sheet ``by_district``: the table, money as numbers formatted to the fen; sheet
    ``summary``: the range, the filters and the summary sentence."""
    from openpyxl import Workbook  # 8 MB: loaded by the first export, not by every worker

    book = Workbook()
    sheet = book.active
    sheet.title = "by_district"
    sheet.append(HEADER)
    for row in table_rows(report, lang):
        spreadsheets.append_row(sheet, row)
    for column, name in enumerate(HEADER, start=1):
        if name in MONEY_COLUMNS or name == "overdue_rate":
            for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
                cell.number_format = "#,##0.00"
        sheet.column_dimensions[sheet.cell(1, column).column_letter].width = max(12, len(name) + 2)
    summary = book.create_sheet("summary")
    f = report.filters
    for key, value in (("from", f.start.isoformat()), ("to", f.end.isoformat()), ("district", f.district),
                       ("key_group", f.key_group), ("bank", f.bank), ("loan_type", f.loan_type),
                       ("summary", report.summary(lang))):
        spreadsheets.append_row(summary, [key, value])
    summary.column_dimensions["B"].width = 100
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- the table for people ----------------------------------------------------------------------

def people_table(report: Report, lang: str) -> tuple[list[spreadsheets.Column], list[list], list]:
    """The district table as the page shows it, for people: headers in the reader's language
    with their units, one row per district and a totals row that is the sum of the rows
    (the overdue rate of the totals derived from their balances)."""
    S = spreadsheets
    columns = [S.Column(_("District")), S.Column(_("Loans issued"), S.COUNT),
               S.Column(_("Amount issued (yuan)"), S.MONEY), S.Column(_("People supported"), S.COUNT),
               S.Column(_("Enterprises supported"), S.COUNT), S.Column(_("Jobs declared"), S.COUNT),
               S.Column(_("Jobs verified at visits"), S.COUNT), S.Column(_("Subsidy paid (yuan)"), S.MONEY),
               S.Column(_("Outstanding balance (yuan)"), S.MONEY), S.Column(_("Overdue balance (yuan)"), S.MONEY),
               S.Column(_("Overdue rate (%)"), S.RATE)]
    rows = [[district.label(lang), *_values(figures)] for district, figures in report.by_district]
    total = [_("Total"), *_values(stats.total(figures for _district, figures in report.by_district))]
    return columns, rows, total

