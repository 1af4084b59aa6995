"""E06 (loan history) and E14 (duplicates) see the ``loans`` table, ledger-imported loans
included (SPEC §6)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from loans.applications import services as app_services
from loans.db import db
from loans.eligibility.services import _loan_history, run_engine
from loans.servicing import services
from loans.servicing.models import LoanEvent

from .test_loan_actions import _ledger_loan
from loans.errors import Refused


def rule(application, rule_id):
    result = run_engine(application, date(2026, 6, 1))
    return next(r for r in result.rules if r.id == rule_id)


@pytest.fixture
def draft(make_case):
    return make_case("draft", loan_type="individual")


def test_ledger_loans_count_in_the_loan_history(draft):
    assert _loan_history(draft.id_number_hash, draft.id) == (0, False)
    _ledger_loan(id_number=draft.id_number, loan_ref="L-1", contract_no="L-1", status="settled")
    assert _loan_history(draft.id_number_hash, draft.id) == (1, False)
    overdue_once = _ledger_loan(id_number=draft.id_number, loan_ref="L-2", contract_no="L-2", status="settled")
    db.session.add_all([LoanEvent(loan_id=overdue_once.id, event_on=date(2025, 2, 1), kind="disbursement",
                                  amount=Decimal("1000")),
                        LoanEvent(loan_id=overdue_once.id, event_on=date(2025, 5, 1), kind="overdue_start"),
                        LoanEvent(loan_id=overdue_once.id, event_on=date(2025, 6, 1), kind="overdue_end")])
    db.session.commit()
    assert _loan_history(draft.id_number_hash, draft.id) == (2, True)
    _ledger_loan(id_number=draft.id_number, loan_ref="L-3", contract_no="L-3", status="settled")
    assert rule(draft, "E06").result == "fail"  # three earlier loans: the lifetime maximum is reached


def test_a_case_with_its_loan_counts_once(contracted, bank_user, make_case):
    loan = contracted(contract_date=date(2025, 1, 15))
    case = loan.application
    later = make_case("draft")
    assert _loan_history(case.id_number_hash, later.id) == (1, False)
    assert _loan_history(case.id_number_hash, case.id) == (0, False)  # the case itself is not "earlier"
    services.record_disbursement(loan, actor=bank_user, on=date(2025, 1, 20), amount=Decimal("1000"),
                                 expected_version=None)
    services.record_overdue_start(loan, actor=bank_user, on=date(2025, 3, 1), expected_version=None)
    services.record_overdue_end(loan, actor=bank_user, on=date(2025, 3, 10), expected_version=None)
    db.session.commit()
    assert _loan_history(case.id_number_hash, later.id) == (1, True)


@pytest.mark.parametrize("status, blocks", [("active", True), ("overdue", True), ("extended", True),
                                            ("settled", False), ("compensated", False), ("contracted", False)])
def test_an_active_ledger_loan_blocks_a_new_application(draft, status, blocks):
    _ledger_loan(id_number=draft.id_number, status=status)
    assert app_services.has_blocking_conflict(draft) is blocks
    assert rule(draft, "E14").result == ("fail" if blocks else "pass")


def test_an_active_ledger_loan_of_the_enterprise_blocks_by_credit_code(draft):
    draft.credit_code = "91431002MA4L0XXX0X"
    db.session.commit()
    assert not app_services.has_blocking_conflict(draft)
    _ledger_loan(credit_code="91431002MA4L0XXX0X", status="active")
    assert app_services.has_blocking_conflict(draft)


def test_submission_is_refused_while_a_ledger_loan_is_active(draft, monkeypatch):
    monkeypatch.setattr(app_services, "missing_items", lambda application: [])  # evidence uploads aside
    _ledger_loan(id_number=draft.id_number, status="active")
    with pytest.raises(Refused) as refused:
        app_services.submit_application(draft, actor=draft.applicant, evaluate=lambda case: None)
    assert draft.id_number_masked in str(refused.value)  # whose ID: the applicant's own
