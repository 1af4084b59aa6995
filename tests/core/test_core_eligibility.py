import json
import re
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loans.core import resident_id
from loans.core.eligibility import (
    RULES,
    ApplicationFacts,
    EligibilityResult,
    PersonFacts,
    evaluate,
    to_dict,
)
from loans.core.policy import KEY_GROUPS_BY_CODE, SEED_DISTRICTS, SEED_POLICIES, policy_in_force

D = Decimal
ON = date(2021, 6, 1)
SERVED = frozenset(d.code for d in SEED_DISTRICTS)
GROUPS = frozenset(KEY_GROUPS_BY_CODE)
ENTERPRISE_NA = {"E01", "E02", "E03", "E07", "E12", "E13"}


def person(**changes) -> PersonFacts:
    base = PersonFacts(birth_date=date(1990, 3, 15), sex="male", key_groups=("urban_unemployed",))
    return replace(base, **changes)


def application(**changes) -> ApplicationFacts:
    base = ApplicationFacts(loan_type="individual", amount=D("200000"), term_months=36,
                            district_code="431002")
    if changes.get("loan_type") == "enterprise":
        base = replace(base, amount=D("1000000"), term_months=24, staff=50,
                       new_key_group_hires=10)
    return replace(base, **changes)


def run(p: PersonFacts | None = None, a: ApplicationFacts | None = None, on: date = ON,
        groups: frozenset[str] = GROUPS) -> EligibilityResult:
    policy = policy_in_force(SEED_POLICIES, on)
    return evaluate(p or person(), a or application(), policy, on, SERVED, groups)


def results(result: EligibilityResult) -> dict[str, str]:
    return {rule.id: rule.result for rule in result.rules}


# --- the §10 pre-check example ------------------------------------------------------

def test_precheck_example():
    number = "431003199408081555"
    p = PersonFacts(birth_date=resident_id.birth_date(number), sex=resident_id.sex(number),
                    key_groups=("graduate",), graduation_date=date(2018, 7, 1))
    a = ApplicationFacts(loan_type="individual", amount=D("200000"), term_months=36,
                         district_code="431003")
    result = run(p, a)
    body = to_dict(result, "en")
    assert body["eligible"] is True
    assert body["policy"] == "HN-2021"
    assert body["max_amount"] == "200000.00"
    assert body["max_term_months"] == 36
    assert [r["id"] for r in body["rules"]] == [rule_id for rule_id, _ in RULES]
    assert [r["name"] for r in body["rules"]] == [name for _, name in RULES]
    assert {r["id"]: r["result"] for r in body["rules"]} == {
        "E01": "pass", "E02": "pass", "E03": "pass", "E04": "pass", "E05": "pass",
        "E06": "pass", "E07": "pass", "E08": "needs_evidence", "E09": "pass",
        "E10": "not_applicable", "E11": "not_applicable", "E12": "needs_evidence",
        "E13": "not_applicable", "E14": "not_applicable"}
    for rule in body["rules"]:
        assert set(rule) == {"id", "name", "result", "message", "clause"}
        assert rule["message"] and "HN-2021" in rule["clause"]
    json.dumps(body)  # serialisable as is


def test_messages_follow_the_language():
    result = run()
    zh = to_dict(result, "zh")["rules"]
    en = to_dict(result, "en")["rules"]
    assert zh[1]["message"] == result.rules[1].message_zh != en[1]["message"]
    assert "周岁" in zh[1]["message"]


def test_rule_table_names():
    assert RULES == (
        ("E01", "key_group"), ("E02", "age"), ("E03", "graduate_window"), ("E04", "amount"),
        ("E05", "term"), ("E06", "loan_history"), ("E07", "other_loans"), ("E08", "credit"),
        ("E09", "place"), ("E10", "hiring"), ("E11", "compliance"), ("E12", "not_employed"),
        ("E13", "partners"), ("E14", "duplicate"))


# --- E02 age ------------------------------------------------------------------------

