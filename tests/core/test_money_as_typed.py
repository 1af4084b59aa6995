"""Amounts and rates as people type them into forms (issue 11, item 2): the forgiving
parsers of ``core.money``. The strict parsers of the data contracts are tested in
test_core_money.py and must not change."""

from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from loans.core.money import (
    TYPED_REASONS,
    UnreadableNumber,
    format_amount,
    format_rate,
    format_yuan,
    parse_amount,
    parse_amount_as_typed,
    parse_rate,
    parse_rate_as_typed,
)

D = Decimal

# ASCII → full width, as a Chinese input method in full-width mode types them
FULL_WIDTH = str.maketrans("0123456789,.%¥", "０１２３４５６７８９，．％￥")


@pytest.mark.parametrize("text, expected", [
    ("200000", "200000.00"),
    ("200,000", "200000.00"),
    ("200,000.00", "200000.00"),
    ("1,234,567.8", "1234567.80"),
    ("¥200,000.00", "200000.00"),
    ("￥200,000.00", "200000.00"),
    ("￥ 200,000.00 元", "200000.00"),
    ("200000元", "200000.00"),
    ("人民币200000元", "200000.00"),
    ("RMB 200,000", "200000.00"),
    ("cny200000", "200000.00"),
    ("２０００００", "200000.00"),
    ("２００，０００．００", "200000.00"),
    ("￥２００，０００．５０元", "200000.50"),
    ("　200000　", "200000.00"),  # ideographic spaces
    ("20万", "200000.00"),
    ("20 万", "200000.00"),
    ("20万元", "200000.00"),
    ("２０万元", "200000.00"),
    ("¥20万", "200000.00"),
    ("1.5万", "15000.00"),
    ("1.234567万", "12345.67"),
    ("0.0001万", "1.00"),
    ("1,000万", "10000000.00"),
    ("+5", "5.00"),
    ("007", "7.00"),
    ("0", "0.00"),
    ("0.00", "0.00"),
    ("90090.50", "90090.50"),
], ids=repr)
def test_amounts_as_typed_are_read(text, expected):
    result = parse_amount_as_typed(text)
    assert result == D(expected) and str(result) == expected


@pytest.mark.parametrize("text, reason", [
    ("", "empty"),
    ("   ", "empty"),
    ("　", "empty"),
    (None, "empty"),
    ("abc", "not_a_number"),
    ("12a", "not_a_number"),
    ("¥", "not_a_number"),
    ("万", "not_a_number"),
    ("5万万", "not_a_number"),
    ("二十万", "not_a_number"),
    ("200 000", "not_a_number"),
    ("1,000,00", "grouping"),
    ("1.000,50", "not_a_number"),
    (".5", "not_a_number"),
    ("1.", "not_a_number"),
    ("$200", "not_a_number"),
    ("2,00,000", "grouping"),
    ("12,0000", "grouping"),
    ("1,,000", "grouping"),
    (",100", "grouping"),
    ("0,100", "grouping"),
    ("-5", "negative"),
    ("-¥5.00", "negative"),
    ("¥-5", "negative"),
    ("－５", "negative"),
    ("−5", "negative"),  # U+2212 MINUS SIGN
    ("-20万", "negative"),
    ("12.345", "decimals"),
    ("1.500", "decimals"),
    ("１．２３４", "decimals"),
    ("1.2345678万", "decimals"),
    ("1e5", "exponent"),
    ("2E+3", "exponent"),
    ("１ｅ５", "exponent"),
    ("NaN", "not_finite"),
    ("-Infinity", "not_finite"),
    ("ｎａｎ", "not_finite"),
], ids=repr)
def test_amounts_as_typed_refused_with_a_reason(text, reason):
    with pytest.raises(UnreadableNumber) as refusal:
        parse_amount_as_typed(text)
    assert refusal.value.reason == reason and reason in TYPED_REASONS


def test_amount_as_typed_refuses_non_text():
    with pytest.raises(TypeError):
        parse_amount_as_typed(200000)


@pytest.mark.parametrize("text, expected", [
    ("4.35", "4.35"), ("4.35%", "4.35"), ("4.35 %", "4.35"), ("４．３５％", "4.35"), ("４.３５%", "4.35"),
    (" 3.8500% ", "3.8500"), ("2", "2"), ("0.0001%", "0.0001"), ("99.9999", "99.9999"), ("+3.1", "3.1"),
], ids=repr)
def test_rates_as_typed_are_read(text, expected):
    result = parse_rate_as_typed(text)
    assert result == D(expected) and str(result) == expected


@pytest.mark.parametrize("text, reason", [
    ("", "empty"), ("%", "not_a_number"), ("abc", "not_a_number"), ("4,35", "not_a_number"),
    ("4.35%%", "not_a_number"), ("%4.35", "not_a_number"), ("4.35‰", "not_a_number"),
    ("-4.35%", "negative"), ("4.12345", "decimals"), ("4.12345%", "decimals"), ("1e1", "exponent"),
    ("NaN", "not_finite"), ("0", "zero"), ("0.00%", "zero"), ("100", "too_large"), ("１００％", "too_large"),
], ids=repr)
def test_rates_as_typed_refused_with_a_reason(text, reason):
    with pytest.raises(UnreadableNumber) as refusal:
        parse_rate_as_typed(text)
    assert refusal.value.reason == reason


def test_the_strict_parsers_stay_strict():
    """The ledger, CSV and API contracts (SPEC §10) refuse what forms now accept."""
    for text in ("200,000", "20万", "¥200,000.00", "２０００００"):
        with pytest.raises(ValueError):
            parse_amount(text)
    with pytest.raises(ValueError, match="%"):
        parse_rate("4.35%")


# --- properties ----------------------------------------------------------------------------

fens = st.integers(min_value=0, max_value=10**12)  # up to ¥10,000,000,000.00


def _yuan(fen: int) -> Decimal:
    return D(fen).scaleb(-2)


@given(fens)
def test_what_the_app_prints_reads_back(fen):
    d = _yuan(fen)
    assert parse_amount_as_typed(format_yuan(d)) == d
    assert parse_amount_as_typed(format_amount(d)) == d
    assert parse_amount_as_typed(f"￥ {format_amount(d)} 元") == d


@given(fens)
def test_full_width_reads_back(fen):
    d = _yuan(fen)
    assert parse_amount_as_typed(format_yuan(d).translate(FULL_WIDTH)) == d
    assert parse_amount_as_typed(f"{d:f}".translate(FULL_WIDTH) + "元") == d


@given(fens)
def test_ten_thousands_read_back_exactly(fen):
    d = _yuan(fen)
    wan = D(fen).scaleb(-6)  # yuan ÷ 10,000, exact: at most six decimals
    assert parse_amount_as_typed(f"{wan:f}万") == d
    assert parse_amount_as_typed(f"{wan:,f}万元".translate(FULL_WIDTH)) == d


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=0, max_value=2))
def test_the_forgiving_parser_agrees_with_the_strict_one(units, places):
    text = f"{D(units).scaleb(-places):f}"
    assert parse_amount_as_typed(text) == parse_amount(text)


@given(st.integers(min_value=1, max_value=999999))
def test_rates_read_back(ten_thousandths):
    rate = D(ten_thousandths).scaleb(-4)
    for text in (format_rate(rate), f"{format_rate(rate)}%", f"{format_rate(rate)}%".translate(FULL_WIDTH)):
        assert parse_rate_as_typed(text) == rate
