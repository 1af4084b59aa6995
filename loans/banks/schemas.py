"""Marshmallow schemas of the bank API (SPEC §12); its part of the OpenAPI document is
generated from them.

Money travels as strings in yuan with two decimals, rates as strings in percent, dates as
ISO text. Validation messages are problem codes (see ``MESSAGES``); the view turns them
into sentences in the request's language.
"""
from __future__ import annotations

from decimal import Decimal

from flask_babel import force_locale, lazy_pgettext
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from ..core import money

EVENT_KINDS = ("disbursement", "repayment", "overdue_start", "overdue_end", "extension")
MONEY_KINDS = ("disbursement", "repayment")
VISIBLE = r"^[!-~]{1,64}$"  # 1–64 visible ASCII characters: bank references, idempotency keys

# The same English as the pre-check's messages (loans/api/messages.py) shares their translation.
MESSAGES = {
    "malformed_json": lazy_pgettext("api", "The request body is not valid JSON."),
    "not_object": lazy_pgettext("api", "The request body must be a JSON object."),
    "required": lazy_pgettext("api", "Missing data for required field."),
    "null": lazy_pgettext("api", "Field may not be null."),
    "invalid_value": lazy_pgettext("api", "Invalid value."),
    "invalid_string": lazy_pgettext("api", "Not a valid string."),
    "invalid_integer": lazy_pgettext("api", "Not a valid integer."),
    "invalid_date": lazy_pgettext("api", "Not a valid date; write it as YYYY-MM-DD."),
    "too_large": lazy_pgettext("api", "Number too large."),
    "out_of_range": lazy_pgettext("api", "The number is outside the possible range."),
    "invalid_amount": lazy_pgettext("api", "Not a plain amount in yuan such as \"200000\" or \"90090.50\" "
                                           "(no thousands separators, at most two decimals)."),
    "invalid_rate": lazy_pgettext("api", "Not a rate in percent such as \"3.85\" (at most four decimals)."),
    "invalid_kind": lazy_pgettext("api", "Must be one of: disbursement, repayment, overdue_start, "
                                         "overdue_end, extension."),
    "invalid_ref": lazy_pgettext("api", "Write 1 to 64 visible characters (letters, digits, punctuation; "
                                        "no spaces)."),
    "too_long": lazy_pgettext("api", "Too long."),
    "money_kind_amount": lazy_pgettext("api", "Required for disbursements and repayments."),
    "money_kind_bank_ref": lazy_pgettext("api", "Required for disbursements and repayments: the bank's own "
                                                "reference of the transaction."),
    "extension_new_maturity": lazy_pgettext("api", "Required for an extension."),
    "idempotency_key_missing": lazy_pgettext("api", "Send an Idempotency-Key header of 1 to 64 visible "
                                                    "characters with every POST."),
    "idempotency_key_reused": lazy_pgettext("api", "This Idempotency-Key was already used for another request."),
    "idempotency_in_flight": lazy_pgettext("api", "The first request with this Idempotency-Key is still being "
                                                  "answered; try again in a moment."),
    "unauthenticated": lazy_pgettext("api", "Send a valid bank token: Authorization: Bearer <token>."),
    "not_found": lazy_pgettext("api", "Not found, or not your bank's."),
    "id_number_mismatch": lazy_pgettext("api", "The resident ID does not match the case."),
    "bank_ref_recorded": lazy_pgettext("api", "This bank_ref is already recorded (see \"recorded\")."),
    "bank_ref_other_values": lazy_pgettext("api", "This bank_ref is already recorded with other values (see "
                                                  "\"recorded\" and \"sent\")."),
    "invalid_period": lazy_pgettext("api", "Write the period as a year and quarter, such as 2025Q1."),
    "invalid_status": lazy_pgettext("api", "Not a loan status."),
    "invalid_page": lazy_pgettext("api", "Not a page number."),
    "unknown_parameter": lazy_pgettext("api", "Not a parameter of this call."),
    "file_missing": lazy_pgettext("api", "Send the file as the multipart/form-data part \"file\"."),
    "compensation_is_a_claim": lazy_pgettext("api", "Compensation is not recorded as an event: file a claim "
                                                    "(POST …/claims); the loan is compensated when finance pays it."),
    "no_paid_claim": lazy_pgettext("api", "This loan has no paid claim to record a recovery on."),
    "claim_bank_ref_recorded": lazy_pgettext("api", "This bank_ref is already recorded (see \"recorded\")."),
}


