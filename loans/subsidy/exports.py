"""The subsidy export of a period (SPEC §10 "Subsidy export"), as CSV and as XLSX.

CSV: UTF-8 without BOM, CRLF line endings (RFC 4180, as the example export beside the spec);
rates in percent with at least two decimals and no trailing zeros beyond them (``2.00``,
``1.975``); money with exactly two decimals; ``balance_days`` in yuan·days as an exact
decimal without trailing zeros (``18400000``, ``270271.5`` when a balance has fen).

XLSX: the same rows and columns. Codes and loan refs are text cells, never formulas;
figures are numeric cells written from the exact decimal text (``1.975`` is stored as
``1.975``), so finance staff can sum and filter them in Excel, with number formats that
show them as in the CSV.
"""
from __future__ import annotations

import io
from decimal import Decimal

from flask_babel import gettext as _

from .. import spreadsheets
from ..spreadsheets import plain_decimal
from ..core.money import format_rate, format_yuan
from ..i18n import period_name
from . import queries

HEADER = ("period", "bank_code", "loan_ref", "contract_rate", "lpr", "subsidy_rate", "subsidised_days",
          "balance_days", "subsidy")


class NeverComputed(LookupError):
    """The period has no statement at all: there is nothing to export."""


def export_rows(period: str) -> list[tuple]:
    """(period, bank, loan ref, contract rate, LPR₀, subsidy rate, days, balance-days, subsidy)
    as exact Decimals and ints, in the export's order."""
    lines = queries.export_lines(period)
    if lines is None:
        raise NeverComputed(f"{period} has never been computed; run `subsidy compute {period}` first")
    return [(period, *line) for line in lines]


ADJUSTMENT_HEADER = ("period", "bank_code", "loan_ref", "original_period", "frozen_subsidy", "recomputed_subsidy",
                     "adjustment")


def adjustment_rows(period: str) -> list[tuple]:
    """(period, bank, loan ref, original period, frozen, recomputed, adjustment) carried by
    the period's current statements (SPEC §13), in the export's order."""
    rows = queries.export_adjustments(period)
    if rows is None:
        raise NeverComputed(f"{period} has never been computed; run `subsidy compute {period}` first")
    return [(period, *row) for row in rows]


def adjustments_csv_bytes(period: str) -> bytes:
    """The adjustments export as CSV, like the lines' one: money with two decimals."""
    return spreadsheets.csv_bytes(ADJUSTMENT_HEADER, ([period_, bank, ref, original, *(f"{v:.2f}" for v in money)]
                                                      for period_, bank, ref, original, *money
                                                      in adjustment_rows(period)))


def adjustments_xlsx_bytes(period: str) -> bytes:
    """The adjustments export as XLSX: codes as text, money as numeric cells shown with two decimals."""
    rows = adjustment_rows(period)
    book, sheet = _machine_sheet(f"adjustments-{period}", ADJUSTMENT_HEADER)
    for row in rows:
        spreadsheets.append_row(sheet, list(row))
        for column in "EFG":
            sheet[f"{column}{sheet.max_row}"].number_format = "0.00"
    return _saved(book, sheet, (9, 12, 22, 16, 16, 20, 12))


def _machine_sheet(title: str, header):
    """A workbook whose one sheet starts with the export's header row, in bold."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    return book, sheet


def _saved(book, sheet, widths) -> bytes:
    """The workbook's bytes, its columns ``widths`` wide and the header kept in view."""
    from openpyxl.utils import get_column_letter

    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _text_row(row: tuple) -> list[str]:
    period, bank, ref, contract_rate, lpr, subsidy_rate, days, balance_days, subsidy = row
    return [period, bank, ref, format_rate(contract_rate), format_rate(lpr), format_rate(subsidy_rate), str(days),
            plain_decimal(balance_days), f"{subsidy:.2f}"]


def csv_bytes(period: str) -> bytes:
    """No csv module quoting is needed: codes and refs never hold commas or quotes (the
    ledger refuses them), but a ref that did would be quoted rather than corrupt a row; one
    that starts like a formula is neutralised (``spreadsheets.csv_cell``)."""
    return spreadsheets.csv_bytes(HEADER, (_text_row(row) for row in export_rows(period)))


def _rate_format(d: Decimal) -> str:
    places = max(2, len(format_rate(d).split(".")[1]))
    return "0." + "0" * places