@pytest.mark.parametrize("birth, sex, on, expected", [
    (date(2005, 6, 2), "male", ON, "fail"),
    (date(2005, 6, 1), "male", ON, "pass"),
    (date(2005, 6, 1), "female", ON, "pass"),
    (date(1961, 6, 2), "male", ON, "pass"),
    (date(1961, 6, 1), "male", ON, "fail"),
    (date(1966, 6, 2), "female", ON, "pass"),
    (date(1966, 6, 1), "female", ON, "fail"),
    (date(1964, 2, 29), "female", date(2019, 2, 28), "pass"),
    (date(1964, 2, 29), "female", date(2019, 3, 1), "fail"),
    (date(2030, 1, 1), "male", ON, "fail"),
    (date(1990, 1, 1), "unknown", ON, "fail"),
], ids=["day-before-16th-birthday", "16th-birthday", "16th-birthday-woman",
        "day-before-60th-birthday-man", "60th-birthday-man", "day-before-55th-birthday-woman",
        "55th-birthday-woman", "leapling-woman-feb28-common-year", "leapling-woman-mar1",
        "born-after-application", "sex-unknown"])
def test_age(birth, sex, on, expected):
    result = run(person(birth_date=birth, sex=sex), application(amount=D("100000")), on=on)
    assert results(result)["E02"] == expected
    assert result.eligible is (expected == "pass")


def test_age_message():
    rule = run(person(birth_date=date(1960, 1, 1))).rule("E02")
    assert rule.message_en == "Age 61 on 2021-06-01 is outside the working age 16–59 for men."
    assert "61" in rule.message_zh and "男性" in rule.message_zh


@pytest.mark.parametrize("p, on, rule_id, zh, en", [
    (person(birth_date=date(1990, 12, 2)), date(2026, 12, 2), "E02",
     "2026年12月2日时年满 36 周岁", "Age 36 on 2026-12-02"),
    (person(birth_date=date(2027, 1, 5)), date(2026, 12, 2), "E02",
     "出生日期2027年1月5日晚于申请日期2026年12月2日", "The birth date 2027-01-05 is after the application date 2026-12-02"),
    (person(key_groups=("graduate",), graduation_date=date(2020, 7, 1)), date(2026, 12, 2), "E03",
     "毕业日期2020年7月1日早于2021年12月2日", "Graduated on 2020-07-01, before 2021-12-02"),
    (person(key_groups=("graduate",), graduation_date=date(2023, 6, 30)), date(2026, 12, 2), "E03",
     "毕业日期2023年6月30日不早于2021年12月2日", "Graduated on 2023-06-30, on or after 2021-12-02"),
    (person(key_groups=("graduate",), graduation_date=date(2027, 6, 30)), date(2026, 12, 2), "E03",
     "毕业日期2027年6月30日晚于申请日期2026年12月2日", "The graduation date 2027-06-30 is after the application date"),
], ids=["age", "born-after", "graduated-too-early", "graduated-in-window", "graduated-after"])
def test_chinese_messages_write_dates_in_prose_english_keeps_iso(p, on, rule_id, zh, en):
    rule = run(p, on=on).rule(rule_id)
    assert zh in rule.message_zh and en in rule.message_en
    assert not re.search(r"\d{4}-\d{2}-\d{2}", rule.message_zh)


# --- E01 key group and E03 graduate window -----------------------------------------

@pytest.mark.parametrize("groups, graduated, e01, e03", [
    (("graduate",), date(2016, 6, 1), "pass", "pass"),
    (("graduate",), date(2016, 5, 31), "fail", "fail"),
    (("graduate",), date(2021, 6, 1), "pass", "pass"),
    (("graduate",), date(2021, 6, 2), "fail", "fail"),
    (("graduate",), None, "fail", "fail"),
    (("graduate", "veteran"), date(2010, 7, 1), "pass", "not_applicable"),
    (("veteran", "graduate"), date(2018, 7, 1), "pass", "not_applicable"),
    (("veteran",), None, "pass", "not_applicable"),
    (("graduate", "no_such_group"), date(2010, 7, 1), "fail", "fail"),
], ids=["same-date-5-years-before", "day-before-window", "graduated-on-application-date",
        "graduates-after-application", "no-graduation-date", "other-group-passes",
        "other-group-and-inside", "graduate-not-claimed", "unknown-other-group"])
