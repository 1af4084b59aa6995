"""The queue's case counts (loans/applications/counts.py): kept per district and status with
every change, so the tabs and pills read a few rows. Every test's teardown also checks that
they equal a fresh count (tests/conftest.py ``_case_counts_hold``); these tests look at
what users see and at the repairs."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, insert, select, update

from loans.applications import counts
from loans.applications.counts import CaseCount
from loans.applications.models import LoanApplication
from loans.applications.services import transition
from loans.core.workflow import Action
from loans.db import db
from loans.review import queries
from loans.review.services import take_case
from loans.review.queries import QueueFilters

from tests.helpers import client_for


def _both(user, **filters):
    f = QueueFilters(**filters)
    kept = queries._kept_counts(user, f)
    return kept, queries._counted(user, f)


def test_the_kept_counts_equal_the_counted_ones_for_every_scope(app, make_case, staff):
    for status, district in [("submitted", "431002"), ("submitted", "431002"), ("under_review", "431002"),
                             ("submitted", "431003"), ("approved", "431003"), ("draft", "431002")]:
        make_case(status=status, district=district)
    officer = staff("officer", district_code="431002")
    city = staff("supervisor")
    district_supervisor = staff("supervisor", district_code="431003")
    auditor = staff("auditor")
    for user in (officer, city, district_supervisor, auditor):
        kept, counted = _both(user)
        assert kept is not None and kept == counted, user.role
    kept, _ = _both(officer)
    assert kept.statuses == {"submitted": 2, "under_review": 1}  # no draft, no other district
    assert _both(city)[0].statuses == {"submitted": 3, "under_review": 1, "approved": 1}
    assert _both(officer, key_group="graduate")[0] is None  # a filter: counted from the cases


def test_my_cases_are_counted_from_the_officers_own(app, make_case, staff, as_user):
    officer = staff("officer", district_code="431002")
    mine = make_case(status="submitted", district="431002")
    make_case(status="submitted", district="431002")
    take_case(mine, actor=officer)
    db.session.commit()
    kept, counted = _both(officer)
    assert kept == counted and kept.mine == {"under_review": 1}
    page = as_user(officer).get("/review/?view=mine").get_data(as_text=True)
    assert mine.reference in page


def test_a_decision_moves_one_case_between_the_pills(app, make_case, staff, as_user):
    officer = staff("officer", district_code="431002")
    case = make_case(status="submitted", district="431002")
    client = as_user(officer)
    assert counts.per_status("431002") == {"submitted": 1}
    transition(case, Action.take, actor=officer)
    db.session.commit()
    assert counts.per_status("431002") == {"under_review": 1}
    page = client.get("/review/").get_data(as_text=True)
    assert case.reference in page


def test_a_savepoint_rolled_back_takes_its_counts_with_it(app, make_case, staff):
    officer = staff("officer", district_code="431002")
    case = make_case(status="submitted", district="431002")
    savepoint = db.session.begin_nested()
    transition(case, Action.take, actor=officer)
    assert counts.per_status("431002") == {"under_review": 1}
    savepoint.rollback()
    assert counts.per_status("431002") == {"submitted": 1}
    db.session.rollback()
    assert counts.per_status("431002") == {"submitted": 1}


def test_cases_changed_through_the_session_are_counted(app, make_case):
    case = make_case(status="draft", district="431002")
    assert counts.per_status() == {}  # drafts are not counted
    case.status = "submitted"  # a change of status the ORM flushes (the services use transition)
    db.session.commit()
    assert counts.per_status("431002") == {"submitted": 1}
    db.session.expire(case)  # an attribute set after expiry has no old value in the session
    case.district_code = "431003"
    db.session.commit()
    assert counts.per_status("431002") == {} and counts.per_status("431003") == {"submitted": 1}
    db.session.delete(case)
    db.session.commit()
    assert counts.per_status() == {}


def test_fold_keeps_the_sums_in_one_row_per_district_and_status(app, make_case, staff):
    officer = staff("officer", district_code="431002")
    cases = [make_case(status="submitted", district="431002") for _ in range(3)]
    for case in cases:
        transition(case, Action.take, actor=officer)
    db.session.commit()
    before = counts.kept(db.session.connection())
    rows = db.session.scalar(select(func.count()).select_from(CaseCount))
    assert rows > 2
    assert counts.fold(db.session.connection()) == rows
    db.session.commit()
    assert counts.kept(db.session.connection()) == before == {("431002", "under_review", None): 3}
    assert db.session.scalar(select(func.count()).select_from(CaseCount)) == 1


def test_the_daily_fold_runs_as_a_job(app, make_case):
    from loans.jobs.runner import run, submit

    make_case(status="submitted", district="431002")
    make_case(status="submitted", district="431002")
    db.session.commit()
    job = submit("case_counts_fold", {})
    db.session.commit()
    run(job.id)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(CaseCount)) == 1
    assert counts.per_status("431002") == {"submitted": 2}


def test_rebuild_repairs_counts_a_bulk_write_left_behind(app, make_case, runner):
    case = make_case(status="submitted", district="431002")
    db.session.execute(update(LoanApplication).where(LoanApplication.id == case.id).values(status="withdrawn"))
    db.session.execute(insert(CaseCount.__table__), [{"district_code": "431081", "status": "approved", "n": 5,
                                                      "user_id": None}])
    db.session.commit()
    assert counts.per_status("431081") == {"approved": 5}
    result = runner.invoke(args=["cases", "rebuild-counts"])
    assert result.exit_code == 0, result.output
    assert "case counts rebuilt: 1" in result.output
    db.session.expire_all()
    assert counts.per_status() == {"withdrawn": 1}


@pytest.mark.parametrize("path", ["/review/", "/review/?view=closed", "/review/?status=submitted"])
def test_the_city_supervisor_sees_the_same_tabs_with_and_without_a_filter(app, make_case, staff, as_user, path):
    for district in ("431002", "431003", "431021"):
        make_case(status="submitted", district=district)
    client = as_user(staff("supervisor"))
    plain = client.get(path).get_data(as_text=True)
    filtered = client.get(path + ("&" if "?" in path else "?") + "loan_type=individual").get_data(as_text=True)
    def numbers(page):  # the tabs' and pills' counts, in order
        return re.findall(r'class="badge[^"]*">(\d+)<', page)

    assert numbers(plain) and numbers(plain) == numbers(filtered)
    assert "3" in numbers(plain)
