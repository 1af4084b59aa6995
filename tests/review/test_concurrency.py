"""Two supervisors deciding the same case at once (SPEC §4): exactly one decision and one
audit entry; the other is told the case is already decided. Real concurrent requests,
each thread with its own client (and so its own app context, session and connection)."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from loans.applications.models import LoanApplication
from loans.audit.models import AuditEvent
from loans.db import db

from tests.helpers import client_for

ROUNDS = 5


def race(clients, path, payloads):
    """POST ``payloads[i]`` with ``clients[i]`` at the same moment; return the responses."""
    barrier = threading.Barrier(len(clients))
    responses: list = [None] * len(clients)
    errors: list = []

    def run(i):
        try:
            barrier.wait(timeout=10)
            responses[i] = clients[i].post(path, data=payloads[i])
        except Exception as exc:  # surfaced below; a thread must not swallow it
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    return responses


def decisions_recorded(application_id: int) -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.object_type == "loan_applications", AuditEvent.object_id == application_id,
        AuditEvent.action.in_(("approve", "reject"))))


@pytest.mark.parametrize("n_supervisors", [2, 4])
def test_concurrent_decisions_give_one_decision(app, make_case, staff, n_supervisors):
    supervisors = [staff("supervisor", name=f"Supervisor {i}") for i in range(n_supervisors)]
    supervisor_ids = [s.id for s in supervisors]
    clients = [client_for(app, s) for s in supervisors]
    # Approve and reject at once: whichever wins, there is exactly one decision.
    payloads = [{"decision": "approve"} if i % 2 == 0 else {"decision": "reject", "reason": "not viable"}
                for i in range(n_supervisors)]
    for _ in range(ROUNDS):
        case = make_case("recommended")
        case_id = case.id
        db.session.commit()  # the test thread holds no transaction or lock during the race

        responses = race(clients, f"/review/cases/{case_id}/decide", payloads)
        codes = [r.status_code for r in responses]
        assert sorted(codes) == [302] + [409] * (n_supervisors - 1), codes

        db.session.expire_all()
        case = db.session.get(LoanApplication, case_id)
        assert case.status in ("approved", "rejected")
        assert decisions_recorded(case_id) == 1
        winner = codes.index(302)
        assert case.decided_by_id == supervisor_ids[winner]
        expected = "approved" if payloads[winner]["decision"] == "approve" else "rejected"
        assert case.status == expected
        assert (case.approved_amount is not None) == (expected == "approved")
        assert case.lock_version == 4  # submit, take, recommend, one decision

        for i, response in enumerate(responses):
            if i == winner:
                continue
            # the refused decision answers with the case page and the reason, at once
            page = response.get_data(as_text=True)
            assert "already been decided" in page and "Redirecting" not in page
