"""Programme statistics arithmetic (SPEC §8), table-driven."""
from datetime import date
from decimal import Decimal

import pytest

from loans.core import statistics as stats
from loans.core.statistics import Figures


@pytest.mark.parametrize("loan_type, loans, partners, people, enterprises", [
    ("individual", 3, 3, 3, 0),
    ("partnership", 2, 7, 7, 0),      # a 3-partner and a 4-partner partnership
    ("enterprise", 4, 4, 0, 4),       # enterprises are counted apart, not as people
    ("individual", 0, 0, 0, 0),
])
def test_people_and_enterprises_supported(loan_type, loans, partners, people, enterprises):
    assert stats.people_supported(loan_type, loans, partners) == people
    assert stats.enterprises_supported(loan_type, loans) == enterprises


@pytest.mark.parametrize("function", [
    lambda: stats.people_supported("cooperative", 1, 1), lambda: stats.enterprises_supported("cooperative", 1)])
def test_an_unknown_loan_type_is_refused(function):
    with pytest.raises(ValueError):
        function()


@pytest.mark.parametrize("owners, employees, verified", [
    (None, None, 0),   # never visited
    (1, 0, 1),
    (2, 5, 7),
    (0, 0, 0),
])
def test_jobs_verified(owners, employees, verified):
    assert stats.jobs_verified(owners, employees) == verified


@pytest.mark.parametrize("overdue, outstanding, rate", [
    ("0.00", "0.00", None),                 # nothing outstanding: no rate, not 0 %
    ("0.00", "100000.00", "0.00"),
    ("50000.00", "200000.00", "25.00"),
    ("1.00", "3.00", "33.33"),
    ("2.00", "3.00", "66.67"),
    ("1.00", "8.00", "12.50"),
    ("1.00", "80000.00", "0.00"),           # 0.00125 % rounds half-up to 0.00
    ("1.00", "200.00", "0.50"),             # 0.5 % exactly
    ("1.00", "160.00", "0.63"),             # 0.625 % → half-up 0.63
    ("300.00", "300.00", "100.00"),
])
def test_overdue_rate(overdue, outstanding, rate):
    result = stats.overdue_rate(Decimal(overdue), Decimal(outstanding))
    assert result == (None if rate is None else Decimal(rate))
    if result is not None:
        assert f"{result:.2f}" == rate


def test_overdue_rate_refuses_an_overdue_balance_beyond_the_outstanding():
    with pytest.raises(ValueError):
        stats.overdue_rate(Decimal("2.00"), Decimal("1.00"))


def test_issued_figures_from_grouped_rows():
    rows = [("individual", 5, 5, 12, 4), ("partnership", 2, 5, 9, 3), ("enterprise", 1, 1, 20, 18)]
    figures = stats.issued_figures(rows)
    assert (figures.loans_issued, figures.people_supported, figures.enterprises_supported,
            figures.jobs_declared, figures.jobs_verified) == (8, 10, 1, 41, 25)
    assert figures.amount_issued == Decimal("0.00")


def test_figures_add_and_money_comes_from_fen():
    a = stats.money_figures(amount_issued_fen=20_000_000, outstanding_fen=10_000_000, overdue_fen=2_500_000,
                            subsidy_paid_fen=102_222)
    b = stats.money_figures(amount_issued_fen=1, outstanding_fen=10_000_000)
    total = stats.total([a, b, Figures(loans_issued=2)])
    assert total.amount_issued == Decimal("200000.01")
    assert total.subsidy_paid == Decimal("1022.22")
    assert total.outstanding_balance == Decimal("200000.00")
    assert total.overdue_rate == Decimal("12.50")
    assert total.loans_issued == 2
    assert all(isinstance(getattr(total, name), Decimal)
               for name in ("amount_issued", "subsidy_paid", "outstanding_balance", "overdue_balance"))


def test_figures_as_json():
    figures = Figures(loans_issued=3, amount_issued=Decimal("135409000.00"), people_supported=4,
                      outstanding_balance=Decimal("3.00"), overdue_balance=Decimal("1.00"))
    assert figures.as_json() == {
        "loans_issued": 3, "amount_issued": "135409000.00", "people_supported": 4, "enterprises_supported": 0,
        "jobs_declared": 0, "jobs_verified": 0, "subsidy_paid": "0.00", "outstanding_balance": "3.00",
        "overdue_balance": "1.00", "overdue_rate": "33.33"}
    assert Figures().as_json()["overdue_rate"] is None


