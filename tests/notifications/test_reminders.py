"""The hourly reminders (SPEC §15): expiring approvals, visits due, late cases — each
occasion told once per person however often the job runs; the officers' Visits due list."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from loans.core.dates import add_months
from loans.db import LOCAL_TZ, db
from loans.jobs.runner import submit
from loans.notifications.models import OutboxMessage
from loans.policy.queries import working_calendar
from loans.servicing import reminders
from loans.unit_of_work import unit_of_work
from tests.helpers import text

TODAY = date(2026, 6, 10)


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr(reminders, "local_today", lambda: TODAY)
    return TODAY


def told(occasion_prefix: str) -> list[tuple[int, str]]:
    rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "in_app",
                                                          OutboxMessage.occasion_key.like(f"{occasion_prefix}%")))
    return sorted((r.user_id, r.template) for r in rows)


def run_reminders():
    with unit_of_work():
        submit("reminders", {})
    db.session.expire_all()


def test_each_occasion_is_told_once(app, today, approved, add_loan, make_case, staff, bank_user):
    officer = staff("officer", district_code="431002")
    elsewhere = staff("officer", district_code="431021")
    city = staff("supervisor")
    case = approved(decided_on=today - timedelta(days=75))  # valid until today + 15
    case.approved_bank_code = "ICBC-CZ"
    add_loan("V-6", events=((add_months(today, -6) - timedelta(days=1), "disbursement", "200000"),))
    add_loan("V-old", events=((add_months(today, -6) - timedelta(days=30), "disbursement", "200000"),))  # before go-live
    calendar = working_calendar()
    submitted = next(d for d in (today - timedelta(days=n) for n in range(10, 40))
                     if today - timedelta(days=7) < calendar.add_working_days(d, 10) < today)
    late = make_case("under_review", submitted_at=datetime.combine(submitted, time(10), tzinfo=LOCAL_TZ))
    db.session.commit()

    run_reminders()
    first = {kind: told(kind) for kind in ("expiry15:", "visit", "late:")}
    assert (case.applicant_id, "expiry_soon") in first["expiry15:"]
    assert (bank_user.id, "expiry_soon_bank") in first["expiry15:"]
    assert first["visit"] == [(officer.id, "visit_due")] + [
        (u.id, "visit_due") for u in reminders._staff("officer", district_code="431002") if u.id != officer.id]
    assert elsewhere.id not in {u for u, _ in first["visit"]}
    late_told = {u for u, _ in first["late:"]}
    assert city.id in late_told and (late.assigned_officer_id or officer.id) in late_told
    assert db.session.scalar(select(OutboxMessage).where(OutboxMessage.occasion_key.like("visit6:%"),
                                                         OutboxMessage.params["loan"].as_string() == "V-old")) is None

    run_reminders()  # the next hour: nothing new
    assert {kind: told(kind) for kind in ("expiry15:", "visit", "late:")} == first


def test_visits_due_list_by_scope(app, today, add_loan, staff, as_user):
    six = add_months(today, -6) - timedelta(days=3)
    add_loan("B-DUE", district="431002", events=((six, "disbursement", "200000"),))
    add_loan("B-VISITED", district="431002", events=((six, "disbursement", "200000"),),
             visits=((today - timedelta(days=1), 1, 2),))
    add_loan("B-TWELVE", district="431002", events=((add_months(today, -12), "disbursement", "200000"),),
             visits=((add_months(today, -5), 1, 2),))  # the 6-month visit was made, the 12-month one is due
    add_loan("B-NEW", district="431002", events=((today - timedelta(days=30), "disbursement", "200000"),))
    add_loan("S-DUE", district="431021", events=((six, "disbursement", "200000"),))
    db.session.commit()
    officer_page = text(as_user(staff("officer", district_code="431002")).get("/loans/visits-due").text)
    assert "B-DUE" in officer_page and "B-TWELVE" in officer_page and "12 months" in officer_page
    assert "B-VISITED" not in officer_page and "B-NEW" not in officer_page and "S-DUE" not in officer_page
    city_page = text(as_user(staff("supervisor")).get("/loans/visits-due").text)
    assert "B-DUE" in city_page and "S-DUE" in city_page
    assert as_user(staff("bank", bank_code="ICBC-CZ")).get("/loans/visits-due").status_code == 403
