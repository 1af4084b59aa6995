"""The fund check on approvals (SPEC §13): a supervisor's approval is refused when the
projected leverage exceeds the year's limit, when the fund has no positive balance or when
the case's bank is paused; a city-wide supervisor may override with a written reason
(audited, shown on the case). The check and the approval are serialised."""
from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select

from loans.applications.models import LoanApplication
from loans.audit.models import AuditEvent
from loans.db import db
from loans.errors import Refused
from loans.fund.models import ApprovalOverride, BankPause, FundMovement
from loans.review import services as review

from tests.factories import TEST_FUND_VOUCHER
from tests.helpers import client_for, text


def fund_of(amount: str) -> None:
    """The fund is exactly ``amount`` (the factories' test fund taken away)."""
    db.session.execute(delete(FundMovement).where(FundMovement.voucher_no == TEST_FUND_VOUCHER))
    if Decimal(amount):
        db.session.add(FundMovement(moved_on=date(2020, 1, 1), kind="deposit", amount=Decimal(amount),
                                    voucher_no="郴财社〔2020〕1号"))
    db.session.commit()


@pytest.fixture(autouse=True)
def english(app):
    """Services' messages in English (outside a request they follow the app's default, Chinese)."""
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


@pytest.fixture
def cases(make_case):
    """Two recommended cases of ¥300,000 (ICBC-CZ) and an approved one of ¥250,000 (undrawn)."""
    first = make_case("recommended", amount=Decimal("300000"))
    second = make_case("recommended", amount=Decimal("300000"), name="李四")
    make_case("approved", amount=Decimal("250000"), name="王五")
    return first, second


def test_within_the_limit_passes_and_above_it_is_refused(app, cases, staff):
    # no loan matured last year: the limit is 5×; (250,000 undrawn + 300,000) ÷ 110,000 = 5.00×
    first, second = cases
    fund_of("110000")
    supervisor = staff("supervisor")
    review.decide(first, actor=supervisor, decision="approve")
    db.session.commit()
    assert first.status == "approved"
    # now 550,000 undrawn + 300,000 = 850,000 ÷ 110,000 = 7.73× > 5×
    with pytest.raises(Refused) as refused:
        review.decide(second, actor=supervisor, decision="approve")
    db.session.rollback()
    assert "7.73×" in str(refused.value) and "5.00×" in str(refused.value)
    assert db.session.get(LoanApplication, second.id).status == "recommended"


def test_a_fen_above_the_limit_is_refused(app, cases, staff):
    fund_of("109999.99")  # 550,000 ÷ 109,999.99 = 5.0000000454…×: shown 5.00×, still above
    with pytest.raises(Refused) as refused:
        review.decide(cases[0], actor=staff("supervisor"), decision="approve")
    assert "5.00×" in str(refused.value)


def test_no_fund_refuses_every_approval(app, cases, staff):
    fund_of("0")
    with pytest.raises(Refused) as refused:
        review.decide(cases[0], actor=staff("supervisor"), decision="approve")
    assert "no positive balance" in str(refused.value)


def test_rejections_need_no_fund(app, make_case, staff):
    fund_of("0")
    case = make_case("recommended")
    review.decide(case, actor=staff("supervisor"), decision="reject", reason="经营计划不可行")
    assert case.status == "rejected"


def pause(bank="ICBC-CZ", on=date(2026, 1, 1)) -> None:
    db.session.add(BankPause(bank_code=bank, paused_on=on, claims_rate=Decimal("0.06")))
    db.session.commit()


