"""Resident identity numbers (居民身份证号码), mobile numbers and credit codes (SPEC §6, §11).

A resident ID is valid when it has 18 characters, a right ISO 7064 MOD 11-2 check
character, a real birth date (digits 7–14) not after ``today`` and a region code
(digits 1–6) that exists or once existed in python-stdnum's ``cn/loc`` data. Unlike
``stdnum.cn.ric.validate`` we do not compare the code's years with the birth year:
codes follow where the ID was issued, and most Chenzhou adults were born before the
4310xx codes of 1994.
"""

import re
from datetime import date
from functools import lru_cache

from stdnum import numdb
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError
from stdnum.iso7064 import mod_11_2

REASONS = ("length", "format", "checksum", "birth_date", "future_birth_date", "region")

_FORMAT_RE = re.compile(r"[0-9]{17}[0-9X]")
_MOBILE_RE = re.compile(r"1[3-9][0-9]{9}")


class InvalidResidentId(ValueError):
    """Raised with ``reason`` (one of ``REASONS``) for an invalid resident ID."""

    _MESSAGES = {
        "length": "A resident ID has 18 characters.",
        "format": "A resident ID is 17 digits followed by a digit or X.",
        "checksum": "The check character of the resident ID is wrong.",
        "birth_date": "The birth date in the resident ID is not a real date.",
        "future_birth_date": "The birth date in the resident ID is in the future.",
        "region": "The region code of the resident ID does not exist.",
    }

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(self._MESSAGES[reason])


class InvalidCreditCode(ValueError):
    """Raised for an invalid unified social credit code (统一社会信用代码)."""


def normalize(s: str) -> str:
    """Strip surrounding blanks and upper-case a trailing ``x``."""
    if not isinstance(s, str):
        raise InvalidResidentId("format")
    return s.strip().upper()


@lru_cache(maxsize=4096)
def region_exists(code: str) -> bool:
    """Whether a 6-digit region code exists or ever existed (any year range)."""
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        return False
    parts = numdb.get("cn/loc").info(code)
    return "".join(part for part, _ in parts) == code and bool(parts[-1][1])


def _parse_birth_date(number: str) -> date:
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidResidentId("birth_date") from None


def validate(s: str, today: date) -> str:
    """Return the normalized ID, or raise ``InvalidResidentId`` with its reason."""
    number = normalize(s)
    if len(number) != 18:
        raise InvalidResidentId("length")
    if not _FORMAT_RE.fullmatch(number):
        raise InvalidResidentId("format")
    if not mod_11_2.is_valid(number):
        raise InvalidResidentId("checksum")
    if _parse_birth_date(number) > today:
        raise InvalidResidentId("future_birth_date")
    if not region_exists(number[:6]):
        raise InvalidResidentId("region")
    return number


def is_valid(s: str, today: date) -> bool:
    try:
        validate(s, today)
    except InvalidResidentId:
        return False
    return True


def _digits(s: str) -> str:
    number = normalize(s)
    if not _FORMAT_RE.fullmatch(number):
        raise InvalidResidentId("length" if len(number) != 18 else "format")
    return number


def birth_date(s: str) -> date:
    """Birth date from digits 7–14."""
    return _parse_birth_date(_digits(s))


def sex(s: str) -> str:
    """``"male"`` when digit 17 is odd, else ``"female"``."""
    return "male" if int(_digits(s)[16]) % 2 else "female"


def region_code(s: str) -> str:
    """Digits 1–6: the region (GB/T 2260) where the ID was issued."""
    return _digits(s)[:6]


def mask(s: str) -> str:
    """``431002199003151117`` → ``431002********1117`` (first 6, 8 stars, last 4)."""
    number = normalize(s)
    if len(number) < 12:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_mobile(s: str) -> str:
    """``13812345678`` → ``138****5678``."""
    number = s.strip()
    if len(number) < 8:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def valid_mobile(s: str) -> bool:
    """A mainland mobile number: 11 digits starting 13–19."""
    return isinstance(s, str) and bool(_MOBILE_RE.fullmatch(s.strip()))


def add_years(d: date, n: int) -> date:
    """The same calendar date ``n`` years later (earlier if negative); Feb 29 → Feb 28."""
    try:
        return d.replace(year=d.year + n)
    except ValueError:
        if d.month == 2 and d.day == 29:
            return d.replace(year=d.year + n, day=28)
        raise


def age_on(birth: date, on: date) -> int:
    """Completed years on ``on``. A Feb-29 birthday is reached on Mar 1 in common years."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def validate_credit_code(s: str) -> str:
    """Return the compact unified social credit code, or raise ``InvalidCreditCode``."""
    if not isinstance(s, str):
        raise InvalidCreditCode("A credit code is 18 characters.")
    try:
        return uscc.validate(s)
    except ValidationError as exc:
        raise InvalidCreditCode(
            f"The unified social credit code is invalid: {exc.message}") from None