@pytest.mark.parametrize("start, end, unit, keys", [
    (date(2021, 1, 1), date(2021, 6, 30), "month",
     ["2021-01", "2021-02", "2021-03", "2021-04", "2021-05", "2021-06"]),
    (date(2021, 1, 1), date(2021, 6, 30), "quarter", ["2021Q1", "2021Q2"]),
    (date(2020, 11, 15), date(2021, 2, 1), "month", ["2020-11", "2020-12", "2021-01", "2021-02"]),
    (date(2020, 12, 31), date(2021, 1, 1), "quarter", ["2020Q4", "2021Q1"]),
    (date(2021, 5, 5), date(2021, 5, 5), "month", ["2021-05"]),
    (date(2021, 3, 31), date(2021, 4, 1), "quarter", ["2021Q1", "2021Q2"]),
])
def test_periods_in_range(start, end, unit, keys):
    assert stats.periods_in_range(start, end, unit) == keys


def test_periods_refuse_bad_input():
    with pytest.raises(ValueError):
        stats.periods_in_range(date(2021, 2, 1), date(2021, 1, 1), "month")
    with pytest.raises(ValueError):
        stats.period_key(2021, 1, "week")


def test_by_period_rolls_months_into_quarters_and_keeps_empty_periods():
    monthly = [(2021, 1, 2, 100), (2021, 3, 1, 50), (2021, 7, 4, 1)]
    assert stats.by_period(date(2021, 1, 1), date(2021, 9, 30), "quarter", monthly) == [
        ("2021Q1", 3, Decimal("1.50")), ("2021Q2", 0, Decimal("0.00")), ("2021Q3", 4, Decimal("0.01"))]
    assert stats.by_period(date(2021, 1, 1), date(2021, 3, 31), "month", monthly[:2]) == [
        ("2021-01", 2, Decimal("1.00")), ("2021-02", 0, Decimal("0.00")), ("2021-03", 1, Decimal("0.50"))]


CHENZHOU = Figures(loans_issued=640, amount_issued=Decimal("135409000.00"), people_supported=666, jobs_declared=3115)


@pytest.mark.parametrize("figures, lang, sentence", [
    (CHENZHOU, "en", "From 2021-01-01 to 2021-06-30, ¥135,409,000.00 of guaranteed loans were issued to support "
                     "666 people to start businesses, which created 3,115 jobs."),
    (CHENZHOU, "zh", "2021年1月1日至2021年6月30日，全市发放创业担保贷款13540.9万元，扶持666人创业，带动就业3115人。"),
    (Figures(loans_issued=1, amount_issued=Decimal("200000"), people_supported=1, jobs_declared=1), "en",
     "From 2021-01-01 to 2021-06-30, ¥200,000.00 of guaranteed loans were issued to support 1 person to start "
     "a business, which created 1 job."),
    (Figures(amount_issued=Decimal("1234567.5"), people_supported=12, enterprises_supported=3,
             jobs_declared=1002),
     "en", "From 2021-01-01 to 2021-06-30, ¥1,234,567.50 of guaranteed loans were issued to support 12 people to "
           "start businesses and 3 small or micro enterprises, which created 1,002 jobs."),
    (Figures(amount_issued=Decimal("1234567.5"), people_supported=12, enterprises_supported=1,
             jobs_declared=1002),
     "zh", "2021年1月1日至2021年6月30日，全市发放创业担保贷款123.46万元，扶持12人创业、小微企业1家，"
           "带动就业1002人。"),
    (Figures(), "zh", "2021年1月1日至2021年6月30日，全市发放创业担保贷款0万元，扶持0人创业，带动就业0人。"),
    (Figures(), "en", "From 2021-01-01 to 2021-06-30, ¥0.00 of guaranteed loans were issued to support 0 people "
                      "to start businesses, which created 0 jobs."),
])
def test_summary_sentence(figures, lang, sentence):
    assert stats.summary_sentence(date(2021, 1, 1), date(2021, 6, 30), figures, lang) == sentence


def test_the_chinese_sentence_names_the_district_it_covers():
    sentence = stats.summary_sentence(date(2026, 1, 1), date(2026, 12, 2), CHENZHOU, "zh", place="北湖区")
    assert sentence == "2026年1月1日至2026年12月2日，北湖区发放创业担保贷款13540.9万元，扶持666人创业，带动就业3115人。"
    assert stats.summary_sentence(date(2026, 1, 1), date(2026, 12, 2), CHENZHOU, "en", place="Beihu District") \
        == stats.summary_sentence(date(2026, 1, 1), date(2026, 12, 2), CHENZHOU, "en")


def test_summary_sentence_uses_declared_jobs_not_verified():
    figures = Figures(people_supported=2, jobs_declared=9, jobs_verified=4)
    assert "9 jobs" in stats.summary_sentence(date(2021, 1, 1), date(2021, 1, 31), figures, "en")


def test_summary_sentence_refuses_an_unknown_language():
    with pytest.raises(ValueError):
        stats.summary_sentence(date(2021, 1, 1), date(2021, 1, 31), Figures(), "fr")
