"""Eligibility rules E01–E14 (SPEC §6) as one pure function.

``evaluate`` returns every rule's result — ``pass``, ``fail``, ``needs_evidence`` (an
officer must see a document or record) or ``not_applicable`` — with a message in
English and Chinese and the clause it rests on. Eligible means no rule fails. It never
raises for well-typed input: odd facts become a failing rule with a message.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from .dates import chinese_date
from .money import format_yuan, round_fen
from .policy import (
    KEY_GROUPS_BY_CODE,
    LOAN_TYPES,
    LOCAL_RULES_SOURCE,
    SEED_DISTRICTS,
    PolicyParams,
    hire_share_pct,
    max_amount,
    max_term,
    policy_source,
)
from .resident_id import add_years, age_on

PASS = "pass"
FAIL = "fail"
NEEDS_EVIDENCE = "needs_evidence"
NOT_APPLICABLE = "not_applicable"
RESULTS = (PASS, FAIL, NEEDS_EVIDENCE, NOT_APPLICABLE)

RULES: tuple[tuple[str, str], ...] = (
    ("E01", "key_group"),
    ("E02", "age"),
    ("E03", "graduate_window"),
    ("E04", "amount"),
    ("E05", "term"),
    ("E06", "loan_history"),
    ("E07", "other_loans"),
    ("E08", "credit"),
    ("E09", "place"),
    ("E10", "hiring"),
    ("E11", "compliance"),
    ("E12", "not_employed"),
    ("E13", "partners"),
    ("E14", "duplicate"),
)
RULE_NAMES = dict(RULES)

# rule id → (rests on the national document or on local rules, topic of the clause)
_CLAUSES = {
    "E01": (False, "贷款对象"),
    "E02": (True, "劳动年龄"),
    "E03": (True, "高校毕业生毕业年限"),
    "E04": (False, "贷款额度"),
    "E05": (False, "贷款期限"),
    "E06": (False, "贴息贷款次数及还款记录"),
    "E07": (False, "其他贷款"),
    "E08": (False, "信用记录"),
    "E09": (True, "经营地"),
    "E10": (False, "小微企业吸纳就业"),
    "E11": (False, "小微企业条件"),
    "E12": (False, "贷款对象（非在职人员）"),
    "E13": (False, "合伙创业"),
    "E14": (True, "重复申请"),
}

_DISTRICT_NAMES = {d.code: (d.name_en, d.name_zh) for d in SEED_DISTRICTS}
_LOAN_TYPE_NAMES = {
    "individual": ("an individual loan", "个人贷款"),
    "partnership": ("a partnership loan", "合伙创业贷款"),
    "enterprise": ("an enterprise loan", "小微企业贷款"),
}
_PERSON_RULE_NAMES = {
    "E01": ("key group", "重点群体"),
    "E02": ("age", "年龄"),
    "E06": ("loan history", "贷款记录"),
    "E07": ("other loans", "其他贷款"),
}


@dataclass(frozen=True)
class PersonFacts:
    """Facts about one person (the applicant, a partner, or an enterprise's legal
    representative). ``sex`` is ``"male"`` or ``"female"``. ``other_loans`` is ``None``
    while the person has not declared it either way (an unticked declaration, an
    unanswered question): E07 then says so, neutrally, instead of failing.
    ``masked_id`` (``431002********1117``) names a partner in messages."""

    birth_date: date
    sex: str
    key_groups: tuple[str, ...]
    graduation_date: date | None = None
    prior_subsidized_loans: int = 0
    prior_overdue: bool = False
    other_loans: bool | None = False
    masked_id: str = ""


@dataclass(frozen=True)
class IdHolder:
    """Whose resident ID (or which enterprise's credit code) already has an open
    application or active loan (E14). ``kind``: ``applicant``, ``partner`` (``number``
    2, 3, … as in E13, the applicant being 1) or ``enterprise``; ``masked``: the masked
    resident ID, or the credit code."""

    kind: str
    masked: str
    number: int | None = None


@dataclass(frozen=True)
class ApplicationFacts:
    """The application. ``amount`` in yuan; ``partners_count`` counts people including
    the applicant; ``partners`` lists the OTHER partners (``None``: details unknown, as
    in the pre-check); ``duplicate`` is ``None`` when there are no records to check,
    and ``duplicate_holders`` says whose ID clashes when it is known; ``evidence``
    holds officer-recorded checks by rule id (True pass, False fail)."""

    loan_type: str
    amount: Decimal
    term_months: int
    district_code: str
    partners_count: int = 1
    partners: tuple[PersonFacts, ...] | None = None
    staff: int | None = None
    new_key_group_hires: int | None = None
    duplicate: bool | None = None
    duplicate_holders: tuple[IdHolder, ...] = ()
    evidence: Mapping[str, bool] = field(default_factory=dict)


@dataclass(frozen=True)
class RuleResult:
    """``undeclared``: the rule waits for a declaration the person has not made yet
    (shown as "not declared yet", not as a failure); its result is ``needs_evidence``."""

    id: str
    name: str
    result: str
    message_en: str
    message_zh: str
    clause: str
    undeclared: bool = False

    def message(self, lang: str) -> str:
        return self.message_zh if lang == "zh" else self.message_en


@dataclass(frozen=True)
class EligibilityResult:
    eligible: bool
    policy_code: str
    max_amount: Decimal
    max_term_months: int
    rules: tuple[RuleResult, ...]

    def rule(self, rule_id: str) -> RuleResult:
        return next(r for r in self.rules if r.id == rule_id)

    @property
    def failed(self) -> tuple[RuleResult, ...]:
        return tuple(r for r in self.rules if r.result == FAIL)


def to_dict(result: RuleResult | EligibilityResult, lang: str) -> dict:
    """The API shape (SPEC §10) of a rule result, or of a whole eligibility result."""
    if isinstance(result, RuleResult):
        return {"id": result.id, "name": result.name, "result": result.result,
                "message": result.message(lang), "clause": result.clause}
    return {
        "eligible": result.eligible,
        "policy": result.policy_code,
        "max_amount": f"{result.max_amount:.2f}",
        "max_term_months": result.max_term_months,
        "rules": [to_dict(rule, lang) for rule in result.rules],
    }


def clause(rule_id: str, policy: PolicyParams) -> str:
    local, topic = _CLAUSES[rule_id]
    source = LOCAL_RULES_SOURCE if local else policy_source(policy.code)
    return f"{source} {topic} / {policy.code}"


def _rule(rule_id: str, policy: PolicyParams, result: str, en: str, zh: str,
          undeclared: bool = False) -> RuleResult:
    return RuleResult(rule_id, RULE_NAMES[rule_id], result, en, zh, clause(rule_id, policy), undeclared)


def _not_applicable(rule_id: str, policy: PolicyParams, loan_type: str) -> RuleResult:
    if loan_type == "enterprise":
        return _rule(rule_id, policy, NOT_APPLICABLE, "Does not apply to enterprise loans.",
                     "企业贷款不适用此项。")
    if rule_id == "E13":
        return _rule(rule_id, policy, NOT_APPLICABLE, "Applies to partnership loans only.",
                     "仅适用于合伙创业贷款。")
    return _rule(rule_id, policy, NOT_APPLICABLE, "Applies to enterprise loans only.",
                 "仅适用于小微企业贷款。")


def _yuan(amount: Decimal) -> str:
    if amount.is_finite() and abs(amount) < Decimal("1E15") and amount == round_fen(amount):
        return format_yuan(amount)
    return f"¥{amount}"


def _num(d: Decimal) -> str:
    return f"{d.normalize():f}"


def _group_labels(code: str) -> tuple[str, str, str, str]:
    """(label_en, label_zh, evidence_en, evidence_zh) of a key group."""
    group = KEY_GROUPS_BY_CODE.get(code)
    if group is None:
        return code, code, "the evidence for this group", "相关证明材料"
    return group.label_en, group.label_zh, group.evidence_en, group.evidence_zh


def _safe_add_years(d: date, n: int) -> date:
    try:
        return add_years(d, n)
    except (ValueError, OverflowError):
        return date.min if n < 0 else date.max


# --- rules about one person (shared by the applicant and, in E13, each partner) ----

@dataclass(frozen=True)
class _GraduateCheck:
    claimed: bool  # graduate is claimed and is a group of the policy
    inside: bool
    en: str
    zh: str


def _graduate_check(person: PersonFacts, policy: PolicyParams, on: date,
                    key_groups: frozenset[str]) -> _GraduateCheck:
    if "graduate" not in person.key_groups or "graduate" not in key_groups:
        return _GraduateCheck(False, False, "", "")
    years = policy.graduate_window_years
    start = _safe_add_years(on, -years)
    graduated = person.graduation_date
    if graduated is None:
        return _GraduateCheck(True, False, "The graduation date is needed for the graduate group.",
                              "申请高校毕业生身份须提供毕业日期。")
    if graduated > on:
        return _GraduateCheck(
            True, False,
            f"The graduation date {graduated} is after the application date {on}.",
            f"毕业日期{chinese_date(graduated)}晚于申请日期{chinese_date(on)}。")
    if graduated < start:
        return _GraduateCheck(
            True, False,
            f"Graduated on {graduated}, before {start}: the graduate group counts only "
            f"within {years} years of graduation.",
            f"毕业日期{chinese_date(graduated)}早于{chinese_date(start)}，高校毕业生须在毕业 {years} 年内申请。")
    return _GraduateCheck(
        True, True,
        f"Graduated on {graduated}, on or after {start} ({years} years before the "
        f"application date).",
        f"毕业日期{chinese_date(graduated)}不早于{chinese_date(start)}（申请日期前 {years} 年），在毕业年限内。")


def _other_passing_groups(person: PersonFacts, key_groups: frozenset[str]) -> list[str]:
    return list(dict.fromkeys(g for g in person.key_groups if g in key_groups and g != "graduate"))


def rule_key_group(person: PersonFacts, policy: PolicyParams, on: date,
                   key_groups: frozenset[str]) -> RuleResult:
    """E01: at least one claimed group of the policy passes (graduate only inside its
    window)."""
    passing = _other_passing_groups(person, key_groups)
    graduate = _graduate_check(person, policy, on, key_groups)
    if graduate.inside:
        passing.append("graduate")
    if passing:
        labels = [_group_labels(code) for code in passing]
        en = "; ".join(f"{label_en} (bring your {evidence_en})"
                       for label_en, _, evidence_en, _ in labels)
        zh = "；".join(f"{label_zh}（请携带{evidence_zh}）" for _, label_zh, _, evidence_zh in labels)
        return _rule("E01", policy, PASS,
                     f"Key group claimed: {en}; the officer checks the evidence.",
                     f"申报的重点群体：{zh}，由经办人员核验。")
    unknown = [g for g in dict.fromkeys(person.key_groups) if g not in key_groups]
    en, zh = [], []
    if not person.key_groups:
        en.append("No key group was claimed; the loan is for people of the key groups.")
        zh.append("未申报重点群体身份；创业担保贷款仅面向重点群体。")
    if unknown:
        en.append(f"Not a key group under {policy.code}: {', '.join(unknown)}.")
        zh.append(f"不属于 {policy.code} 规定的重点群体：{'、'.join(unknown)}。")
    if graduate.claimed:
        en.append(graduate.en)
        zh.append(graduate.zh)
    return _rule("E01", policy, FAIL, " ".join(en), "".join(zh))


def rule_graduate_window(person: PersonFacts, policy: PolicyParams, on: date,
                         key_groups: frozenset[str]) -> RuleResult:
    """E03: the graduate window, decisive only when graduate is the sole group."""
    graduate = _graduate_check(person, policy, on, key_groups)
    if not graduate.claimed:
        return _rule("E03", policy, NOT_APPLICABLE, "The graduate group is not claimed.",
                     "未申报高校毕业生身份。")
    if _other_passing_groups(person, key_groups):
        return _rule("E03", policy, NOT_APPLICABLE,
                     "Another claimed key group applies, so the graduation date does not matter.",
                     "已申报其他重点群体身份，毕业年限不影响资格。")
    return _rule("E03", policy, PASS if graduate.inside else FAIL, graduate.en, graduate.zh)


def rule_age(person: PersonFacts, policy: PolicyParams, on: date) -> RuleResult:
    """E02: on or after the 16th birthday and before the 60th (men) / 55th (women)."""
    if person.sex == "male":
        retirement, en_sex, zh_sex = policy.retirement_age_male, "men", "男性"
    elif person.sex == "female":
        retirement, en_sex, zh_sex = policy.retirement_age_female, "women", "女性"
    else:
        return _rule("E02", policy, FAIL, "Sex must be male or female to check the working age.",
                     "须填写性别（男或女）以判断劳动年龄。")
    if person.birth_date > on:
        return _rule("E02", policy, FAIL,
                     f"The birth date {person.birth_date} is after the application date {on}.",
                     f"出生日期{chinese_date(person.birth_date)}晚于申请日期{chinese_date(on)}。")
    age = age_on(person.birth_date, on)
    low, high = policy.working_age_min, retirement - 1
    inside = policy.working_age_min <= age < retirement
    en = (f"Age {age} on {on} is {'within' if inside else 'outside'} the working age "
          f"{low}–{high} for {en_sex}.")
    zh = (f"{chinese_date(on)}时年满 {age} 周岁，{'在' if inside else '不在'}{zh_sex}劳动年龄 "
          f"{low}–{high} 周岁范围内。")
    return _rule("E02", policy, PASS if inside else FAIL, en, zh)


def rule_loan_history(person: PersonFacts, policy: PolicyParams) -> RuleResult:
    """E06: fewer earlier subsidised loans than the lifetime max, none ever overdue."""
    count, limit = person.prior_subsidized_loans, policy.lifetime_loans
    en, zh = [], []
    if count < 0:
        en.append("The number of earlier subsidised loans cannot be negative.")
        zh.append("此前贴息贷款次数不能为负数。")
    elif count >= limit:
        en.append(f"{count} earlier subsidised loans reach the lifetime limit of {limit}.")
        zh.append(f"此前已获贴息贷款 {count} 次，已达累计上限 {limit} 次。")
    if person.prior_overdue:
        en.append("An earlier subsidised loan was overdue.")
        zh.append("此前的贴息贷款有逾期记录。")
    if en:
        return _rule("E06", policy, FAIL, " ".join(en), "".join(zh))
    return _rule("E06", policy, PASS,
                 f"{count} earlier subsidised loans, fewer than the lifetime limit of {limit}; "
                 "none overdue.",
                 f"此前已获贴息贷款 {count} 次，少于累计上限 {limit} 次，且无逾期记录。")


def rule_other_loans(person: PersonFacts, policy: PolicyParams) -> RuleResult:
    """E07: no other outstanding loans of self or spouse beyond the allowed kinds; not
    declared yet (``other_loans`` None) is neither a pass nor a failure."""
    cap = _yuan(policy.consumer_loan_allowed_max)
    allowed_en = f"student, poverty-relief, housing and car loans, and consumer loans up to {cap}"
    allowed_zh = f"助学贷款、扶贫贷款、住房贷款、汽车贷款及 {cap} 以下的消费贷款"
    if person.other_loans is None:
        return _rule("E07", policy, NEEDS_EVIDENCE,
                     f"Not declared yet: whether you or your spouse have other outstanding loans beyond "
                     f"{allowed_en}.",
                     f"尚未声明：本人及配偶是否有{allowed_zh}以外的其他未结清贷款。", undeclared=True)
    if person.other_loans:
        return _rule("E07", policy, FAIL,
                     f"You or your spouse have other outstanding loans beyond {allowed_en}.",
                     f"本人或配偶有{allowed_zh}以外的其他未结清贷款。")
    return _rule("E07", policy, PASS,
                 f"No other outstanding loans of yourself or your spouse beyond {allowed_en}.",
                 f"本人及配偶除{allowed_zh}外无其他未结清贷款。")


_PersonRule = Callable[[PersonFacts, PolicyParams, date, frozenset[str]], RuleResult]
_PARTNER_RULES: tuple[tuple[str, _PersonRule], ...] = (
    ("E01", rule_key_group),
    ("E02", lambda p, policy, on, groups: rule_age(p, policy, on)),
    ("E06", lambda p, policy, on, groups: rule_loan_history(p, policy)),
    ("E07", lambda p, policy, on, groups: rule_other_loans(p, policy)),
)


# --- rules about the application ---------------------------------------------------

def _rule_amount(application: ApplicationFacts, policy: PolicyParams,
                 limit: Decimal) -> RuleResult:
    amount, loan_type = application.amount, application.loan_type
    if loan_type not in LOAN_TYPES:
        return _rule("E04", policy, FAIL, f"Unknown loan type {loan_type!r}.",
                     f"未知的贷款类型 {loan_type!r}。")
    if not amount.is_finite():
        return _rule("E04", policy, FAIL, "The amount is not a number.", "贷款金额不是有效数字。")
    if amount <= 0:
        return _rule("E04", policy, FAIL, "The amount must be greater than zero.",
                     "贷款金额须大于零。")
    type_en, type_zh = _LOAN_TYPE_NAMES[loan_type]
    if loan_type == "partnership":
        n = application.partners_count
        factor = _num(policy.partnership_factor_pct)
        basis_en = (f" for {n} partners ({factor} % × {n} × {_yuan(policy.individual_max)}, "
                    f"at most {_yuan(policy.partnership_max)})")
        basis_zh = (f"（{n} 人合伙：{factor}% × {n} × {_yuan(policy.individual_max)}，"
                    f"且不超过 {_yuan(policy.partnership_max)}）")
    else:
        basis_en = basis_zh = ""
    if amount > limit:
        return _rule("E04", policy, FAIL,
                     f"The amount {_yuan(amount)} is above the maximum {_yuan(limit)} for "
                     f"{type_en}{basis_en} under {policy.code}.",
                     f"贷款金额 {_yuan(amount)} 超过 {policy.code} {type_zh}最高额度 "
                     f"{_yuan(limit)}{basis_zh}。")
    return _rule("E04", policy, PASS,
                 f"The amount {_yuan(amount)} is within the maximum {_yuan(limit)} for "
                 f"{type_en}{basis_en}.",
                 f"贷款金额 {_yuan(amount)} 未超过{type_zh}最高额度 {_yuan(limit)}{basis_zh}。")


def _rule_term(application: ApplicationFacts, policy: PolicyParams, limit: int) -> RuleResult:
    months, loan_type = application.term_months, application.loan_type
    if loan_type not in LOAN_TYPES:
        return _rule("E05", policy, FAIL, f"Unknown loan type {loan_type!r}.",
                     f"未知的贷款类型 {loan_type!r}。")
    type_en, type_zh = _LOAN_TYPE_NAMES[loan_type]
    inside = 1 <= months <= limit
    return _rule("E05", policy, PASS if inside else FAIL,
                 f"A term of {months} months is {'within' if inside else 'outside'} 1 to {limit} "
                 f"months for {type_en}.",
                 f"贷款期限 {months} 个月{'在' if inside else '不在'}{type_zh} 1–{limit} 个月范围内。")


def _rule_evidence(rule_id: str, application: ApplicationFacts, policy: PolicyParams,
                   needs: tuple[str, str], passed: tuple[str, str],
                   failed: tuple[str, str]) -> RuleResult:
    recorded = application.evidence.get(rule_id)
    if recorded is None:
        return _rule(rule_id, policy, NEEDS_EVIDENCE, *needs)
    return _rule(rule_id, policy, PASS if recorded else FAIL, *(passed if recorded else failed))


def _rule_credit(application: ApplicationFacts, policy: PolicyParams) -> RuleResult:
    return _rule_evidence(
        "E08", application, policy,
        ("Bring your personal credit report (个人信用报告); the officer checks it for bad "
         "credit records.", "请提供个人信用报告，由经办人员核查有无不良信用记录。"),
        ("The officer checked the credit report: no bad credit record.",
         "经办人员已核查信用报告，无不良信用记录。"),
        ("The credit report shows a bad credit record.", "信用报告显示有不良信用记录。"))


def _rule_place(application: ApplicationFacts, policy: PolicyParams,
                served: frozenset[str]) -> RuleResult:
    code = application.district_code
    name_en, name_zh = _DISTRICT_NAMES.get(code, (code, code))
    if code in served:
        return _rule("E09", policy, PASS,
                     f"The business is located in {name_en} ({code}), which the bureau serves.",
                     f"经营地位于{name_zh}（{code}），属本局服务范围。")
    return _rule("E09", policy, FAIL,
                 f"District {code} is not one the bureau serves; the business must be located "
                 "in a served district.",
                 f"地区 {code} 不在本局服务范围内，经营地须位于服务范围内的县市区。")


def _rule_hiring(application: ApplicationFacts, policy: PolicyParams) -> RuleResult:
    staff, hires = application.staff, application.new_key_group_hires
    if staff is None or hires is None:
        return _rule("E10", policy, FAIL,
                     "The current staff number and the number of key-group people newly hired "
                     "this year (labour contracts of 12 months or more) are needed.",
                     "须填写现有职工人数和当年新招用重点群体人数（签订 1 年以上劳动合同）。")
    if staff < 0 or hires < 0:
        return _rule("E10", policy, FAIL, "Staff and hires cannot be negative.",
                     "职工人数和新招用人数不能为负数。")
    share = hire_share_pct(policy, staff)
    required = share.scaleb(-2) * staff
    inside = hires >= required
    return _rule("E10", policy, PASS if inside else FAIL,
                 f"{hires} key-group people newly hired this year are "
                 f"{'at least' if inside else 'fewer than'} {_num(share)} % of {staff} staff "
                 f"({_num(required)}).",
                 f"当年新招用重点群体 {hires} 人，{'达到' if inside else '未达到'}现有职工 "
                 f"{staff} 人的 {_num(share)}%（{_num(required)} 人）。")


def _rule_compliance(application: ApplicationFacts, policy: PolicyParams) -> RuleResult:
    return _rule_evidence(
        "E11", application, policy,
        ("Bring proof of no wage or social-insurance arrears and of small or micro enterprise "
         "status; the officer checks them.",
         "请提供无拖欠工资、无欠缴社会保险费的证明及小微企业认定材料，由经办人员核查。"),
        ("The officer checked: no wage or social-insurance arrears; a small or micro enterprise.",
         "经办人员已核查：无拖欠工资和欠缴社会保险费，属小微企业。"),
        ("The officer found wage or social-insurance arrears, or the business is not a small or "
         "micro enterprise.", "经办人员核查发现有拖欠工资或欠缴社会保险费，或不属于小微企业。"))


def _rule_not_employed(application: ApplicationFacts, policy: PolicyParams) -> RuleResult:
    return _rule_evidence(
        "E12", application, policy,
        ("Bring your employment record (e.g. social-insurance history); the officer checks "
         "that you are not in a fixed job such as civil servant or public-institution staff.",
         "请提供就业及社会保险参保记录，由经办人员核查本人不属于公务员、事业单位人员等在职人员。"),
        ("The officer checked: not in a fixed job.", "经办人员已核查：本人不属于在职人员。"),
        ("The officer found you are in a fixed job (civil servant or public institution).",
         "经办人员核查发现本人为公务员或事业单位等在职人员。"))


def _rule_partners(application: ApplicationFacts, policy: PolicyParams, on: date,
                   key_groups: frozenset[str]) -> RuleResult:
    count = application.partners_count
    if count < 2:
        return _rule("E13", policy, FAIL,
                     f"A partnership needs at least 2 partners, the applicant included; {count} "
                     "declared.",
                     f"合伙创业须至少 2 名合伙人（含申请人），现申报 {count} 人。")
    partners = application.partners
    if partners is None:
        return _rule("E13", policy, PASS,
                     f"{count} partners, the applicant included; each partner's key group, age, "
                     "loan history and other loans are checked with the application.",
                     f"合伙人 {count} 名（含申请人）；每位合伙人的重点群体身份、年龄、贷款记录和"
                     "其他贷款在申请时核查。")
    if len(partners) != count - 1:
        return _rule("E13", policy, FAIL,
                     f"{count} partners declared, so details of {count - 1} other partners are "
                     f"needed; {len(partners)} given.",
                     f"申报合伙人 {count} 名，须提供其他 {count - 1} 名合伙人的信息，现提供 "
                     f"{len(partners)} 名。")
    en, zh, undeclared_en, undeclared_zh = [], [], [], []
    for number, partner in enumerate(partners, start=2):
        who_en = f"Partner {number}" + (f" ({partner.masked_id})" if partner.masked_id else "")
        who_zh = f"合伙人 {number}" + (f"（{partner.masked_id}）" if partner.masked_id else "")
        for rule_id, check in _PARTNER_RULES:
            result = check(partner, policy, on, key_groups)
            if result.result == FAIL:
                label_en, label_zh = _PERSON_RULE_NAMES[rule_id]
                en.append(f"{who_en}, {label_en}: {result.message_en}")
                zh.append(f"{who_zh}（{label_zh}）：{result.message_zh}")
            elif result.undeclared:
                undeclared_en.append(f"{who_en}: not declared yet whether the partner or their spouse has other "
                                     "outstanding loans beyond the allowed kinds.")
                undeclared_zh.append(f"{who_zh}：尚未声明本人及配偶是否有允许范围以外的其他未结清贷款。")
    if en:
        return _rule("E13", policy, FAIL, " ".join(en + undeclared_en), "".join(zh + undeclared_zh))
    if undeclared_en:
        return _rule("E13", policy, NEEDS_EVIDENCE, " ".join(undeclared_en), "".join(undeclared_zh),
                     undeclared=True)
    return _rule("E13", policy, PASS,
                 f"{count} partners, the applicant included; every other partner passes key "
                 "group, age, loan history and other loans.",
                 f"合伙人 {count} 名（含申请人），其他合伙人的重点群体身份、年龄、贷款记录和其他贷款"
                 "均符合条件。")


def _rule_duplicate(application: ApplicationFacts, policy: PolicyParams) -> RuleResult:
    if application.duplicate is None:
        return _rule("E14", policy, NOT_APPLICABLE,
                     "Checked against the records when the application is submitted.",
                     "提交申请时与已有记录比对。")
    if application.duplicate:
        holders = application.duplicate_holders
        if not holders:
            return _rule("E14", policy, FAIL,
                         "There is another open application or active loan with the same resident "
                         "ID or credit code.",
                         "同一身份证号码或统一社会信用代码已有未办结的申请或未结清的贷款。")
        en, zh = holders_words(holders)
        return _rule("E14", policy, FAIL,
                     f"{en[:1].upper()}{en[1:]} already {'has' if len(holders) == 1 else 'have'} another "
                     "open application or active loan.",
                     f"{zh}已有其他未办结的申请或未结清的贷款。")
    return _rule("E14", policy, PASS,
                 "No other open application or active loan with the same resident ID or credit "
                 "code.",
                 "同一身份证号码或统一社会信用代码无其他未办结申请或未结清贷款。")


def _holder_words(holder: IdHolder) -> tuple[str, str]:
    if holder.kind == "partner":
        return (f"the resident ID of partner {holder.number} ({holder.masked})",
                f"合伙人 {holder.number} 的身份证号码（{holder.masked}）")
    if holder.kind == "enterprise":
        return (f"the enterprise's credit code ({holder.masked})", f"企业的统一社会信用代码（{holder.masked}）")
    return f"your resident ID ({holder.masked})", f"您的身份证号码（{holder.masked}）"


def holders_words(holders: tuple[IdHolder, ...] | list[IdHolder]) -> tuple[str, str]:
    """(English, Chinese) words for whose IDs clash, to begin a sentence's subject, e.g.
    ("the resident ID of partner 2 (431002********1117)", "合伙人 2 的身份证号码（431002********1117）")."""
    words = [_holder_words(h) for h in holders]
    english = [en for en, _ in words]
    return " and ".join(filter(None, (", ".join(english[:-1]), english[-1]))), "、".join(zh for _, zh in words)


def _limits(application: ApplicationFacts, policy: PolicyParams) -> tuple[Decimal, int]:
    if application.loan_type not in LOAN_TYPES:
        return Decimal("0.00"), 0
    return (max_amount(policy, application.loan_type, application.partners_count),
            max_term(policy, application.loan_type))


def evaluate(person: PersonFacts, application: ApplicationFacts, policy: PolicyParams,
             application_date: date, served_districts: frozenset[str],
             key_groups: frozenset[str]) -> EligibilityResult:
    """All 14 rules for ``person`` applying on ``application_date`` under ``policy``
    (the version in force that day). ``key_groups`` are the policy's group codes;
    ``served_districts`` the district codes the bureau serves."""
    on = application_date
    loan_type = application.loan_type
    enterprise = loan_type == "enterprise"
    amount_limit, term_limit = _limits(application, policy)

    def individual_only(rule_id: str, make: Callable[[], RuleResult]) -> RuleResult:
        return _not_applicable(rule_id, policy, loan_type) if enterprise else make()

    def enterprise_only(rule_id: str, make: Callable[[], RuleResult]) -> RuleResult:
        return make() if enterprise else _not_applicable(rule_id, policy, loan_type)

    rules = (
        individual_only("E01", lambda: rule_key_group(person, policy, on, key_groups)),
        individual_only("E02", lambda: rule_age(person, policy, on)),
        individual_only("E03", lambda: rule_graduate_window(person, policy, on, key_groups)),
        _rule_amount(application, policy, amount_limit),
        _rule_term(application, policy, term_limit),
        rule_loan_history(person, policy),
        individual_only("E07", lambda: rule_other_loans(person, policy)),
        _rule_credit(application, policy),
        _rule_place(application, policy, served_districts),
        enterprise_only("E10", lambda: _rule_hiring(application, policy)),
        enterprise_only("E11", lambda: _rule_compliance(application, policy)),
        individual_only("E12", lambda: _rule_not_employed(application, policy)),
        (_rule_partners(application, policy, on, key_groups) if loan_type == "partnership"
         else _not_applicable("E13", policy, loan_type)),
        _rule_duplicate(application, policy),
    )
    return EligibilityResult(
        eligible=all(rule.result != FAIL for rule in rules),
        policy_code=policy.code,
        max_amount=amount_limit,
        max_term_months=term_limit,
        rules=rules,
    )
