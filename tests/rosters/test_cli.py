"""``rosters import`` and ``rosters check`` (SPEC §15): one clear line on a bad file, JSON
answers, a non-zero exit for an invalid ID."""
from __future__ import annotations

import json
from datetime import date

from sqlalchemy import func, select

from loans.db import db
from loans.rosters.models import RosterEntry
from tests.factories import resident_id
from tests.rosters.conftest import roster_csv

ID_A = resident_id("431002", date(1985, 3, 4), 7)


def test_import_then_check(runner, tmp_path):
    path = tmp_path / "退役军人.csv"
    path.write_bytes(roster_csv(f"{ID_A},张三,2026-10-31,2027-10-31", encoding="gb18030"))
    result = runner.invoke(args=["rosters", "import", "--kind", "veteran", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 entries imported" in result.output
    found = runner.invoke(args=["rosters", "check", ID_A, "张三", "--on", "2027-01-15"])
    assert found.exit_code == 0, found.output
    assert json.loads(found.output) == {"kinds": [{"kind": "veteran", "as_of": "2026-10-31",
                                                   "valid_until": "2027-10-31"}]}
    outside = runner.invoke(args=["rosters", "check", ID_A, "张三", "--on", "2027-11-01"])
    assert json.loads(outside.output) == {"kinds": []}
    other_name = runner.invoke(args=["rosters", "check", ID_A, "李四", "--on", "2027-01-15"])
    assert json.loads(other_name.output) == {"kinds": []}


def test_a_bad_file_exits_with_one_line_and_stores_nothing(runner, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(roster_csv(f"{ID_A},张三,2026-10-31,2027-10-31", "123,李四,2026-10-31,2027-10-31",
                                f"{ID_A},张三,2026-10-31,20271031"))
    result = runner.invoke(args=["rosters", "import", "--kind", "veteran", str(path)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "nothing stored" in lines[0] and "id_number" in lines[0] and "more problem" in lines[0]
    assert "Traceback" not in result.output
    assert db.session.scalar(select(func.count(RosterEntry.id))) == 0


def test_a_missing_file_and_an_unknown_kind(runner, tmp_path):
    missing = runner.invoke(args=["rosters", "import", "--kind", "veteran", str(tmp_path / "none.csv")])
    assert missing.exit_code == 1 and "cannot read" in missing.output
    unknown = runner.invoke(args=["rosters", "import", "--kind", "released_prisoner", str(tmp_path / "none.csv")])
    assert unknown.exit_code == 2


def test_check_refuses_an_invalid_id(runner):
    result = runner.invoke(args=["rosters", "check", "431002198503040071", "张三"])
    assert result.exit_code == 1 and "invalid resident ID" in result.output
