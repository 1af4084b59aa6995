"""The engine's words where they used to mislead (issue 11, item 5): an other-loans
declaration not made yet, and whose resident ID or credit code clashes in E14."""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from loans.core.eligibility import (FAIL, NEEDS_EVIDENCE, PASS, ApplicationFacts, IdHolder, PersonFacts, evaluate,
                                    rule_other_loans)
from loans.core.policy import SEED_POLICIES

pytestmark = pytest.mark.nodb

POLICY = next(p for p in SEED_POLICIES if p.code == "HN-2023")
ON = date(2026, 6, 1)
PERSON = PersonFacts(birth_date=date(1990, 1, 1), sex="male", key_groups=("veteran",))
APPLICATION = ApplicationFacts(loan_type="partnership", amount=Decimal("200000"), term_months=24,
                               district_code="431002", partners_count=2, partners=(PERSON,), duplicate=False)


def run(person=PERSON, application=APPLICATION):
    result = evaluate(person, application, POLICY, ON, frozenset({"431002"}), frozenset({"veteran"}))
    return {r.id: r for r in result.rules}, result


@pytest.mark.parametrize("other_loans, result, undeclared", [(None, NEEDS_EVIDENCE, True), (False, PASS, False),
                                                              (True, FAIL, False)])
def test_other_loans_declared_or_not(other_loans, result, undeclared):
    rule = rule_other_loans(replace(PERSON, other_loans=other_loans), POLICY)
    assert (rule.result, rule.undeclared) == (result, undeclared)
    if undeclared:
        assert rule.message_en.startswith("Not declared yet: whether you or your spouse")
        assert rule.message_zh.startswith("尚未声明：本人及配偶是否有")


def test_not_declared_yet_fails_nothing():
    rules, result = run(replace(PERSON, other_loans=None))
    assert result.eligible and rules["E07"].undeclared and rules["E07"].result == NEEDS_EVIDENCE


def test_a_partner_not_declared_yet_is_named_by_number_and_masked_id():
    partner = replace(PERSON, other_loans=None, masked_id="431002********1117")
    rules, result = run(application=replace(APPLICATION, partners=(partner,)))
    assert result.eligible
    e13 = rules["E13"]
    assert (e13.result, e13.undeclared) == (NEEDS_EVIDENCE, True)
    assert e13.message_en.startswith("Partner 2 (431002********1117): not declared yet")
    assert e13.message_zh.startswith("合伙人 2（431002********1117）：尚未声明")
    # a partner who fails is still a failure, and says who
    failing = replace(partner, other_loans=True)
    rules, result = run(application=replace(APPLICATION, partners=(failing,)))
    assert rules["E13"].result == FAIL and rules["E13"].message_en.startswith("Partner 2 (431002********1117), other")


def test_e14_names_every_holder():
    holders = (IdHolder("applicant", "431002********1117"), IdHolder("partner", "431003********2228", 2),
               IdHolder("enterprise", "91431002MA4L12345X"))
    rules, result = run(application=replace(APPLICATION, duplicate=True, duplicate_holders=holders))
    assert not result.eligible
    assert rules["E14"].message_en == (
        "Your resident ID (431002********1117), the resident ID of partner 2 (431003********2228) and the "
        "enterprise's credit code (91431002MA4L12345X) already have another open application or active loan.")
    assert rules["E14"].message_zh == (
        "您的身份证号码（431002********1117）、合伙人 2 的身份证号码（431003********2228）、"
        "企业的统一社会信用代码（91431002MA4L12345X）已有其他未办结的申请或未结清的贷款。")
    one = run(application=replace(APPLICATION, duplicate=True, duplicate_holders=holders[1:2]))[0]["E14"]
    assert one.message_en == ("The resident ID of partner 2 (431003********2228) already has another open "
                              "application or active loan.")
    unknown = run(application=replace(APPLICATION, duplicate=True))[0]["E14"]
    assert unknown.result == FAIL and "same resident ID or credit code" in unknown.message_en
