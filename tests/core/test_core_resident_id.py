from datetime import date

import pytest
from stdnum.iso7064 import mod_11_2

from loans.core import resident_id as rid
from loans.core.resident_id import InvalidCreditCode, InvalidResidentId

TODAY = date(2025, 6, 1)


def with_check(first17: str) -> str:
    """An ID with a correct check character, computed by python-stdnum."""
    return first17 + mod_11_2.calc_check_digit(first17)


BORN_1970_BEIHU = with_check("43100219700101123")
BORN_TODAY = with_check("43100220250601123")
BORN_TOMORROW = with_check("43100220250602123")
FEB_30 = with_check("43100219900230111")
MONTH_13 = with_check("43100219901301111")
UNKNOWN_REGION = with_check("99999919900315111")
HUNAN_GAP = with_check("43109919900315111")
FORMER_CODE = with_check("43040219800101111")  # 江东区 [1983-2001], abolished


@pytest.mark.parametrize("number", [
    "431002199003151117",
    "43100319950820222X",
    "431081198712013332",
    "431003199408081555",
    BORN_1970_BEIHU,
    BORN_TODAY,
    FORMER_CODE,
    " 43100319950820222x ",
], ids=["beihu-1990", "suxian-X", "zixing-1987", "suxian-1994", "beihu-1970-before-4310xx",
        "born-today", "abolished-code", "blanks-lowercase-x"])
def test_valid_ids(number):
    assert rid.validate(number, TODAY) == number.strip().upper()
    assert rid.is_valid(number, TODAY)


@pytest.mark.parametrize("number, reason", [
    ("431002199003151118", "checksum"),
    ("43100219900315111", "length"),
    ("4310021990031511170", "length"),
    ("", "length"),
    ("43100219900315111Y", "format"),
    ("4310021990031511X7", "format"),
    ("43100219900315111７", "format"),
    (FEB_30, "birth_date"),
    (MONTH_13, "birth_date"),
    (BORN_TOMORROW, "future_birth_date"),
    (UNKNOWN_REGION, "region"),
    (HUNAN_GAP, "region"),
], ids=["wrong-check", "17-chars", "19-chars", "empty", "bad-check-char", "x-inside",
        "fullwidth-digit", "feb-30", "month-13", "born-tomorrow", "region-999999",
        "region-431099"])
def test_invalid_ids(number, reason):
    with pytest.raises(InvalidResidentId) as excinfo:
        rid.validate(number, TODAY)
    assert excinfo.value.reason == reason
    assert isinstance(excinfo.value, ValueError) and str(excinfo.value)
    assert not rid.is_valid(number, TODAY)


def test_the_1970_id_is_one_stdnum_ric_refuses():
    from stdnum.cn import ric

    assert not ric.is_valid(BORN_1970_BEIHU)
    assert rid.is_valid(BORN_1970_BEIHU, TODAY)


@pytest.mark.parametrize("number, born, sex", [
    ("431002199003151117", date(1990, 3, 15), "male"),
    ("43100319950820222X", date(1995, 8, 20), "female"),
    ("431003199408081555", date(1994, 8, 8), "male"),
    ("431081198712013332", date(1987, 12, 1), "male"),
])
def test_birth_date_sex_region(number, born, sex):
    assert rid.birth_date(number) == born
    assert rid.sex(number) == sex
    assert rid.region_code(number) == number[:6]


@pytest.mark.parametrize("number, masked", [
    ("431002199003151117", "431002********1117"),
    ("43100319950820222x", "431003********222X"),
])
def test_mask(number, masked):
    assert rid.mask(number) == masked


@pytest.mark.parametrize("mobile, masked", [
    ("13812345678", "138****5678"), (" 13812345678 ", "138****5678"), ("123", "***"),
])
def test_mask_mobile(mobile, masked):
    assert rid.mask_mobile(mobile) == masked


@pytest.mark.parametrize("mobile, ok", [
    ("13812345678", True), ("19912345678", True), ("12812345678", False),
    ("1381234567", False), ("138123456789", False), ("1381234567a", False),
    ("23812345678", False), ("", False),
])
def test_valid_mobile(mobile, ok):
    assert rid.valid_mobile(mobile) is ok


@pytest.mark.parametrize("birth, on, age", [
    (date(2005, 6, 1), date(2021, 5, 31), 15),
    (date(2005, 6, 1), date(2021, 6, 1), 16),
    (date(1961, 6, 1), date(2021, 5, 31), 59),
    (date(1961, 6, 1), date(2021, 6, 1), 60),
    (date(2000, 2, 29), date(2016, 2, 28), 15),
    (date(2000, 2, 29), date(2016, 2, 29), 16),
    (date(2000, 2, 29), date(2017, 2, 28), 16),
    (date(2000, 2, 29), date(2018, 2, 28), 17),
    (date(2000, 2, 29), date(2018, 3, 1), 18),
], ids=["day-before-16", "16th-birthday", "day-before-60", "60th-birthday",
        "leapling-day-before-leap-birthday", "leapling-on-leap-birthday",
        "leapling-feb28-common-year-not-yet", "leapling-feb28-still-17",
        "leapling-reached-on-mar1"])
def test_age_on(birth, on, age):
    assert rid.age_on(birth, on) == age


@pytest.mark.parametrize("d, n, expected", [
    (date(2021, 6, 1), -5, date(2016, 6, 1)),
    (date(2024, 2, 29), -5, date(2019, 2, 28)),
    (date(2024, 2, 29), 4, date(2028, 2, 29)),
    (date(2020, 2, 29), 1, date(2021, 2, 28)),
])
def test_add_years(d, n, expected):
    assert rid.add_years(d, n) == expected


@pytest.mark.parametrize("code", ["91110000600037341L", " 91110000600037341L "])
def test_valid_credit_code(code):
    assert rid.validate_credit_code(code) == "91110000600037341L"


@pytest.mark.parametrize("code", ["91110000600037341X", "9111000060003734", "", "ABC"])
def test_invalid_credit_code(code):
    with pytest.raises(InvalidCreditCode):
        rid.validate_credit_code(code)
