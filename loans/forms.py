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


def check_amount(form, field):
    if not field.data:
        return
    try:
        value = money.parse_positive_amount(field.data)
    except ValueError:
        raise ValidationError(_l("Enter an amount in yuan such as 200000 or 150000.50, without commas.")) from None
    if value > MAX_AMOUNT:  # far above any programme maximum; also keeps it within a database integer
        raise ValidationError(_l("Enter an amount of at most ¥100,000,000."))
    field.data = str(value)


def not_in_future(form, field):
    if field.data and field.data > local_today():
        raise ValidationError(_l("This date cannot be in the future."))


def plausible_date(form, field):
    if field.data and not date(2000, 1, 1) <= field.data <= date(2100, 12, 31):
        raise ValidationError(_l("Enter a date between 2000 and 2100."))
