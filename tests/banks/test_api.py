"""The bank API (SPEC §12): tokens, cases, contracts, declines, loans, events, statements."""
from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from loans.audit.models import AuditEvent
from loans.banks.models import BankToken, IdempotencyKey
from loans.banks.tokens import issue_token, revoke_token
from loans.db import db
from loans.servicing.models import Loan, LoanEvent
from loans.subsidy.models import SubsidyAdjustment

BASE = "/api/v1/bank"


@pytest.fixture
def bank(app):
    """bank(code="ICBC-CZ") → a test client calling with that bank's token (Bearer header set)."""
    def make(code="ICBC-CZ"):
        _token, secret = issue_token(code, "core system")
        db.session.commit()
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        client.secret = secret
        client.keys = iter(range(1, 10**6))
        return client

    return make


def post(client, url, body, key=None, **headers):
    if key is None:
        key = f"k-{next(client.keys)}"
    return client.post(BASE + url, data=json.dumps(body), content_type="application/json",
                       headers={"Idempotency-Key": key, **headers})


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def contract_body(case, **changes):
    body = {"contract_no": "ICBC-2025-1", "contract_date": "2025-01-15", "amount": "50000", "contract_rate": "3.5",
            "term_months": 24, "id_number": case.id_number}
    return {**body, **changes}


@pytest.fixture
def signed(bank, approved):
    """(client, loan_ref): a contract signed through the API on 2025-01-15, nothing disbursed."""
    client = bank()
    case = approved(decided_on=date(2025, 1, 10))
    response = post(client, f"/cases/{case.reference}/contract", contract_body(case))
    assert response.status_code == 201, response.get_json()
    return client, case.reference


def event(client, loan_ref, kind, on, key=None, **values):
    return post(client, f"/loans/{loan_ref}/events", {"date": on, "kind": kind, **values}, key=key)


# --- authentication -------------------------------------------------------------------------

def test_no_valid_token_is_401_with_a_bearer_challenge(app, bank, approved):
    case = approved()
    client = bank()
    anonymous = app.test_client()
    for headers in ({}, {"Authorization": "Bearer lb_nope"}, {"Authorization": f"Basic {client.secret}"}):
        response = anonymous.get(BASE + "/cases", headers=headers)
        assert response.status_code == 401 and response.is_json
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert "auth" in response.get_json()["errors"]
        response = anonymous.post(BASE + f"/cases/{case.reference}/decline", json={"reason": "x"},
                                  headers={**headers, "Idempotency-Key": "k1"})
        assert response.status_code == 401
    assert count(IdempotencyKey) == 0
    revoke_token(db.session.scalars(select(BankToken)).one())
    db.session.commit()
    assert client.get(BASE + "/cases").status_code == 401


def test_an_address_outside_the_allow_list_is_401(app):
    _token, secret = issue_token("ICBC-CZ", "front-end", allowed_ips=["10.1.2.0/24"])
    db.session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get(BASE + "/cases", headers=headers, environ_base={"REMOTE_ADDR": "10.1.2.9"}).status_code == 200
    assert client.get(BASE + "/cases", headers=headers, environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code == 401


def test_another_banks_case_or_loan_is_404(bank, signed, approved):
    icbc, loan_ref = signed
    other = bank("ABC-CZ")
    case = approved(decided_on=date(2025, 1, 10))
    assert other.get(BASE + "/cases").get_json() == {"cases": [], "total": 0}
    assert post(other, f"/cases/{case.reference}/contract", contract_body(case)).status_code == 404
    assert post(other, f"/cases/{case.reference}/decline", {"reason": "no"}).status_code == 404
    assert other.get(BASE + f"/loans/{loan_ref}").status_code == 404
    assert other.get(BASE + "/loans").get_json()["total"] == 0
    response = event(other, loan_ref, "disbursement", "2025-01-20", amount="1000", bank_ref="X1")
    assert response.status_code == 404 and response.get_json()["errors"]["request"]
    assert post(icbc, "/cases/A2099-999999/decline", {"reason": "no"}).status_code == 404
    assert count(LoanEvent) == 0


# --- cases: list, contract, decline ---------------------------------------------------------

def test_the_bank_lists_its_approved_cases(bank, approved):
    case = approved(decided_on=date(2025, 1, 10))
    listed = bank().get(BASE + "/cases").get_json()
    assert listed["total"] == 1
    row = listed["cases"][0]
    assert row["reference"] == case.reference and row["letter_reference"]
    assert row["amount"] == f"{case.approved_amount:.2f}" and row["term_months"] == case.approved_term_months
    assert row["valid_until"] == "2025-04-10" and "*" in row["id_number_masked"]
    assert case.id_number not in json.dumps(listed)


def test_a_contract_makes_the_loan_with_its_maturity_derived(signed):
    client, loan_ref = signed
    loan = db.session.scalar(select(Loan).where(Loan.loan_ref == loan_ref))
    assert loan.maturity_date == date(2027, 1, 15) and loan.status == "contracted"
    rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "contract")).all()
    assert rows and all(r.actor_id is None and r.actor_role == "bank" and r.detail.get("token_name") == "core system"
                        for r in rows)
    assert client.get(BASE + "/cases").get_json()["total"] == 0
    body = client.get(BASE + f"/loans/{loan_ref}").get_json()
    assert body["maturity"] == "2027-01-15" and body["balance"] == "0.00" and body["events"] == []


