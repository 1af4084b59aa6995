"""Form fields shared by every module's forms."""
from __future__ import annotations

import re

from flask_babel import gettext as _
from wtforms import IntegerField
from wtforms.validators import StopValidation

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