def message(problem: str, lang: str, **params) -> str:
    """The message for a problem code in ``lang`` (``zh`` or ``en``); an unknown code (or
    a sentence already) is returned as it is."""
    text = MESSAGES.get(problem)
    if text is None:
        return problem
    with force_locale(lang):
        text = str(text)
    return text % params if params else text


def _codes(invalid: str) -> dict[str, str]:
    return {"required": "required", "null": "null", "validator_failed": "invalid_value",
            "invalid": invalid, "too_large": "too_large", "invalid_utf8": invalid, "format": invalid}


def _date(**kwargs) -> fields.Date:
    return fields.Date(error_messages=_codes("invalid_date"), **kwargs)


def _str(**kwargs) -> fields.String:
    return fields.String(error_messages=_codes("invalid_string"), **kwargs)


def _ref(**kwargs) -> fields.String:
    return _str(validate=validate.Regexp(VISIBLE, error="invalid_ref"),
                metadata={"pattern": VISIBLE, "minLength": 1, "maxLength": 64, **kwargs.pop("metadata", {})}, **kwargs)


class AmountField(fields.String):
    """Yuan as text (``"200000"``, ``"90090.50"``) → ``Decimal``; out: two decimals."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or len(value) > 20:
            raise ValidationError("invalid_amount")
        try:
            return money.parse_amount(value)
        except (ValueError, TypeError, ArithmeticError):
            raise ValidationError("invalid_amount") from None

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else f"{money.round_fen(Decimal(value)):.2f}"


class RateField(fields.String):
    """A rate in percent per year as text (``"3.85"``) → ``Decimal``."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or len(value) > 12:
            raise ValidationError("invalid_rate")
        try:
            return money.parse_rate(value)
        except (ValueError, TypeError, ArithmeticError):
            raise ValidationError("invalid_rate") from None

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else money.format_rate(Decimal(value))


def _amount(**kwargs) -> AmountField:
    metadata = {"description": "Yuan, as a string with at most two decimals.", "example": "50000.00",
                "pattern": r"^[0-9]{1,12}(\.[0-9]{1,2})?$", **kwargs.pop("metadata", {})}
    return AmountField(error_messages=_codes("invalid_amount"), metadata=metadata, **kwargs)


# --- requests -----------------------------------------------------------------------------

class ContractRequestSchema(Schema):
    """The contract signed on an approved case."""

    class Meta:
        unknown = EXCLUDE
        ordered = True

    contract_no = _str(required=True, validate=validate.Length(min=1, max=60, error="too_long"),
                       metadata={"example": "ICBC-2026-0042", "minLength": 1, "maxLength": 60})
    contract_date = _date(required=True)
    amount = _amount(required=True, metadata={"description": "Yuan, at most the approved amount."})
    contract_rate = RateField(required=True, error_messages=_codes("invalid_rate"), metadata={
        "description": "Percent per year, at most four decimals.", "example": "3.85",
        "pattern": r"^[0-9]{1,3}(\.[0-9]{1,4})?$"})
    term_months = fields.Integer(strict=True, required=True, error_messages=_codes("invalid_integer"),
                                 validate=validate.Range(min=1, max=1200, error="out_of_range"))
    id_number = _str(required=True, validate=validate.Length(min=1, max=40, error="too_long"), metadata={
        "description": "The borrower's resident ID; must be the case's.", "minLength": 1, "maxLength": 40})


class DeclineRequestSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    reason = _str(required=True, validate=validate.Length(min=1, max=2000, error="too_long"), metadata={
        "description": "Why the bank declines; the applicant sees it.", "minLength": 1, "maxLength": 2000})


def _event_kind(kind: str) -> None:
    if kind == "compensation":  # the fund pays a claim (SPEC §13); the bank files the claim
        raise ValidationError("compensation_is_a_claim")
    if kind not in EVENT_KINDS:
        raise ValidationError("invalid_kind")


class EventRequestSchema(Schema):
    """One fact about a loan, as the bank's core system recorded it."""

    class Meta:
        unknown = EXCLUDE
        ordered = True

    date = _date(required=True, metadata={"description": "The day it happened (not in the future)."})
    kind = _str(required=True, validate=lambda kind: _event_kind(kind), metadata={"enum": list(EVENT_KINDS)})
    amount = _amount(load_default=None, allow_none=True,
                     metadata={"description": "Yuan; required for disbursement and repayment."})
    new_maturity = _date(load_default=None, allow_none=True, metadata={"description": "Required for extension."})
    bank_ref = _ref(load_default=None, allow_none=True, metadata={
        "description": "The bank's own reference, unique per bank; required for disbursement and repayment."})
    note = _str(load_default="", validate=validate.Length(max=500, error="too_long"), metadata={"maxLength": 500})

    @validates_schema(skip_on_field_errors=True)
    def _conditional_fields(self, data, **kwargs):
        errors: dict[str, list[str]] = {}
        if data["kind"] in MONEY_KINDS:
            if data.get("amount") is None:
                errors["amount"] = ["money_kind_amount"]
            if data.get("bank_ref") is None:
                errors["bank_ref"] = ["money_kind_bank_ref"]
        if data["kind"] == "extension" and data.get("new_maturity") is None:
            errors["new_maturity"] = ["extension_new_maturity"]
        if errors:
            raise ValidationError(errors)


class ClaimRequestSchema(Schema):
    """A compensation claim (SPEC §13) on an overdue loan."""

    class Meta:
        unknown = EXCLUDE
        ordered = True

    claim_date = _date(required=True, metadata={
        "description": "At least the waiting days (90) after the first overdue day, not in the future. The "
                       "claimed principal is the balance that day."})
    bank_ref = _ref(load_default=None, allow_none=True, metadata={"description": "The bank's own reference."})
    note = _str(load_default="", validate=validate.Length(max=500, error="too_long"), metadata={"maxLength": 500})


class RecoveryRequestSchema(Schema):
    """Money recovered on a compensated (or written-off) loan."""

    class Meta:
        unknown = EXCLUDE
        ordered = True

    date = _date(required=True, metadata={"description": "Not before the claim was paid, not in the future."})
    amount = _amount(required=True, metadata={"description": "Yuan; recoveries never exceed the claim in all."})
    bank_ref = _ref(required=True, metadata={"description": "The bank's own reference of the recovery, unique per bank."})
    note = _str(load_default="", validate=validate.Length(max=500, error="too_long"), metadata={"maxLength": 500})


# --- answers ------------------------------------------------------------------------------

class CaseSchema(Schema):
    """An approved case awaiting the bank's contract."""

    class Meta:
        ordered = True

    reference = fields.String(required=True, metadata={"example": "A2026-000123"})
    letter_reference = fields.String(required=True, allow_none=True,
                                     metadata={"description": "The approval letter's reference."})
    name = fields.String(required=True)
    id_number_masked = fields.String(required=True, metadata={"example": "431002********1234"})
    amount = _amount(required=True, metadata={"description": "The approved amount, yuan."})
    term_months = fields.Integer(required=True, metadata={"description": "The approved term."})
    valid_until = fields.Date(required=True, allow_none=True,
                              metadata={"description": "The last day a contract may be signed on the approval."})


