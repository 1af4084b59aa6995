"""Policy administration: versions side by side, add/edit (never rewriting history), LPR, key groups."""
from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from loans.audit.models import AuditEvent
from loans.db import db, local_today
from loans.labels import SUBSIDY_REGIME
from loans.policy.models import KeyGroup, LprFixing, PolicyVersion
from tests.helpers import text


def version_form(code: str, effective_from: str, **changes) -> dict:
    """Every field of the version form, starting from HN-2023's values."""
    data = {
        "code": code, "effective_from": effective_from,
        "regime_individual": "rate_share", "regime_individual_value": "50",
        "regime_enterprise": "rate_share", "regime_enterprise_value": "50",
        "cap_standard_bp": "150", "cap_former_poverty_bp": "250",
        "individual_max": "300000", "partnership_factor_pct": "110", "partnership_max": "4000000",
        "enterprise_max": "4000000", "max_term_individual": "36", "max_term_enterprise": "24",
        "hire_share_small_pct": "10", "hire_share_large_pct": "5", "hire_staff_threshold": "100",
        "graduate_window_years": "5", "working_age_min": "16", "retirement_age_male": "60",
        "retirement_age_female": "55", "lifetime_loans": "3", "consumer_loan_allowed_max": "50000",
        "day_basis": "360", "approval_validity_days": "90",
        "leverage_limit_high": "10", "leverage_limit_low": "5", "repayment_rate_threshold_pct": "90",
        "overdue_warn_pct": "3", "claims_pause_pct": "5", "claim_wait_days": "90", "fund_share_pct": "80",
    }
    data.update(changes)
    return data


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def version(code: str) -> PolicyVersion | None:
    db.session.expire_all()
    return db.session.scalar(select(PolicyVersion).where(PolicyVersion.code == code))


def use_policy(make_user, code: str, on: date) -> None:
    """A case evaluated under ``code`` (an eligibility snapshot), as submission stores it."""
    from loans.applications.models import LoanApplication
    from loans.eligibility.models import EligibilitySnapshot

    applicant = make_user("applicant")
    application = LoanApplication(applicant_id=applicant.id, status="submitted")
    db.session.add(application)
    db.session.flush()
    db.session.add(EligibilitySnapshot(application_id=application.id, trigger="submit", policy_code=code,
                                       application_date=on, eligible=True, max_amount=Decimal("200000"),
                                       max_term_months=36, rules=[]))
    db.session.commit()


def test_versions_side_by_side(client, login_as):
    login_as("admin")
    response = client.get("/admin/policy/versions")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    header = html[html.index("<thead>"):html.index("</thead>")]
    assert [c for c in ("HN-2018", "HN-2020", "HN-2021", "HN-2023") if c in header] == [
        "HN-2018", "HN-2020", "HN-2021", "HN-2023"]
    assert header.index("HN-2018") < header.index("HN-2020") < header.index("HN-2021") < header.index("HN-2023")
    row = html[html.index("Individual maximum"):]
    row = row[:row.index("</tr>")]
    assert ["¥150,000.00", "¥200,000.00", "¥200,000.00", "¥300,000.00"] == [
        cell.split("<")[0] for cell in row.split('<td class="text-end">')[1:]]
    assert "LPR minus a margin" in html and "2021-01-01" in html
    assert "Add a version" in html


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("url", ["/admin/policy/versions", "/admin/policy/versions/new"])
def test_subsidy_regimes_are_named_in_words(app, client, login_as, lang, url):
    """The regimes read "LPR minus a margin", never "(lpr_margin)", in the table and on the form."""
    login_as("admin")
    client.post("/language", data={"lang": lang})
    page = text(client.get(url).get_data(as_text=True))
    assert re.findall(r"\b[a-z]+_[a-z_]+\b", page) == []
    assert re.findall(r"\((full|lpr_margin|rate_share|lpr_share)\)", page) == []
    with app.test_request_context(headers={"Accept-Language": lang}):
        for regime in ("full", "lpr_margin", "rate_share", "lpr_share"):
            assert str(SUBSIDY_REGIME[regime]) in page, regime


def test_auditor_reads_but_cannot_change(client, login_as):
    login_as("auditor")
    assert client.get("/admin/policy/versions").status_code == 200
    assert "Add a version" not in client.get("/admin/policy/versions").get_data(as_text=True)
    assert client.get("/admin/policy/lpr").status_code == 200
    assert client.get("/admin/policy/key-groups").status_code == 200
    assert client.get("/admin/policy/versions/new").status_code == 403
    assert client.post("/admin/policy/versions/new", data=version_form("HN-X", "2030-01-01")).status_code == 403
    assert client.post("/admin/policy/lpr", data={"published_on": "2025-06-20", "rate": "2.9"}).status_code == 403
    assert client.post("/admin/policy/key-groups/veteran/edit", data={}).status_code == 403
    assert version("HN-X") is None


