"""Loans, events, visits and statements built directly with the models, so these tests
do not depend on the servicing, ledger or subsidy services.

``programme`` is one small world for the range 2021-01-01 – 2021-06-30 (figures worked
out by hand in the docstring of each loan below)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from itertools import count

import pytest

START, END = date(2021, 1, 1), date(2021, 6, 30)
_refs = count(1)


def make_loan(*, district="431002", loan_type="individual", partners=1, jobs=1, bank="ICBC-CZ",
              key_group="graduate", events=(), visits=(), status="active"):
    """A loan with its events ``(date, kind, amount or None)`` and visits
    ``(date, owners, employees with contracts)``; first disbursement from the events."""
    from loans.db import db
    from loans.servicing.models import FollowUpVisit, Loan, LoanEvent

    n = next(_refs)
    disbursed = [on for on, kind, _ in events if kind == "disbursement"]
    loan = Loan(
        loan_ref=f"T-{n:05d}", source="ledger", status=status, borrower_name=f"借款人{n}",
        id_number="431002199001011237", id_number_hash=f"hash{n}", id_number_masked="431002********1237",
        key_group_code=None if loan_type == "enterprise" else key_group, district_code=district,
        business_name=f"生意{n}", loan_type=loan_type, partners=partners, jobs_declared=jobs, bank_code=bank,
        contract_no=f"C{n}", contract_date=date(2020, 1, 1), amount=Decimal("5000000"),
        contract_rate=Decimal("4.35"), lpr_rate=Decimal("3.85"), term_months=36, maturity_date=date(2024, 1, 1),
        first_disbursement_date=min(disbursed) if disbursed else None, policy_code="HN-2021")
    for i, (on, kind, amount) in enumerate(events):
        loan.events.append(LoanEvent(event_on=on, kind=kind, amount=None if amount is None else Decimal(amount),
                                     occurrence=i + 1))
    db.session.add(loan)
    db.session.flush()
    for on, owners, employees in visits:
        db.session.add(FollowUpVisit(loan_id=loan.id, visited_on=on, owners=owners, employees_with_contracts=employees))
    db.session.flush()
    return loan


def make_statement(*, bank, period, status, paid_on=None, lines=(), version=1):
    """A statement whose total is the sum of its lines ``(loan, subsidy)``."""
    from loans.db import db
    from loans.subsidy.models import SubsidyLine, SubsidyStatement

    statement = SubsidyStatement(period=period, bank_code=bank, status=status, paid_on=paid_on, version=version,
                                 total=sum((Decimal(s) for _, s in lines), Decimal("0.00")), line_count=len(lines))
    for loan, subsidy in lines:
        statement.lines.append(SubsidyLine(
            loan_id=loan.id, loan_ref=loan.loan_ref, borrower_masked="借*", policy_code="HN-2021",
            contract_rate=Decimal("4.35"), lpr_rate=Decimal("3.85"), subsidy_rate=Decimal("2.00"),
            subsidised_days=90, balance_days=Decimal("1000.00"), subsidy=Decimal(subsidy), interest=Decimal("1.00")))
    db.session.add(statement)
    db.session.flush()
    return statement


@pytest.fixture
def programme(app):
    from loans.db import db

    d = date
    loans = {
        # Beihu 431002
        # counted; 100,000 out, 20,000 back → 80,000; latest visit 1 + 4 = 5 verified
        "L1": make_loan(jobs=3, events=[(d(2021, 2, 10), "disbursement", "100000"),
                                        (d(2021, 5, 1), "repayment", "20000")],
                        visits=[(d(2021, 4, 1), 1, 1), (d(2021, 8, 1), 1, 4)]),
        # counted on the range's last day; a partnership of 3 people; never visited
        "L2": make_loan(loan_type="partnership", partners=3, jobs=8, bank="ABC-CZ", key_group="veteran",
                        events=[(d(2021, 6, 30), "disbursement", "300000")]),
        # first disbursed before the range: its second tranche counts in the amount only;
        # overdue since 2021-06-01, still open → 80,000 overdue
        "L3": make_loan(jobs=2, key_group="urban_unemployed",
                        events=[(d(2020, 12, 31), "disbursement", "50000"), (d(2021, 1, 1), "disbursement", "30000"),
                                (d(2021, 6, 1), "overdue_start", None)], status="overdue"),
        # first disbursed the day after the range: not counted, no balance on its last day
        "L4": make_loan(jobs=4, events=[(d(2021, 7, 1), "disbursement", "90000")]),
        # Suxian 431003
        # an enterprise: counted apart from people; overdue 04-01 up to (not including) 06-30
        "L5": make_loan(district="431003", loan_type="enterprise", jobs=20, bank="CZRCB",
                        events=[(d(2021, 3, 15), "disbursement", "1000000"), (d(2021, 4, 1), "overdue_start", None),
                                (d(2021, 6, 30), "overdue_end", None)],
                        visits=[(d(2021, 5, 1), 1, 12)]),
        # counted, repaid in full before the range ends
        "L6": make_loan(district="431003", jobs=1, events=[(d(2021, 1, 5), "disbursement", "200000"),
                                                           (d(2021, 6, 1), "repayment", "200000")], status="settled"),
        # an older loan the guarantee fund compensated: nothing outstanding
        "L7": make_loan(district="431003", bank="ABC-CZ", key_group="urban_unemployed",
                        events=[(d(2020, 6, 1), "disbursement", "100000"), (d(2021, 1, 10), "overdue_start", None),
                                (d(2021, 3, 1), "compensation", "100000")], status="compensated"),
    }
    make_statement(bank="ICBC-CZ", period="2021Q1", status="paid", paid_on=d(2021, 4, 10),
                   lines=[(loans["L1"], "1000.00"), (loans["L6"], "500.00")])
    make_statement(bank="ICBC-CZ", period="2020Q4", status="paid", paid_on=d(2021, 1, 15),
                   lines=[(loans["L3"], "300.00")])
    # not paid, paid after the range, and a superseded version: none counts
    make_statement(bank="ABC-CZ", period="2021Q1", status="approved", lines=[(loans["L2"], "999.00")])
    make_statement(bank="CZRCB", period="2021Q2", status="paid", paid_on=d(2021, 7, 5),
                   lines=[(loans["L5"], "777.00")])
    make_statement(bank="ICBC-CZ", period="2020Q3", status="superseded", paid_on=d(2021, 2, 1),
                   lines=[(loans["L3"], "50.00")])
    db.session.commit()
    return loans
