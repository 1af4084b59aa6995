"""Per-bank rates (SPEC §13): the job stores each bank's rates once per day asked for,
warns above 3 %, pauses strictly above 5 % (one open pause per bank), a later month-end at
or below 5 % lifts the pause by itself; a zero denominator gives no rate and no pause;
warnings, pauses, lifts and leverage at 90 % of the limit are notified to finance,
city-wide supervisors and the bank's clerks."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from loans.audit.models import AuditEvent
from loans.db import db
from loans.fund import queries
from loans.fund.models import BankPause, BankRate, CompensationClaim, FundMovement
from loans.fund.rates import compute_bank_rates
from loans.notifications.models import Notification
from loans.notifications.services import render
from loans.unit_of_work import unit_of_work
from tests import factories

D = Decimal
d = date


def paid_claim(loan, paid_on, principal):
    db.session.add(CompensationClaim(
        loan_id=loan.id, bank_code=loan.bank_code, district_code=loan.district_code, status="paid",
        claim_date=paid_on, principal=D(principal), interest=D(0), total=D(principal), share_pct=D(80),
        fund_share=D(principal) * D("0.8"), bank_share=D(principal) * D("0.2"), paid_on=paid_on))


@pytest.fixture
def people(make_user):
    people = {"finance": make_user("finance"), "city": make_user("supervisor"),
              "beihu": make_user("supervisor", district_code="431002"),
              "icbc": make_user("bank", bank_code="ICBC-CZ"), "abc": make_user("bank", bank_code="ABC-CZ")}
    for user in people.values():
        user.locale = "en"  # their emails in English
    db.session.commit()
    return people


@pytest.fixture
def icbc(app):
    """ICBC on 2026-05-31: 1,000,000 outstanding of which 50,000 overdue (5 % → warned);
    in the 12 months, 60,000 of claims paid and 940,000 repaid (6 % → paused)."""
    loan = factories.ProgrammeLoanFactory
    big = loan(bank_code="ICBC-CZ", contract_date=d(2024, 1, 1),
               events=[(d(2024, 1, 2), "disbursement", "1890000"), (d(2025, 9, 1), "repayment", "940000")])
    loan(bank_code="ICBC-CZ", contract_date=d(2024, 1, 1),
         events=[(d(2024, 1, 2), "disbursement", "50000"), (d(2026, 3, 1), "overdue_start", None)])
    gone = loan(bank_code="ICBC-CZ", contract_date=d(2024, 1, 1),
                events=[(d(2024, 1, 2), "disbursement", "60000"), (d(2026, 2, 1), "compensation", "60000")],
                status="compensated")
    paid_claim(gone, d(2026, 2, 1), "60000")
    db.session.add(FundMovement(moved_on=d(2024, 1, 1), kind="deposit", amount=D("1000000"), voucher_no="F",
                                source="cli"))
    db.session.commit()
    return big


def test_the_job_stores_warns_and_pauses(icbc, people):
    with unit_of_work():
        run = compute_bank_rates(d(2026, 5, 31))
    rate = db.session.scalars(select(BankRate).where(BankRate.bank_code == "ICBC-CZ")).one()
    assert (rate.outstanding_principal, rate.overdue_principal) == (D("1000000.00"), D("50000.00"))
    assert (rate.claims_paid_principal, rate.guarantee_ended_principal) == (D("60000.00"), D("1000000.00"))
    assert rate.overdue_rate == D("0.05") and rate.claims_rate == D("0.06") and rate.warned
    assert run.warned == ["ICBC-CZ"] and run.paused == ["ICBC-CZ"]
    pause = db.session.scalars(select(BankPause)).one()
    assert (pause.bank_code, pause.paused_on, pause.claims_rate, pause.lifted_on) == (
        "ICBC-CZ", d(2026, 5, 31), D("0.06"), None)
    assert queries.paused_bank_codes() == {"ICBC-CZ"}
    assert queries.paused_bank_codes(d(2026, 5, 30)) == set()
    # a bank with nothing: a row, no rate, no warning, no pause
    abc = db.session.scalars(select(BankRate).where(BankRate.bank_code == "ABC-CZ")).one()
    assert (abc.overdue_rate, abc.claims_rate, abc.warned) == (None, None, False)
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "bank_paused")).one()
    assert audit.detail == {"bank": "ICBC-CZ", "on": "2026-05-31", "claims_rate": "6.00%"}


def test_who_is_told(app, icbc, people):
    with unit_of_work():
        compute_bank_rates(d(2026, 5, 31))
    emails = {(m["to"], m["event"]): m for m in app.extensions.get("sent_emails", [])}
    clerk = emails[(people["icbc"].email, "bank_paused")]
    assert clerk["subject"] == "Guarantee fund" and clerk["link"].endswith("/fund/bank")
    assert emails[(people["finance"].email, "bank_warned")]["link"].endswith("/fund/")
    told = {(n.user_id, n.event) for n in db.session.scalars(select(Notification))}
    for who in ("finance", "city", "icbc"):
        assert (people[who].id, "bank_warned") in told and (people[who].id, "bank_paused") in told
    assert not any(user in (people["beihu"].id, people["abc"].id) for user, _ in told)
    note = db.session.scalars(select(Notification).where(Notification.event == "bank_paused")).first()
    with force_locale("en"):
        said = render(note.event, note.params)
    assert said == (
        "Bank ICBC-CZ: claims rate 6.00% on 2026-05-31 is above 5%; new approvals naming it are paused.")


def test_running_again_changes_nothing(icbc, people):
    for _ in range(2):
        with unit_of_work():
            compute_bank_rates(d(2026, 5, 31))
    assert db.session.scalar(select(func.count()).select_from(BankRate).where(BankRate.bank_code == "ICBC-CZ")) == 1
    assert db.session.scalar(select(func.count()).select_from(BankPause)) == 1
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == people["finance"].id, Notification.event == "bank_warned")) == 1


def test_a_later_month_end_at_the_threshold_lifts_the_pause(icbc, people):
    with unit_of_work():
        compute_bank_rates(d(2026, 5, 31))
    # 200,000 more repaid in June: 60,000 ÷ 1,200,000 = 5 %, at the threshold; 2026-06-15 is no month-end
    from loans.servicing.models import LoanEvent

    db.session.add(LoanEvent(loan_id=icbc.id, event_on=d(2026, 6, 10), kind="repayment", amount=D("200000")))
    db.session.commit()
    with unit_of_work():
        compute_bank_rates(d(2026, 6, 15))
    assert db.session.scalars(select(BankPause)).one().lifted_on is None
    with unit_of_work():
        run = compute_bank_rates(d(2026, 6, 30))
    pause = db.session.scalars(select(BankPause)).one()
    assert run.lifted == ["ICBC-CZ"] and pause.lifted_on == d(2026, 6, 30) and pause.lifted_by_id is None
    assert queries.paused_bank_codes() == set()
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "bank_pause_lifted")).one()
    assert audit.actor_id is None and audit.detail["claims_rate"] == "5.00%"
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.event == "bank_pause_lifted", Notification.user_id == people["icbc"].id)) == 1


def test_exactly_five_percent_pauses_nothing(app):
    loan = factories.ProgrammeLoanFactory
    gone = loan(bank_code="CZRCB", contract_date=d(2024, 1, 1),
                events=[(d(2024, 1, 2), "disbursement", "50000"), (d(2026, 2, 1), "compensation", "50000")],
                status="compensated")
    loan(bank_code="CZRCB", contract_date=d(2024, 1, 1),
         events=[(d(2024, 1, 2), "disbursement", "950000"), (d(2026, 3, 1), "repayment", "950000")])
    paid_claim(gone, d(2026, 2, 1), "50000")
    db.session.commit()
    with unit_of_work():
        compute_bank_rates(d(2026, 5, 31))
    rate = db.session.scalars(select(BankRate).where(BankRate.bank_code == "CZRCB")).one()
    assert rate.claims_rate == D("0.05") and rate.overdue_rate is None  # nothing outstanding: no overdue rate
    assert db.session.scalar(select(func.count()).select_from(BankPause)) == 0


def test_leverage_near_the_limit_is_told_once_per_month_end(app, people):
    db.session.add(FundMovement(moved_on=d(2026, 1, 1), kind="deposit", amount=D("1000000"), voucher_no="F",
                                source="cli"))
    factories.ProgrammeLoanFactory(contract_date=d(2026, 1, 1), events=[(d(2026, 1, 2), "disbursement", "4600000")])
    db.session.commit()
    for _ in range(2):
        with unit_of_work():
            run = compute_bank_rates(d(2026, 5, 31))
    notes = db.session.scalars(select(Notification).where(Notification.event == "leverage_near_limit")).all()
    assert {n.user_id for n in notes} == {people["finance"].id, people["city"].id}  # once each
    with force_locale("en"):
        said = render(notes[0].event, notes[0].params)
    assert said == (
        "Guarantee fund: leverage 4.60 on 2026-05-31 is at 90% of the limit 5.00 or above.")
    with unit_of_work():
        compute_bank_rates(d(2026, 5, 20))  # not a month-end: no notice
    assert len(db.session.scalars(select(Notification).where(Notification.event == "leverage_near_limit")).all()) == 2


def test_the_cli_and_the_job(runner, icbc, people):
    result = runner.invoke(args=["fund", "rates", "--on", "2026-05-31"])
    assert result.exit_code == 0, result.output
    assert "rates as at 2026-05-31" in result.output and "paused ICBC-CZ" in result.output
    bad = runner.invoke(args=["fund", "rates", "--on", "31/05/2026"])
    assert bad.exit_code != 0 and "--on must be a date like 2026-01-31" in bad.output
    from loans.jobs.models import Job
    from loans.jobs.runner import submit

    with unit_of_work():
        job_id = submit("bank_rates", {"on": "2026-04-30"}).id
    job = db.session.get(Job, job_id)
    assert job.state == "done" and job.result["as_of"] == "2026-04-30"
    assert db.session.scalar(select(func.count()).select_from(BankRate).where(BankRate.as_of == d(2026, 4, 30))) > 0


def test_scheduled_at_one_on_the_first_for_the_month_just_ended():
    from loans.core.fund import month_end_before
    from loans.jobs.queue import SCHEDULE

    [(name, check, kinds)] = [entry for entry in SCHEDULE if "bank_rates" in entry[2]]
    assert check(datetime(2026, 11, 30, 17, 0)) and not check(datetime(2026, 12, 1, 17, 0))
    assert month_end_before(d(2026, 12, 1)) == d(2026, 11, 30)
