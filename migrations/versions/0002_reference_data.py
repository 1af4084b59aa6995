"""Reference data (SPEC §3, §5) and the append-only guard on the audit trail.

Values are written out literally so that this migration never changes with the code.
Money in fen, rates and percentages in units of 0.0001 %.

Revision ID: 0002
Revises: 0001
"""
from datetime import date, datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

DISTRICTS = [{'code': '431002', 'name_zh': '北湖区', 'name_en': 'Beihu District', 'cap_class': 'standard'},
 {'code': '431003', 'name_zh': '苏仙区', 'name_en': 'Suxian District', 'cap_class': 'standard'},
 {'code': '431021', 'name_zh': '桂阳县', 'name_en': 'Guiyang County', 'cap_class': 'standard'},
 {'code': '431022', 'name_zh': '宜章县', 'name_en': 'Yizhang County', 'cap_class': 'former_poverty'},
 {'code': '431023', 'name_zh': '永兴县', 'name_en': 'Yongxing County', 'cap_class': 'standard'},
 {'code': '431024', 'name_zh': '嘉禾县', 'name_en': 'Jiahe County', 'cap_class': 'standard'},
 {'code': '431025', 'name_zh': '临武县', 'name_en': 'Linwu County', 'cap_class': 'standard'},
 {'code': '431026', 'name_zh': '汝城县', 'name_en': 'Rucheng County', 'cap_class': 'former_poverty'},
 {'code': '431027', 'name_zh': '桂东县', 'name_en': 'Guidong County', 'cap_class': 'former_poverty'},
 {'code': '431028', 'name_zh': '安仁县', 'name_en': 'Anren County', 'cap_class': 'former_poverty'},
 {'code': '431081', 'name_zh': '资兴市', 'name_en': 'Zixing City', 'cap_class': 'standard'}]

BANKS = [{'code': 'ICBC-CZ', 'name_zh': '工商银行郴州分行', 'name_en': 'ICBC Chenzhou Branch'},
 {'code': 'ABC-CZ', 'name_zh': '农业银行郴州分行', 'name_en': 'Agricultural Bank of China Chenzhou Branch'},
 {'code': 'CZRCB', 'name_zh': '郴州农商银行', 'name_en': 'Chenzhou Rural Commercial Bank'},
 {'code': 'PSBC-CZ', 'name_zh': '邮储银行郴州分行', 'name_en': 'Postal Savings Bank of China Chenzhou Branch'}]