def test_key_group_and_graduate_window(groups, graduated, e01, e03):
    result = run(person(key_groups=groups, graduation_date=graduated))
    assert (results(result)["E01"], results(result)["E03"]) == (e01, e03)


@pytest.mark.parametrize("graduated, expected", [
    (date(2019, 2, 28), "pass"), (date(2019, 2, 27), "fail")])
def test_graduate_window_from_a_leap_day(graduated, expected):
    result = run(person(key_groups=("graduate",), graduation_date=graduated), on=date(2024, 2, 29))
    assert results(result)["E03"] == expected == results(result)["E01"]


@pytest.mark.parametrize("groups, expected", [
    ((), "fail"),
    (("no_such_group",), "fail"),
    (("no_such_group", "veteran"), "pass"),
    (("retired_fisherman",), "pass"),
], ids=["none-claimed", "unknown-only", "unknown-and-known", "local-group"])
def test_key_group(groups, expected):
    assert results(run(person(key_groups=groups)))["E01"] == expected


def test_key_group_must_be_a_group_of_the_policy():
    result = run(person(key_groups=("retired_fisherman",)), groups=GROUPS - {"retired_fisherman"})
    assert results(result)["E01"] == "fail"


def test_key_group_pass_names_the_evidence():
    rule = run(person(key_groups=("urban_unemployed",))).rule("E01")
    assert "就业创业证" in rule.message_zh and "Employment and Entrepreneurship Certificate" in (
        rule.message_en)


# --- E04 amount and E05 term --------------------------------------------------------

@pytest.mark.parametrize("on, loan_type, amount, partners, policy, expected", [
    (date(2019, 1, 1), "individual", "150000", 1, "HN-2018", "pass"),
    (date(2019, 1, 1), "individual", "150000.01", 1, "HN-2018", "fail"),
    (date(2020, 4, 14), "individual", "200000", 1, "HN-2018", "fail"),
    (date(2020, 4, 15), "individual", "200000", 1, "HN-2020", "pass"),
    (date(2020, 4, 15), "individual", "200000.01", 1, "HN-2020", "fail"),
    (date(2023, 9, 30), "individual", "300000", 1, "HN-2021", "fail"),
    (date(2023, 10, 1), "individual", "300000", 1, "HN-2023", "pass"),
    (date(2023, 10, 1), "individual", "300000.01", 1, "HN-2023", "fail"),
    (ON, "individual", "0", 1, "HN-2021", "fail"),
    (ON, "individual", "-100", 1, "HN-2021", "fail"),
    (ON, "individual", "0.01", 1, "HN-2021", "pass"),
    (ON, "partnership", "440000", 2, "HN-2021", "pass"),
    (ON, "partnership", "440000.01", 2, "HN-2021", "fail"),
    (ON, "partnership", "1100000", 6, "HN-2021", "pass"),
    (ON, "partnership", "1100000.01", 6, "HN-2021", "fail"),
    (date(2024, 1, 1), "partnership", "1980000", 6, "HN-2023", "pass"),
    (date(2024, 1, 1), "partnership", "1980000.01", 6, "HN-2023", "fail"),
    (ON, "enterprise", "3000000", 1, "HN-2021", "pass"),
    (ON, "enterprise", "3000000.01", 1, "HN-2021", "fail"),
    (date(2024, 1, 1), "enterprise", "4000000", 1, "HN-2023", "pass"),
    (date(2024, 1, 1), "enterprise", "4000000.01", 1, "HN-2023", "fail"),
], ids=lambda v: str(v))
def test_amount(on, loan_type, amount, partners, policy, expected):
    a = application(loan_type=loan_type, amount=D(amount), partners_count=partners)
    result = run(a=a, on=on)
    assert result.policy_code == policy
    assert results(result)["E04"] == expected


