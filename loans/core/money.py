"""Money and rates: exact ``Decimal`` values, stored as integer fen.

Amounts are yuan with at most two decimals; rates are percent per year (``4.35`` means
4.35 %). Nothing here ever touches a float.
"""

import re
from decimal import ROUND_HALF_UP, Decimal, localcontext

import cn2an

FEN = Decimal("0.01")

_AMOUNT_RE = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_RATE_PLACES = 4


def _require_decimal(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise TypeError(f"expected Decimal, got {type(value).__name__}")
    return Decimal(value)


def round_fen(x: Decimal) -> Decimal:
    """Round yuan half-up (四舍五入) to the fen."""
    x = _require_decimal(x)
    if not x.is_finite():
        raise ValueError("amount is not a finite number")
    with localcontext() as ctx:
        # quantize fails when the result needs more digits than the context holds
        ctx.prec = max(28, x.adjusted() + 4)
        return x.quantize(FEN, rounding=ROUND_HALF_UP)


def to_fen(amount: Decimal) -> int:
    """Yuan → integer fen, exactly; refuses amounts with fractions of a fen."""
    amount = _require_decimal(amount)
    if not amount.is_finite():
        raise ValueError("amount is not a finite number")
    exact = round_fen(amount)
    if exact != amount:
        raise ValueError("amount has more than two decimal places")
    sign, digits, _ = exact.as_tuple()  # exponent is -2: the digits are the fen
    fen = int("".join(map(str, digits)))
    return -fen if sign else fen


def from_fen(fen: int) -> Decimal:
    """Integer fen → yuan, with exactly two decimals."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError(f"expected int fen, got {type(fen).__name__}")
    return Decimal(f"{fen}E-2")  # exact: the constructor does not round


def _check_number_text(text: object, places: int) -> str:
    if text is None:
        raise ValueError("empty")
    if not isinstance(text, str):
        raise TypeError(f"expected text, got {type(text).__name__}")
    s = text.strip()
    if not s:
        raise ValueError("empty")
    if _AMOUNT_RE.fullmatch(s.replace(",", "")) and "," in s:
        raise ValueError("thousands separators are not allowed")
    lowered = s.lower().lstrip("+-")
    if lowered in ("nan", "snan", "inf", "infinity"):
        raise ValueError("not a finite number")
    if re.fullmatch(r"-?[0-9.]+e[+-]?[0-9]+", s.lower()):
        raise ValueError("exponent notation is not allowed")
    if not _AMOUNT_RE.fullmatch(s):
        raise ValueError("not a number")
    if "." in s and len(s.split(".", 1)[1]) > places:
        raise ValueError(f"more than {places} decimal places")
    return s


def parse_amount(text: str) -> Decimal:
    """Parse a plain yuan amount such as ``200000`` or ``90090.50``.

    Zero and negative amounts are returned; rules decide about them (see
    ``parse_positive_amount``).
    """
    s = _check_number_text(text, 2)
    amount = round_fen(Decimal(s))
    return abs(amount) if amount == 0 else amount  # no "-0.00"


def parse_positive_amount(text: str) -> Decimal:
    """Like ``parse_amount``, refusing zero and negative amounts."""
    amount = parse_amount(text)
    if amount <= 0:
        raise ValueError("must be greater than zero")
    return amount


def format_yuan(d: Decimal) -> str:
    """``Decimal("200000")`` → ``"¥200,000.00"`` (negative: ``"-¥5.00"``)."""
    d = round_fen(d)
    sign = "-" if d < 0 else ""
    return f"{sign}¥{format_amount(abs(d))}"


def format_amount(d: Decimal) -> str:
    """Yuan to the fen with thousands separators and no currency sign, for columns
    headed "(yuan)": ``Decimal("200000")`` → ``"200,000.00"``."""
    return f"{round_fen(d):,.2f}"


def format_grouped(d: Decimal) -> str:
    """An exact figure with thousands separators and no trailing zeros, such as a
    balance-days sum in yuan·days: ``18400000.00`` → ``"18,400,000"``, ``270271.50`` →
    ``"270,271.5"``."""
    text = format(_require_decimal(d), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{Decimal(text):,}"


def capital_numerals(d: Decimal) -> str:
    """Amount in Chinese capital numerals as written on financial documents.

    ``200000`` → ``人民币贰拾万元整``; ``1234.56`` → ``人民币壹仟贰佰叁拾肆元伍角陆分``.
    """
    d = _require_decimal(d)
    to_fen(d)  # refuses fractions of a fen and non-finite values
    if d < 0:
        raise ValueError("amount must not be negative")
    return "人民币" + cn2an.an2cn(f"{abs(round_fen(d)):f}", "rmb")


def parse_rate(text: str) -> Decimal:
    """Parse a rate in percent per year (``4.35``), at most four decimals, positive."""
    if isinstance(text, str) and text.strip().endswith("%"):
        raise ValueError("write the rate in percent without the % sign")
    rate = Decimal(_check_number_text(text, _RATE_PLACES))
    if rate <= 0:
        raise ValueError("must be greater than zero")
    if rate >= 100:
        raise ValueError("must be below 100 percent")
    return rate


def format_rate(d: Decimal) -> str:
    """Percent with at least two decimals and no trailing zeros beyond them:
    ``2`` → ``"2.00"``, ``1.9750`` → ``"1.975"``, ``4.35`` → ``"4.35"``."""
    d = _require_decimal(d)
    if not d.is_finite():
        raise ValueError("rate is not a finite number")
    text = f"{d.normalize():f}"
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0")
    return f"{whole}.{frac.ljust(2, '0')}"