@pytest.mark.parametrize("changes, field", [
    ({"amount": "100000000"}, "amount"),
    ({"contract_date": "2099-01-01"}, "contract_date"),
    ({"id_number": "110101199003070000"}, "id_number"),
    ({"term_months": 0}, "term_months"),
    ({"amount": "12,000"}, "amount"),
    ({"contract_date": "15/01/2025"}, "contract_date"),
])
def test_a_contract_the_rules_refuse_is_422_beside_the_field(bank, approved, changes, field):
    case = approved(decided_on=date(2025, 1, 10))
    response = post(bank(), f"/cases/{case.reference}/contract", contract_body(case, **changes))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]
    assert count(Loan) == 0


def test_a_second_contract_on_the_case_is_409(signed, approved):
    client, loan_ref = signed
    case = db.session.scalar(select(Loan).where(Loan.loan_ref == loan_ref)).application
    response = post(client, f"/cases/{loan_ref}/contract", contract_body(case, contract_no="OTHER"))
    assert response.status_code == 409 and response.get_json()["errors"]


def test_decline(bank, approved):
    client = bank()
    case = approved(decided_on=date(2025, 1, 10))
    assert post(client, f"/cases/{case.reference}/decline", {"reason": "  "}).status_code == 422
    assert post(client, f"/cases/{case.reference}/decline", {}).status_code == 422
    response = post(client, f"/cases/{case.reference}/decline", {"reason": "Collateral insufficient."})
    assert response.status_code == 200 and response.get_json() == {"reference": case.reference, "status": "declined"}
    assert post(client, f"/cases/{case.reference}/decline", {"reason": "again"}).status_code == 409


def test_malformed_json_is_400_and_errors_follow_accept_language(bank, approved):
    client = bank()
    case = approved()
    url = BASE + f"/cases/{case.reference}/decline"
    response = client.post(url, data="{not json", content_type="application/json", headers={"Idempotency-Key": "a"})
    assert response.status_code == 400 and "json" in response.get_json()["errors"]
    response = client.post(url, data="[1]", content_type="application/json", headers={"Idempotency-Key": "b"})
    assert response.status_code == 400
    response = client.post(url, json={}, headers={"Idempotency-Key": "c", "Accept-Language": "zh-CN"})
    assert response.status_code == 422
    assert response.get_json()["errors"]["reason"] == ["缺少必填字段。"] or \
        all(any("\u4e00" <= ch <= "\u9fff" for ch in m) for m in response.get_json()["errors"]["reason"])


# --- loans and events -----------------------------------------------------------------------