class CaseListSchema(Schema):
    cases = fields.List(fields.Nested(CaseSchema), required=True)
    total = fields.Integer(required=True, metadata={"description": "All awaiting cases (the list shows at most 50)."})


class EventSchema(Schema):
    class Meta:
        ordered = True

    id = fields.Integer(required=True)
    date = fields.Date(required=True)
    kind = fields.String(required=True, metadata={"enum": [*EVENT_KINDS, "compensation"]})
    amount = _amount(required=True, allow_none=True)
    new_maturity = fields.Date(required=True, allow_none=True)
    bank_ref = fields.String(required=True, allow_none=True)
    source = fields.String(required=True, allow_none=True, metadata={
        "description": "Where it came from: page, api, file, ledger or app (the daily check)."})
    recorded_at = fields.DateTime(required=True)


class LoanSummarySchema(Schema):
    class Meta:
        ordered = True

    loan_ref = fields.String(required=True, metadata={"description": "A loan from an application carries its "
                                                                     "reference.", "example": "A2026-000123"})
    contract_no = fields.String(required=True)
    contract_date = fields.Date(required=True)
    status = fields.String(required=True, metadata={"example": "active"})
    amount = _amount(required=True, metadata={"description": "The contract amount, yuan."})
    contract_rate = fields.String(required=True, metadata={"example": "3.85"})
    term_months = fields.Integer(required=True)
    maturity = fields.Date(required=True, metadata={"description": "The maturity in force (extended if it was)."})
    contract_maturity = fields.Date(required=True, metadata={"description": "The contract's own maturity."})
    balance = _amount(required=True, metadata={"description": "Outstanding principal today, yuan."})


class LoanSchema(LoanSummarySchema):
    events = fields.List(fields.Nested(EventSchema), required=True)


class ContractResponseSchema(LoanSchema):
    warnings = fields.List(fields.String(), required=True, metadata={
        "description": "Not refusals: e.g. a rate above the subsidy's ceiling (the part above earns no subsidy)."})


class DeclineResponseSchema(Schema):
    reference = fields.String(required=True)
    status = fields.String(required=True, metadata={"example": "declined"})


class LoanListSchema(Schema):
    loans = fields.List(fields.Nested(LoanSummarySchema), required=True)
    page = fields.Integer(required=True)
    pages = fields.Integer(required=True)
    total = fields.Integer(required=True)


class StatementLineSchema(Schema):
    class Meta:
        ordered = True

    loan_ref = fields.String(required=True)
    borrower = fields.String(required=True, metadata={"description": "Masked."})
    contract_rate = fields.String(required=True)
    lpr_rate = fields.String(required=True)
    subsidy_rate = fields.String(required=True)
    subsidised_days = fields.Integer(required=True)
    balance_days = fields.String(required=True, metadata={"description": "Σ balance × days, yuan·days."})
    subsidy = _amount(required=True)
    interest = _amount(required=True, metadata={"description": "The borrower's interest at the contract rate."})


SIGNED_AMOUNT = r"^-?[0-9]{1,12}(\.[0-9]{1,2})?$"


class StatementAdjustmentSchema(Schema):
    """A correction for an earlier period whose statement was frozen (SPEC §13)."""

    class Meta:
        ordered = True

    loan_ref = fields.String(required=True)
    original_period = fields.String(required=True, metadata={"example": "2025Q1"})
    frozen_subsidy = _amount(required=True, metadata={"description": "What statements already count for it."})
    recomputed_subsidy = _amount(required=True, metadata={"description": "The period recomputed from today's events."})
    adjustment = _amount(required=True, metadata={"description": "Recomputed − frozen; negative: due back.",
                                                  "pattern": SIGNED_AMOUNT})