KEY_GROUPS = [{'code': 'urban_unemployed',
  'label_zh': '城镇登记失业人员',
  'label_en': 'Registered urban unemployed',
  'evidence_zh': '就业创业证',
  'evidence_en': 'Employment and Entrepreneurship Certificate',
  'sensitive': False,
  'sort_order': 0,
  'active': True},
 {'code': 'employment_difficulty',
  'label_zh': '就业困难人员',
  'label_en': 'Person with employment difficulties',
  'evidence_zh': '就业困难人员认定证明',
  'evidence_en': 'employment-difficulty determination',
  'sensitive': False,
  'sort_order': 1,
  'active': True},
 {'code': 'disabled',
  'label_zh': '残疾人',
  'label_en': 'Person with a disability',
  'evidence_zh': '残疾人证',
  'evidence_en': 'disability certificate',
  'sensitive': True,
  'sort_order': 2,
  'active': True},
 {'code': 'veteran',
  'label_zh': '退役军人',
  'label_en': 'Veteran',
  'evidence_zh': '退役证',
  'evidence_en': 'discharge certificate',
  'sensitive': False,
  'sort_order': 3,
  'active': True},
 {'code': 'released_prisoner',
  'label_zh': '刑满释放人员',
  'label_en': 'Person released from prison',
  'evidence_zh': '释放证明',
  'evidence_en': 'release certificate',
  'sensitive': True,
  'sort_order': 4,
  'active': True},
 {'code': 'graduate',
  'label_zh': '高校毕业生',
  'label_en': 'College graduate',
  'evidence_zh': '毕业证书',
  'evidence_en': 'diploma showing the graduation date',
  'sensitive': False,
  'sort_order': 5,
  'active': True},
 {'code': 'overcapacity_worker',
  'label_zh': '化解过剩产能企业职工和失业人员',
  'label_en': 'Worker or unemployed person from overcapacity reduction',
  'evidence_zh': '单位证明',
  'evidence_en': 'proof from the employer',
  'sensitive': False,
  'sort_order': 6,
  'active': True},
 {'code': 'returning_migrant',
  'label_zh': '返乡创业农民工',
  'label_en': 'Returning migrant worker',
  'evidence_zh': '外出务工及返乡证明',
  'evidence_en': 'proof of migrant work and return',
  'sensitive': False,
  'sort_order': 7,
  'active': True},
 {'code': 'online_merchant',
  'label_zh': '网络商户',
  'label_en': 'Online merchant',
  'evidence_zh': '网店注册信息',
  'evidence_en': 'platform shop registration',
  'sensitive': False,
  'sort_order': 8,
  'active': True},
 {'code': 'poverty_alleviated',
  'label_zh': '脱贫人口',
  'label_en': 'Person lifted out of poverty',
  'evidence_zh': '脱贫户登记记录',
  'evidence_en': 'poverty-alleviation registration record',
  'sensitive': True,
  'sort_order': 9,
  'active': True},
 {'code': 'rural_self_employed',
  'label_zh': '农村自主创业农民',
  'label_en': 'Rural self-employed farmer',
  'evidence_zh': '农村户籍证明',
  'evidence_en': 'rural household registration',
  'sensitive': False,
  'sort_order': 10,
  'active': True},
 {'code': 'retired_fisherman',
  'label_zh': '退捕渔民',
  'label_en': 'Retired fisherman',
  'evidence_zh': '退捕渔民证明',
  'evidence_en': 'retired-fisherman certificate',
  'sensitive': False,
  'sort_order': 11,
  'active': True}]

POLICIES = [{'code': 'HN-2018',
  'effective_from': '2018-11-16',
  'regime_individual': 'full',
  'regime_individual_value': 0,
  'regime_enterprise': 'lpr_share',
  'regime_enterprise_value': 500000,
  'cap_standard_bp': 300,
  'cap_former_poverty_bp': 300,
  'individual_max': 15000000,
  'partnership_factor_pct': 1100000,
  'partnership_max': 110000000,
  'enterprise_max': 300000000,
  'max_term_individual': 36,
  'max_term_enterprise': 24,
  'hire_share_small_pct': 200000,
  'hire_share_large_pct': 100000,
  'hire_staff_threshold': 100,
  'graduate_window_years': 5,
  'working_age_min': 16,
  'retirement_age_male': 60,
  'retirement_age_female': 55,
  'lifetime_loans': 3,
  'consumer_loan_allowed_max': 5000000,
  'day_basis': 360,
  'approval_validity_days': 90},
 {'code': 'HN-2020',
  'effective_from': '2020-04-15',
  'regime_individual': 'full',
  'regime_individual_value': 0,
  'regime_enterprise': 'lpr_share',
  'regime_enterprise_value': 500000,
  'cap_standard_bp': 300,
  'cap_former_poverty_bp': 300,
  'individual_max': 20000000,
  'partnership_factor_pct': 1100000,
  'partnership_max': 110000000,
  'enterprise_max': 300000000,
  'max_term_individual': 36,
  'max_term_enterprise': 24,
  'hire_share_small_pct': 150000,
  'hire_share_large_pct': 80000,
  'hire_staff_threshold': 100,
  'graduate_window_years': 5,
  'working_age_min': 16,
  'retirement_age_male': 60,
  'retirement_age_female': 55,
  'lifetime_loans': 3,
  'consumer_loan_allowed_max': 5000000,
  'day_basis': 360,
  'approval_validity_days': 90},
 {'code': 'HN-2021',
  'effective_from': '2021-01-01',
  'regime_individual': 'lpr_margin',
  'regime_individual_value': 1500000,
  'regime_enterprise': 'lpr_margin',
  'regime_enterprise_value': 1500000,
  'cap_standard_bp': 150,
  'cap_former_poverty_bp': 250,
  'individual_max': 20000000,
  'partnership_factor_pct': 1100000,
  'partnership_max': 110000000,
  'enterprise_max': 300000000,
  'max_term_individual': 36,
  'max_term_enterprise': 24,
  'hire_share_small_pct': 150000,
  'hire_share_large_pct': 80000,
  'hire_staff_threshold': 100,
  'graduate_window_years': 5,
  'working_age_min': 16,
  'retirement_age_male': 60,
  'retirement_age_female': 55,
  'lifetime_loans': 3,
  'consumer_loan_allowed_max': 5000000,
  'day_basis': 360,
  'approval_validity_days': 90},
 {'code': 'HN-2023',
  'effective_from': '2023-10-01',
  'regime_individual': 'rate_share',
  'regime_individual_value': 500000,
  'regime_enterprise': 'rate_share',
  'regime_enterprise_value': 500000,
  'cap_standard_bp': 150,
  'cap_former_poverty_bp': 250,
  'individual_max': 30000000,
  'partnership_factor_pct': 1100000,
  'partnership_max': 400000000,
  'enterprise_max': 400000000,
  'max_term_individual': 36,
  'max_term_enterprise': 24,
  'hire_share_small_pct': 100000,
  'hire_share_large_pct': 50000,
  'hire_staff_threshold': 100,
  'graduate_window_years': 5,
  'working_age_min': 16,
  'retirement_age_male': 60,
  'retirement_age_female': 55,
  'lifetime_loans': 3,
  'consumer_loan_allowed_max': 5000000,
  'day_basis': 360,
  'approval_validity_days': 90}]

