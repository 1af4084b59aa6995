"""A stored loan as the pure core sees it (``core.subsidy.LoanFacts``)."""
from __future__ import annotations

from ..core.subsidy import LoanFacts


def overdue_intervals(events) -> tuple:
    """(start, end-exclusive or None) pairs from ``overdue_start`` / ``overdue_end`` events
    in date order; an ``overdue_end`` without an open start is ignored here (the services
    refuse to record one)."""
    intervals, open_start = [], None
    for event in sorted(events, key=lambda e: (e.event_on, e.kind != "overdue_end")):
        if event.kind == "overdue_start" and open_start is None:
            open_start = event.event_on
        elif event.kind == "overdue_end" and open_start is not None:
            intervals.append((open_start, event.event_on))
            open_start = None
    if open_start is not None:
        intervals.append((open_start, None))
    return tuple(intervals)


def loan_facts(loan, cap_class: str, events=None) -> LoanFacts:
    """``events`` defaults to ``loan.events``; pass them when they were loaded in bulk."""
    events = loan.events if events is None else events
    return LoanFacts(
        loan_type=loan.loan_type,
        contract_rate=loan.contract_rate,
        lpr0=loan.lpr_rate,
        cap_class=cap_class,
        maturity_date=loan.maturity_date,
        partners=loan.partners,
        disbursements=tuple((e.event_on, e.amount) for e in events if e.kind == "disbursement"),
        repayments=tuple((e.event_on, e.amount) for e in events if e.kind == "repayment"),
        overdue=overdue_intervals(events),
    )