class StatementSchema(Schema):
    class Meta:
        ordered = True

    period = fields.String(required=True, metadata={"example": "2025Q1"})
    version = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"enum": ["reviewed", "approved", "paid"]})
    total = _amount(required=True, metadata={"description": "Σ lines + Σ adjustments; may be negative.",
                                             "pattern": SIGNED_AMOUNT})
    lines = fields.List(fields.Nested(StatementLineSchema), required=True)
    adjustments = fields.List(fields.Nested(StatementAdjustmentSchema), required=True)


class StatementListSchema(Schema):
    statements = fields.List(fields.Nested(StatementSchema), required=True)


class BankFileSchema(Schema):
    """A bank's file and its preview (or, once confirmed, what it did)."""

    class Meta:
        ordered = True

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    bank = fields.String(required=True)
    source = fields.String(required=True, metadata={"enum": ["clerk", "api", "inbox"]})
    status = fields.String(required=True, metadata={"enum": ["preview", "confirmed", "refused"]})
    created_at = fields.String(required=True, allow_none=True)
    confirmed_at = fields.String(required=True, allow_none=True)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True, metadata={
        "description": "rows, new, attached, replaced, skipped, refused, differences."})
    new = fields.List(fields.Dict(), required=True, metadata={
        "description": "Rows that will change something (or did): new events, references attached, overdue "
                       "starts replaced."})
    skipped = fields.List(fields.Dict(), required=True, metadata={"description": "Rows already recorded."})
    refused = fields.List(fields.Dict(), required=True, metadata={
        "description": "row, column and reason (in the request's language) of every refused row."})
    differences = fields.List(fields.Dict(), required=True, metadata={
        "description": "Where the bank's balance differs from the app's (never adopted)."})


class RecoverySchema(Schema):
    class Meta:
        ordered = True

    id = fields.Integer(required=True)
    date = fields.Date(required=True)
    amount = _amount(required=True)
    fund_share = _amount(required=True, metadata={"description": "The fund's share, rounded half up."})
    bank_share = _amount(required=True, metadata={"description": "The bank's share: the rest."})
    bank_ref = fields.String(required=True, allow_none=True)


class ClaimSchema(Schema):
    """A compensation claim: filed → checked → approved → paid, or cancelled."""

    class Meta:
        ordered = True

    id = fields.Integer(required=True)
    loan_ref = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": ["filed", "checked", "approved", "paid", "cancelled"]})
    legacy = fields.Boolean(required=True, metadata={"description": "A compensation recorded before claims existed."})
    claim_date = fields.Date(required=True)
    overdue_since = fields.Date(required=True, allow_none=True)
    principal = _amount(required=True, metadata={"description": "The balance on the claim date."})
    interest = _amount(required=True, metadata={"description": "Contract rate from the first overdue day."})
    total = _amount(required=True)
    share_pct = fields.String(required=True, metadata={"description": "The fund's share in percent.",
                                                       "example": "80.00"})
    fund_share = _amount(required=True)
    bank_share = _amount(required=True)
    bank_ref = fields.String(required=True, allow_none=True)
    note = fields.String(required=True, allow_none=True)
    paid_on = fields.Date(required=True, allow_none=True)
    cancel_reason = fields.String(required=True, allow_none=True)
    recovered = _amount(required=True, metadata={"description": "Recoveries so far, yuan."})
    recoveries = fields.List(fields.Nested(RecoverySchema), required=True)


class ClaimListSchema(Schema):
    claims = fields.List(fields.Nested(ClaimSchema), required=True)


class ErrorSchema(Schema):
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), required=True,
                         metadata={"description": "Messages by request field, in the request's language."})


class ConflictSchema(ErrorSchema):
    """A ``bank_ref`` already recorded: the event as recorded, and what this request sent."""

    recorded = fields.Nested(EventSchema, required=False)
    sent = fields.Dict(required=False)


class RecordedConflictSchema(ErrorSchema):
    """A claim's or a recovery's ``bank_ref`` already recorded: what was recorded with it."""

    recorded = fields.Dict(required=False)
