"""Compensation claims, recoveries and write-offs (SPEC §4, §13): the worked examples to the
fen, every state transition and the illegal ones, who may do what (four eyes), the
automatic cancellation on a repayment or a cure, and legacy claims completed by finance."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from loans.audit.models import AuditEvent
from loans.db import db
from loans.errors import ConcurrentChange, Refused
from loans.fund import claims
from loans.fund.models import CompensationClaim, FundMovement, WriteOff
from loans.servicing import services as servicing
from loans.servicing.models import Loan, LoanEvent

TODAY = date(2025, 9, 1)
D = Decimal


@pytest.fixture(autouse=True)
def _english(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


def contract(approved, bank_user, *, amount="150000", district="431002") -> Loan:
    """A loan of ¥``amount`` at 3.50 %, signed 2024-06-03 for 6 months on an approved case."""
    case = approved(decided_on=date(2024, 5, 29), amount=amount, district=district)
    loan, _ = servicing.record_contract(case, servicing.ContractTerms(
        contract_no=f"C-{case.id}", contract_date=date(2024, 6, 3), amount=D(amount), term_months=6,
        contract_rate=D("3.50")), actor=bank_user, today=TODAY)
    servicing.record_disbursement(loan, actor=bank_user, on=date(2024, 6, 5), amount=D(amount),
                                  expected_version=None, today=TODAY)
    return loan


def overdue_loan(approved, bank_user, *, overdue_on=date(2025, 1, 1), **kwargs) -> Loan:
    """SPEC §13's example: ¥150,000 at 3.50 %, overdue from 2025-01-01."""
    loan = contract(approved, bank_user, **kwargs)
    servicing.record_overdue_start(loan, actor=bank_user, on=overdue_on, expected_version=None, today=TODAY)
    db.session.commit()
    return loan


@pytest.fixture
def people(staff, bank_user):
    return {"bank": bank_user, "officer": staff("officer", district_code="431002"),
            "other_officer": staff("officer", district_code="431003"),
            "district_supervisor": staff("supervisor", district_code="431002"),
            "city": staff("supervisor"), "city2": staff("supervisor"), "finance": staff("finance"),
            "finance2": staff("finance"), "other_bank": staff("bank", bank_code="ABC-CZ")}


def filed(approved, people, **kwargs):
    loan = overdue_loan(approved, people["bank"], **kwargs)
    claim = claims.file_claim(loan, date(2025, 4, 1), people["bank"], today=TODAY)
    db.session.commit()
    return claim


def paid(approved, people, **kwargs):
    claim = filed(approved, people, **kwargs)
    claims.check_claim(claim, actor=people["officer"])
    claims.approve_claim(claim, actor=people["city"])
    claims.pay_claim(claim, paid_on=date(2025, 5, 6), voucher_no="DC-2025-001", actor=people["finance"], today=TODAY)
    db.session.commit()
    return claim


def test_the_worked_example_to_the_fen(approved, people):
    claim = filed(approved, people)
    assert (claim.status, claim.principal, claim.interest, claim.total, claim.fund_share, claim.bank_share) == (
        "filed", D("150000.00"), D("1312.50"), D("151312.50"), D("121050.00"), D("30262.50"))
    assert (claim.overdue_since, claim.share_pct, claim.district_code, claim.bank_code) == (
        date(2025, 1, 1), D(80), "431002", "ICBC-CZ")
    row = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "claim_file"))
    assert row.detail["total"] == "151312.50" and row.to_state == "filed"


def test_a_claim_waits_90_days_and_needs_an_overdue_loan(approved, people):
    loan = overdue_loan(approved, people["bank"])
    with pytest.raises(Refused, match="may be filed from 2025-04-01: 90 days after the loan became overdue on "
                                      "2025-01-01") as refused:
        claims.file_claim(loan, date(2025, 3, 31), people["bank"], today=TODAY)
    assert refused.value.field == "claim_date"
    with pytest.raises(Refused, match="cannot be in the future"):
        claims.file_claim(loan, date(2025, 9, 2), people["bank"], today=TODAY)
    db.session.rollback()
    active = contract(approved, people["bank"], amount="1000")
    with pytest.raises(Refused, match="only be filed for an overdue loan") as refused:
        claims.file_claim(active, date(2025, 4, 1), people["bank"], today=TODAY)
    assert refused.value.status == 409


