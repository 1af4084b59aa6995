from datetime import date
from decimal import Decimal

import pytest

from loans.core.money import format_rate
from loans.core.policy import (
    LOAN_TYPES,
    SEED_BANKS,
    SEED_DISTRICTS,
    SEED_KEY_GROUPS,
    SEED_LPR,
    SEED_POLICIES,
    borrower_rate_rule,
    cap_bp,
    effective_rate,
    hire_share_pct,
    lpr_on,
    max_amount,
    max_term,
    policy_in_force,
    rate_ceiling,
    subsidy_rate,
    validity_end,
)

D = Decimal
POLICY = {p.code: p for p in SEED_POLICIES}


@pytest.mark.parametrize("on, code", [
    (date(2018, 11, 15), None),
    (date(2018, 11, 16), "HN-2018"),
    (date(2020, 4, 14), "HN-2018"),
    (date(2020, 4, 15), "HN-2020"),
    (date(2020, 12, 31), "HN-2020"),
    (date(2021, 1, 1), "HN-2021"),
    (date(2023, 9, 30), "HN-2021"),
    (date(2023, 10, 1), "HN-2023"),
    (date(2030, 1, 1), "HN-2023"),
], ids=lambda v: str(v))
def test_policy_in_force(on, code):
    policy = policy_in_force(SEED_POLICIES, on)
    assert (policy.code if policy else None) == code


def test_policy_in_force_ignores_order():
    assert policy_in_force(reversed(SEED_POLICIES), date(2021, 6, 1)).code == "HN-2021"


@pytest.mark.parametrize("on, rate", [
    (date(2019, 8, 19), None),
    (date(2019, 8, 20), "4.25"),
    (date(2020, 4, 19), "4.05"),
    (date(2020, 4, 20), "3.85"),
    (date(2021, 6, 10), "3.85"),
    (date(2021, 12, 10), "3.85"),
    (date(2021, 12, 19), "3.85"),
    (date(2021, 12, 20), "3.80"),
    (date(2025, 6, 10), "3.00"),
], ids=lambda v: str(v))
def test_lpr_on(on, rate):
    assert lpr_on(SEED_LPR, on) == (D(rate) if rate else None)


def test_seed_table_values():
    p18, p20, p21, p23 = (POLICY[c] for c in ("HN-2018", "HN-2020", "HN-2021", "HN-2023"))
    assert [p.effective_from for p in SEED_POLICIES] == [
        date(2018, 11, 16), date(2020, 4, 15), date(2021, 1, 1), date(2023, 10, 1)]
    assert (p18.regime_individual, p18.regime_enterprise, p18.regime_enterprise_value) == (
        "full", "lpr_share", 50)
    assert (p20.regime_individual, p20.regime_enterprise) == ("full", "lpr_share")
    assert (p21.regime_individual, p21.regime_individual_value) == ("lpr_margin", 150)
    assert (p21.regime_enterprise, p21.regime_enterprise_value) == ("lpr_margin", 150)
    assert (p23.regime_individual, p23.regime_individual_value) == ("rate_share", 50)
    assert (p23.regime_enterprise, p23.regime_enterprise_value) == ("rate_share", 50)
    assert [(p.cap_standard_bp, p.cap_former_poverty_bp) for p in SEED_POLICIES] == [
        (300, 300), (300, 300), (150, 250), (150, 250)]
    assert [p.individual_max for p in SEED_POLICIES] == [150000, 200000, 200000, 300000]
    assert [p.partnership_max for p in SEED_POLICIES] == [1100000, 1100000, 1100000, 4000000]
    assert [p.enterprise_max for p in SEED_POLICIES] == [3000000, 3000000, 3000000, 4000000]
    assert [(p.hire_share_small_pct, p.hire_share_large_pct) for p in SEED_POLICIES] == [
        (20, 10), (15, 8), (15, 8), (10, 5)]
    for p in SEED_POLICIES:
        assert (p.max_term_individual, p.max_term_enterprise, p.graduate_window_years,
                p.working_age_min, p.retirement_age_male, p.retirement_age_female,
                p.lifetime_loans, p.consumer_loan_allowed_max, p.day_basis,
                p.approval_validity_days, p.partnership_factor_pct,
                p.hire_staff_threshold) == (36, 24, 5, 16, 60, 55, 3, 50000, 360, 90, 110, 100)
        for value in (p.regime_individual_value, p.individual_max, p.partnership_max,
                      p.enterprise_max, p.hire_share_small_pct):
            assert isinstance(value, Decimal)


