"""The reasons a ledger run is refused, in the reader's language.

Problems are stored (``LedgerImport.errors``) as a code with parameters, not as text, so
the admin page shows them in the language of whoever reads them; the CLI prints them in
the app's default language.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..forms import ID_REASONS

REASONS = {
    # files and headers
    "no_files": _l("No file was given."),
    "empty_file": _l("The file is empty."),
    "not_text": _l("The file is neither UTF-8 nor GB18030 text."),
    "bad_csv": _l("The file is not valid CSV (%(detail)s)."),
    "bad_xlsx": _l("The file is not a readable XLSX workbook."),
    "no_sheets": _l("The workbook has neither a sheet named loans nor one named events."),
    "xlsx_alone": _l("An XLSX workbook must be imported alone (with its sheets loans and events), not together "
                     "with other files."),
    "unknown_header": _l("The header row is not that of loans.csv (%(loans)s) nor that of events.csv "
                         "(%(events)s)."),
    "missing_column": _l("This column is missing from the header row."),
    "duplicate_column": _l("This column appears twice in the header row."),
    # cells
    "required": _l("This value is required."),
    "too_long": _l("At most %(max)s characters."),
    "not_text_cell": _l("This cell holds a value that is neither text nor a number."),
    "date_cell": _l("This cell holds a date; a date is not allowed here."),
    "date_with_time": _l("This date cell also holds a time of day; give the date only."),
    "formula_like": _l("A code or reference cannot start with %(first)s: a spreadsheet would run the cell as a "
                       "formula."),
    "numeric_identifier": _l("This cell is a number; format the column as text in the spreadsheet and type the "
                             "value again (numbers lose leading zeros and digits)."),
    "not_a_number": _l("Not a number."),
    "extra_cells": _l("This row has %(cells)s cells but the header has %(columns)s columns (an unquoted comma, "
                      "such as a thousands separator?)."),
    "thousands_separator": _l("No thousands separators: write 200000, not 200,000."),
    "too_many_decimals": _l("At most %(places)s decimal places."),
    "percent_sign": _l("Write the rate in percent without the %% sign, for example 4.35."),
    "rate_too_high": _l("Must be below 100 (percent)."),
    "not_positive": _l("Must be greater than zero."),
    "bad_integer": _l("Must be a whole number."),
    "integer_range": _l("Must be a whole number from %(min)s to %(max)s."),
    "bad_date_format": _l("Not a date in the form YYYY-MM-DD."),
    "not_a_date": _l("Not a real date."),
    "id_number": _l("Invalid resident ID: %(detail)s"),
    "credit_code": _l("This unified social credit code is not valid (18 characters; the last one is a check "
                      "character)."),
    "unknown_district": _l("Unknown district code %(value)s."),
    "unknown_bank": _l("Unknown bank code %(value)s."),
    "unknown_key_group": _l("Unknown key group %(value)s."),
    "key_group_required": _l("A key group is required for individual and partnership loans."),
    "unknown_loan_type": _l("Unknown loan type %(value)s (individual, partnership or enterprise)."),
    "partners_partnership": _l("A partnership has at least 2 partners (the borrower included)."),
    "partners_single": _l("Must be 1 for individual and enterprise loans."),
    "maturity_before_contract": _l("The maturity date must be after the contract date."),
    "no_lpr": _l("No LPR fixing was published on or before the contract date %(date)s; give the lpr."),
    "duplicate_loan_ref": _l("Loan %(value)s appears twice (first in %(first)s)."),
    "reserved_loan_ref": _l("%(value)s has the form of an online application's reference (A2026-000123), which "
                            "its loan will carry; give the ledger loan another reference."),
    "loan_differs": _l("Loan %(value)s is already stored with different values in: %(columns)s."),
    # events
    "unknown_kind": _l("Unknown kind %(value)s (disbursement, repayment, overdue_start or overdue_end)."),
    "amount_not_blank": _l("Must be blank for %(kind)s."),
    "unknown_loan": _l("No loan %(value)s, neither in this run nor already stored."),
    "before_contract": _l("Dated before the loan's contract date %(date)s."),
    "negative_balance": _l("Makes the balance of loan %(value)s negative (%(balance)s yuan on %(date)s)."),
    "overdue_end_without_start": _l("overdue_end without an open overdue_start for loan %(value)s."),
    "above_amount": _l("Disbursements of loan %(value)s total %(total)s yuan, above its amount of %(amount)s yuan."),
    "no_policy": _l("No policy version is in force on the first disbursement date %(date)s."),
    "too_many": _l("… and %(n)s more problems not shown."),
    "changed_meanwhile": _l("A stored loan changed while the import ran; nothing was stored. Import the files "
                            "again."),
    "xlsx_too_large": _l("The workbook unpacks to more than 1 GB; split the ledger into CSV files."),
    "amount_too_large": _l("At most %(max)s yuan."),
    "date_out_of_range": _l("Must be a date from %(first)s to %(last)s."),
    "event_in_future": _l("Dated after today (%(today)s)."),
    "serviced_in_app": _l("Loan %(value)s came from an application and its bank records its events in the app; "
                          "they cannot be imported."),
    "another_run": _l("Another ledger import is running; nothing was stored. Import the files again when it has "
                      "finished."),
    "stored_meanwhile": _l("Another import stored some of these loans or events while this one ran; nothing was "
                           "stored. Import the files again (rows already stored are then left unchanged)."),
    "file_changed": _l("The file changed or went away while it was being read; nothing was stored. Import it "
                       "again."),
    "interrupted": _l("The import was interrupted again and again (its worker stopped); nothing was stored. "
                      "Import the files again."),
    "internal": _l("The import stopped on an unexpected error; nothing was stored. Please report it."),
}


def reason_text(code: str, params: dict | None = None) -> str:
    """The reason in the current language."""
    params = dict(params or {})
    if code == "id_number" and params.get("reason") in ID_REASONS:
        params["detail"] = str(ID_REASONS[params.pop("reason")])
    template = REASONS.get(code)
    if template is None:
        return code
    text = str(template)
    return text % params if params else text.replace("%%", "%")


def problem_text(problem: dict) -> str:
    """One line: file, row, column and reason."""
    reason = reason_text(problem["code"], problem.get("params"))
    file, row, column = problem.get("file") or "", problem.get("row"), problem.get("column")
    if row is not None and column:
        return _("%(file)s, row %(row)s, column %(column)s: %(reason)s", file=file, row=row, column=column,
                 reason=reason)
    if row is not None:
        return _("%(file)s, row %(row)s: %(reason)s", file=file, row=row, reason=reason)
    if file:
        return _("%(file)s: %(reason)s", file=file, reason=reason)
    return reason