@pytest.mark.parametrize("partners, cap", [(2, "440000.00"), (5, "1100000.00"), (6, "1100000.00")])
def test_partnership_max_amount_is_capped(partners, cap):
    result = run(a=application(loan_type="partnership", partners_count=partners))
    assert result.max_amount == D(cap) and to_dict(result, "en")["max_amount"] == cap


def test_amount_message_explains_the_partnership_cap():
    a = application(loan_type="partnership", partners_count=6, amount=D("1320000"))
    rule = run(a=a).rule("E04")
    assert rule.result == "fail"
    assert "¥1,320,000.00" in rule.message_en and "¥1,100,000.00" in rule.message_en
    assert "110 % × 6 × ¥200,000.00" in rule.message_en


@pytest.mark.parametrize("loan_type, months, expected", [
    ("individual", 0, "fail"), ("individual", 1, "pass"), ("individual", 36, "pass"),
    ("individual", 37, "fail"), ("partnership", 36, "pass"), ("partnership", 37, "fail"),
    ("enterprise", 24, "pass"), ("enterprise", 25, "fail"), ("individual", -3, "fail"),
])
def test_term(loan_type, months, expected):
    a = application(loan_type=loan_type, term_months=months, partners_count=2)
    result = run(a=a)
    assert results(result)["E05"] == expected
    assert result.max_term_months == (24 if loan_type == "enterprise" else 36)


# --- E06 loan history, E07 other loans ----------------------------------------------

@pytest.mark.parametrize("loan_type", ["individual", "enterprise"])
@pytest.mark.parametrize("prior, overdue, expected", [
    (0, False, "pass"), (2, False, "pass"), (3, False, "fail"), (0, True, "fail"),
    (2, True, "fail"), (-1, False, "fail"),
], ids=["none", "two", "three", "earlier-overdue", "two-and-overdue", "negative"])
def test_loan_history(loan_type, prior, overdue, expected):
    p = person(prior_subsidized_loans=prior, prior_overdue=overdue)
    assert results(run(p, application(loan_type=loan_type)))["E06"] == expected


@pytest.mark.parametrize("loan_type, other, expected", [
    ("individual", False, "pass"), ("individual", True, "fail"),
    ("partnership", True, "fail"), ("enterprise", True, "not_applicable"),
])
def test_other_loans(loan_type, other, expected):
    result = run(person(other_loans=other), application(loan_type=loan_type, partners_count=2))
    assert results(result)["E07"] == expected


# --- E08, E11, E12: officer-recorded evidence ---------------------------------------

@pytest.mark.parametrize("rule_id, loan_type, evidence, expected", [
    ("E08", "individual", None, "needs_evidence"),
    ("E08", "individual", True, "pass"),
    ("E08", "individual", False, "fail"),
    ("E08", "enterprise", None, "needs_evidence"),
    ("E08", "enterprise", False, "fail"),
    ("E11", "enterprise", None, "needs_evidence"),
    ("E11", "enterprise", True, "pass"),
    ("E11", "enterprise", False, "fail"),
    ("E11", "individual", None, "not_applicable"),
    ("E11", "individual", False, "not_applicable"),
    ("E12", "individual", None, "needs_evidence"),
    ("E12", "partnership", True, "pass"),
    ("E12", "individual", False, "fail"),
    ("E12", "enterprise", None, "not_applicable"),
], ids=lambda v: str(v))
def test_evidence_rules(rule_id, loan_type, evidence, expected):
    recorded = {} if evidence is None else {rule_id: evidence}
    result = run(a=application(loan_type=loan_type, partners_count=2, evidence=recorded))
    assert results(result)[rule_id] == expected
    assert result.eligible is (expected != "fail")


def test_needs_evidence_says_what_to_bring():
    rule = run().rule("E08")
    assert rule.message_en.startswith("Bring") and "信用报告" in rule.message_zh


# --- E09 place ----------------------------------------------------------------------