def test_seed_reference_data():
    assert len(SEED_DISTRICTS) == 11
    assert {d.code for d in SEED_DISTRICTS if d.cap_class == "former_poverty"} == {
        "431022", "431026", "431027", "431028"}
    assert [b.code for b in SEED_BANKS] == ["ICBC-CZ", "ABC-CZ", "CZRCB", "PSBC-CZ"]
    assert len(SEED_KEY_GROUPS) == 12
    assert {g.code for g in SEED_KEY_GROUPS if g.sensitive} == {
        "disabled", "released_prisoner", "poverty_alleviated"}
    for group in SEED_KEY_GROUPS:
        assert all(group[:5]), group
    assert len(SEED_LPR) == 13 and list(SEED_LPR) == sorted(SEED_LPR)


@pytest.mark.parametrize("code, loan_type, partners, expected", [
    ("HN-2018", "individual", 1, "150000"),
    ("HN-2020", "individual", 1, "200000"),
    ("HN-2021", "individual", 1, "200000"),
    ("HN-2023", "individual", 1, "300000"),
    ("HN-2021", "partnership", 2, "440000"),
    ("HN-2021", "partnership", 5, "1100000"),
    ("HN-2021", "partnership", 6, "1100000"),
    ("HN-2018", "partnership", 3, "495000"),
    ("HN-2023", "partnership", 6, "1980000"),
    ("HN-2023", "partnership", 13, "4000000"),
    ("HN-2023", "partnership", 0, "0"),
    ("HN-2018", "enterprise", 1, "3000000"),
    ("HN-2023", "enterprise", 1, "4000000"),
], ids=lambda v: str(v))
def test_max_amount(code, loan_type, partners, expected):
    result = max_amount(POLICY[code], loan_type, partners)
    assert result == D(expected) and result.as_tuple().exponent == -2


@pytest.mark.parametrize("loan_type, months", [
    ("individual", 36), ("partnership", 36), ("enterprise", 24)])
def test_max_term(loan_type, months):
    for policy in SEED_POLICIES:
        assert max_term(policy, loan_type) == months


def test_unknown_loan_type_is_refused():
    with pytest.raises(ValueError):
        max_amount(POLICY["HN-2021"], "household")
    with pytest.raises(ValueError):
        max_term(POLICY["HN-2021"], "household")


@pytest.mark.parametrize("code, cap_class, bp, ceiling", [
    ("HN-2020", "standard", 300, "6.85"),
    ("HN-2020", "former_poverty", 300, "6.85"),
    ("HN-2021", "standard", 150, "5.35"),
    ("HN-2021", "former_poverty", 250, "6.35"),
    ("HN-2023", "standard", 150, "5.35"),
])
def test_cap_and_ceiling(code, cap_class, bp, ceiling):
    assert cap_bp(POLICY[code], cap_class) == bp
    assert rate_ceiling(POLICY[code], D("3.85"), cap_class) == D(ceiling)


def test_unknown_cap_class():
    with pytest.raises(ValueError):
        cap_bp(POLICY["HN-2021"], "rich")


@pytest.mark.parametrize("code, staff, share", [
    ("HN-2018", 100, "20"), ("HN-2018", 101, "10"),
    ("HN-2021", 100, "15"), ("HN-2021", 101, "8"),
    ("HN-2023", 100, "10"), ("HN-2023", 101, "5"),
])
def test_hire_share(code, staff, share):
    assert hire_share_pct(POLICY[code], staff) == D(share)