@pytest.mark.parametrize("role", ["applicant", "officer", "supervisor", "bank", "finance"])
def test_other_roles_get_403(client, login_as, role):
    login_as(role)
    for url in ("/admin/policy/versions", "/admin/policy/lpr", "/admin/policy/key-groups",
                "/admin/policy/versions/new", "/admin/policy/versions/HN-2021/edit",
                "/admin/policy/key-groups/veteran/edit", "/admin/policy/key-groups/new"):
        assert client.get(url).status_code == 403, url


def test_anonymous_goes_to_login(client):
    response = client.get("/admin/policy/versions")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_add_version(client, login_as):
    admin = login_as("admin")
    assert client.get("/admin/policy/versions/new").status_code == 200
    response = client.post("/admin/policy/versions/new",
                           data=version_form("HN-2026", "2026-01-01", individual_max="350000.50"))
    assert response.status_code == 302
    added = version("HN-2026")
    assert added.effective_from == date(2026, 1, 1)
    assert added.individual_max == Decimal("350000.50")
    assert added.regime_individual_value == Decimal("50")
    assert added.created_by_id == admin.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "policy_version_add"))
    assert event.object_id == added.id and event.actor_id == admin.id
    assert event.detail["params"]["individual_max"] == "350000.50"
    from loans.policy.queries import policy_on

    assert policy_on(date(2026, 2, 1)).code == "HN-2026"


@pytest.mark.parametrize("changes, field, message", [
    ({"code": "HN-2021"}, "code", "Another version already has this code"),
    ({"effective_from": "2023-10-01"}, "effective_from", "already starts on this date"),
    ({"individual_max": "3,00,000"}, "individual_max", "every three digits"),
    ({"individual_max": "3e5"}, "individual_max", "not in exponent notation"),
    ({"regime_individual": "full"}, "regime_individual_value", "enter 0"),
    ({"partnership_max": "100000"}, "partnership_max", "at least the individual maximum"),
    ({"day_basis": "300"}, "day_basis", ""),
])
def test_add_version_refusals(client, login_as, changes, field, message):
    login_as("admin")
    response = client.post("/admin/policy/versions/new", data={**version_form("HN-2026", "2026-01-01"), **changes})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert "policy_version_add" not in audit_actions()


def test_new_version_may_not_move_evaluated_cases(client, login_as, make_user):
    login_as("admin")
    use_policy(make_user, "HN-2023", date(2025, 3, 1))
    response = client.post("/admin/policy/versions/new", data=version_form("HN-2025", "2025-01-01"))
    assert response.status_code == 400
    assert "Cases applied on 2025-03-01" in response.get_data(as_text=True)
    assert client.post("/admin/policy/versions/new",
                       data=version_form("HN-2025", "2025-03-02")).status_code == 302


def test_edit_unused_version_in_place(client, login_as):
    login_as("admin")
    hn2023 = version("HN-2023")
    response = client.post("/admin/policy/versions/HN-2023/edit",
                           data=version_form("HN-2023", "2023-10-01", hire_share_small_pct="12.5"))
    assert response.status_code == 302
    edited = version("HN-2023")
    assert edited.id == hn2023.id and edited.hire_share_small_pct == Decimal("12.5")
    assert db.session.scalar(select(db.func.count()).select_from(PolicyVersion)) == 4
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "policy_version_edit"))
    assert event.detail["changes"] == {"hire_share_small_pct": ["10", "12.5"]}


def test_edit_used_version_creates_a_new_one(client, login_as, make_user):
    login_as("admin")
    use_policy(make_user, "HN-2023", date(2024, 3, 1))
    page = client.get("/admin/policy/versions/HN-2023/edit").get_data(as_text=True)
    assert "Cases already use HN-2023" in page
    assert 'value="HN-2023-2"' in page
    same_code = client.post("/admin/policy/versions/HN-2023/edit",
                            data=version_form("HN-2023", "2025-01-01", individual_max="400000"))
    assert same_code.status_code == 400 and "give it a new code" in same_code.get_data(as_text=True)
    response = client.post("/admin/policy/versions/HN-2023/edit",
                           data=version_form("HN-2023-2", "2025-01-01", individual_max="400000"))
    assert response.status_code == 302
    old, new = version("HN-2023"), version("HN-2023-2")
    assert old.individual_max == Decimal("300000.00") and old.effective_from == date(2023, 10, 1)
    assert new.individual_max == Decimal("400000.00") and new.effective_from == date(2025, 1, 1)
    assert new.id != old.id
    actions = audit_actions()
    assert "policy_version_add" in actions and "policy_version_supersede" in actions
    assert "policy_version_edit" not in actions
    supersede = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "policy_version_supersede"))
    assert supersede.object_id == old.id and supersede.detail["new_code"] == "HN-2023-2"


