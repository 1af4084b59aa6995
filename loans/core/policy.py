"""Policy versions, reference data (SPEC §3, §5) and the rate rules (SPEC §7 item 5).

Rates are ``Decimal`` percent per year; caps and margins are integer basis points
(100 bp = 1 percentage point); shares are ``Decimal`` percent; amounts are yuan.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from .money import format_rate

LOAN_TYPES = ("individual", "partnership", "enterprise")
REGIMES = ("full", "lpr_margin", "rate_share", "lpr_share")
CAP_CLASSES = ("standard", "former_poverty")


@dataclass(frozen=True)
class PolicyParams:
    """One policy version. ``regime_*_value``: bp for ``lpr_margin``, percent for
    ``rate_share`` / ``lpr_share``, 0 for ``full``."""

    code: str
    effective_from: date
    regime_individual: str
    regime_individual_value: Decimal
    regime_enterprise: str
    regime_enterprise_value: Decimal
    cap_standard_bp: int
    cap_former_poverty_bp: int
    individual_max: Decimal
    partnership_factor_pct: Decimal
    partnership_max: Decimal
    enterprise_max: Decimal
    max_term_individual: int
    max_term_enterprise: int
    hire_share_small_pct: Decimal
    hire_share_large_pct: Decimal
    hire_staff_threshold: int
    graduate_window_years: int
    working_age_min: int
    retirement_age_male: int
    retirement_age_female: int
    lifetime_loans: int
    consumer_loan_allowed_max: Decimal
    day_basis: int
    approval_validity_days: int
    # the guarantee fund's (SPEC §13; seed values)
    leverage_limit_high: Decimal = Decimal(10)
    leverage_limit_low: Decimal = Decimal(5)
    repayment_rate_threshold_pct: Decimal = Decimal(90)
    overdue_warn_pct: Decimal = Decimal(3)
    claims_pause_pct: Decimal = Decimal(5)
    claim_wait_days: int = 90
    fund_share_pct: Decimal = Decimal(80)


def _seed_policy(code, effective_from, individual, enterprise, caps, individual_max,
                 partnership_max, enterprise_max, hire_shares) -> PolicyParams:
    return PolicyParams(
        code=code,
        effective_from=effective_from,
        regime_individual=individual[0],
        regime_individual_value=Decimal(individual[1]),
        regime_enterprise=enterprise[0],
        regime_enterprise_value=Decimal(enterprise[1]),
        cap_standard_bp=caps[0],
        cap_former_poverty_bp=caps[1],
        individual_max=Decimal(individual_max),
        partnership_factor_pct=Decimal(110),
        partnership_max=Decimal(partnership_max),
        enterprise_max=Decimal(enterprise_max),
        max_term_individual=36,
        max_term_enterprise=24,
        hire_share_small_pct=Decimal(hire_shares[0]),
        hire_share_large_pct=Decimal(hire_shares[1]),
        hire_staff_threshold=100,
        graduate_window_years=5,
        working_age_min=16,
        retirement_age_male=60,
        retirement_age_female=55,
        lifetime_loans=3,
        consumer_loan_allowed_max=Decimal(50000),
        day_basis=360,
        approval_validity_days=90,
    )


SEED_POLICIES: tuple[PolicyParams, ...] = (
    _seed_policy("HN-2018", date(2018, 11, 16), ("full", 0), ("lpr_share", 50), (300, 300),
                 150000, 1100000, 3000000, (20, 10)),
    _seed_policy("HN-2020", date(2020, 4, 15), ("full", 0), ("lpr_share", 50), (300, 300),
                 200000, 1100000, 3000000, (15, 8)),
    _seed_policy("HN-2021", date(2021, 1, 1), ("lpr_margin", 150), ("lpr_margin", 150),
                 (150, 250), 200000, 1100000, 3000000, (15, 8)),
    _seed_policy("HN-2023", date(2023, 10, 1), ("rate_share", 50), ("rate_share", 50),
                 (150, 250), 300000, 4000000, 4000000, (10, 5)),
)

# The documents each seed version rests on; clauses cite them.
POLICY_SOURCES = {
    "HN-2018": "财金〔2018〕22号",
    "HN-2020": "财金〔2020〕21号",
    "HN-2021": "财金〔2020〕21号",
    "HN-2023": "财金〔2023〕75号",
}
LOCAL_RULES_SOURCE = "湖南省实施细则"


def policy_source(code: str) -> str:
    """The national document a policy version rests on (the code itself if unknown)."""
    return POLICY_SOURCES.get(code, code)


SEED_LPR: tuple[tuple[date, Decimal], ...] = tuple(
    (date.fromisoformat(day), Decimal(rate))
    for day, rate in (
        ("2019-08-20", "4.25"), ("2019-09-20", "4.20"), ("2019-11-20", "4.15"),
        ("2020-02-20", "4.05"), ("2020-04-20", "3.85"), ("2021-12-20", "3.80"),
        ("2022-01-20", "3.70"), ("2022-08-22", "3.65"), ("2023-06-20", "3.55"),
        ("2023-08-21", "3.45"), ("2024-07-22", "3.35"), ("2024-10-21", "3.10"),
        ("2025-05-20", "3.00"),
    )
)


class DistrictSeed(NamedTuple):
    code: str
    name_zh: str
    name_en: str
    cap_class: str


class BankSeed(NamedTuple):
    code: str
    name_zh: str
    name_en: str


class KeyGroupSeed(NamedTuple):
    code: str
    label_zh: str
    label_en: str
    evidence_zh: str
    evidence_en: str
    sensitive: bool


SEED_DISTRICTS: tuple[DistrictSeed, ...] = (
    DistrictSeed("431002", "北湖区", "Beihu District", "standard"),
    DistrictSeed("431003", "苏仙区", "Suxian District", "standard"),
    DistrictSeed("431021", "桂阳县", "Guiyang County", "standard"),
    DistrictSeed("431022", "宜章县", "Yizhang County", "former_poverty"),
    DistrictSeed("431023", "永兴县", "Yongxing County", "standard"),
    DistrictSeed("431024", "嘉禾县", "Jiahe County", "standard"),
    DistrictSeed("431025", "临武县", "Linwu County", "standard"),
    DistrictSeed("431026", "汝城县", "Rucheng County", "former_poverty"),
    DistrictSeed("431027", "桂东县", "Guidong County", "former_poverty"),
    DistrictSeed("431028", "安仁县", "Anren County", "former_poverty"),
    DistrictSeed("431081", "资兴市", "Zixing City", "standard"),
)

SEED_BANKS: tuple[BankSeed, ...] = (
    BankSeed("ICBC-CZ", "工商银行郴州分行", "ICBC Chenzhou Branch"),
    BankSeed("ABC-CZ", "农业银行郴州分行", "Agricultural Bank of China Chenzhou Branch"),
    BankSeed("CZRCB", "郴州农商银行", "Chenzhou Rural Commercial Bank"),
    BankSeed("PSBC-CZ", "邮储银行郴州分行", "Postal Savings Bank of China Chenzhou Branch"),
)

SEED_KEY_GROUPS: tuple[KeyGroupSeed, ...] = (
    KeyGroupSeed("urban_unemployed", "城镇登记失业人员", "Registered urban unemployed",
                 "就业创业证", "Employment and Entrepreneurship Certificate", False),
    KeyGroupSeed("employment_difficulty", "就业困难人员", "Person with employment difficulties",
                 "就业困难人员认定证明", "employment-difficulty determination", False),
    KeyGroupSeed("disabled", "残疾人", "Person with a disability",
                 "残疾人证", "disability certificate", True),
    KeyGroupSeed("veteran", "退役军人", "Veteran",
                 "退役证", "discharge certificate", False),
    KeyGroupSeed("released_prisoner", "刑满释放人员", "Person released from prison",
                 "释放证明", "release certificate", True),
    KeyGroupSeed("graduate", "高校毕业生", "College graduate",
                 "毕业证书", "diploma showing the graduation date", False),
    KeyGroupSeed("overcapacity_worker", "化解过剩产能企业职工和失业人员",
                 "Worker or unemployed person from overcapacity reduction",
                 "单位证明", "proof from the employer", False),
    KeyGroupSeed("returning_migrant", "返乡创业农民工", "Returning migrant worker",
                 "外出务工及返乡证明", "proof of migrant work and return", False),
    KeyGroupSeed("online_merchant", "网络商户", "Online merchant",
                 "网店注册信息", "platform shop registration", False),
    KeyGroupSeed("poverty_alleviated", "脱贫人口", "Person lifted out of poverty",
                 "脱贫户登记记录", "poverty-alleviation registration record", True),
    KeyGroupSeed("rural_self_employed", "农村自主创业农民", "Rural self-employed farmer",
                 "农村户籍证明", "rural household registration", False),
    KeyGroupSeed("retired_fisherman", "退捕渔民", "Retired fisherman",
                 "退捕渔民证明", "retired-fisherman certificate", False),
)

KEY_GROUPS_BY_CODE = {group.code: group for group in SEED_KEY_GROUPS}


def policy_in_force(policies, on: date) -> PolicyParams | None:
    """The version with the latest ``effective_from`` on or before ``on``."""
    candidates = [p for p in policies if p.effective_from <= on]
    return max(candidates, key=lambda p: p.effective_from, default=None)


def lpr_fixing_on(fixings, on: date) -> tuple[date, Decimal] | None:
    """The latest LPR fixing (publication date, percent) published on or before ``on``."""
    candidates = [fixing for fixing in fixings if fixing[0] <= on]
    latest = max(candidates, key=lambda fixing: fixing[0], default=None)
    return None if latest is None else (latest[0], latest[1])


def lpr_on(fixings, on: date) -> Decimal | None:
    """The rate of the latest LPR fixing published on or before ``on`` (percent)."""
    fixing = lpr_fixing_on(fixings, on)
    return None if fixing is None else fixing[1]


def _check_loan_type(loan_type: str) -> None:
    if loan_type not in LOAN_TYPES:
        raise ValueError(f"unknown loan type {loan_type!r}")


def max_amount(policy: PolicyParams, loan_type: str, partners: int = 1) -> Decimal:
    """The largest loan in yuan. Partnership: 110 % × partners × the individual max,
    and at most the partnership max (``partners`` counts people, the applicant
    included)."""
    _check_loan_type(loan_type)
    if loan_type == "individual":
        amount = policy.individual_max
    elif loan_type == "enterprise":
        amount = policy.enterprise_max
    else:
        by_partners = policy.partnership_factor_pct.scaleb(-2) * partners * policy.individual_max
        amount = max(Decimal(0), min(by_partners, policy.partnership_max))
    return amount.quantize(Decimal("0.01"))


def max_term(policy: PolicyParams, loan_type: str) -> int:
    """The longest term in months."""
    _check_loan_type(loan_type)
    if loan_type == "enterprise":
        return policy.max_term_enterprise
    return policy.max_term_individual


def cap_bp(policy: PolicyParams, cap_class: str) -> int:
    """The rate cap over LPR₀ in basis points for a district's cap class."""
    if cap_class == "standard":
        return policy.cap_standard_bp
    if cap_class == "former_poverty":
        return policy.cap_former_poverty_bp
    raise ValueError(f"unknown cap class {cap_class!r}")