@pytest.mark.parametrize("district, expected", [
    ("431002", "pass"), ("431028", "pass"), ("430102", "fail"), ("", "fail")])
def test_place(district, expected):
    assert results(run(a=application(district_code=district)))["E09"] == expected


# --- E10 hiring ---------------------------------------------------------------------

@pytest.mark.parametrize("on, staff, hires, expected", [
    (ON, 100, 15, "pass"),
    (ON, 100, 14, "fail"),
    (ON, 101, 9, "pass"),      # 8 % × 101 = 8.08
    (ON, 101, 8, "fail"),
    (date(2019, 1, 1), 100, 20, "pass"),
    (date(2019, 1, 1), 100, 19, "fail"),
    (date(2019, 1, 1), 101, 11, "pass"),  # 10 % × 101 = 10.1
    (date(2019, 1, 1), 101, 10, "fail"),
    (date(2024, 1, 1), 100, 10, "pass"),
    (date(2024, 1, 1), 101, 6, "pass"),   # 5 % × 101 = 5.05
    (date(2024, 1, 1), 101, 5, "fail"),
    (ON, 0, 0, "pass"),
    (ON, None, 5, "fail"),
    (ON, 20, None, "fail"),
    (ON, -1, 5, "fail"),
], ids=lambda v: str(v))
def test_hiring(on, staff, hires, expected):
    a = application(loan_type="enterprise", staff=staff, new_key_group_hires=hires)
    assert results(run(a=a, on=on))["E10"] == expected


def test_hiring_needs_the_numbers():
    rule = run(a=application(loan_type="enterprise", staff=None)).rule("E10")
    assert rule.result == "fail" and "needed" in rule.message_en


@pytest.mark.parametrize("loan_type", ["individual", "partnership"])
def test_hiring_only_for_enterprises(loan_type):
    a = application(loan_type=loan_type, partners_count=2)
    assert results(run(a=a))["E10"] == "not_applicable"


# --- E13 partners -------------------------------------------------------------------

GOOD_PARTNER = person(birth_date=date(1985, 1, 1), sex="female", key_groups=("veteran",))


@pytest.mark.parametrize("count, partners, expected", [
    (1, None, "fail"),
    (0, None, "fail"),
    (2, None, "pass"),
    (2, (GOOD_PARTNER,), "pass"),
    (3, (GOOD_PARTNER, GOOD_PARTNER), "pass"),
    (3, (GOOD_PARTNER,), "fail"),
    (2, (replace(GOOD_PARTNER, birth_date=date(1960, 1, 1)),), "fail"),
    (2, (replace(GOOD_PARTNER, key_groups=()),), "fail"),
    (2, (replace(GOOD_PARTNER, key_groups=("graduate",), graduation_date=date(2010, 7, 1)),),
     "fail"),
    (2, (replace(GOOD_PARTNER, prior_subsidized_loans=3),), "fail"),
    (2, (replace(GOOD_PARTNER, prior_overdue=True),), "fail"),
    (2, (replace(GOOD_PARTNER, other_loans=True),), "fail"),
], ids=["one-person", "zero", "two-no-details", "two-good", "three-good", "details-missing",
        "partner-too-old", "partner-no-group", "partner-graduate-outside-window",
        "partner-three-loans", "partner-overdue", "partner-other-loans"])
def test_partners(count, partners, expected):
    a = application(loan_type="partnership", partners_count=count, partners=partners,
                    amount=D("100000"))
    assert results(run(a=a))["E13"] == expected


def test_partner_failure_names_the_partner_and_rule():
    a = application(loan_type="partnership", partners_count=2,
                    partners=(replace(GOOD_PARTNER, birth_date=date(1960, 1, 1)),))
    rule = run(a=a).rule("E13")
    assert "Partner 2, age: Age 61" in rule.message_en and "合伙人 2" in rule.message_zh


@pytest.mark.parametrize("loan_type", ["individual", "enterprise"])
def test_partners_not_applicable(loan_type):
    assert results(run(a=application(loan_type=loan_type)))["E13"] == "not_applicable"


