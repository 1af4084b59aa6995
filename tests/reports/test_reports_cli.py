"""``flask report summary`` (SPEC §10): JSON and text, and one clear line on bad input."""
from __future__ import annotations

import json

import pytest

ARGS = ["report", "summary", "--from", "2021-01-01", "--to", "2021-06-30"]


def test_text_is_the_summary_sentence(runner, programme):
    result = runner.invoke(args=ARGS + ["--format", "text"])
    assert result.exit_code == 0, result.output
    assert result.output == (
        "From 2021-01-01 to 2021-06-30, ¥1,630,000.00 of guaranteed loans were issued to support 5 people to start "
        "businesses and 1 small or micro enterprise, which created 32 jobs.\n")


def test_text_in_chinese(runner, programme):
    result = runner.invoke(args=ARGS + ["--format", "text", "--lang", "zh", "--district", "431002"])
    assert result.exit_code == 0, result.output
    assert result.output == "2021年1月1日至2021年6月30日，北湖区发放创业担保贷款43万元，扶持4人创业，带动就业11人。\n"


def test_json(runner, programme):
    result = runner.invoke(args=ARGS + ["--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    by_district = data.pop("by_district")
    assert data == {
        "from": "2021-01-01", "to": "2021-06-30", "district": None,
        "loans_issued": 4, "amount_issued": "1630000.00", "people_supported": 5, "enterprises_supported": 1,
        "jobs_declared": 32, "jobs_verified": 18, "subsidy_paid": "1800.00", "outstanding_balance": "1460000.00",
        "overdue_balance": "80000.00", "overdue_rate": "5.48",
        # the test fund of ¥10,000,000,000 (tests/factories.ensure_test_fund); nothing matured in 2020
        "fund_balance": "10000000000.00", "guaranteed_outstanding": "1460000.00", "leverage": "0.00",
        "leverage_limit": "5.00", "repayment_rate_at_maturity": None, "claims_paid": "0.00", "recoveries": "0.00",
        "write_offs": "0.00",
        "summary": ("From 2021-01-01 to 2021-06-30, ¥1,630,000.00 of guaranteed loans were issued to support 5 "
                    "people to start businesses and 1 small or micro enterprise, which created 32 jobs.")}
    assert len(by_district) == 11
    assert by_district[1] == {
        "district_code": "431003", "loans_issued": 2, "amount_issued": "1200000.00", "people_supported": 1,
        "enterprises_supported": 1, "jobs_declared": 21, "jobs_verified": 13, "subsidy_paid": "500.00",
        "outstanding_balance": "1000000.00", "overdue_balance": "0.00", "overdue_rate": "0.00"}


def test_json_for_one_district(runner, programme):
    result = runner.invoke(args=ARGS + ["--format", "json", "--district", "431003", "--lang", "zh"])
    data = json.loads(result.output)
    assert (data["district"], data["loans_issued"], data["subsidy_paid"]) == ("431003", 2, "500.00")
    assert [d["district_code"] for d in data["by_district"]] == ["431003"]
    assert data["summary"].startswith("2021年1月1日至2021年6月30日，苏仙区发放创业担保贷款120万元")


def test_an_empty_database_gives_zeros(runner, app):
    data = json.loads(runner.invoke(args=ARGS + ["--format", "json"]).output)
    assert (data["loans_issued"], data["amount_issued"], data["overdue_rate"]) == (0, "0.00", None)


def _range(start, end):
    return ["report", "summary", "--from", start, "--to", end]


@pytest.mark.parametrize("args, message", [
    (_range("2021-13-01", "2021-06-30"), "--from must be a date like 2021-06-30, not '2021-13-01'"),
    (_range("2021-01-01", "30/06/2021"), "--to must be a date like 2021-06-30, not '30/06/2021'"),
    (_range("20210101", "2021-06-30"), "--from must be a date like 2021-06-30, not '20210101'"),
    (_range("2021-07-01", "2021-06-30"), "--from 2021-07-01 is after --to 2021-06-30"),
    (ARGS + ["--district", "999999"], "unknown district: 999999"),
])
def test_bad_input_exits_with_one_clear_line(runner, app, args, message):
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    assert result.output.strip().splitlines() == [f"Error: {message}"]
    assert "Traceback" not in result.output


def test_a_bad_format_is_refused(runner, app):
    result = runner.invoke(args=ARGS + ["--format", "pdf"])
    assert result.exit_code != 0 and "pdf" in result.output


def test_json_fund_keys(runner, programme):
    """Claims paid, recoveries and approved write-offs in the range; the fund as at its last day."""
    from datetime import date
    from decimal import Decimal

    from loans.db import db
    from loans.fund.models import CompensationClaim, FundMovement, Recovery, WriteOff

    D = Decimal
    db.session.execute(FundMovement.__table__.delete())
    db.session.add_all([
        FundMovement(moved_on=date(2021, 1, 1), kind="deposit", amount=D("500000"), voucher_no="V1", source="cli"),
        FundMovement(moved_on=date(2021, 3, 1), kind="compensation_paid", amount=D("80800"), voucher_no="V2",
                     source="claim"),
        FundMovement(moved_on=date(2021, 7, 1), kind="deposit", amount=D("999"), voucher_no="V3", source="cli")])
    loan = programme["L7"]
    claim = CompensationClaim(loan_id=loan.id, bank_code=loan.bank_code, district_code=loan.district_code,
                              status="paid", claim_date=date(2021, 3, 1), principal=D("100000"), interest=D("1000"),
                              total=D("101000"), share_pct=D(80), fund_share=D("80800"), bank_share=D("20200"),
                              paid_on=date(2021, 3, 1))
    db.session.add(claim)
    db.session.flush()
    db.session.add_all([
        Recovery(claim_id=claim.id, loan_id=loan.id, bank_code=loan.bank_code, recovered_on=date(2021, 6, 1),
                 amount=D("10000.03"), fund_share=D("8000.02"), bank_share=D("2000.01")),
        Recovery(claim_id=claim.id, loan_id=loan.id, bank_code=loan.bank_code, recovered_on=date(2021, 7, 1),
                 amount=D("5"), fund_share=D("4"), bank_share=D("1")),
        WriteOff(claim_id=claim.id, loan_id=loan.id, amount=D("90000"), reason="无力偿还", status="approved",
                 decided_on=date(2021, 6, 30)),
        WriteOff(claim_id=claim.id, loan_id=loan.id, amount=D("1"), reason="x", status="proposed")])
    db.session.commit()
    result = runner.invoke(args=ARGS + ["--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {key: data[key] for key in ("fund_balance", "guaranteed_outstanding", "leverage", "leverage_limit",
                                       "claims_paid", "recoveries", "write_offs")} == {
        "fund_balance": "419200.00", "guaranteed_outstanding": "1460000.00", "leverage": "3.48",
        "leverage_limit": "5.00", "claims_paid": "101000.00", "recoveries": "10000.03", "write_offs": "90000.00"}
