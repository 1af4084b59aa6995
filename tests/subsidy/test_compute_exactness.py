"""The fast period compute against a plain reading of SPEC §7 at 20,000 loans.

Random but seeded loan histories — disbursements and repayments inside the quarter, LPR₀
from the fixings in force on scattered contract dates, every policy version (one of them
taking effect inside the quarter), overdue intervals open and closed, early settlement,
loans above the cap, partnerships and enterprises, both district classes — are computed
by ``compute_period_subsidy`` and by the oracle below: a day-by-day loop over the period
(balance = disbursements − repayments dated ≤ the day; subsidised while the balance is
> 0, before the subsidy end and not overdue; min(balance, cap) summed; one half-up
rounding of the exact sum × s ÷ 100 ÷ basis). Then a frozen period changes afterwards
(late repayments, overdue periods, a settlement) and the next statement's adjustments
must be exactly the oracle's differences (SPEC §13)."""
from __future__ import annotations

import random
from datetime import date, timedelta
from fractions import Fraction

import pytest
from sqlalchemy import insert, select

SEED = 20231
N = 20_000
Q3 = ("2023Q3", date(2023, 6, 21), date(2023, 9, 20))
Q4 = ("2023Q4", date(2023, 9, 21), date(2023, 12, 20))
AFTER_Q4 = date(2023, 12, 21)
BANKS = ("ICBC-CZ", "ABC-CZ", "CZRCB", "PSBC-CZ")
DISTRICTS = ("431002", "431003", "431021", "431022", "431023", "431024", "431025", "431026", "431027", "431028",
             "431081")