def test_validity_end():
    assert validity_end(POLICY["HN-2021"], date(2021, 6, 1)) == date(2021, 8, 30)


# §7 worked examples (district 431002, standard) and the other regimes.
@pytest.mark.parametrize("code, loan_type, rate, lpr0, cap_class, e, s", [
    ("HN-2021", "individual", "4.35", "3.85", "standard", "4.35", "2.00"),
    ("HN-2021", "individual", "5.35", "3.85", "standard", "5.35", "3.00"),
    ("HN-2021", "individual", "6.00", "3.85", "standard", "5.35", "3.00"),
    ("HN-2021", "individual", "6.00", "3.85", "former_poverty", "6.00", "3.65"),
    ("HN-2021", "individual", "1.00", "3.85", "standard", "1.00", "0"),
    ("HN-2021", "enterprise", "4.35", "3.85", "standard", "4.35", "2.00"),
    ("HN-2023", "individual", "3.50", "3.00", "standard", "3.50", "1.75"),
    ("HN-2023", "partnership", "3.95", "3.45", "standard", "3.95", "1.975"),
    ("HN-2023", "enterprise", "5.00", "3.00", "standard", "4.50", "2.25"),
    ("HN-2020", "individual", "4.35", "3.85", "standard", "4.35", "4.35"),
    ("HN-2020", "individual", "7.00", "3.85", "standard", "6.85", "6.85"),
    ("HN-2020", "enterprise", "4.35", "3.85", "standard", "4.35", "1.925"),
    ("HN-2018", "enterprise", "1.50", "4.25", "standard", "1.50", "1.50"),
], ids=lambda v: str(v))
def test_effective_and_subsidy_rate(code, loan_type, rate, lpr0, cap_class, e, s):
    policy = POLICY[code]
    assert effective_rate(policy, D(rate), D(lpr0), cap_class) == D(e)
    assert subsidy_rate(policy, loan_type, D(rate), D(lpr0), cap_class) == D(s)


def test_lpr_margin_when_lpr_below_margin():
    # LPR₀ under 1.50: the borrower's part is 0 and the whole effective rate is subsidised
    assert subsidy_rate(POLICY["HN-2021"], "individual", D("2.00"), D("1.20"), "standard") == D(
        "2.00")


@pytest.mark.parametrize("code, loan_type, en, zh, borrower", [
    ("HN-2021", "individual", "LPR − 1.50 percentage points", "LPR 减 150 个基点", "2.35"),
    ("HN-2023", "individual", "pays 50 % of the interest", "承担 50%", "2.175"),
    ("HN-2020", "individual", "fully subsidised", "全部由财政贴息", "0.00"),
    ("HN-2020", "enterprise", "50 % of LPR", "LPR 的 50%", "2.425"),
])
def test_borrower_rate_rule(code, loan_type, en, zh, borrower):
    rule = borrower_rate_rule(POLICY[code], loan_type, D("3.85"), D("4.35"))
    assert en in rule.text_en and zh in rule.text_zh
    assert rule.text("zh") == rule.text_zh and rule.text("en") == rule.text_en
    assert rule.borrower_rate == D(borrower)
    assert rule.subsidy_rate + rule.borrower_rate == D("4.35")


def test_borrower_rate_rule_without_contract_rate_mentions_ceiling():
    rule = borrower_rate_rule(POLICY["HN-2021"], "individual", D("3.85"))
    assert rule.borrower_rate is None and "5.35 %" in rule.text_en and "5.35%" in rule.text_zh
    assert format_rate(D("3.85") + D("1.50")) in rule.text_en


@pytest.mark.parametrize("loan_type", LOAN_TYPES)
def test_every_seed_regime_has_words(loan_type):
    for policy in SEED_POLICIES:
        rule = borrower_rate_rule(policy, loan_type, D("3.10"), cap_class="former_poverty")
        assert rule.text_en and rule.text_zh
