"""Marshmallow schemas of the JSON API; the OpenAPI document is generated from them.

Validation messages are problem codes (see ``messages.py``); the view turns them into
sentences in the request's language.
"""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from ..core import money
from ..core.eligibility import RESULTS, RULES
from ..core.policy import LOAN_TYPES


def _codes(invalid: str) -> dict[str, str]:
    return {"required": "required", "null": "null", "validator_failed": "invalid_value",
            "invalid": invalid, "too_large": "too_large", "invalid_utf8": invalid, "format": invalid}


def _date(**kwargs) -> fields.Date:
    return fields.Date(error_messages=_codes("invalid_date"), **kwargs)


def _int(**kwargs) -> fields.Integer:
    return fields.Integer(strict=True, error_messages=_codes("invalid_integer"), **kwargs)


def _range(low: int, high: int) -> validate.Range:
    return validate.Range(min=low, max=high, error="out_of_range")


def _bool(**kwargs) -> fields.Boolean:
    return fields.Boolean(error_messages=_codes("invalid_boolean"), **kwargs)


def _str(**kwargs) -> fields.String:
    return fields.String(error_messages=_codes("invalid_string"), **kwargs)


class AmountField(fields.String):
    """A yuan amount written as text (``"200000"``, ``"90090.50"``) → ``Decimal``; never a float."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise ValidationError("invalid_amount")
        try:
            return money.parse_amount(value)
        except (ValueError, TypeError, ArithmeticError):
            raise ValidationError("invalid_amount") from None


class PrecheckRequestSchema(Schema):
    """The pre-check's answers (SPEC §10)."""

    class Meta:
        unknown = EXCLUDE
        ordered = True

    application_date = _date(required=True, metadata={"description": "Eligibility uses the policy in force on it."})
    id_number = _str(load_default=None, metadata={
        "description": "Resident ID (18 characters); without it, give birth_date and sex."})
    birth_date = _date(load_default=None, metadata={"description": "Required without id_number."})
    sex = _str(load_default=None, validate=validate.OneOf(("male", "female"), error="invalid_sex"),
               metadata={"description": "Required without id_number.", "enum": ["male", "female"]})
    key_groups = fields.List(_str(), load_default=None, error_messages=_codes("invalid_list"),
                             metadata={"description": "Key-group codes claimed; required except for enterprise loans."})
    graduation_date = _date(load_default=None, metadata={"description": "Required when `graduate` is claimed."})
    loan_type = _str(required=True, validate=validate.OneOf(LOAN_TYPES, error="invalid_loan_type"),
                     metadata={"enum": list(LOAN_TYPES)})
    amount = AmountField(required=True, error_messages=_codes("invalid_amount"),
                         metadata={"description": "Yuan, as a string of digits with at most two decimals.",
                                   "example": "200000"})
    term_months = _int(required=True, validate=_range(0, 1200))
    partners = _int(load_default=1, validate=_range(1, 100),
                    metadata={"description": "People in the partnership, the applicant included."})
    district_code = _str(required=True, metadata={"description": "GB/T 2260 code of the business's district.",
                                                  "example": "431003"})
    prior_subsidized_loans = _int(load_default=0, validate=_range(0, 100))
    prior_overdue = _bool(load_default=False)
    other_loans = _bool(load_default=False, metadata={
        "description": "Other outstanding loans of self or spouse beyond the allowed kinds."})
    staff = _int(load_default=None, validate=_range(0, 10**7), metadata={"description": "Current staff; required for enterprise loans."})
    new_key_group_hires = _int(load_default=None, validate=_range(0, 10**7), metadata={
        "description": "Key-group people newly hired this year on labour contracts of 12 months or more; "
                       "required for enterprise loans."})

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def _conditional_fields(self, data, original, **kwargs):
        """Fields required only in some cases; a field already refused is not reported twice."""
        raw = original if isinstance(original, dict) else {}
        errors: dict[str, list[str]] = {}
        if raw.get("id_number") is None:
            for name in ("birth_date", "sex"):
                if raw.get(name) is None:
                    errors[name] = [f"{name}_required"]
        if raw.get("loan_type") == "enterprise":
            for name in ("staff", "new_key_group_hires"):
                if raw.get(name) is None:
                    errors[name] = ["enterprise_required"]
        elif raw.get("key_groups") is None:
            errors["key_groups"] = ["key_groups_required"]
        if errors:
            raise ValidationError(errors)


class RuleResultSchema(Schema):
    class Meta:
        ordered = True

    id = fields.String(required=True, validate=validate.OneOf([rule_id for rule_id, _ in RULES]),
                       metadata={"example": "E01"})
    name = fields.String(required=True, validate=validate.OneOf([name for _, name in RULES]),
                         metadata={"example": "key_group"})
    result = fields.String(required=True, validate=validate.OneOf(RESULTS))
    message = fields.String(required=True, metadata={"description": "In the request's language."})
    clause = fields.String(required=True, metadata={"description": "The policy clause the rule rests on."})


class PrecheckResponseSchema(Schema):
    class Meta:
        ordered = True

    eligible = fields.Boolean(required=True, metadata={"description": "No rule fails."})
    policy = fields.String(required=True, metadata={"example": "HN-2021"})
    max_amount = fields.String(required=True, metadata={"description": "Yuan, two decimals.",
                                                         "example": "200000.00"})
    max_term_months = fields.Integer(required=True, metadata={"example": 36})
    rules = fields.List(fields.Nested(RuleResultSchema), required=True,
                        metadata={"description": "All 14 rules, E01 to E14."})


class ErrorSchema(Schema):
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), required=True,
                         metadata={"description": "Messages by request field, in the request's language."})