def half_up(x: Fraction) -> int:
    """An exact amount of fen rounded half-up (四舍五入) to a whole fen."""
    whole = (x.numerator * 2 + x.denominator) // (x.denominator * 2) if x >= 0 else \
        -((-x.numerator * 2 + x.denominator) // (x.denominator * 2))
    return whole


def oracle(loan: dict, start: date, end: date, known, by_code, cap_class) -> tuple[int, int, int]:
    """(subsidised days, subsidy, interest) in fen, day by day as SPEC §7 says."""
    from loans.core.dates import add_months
    from loans.core.policy import max_amount, max_term, policy_in_force, subsidy_rate

    events = [e for e in loan["events"] if e[0] <= end]
    disbursed = [(d, a) for d, kind, a in events if kind == "disbursement"]
    if not disbursed:
        return 0, 0, 0
    first = min(d for d, _ in disbursed)
    policy = by_code[loan["policy_code"]] if loan["policy_code"] else policy_in_force(
        known, loan["first_disbursement_date"])
    s = subsidy_rate(policy, loan["loan_type"], loan["contract_rate"], loan["lpr_rate"],
                     cap_class[loan["district_code"]])
    cap = int(max_amount(policy, loan["loan_type"], loan["partners"]) * 100)
    subsidy_end = min(loan["maturity_date"], add_months(first, max_term(policy, loan["loan_type"])))
    days = subsidised = with_balance = 0
    day = start
    while day <= end:
        balance = sum(a for d, kind, a in events if d <= day and kind == "disbursement") - \
            sum(a for d, kind, a in events if d <= day and kind == "repayment")
        overdue = any(b <= day and (e is None or day < e) for b, e in loan["overdue"])
        if balance > 0:
            with_balance += balance
            if day < subsidy_end and not overdue:
                days += 1
                subsidised += min(balance, cap)
        day += timedelta(days=1)
    basis = policy.day_basis
    return (days, half_up(Fraction(subsidised) * Fraction(s) / 100 / basis),
            half_up(Fraction(with_balance) * Fraction(loan["contract_rate"]) / 100 / basis))


def _history(rng: random.Random, loan: dict) -> None:
    """Events (day, kind, fen) and overdue intervals of one loan; sets its status."""
    first, amount = loan["first_disbursement_date"], loan["amount_fen"]
    events = []
    if rng.random() < 0.15:  # two tranches, the second maybe inside a quarter
        part = amount // 2
        events += [(first, "disbursement", part), (first + timedelta(days=rng.randrange(1, 200)), "disbursement",
                                                     amount - part)]
    else:
        events.append((first, "disbursement", amount))
    settled = None
    r = rng.random()
    if r < 0.08:  # early settlement: everything repaid on one day
        settled = first + timedelta(days=rng.randrange(20, 1200))
        events.append((settled, "repayment", amount))
    elif r < 0.40:
        for _ in range(rng.randrange(1, 3)):
            events.append((first + timedelta(days=rng.randrange(10, 1200)), "repayment", amount // 4))
    overdue = []
    if rng.random() < 0.08:
        begin = first + timedelta(days=rng.randrange(30, 1200))
        end = None if rng.random() < 0.3 else begin + timedelta(days=rng.randrange(1, 120))
        overdue.append((begin, end))
        events.append((begin, "overdue_start", None))
        if end is not None:
            events.append((end, "overdue_end", None))
    loan["events"], loan["overdue"] = events, overdue
    loan["status"] = "settled" if settled else ("overdue" if overdue and overdue[-1][1] is None else "active")
    if settled:  # nothing after the settlement
        loan["events"] = [e for e in events if e[0] <= settled]
        loan["overdue"] = [(b, e) for b, e in overdue if e is not None and e <= settled]
        loan["events"] = [e for e in loan["events"] if not e[1].startswith("overdue")] + \
            [x for b, e in loan["overdue"] for x in ((b, "overdue_start", None), (e, "overdue_end", None))]


def _loans(rng: random.Random, fixings, known) -> list[dict]:
    from decimal import Decimal

    from loans.core.policy import lpr_on, policy_in_force

    loans = []
    for i in range(N):
        first = date(2020, 5, 1) + timedelta(days=rng.randrange(0, 1325))  # up to mid-December 2023
        contract = first - timedelta(days=rng.randrange(0, 12))
        lpr0 = lpr_on(fixings, contract)
        kind = rng.choices(("individual", "partnership", "enterprise"), (80, 10, 10))[0]
        loan = {
            "id": i + 1, "loan_ref": f"X{i + 1:06d}", "loan_type": kind,
            "partners": rng.randrange(2, 6) if kind == "partnership" else 1,
            "district_code": rng.choice(DISTRICTS), "bank_code": BANKS[i % len(BANKS)],
            "contract_date": contract, "first_disbursement_date": first, "lpr_rate": lpr0,
            "contract_rate": lpr0 + Decimal(rng.choice(("0.35", "0.50", "1.00", "1.50", "2.00", "3.00"))),
            "maturity_date": first + timedelta(days=rng.choice((365, 730, 1095, rng.randrange(200, 1300)))),
            "amount_fen": rng.choice((5_000_000, 10_000_000, 20_000_000, 30_000_000, 60_000_000, 12_345_67)),
        }
        policy = policy_in_force(known, first)
        loan["policy_code"] = None if rng.random() < 0.1 else policy.code
        _history(rng, loan)
        loans.append(loan)
    return loans


def _insert(loans: list[dict]) -> None:
    from decimal import Decimal

    from loans.db import db
    from loans.personal_data import vault
    from loans.servicing.models import Loan, LoanEvent

    token = vault().encrypt_text("431002199001011234")
    rows, events = [], []
    for loan in loans:
        rows.append({
            "id": loan["id"], "loan_ref": loan["loan_ref"], "source": "ledger", "status": loan["status"],
            "borrower_name": "陈静", "id_number": token, "id_number_masked": "431002********1234",
            "id_number_hash": f"{loan['id']:064d}", "district_code": loan["district_code"], "business_name": "小店",
            "loan_type": loan["loan_type"], "partners": loan["partners"], "jobs_declared": 1,
            "bank_code": loan["bank_code"], "contract_no": f"C{loan['id']}", "contract_date": loan["contract_date"],
            "amount": Decimal(loan["amount_fen"]).scaleb(-2), "contract_rate": loan["contract_rate"],
            "lpr_rate": loan["lpr_rate"], "term_months": 36, "maturity_date": loan["maturity_date"],
            "first_disbursement_date": loan["first_disbursement_date"], "policy_code": loan["policy_code"],
            "lock_version": 0})
        seen: dict = {}
        for day, kind, fen in loan["events"]:
            key = (day, kind, fen)
            seen[key] = seen.get(key, 0) + 1
            events.append({"loan_id": loan["id"], "event_on": day, "kind": kind, "occurrence": seen[key],
                           "amount": None if fen is None else Decimal(fen).scaleb(-2)})
    for offset in range(0, len(rows), 5000):
        db.session.execute(insert(Loan), rows[offset:offset + 5000])
    for offset in range(0, len(events), 5000):
        db.session.execute(insert(LoanEvent), events[offset:offset + 5000])


def _lines(period: str) -> dict[int, tuple[int, int, int]]:
    from loans.core.money import to_fen
    from loans.db import db
    from loans.subsidy.models import StatementStatus, SubsidyLine, SubsidyStatement

    current = select(SubsidyStatement.id).where(SubsidyStatement.period == period,
                                                SubsidyStatement.status != StatementStatus.superseded)
    return {row.loan_id: (row.subsidised_days, to_fen(row.subsidy), to_fen(row.interest)) for row in db.session.execute(
        select(SubsidyLine.loan_id, SubsidyLine.subsidised_days, SubsidyLine.subsidy, SubsidyLine.interest)
        .where(SubsidyLine.statement_id.in_(current)))}


def _expected(loans, period, known, by_code, cap_class) -> dict[int, tuple[int, int, int]]:
    _, start, end = period
    out = {}
    for loan in loans:
        if loan["first_disbursement_date"] > end:
            continue
        if loan["status"] == "settled" and max(d for d, _, _ in loan["events"]) < start:
            continue  # closed before the period: not a candidate (and it earns nothing)
        figures = oracle(loan, start, end, known, by_code, cap_class)
        if figures[1] > 0:
            out[loan["id"]] = figures
    return out


def test_twenty_thousand_loans_exact_to_the_fen_with_adjustments(app, staff):
    from decimal import Decimal

    from loans.db import db
    from loans.policy.models import District
    from loans.policy.queries import lpr_fixings, policies
    from loans.servicing.models import LoanEvent
    from loans.subsidy import services
    from loans.subsidy.models import StatementStatus, SubsidyAdjustment

    rng = random.Random(SEED)
    known = policies()
    by_code = {p.code: p for p in known}
    cap_class = dict(db.session.execute(select(District.code, District.cap_class)).all())
    loans = _loans(rng, lpr_fixings(), known)
    assert {loan["policy_code"] for loan in loans} >= {None, "HN-2020", "HN-2021", "HN-2023"}
    _insert(loans)
    db.session.commit()

    # Q3: every line exactly the oracle's, no line missing or extra
    services.compute_period_subsidy(Q3[0], None, today=AFTER_Q4)
    db.session.commit()
    q3 = _expected(loans, Q3, known, by_code, cap_class)
    assert len(q3) > 10_000
    assert _lines(Q3[0]) == q3

    # Q3 is frozen; then events of Q3 arrive late for 400 loans
    supervisor = staff("supervisor", district_code=None)
    for bank in BANKS:
        services.review_statement(services.current_statement(Q3[0], bank), actor=supervisor)
    db.session.commit()
    changed = rng.sample([loan for loan in loans if loan["id"] in q3], 400)
    late = []
    for n, loan in enumerate(changed):
        day = Q3[1] + timedelta(days=rng.randrange(0, 92))
        if n % 4 == 0:
            new = [(day, "overdue_start", None), (day + timedelta(days=rng.randrange(1, 30)), "overdue_end", None)]
            loan["overdue"] = loan["overdue"] + [(new[0][0], new[1][0])]
        elif n % 4 == 1:  # settled inside Q3, recorded late
            new = [(day, "repayment", loan["amount_fen"] * 2)]
        else:
            new = [(day, "repayment", 100_000)]
        loan["events"] = loan["events"] + new
        late += [{"loan_id": loan["id"], "event_on": d, "kind": k, "occurrence": 7,
                  "amount": None if fen is None else Decimal(fen).scaleb(-2)} for d, k, fen in new]
    db.session.execute(insert(LoanEvent), late)
    db.session.commit()

    # Q4: its lines exactly the oracle's, and the adjustments exactly the Q3 differences
    services.compute_period_subsidy(Q4[0], None, today=AFTER_Q4)
    db.session.commit()
    assert _lines(Q4[0]) == _expected(loans, Q4, known, by_code, cap_class)
    changed_ids = {loan["id"] for loan in changed}
    q3_after = _expected([loan for loan in loans if loan["id"] in changed_ids], Q3, known, by_code, cap_class)
    expected = {i: q3_after.get(i, (0, 0, 0))[1] - q3[i][1] for i in changed_ids
                if q3_after.get(i, (0, 0, 0))[1] != q3[i][1]}
    assert len(expected) > 300
    adjustments = {row.loan_id: int(row.adjustment * 100) for row in db.session.execute(
        select(SubsidyAdjustment.loan_id, SubsidyAdjustment.adjustment).where(
            SubsidyAdjustment.original_period == Q3[0]))}
    assert adjustments == expected
    assert all(services.current_statement(Q4[0], bank).status == StatementStatus.draft for bank in BANKS)


def test_a_frozen_period_recomputes_only_the_loans_changed_since(app, add_loan, staff, monkeypatch):
    """Q3 frozen; of three loans one gets a late event and one an event corrected in place:
    computing Q4 reads only those two again for Q3, and adjusts both."""
    from decimal import Decimal

    from loans.db import db
    from loans.servicing.models import LoanEvent
    from loans.subsidy import services
    from loans.subsidy.models import SubsidyAdjustment

    loans = [add_loan(f"F{i}", events=((date(2023, 5, 1), "disbursement", "100000"),
                                       (date(2023, 7, 1), "repayment", "10000")), maturity=date(2026, 5, 1))
             for i in range(3)]
    db.session.commit()
    services.compute_period_subsidy(Q3[0], None, today=AFTER_Q4)
    db.session.commit()
    supervisor = staff("supervisor", district_code=None)
    for bank in BANKS:
        services.review_statement(services.current_statement(Q3[0], bank), actor=supervisor)
    db.session.commit()
    db.session.add(LoanEvent(loan_id=loans[0].id, event_on=date(2023, 8, 1), kind="repayment",
                             amount=Decimal("50000")))
    corrected = db.session.scalar(select(LoanEvent).where(LoanEvent.loan_id == loans[1].id,
                                                          LoanEvent.kind == "repayment"))
    corrected.amount = Decimal("20000")
    db.session.commit()

    figured = []
    real = services._Rules.figures

    def figures(rules, loan, events):
        figured.append((rules.start, loan[0]))
        return real(rules, loan, events)

    monkeypatch.setattr(services._Rules, "figures", figures)
    services.compute_period_subsidy(Q4[0], None, today=AFTER_Q4)
    db.session.commit()
    assert {loan_id for start, loan_id in figured if start == Q3[1]} == {loans[0].id, loans[1].id}
    assert {loan_id for start, loan_id in figured if start == Q4[1]} == {loan.id for loan in loans}
    adjusted = set(db.session.scalars(select(SubsidyAdjustment.loan_id)))
    assert adjusted == {loans[0].id, loans[1].id}