def test_one_pending_claim_per_loan_and_only_the_loans_bank_files(approved, people):
    claim = filed(approved, people)
    with pytest.raises(Refused, match="already has a pending claim"):
        claims.file_claim(claim.loan, date(2025, 4, 2), people["bank"], today=TODAY)
    db.session.rollback()
    with pytest.raises(Refused) as refused:
        claims.file_claim(claim.loan, date(2025, 4, 2), people["other_bank"], today=TODAY)
    assert refused.value.status == 403


def test_the_whole_way_to_paid(approved, people):
    claim = paid(approved, people)
    loan = db.session.get(Loan, claim.loan_id)
    assert (claim.status, claim.paid_on, claim.voucher_no) == ("paid", date(2025, 5, 6), "DC-2025-001")
    assert loan.status == "compensated" and loan.application.status == "compensated"
    event = db.session.get(LoanEvent, claim.compensation_event_id)
    assert (event.kind, event.event_on, event.amount) == ("compensation", date(2025, 5, 6), D("150000.00"))
    movement = db.session.scalar(select(FundMovement).where(FundMovement.claim_id == claim.id))
    assert (movement.kind, movement.amount, movement.moved_on, movement.bank_code, movement.district_code) == (
        "compensation_paid", D("121050.00"), date(2025, 5, 6), "ICBC-CZ", "431002")
    actions = list(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "compensation_claims", AuditEvent.object_id == claim.id).order_by(AuditEvent.id)))
    assert actions == ["claim_file", "claim_check", "claim_approve", "claim_pay"]


def test_illegal_transitions_are_refused(approved, people):
    claim = filed(approved, people)
    with pytest.raises(Refused, match="now “Filed”"):
        claims.approve_claim(claim, actor=people["city"])
    db.session.rollback()
    with pytest.raises(Refused, match="now “Filed”"):
        claims.pay_claim(claim, paid_on=date(2025, 5, 6), voucher_no="V", actor=people["finance"], today=TODAY)
    db.session.rollback()
    claims.check_claim(claim, actor=people["officer"])
    with pytest.raises(Refused, match="now “Checked”"):
        claims.check_claim(claim, actor=people["officer"])
    db.session.rollback()
    claims.cancel_claim(claim, reason="客户已还款", actor=people["bank"])
    db.session.commit()
    for act in (lambda: claims.approve_claim(claim, actor=people["city"]),
                lambda: claims.cancel_claim(claim, reason="x", actor=people["bank"])):
        with pytest.raises(Refused, match="now “Cancelled”") as refused:
            act()
        assert refused.value.status == 409
        db.session.rollback()


@pytest.mark.parametrize("who, action", [
    ("other_officer", "check"), ("bank", "check"), ("finance", "check"),
    ("officer", "approve"), ("district_supervisor", "approve"), ("finance", "approve"),
    ("bank", "pay"), ("city", "pay"),
    ("other_bank", "cancel"), ("officer", "cancel"),
])
def test_roles(approved, people, who, action):
    claim = filed(approved, people)
    if action in ("approve", "pay"):
        claims.check_claim(claim, actor=people["officer"])
    if action == "pay":
        claims.approve_claim(claim, actor=people["city"])
    db.session.commit()
    act = {"check": lambda a: claims.check_claim(claim, actor=a),
           "approve": lambda a: claims.approve_claim(claim, actor=a),
           "pay": lambda a: claims.pay_claim(claim, paid_on=date(2025, 5, 6), voucher_no="V", actor=a, today=TODAY),
           "cancel": lambda a: claims.cancel_claim(claim, reason="x", actor=a)}[action]
    with pytest.raises(Refused) as refused:
        act(people[who])
    assert refused.value.status == 403


