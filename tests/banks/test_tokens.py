"""Bank API tokens (SPEC §12): shown once, stored as a hash, revocable, expiring, bound to addresses."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from loans.audit.models import AuditEvent
from loans.banks.models import BankToken
from loans.banks.tokens import authenticate, issue_token, revoke_token, token_hash
from loans.db import db, utcnow


def test_the_cli_prints_the_token_once_on_its_last_line_and_stores_only_its_hash(app, runner):
    result = runner.invoke(args=["banks", "token", "create", "ICBC-CZ", "--name", "front-end server",
                                 "--expires", "2099-12-31", "--allow-ip", "10.1.2.0/24"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert secret.startswith("lb_") and len(secret) > 40
    token = db.session.scalars(select(BankToken)).one()
    assert token.token_hash == token_hash(secret) and secret not in repr(token.__dict__)
    assert token.allowed_ips == ["10.1.2.0/24"] and token.expires_at.year == 2099
    listed = runner.invoke(args=["banks", "token", "list"]).output
    assert "ICBC-CZ\tfront-end server" in listed and "active" in listed and secret not in listed
    assert runner.invoke(args=["banks", "token", "create", "NOPE", "--name", "x"]).exit_code != 0


def test_a_token_authenticates_its_bank_until_revoked_or_expired(app):
    token, secret = issue_token("ICBC-CZ", "core system")
    db.session.commit()
    actor = authenticate(f"Bearer {secret}", "203.0.113.9")
    assert actor.bank_code == "ICBC-CZ" and actor.role == "bank" and actor.token_id == token.id
    assert db.session.get(BankToken, token.id).last_used_ip == "203.0.113.9"
    for header in (None, "Bearer", f"Basic {secret}", f"Bearer {secret}x", "Bearer lb_unknown"):
        assert authenticate(header, "203.0.113.9") is None, header
    revoke_token(token)
    db.session.commit()
    assert authenticate(f"Bearer {secret}", "203.0.113.9") is None
    rows = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert rows == ["bank_token_issued", "bank_token_revoked"]

    expired, expired_secret = issue_token("ICBC-CZ", "old", expires_at=utcnow() + timedelta(seconds=1))
    expired.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert authenticate(f"Bearer {expired_secret}", None) is None


def test_an_allow_list_refuses_other_addresses(app):
    _token, secret = issue_token("ICBC-CZ", "front-end", allowed_ips=["10.1.2.0/24", "192.0.2.7"])
    db.session.commit()
    assert authenticate(f"Bearer {secret}", "10.1.2.200") is not None
    assert authenticate(f"Bearer {secret}", "192.0.2.7") is not None
    assert authenticate(f"Bearer {secret}", "10.1.3.1") is None
    assert authenticate(f"Bearer {secret}", None) is None


def test_idempotency_keys_are_forgotten_after_thirty_days_by_the_daily_job(app):
    from loans.banks.models import IdempotencyKey
    from loans.jobs.runner import submit
    from loans.unit_of_work import unit_of_work

    def key(name, age):
        return IdempotencyKey(bank_code="ICBC-CZ", key=name, method="POST", path="/api/v1/bank/loans/L1/events",
                              body_sha256="0" * 64, status=201, response="{}", created_at=utcnow() - age)

    db.session.add_all([key("old", timedelta(days=31)), key("recent", timedelta(days=29))])
    db.session.commit()
    with unit_of_work():
        job_id = submit("idempotency_purge", {}).id
    from loans.jobs.models import Job

    db.session.expire_all()
    assert db.session.get(Job, job_id).result == {"purged": 1}
    assert db.session.scalars(select(IdempotencyKey.key)).all() == ["recent"]


def test_the_clerks_loan_page_says_how_each_event_came(app, add_loan, make_user):
    from decimal import Decimal
    from datetime import date

    from loans.banks.tokens import authenticate
    from loans.servicing import services
    from tests.helpers import client_for, text

    loan = add_loan("L-CAME-BY")  # a ledger loan, disbursed 2021-06-15
    db.session.commit()
    _token, secret = issue_token("ICBC-CZ", "核心系统")
    db.session.commit()
    actor = authenticate(f"Bearer {secret}", "10.0.0.1")
    services.record_repayment(loan, actor=actor, on=date(2022, 1, 5), amount=Decimal("1000"), expected_version=None,
                              bank_ref="ICBC-2022-0001")
    clerk = make_user("bank", bank_code="ICBC-CZ")
    services.record_repayment(loan, actor=clerk, on=date(2022, 2, 5), amount=Decimal("1000"), expected_version=None)
    db.session.commit()
    page = text(client_for(app, clerk).get(f"/loans/{loan.id}").get_data(as_text=True))
    assert "Bank API · 核心系统" in page and "Bank ref. ICBC-2022-0001" in page
    assert "Typed" in page and "Ledger import" in page


def test_an_admin_issues_a_token_on_the_page_sees_it_once_and_revokes_it(app, make_user):
    from tests.helpers import client_for, text

    admin = client_for(app, make_user("admin"))
    response = admin.post("/admin/bank-tokens/", data={"bank_code": "ICBC-CZ", "name": "前置机",
                                                       "expires": "2099-12-31", "allow_ip": "10.1.2.0/24 192.0.2.7"})
    assert response.status_code == 201 and response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    secret = page.split('<code class="user-select-all" lang="en">')[1].split("</code>")[0]
    token = db.session.scalars(select(BankToken)).one()
    assert token.token_hash == token_hash(secret) and token.allowed_ips == ["10.1.2.0/24", "192.0.2.7/32"]
    listing = admin.get("/admin/bank-tokens/").get_data(as_text=True)
    assert secret not in listing and f"{token.prefix}…" in listing and "Active" in text(listing)
    assert authenticate(f"Bearer {secret}", "10.1.2.9") is not None
    assert admin.post(f"/admin/bank-tokens/{token.id}/revoke").status_code == 303
    assert "Revoked" in text(admin.get("/admin/bank-tokens/").get_data(as_text=True))
    assert authenticate(f"Bearer {secret}", "10.1.2.9") is None
    bad = admin.post("/admin/bank-tokens/", data={"bank_code": "ICBC-CZ", "name": "x", "allow_ip": "10.1.2.300"})
    assert bad.status_code == 400 and "10.1.2.300 is not an IP address" in text(bad.get_data(as_text=True))
    auditor = client_for(app, make_user("auditor"))
    assert auditor.get("/admin/bank-tokens/").status_code == 200
    assert auditor.post("/admin/bank-tokens/", data={"bank_code": "ICBC-CZ", "name": "x"}).status_code == 403
    for role in ("bank", "finance", "officer", "applicant"):
        assert client_for(app, make_user(role)).get("/admin/bank-tokens/").status_code == 403
