"""The monthly rollups (issue 17) equal a fresh aggregation after a realistic mixed history:
a ledger import, a second import adding to stored loans, events a bank clerk and the API
record, follow-up visits, an extension, a claim paid (compensation), corrections made
directly on a loan and an event, a deleted event. And the figures read from them equal
the same figures summed loan by loan from the events, on month-ends and mid-month days.
Runs on PostgreSQL too (``TEST_DATABASE_URL``)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from sqlalchemy import delete, func, select

from loans.core import rollups as rules
from loans.db import db
from loans.fund import queries as fund_queries
from loans.reports.queries import ReportFilters, programme_report
from loans.servicing import rollups
from loans.servicing import services as servicing
from loans.servicing.models import FollowUpVisit, Loan, LoanEvent
from loans.servicing.rollups import MonthlyRollup
from tests.fund.test_claims import paid, people  # noqa: F401 — the fixture
from tests.ledger.conftest import event_row, events_file, import_example_ledger, loan_row, loans_file

DAYS = (date(2021, 6, 30), date(2021, 6, 17), date(2021, 12, 31), date(2024, 6, 15), date(2025, 1, 1),
        date(2025, 5, 6), date(2025, 5, 31), date(2026, 3, 9))


def stored() -> dict[tuple, list[int]]:
    columns = [MonthlyRollup.month, *(getattr(MonthlyRollup, n) for n in rollups.DIMENSIONS)]
    figures = [getattr(MonthlyRollup, n) for n in rules.FIELDS]
    return {tuple(row[:5]): [int(v) for v in row[5:]] for row in db.session.execute(select(*columns, *figures))
            if any(row[5:])}


def fresh() -> dict[tuple, list[int]]:
    ids = db.session.scalars(select(Loan.id))
    return {key: list(row) for key, row in rollups.loan_months(db.session.connection(), ids).items() if any(row)}


def by_hand(d: date) -> dict[str, list[int]]:
    """Per district, loan by loan from the ORM objects: outstanding, overdue, guaranteed,
    guaranteed overdue on ``d`` (the definitions of SPEC §8 and §13, as the old queries read them)."""
    result: dict[str, list[int]] = {}
    for loan in db.session.scalars(select(Loan)):
        events = [e for e in loan.events if e.event_on <= d]
        if not events:
            continue
        fen = {kind: sum(int(e.amount * 100) for e in events if e.kind == kind)
               for kind in ("disbursement", "repayment", "compensation")}
        open_overdue = sum(e.kind == "overdue_start" for e in events) - sum(e.kind == "overdue_end" for e in events)
        balance = fen["disbursement"] - fen["repayment"] - fen["compensation"]
        guaranteed = fen["disbursement"] - fen["repayment"]
        guaranteed = guaranteed if (guaranteed > 0 and loan.contract_date <= d
                                    and not any(e.kind == "compensation" for e in events)) else 0
        figures = [max(balance, 0), max(balance, 0) if open_overdue > 0 else 0, guaranteed,
                   guaranteed if open_overdue > 0 else 0]
        row = result.setdefault(loan.district_code, [0, 0, 0, 0])
        for i, value in enumerate(figures):
            row[i] += value
    return {code: row for code, row in result.items() if any(row)}


def read(d: date) -> dict[str, list[int]]:
    return {code: row for (code,), row in rollups.positions(d, ("district_code",)).items() if any(row)}


def test_rollups_equal_a_fresh_aggregation_after_a_mixed_history(app, approved, people, run_ledger):  # noqa: F811
    import_example_ledger(app)
    result, problems = run_ledger(
        loans_file(loan_row(loan_ref="EX-N", district_code="431003", contract_date="2021-03-02",
                            maturity_date="2024-03-15")),
        events_file(event_row("EX-N", "2021-03-05", "disbursement", "150000"),
                    event_row("EX-N", "2021-06-17", "repayment", "50000"),
                    event_row("EX-N", "2021-06-10", "overdue_start", ""),
                    event_row("EX-A", "2021-12-20", "repayment", "30000")))
    assert problems is None, problems
    assert stored() == fresh()

    claim = paid(approved, people)  # contract, disbursement, overdue, a claim paid → compensation
    clerk = people["bank"]
    loan = db.session.scalar(select(Loan).where(Loan.loan_ref == "EX-A"))
    servicing.record_repayment(loan, actor=clerk, on=date(2025, 5, 6), amount=D("1000"), expected_version=None,
                               today=date(2025, 9, 1))
    servicing.record_extension(loan, actor=clerk, on=date(2025, 5, 20), new_maturity_date=date(2025, 12, 15),
                               expected_version=None, today=date(2025, 9, 1))
    servicing.record_overdue_start(loan, actor=clerk, on=date(2025, 5, 10), expected_version=None,
                                   today=date(2025, 9, 1))
    servicing.record_visit(loan, actor=people["officer"], visited_on=date(2025, 6, 1), owners=2, employees=5)
    db.session.commit()
    assert claim.status == "paid" and stored() == fresh()

    # corrections: a loan moved to another district and bank, an event's date and amount
    # changed, an event and a visit deleted
    loan.district_code, loan.bank_code, loan.jobs_declared = "431003", "ABC-CZ", 7
    first = db.session.scalar(select(LoanEvent).where(LoanEvent.loan_id == loan.id, LoanEvent.kind == "repayment")
                              .order_by(LoanEvent.event_on))
    first.event_on, first.amount = date(2022, 1, 3), D("31000")
    db.session.delete(db.session.scalar(select(LoanEvent).where(LoanEvent.kind == "overdue_start",
                                                                LoanEvent.loan_id == loan.id)))
    db.session.delete(db.session.scalar(select(FollowUpVisit).where(FollowUpVisit.loan_id == loan.id)))
    db.session.commit()
    assert stored() == fresh()
    for d in DAYS:
        assert read(d) == by_hand(d), d

    # the rebuild command writes the same rows again
    db.session.execute(delete(MonthlyRollup))
    db.session.commit()
    assert stored() == {}
    rebuilt = app.test_cli_runner().invoke(args=["report", "rebuild-rollups"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert stored() == fresh() != {}


def test_a_report_mid_month_matches_the_loans(app, run_ledger):
    """Ranges that start and end mid-month read whole months from the rollups and the rest
    from the events: the same disbursements per month as the events give."""
    import_example_ledger(app)
    run_ledger(loans_file(loan_row(loan_ref="EX-M", contract_date="2021-05-02", maturity_date="2024-05-15")),
               events_file(event_row("EX-M", "2021-05-03", "disbursement", "70000"),
                           event_row("EX-M", "2021-07-20", "disbursement", "10000"),
                           event_row("EX-M", "2021-08-02", "repayment", "5000")))
    for start, end in ((date(2021, 5, 3), date(2021, 7, 19)), (date(2021, 5, 4), date(2021, 8, 31)),
                       (date(2021, 6, 1), date(2021, 6, 30)), (date(2021, 7, 20), date(2021, 7, 20))):
        got = {key: row for key, row in rollups.flows(start, end, ("district_code",), by_month=True).items() if any(row)}
        want: dict[tuple, list[int]] = {}
        for e in db.session.scalars(select(LoanEvent).where(LoanEvent.event_on.between(start, end),
                                                            LoanEvent.kind.in_(("disbursement", "repayment")))):
            row = want.setdefault((e.loan.district_code, e.event_on.year, e.event_on.month), [0, 0])
            row[0 if e.kind == "disbursement" else 1] += int(e.amount * 100)
        assert got == want, (start, end)
        # the report reads the whole months once for every figure and the rest from the events
        report = programme_report(ReportFilters(start=start, end=end, district="", key_group="", bank="",
                                                loan_type=""))
        per_month, per_district, issued = {}, {}, {}
        for (district, year, month), (disbursed, _repaid) in want.items():
            per_month[year, month] = per_month.get((year, month), 0) + disbursed
            per_district[district] = per_district.get(district, 0) + disbursed
        for loan in db.session.scalars(select(Loan).where(Loan.first_disbursement_date.between(start, end))):
            issued[loan.district_code] = issued.get(loan.district_code, 0) + 1
        assert {(y, m): fen for y, m, _loans, fen in report.monthly if fen} == {
            key: fen for key, fen in per_month.items() if fen}, (start, end)
        assert {d.code: figures.loans_issued for d, figures in report.by_district if figures.loans_issued} == issued
        assert {d.code: figures.amount_issued for d, figures in report.by_district if figures.amount_issued} == {
            district: D(fen) / 100 for district, fen in per_district.items() if fen}
    # the repayment rate at maturity (SPEC §13) from the rollups' maturity months, against the loans
    matured = [loan for loan in db.session.scalars(select(Loan))
               if (loan.extended_maturity_date or loan.maturity_date).year == 2024]
    repaid = sum(e.amount for loan in matured for e in loan.events
                 if e.kind == "repayment" and e.event_on <= (loan.extended_maturity_date or loan.maturity_date))
    disbursed = sum(e.amount for loan in matured for e in loan.events if e.kind == "disbursement")
    assert disbursed and fund_queries.repayment_rate_at_maturity(2024) == repaid / disbursed


def test_two_clerks_adding_to_the_same_month_at_once_both_count(app, add_loan, bank_user):
    """Two transactions add to the same rollup row at the same time (same month, district,
    bank, loan type and key group): the upsert adds, so neither increment is lost."""
    import threading

    ids = [add_loan(f"RACE-{i}").id for i in range(2)]
    db.session.commit()
    clerk_id, user_model = bank_user.id, type(bank_user)  # read here: the threads have their own sessions
    barrier = threading.Barrier(2)
    errors = []

    def work(loan_id):
        with app.app_context():
            try:
                loan = db.session.get(Loan, loan_id)
                clerk = db.session.get(user_model, clerk_id)
                barrier.wait(10)  # both start together; the second upsert waits for the first's row
                servicing.record_repayment(loan, actor=clerk, on=date(2022, 3, 7), amount=D("1234.56"),
                                           expected_version=None, today=date(2022, 4, 1))
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 — reported below
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    db.session.expire_all()
    assert errors == [], errors
    committed = db.session.scalar(select(func.count()).select_from(LoanEvent).where(LoanEvent.event_on == date(2022, 3, 7)))
    assert stored() == fresh()
    march = stored()[(date(2022, 3, 1), "431002", "ICBC-CZ", "individual", "urban_unemployed")]
    assert committed == 2 and march[1] == 2 * 123456