def test_a_month_of_events_by_api(signed):
    client, ref = signed
    assert event(client, ref, "disbursement", "2025-01-20", amount="50000", bank_ref="D-1").status_code == 201
    assert event(client, ref, "repayment", "2025-02-20", amount="10000.50", bank_ref="R-1").status_code == 201
    assert event(client, ref, "overdue_start", "2025-03-01").status_code == 201
    assert event(client, ref, "overdue_end", "2025-03-10", bank_ref="OE-1").status_code == 201
    response = event(client, ref, "extension", "2025-03-20", new_maturity="2027-07-15")
    assert response.status_code == 201, response.get_json()
    body = client.get(BASE + f"/loans/{ref}").get_json()
    assert body["status"] == "extended" and body["maturity"] == "2027-07-15"
    assert body["contract_maturity"] == "2027-01-15" and body["balance"] == "39999.50"
    assert [(e["kind"], e["bank_ref"], e["source"]) for e in body["events"]] == [
        ("disbursement", "D-1", "api"), ("repayment", "R-1", "api"), ("overdue_start", None, "api"),
        ("overdue_end", "OE-1", "api"), ("extension", None, "api")]
    listed = client.get(BASE + "/loans?status=extended").get_json()
    assert listed["total"] == 1 and listed["loans"][0]["balance"] == "39999.50"
    assert client.get(BASE + "/loans?status=settled").get_json()["total"] == 0
    assert client.get(BASE + "/loans?status=nope").status_code == 400
    assert client.get(BASE + "/loans?page=0").status_code == 400
    assert client.get(BASE + "/loans?page=x").status_code == 400
    events = db.session.scalars(select(LoanEvent).order_by(LoanEvent.id)).all()
    assert all(e.token_id is not None and e.recorded_by_id is None for e in events)


@pytest.mark.parametrize("values, field", [
    ({"kind": "disbursement", "amount": "1000"}, "bank_ref"),
    ({"kind": "disbursement", "bank_ref": "D-9"}, "amount"),
    ({"kind": "repayment", "amount": "1000", "bank_ref": "has space"}, "bank_ref"),
    ({"kind": "extension"}, "new_maturity"),
    ({"kind": "compensation", "amount": "1"}, "kind"),
    ({"kind": "disbursement", "amount": "1000", "bank_ref": "D-9", "date": "2099-01-01"}, "date"),
    ({"kind": "disbursement", "amount": "60000", "bank_ref": "D-9"}, "amount"),
    ({"kind": "disbursement", "amount": "1000", "bank_ref": "D-9", "date": "2025-01-01"}, "date"),
])
def test_events_the_rules_refuse_are_422(signed, values, field):
    client, ref = signed
    response = post(client, f"/loans/{ref}/events", {"date": "2025-01-20", **values})
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]
    assert count(LoanEvent) == 0


def test_an_event_the_state_refuses_is_409(signed):
    client, ref = signed
    response = event(client, ref, "overdue_end", "2025-01-20")
    assert response.status_code == 409 and response.get_json()["errors"]


def test_a_bank_ref_already_recorded_is_409_with_the_recorded_event(signed):
    client, ref = signed
    first = event(client, ref, "disbursement", "2025-01-20", amount="20000", bank_ref="D-1")
    assert first.status_code == 201
    again = event(client, ref, "disbursement", "2025-01-20", amount="20000", bank_ref="D-1")
    assert again.status_code == 409
    assert again.get_json()["recorded"]["id"] == first.get_json()["id"] and "sent" not in again.get_json()
    other = event(client, ref, "disbursement", "2025-01-21", amount="300", bank_ref="D-1")
    assert other.status_code == 409
    body = other.get_json()
    assert body["recorded"]["amount"] == "20000.00" and body["sent"]["amount"] == "300.00"
    assert body["sent"]["date"] == "2025-01-21" and "bank_ref" in body["errors"]
    assert count(LoanEvent) == 1


# --- idempotency ------------------------------------------------------------------------------

def test_a_replay_returns_the_first_answer_and_changes_nothing(signed):
    client, ref = signed
    first = event(client, ref, "disbursement", "2025-01-20", key="pay-1", amount="20000", bank_ref="D-1")
    audit_rows = count(AuditEvent)
    replay = client.post(BASE + f"/loans/{ref}/events", headers={"Idempotency-Key": "pay-1"},
                         data='{"bank_ref": "D-1", "amount": "20000", "kind": "disbursement",  "date": "2025-01-20"}',
                         content_type="application/json")
    assert replay.status_code == 201 and replay.get_json() == first.get_json()
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert count(LoanEvent) == 1 and count(AuditEvent) == audit_rows
    # a refusal is kept too
    refused = event(client, ref, "overdue_end", "2025-01-20", key="end-1")
    assert event(client, ref, "overdue_end", "2025-01-20", key="end-1").get_json() == refused.get_json()


