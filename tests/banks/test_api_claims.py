"""The bank API's claims and recoveries (SPEC §12, §13): file a claim, read the loan's claims
and their amounts, record a recovery; idempotent replays, bank_ref conflicts, the rules'
refusals as 422/409, the token as the audit's actor; compensation is no longer an event."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from loans.audit.models import AuditEvent
from loans.db import db
from loans.fund import claims
from loans.fund.models import CompensationClaim, Recovery
from tests.banks.test_api import BASE, bank, count, post  # noqa: F401  (bank: the fixture)
from tests.fund.test_claims_pages import overdue


@pytest.fixture
def overdue_loan(approved, bank_user):
    return overdue(approved, bank_user, since=date(2025, 1, 1))


def test_file_and_read_a_claim(bank, overdue_loan):
    client = bank()
    ref = overdue_loan.loan_ref
    response = post(client, f"/loans/{ref}/claims", {"claim_date": "2025-04-01", "bank_ref": "DC-1"}, key="c-1")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert {k: body[k] for k in ("status", "principal", "interest", "total", "fund_share", "bank_share",
                                  "share_pct", "overdue_since", "recovered")} == {
        "status": "filed", "principal": "150000.00", "interest": "1312.50", "total": "151312.50",
        "fund_share": "121050.00", "bank_share": "30262.50", "share_pct": "80.00", "overdue_since": "2025-01-01",
        "recovered": "0.00"}
    # the same request again: the first answer, nothing filed twice
    again = post(client, f"/loans/{ref}/claims", {"claim_date": "2025-04-01", "bank_ref": "DC-1"}, key="c-1")
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == body and count(CompensationClaim) == 1
    # the same bank_ref with a new key: 409 with the claim as recorded
    conflict = post(client, f"/loans/{ref}/claims", {"claim_date": "2025-04-02", "bank_ref": "DC-1"})
    assert conflict.status_code == 409 and conflict.get_json()["recorded"]["total"] == "151312.50"
    # a second pending claim is a state conflict
    second = post(client, f"/loans/{ref}/claims", {"claim_date": "2025-04-02"})
    assert second.status_code == 409 and "pending claim" in second.get_json()["errors"]["request"][0]
    listed = client.get(f"{BASE}/loans/{ref}/claims")
    assert listed.status_code == 200 and [c["status"] for c in listed.get_json()["claims"]] == ["filed"]
    row = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "claim_file"))
    assert row.actor_id is None and row.detail["token_name"] == "core system"
    claim = db.session.scalar(select(CompensationClaim))
    assert claim.token_id is not None and claim.filed_by_id is None


def test_claims_the_rules_refuse(bank, overdue_loan):
    client = bank()
    ref = overdue_loan.loan_ref
    early = post(client, f"/loans/{ref}/claims", {"claim_date": "2025-03-31"})
    assert early.status_code == 422
    assert "may be filed from 2025-04-01" in early.get_json()["errors"]["claim_date"][0]
    assert post(client, f"/loans/{ref}/claims", {"claim_date": "not a date"}).status_code == 422
    assert post(client, f"/loans/{ref}/claims", {}).status_code == 422
    assert post(bank("ABC-CZ"), f"/loans/{ref}/claims", {"claim_date": "2025-04-01"}).status_code == 404
    assert bank("ABC-CZ").get(f"{BASE}/loans/{ref}/claims").status_code == 404
    zh = post(client, f"/loans/{ref}/claims", {"claim_date": "2025-03-31"}, **{"Accept-Language": "zh-CN"})
    assert zh.status_code == 422 and "2025-04-01" in zh.get_json()["errors"]["claim_date"][0]
    assert count(CompensationClaim) == 0


def test_compensation_is_no_longer_an_event(bank, overdue_loan):
    response = post(bank(), f"/loans/{overdue_loan.loan_ref}/events",
                    {"date": "2025-05-01", "kind": "compensation", "amount": "150000", "bank_ref": "X-1"})
    assert response.status_code == 422
    assert "file a claim" in response.get_json()["errors"]["kind"][0]


def test_recoveries(bank, overdue_loan, staff):
    client = bank()
    ref = overdue_loan.loan_ref
    early = post(client, f"/loans/{ref}/recoveries", {"date": "2025-06-01", "amount": "100", "bank_ref": "R-0"})
    assert early.status_code == 409 and early.get_json()["errors"]["request"]
    claim = claims.file_claim(overdue_loan, date(2025, 4, 1), staff("bank", bank_code="ICBC-CZ"))
    claims.check_claim(claim, actor=staff("officer", district_code="431002"))
    claims.approve_claim(claim, actor=staff("supervisor"))
    claims.pay_claim(claim, paid_on=date(2025, 5, 6), voucher_no="DC-1", actor=staff("finance"))
    db.session.commit()
    assert post(client, f"/loans/{ref}/recoveries", {"date": "2025-06-01", "amount": "100"}).status_code == 422
    response = post(client, f"/loans/{ref}/recoveries", {"date": "2025-06-01", "amount": "10000.03",
                                                         "bank_ref": "R-1"}, key="r-1")
    assert response.status_code == 201, response.get_json()
    assert {k: response.get_json()[k] for k in ("amount", "fund_share", "bank_share")} == {
        "amount": "10000.03", "fund_share": "8000.02", "bank_share": "2000.01"}
    replay = post(client, f"/loans/{ref}/recoveries", {"date": "2025-06-01", "amount": "10000.03",
                                                       "bank_ref": "R-1"}, key="r-1")
    assert replay.status_code == 201 and count(Recovery) == 1
    assert post(client, f"/loans/{ref}/recoveries", {"date": "2025-06-02", "amount": "1",
                                                     "bank_ref": "R-1"}).status_code == 409
    too_much = post(client, f"/loans/{ref}/recoveries", {"date": "2025-06-02", "amount": "141312.48",
                                                         "bank_ref": "R-2"})
    assert too_much.status_code == 422
    assert "¥141,312.47 is left to recover" in too_much.get_json()["errors"]["amount"][0]
    claimed = client.get(f"{BASE}/loans/{ref}/claims").get_json()["claims"][0]
    assert claimed["status"] == "paid" and claimed["recovered"] == "10000.03"
    assert claimed["recoveries"][0]["fund_share"] == "8000.02" and count(Recovery) == 1
    assert Decimal(claimed["total"]) == Decimal("151312.50")