def test_a_district_supervisor_may_check_and_the_checker_never_approves(approved, people):
    claim = filed(approved, people)
    claims.check_claim(claim, actor=people["city"], note="核对无误")
    db.session.commit()
    with pytest.raises(Refused, match="You checked this claim") as refused:
        claims.approve_claim(claim, actor=people["city"])
    assert refused.value.status == 403
    db.session.rollback()
    claims.approve_claim(claim, actor=people["city2"])
    assert claim.status == "approved"
    other = filed(approved, people)
    claims.check_claim(other, actor=people["district_supervisor"])
    assert other.status == "checked"


def test_a_stale_form_changes_nothing(approved, people):
    claim = filed(approved, people)
    stale = claim.lock_version
    claims.check_claim(claim, actor=people["officer"], expected_version=stale)
    db.session.commit()
    claims.approve_claim(claim, actor=people["city"])
    db.session.commit()
    with pytest.raises(ConcurrentChange):
        claims.pay_claim(claim, paid_on=date(2025, 5, 6), voucher_no="V", actor=people["finance"],
                         expected_version=stale, today=TODAY)


@pytest.mark.parametrize("kind", ["repayment", "overdue_end"])
def test_a_repayment_or_a_cure_cancels_a_pending_claim(approved, people, kind):
    claim = filed(approved, people)
    claims.check_claim(claim, actor=people["officer"])
    db.session.commit()
    loan = db.session.get(Loan, claim.loan_id)
    if kind == "repayment":
        servicing.record_repayment(loan, actor=people["bank"], on=date(2025, 5, 1), amount=D("1000"),
                                   expected_version=None, today=TODAY)
    else:
        servicing.record_overdue_end(loan, actor=people["bank"], on=date(2025, 5, 1), expected_version=None,
                                     today=TODAY)
    db.session.commit()
    db.session.expire_all()
    claim = db.session.get(CompensationClaim, claim.id)
    assert claim.status == "cancelled"
    assert claim.cancel_reason == {"repayment": "repayment recorded", "overdue_end": "overdue ended"}[kind]
    row = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "claim_cancel"))
    assert (row.from_state, row.to_state, row.detail["on"]) == ("checked", "cancelled", "2025-05-01")


def test_recoveries_are_shared_and_never_exceed_the_claim(approved, people):
    claim = paid(approved, people)
    recovery = claims.record_recovery(claim, date(2025, 6, 1), D("10000.03"), people["bank"], bank_ref="R-1",
                                      today=TODAY)
    assert (recovery.fund_share, recovery.bank_share) == (D("8000.02"), D("2000.01"))
    movement = db.session.scalar(select(FundMovement).where(FundMovement.recovery_id == recovery.id))
    assert (movement.kind, movement.amount) == ("recovery_received", D("8000.02"))
    db.session.commit()
    with pytest.raises(Refused, match=r"exceed the claim of ¥151,312.50: ¥141,312.47 is left") as refused:
        claims.record_recovery(claim, date(2025, 6, 2), D("141312.48"), people["bank"], today=TODAY)
    assert refused.value.field == "amount"
    db.session.rollback()
    claims.record_recovery(claim, date(2025, 6, 2), D("141312.47"), people["bank"], today=TODAY)
    db.session.commit()
    assert claims.recovered(claim) == D("151312.50")
    loan = db.session.get(Loan, claim.loan_id)
    assert loan.status == "compensated" and len(loan.events) == 3  # no balance, status or event changes
    with pytest.raises(Refused, match="¥0.00 is left"):
        claims.record_recovery(claim, date(2025, 6, 3), D("0.01"), people["bank"], today=TODAY)


def test_no_recovery_before_payment_or_by_another_bank(approved, people):
    claim = filed(approved, people)
    with pytest.raises(Refused, match="paid claim of a compensated or written-off loan"):
        claims.record_recovery(claim, date(2025, 6, 1), D("1"), people["bank"], today=TODAY)
    db.session.rollback()
    claim = paid(approved, people)
    with pytest.raises(Refused) as refused:
        claims.record_recovery(claim, date(2025, 6, 1), D("1"), people["other_bank"], today=TODAY)
    assert refused.value.status == 403
    db.session.rollback()
    with pytest.raises(Refused, match="before the claim was paid on 2025-05-06"):
        claims.record_recovery(claim, date(2025, 5, 5), D("1"), people["bank"], today=TODAY)


