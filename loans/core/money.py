"""Money and rates: exact ``Decimal`` values, stored as integer fen.

Amounts are yuan with at most two decimals; rates are percent per year (``4.35`` means
4.35 %). Nothing here ever touches a float.
"""

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, localcontext


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
    import cn2an  # 4 MB of tables: loaded by the first amount in words, not by every process

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


# --- amounts and rates as people type them into forms ----------------------------------

TYPED_REASONS = ("empty", "not_a_number", "not_finite", "exponent", "grouping", "negative", "decimals", "zero",
                 "too_large")


class UnreadableNumber(ValueError):
    """Raised by the as-typed parsers with ``reason`` (one of ``TYPED_REASONS``); a form
    says it in the reader's language."""

    _MESSAGES = {
        "empty": "empty",
        "not_a_number": "not a number",
        "not_finite": "not a finite number",
        "exponent": "exponent notation is not allowed",
        "grouping": "thousands separators are not in groups of three",
        "negative": "must not be negative",
        "decimals": "too many decimal places",
        "zero": "must be greater than zero",
        "too_large": "must be below 100 percent",
    }

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(self._MESSAGES[reason])


# What is left around the number once NFKC has folded full-width characters: a sign, a
# currency (before or after the sign) and 万 and 元 after it; the number is checked apart.
_TYPED_AMOUNT_RE = re.compile(r"(?P<sign>[+-]?)\s*(?:¥|RMB|CNY|人民币)?\s*(?P<sign_after>[+-]?)\s*"
                              r"(?P<number>.*?)\s*(?P<wan>万)?\s*元?", re.IGNORECASE | re.DOTALL)
_TYPED_RATE_RE = re.compile(r"(?P<sign>[+-]?)\s*(?P<number>.*?)\s*%?", re.DOTALL)
_GROUPED_RE = re.compile(r"[1-9][0-9]{0,2}(?:,[0-9]{3})+")
_PLAIN_RE = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_WAN_PLACES = 4  # 万 = 10,000: the decimal point moves four places


def _typed_text(text: object) -> str:
    if text is None:
        raise UnreadableNumber("empty")
    if not isinstance(text, str):
        raise TypeError(f"expected text, got {type(text).__name__}")
    # NFKC: ２０００００ → 200000, ￥ → ¥, ， → ",", ． → ".", ％ → %, the ideographic space → " "
    s = unicodedata.normalize("NFKC", text).replace("\u2212", "-").strip()
    if not s:
        raise UnreadableNumber("empty")
    return s


def _plain_number(number: str, *, grouped: bool) -> str:
    """``number`` as plain digits with an optional fraction (thousands separators, when
    ``grouped`` allows them, checked and dropped)."""
    lowered = number.lower()
    if lowered in ("nan", "snan", "inf", "infinity"):
        raise UnreadableNumber("not_finite")
    if re.fullmatch(r"[0-9.,]*[0-9]e[+-]?[0-9]+", lowered):
        raise UnreadableNumber("exponent")
    whole, point, fraction = number.partition(".")
    if grouped and "," in whole and re.fullmatch(r"[0-9,]+", whole):
        if not _GROUPED_RE.fullmatch(whole):  # "2,00,000", "12,0000", "1,,000"
            raise UnreadableNumber("grouping")
        whole = whole.replace(",", "")
    plain = whole + point + fraction
    if not _PLAIN_RE.fullmatch(plain):
        raise UnreadableNumber("not_a_number")
    return plain


def _decimal_places(plain: str) -> int:
    return len(plain.partition(".")[2])


def _times_ten_thousand(plain: str) -> str:
    """Move the decimal point four places right, in the text: exact, no arithmetic."""
    whole, _, fraction = plain.partition(".")
    fraction = fraction.ljust(_WAN_PLACES, "0")
    rest = fraction[_WAN_PLACES:]
    return whole + fraction[:_WAN_PLACES] + (f".{rest}" if rest else "")


def parse_amount_as_typed(text: str) -> Decimal:
    """An amount in yuan as people type it into a form, to the fen.

    Accepts what ``parse_amount`` accepts and also: full-width characters
    (``２０００００``, ``￥``, ``，``, ``．``), a currency sign before the number (``¥``,
    ``RMB``, ``CNY``, ``人民币``) and ``元`` after it, blanks around these, thousands
    separators in groups of three (``200,000``; ``2,00,000`` is refused) and ``万``
    (``20万`` = 200000, ``1.5万元`` = 15000; exact, so at most six decimals before 万).
    Zero is returned; a negative amount is refused. Refusals are ``UnreadableNumber``
    with a reason. The ledger, CSV and API contracts (SPEC §10) keep ``parse_amount``.
    """
    match = _TYPED_AMOUNT_RE.fullmatch(_typed_text(text))
    plain = _plain_number(match["number"], grouped=True)
    if "-" in match["sign"] + match["sign_after"]:
        raise UnreadableNumber("negative")
    if _decimal_places(plain) > (2 + _WAN_PLACES if match["wan"] else 2):
        raise UnreadableNumber("decimals")
    return parse_amount(_times_ten_thousand(plain) if match["wan"] else plain)


def parse_rate_as_typed(text: str) -> Decimal:
    """A rate in percent per year as people type it into a form: ``4.35``, ``4.35%``,
    ``４．３５％``; at most four decimals, above 0 and below 100. Refusals are
    ``UnreadableNumber`` with a reason. The ledger keeps ``parse_rate`` (no ``%``)."""
    match = _TYPED_RATE_RE.fullmatch(_typed_text(text))
    plain = _plain_number(match["number"], grouped=False)
    if match["sign"] == "-":
        raise UnreadableNumber("negative")
    if _decimal_places(plain) > _RATE_PLACES:
        raise UnreadableNumber("decimals")
    if Decimal(plain) == 0:
        raise UnreadableNumber("zero")
    if Decimal(plain) >= 100:
        raise UnreadableNumber("too_large")
    return parse_rate(plain)


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


WAN = Decimal("10000")
YI = Decimal("100000000")
_HEADLINE_PLACES = Decimal("0.01")


def format_chinese_amount(d: Decimal, *, unit: str | None = None) -> str:
    """Yuan as a Chinese headline figure (SPEC §8: "13540.9万元"), for sentences and
    summary figures; tables keep ``format_yuan``.

    The rule: below 1万 yuan the exact amount in 元 (``1022.2元``); below 1亿 in 万元 and
    from 1亿 in 亿元, each rounded half-up to two decimals of its unit (so to 100 yuan and
    to 1,000,000 yuan); trailing zeros are dropped and there are no thousands separators,
    as the bureau writes them. The unit is chosen after rounding (99,999,999.99 →
    ``1亿元``). ``unit="万元"`` always writes 万元 (the §8 sentence: ¥135,409,000.00 →
    ``13540.9万元``)."""
    d = round_fen(d)
    sign, d = ("-" if d < 0 else ""), abs(d)
    if unit is None:
        if d < WAN:
            unit = "元"
        elif _round_headline(d / WAN) < WAN:
            unit = "万元"
        else:
            unit = "亿元"
    if unit == "元":
        value = d
    elif unit == "万元":
        value = _round_headline(d / WAN)
    elif unit == "亿元":
        value = _round_headline(d / YI)
    else:
        raise ValueError(f"unknown unit {unit!r}")
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{sign if value else ''}{text}{unit}"


def _round_headline(x: Decimal) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = max(28, x.adjusted() + 4)
        return x.quantize(_HEADLINE_PLACES, rounding=ROUND_HALF_UP)
