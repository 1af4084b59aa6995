"""The fund page (SPEC §13): who may see it, what it shows as at a day, the supervisor's
lift of a pause, finance's movements page, a bank clerk's own rates."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from loans.audit.models import AuditEvent
from loans.db import db
from loans.fund.models import BankPause, FundMovement
from tests import factories
from tests.conftest import csrf_token
from tests.helpers import text


def deposit(amount="20000000", on=date(2026, 1, 5), voucher="JJ-1", bank=None):
    db.session.add(FundMovement(moved_on=on, kind="deposit", amount=Decimal(amount), voucher_no=voucher,
                                bank_code=bank, source="cli"))
    db.session.commit()


@pytest.fixture
def fund(app):
    deposit()
    deposit("500000", voucher="JJ-2", bank="ICBC-CZ")
    factories.ProgrammeLoanFactory(contract_date=date(2025, 1, 1), amount=Decimal("95000000"),
                                   events=[(date(2025, 1, 2), "disbursement", "95000000")])
    db.session.commit()


@pytest.mark.parametrize("role, district, status", [
    ("finance", None, 200), ("supervisor", None, 200), ("supervisor", "431002", 200), ("admin", None, 200),
    ("auditor", None, 200), ("officer", "431002", 403), ("bank", None, 403), ("applicant", None, 403)])
def test_who_sees_the_fund_page(as_user, make_user, fund, role, district, status):
    user = make_user(role, district_code=district, bank_code="ICBC-CZ" if role == "bank" else None)
    response = as_user(user).get("/fund/")
    assert response.status_code == status


def test_the_page_shows_the_figures_as_at_a_day(as_user, make_user, fund):
    client = as_user(make_user("finance"))
    page = text(client.get("/fund/?on=2026-06-30").get_data(as_text=True))
    assert "¥20,500,000.00" in page and "¥95,000,000.00" in page
    assert "4.63×" in page  # 95,000,000 ÷ 20,500,000
    assert "Leverage (limit 5.00×)" in page
    before = text(client.get("/fund/?on=2025-12-31").get_data(as_text=True))
    assert "The fund has no positive balance" in before


def test_the_page_in_chinese(app, make_user, fund):
    from tests.conftest import login

    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    login(client, make_user("auditor"))
    response = client.get("/fund/?on=2026-06-30")
    assert response.status_code == 200
    assert "2050万元" in text(response.get_data(as_text=True))


def test_a_bad_as_of_day_is_said_in_place(as_user, make_user, fund):
    response = as_user(make_user("finance")).get("/fund/?on=2026-02-30")
    assert response.status_code == 200
    page = text(response.get_data(as_text=True))
    assert "Not a valid date value." in page and "As at 2026-" in page
    assert "¥20,500,000.00" in page  # today's figures meanwhile


def _paused(app):
    pause = BankPause(bank_code="ICBC-CZ", paused_on=date(2026, 5, 31), claims_rate=Decimal("0.0625"))
    db.session.add(pause)
    db.session.commit()
    return pause


def test_a_city_wide_supervisor_lifts_a_pause_once(as_user, make_user, fund, app):
    pause = _paused(app)
    client = as_user(make_user("supervisor"))
    page = client.get("/fund/").get_data(as_text=True)
    assert "6.25 %" in text(page)
    data = {"csrf_token": csrf_token(page), "lock_version": "0", "reason": "已整改"}
    response = client.post(f"/fund/pauses/{pause.id}/lift", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    lifted = db.session.get(BankPause, pause.id)
    assert lifted.lifted_on is not None and lifted.lift_reason == "已整改" and lifted.lifted_by_id is not None
    again = client.post(f"/fund/pauses/{pause.id}/lift", data=data)
    assert again.status_code == 409 and "This was changed by someone else just now." in text(again.get_data(as_text=True))
    audits = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "bank_pause_lifted")).all()
    assert len(audits) == 1 and audits[0].detail["reason"] == "已整改"


def test_lifting_needs_a_reason_and_a_city_wide_supervisor(as_user, make_user, fund, app):
    pause = _paused(app)
    client = as_user(make_user("supervisor"))
    token = csrf_token(client.get("/fund/").get_data(as_text=True))
    response = client.post(f"/fund/pauses/{pause.id}/lift", data={"csrf_token": token, "lock_version": "0"})
    assert response.status_code == 400 and "Give the reason for lifting the pause." in text(
        response.get_data(as_text=True))
    district = as_user(make_user("supervisor", district_code="431002"))
    page = district.get("/fund/").get_data(as_text=True)
    assert "Lift the pause" not in text(page)
    refused = district.post(f"/fund/pauses/{pause.id}/lift",
                            data={"csrf_token": csrf_token(page), "lock_version": "0", "reason": "x"})
    assert refused.status_code == 403
    assert as_user(make_user("finance")).post(f"/fund/pauses/{pause.id}/lift", data={}).status_code == 403
    assert db.session.get(BankPause, pause.id).lifted_on is None


def test_finance_enters_a_movement_and_imports_a_file(as_user, make_user, app):
    client = as_user(make_user("finance"))
    page = client.get("/fund/movements").get_data(as_text=True)
    token = csrf_token(page)
    response = client.post("/fund/movements", data={"csrf_token": token, "kind": "deposit", "amount": "20,000,000",
                                                     "moved_on": "2026-01-05", "voucher": "JJ-1", "bank": "",
                                                     "district": "431002"})
    assert response.status_code == 302
    listed = text(client.get("/fund/movements").get_data(as_text=True))
    assert "¥20,000,000.00" in listed and "JJ-1" in listed
    bad = client.post("/fund/movements", data={"csrf_token": token, "kind": "deposit", "amount": "0",
                                                "moved_on": "2026-01-05", "voucher": "JJ-9"})
    assert bad.status_code == 400 and "Enter an amount greater than zero." in text(bad.get_data(as_text=True))
    import io
    csv = b"date,kind,amount,voucher,bank_code,district_code\n2026-02-01,interest,12.5,JJ-3,,\n2026-02-30,deposit,1,X,,\n"
    refused = client.post("/fund/movements/import", data={"csrf_token": token, "file": (io.BytesIO(csv), "f.csv")},
                          content_type="multipart/form-data")
    assert refused.status_code == 400 and "row 3, column date" in text(refused.get_data(as_text=True))
    good = b"date,kind,amount,voucher,bank_code,district_code\n2026-02-01,interest,12.5,JJ-3,,\n"
    done = client.post("/fund/movements/import", data={"csrf_token": token, "file": (io.BytesIO(good), "f.csv")},
                       content_type="multipart/form-data")
    assert done.status_code == 302
    assert db.session.scalar(select(FundMovement.amount).where(FundMovement.voucher_no == "JJ-3")) == Decimal("12.50")


def test_readers_see_movements_without_the_forms(as_user, make_user, fund):
    page = text(as_user(make_user("auditor")).get("/fund/movements").get_data(as_text=True))
    assert "JJ-1" in page and "Enter a movement" not in page


def test_a_bank_clerk_sees_its_own_rates_and_pause(as_user, make_user, fund, app):
    from loans.fund.rates import compute_bank_rates

    compute_bank_rates(date(2026, 5, 31))
    _paused(app)
    clerk = as_user(make_user("bank", bank_code="ICBC-CZ"))
    page = text(clerk.get("/fund/bank").get_data(as_text=True))
    assert "paused since 2026-05-31" in page and "2026-05-31" in page
    other = text(as_user(make_user("bank", bank_code="CZRCB")).get("/fund/bank").get_data(as_text=True))
    assert "are not paused" in other
    assert as_user(make_user("finance")).get("/fund/bank").status_code == 403


def test_overrides_are_listed(as_user, make_user, make_case, fund):
    from loans.fund.models import ApprovalOverride

    case = make_case("submitted")
    supervisor = make_user("supervisor", name="王科长")
    db.session.add(ApprovalOverride(application_id=case.id, actor_id=supervisor.id, reason="重点项目，报局长同意",
                                    refusals="leverage_above_limit,bank_paused", projected=Decimal("5.025"),
                                    limit=Decimal(5), fund_balance=Decimal("20000000"), bank_code="ICBC-CZ"))
    db.session.commit()
    page = text(as_user(make_user("auditor")).get("/fund/").get_data(as_text=True))
    assert f"{case.reference} · 王科长" in page
    assert "projected 5.03×, limit 5.00×" in page
    assert "重点项目，报局长同意" in page