def rate_ceiling(policy: PolicyParams, lpr: Decimal, cap_class: str) -> Decimal:
    """LPR₀ + cap, in percent (3.85 + 150 bp = 5.35)."""
    return lpr + Decimal(cap_bp(policy, cap_class)).scaleb(-2)


def hire_share_pct(policy: PolicyParams, staff: int) -> Decimal:
    """The share (percent of current staff) an enterprise must have newly hired from
    key groups this year."""
    if staff <= policy.hire_staff_threshold:
        return policy.hire_share_small_pct
    return policy.hire_share_large_pct


def validity_end(policy: PolicyParams, approved_on: date) -> date:
    """The last day an approval can still be contracted."""
    return approved_on + timedelta(days=policy.approval_validity_days)


def regime_for(policy: PolicyParams, loan_type: str) -> tuple[str, Decimal]:
    """(regime, value) of the subsidy for a loan type."""
    _check_loan_type(loan_type)
    if loan_type == "enterprise":
        return policy.regime_enterprise, policy.regime_enterprise_value
    return policy.regime_individual, policy.regime_individual_value


def effective_rate(policy: PolicyParams, contract_rate: Decimal, lpr0: Decimal,
                   cap_class: str) -> Decimal:
    """e = min(r, LPR₀ + cap): the part of the contract rate that can be subsidised."""
    return min(contract_rate, rate_ceiling(policy, lpr0, cap_class))