def test_the_same_key_for_another_request_is_422_and_missing_is_400(signed):
    client, ref = signed
    assert event(client, ref, "disbursement", "2025-01-20", key="k", amount="20000", bank_ref="D-1").status_code == 201
    reused = event(client, ref, "disbursement", "2025-01-21", key="k", amount="20000", bank_ref="D-2")
    assert reused.status_code == 422 and "Idempotency-Key" in reused.get_json()["errors"]
    for key in ("", "x" * 65, "with space"):
        response = event(client, ref, "disbursement", "2025-01-21", key=key, amount="1", bank_ref="D-3")
        assert response.status_code == 400 and "Idempotency-Key" in response.get_json()["errors"]
    response = client.post(BASE + f"/loans/{ref}/events", json={"date": "2025-01-21", "kind": "overdue_start"})
    assert response.status_code == 400
    assert count(LoanEvent) == 1


def test_a_key_in_flight_is_409_and_keys_are_per_bank(bank, signed):
    client, ref = signed
    from loans.banks.idempotency import fingerprint

    path = f"{BASE}/loans/{ref}/events"
    sent = {"date": "2025-01-20", "kind": "disbursement", "amount": "20000", "bank_ref": "D-1"}
    db.session.add(IdempotencyKey(bank_code="ICBC-CZ", key="busy", method="POST", path=path,
                                  body_sha256=fingerprint("POST", path, json.dumps(sent).encode())))
    db.session.commit()
    response = event(client, ref, "disbursement", "2025-01-20", key="busy", amount="20000", bank_ref="D-1")
    assert response.status_code == 409 and "Idempotency-Key" in response.get_json()["errors"]
    other = bank("ABC-CZ")
    assert event(other, ref, "disbursement", "2025-01-20", key="busy", amount="1", bank_ref="D-1").status_code == 404
    assert count(LoanEvent) == 0


def test_an_unexpected_error_frees_the_key(signed, monkeypatch):
    from loans.banks import api

    client, ref = signed

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setitem(api.RECORDERS, "overdue_start", boom)
    with pytest.raises(RuntimeError):
        event(client, ref, "overdue_start", "2025-01-20", key="oops")
    db.session.expire_all()
    assert db.session.scalar(select(IdempotencyKey).where(IdempotencyKey.key == "oops")) is None


def test_old_keys_are_purged(signed):
    from loans.banks.idempotency import purge
    from loans.db import utcnow

    keys = db.session.scalars(select(IdempotencyKey)).all()
    assert len(keys) == 1 and keys[0].status == 201
    assert purge(utcnow() + timedelta(days=29)) == 0
    assert purge(utcnow() + timedelta(days=31)) == 1


# --- statements, rate limit, the document -------------------------------------------------------

def test_statement_lines_once_reviewed(bank, signed):
    from tests.factories import StatementFactory

    client, ref = signed
    loan = db.session.scalar(select(Loan).where(Loan.loan_ref == ref))
    StatementFactory(period="2025Q1", status="draft", lines=[(loan, "10.00")])
    db.session.commit()
    assert client.get(BASE + "/statements?period=2025Q1").get_json() == {"statements": []}
    reviewed = StatementFactory(period="2025Q1", status="reviewed", version=2, lines=[(loan, "12.50")])
    # a correction for 2024Q4, frozen before a repayment was recorded late (SPEC §13)
    reviewed.adjustments.append(SubsidyAdjustment(loan_id=loan.id, loan_ref=ref, original_period="2024Q4",
                                                  frozen_subsidy=Decimal("30.00"), recomputed_subsidy=Decimal("5.00"),
                                                  adjustment=Decimal("-25.00")))
    reviewed.total = Decimal("-12.50")
    StatementFactory(period="2025Q1", bank_code="ABC-CZ", status="paid", lines=[])
    db.session.commit()
    body = client.get(BASE + "/statements?period=2025q1").get_json()
    assert [(s["version"], s["status"], s["total"]) for s in body["statements"]] == [(2, "reviewed", "-12.50")]
    line = body["statements"][0]["lines"][0]
    assert line["loan_ref"] == ref and line["subsidy"] == "12.50" and line["subsidised_days"] == 90
    assert body["statements"][0]["adjustments"] == [{
        "loan_ref": ref, "original_period": "2024Q4", "frozen_subsidy": "30.00", "recomputed_subsidy": "5.00",
        "adjustment": "-25.00"}]
    for bad in ("", "?period=2025Q5", "?period=x"):
        assert client.get(BASE + "/statements" + bad).status_code == 400