LPR = [('2019-08-20', 42500),
 ('2019-09-20', 42000),
 ('2019-11-20', 41500),
 ('2020-02-20', 40500),
 ('2020-04-20', 38500),
 ('2021-12-20', 38000),
 ('2022-01-20', 37000),
 ('2022-08-22', 36500),
 ('2023-06-20', 35500),
 ('2023-08-21', 34500),
 ('2024-07-22', 33500),
 ('2024-10-21', 31000),
 ('2025-05-20', 30000)]

AUDIT_GUARD = {
    "sqlite": [
        "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
        "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
        "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
        "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
    ],
    "postgresql": [
        "CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'audit_events is append-only'; END $$",
        "CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events "
        "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
    ],
}
AUDIT_GUARD_DOWN = {
    "sqlite": ["DROP TRIGGER audit_events_no_update", "DROP TRIGGER audit_events_no_delete"],
    "postgresql": ["DROP TRIGGER audit_events_no_change ON audit_events", "DROP FUNCTION audit_events_append_only()"],
}


def _table(name, *columns):
    return sa.table(name, *(sa.column(c) for c in columns))


def upgrade():
    now = datetime.now(timezone.utc)
    op.bulk_insert(_table("districts", "code", "name_zh", "name_en", "cap_class", "active"),
                   [dict(d, active=True) for d in DISTRICTS])
    op.bulk_insert(_table("banks", "code", "name_zh", "name_en", "active"), [dict(b, active=True) for b in BANKS])
    op.bulk_insert(_table("key_groups", *KEY_GROUPS[0].keys()), KEY_GROUPS)
    policy_rows = [dict(p, effective_from=date.fromisoformat(p["effective_from"]), created_at=now) for p in POLICIES]
    op.bulk_insert(_table("policy_versions", *policy_rows[0].keys()), policy_rows)
    op.bulk_insert(_table("lpr_fixings", "published_on", "rate", "created_at"),
                   [{"published_on": date.fromisoformat(d), "rate": r, "created_at": now} for d, r in LPR])
    for statement in AUDIT_GUARD.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def downgrade():
    for statement in AUDIT_GUARD_DOWN.get(op.get_bind().dialect.name, []):
        op.execute(statement)
    op.execute("DELETE FROM lpr_fixings")
    op.execute("DELETE FROM policy_versions")
    op.execute("DELETE FROM key_groups")
    op.execute("DELETE FROM banks")
    op.execute("DELETE FROM districts")