def _subsidy_from_effective(regime: str, value: Decimal, e: Decimal, lpr0: Decimal) -> Decimal:
    if regime == "full":
        return e
    if regime == "lpr_margin":
        return max(Decimal(0), e - max(Decimal(0), lpr0 - value.scaleb(-2)))
    if regime == "rate_share":
        return e * value.scaleb(-2)
    if regime == "lpr_share":
        return min(e, lpr0 * value.scaleb(-2))
    raise ValueError(f"unknown subsidy regime {regime!r}")


def subsidy_rate(policy: PolicyParams, loan_type: str, contract_rate: Decimal,
                 lpr0: Decimal, cap_class: str) -> Decimal:
    """s in percent per year, exact, by the version's regime for the loan type (§5)."""
    regime, value = regime_for(policy, loan_type)
    e = effective_rate(policy, contract_rate, lpr0, cap_class)
    return _subsidy_from_effective(regime, value, e, lpr0)


@dataclass(frozen=True)
class BorrowerRateRule:
    """What the borrower pays, in words; with rates when a contract rate is given."""

    regime: str
    text_en: str
    text_zh: str
    subsidy_rate: Decimal | None = None
    borrower_rate: Decimal | None = None

    def text(self, lang: str) -> str:
        return self.text_zh if lang == "zh" else self.text_en


