"""``demo-data`` creates loans in every state for the demo bank, through the services; idempotent."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from loans.applications.models import LoanApplication
from loans.db import db
from loans.servicing.models import FollowUpVisit, Loan, LoanEvent


def test_demo_loans(app, runner):
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    loans = db.session.scalars(select(Loan)).all()
    assert {"contracted", "active", "overdue", "extended", "settled", "compensated"} <= set(
        loan.status for loan in loans)
    assert "declined" in set(db.session.scalars(select(LoanApplication.status)))
    assert all(loan.bank_code == "ICBC-CZ" and loan.application.status == loan.status for loan in loans)
    periods = {(e.event_on.year, (e.event_on.month - 1) // 3) for e in db.session.scalars(
        select(LoanEvent).where(LoanEvent.kind.in_(("disbursement", "repayment"))))}
    assert len(periods) >= 6  # money moves across many quarters of 2025–2026
    assert db.session.scalar(select(func.count()).select_from(FollowUpVisit)) >= 1
    # the compensated loan came through a paid claim; a claim in every state, and a recovery
    from loans.fund.models import CompensationClaim, Recovery

    assert set(db.session.scalars(select(CompensationClaim.status))) == {
        "filed", "checked", "approved", "paid", "cancelled"}
    assert db.session.scalar(select(func.count()).select_from(Recovery)) == 1

    from loans.demo import DEMO_PASSWORD

    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login = {"login": "bank.icbc@demo.czloans.cn", "password": DEMO_PASSWORD}
    assert client.post("/login", data=login).status_code == 302
    page = client.get("/loans/").get_data(as_text=True)
    assert all(loan.loan_ref in page for loan in loans)
    for loan in loans:
        assert client.get(f"/loans/{loan.id}").status_code == 200
    for claim_id in db.session.scalars(select(CompensationClaim.id)):
        assert client.get(f"/claims/{claim_id}").status_code == 200

    before = (Counter(db.session.scalars(select(Loan.status))),
              db.session.scalar(select(func.count()).select_from(LoanEvent)))
    again = runner.invoke(args=["demo-data"])
    assert "nothing changed" in again.output
    check = runner.invoke(args=["loans", "check"])
    assert check.exit_code == 0 and "0 became overdue" in check.output
    db.session.expire_all()
    assert (Counter(db.session.scalars(select(Loan.status))),
            db.session.scalar(select(func.count()).select_from(LoanEvent))) == before
