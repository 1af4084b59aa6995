"""Fund movements (SPEC §13): ``fund deposit`` and ``fund import`` — recorded, audited, the
same voucher or file again changes nothing, bad input exits non-zero with clear lines and
stores nothing."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from loans.audit.models import AuditEvent
from loans.db import db
from loans.fund import queries
from loans.fund.models import FundMovement
from loans.fund.movements import record_movement
from loans.errors import Refused

HEADER = "date,kind,amount,voucher,bank_code,district_code\n"


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(FundMovement))


def test_deposit_is_recorded_and_audited(runner):
    result = runner.invoke(args=["fund", "deposit", "--lang", "en", "--amount", "20000000", "--on", "2026-01-05", "--voucher", "JJ-1",
                                 "--bank", "ICBC-CZ", "--district", "431002"])
    assert result.exit_code == 0, result.output
    assert "recorded deposit of 20000000.00 on 2026-01-05" in result.output
    assert queries.fund_balance(date(2026, 1, 5)) == Decimal("20000000.00")
    assert queries.fund_balance(date(2026, 1, 5), bank="ICBC-CZ", district="431002") == Decimal("20000000.00")
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "fund_movement")).one()
    assert audit.detail["voucher_no"] == "JJ-1" and audit.detail["via"] == "cli"
    again = runner.invoke(args=["fund", "deposit", "--lang", "en", "--amount", "20000000.00", "--on", "2026-01-05", "--voucher",
                                "JJ-1", "--bank", "ICBC-CZ", "--district", "431002"])
    assert again.exit_code == 0 and "nothing changed" in again.output
    assert count() == 1


def test_a_withdrawal_lowers_the_balance(runner):
    runner.invoke(args=["fund", "deposit", "--lang", "en", "--amount", "1000", "--on", "2026-01-05", "--voucher", "A"])
    result = runner.invoke(args=["fund", "deposit", "--lang", "en", "--kind", "withdrawal", "--amount", "300.50", "--on",
                                 "2026-02-01", "--voucher", "B"])
    assert result.exit_code == 0, result.output
    assert queries.fund_balance(date(2026, 2, 1)) == Decimal("699.50")


@pytest.mark.parametrize("args, message", [
    (["--amount", "-5", "--on", "2026-01-05", "--voucher", "V"], "--amount must be a positive amount"),
    (["--amount", "1,000", "--on", "2026-01-05", "--voucher", "V"], "--amount must be a positive amount"),
    (["--amount", "1000", "--on", "2026-02-30", "--voucher", "V"], "--on must be a date like 2026-01-31"),
    (["--amount", "1000", "--on", "2026-01-05", "--voucher", "V", "--bank", "NOPE"], "Unknown bank: NOPE."),
    (["--amount", "1000", "--on", "2026-01-05", "--voucher", "V", "--district", "999999"],
     "Unknown district: 999999."),
    (["--amount", "1000", "--on", "2026-01-05", "--voucher", " "], "Give the voucher number"),
])
def test_bad_deposits_exit_non_zero_with_one_line(runner, args, message):
    result = runner.invoke(args=["fund", "deposit", "--lang", "en", *args])
    assert result.exit_code != 0
    assert message in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert count() == 0


def test_same_voucher_other_values_is_refused(runner):
    runner.invoke(args=["fund", "deposit", "--lang", "en", "--amount", "1000", "--on", "2026-01-05", "--voucher", "V"])
    result = runner.invoke(args=["fund", "deposit", "--lang", "en", "--amount", "2000", "--on", "2026-01-05", "--voucher", "V"])
    assert result.exit_code != 0 and "Voucher V is already recorded with other values" in result.output
    assert count() == 1


def test_import_utf8_and_again(runner, tmp_path):
    path = tmp_path / "fund.csv"
    path.write_text(HEADER + "2026-01-05,deposit,20000000,JJ-1,,\n2026-03-31,interest,1234.56,JJ-2,,\n"
                    "2026-04-01,deposit,500000,JJ-3,ICBC-CZ,431002\n2026-05-01,withdrawal,100000,JJ-4,,431003\n",
                    encoding="utf-8-sig")
    result = runner.invoke(args=["fund", "import", "--lang", "en", str(path)])
    assert result.exit_code == 0, result.output
    assert "4 movement(s) added, 0 already recorded" in result.output
    assert queries.fund_balance(date(2026, 12, 31)) == Decimal("20401234.56")
    assert queries.fund_balance(date(2026, 12, 31), district="431003") == Decimal("-100000.00")
    again = runner.invoke(args=["fund", "import", "--lang", "en", str(path)])
    assert again.exit_code == 0 and "0 movement(s) added, 4 already recorded" in again.output
    assert count() == 4


def test_import_gb18030(runner, tmp_path):
    path = tmp_path / "fund.csv"
    path.write_bytes((HEADER + "2026-01-05,deposit,1000,郴州担保基金凭证一号,,\n").encode("gb18030"))
    result = runner.invoke(args=["fund", "import", "--lang", "en", str(path)])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(FundMovement.voucher_no)) == "郴州担保基金凭证一号"


def test_import_is_all_or_nothing_with_row_and_column(runner, tmp_path):
    path = tmp_path / "fund.csv"
    path.write_text(HEADER + "2026-01-05,deposit,1000,V1,,\n2026-13-01,deposit,1000,V2,,\n"
                    "2026-01-06,compensation_paid,1000,V3,,\n2026-01-07,deposit,0,V4,NOPE,\n"
                    "2026-01-08,deposit,5,V1,,\n", encoding="utf-8")
    result = runner.invoke(args=["fund", "import", "--lang", "en", str(path)])
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert "fund.csv: row 3, column date: not a date like 2026-01-31: '2026-13-01'" in lines
    assert any(line.startswith("fund.csv: row 4, column kind: kind must be deposit, withdrawal or interest")
               for line in lines)
    assert any(line.startswith("fund.csv: row 5, column amount:") for line in lines)
    assert any(line.startswith("fund.csv: row 5, column bank_code: unknown bank") for line in lines)
    assert "fund.csv: row 6, column voucher: voucher V1 is also on row 2 with other values" in lines
    assert lines[-1] == "Error: fund import refused (5 problem(s)); nothing was stored"
    assert count() == 0


def test_import_missing_column_and_unreadable_file(runner, tmp_path):
    path = tmp_path / "fund.csv"
    path.write_text("date,kind,amount,voucher\n2026-01-05,deposit,1000,V1\n", encoding="utf-8")
    result = runner.invoke(args=["fund", "import", "--lang", "en", str(path)])
    assert result.exit_code != 0 and "fund.csv: row 1, column bank_code: missing column" in result.output
    missing = runner.invoke(args=["fund", "import", "--lang", "en", str(tmp_path / "none.csv")])
    assert missing.exit_code != 0 and "cannot read" in missing.output


def test_import_conflicting_with_a_recorded_voucher(runner, tmp_path):
    runner.invoke(args=["fund", "deposit", "--lang", "en", "--amount", "1000", "--on", "2026-01-05", "--voucher", "V1"])
    path = tmp_path / "fund.csv"
    path.write_text(HEADER + "2026-01-06,deposit,2000,V2,,\n2026-01-05,deposit,9999,V1,,\n", encoding="utf-8")
    result = runner.invoke(args=["fund", "import", "--lang", "en", str(path)])
    assert result.exit_code != 0 and "row 3, column voucher: voucher V1 is already recorded" in result.output
    assert count() == 1


def test_record_movement_for_claims(app):
    movement = record_movement("compensation_paid", Decimal("121050.00"), date(2026, 4, 2), "PZ-9",
                               "ICBC-CZ", "431002", actor=None, source="claim")
    assert movement.id and queries.fund_balance(date(2026, 4, 2)) == Decimal("-121050.00")
    with pytest.raises(Refused):
        record_movement("deposit", Decimal("0"), date(2026, 4, 2), "PZ-10", actor=None)