def _pct(d: Decimal) -> str:
    return format_rate(d)


def _share(d: Decimal) -> str:
    return f"{d.normalize():f}"


def borrower_rate_rule(policy: PolicyParams, loan_type: str, lpr: Decimal,
                       contract_rate: Decimal | None = None,
                       cap_class: str = "standard") -> BorrowerRateRule:
    """The borrower's side of the subsidy regime, for letters and screens."""
    regime, value = regime_for(policy, loan_type)
    ceiling = rate_ceiling(policy, lpr, cap_class)
    if regime == "full":
        en = (f"The interest is fully subsidised up to the ceiling of {_pct(ceiling)} %; "
              "the borrower pays only interest above it.")
        zh = f"利率上限 {_pct(ceiling)}% 以内的利息全部由财政贴息，借款人只承担超出上限部分的利息。"
    elif regime == "lpr_margin":
        points = _pct(value.scaleb(-2))
        own = max(Decimal(0), lpr - value.scaleb(-2))
        en = (f"The borrower pays LPR − {points} percentage points ({_pct(own)} %); "
              f"the rest up to the ceiling of {_pct(ceiling)} % is subsidised.")
        zh = (f"借款人承担 LPR 减 {value.normalize():f} 个基点（{_pct(own)}%）以内的利息，"
              f"其余至利率上限 {_pct(ceiling)}% 的部分由财政贴息。")
    elif regime == "rate_share":
        share = _share(Decimal(100) - value)
        en = (f"The borrower pays {share} % of the interest up to the ceiling of "
              f"{_pct(ceiling)} %, and all interest above it.")
        zh = f"利率上限 {_pct(ceiling)}% 以内的利息由借款人承担 {share}%，其余由财政贴息；超出上限部分由借款人承担。"
    elif regime == "lpr_share":
        part = _pct(lpr * value.scaleb(-2))
        en = (f"The subsidy is the rate up to {_share(value)} % of LPR ({part} %); "
              "the borrower pays the rest.")
        zh = f"财政按利率贴息，最高为 LPR 的 {_share(value)}%（{part}%），其余由借款人承担。"
    else:
        raise ValueError(f"unknown subsidy regime {regime!r}")
    if contract_rate is None:
        return BorrowerRateRule(regime, en, zh)
    s = _subsidy_from_effective(regime, value, min(contract_rate, ceiling), lpr)
    return BorrowerRateRule(regime, en, zh, subsidy_rate=s, borrower_rate=contract_rate - s)
