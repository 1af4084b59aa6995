"""Form fields and validators shared by every module's forms (the shape of input only)."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _, lazy_gettext as _l
from wtforms import IntegerField, SelectMultipleField
from wtforms.validators import StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from .core import money, resident_id
from .db import local_today

MAX_DIGITS = 9
_INTEGER = re.compile(r"\s*([+-]?)0*(\d+)\s*")  # \d: a phone keyboard may send full-width digits


class BoundedIntegerField(IntegerField):
    """A whole number of at most ``MAX_DIGITS`` digits (leading zeros aside).

    WTForms' ``IntegerField`` converts any length of digits, and ``NumberRange`` then
    compares the number with floats: 309 digits overflow and the page answers 500. The
    length is checked here, before conversion, so every range check sees a small int.
    Something typed that is not such a number gets that one message: no "required" or
    range message is added to it."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = valuelist[0] if isinstance(valuelist[0], str) else ""
        match = _INTEGER.fullmatch(text)
        if match and len(match.group(2)) > MAX_DIGITS:
            self.data = None
            raise ValueError(_("Enter a whole number of at most %(digits)s digits.", digits=MAX_DIGITS))
        if not match:
            self.data = None
            raise ValueError(self.gettext("Not a valid integer value."))
        self.data = int(match.group(1) + match.group(2))

    def pre_validate(self, form):
        if self.process_errors and any(isinstance(raw, str) and raw.strip() for raw in self.raw_data or ()):
            raise StopValidation()


ID_REASONS = {
    "length": _l("A resident ID has 18 characters."),
    "format": _l("A resident ID is 17 digits followed by a digit or X."),
    "checksum": _l("This resident ID is not valid: its last character (the check digit) does not match. Please check each digit."),
    "birth_date": _l("The birth date inside this resident ID (digits 7–14) is not a real date."),
    "future_birth_date": _l("The birth date inside this resident ID is in the future."),
    "region": _l("The region code of this resident ID (first 6 digits) does not exist."),
}


def strip(value):
    return value.strip() if isinstance(value, str) else value


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def check_resident_id(form, field):
    if not field.data:
        return
    try:
        field.data = resident_id.validate(field.data, local_today())
    except resident_id.InvalidResidentId as exc:
        raise ValidationError(ID_REASONS[exc.reason]) from None


MAX_AMOUNT = Decimal("100000000")

_AMOUNT_IN_DIGITS = _l("Enter the amount in yuan in digits, such as 200000, 200,000.00 or 20万.")
AMOUNT_REASONS = {
    "empty": _l("Enter an amount in yuan."),
    "not_a_number": _AMOUNT_IN_DIGITS,
    "not_finite": _AMOUNT_IN_DIGITS,
    "exponent": _l("Write the amount out in digits, such as 200000 or 20万, not in exponent notation like 2e5."),
    "grouping": _l("Thousands separators go every three digits, as in 200,000; or leave them out: 200000."),
    "negative": _l("An amount cannot be negative."),
    "decimals": _l("An amount has at most two decimals (to the fen); before 万, at most six."),
    "zero": _l("Enter an amount greater than zero."),
    "too_large": _l("Enter an amount of at most ¥100,000,000."),
}
_RATE_IN_DIGITS = _l("Enter the rate in percent per year in digits, such as 3.85 or 3.85%.")
RATE_REASONS = {
    "empty": _l("Enter the rate in percent per year."),
    "not_a_number": _RATE_IN_DIGITS,
    "not_finite": _RATE_IN_DIGITS,
    "exponent": _RATE_IN_DIGITS,
    "grouping": _RATE_IN_DIGITS,
    "negative": _l("A rate cannot be negative."),
    "decimals": _l("A rate has at most four decimals, such as 3.8575%."),
    "zero": _l("A rate must be greater than zero."),
    "too_large": _l("A rate must be below 100%."),
}


def typed_amount(text: str) -> Decimal:
    """An amount in yuan as people type it (``money.parse_amount_as_typed``: ``200,000``,
    ``20万``, ``￥200,000.00``, full-width digits); a refusal is a ``ValidationError`` saying
    why in the reader's language."""
    try:
        return money.parse_amount_as_typed(text)
    except money.UnreadableNumber as exc:
        raise ValidationError(str(AMOUNT_REASONS[exc.reason])) from None


def typed_rate(text: str) -> Decimal:
    """A rate in percent per year as people type it (``4.35``, ``4.35%``, ``４．３５％``);
    a refusal is a ``ValidationError`` saying why in the reader's language."""
    try:
        return money.parse_rate_as_typed(text)
    except money.UnreadableNumber as exc:
        raise ValidationError(str(RATE_REASONS[exc.reason])) from None


def check_amount(form, field):
    """A positive amount as people type it; ``field.data`` becomes the canonical text
    (``"200000.00"``), which the strict ``money.parse_amount`` reads."""
    if not field.data:
        return
    value = typed_amount(field.data)
    if value == 0:
        raise ValidationError(AMOUNT_REASONS["zero"])
    if value > MAX_AMOUNT:  # far above any programme maximum; also keeps it within a database integer
        raise ValidationError(AMOUNT_REASONS["too_large"])
    field.data = str(value)


def check_rate(form, field):
    """A rate in percent per year as people type it; ``field.data`` becomes the plain
    number (``"4.35"``), which the strict ``money.parse_rate`` reads."""
    if not field.data:
        return
    field.data = f"{typed_rate(field.data):f}"


def not_in_future(form, field):
    if field.data and field.data > local_today():
        raise ValidationError(_l("This date cannot be in the future."))


def plausible_date(form, field):
    if field.data and not date(2000, 1, 1) <= field.data <= date(2100, 12, 31):
        raise ValidationError(_l("Enter a date between 2000 and 2100."))
