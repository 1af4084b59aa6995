from decimal import Decimal

import pytest

from loans.core.money import (
    FEN,
    capital_numerals,
    format_amount,
    format_grouped,
    format_rate,
    format_yuan,
    from_fen,
    parse_amount,
    parse_positive_amount,
    parse_rate,
    round_fen,
    to_fen,
)

D = Decimal


@pytest.mark.parametrize("value, expected", [
    ("1022.225", "1022.23"),
    ("1022.224999", "1022.22"),
    ("0.005", "0.01"),
    ("-0.005", "-0.01"),
    ("761.1111", "761.11"),
    ("200000", "200000.00"),
], ids=lambda v: str(v))
def test_round_fen_is_half_up(value, expected):
    result = round_fen(D(value))
    assert result == D(expected) and result.as_tuple().exponent == -2


def test_fen_constant():
    assert FEN == D("0.01")


@pytest.mark.parametrize("amount, fen", [
    ("200000", 20000000), ("90090.50", 9009050), ("0.01", 1), ("1.000", 100), ("-3.5", -350),
    ("0", 0), ("12345678901234567890123456789.12", 1234567890123456789012345678912),
], ids=lambda v: str(v))
def test_to_fen_and_back(amount, fen):
    assert to_fen(D(amount)) == fen
    assert from_fen(fen) == D(amount)
    assert str(from_fen(fen)) == f"{D(amount):.2f}"


@pytest.mark.parametrize("amount", ["0.001", "1.005", "NaN", "Infinity",
                                    "12345678901234567890123456789.123"])
def test_to_fen_refuses_fractions_of_a_fen(amount):
    with pytest.raises(ValueError):
        to_fen(D(amount))


def test_to_fen_refuses_float():
    with pytest.raises(TypeError):
        to_fen(1.5)


@pytest.mark.parametrize("text, expected", [
    ("200000", "200000.00"),
    ("90090.50", "90090.50"),
    (" 1000.5 ", "1000.50"),
    ("0", "0.00"),
    ("-5", "-5.00"),
    ("007", "7.00"),
    ("-0", "0.00"),
], ids=["plain", "two-decimals", "blanks-one-decimal", "zero", "negative", "leading-zeros",
        "negative-zero"])
def test_parse_amount_accepts(text, expected):
    result = parse_amount(text)
    assert result == D(expected) and str(result) == expected


@pytest.mark.parametrize("text, reason", [
    ("", "empty"),
    ("   ", "empty"),
    ("abc", "not a number"),
    ("12a", "not a number"),
    ("1,000", "thousands"),
    ("1,000.50", "thousands"),
    ("NaN", "finite"),
    ("Infinity", "finite"),
    ("-inf", "finite"),
    ("1.234", "decimal places"),
    ("1.500", "decimal places"),
    ("1e5", "exponent"),
    ("2E+3", "exponent"),
    ("１２", "not a number"),
    (".5", "not a number"),
    ("1.", "not a number"),
    ("¥100", "not a number"),
], ids=lambda v: repr(v))
def test_parse_amount_rejects(text, reason):
    with pytest.raises(ValueError, match=reason):
        parse_amount(text)


def test_parse_amount_none_is_empty():
    with pytest.raises(ValueError, match="empty"):
        parse_amount(None)


@pytest.mark.parametrize("text", ["0", "-1", "0.00"])
def test_parse_positive_amount_rejects_zero_and_negative(text):
    with pytest.raises(ValueError, match="greater than zero"):
        parse_positive_amount(text)


def test_parse_positive_amount_accepts_a_fen():
    assert parse_positive_amount("0.01") == D("0.01")


@pytest.mark.parametrize("amount, text", [
    ("200000", "¥200,000.00"),
    ("1234.5", "¥1,234.50"),
    ("0", "¥0.00"),
    ("135409000", "¥135,409,000.00"),
    ("-5", "-¥5.00"),
    ("1022.225", "¥1,022.23"),
])
def test_format_yuan(amount, text):
    assert format_yuan(D(amount)) == text


@pytest.mark.parametrize("amount, words", [
    ("200000", "人民币贰拾万元整"),
    ("200000.00", "人民币贰拾万元整"),
    ("1234.56", "人民币壹仟贰佰叁拾肆元伍角陆分"),
    ("100000.05", "人民币壹拾万元零伍分"),
    ("0.5", "人民币伍角"),
    ("0.05", "人民币伍分"),
    ("10.05", "人民币壹拾元零伍分"),
    ("1000000", "人民币壹佰万元整"),
    ("4000000", "人民币肆佰万元整"),
    ("90090.50", "人民币玖万零玖拾元伍角"),
    ("1100000", "人民币壹佰壹拾万元整"),
    ("1010000", "人民币壹佰零壹万元整"),
    ("101.01", "人民币壹佰零壹元零壹分"),
    ("300000", "人民币叁拾万元整"),
    ("0", "人民币零元整"),
    ("-0", "人民币零元整"),
], ids=lambda v: str(v))
def test_capital_numerals(amount, words):
    assert capital_numerals(D(amount)) == words


@pytest.mark.parametrize("amount", ["-1", "0.001", "NaN"])
def test_capital_numerals_rejects(amount):
    with pytest.raises(ValueError):
        capital_numerals(D(amount))


@pytest.mark.parametrize("text, expected", [
    ("4.35", "4.35"), ("2", "2"), ("1.975", "1.975"), ("3.8", "3.8"), ("0.0001", "0.0001"),
    (" 4.35 ", "4.35"),
])
def test_parse_rate_accepts(text, expected):
    assert parse_rate(text) == D(expected)


@pytest.mark.parametrize("text, reason", [
    ("", "empty"), ("abc", "not a number"), ("4.35%", "%"), ("0", "greater than zero"),
    ("-1", "greater than zero"), ("4.12345", "decimal places"), ("1e1", "exponent"),
    ("NaN", "finite"), ("100", "below 100"),
])
def test_parse_rate_rejects(text, reason):
    with pytest.raises(ValueError, match=reason):
        parse_rate(text)


@pytest.mark.parametrize("rate, text", [
    ("2", "2.00"), ("2.00", "2.00"), ("1.975", "1.975"), ("1.9750", "1.975"), ("4.35", "4.35"),
    ("3.8", "3.80"), ("100", "100.00"), ("0.0001", "0.0001"), ("2.1750", "2.175"),
])
def test_format_rate(rate, text):
    assert format_rate(D(rate)) == text


@pytest.mark.parametrize("amount, text", [
    ("200000", "200,000.00"), ("0", "0.00"), ("1234.5", "1,234.50"), ("999.99", "999.99"), ("-5", "-5.00"),
])
def test_format_amount(amount, text):
    assert format_amount(D(amount)) == text


@pytest.mark.parametrize("value, text", [
    ("18400000.00", "18,400,000"), ("270271.50", "270,271.5"), ("0", "0"), ("0.00", "0"), ("1234.125", "1,234.125"),
    ("100", "100"), ("1000", "1,000"),
])
def test_format_grouped(value, text):
    assert format_grouped(D(value)) == text


def test_format_grouped_refuses_floats():
    with pytest.raises(TypeError):
        format_grouped(1.5)