def test_rate_limited_per_token(migrated_template, tmp_path):
    from tests.conftest import make_app

    app = make_app(migrated_template, tmp_path, RATELIMIT_ENABLED=True, API_RATE_LIMIT="3 per minute")
    with app.app_context():
        from loans.extensions import limiter

        limiter.reset()
        _a, first = issue_token("ICBC-CZ", "one")
        _b, second = issue_token("ICBC-CZ", "two")
        db.session.commit()
        client = app.test_client()
        codes = [client.get(BASE + "/cases", headers={"Authorization": f"Bearer {first}"}).status_code
                 for _ in range(4)]
        other = client.get(BASE + "/cases", headers={"Authorization": f"Bearer {second}"}).status_code
        limiter.reset()
        db.session.remove()
    assert codes == [200, 200, 200, 429] and other == 200


def test_the_openapi_document_describes_every_bank_endpoint(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["components"]["securitySchemes"]["bankToken"] == {
        "type": "http", "scheme": "bearer", "description": spec["components"]["securitySchemes"]["bankToken"]["description"]}
    rules = {(rule.rule.replace("<int:", "<"), method) for rule in app.url_map.iter_rules() if rule.endpoint.startswith("bank_api.")
             for method in rule.methods - {"HEAD", "OPTIONS"}}
    described = {(path.replace("{", "<").replace("}", ">"), method.upper())
                 for path, ops in spec["paths"].items() if path.startswith(BASE) for method in ops}
    assert rules == described
    for path, ops in spec["paths"].items():
        if path.startswith(BASE):
            for method, op in ops.items():
                assert op["security"] == [{"bankToken": []}] and "401" in op["responses"]
                if method == "post":
                    assert any(p["name"] == "Idempotency-Key" and p["required"] for p in op["parameters"])


def test_the_docs_page_is_rendered_from_the_document(client):
    response = client.get("/api/v1/docs")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "/api/v1/bank/loans/{loan_ref}/events" in page and "BankEventRequest" in page
    assert "<script>" not in page and "cdn" not in page.lower()


# --- files ------------------------------------------------------------------------------------

def send_file(client, data: bytes, key, name="events.csv"):
    import io

    return client.post(BASE + "/files", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data",
                       headers={"Idempotency-Key": key})


def test_a_file_is_previewed_then_confirmed(bank, signed):
    client, ref = signed
    data = (f"loan_ref,date,kind,amount,bank_ref,new_maturity,balance\r\n"
            f"{ref},2025-01-20,disbursement,50000,F-D1,,50000\r\n"
            f"{ref},2025-02-20,repayment,1000,F-R1,,49000\r\n").encode()
    preview = send_file(client, data, "file-1")
    assert preview.status_code == 201, preview.get_json()
    body = preview.get_json()
    assert body["status"] == "preview" and body["counts"]["new"] == 2 and body["source"] == "api"
    assert count(LoanEvent) == 0
    # the same request again (a new multipart boundary) is a replay
    again = send_file(client, data, "file-1")
    assert again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
    assert send_file(client, data + b"\r\n", "file-1").status_code == 422
    assert post(bank("ABC-CZ"), f"/files/{body['id']}/confirm", {}).status_code == 404
    confirmed = post(client, f"/files/{body['id']}/confirm", {})
    assert confirmed.status_code == 200 and confirmed.get_json()["status"] == "confirmed"
    assert [(e.bank_ref, e.source) for e in db.session.scalars(select(LoanEvent).order_by(LoanEvent.id))] == [
        ("F-D1", "file"), ("F-R1", "file")]
    assert post(client, f"/files/{body['id']}/confirm", {}).status_code == 409
    assert client.post(BASE + "/files", data={}, content_type="multipart/form-data",
                       headers={"Idempotency-Key": "nofile"}).status_code == 400


def test_a_file_with_a_refused_row_cannot_be_confirmed(signed):
    client, ref = signed
    data = f"loan_ref,date,kind,amount,bank_ref\r\n{ref},2099-01-01,disbursement,50000,F-D1\r\n".encode()
    body = send_file(client, data, "f-bad").get_json()
    assert body["status"] == "refused" and body["refused"] and body["refused"][0]["reason"]
    response = post(client, f"/files/{body['id']}/confirm", {})
    assert response.status_code == 409 and response.get_json()["errors"]
    assert count(LoanEvent) == 0


# --- a month fed by API alone (issue 14, "done when") -------------------------------------------

def test_a_month_replayed_changes_nothing_and_new_keys_meet_the_bank_refs(bank, approved):
    client = bank()
    case = approved(decided_on=date(2025, 1, 10))
    ref = case.reference
    calls = [(f"/cases/{ref}/contract", contract_body(case))] + [
        (f"/loans/{ref}/events", {"date": on, "kind": kind, **values}) for on, kind, values in (
            ("2025-01-20", "disbursement", {"amount": "30000", "bank_ref": "M-D1"}),
            ("2025-01-25", "disbursement", {"amount": "20000", "bank_ref": "M-D2"}),
            ("2025-02-20", "repayment", {"amount": "5000", "bank_ref": "M-R1"}),
            ("2025-03-01", "overdue_start", {"bank_ref": "M-O1"}),
            ("2025-03-05", "repayment", {"amount": "1000", "bank_ref": "M-R2"}),
            ("2025-03-10", "overdue_end", {"bank_ref": "M-O2"}),
            ("2025-03-20", "extension", {"new_maturity": "2027-07-15", "bank_ref": "M-E1"}))]
    first = [post(client, url, body, key=f"month-{n}") for n, (url, body) in enumerate(calls)]
    assert [r.status_code for r in first] == [201] * len(calls), [r.get_json() for r in first]
    state = client.get(BASE + f"/loans/{ref}").get_json()
    assert state["status"] == "extended" and state["balance"] == "44000.00" and len(state["events"]) == 7
    audit_rows = count(AuditEvent)

    again = [post(client, url, body, key=f"month-{n}") for n, (url, body) in enumerate(calls)]
    assert [(r.status_code, r.get_json()) for r in again] == [(r.status_code, r.get_json()) for r in first]
    assert client.get(BASE + f"/loans/{ref}").get_json() == state and count(AuditEvent) == audit_rows

    fresh = [post(client, url, body, key=f"fresh-{n}") for n, (url, body) in enumerate(calls)]
    assert [r.status_code for r in fresh] == [409] * len(calls)
    assert all(r.get_json()["recorded"]["bank_ref"] == body["bank_ref"] for r, (_url, body) in zip(fresh[1:], calls[1:]))
    assert client.get(BASE + f"/loans/{ref}").get_json() == state and count(AuditEvent) == audit_rows


@pytest.mark.skipif(not __import__("tests.conftest", fromlist=["PG_URL"]).PG_URL,
                    reason="two requests at once need PostgreSQL (SQLite has one writer)")
def test_the_same_key_while_the_first_request_runs_is_409(app, signed, monkeypatch):
    """A real second request while the first is still in its view: 409, and the first one's
    answer is kept for later replays."""
    import threading

    from loans.banks import api

    client, ref = signed
    entered, release = threading.Event(), threading.Event()
    real = api.RECORDERS["disbursement"]

    def slow(*args, **kwargs):
        entered.set()
        assert release.wait(20)
        return real(*args, **kwargs)

    monkeypatch.setitem(api.RECORDERS, "disbursement", slow)
    body = {"date": "2025-01-20", "kind": "disbursement", "amount": "20000", "bank_ref": "D-1"}
    answers = {}

    def first():
        with app.app_context():
            answers["first"] = post(client, f"/loans/{ref}/events", body, key="slow")

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert entered.wait(20)
        with app.app_context():
            other = app.test_client()
            other.environ_base.update(client.environ_base)
            other.keys = iter(range(1, 10))
            second = post(other, f"/loans/{ref}/events", body, key="slow")
    finally:
        release.set()
        thread.join(30)
    assert second.status_code == 409 and "Idempotency-Key" in second.get_json()["errors"]
    assert answers["first"].status_code == 201
    replay = post(client, f"/loans/{ref}/events", body, key="slow")
    assert replay.status_code == 201 and replay.get_json() == answers["first"].get_json()
    assert count(LoanEvent) == 1