def test_a_paused_bank_is_refused_and_a_citywide_supervisor_overrides_with_a_reason(app, cases, staff):
    fund_of("100000000")
    pause()
    first = cases[0]
    district_supervisor = staff("supervisor", district_code="431002")
    citywide = staff("supervisor")
    with pytest.raises(Refused) as refused:
        review.decide(first, actor=district_supervisor, decision="approve")
    db.session.rollback()
    assert "paused" in str(refused.value) and "Only a city-wide supervisor" in str(refused.value)
    with pytest.raises(Refused) as refused:
        review.decide(first, actor=district_supervisor, decision="approve", override_reason="急需")
    db.session.rollback()
    assert refused.value.status == 403
    with pytest.raises(Refused) as refused:
        review.decide(first, actor=citywide, decision="approve")
    db.session.rollback()
    assert refused.value.field == "override_reason"

    review.decide(first, actor=citywide, decision="approve", override_reason="市政府重点扶持项目，经局务会研究同意。")
    db.session.commit()
    assert first.status == "approved"
    override = db.session.scalar(select(ApprovalOverride))
    assert (override.application_id, override.refusals, override.actor_id) == (first.id, "bank_paused", citywide.id)
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "fund_override"))
    assert audit.object_id == first.id and audit.detail["reason"].startswith("市政府重点扶持项目")


def test_the_case_page_shows_the_check_and_the_override(app, cases, staff):
    fund_of("100000")  # (250,000 + 300,000) ÷ 100,000 = 5.50×
    first = cases[0]
    citywide = staff("supervisor")
    client = client_for(app, citywide)
    page = text(client.get(f"/review/cases/{first.id}").get_data(as_text=True))
    assert "Guarantee fund check" in page and "5.50×" in page and "above this year's limit of 5.00×" in page
    assert "Reason for overriding the fund check" in page

    refused = client.post(f"/review/cases/{first.id}/decide", data={"decision": "approve"})
    assert refused.status_code == 400
    assert "give a written reason for overriding the fund check" in text(refused.get_data(as_text=True))
    done = client.post(f"/review/cases/{first.id}/decide",
                       data={"decision": "approve", "override_reason": "Priority project agreed by the bureau."})
    assert done.status_code == 302
    page = text(client.get(f"/review/cases/{first.id}").get_data(as_text=True))
    assert "Fund check overridden" in page and "Priority project agreed by the bureau." in page

    zh = client_for(app, citywide)
    zh.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    second = cases[1]
    page = text(zh.get(f"/review/cases/{second.id}").get_data(as_text=True))
    assert "担保基金" in page and "放大倍数" in page


def test_concurrent_approvals_take_the_headroom_once(app, cases, staff):
    # each alone passes: (250,000 + 300,000) ÷ 120,000 = 4.58×; both: 850,000 ÷ 120,000 = 7.08×
    fund_of("120000")
    first, second = cases
    clients = [client_for(app, staff("supervisor", name=f"主管{i}")) for i in range(2)]
    barrier, results = threading.Barrier(2), [None, None]

    def decide(i, case_id):
        barrier.wait(timeout=10)
        results[i] = clients[i].post(f"/review/cases/{case_id}/decide", data={"decision": "approve"})

    threads = [threading.Thread(target=decide, args=(i, c.id)) for i, c in enumerate((first, second))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(r.status_code for r in results) == [302, 400], [r.status_code for r in results]
    db.session.expire_all()
    statuses = sorted(db.session.scalars(select(LoanApplication.status).where(
        LoanApplication.id.in_((first.id, second.id)))))
    assert statuses == ["approved", "recommended"]


def test_applicants_are_not_offered_a_paused_bank(app, make_case, client):
    from tests.helpers import login

    pause("ABC-CZ")
    draft = make_case("draft")
    login(client, draft.applicant)
    page = client.get(f"/my/applications/{draft.id}/step/loan").get_data(as_text=True)
    assert 'value="ICBC-CZ"' in page and 'value="ABC-CZ"' not in page


def test_an_open_case_naming_a_paused_bank_says_the_officer_will_propose_another(app, make_case, staff):
    pause("ICBC-CZ")
    case = make_case("under_review")
    officer = staff("officer", district_code="431002")
    page = text(client_for(app, officer).get(f"/review/cases/{case.id}").get_data(as_text=True))
    assert "the officer will propose another bank" in page
    assert db.session.scalar(select(func.count(ApprovalOverride.id))) == 0
