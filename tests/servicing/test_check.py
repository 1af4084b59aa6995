"""``loans check`` (SPEC §10): loans past their (extended) maturity with money out become
overdue from the day after that maturity; idempotent."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from loans.db import db
from loans.servicing import services
from loans.servicing.models import Loan


def test_loans_check(runner, contracted, bank_user):
    due = contracted(contract_date=date(2025, 1, 15), term_months=6)  # maturity 2025-07-15
    repaid = contracted(contract_date=date(2025, 1, 15), term_months=6)
    extended = contracted(contract_date=date(2025, 1, 15), term_months=6)
    not_yet = contracted(contract_date=date(2025, 1, 15), term_months=12)
    never_paid_out = contracted(contract_date=date(2025, 1, 15), term_months=6)
    for loan in (due, repaid, extended, not_yet):
        services.record_disbursement(loan, actor=bank_user, on=date(2025, 1, 20), amount=Decimal("1000"),
                                     expected_version=None)
    services.record_repayment(repaid, actor=bank_user, on=date(2025, 7, 1), amount=Decimal("1000"),
                              expected_version=None)
    services.record_extension(extended, actor=bank_user, on=date(2025, 7, 1), new_maturity_date=date(2025, 9, 30),
                              expected_version=None)
    db.session.commit()

    result = runner.invoke(args=["loans", "check", "--today", "2025-08-01"])
    assert result.exit_code == 0, result.output
    assert "1 became overdue" in result.output
    db.session.expire_all()
    status = {loan.id: loan.status for loan in db.session.scalars(select(Loan))}
    assert status == {due.id: "overdue", repaid.id: "settled", extended.id: "extended", not_yet.id: "active",
                      never_paid_out.id: "contracted"}
    due = db.session.get(Loan, due.id)
    assert [(e.kind, e.event_on) for e in due.events][-1] == ("overdue_start", date(2025, 7, 16))
    assert due.application.status == "overdue"

    again = runner.invoke(args=["loans", "check", "--today", "2025-08-01"])
    assert "0 loan(s) past maturity and not overdue; 0 became overdue" in again.output
    later = runner.invoke(args=["loans", "check", "--today", "2025-10-01"])
    assert "1 became overdue" in later.output
    db.session.expire_all()
    extended = db.session.get(Loan, extended.id)
    assert extended.status == "overdue" and extended.events[-1].event_on == date(2025, 10, 1)
    assert runner.invoke(args=["loans", "check", "--today", "2025-10-01"]).output.endswith("0 became overdue\n")


def test_loans_check_bad_date(runner):
    result = runner.invoke(args=["loans", "check", "--today", "2025-13-01"])
    assert result.exit_code != 0 and "Traceback" not in result.output