# --- E14 duplicate ------------------------------------------------------------------

@pytest.mark.parametrize("duplicate, expected", [
    (None, "not_applicable"), (False, "pass"), (True, "fail")])
@pytest.mark.parametrize("loan_type", ["individual", "enterprise"])
def test_duplicate(loan_type, duplicate, expected):
    result = run(a=application(loan_type=loan_type, duplicate=duplicate))
    assert results(result)["E14"] == expected


# --- applicability and robustness ---------------------------------------------------

def test_enterprise_applicability():
    p = person(key_groups=(), birth_date=date(1940, 1, 1), other_loans=True)
    result = run(p, application(loan_type="enterprise"))
    assert {rule_id for rule_id, r in results(result).items() if r == "not_applicable"} == (
        ENTERPRISE_NA | {"E14"})
    assert results(result)["E10"] == "pass" and results(result)["E11"] == "needs_evidence"
    assert result.eligible and result.max_amount == D("3000000.00")


def test_individual_applicability():
    assert {rule_id for rule_id, r in results(run()).items() if r == "not_applicable"} == {
        "E03", "E10", "E11", "E13", "E14"}


def test_unknown_loan_type_fails_amount_and_term():
    result = run(a=application(loan_type="household"))
    assert results(result)["E04"] == results(result)["E05"] == "fail"
    assert result.max_amount == 0 and result.max_term_months == 0 and not result.eligible


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-Infinity", "1E+30", "0.001"])
def test_odd_amounts_do_not_raise(amount):
    result = run(a=application(amount=D(amount)))
    assert results(result)["E04"] == ("pass" if amount == "0.001" else "fail")


def test_eligible_means_no_failure():
    result = run(person(prior_overdue=True))
    assert not result.eligible and [r.id for r in result.failed] == ["E06"]


persons = st.builds(
    PersonFacts,
    birth_date=st.dates(date(1900, 1, 1), date(2100, 12, 31)),
    sex=st.sampled_from(["male", "female", "", "x"]),
    key_groups=st.lists(st.sampled_from(sorted(GROUPS) + ["bogus"]), max_size=4).map(tuple),
    graduation_date=st.none() | st.dates(date(1900, 1, 1), date(2100, 12, 31)),
    prior_subsidized_loans=st.integers(-5, 10),
    prior_overdue=st.booleans(),
    other_loans=st.booleans(),
)
applications = st.builds(
    ApplicationFacts,
    loan_type=st.sampled_from(["individual", "partnership", "enterprise", "other"]),
    amount=st.decimals(allow_nan=True, allow_infinity=True) | st.decimals(-1, 10**8, places=2),
    term_months=st.integers(-100, 10**6),
    district_code=st.sampled_from(sorted(SERVED) + ["", "110101"]),
    partners_count=st.integers(0, 20),
    partners=st.none() | st.lists(persons, max_size=4).map(tuple),
    staff=st.none() | st.integers(-5, 10**6),
    new_key_group_hires=st.none() | st.integers(-5, 10**6),
    duplicate=st.none() | st.booleans(),
    evidence=st.dictionaries(st.sampled_from(["E01", "E08", "E11", "E12", "E99"]), st.booleans()),
)


@settings(deadline=None)
@given(p=persons, a=applications, on=st.dates(date(1900, 1, 1), date(2100, 12, 31)),
       policy=st.sampled_from(SEED_POLICIES), lang=st.sampled_from(["en", "zh"]))
def test_evaluate_never_raises(p, a, on, policy, lang):
    result = evaluate(p, a, policy, on, SERVED, GROUPS)
    assert [rule.id for rule in result.rules] == [rule_id for rule_id, _ in RULES]
    assert all(rule.result in {"pass", "fail", "needs_evidence", "not_applicable"}
               for rule in result.rules)
    assert result.eligible is all(rule.result != "fail" for rule in result.rules)
    assert all(rule.message_en and rule.message_zh and rule.clause for rule in result.rules)
    json.dumps(to_dict(result, lang), ensure_ascii=False)