def test_add_lpr_fixing(client, login_as):
    admin = login_as("admin")
    day = local_today() - timedelta(days=1)
    assert client.get("/admin/policy/lpr").status_code == 200
    response = client.post("/admin/policy/lpr", data={"published_on": day.isoformat(), "rate": "2.95"})
    assert response.status_code == 302
    fixing = db.session.scalar(select(LprFixing).where(LprFixing.published_on == day))
    assert fixing.rate == Decimal("2.95")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "lpr_fixing_add"))
    assert event.actor_id == admin.id and event.detail == {"published_on": day.isoformat(), "rate": "2.95"}
    assert "2.95" in client.get("/admin/policy/lpr").get_data(as_text=True)


@pytest.mark.parametrize("data, message", [
    ({"published_on": "2025-05-20", "rate": "3.10"}, "already a fixing"),
    ({"published_on": "2025-06-20", "rate": "-3.0%"}, "cannot be negative"),
    ({"published_on": "2025-06-20", "rate": "abc"}, "such as 3.85 or 3.85%"),
    ({"published_on": "2025-06-20", "rate": "0"}, "greater than zero"),
    ({"published_on": (local_today() + timedelta(days=3)).isoformat(), "rate": "3.0"}, "in the future"),
])
def test_lpr_refusals(client, login_as, data, message):
    login_as("admin")
    before = db.session.scalar(select(db.func.count()).select_from(LprFixing))
    response = client.post("/admin/policy/lpr", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count()).select_from(LprFixing)) == before


def test_edit_key_group(client, login_as):
    admin = login_as("admin")
    page = client.get("/admin/policy/key-groups/retired_fisherman/edit")
    assert page.status_code == 200 and "退捕渔民证明" in page.get_data(as_text=True)
    response = client.post("/admin/policy/key-groups/retired_fisherman/edit", data={
        "label_zh": "退捕渔民", "label_en": "Retired fisher", "evidence_zh": "退捕渔民身份证明",
        "evidence_en": "retired-fisher certificate", "sensitive": "y", "active": "y", "sort_order": "11"})
    assert response.status_code == 302
    db.session.expire_all()
    group = db.session.get(KeyGroup, "retired_fisherman")
    assert (group.label_en, group.evidence_zh, group.sensitive, group.active) == (
        "Retired fisher", "退捕渔民身份证明", True, True)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "key_group_edit"))
    assert event.actor_id == admin.id and event.detail["code"] == "retired_fisherman"
    assert event.detail["changes"]["label_en"] == ["Retired fisherman", "Retired fisher"]
    listing = client.get("/admin/policy/key-groups").get_data(as_text=True)
    assert "Retired fisher" in listing and "退捕渔民身份证明" in listing


def test_deactivated_key_group_is_no_longer_offered(client, login_as):
    login_as("admin")
    client.post("/admin/policy/key-groups/online_merchant/edit", data={
        "label_zh": "网络商户", "label_en": "Online merchant", "evidence_zh": "网店注册信息",
        "evidence_en": "platform shop registration", "sort_order": "8"})
    assert db.session.get(KeyGroup, "online_merchant").active is False
    body = {"application_date": "2024-01-10", "birth_date": "1990-01-01", "sex": "male",
            "key_groups": ["online_merchant"], "loan_type": "individual", "amount": "10000", "term_months": 12,
            "district_code": "431002"}
    response = client.post("/api/v1/eligibility/precheck", json=body)
    assert response.status_code == 400 and "key_groups" in response.get_json()["errors"]


def test_add_key_group(client, login_as):
    login_as("admin")
    data = {"code": "returned_student", "label_zh": "留学回国人员", "label_en": "Returned overseas student",
            "evidence_zh": "留学回国证明", "evidence_en": "proof of overseas study", "active": "y", "sort_order": "20"}
    assert client.post("/admin/policy/key-groups/new", data=data).status_code == 302
    group = db.session.get(KeyGroup, "returned_student")
    assert group.label_en == "Returned overseas student" and group.sensitive is False
    assert "key_group_add" in audit_actions()
    again = client.post("/admin/policy/key-groups/new", data=data)
    assert again.status_code == 400 and "already exists" in again.get_data(as_text=True)
    bad = client.post("/admin/policy/key-groups/new", data=dict(data, code="Bad Code"))
    assert bad.status_code == 400


def test_nav_links_for_admin(client, login_as):
    login_as("admin")
    html = client.get("/admin/policy/versions").get_data(as_text=True)
    assert 'href="/admin/policy/versions"' in html and 'href="/admin/policy/lpr"' in html
    assert 'href="/admin/policy/key-groups"' in html
