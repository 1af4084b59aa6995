"""Events reach the next actor (SPEC §15): each claim step, and the borrower when the
contract is recorded."""
from __future__ import annotations

from sqlalchemy import select

from loans.db import db
from loans.fund import claims
from loans.notifications.models import Notification, OutboxMessage
from tests.fund.test_claims import TODAY, filed, people  # noqa: F401  (the claims' world)
from tests.fund.test_claims import _english  # noqa: F401


def told(event: str) -> dict[str, set[int]]:
    steps: dict[str, set[int]] = {}
    for note in db.session.scalars(select(Notification).where(Notification.event == event)):
        steps.setdefault(note.params.get("step"), set()).add(note.user_id)
    return steps


def test_claim_steps_tell_the_next_actor(approved, people):  # noqa: F811
    claim = filed(approved, people)
    claims.check_claim(claim, actor=people["officer"])
    claims.approve_claim(claim, actor=people["city"])
    from datetime import date

    claims.pay_claim(claim, paid_on=date(2025, 5, 6), voucher_no="DC-2025-001", actor=people["finance"], today=TODAY)
    db.session.commit()
    steps = told("claim_step")
    ids = {name: user.id for name, user in people.items()}
    assert {ids["officer"], ids["district_supervisor"], ids["city"], ids["city2"]} <= steps["filed"]
    assert ids["other_officer"] not in steps["filed"]
    assert {ids["city"], ids["city2"]} <= steps["checked"] and ids["district_supervisor"] not in steps["checked"]
    assert steps["approved"] == {ids["finance"], ids["finance2"]}
    assert steps["paid"] == {ids["bank"]}
    # a contract recorded tells the borrower (the template "contract_recorded")
    applicant = claim.loan.application.applicant_id
    assert db.session.scalar(select(OutboxMessage).where(OutboxMessage.user_id == applicant,
                                                         OutboxMessage.template == "contract_recorded"))


def test_statements_tell_reviewers_finance_and_then_the_borrowers(app, contracted, bank_user, staff):
    from datetime import date
    from decimal import Decimal

    from loans.servicing import services as servicing
    from loans.subsidy import services as subsidy

    city, finance = staff("supervisor"), staff("finance")
    loan = contracted(contract_date=date(2025, 1, 15), rate="4.35", amount="100000")
    servicing.record_disbursement(loan, actor=bank_user, on=date(2025, 1, 20), amount=Decimal("100000"),
                                  expected_version=None, today=date(2025, 1, 20))
    db.session.commit()
    subsidy.compute_period_subsidy("2025Q1", None, today=date(2025, 4, 1), bank_codes=["ICBC-CZ"])
    db.session.commit()
    statement = subsidy.current_statement("2025Q1", "ICBC-CZ")
    assert statement.line_count == 1
    reviewers = {n.user_id for n in db.session.scalars(select(Notification).where(
        Notification.event == "statement_review"))}
    assert city.id in reviewers and finance.id not in reviewers
    subsidy.review_statement(statement, actor=city)
    assert finance.id in {n.user_id for n in db.session.scalars(select(Notification).where(
        Notification.event == "statement_approval"))}
    subsidy.approve_statement(statement, actor=finance)
    subsidy.pay_statement(statement, actor=finance, paid_on=date(2025, 4, 10), voucher_no="PZ-1")
    db.session.commit()
    [note] = db.session.scalars(select(Notification).where(Notification.event == "subsidy_paid")).all()
    assert note.user_id == loan.application.applicant_id and note.params["period"] == "2025Q1"