def xlsx_bytes(period: str) -> bytes:
    rows = export_rows(period)
    book, sheet = _machine_sheet(f"subsidy-{period}", HEADER)
    for row in rows:
        period_, bank, ref, contract_rate, lpr, subsidy_rate, days, balance_days, subsidy = row
        spreadsheets.append_row(sheet, [period_, bank, ref, contract_rate.normalize(), lpr.normalize(),
                                        subsidy_rate.normalize(), days, Decimal(plain_decimal(balance_days)), subsidy])
        r = sheet.max_row
        for column, value in zip("DEF", (contract_rate, lpr, subsidy_rate)):
            sheet[f"{column}{r}"].number_format = _rate_format(value)
        sheet[f"G{r}"].number_format = "0"
        sheet[f"H{r}"].number_format = "0" if balance_days == balance_days.to_integral_value() else "0.00"
        sheet[f"I{r}"].number_format = "0.00"
    return _saved(book, sheet, (9, 12, 22, 14, 8, 13, 16, 16, 12))


# --- one statement as a table for people -----------------------------------------------------

def statement_table(statement, lines) -> tuple[list[spreadsheets.Column], list[list], list]:
    """The statement's lines for people: headers in the reader's language with their units,
    the masked borrower and the policy version beside the export's figures, and a totals
    row (the subsidy total equals the statement's, SPEC §7)."""
    S = spreadsheets
    columns = [S.Column(_("Loan reference")), S.Column(_("Borrower")), S.Column(_("Policy version")),
               S.Column(_("Contract rate (%)"), S.RATE), S.Column(_("LPR₀ (%)"), S.RATE),
               S.Column(_("Subsidy rate (%)"), S.RATE), S.Column(_("Subsidised days"), S.COUNT),
               S.Column(_("Balance-days (yuan·days)"), S.DECIMAL), S.Column(_("Subsidy (yuan)"), S.MONEY)]
    rows = [[line.loan_ref, line.borrower_masked, line.policy_code, line.contract_rate, line.lpr_rate,
             line.subsidy_rate, line.subsidised_days, line.balance_days, line.subsidy] for line in lines]
    label = _("Lines total") if statement.adjustment_count else _("Total")
    total = [label, None, None, None, None, None, None,
             sum((row[7] for row in rows), Decimal("0.00")), sum((row[8] for row in rows), Decimal("0.00"))]
    return columns, rows, total


def _adjustment_section(statement, adjustments) -> tuple[list[str], list[list], list[list]]:
    """After the lines, for people: the adjustments table (headers, rows of text and
    Decimal yuan) and the three totals, then in words a refund when the total is negative."""
    headers = [_("Loan reference"), _("Original period"), _("Frozen (yuan)"), _("Recomputed (yuan)"),
               _("Adjustment (yuan)")]
    rows = [[a.loan_ref, period_name(a.original_period), a.frozen_subsidy, a.recomputed_subsidy, a.adjustment]
            for a in adjustments]
    totals = [[_("Lines total"), statement.total - statement.adjustments_total],
              [_("Adjustments total"), statement.adjustments_total], [_("Statement total"), statement.total]]
    if statement.total < 0:
        totals.append([_("The statement total is negative: a refund of %(amount)s due from the bank.",
                         amount=format_yuan(-statement.total))])
    return headers, rows, totals


def statement_csv(statement, lines, adjustments) -> bytes:
    """The statement for people as CSV: the lines table, then (when the statement carries
    any) the adjustments for earlier periods apart, and the lines, adjustments and
    statement totals (SPEC §13)."""
    columns, rows, total = statement_table(statement, lines)
    data = spreadsheets.people_csv(columns, rows, total)
    if not adjustments:
        return data
    headers, rows, totals = _adjustment_section(statement, adjustments)
    text = [[cell if isinstance(cell, str) else f"{cell:.2f}" for cell in row] for row in [*rows, [], *totals]]
    return data + spreadsheets.csv_bytes((), [[_("Adjustments for earlier periods")], headers, *text])


def statement_xlsx(statement, lines, adjustments, title: str) -> bytes:
    """The statement for people as XLSX, laid out as ``statement_csv``."""
    columns, rows, total = statement_table(statement, lines)
    data = spreadsheets.people_xlsx(title, statement.period, columns, rows, total)
    if not adjustments:
        return data
    from openpyxl import load_workbook
    from openpyxl.styles import Font

    book = load_workbook(io.BytesIO(data))
    sheet = book.active
    headers, rows, totals = _adjustment_section(statement, adjustments)
    sheet.append([])
    for row, bold in ([[_("Adjustments for earlier periods")], True], [headers, True],
                      *([r, False] for r in rows), [[], False], *([t, True] for t in totals)):
        spreadsheets.append_row(sheet, row)
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=bold)
            if isinstance(cell.value, Decimal):
                cell.number_format = "#,##0.00"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
