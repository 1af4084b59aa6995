"""Figures and dates in Chinese prose (SPEC §8): headline amounts in 元 / 万元 / 亿元 and
dates as 2026年12月2日. Tables keep ``format_yuan``; English keeps ¥ and ISO dates."""
from datetime import date
from decimal import Decimal

import pytest

from loans.core.dates import chinese_date, chinese_dates_in, quarter_name, quarter_name_lines
from loans.core.money import format_chinese_amount

D = Decimal


@pytest.mark.parametrize("amount, expected", [
    ("0", "0元"),
    ("0.00", "0元"),
    ("0.05", "0.05元"),
    ("1022.20", "1022.2元"),
    ("9999.99", "9999.99元"),          # below 1万: exact, to the fen
    ("10000", "1万元"),
    ("15000", "1.5万元"),
    ("200000.00", "20万元"),
    ("1630000", "163万元"),
    ("1234567.50", "123.46万元"),      # two decimals of 万元: to 100 yuan, half-up
    ("1234549.99", "123.45万元"),
    ("1234550.00", "123.46万元"),
    ("99999999.99", "1亿元"),          # the unit follows the rounded figure
    ("99994999.99", "9999.5万元"),
    ("100000000", "1亿元"),
    ("135409000.00", "1.35亿元"),
    ("135500000", "1.36亿元"),         # two decimals of 亿元: to 1,000,000 yuan, half-up
    ("1234567890123.45", "12345.68亿元"),
    ("-5000", "-5000元"),
    ("-15000", "-1.5万元"),
    ("-0.001", "0元"),                 # rounds to zero: no "-0"
], ids=lambda v: str(v))
def test_headline_amounts_pick_their_unit(amount, expected):
    assert format_chinese_amount(D(amount)) == expected


@pytest.mark.parametrize("amount, expected", [
    ("135409000.00", "13540.9万元"),   # SPEC §8's sentence
    ("1630000.00", "163万元"),
    ("5000", "0.5万元"),
    ("0", "0万元"),
    ("50", "0.01万元"),
    ("1000000000000", "100000000万元"),
], ids=lambda v: str(v))
def test_the_sentence_always_writes_wan_yuan(amount, expected):
    assert format_chinese_amount(D(amount), unit="万元") == expected


@pytest.mark.parametrize("unit, expected", [("元", "135409000元"), ("亿元", "1.35亿元")])
def test_a_unit_may_be_forced(unit, expected):
    assert format_chinese_amount(D("135409000"), unit=unit) == expected


def test_refuses_floats_and_unknown_units():
    with pytest.raises(TypeError):
        format_chinese_amount(1.5)
    with pytest.raises(ValueError):
        format_chinese_amount(D("1"), unit="千元")


@pytest.mark.parametrize("day, expected", [
    (date(2026, 12, 2), "2026年12月2日"),
    (date(2021, 1, 1), "2021年1月1日"),
    (date(2021, 6, 30), "2021年6月30日"),
    (date(2024, 2, 29), "2024年2月29日"),
], ids=str)
def test_chinese_dates_have_no_leading_zeros(day, expected):
    assert chinese_date(day) == expected


@pytest.mark.parametrize("code, zh, en", [
    ("2026Q3", "2026年第三季度", "Q3 2026"),
    ("2021Q1", "2021年第一季度", "Q1 2021"),
    ("2022q2", "2022年第二季度", "Q2 2022"),   # as a URL may spell it
    ("2025Q4", "2025年第四季度", "Q4 2025"),
    ("2021-05", "2021-05", "2021-05"),        # a month (reports): not a quarter, unchanged
    ("2021Q5", "2021Q5", "2021Q5"),
], ids=str)
def test_quarters_in_words(code, zh, en):
    assert quarter_name(code, "zh") == zh and quarter_name(code, "en") == en


def test_quarter_names_on_two_lines_for_a_chart_axis():
    assert quarter_name_lines("2026Q3", "zh") == ("2026年", "第三季度")
    assert quarter_name_lines("2026Q3", "en") == ("Q3", "2026")
    assert quarter_name_lines("2026-07", "zh") == ("2026-07",)
    assert quarter_name(None, "zh") is None


@pytest.mark.parametrize("stored, shown", [
    ("2026-12-02 时年满 36 周岁，在男性劳动年龄 16–59 周岁范围内。", "2026年12月2日时年满 36 周岁，在男性劳动年龄 16–59 周岁范围内。"),
    ("毕业日期 2020-07-01 早于 2021-12-02，高校毕业生须在毕业 5 年内申请。",
     "毕业日期2020年7月1日早于2021年12月2日，高校毕业生须在毕业 5 年内申请。"),
    ("按 HN-2023 审查。", "按 HN-2023 审查。"),     # policy codes are not dates
    ("2026-13-45 不是日期", "2026-13-45 不是日期"),
    ("", ""),
], ids=str)
def test_iso_dates_in_stored_chinese_messages_read_in_prose(stored, shown):
    assert chinese_dates_in(stored) == shown
