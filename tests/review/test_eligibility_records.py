"""E06, E13 and E14 read the system's own records (issue 3): earlier loans as borrower or
partner, loans that were ever overdue, and open cases of every person in a partnership."""
from __future__ import annotations

from datetime import date

from loans.applications.models import Partner
from loans.applications.services import _set_id_number, transition
from loans.core.workflow import Action
from loans.db import db, local_today
from loans.eligibility.services import run_engine
from tests.factories import resident_id


def _loan(make_case, status_path, **fields):
    """A case moved on to a loan status through the state machine (as servicing will)."""
    case = make_case("approved", **fields)
    for action in status_path:
        transition(case, action)
    db.session.commit()
    return case


def _result(case, rule_id):
    return run_engine(case, local_today()).rule(rule_id).result


def test_a_loan_that_was_overdue_once_fails_e06_even_after_it_was_cured(app, make_case):
    borrower_id = resident_id("431002", date(1985, 3, 3), 77)
    earlier = _loan(make_case, (Action.contract, Action.disburse, Action.become_overdue, Action.cure))
    _set_id_number(earlier, borrower_id)
    new = make_case("submitted")
    _set_id_number(new, borrower_id)
    db.session.commit()
    assert earlier.status == "active"
    assert _result(new, "E06") == "fail"


def test_loans_held_as_a_partner_count_towards_the_lifetime_limit(app, make_case):
    person = resident_id("431003", date(1980, 5, 5), 88)
    for _ in range(3):
        loan = _loan(make_case, (Action.contract, Action.disburse, Action.settle))
        partner = Partner(full_name="合伙人", key_group_code="veteran", position=0, declares_no_other_loans=True)
        _set_id_number(partner, person)
        loan.partners.append(partner)
    new = make_case("submitted")
    _set_id_number(new, person)
    db.session.commit()
    assert _result(new, "E06") == "fail"


def test_a_partner_with_an_open_application_is_a_duplicate(app, make_case):
    partner_id = resident_id("431002", date(1990, 1, 1), 55)
    elsewhere = make_case("submitted")
    _set_id_number(elsewhere, partner_id)
    case = make_case("submitted", loan_type="partnership")
    partner = Partner(full_name="合伙人", key_group_code="veteran", position=0, declares_no_other_loans=True)
    _set_id_number(partner, partner_id)
    case.partners.append(partner)
    db.session.commit()
    assert _result(case, "E14") == "fail"


def test_a_graduate_partner_is_judged_on_their_own_graduation_date(app, make_case):
    case = make_case("submitted", loan_type="partnership")
    partner = Partner(full_name="毕业生", key_group_code="graduate", position=0, declares_no_other_loans=True,
                      graduation_date=local_today().replace(year=local_today().year - 2))
    _set_id_number(partner, resident_id("431002", date(2000, 2, 2), 66))
    case.partners.append(partner)
    db.session.commit()
    assert _result(case, "E13") == "pass"
    partner.graduation_date = date(2001, 7, 1)
    db.session.commit()
    assert _result(case, "E13") == "fail"
