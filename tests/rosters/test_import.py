"""Roster imports (SPEC §15): all-or-nothing, row/column problems, each import replaces
that kind's roster, IDs encrypted and found by the keyed hash; the lookup's window and
name matching."""
from __future__ import annotations

from datetime import date

import pytest
from flask_babel import force_locale
from sqlalchemy import select, text

from loans.db import db
from loans.personal_data import vault
from loans.rosters.models import RosterEntry, RosterImport
from loans.rosters.parsing import RosterRefused, problem_text
from loans.rosters.queries import roster_hits
from loans.rosters.services import import_roster as run_import
from tests.factories import resident_id
from tests.rosters.conftest import roster_csv

ID_A = resident_id("431002", date(1985, 3, 4), 7)
ID_B = resident_id("431003", date(1990, 6, 1), 8, male=False)


def hits(number, name, on):
    return [(h.kind, h.as_of, h.valid_until) for h in roster_hits(vault().lookup_hash(number), name, on)]


def refused(kind, data) -> list[str]:
    with force_locale("en"), pytest.raises(RosterRefused) as caught:
        run_import(kind, "bad.csv", data)
    db.session.rollback()
    with force_locale("en"):
        return [problem_text(p) for p in caught.value.problems]


def test_import_stores_ids_encrypted_and_finds_them_by_the_keyed_hash(app, import_roster, make_user):
    admin = make_user("admin")
    batch = import_roster("veteran", f"{ID_A},张三,2026-10-31,2027-10-31", f"{ID_B},李四,2026-09-30,2027-09-30",
                          actor=admin, name="退役军人.csv")
    assert (batch.row_count, batch.file_name, batch.imported_by_id, len(batch.sha256)) == (2, "退役军人.csv", admin.id, 64)
    stored = db.session.execute(text("SELECT id_number, id_number_masked FROM roster_entries")).all()
    assert all(ID_A not in raw and ID_B not in raw for raw, _ in stored)
    assert {masked for _, masked in stored} == {ID_A[:6] + "********" + ID_A[-4:], ID_B[:6] + "********" + ID_B[-4:]}
    assert hits(ID_A, "张三", date(2026, 12, 2)) == [("veteran", date(2026, 10, 31), date(2027, 10, 31))]


def test_gb18030_file(app):
    batch = run_import("poverty_alleviated", "脱贫.csv",
                       roster_csv(f"{ID_A},王小明,2026-10-31,2027-10-31", encoding="gb18030"))
    db.session.commit()
    assert batch.row_count == 1
    assert hits(ID_A, "王小明", date(2027, 1, 1))[0][0] == "poverty_alleviated"


def test_graduates_need_a_graduation_date(app):
    problems = refused("graduate", roster_csv(f"{ID_A},张三,2026-10-31,2027-10-31"))
    assert problems == ["Row 1, column graduation_date: This column is missing from the header row."]
    run_import("graduate", "g.csv", roster_csv(f"{ID_A},张三,2026-10-31,2027-10-31,2025-06-30",
                                               header="id_number,name,as_of,valid_until,graduation_date"))
    db.session.commit()
    assert db.session.scalar(select(RosterEntry.graduation_date)) == date(2025, 6, 30)


@pytest.mark.parametrize("row, expected", [
    ("431002198503040071,张三,2026-10-31,2027-10-31",
     "Row 2, column id_number: Invalid resident ID: This resident ID is not valid: its last character"),
    (f"{ID_A},  ,2026-10-31,2027-10-31", "Row 2, column name: The name is missing."),
    (f"{ID_A},张三,2026/10/31,2027-10-31", "Row 2, column as_of: Not a date in the form YYYY-MM-DD."),
    (f"{ID_A},张三,2026-10-31,2027-02-30", "Row 2, column valid_until: Not a real date."),
    (f"{ID_A},张三,2026-10-31,2026-10-30", "Row 2, column valid_until: The valid-until date is before the as-of date."),
])
def test_each_refusal_names_row_column_and_reason(app, row, expected):
    problems = refused("veteran", roster_csv(row))
    assert len(problems) == 1 and problems[0].startswith(expected), problems


def test_a_duplicate_id_is_refused_with_both_rows(app):
    problems = refused("veteran", roster_csv(f"{ID_A},张三,2026-10-31,2027-10-31", f"{ID_B},李四,2026-10-31,2027-10-31",
                                             f"{ID_A},张三,2026-10-31,2027-10-31"))
    assert problems == ["Row 4, column id_number: This resident ID appears twice in the file (first in row 2)."]


def test_a_refused_file_changes_nothing(app, import_roster):
    import_roster("veteran", f"{ID_A},张三,2026-10-31,2027-10-31")
    refused("veteran", roster_csv(f"{ID_B},李四,2026-10-31,2027-10-31", "123,王五,2026-10-31,2027-10-31"))
    assert hits(ID_A, "张三", date(2026, 12, 2)) and not hits(ID_B, "李四", date(2026, 12, 2))
    assert db.session.scalar(select(db.func.count(RosterImport.id))) == 1


def test_not_text_and_no_rows_are_refused(app):
    assert refused("veteran", b"\x00\x01") == ["The file is not a CSV text file (UTF-8 or GB18030)."]
    assert refused("veteran", roster_csv()) == ["The file has no rows below its header."]


def test_an_import_replaces_that_kinds_roster_only(app, import_roster):
    import_roster("veteran", f"{ID_A},张三,2026-10-31,2027-10-31")
    import_roster("disabled", f"{ID_A},张三,2026-10-31,2027-10-31")
    import_roster("veteran", f"{ID_B},李四,2026-11-30,2027-11-30", name="new.csv")
    on = date(2026, 12, 2)
    assert [k for k, *_ in hits(ID_A, "张三", on)] == ["disabled"]
    assert [k for k, *_ in hits(ID_B, "李四", on)] == ["veteran"]
    assert db.session.scalar(select(db.func.count(RosterImport.id))) == 3


def test_the_entry_counts_only_inside_its_dates_and_with_the_name(app, import_roster):
    import_roster("urban_unemployed", f"{ID_A},张 三,2026-10-31,2027-10-31")
    assert hits(ID_A, "张三", date(2026, 10, 31)) and hits(ID_A, " 张三 ", date(2027, 10, 31))
    assert hits(ID_A, "张三", date(2026, 10, 30)) == [] and hits(ID_A, "张三", date(2027, 11, 1)) == []
    assert hits(ID_A, "张四", date(2026, 12, 2)) == []
    assert hits(ID_B, "张三", date(2026, 12, 2)) == []


def test_the_import_is_audited(app, import_roster, make_user):
    from loans.audit.models import AuditEvent

    admin = make_user("admin")
    import_roster("veteran", f"{ID_A},张三,2026-10-31,2027-10-31", actor=admin, name="v.csv")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "roster_import"))
    assert event.actor_id == admin.id
    assert event.detail["key_group"] == "veteran" and event.detail["file"] == "v.csv" and event.detail["entries"] == 1