def test_write_off_flow(approved, people):
    claim = paid(approved, people)
    claims.record_recovery(claim, date(2025, 6, 1), D("1312.50"), people["bank"], today=TODAY)
    db.session.commit()
    with pytest.raises(Refused) as refused:
        claims.propose_write_off(claim, reason="借款人失联", actor=people["district_supervisor"])
    assert refused.value.status == 403
    db.session.rollback()
    proposal = claims.propose_write_off(claim, reason="借款人失联", actor=people["city"])
    assert (proposal.amount, proposal.status) == (D("150000.00"), "proposed")
    db.session.commit()
    with pytest.raises(Refused, match="while no other proposal is open"):
        claims.propose_write_off(claim, reason="again", actor=people["city2"])
    db.session.rollback()
    proposal = db.session.scalar(select(WriteOff))
    claims.decide_write_off(proposal, approve=False, actor=people["finance"], note="再追偿", today=TODAY)
    assert db.session.get(Loan, claim.loan_id).status == "compensated"
    proposal = claims.propose_write_off(claim, reason="借款人失联两年", actor=people["city"])
    db.session.commit()
    with pytest.raises(Refused) as refused:
        claims.decide_write_off(proposal, approve=True, actor=people["city2"], today=TODAY)
    assert refused.value.status == 403
    db.session.rollback()
    proposal = db.session.scalar(select(WriteOff).where(WriteOff.status == "proposed"))
    claims.decide_write_off(proposal, approve=True, actor=people["finance"], today=TODAY)
    db.session.commit()
    loan = db.session.get(Loan, claim.loan_id)
    assert loan.status == "written_off" and loan.application.status == "written_off"
    # 账销案存: recoveries may still follow
    claims.record_recovery(claim, date(2025, 8, 1), D("500"), people["bank"], today=TODAY)
    assert claims.recovered(claim) == D("1812.50")
    with pytest.raises(ConcurrentChange):
        claims.decide_write_off(proposal, approve=True, actor=people["finance2"], today=TODAY)


def test_legacy_claim_is_completed_once(approved, people):
    loan = overdue_loan(approved, people["bank"])
    event = servicing.record_compensation(loan, actor=people["finance"], on=date(2025, 5, 1), amount=D("150000"),
                                          expected_version=None, today=TODAY)
    legacy = CompensationClaim(loan_id=loan.id, bank_code=loan.bank_code, district_code=loan.district_code,
                               status="paid", legacy=True, claim_date=date(2025, 5, 1), overdue_since=date(2025, 1, 1),
                               principal=D("150000"), interest=D(0), total=D("150000"), share_pct=D(80),
                               fund_share=D("120000"), bank_share=D("30000"), paid_on=date(2025, 5, 1),
                               compensation_event_id=event.id)
    db.session.add(legacy)
    db.session.commit()
    with pytest.raises(Refused) as refused:
        claims.complete_legacy_claim(legacy, voucher_no="V-1", paid_on=date(2025, 5, 1), actor=people["city"],
                                     today=TODAY)
    assert refused.value.status == 403
    db.session.rollback()
    claims.complete_legacy_claim(legacy, voucher_no="DC-2024-9", paid_on=date(2025, 5, 1), actor=people["finance"],
                                 today=TODAY)
    db.session.commit()
    with pytest.raises(ConcurrentChange):
        claims.complete_legacy_claim(legacy, voucher_no="DC-2024-10", paid_on=date(2025, 5, 1),
                                     actor=people["finance2"], today=TODAY)
    db.session.rollback()
    movements = db.session.scalars(select(FundMovement).where(FundMovement.claim_id == legacy.id)).all()
    assert [(m.amount, m.voucher_no) for m in movements] == [(D("120000.00"), "DC-2024-9")]
    assert db.session.scalar(select(func.count()).select_from(FundMovement).where(
        FundMovement.kind == "compensation_paid")) == 1
