"""The holiday calendar (issue 9): seeded from chinesecalendar, imported from CSV, edited on
the admin page, counted by `calendar workdays` and the queue; warnings when next year's
arrangement or this month's LPR fixing is missing."""
from __future__ import annotations

import io
import re
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

from loans.audit.models import AuditEvent
from loans.db import db
from loans.policy.models import CalendarDay, LprFixing
from loans.policy.queries import reference_warnings, working_calendar
from tests.helpers import text

# A made-up 2027 arrangement: the Spring Festival from Saturday 6 to Sunday 14 February
# (five weekday holidays, 8–12 February) and Saturday 20 February worked.
ARRANGEMENT_2027 = """date,kind,name
2027-01-01,holiday,元旦
2027-02-06,holiday,春节
2027-02-07,holiday,春节
2027-02-08,holiday,春节
2027-02-09,holiday,春节
2027-02-10,holiday,春节
2027-02-11,holiday,春节
2027-02-12,holiday,春节
2027-02-13,holiday,春节
2027-02-14,holiday,春节
2027-02-20,workday,春节
"""
# February 2027: 20 weekdays − 5 holidays + 1 adjusted Saturday.
FEBRUARY_2027 = 16


def write(tmp_path, content: str | bytes, name="arrangement-2027.csv"):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return str(path)


def workdays(runner, first, last):
    return runner.invoke(args=["calendar", "workdays", "--from", first, "--to", last])


def audit_count(action: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


def assert_one_line_error(result, *fragments):
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    last = [line for line in result.output.splitlines() if line.strip()][-1]
    assert last.startswith("Error: "), result.output
    for fragment in fragments:
        assert fragment in result.output, result.output


# --- seed ---------------------------------------------------------------------------------

def test_the_migration_seeds_chinesecalendar_years(app):
    calendar = working_calendar()
    assert calendar.covered_years == frozenset(range(2004, 2027))
    spring = db.session.scalar(select(CalendarDay).where(CalendarDay.calendar_date == date(2026, 2, 16)))
    assert (spring.kind, spring.name) == ("holiday", "Spring Festival")
    saturday = db.session.scalar(select(CalendarDay).where(CalendarDay.calendar_date == date(2026, 2, 14)))
    assert saturday.kind == "workday"
    assert not calendar.is_covered(2027)


# --- CLI ----------------------------------------------------------------------------------

def test_workdays_counts_both_ends(runner):
    result = workdays(runner, "2024-10-01", "2024-10-31")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "19"
    assert workdays(runner, "2024-09-29", "2024-09-29").output.strip() == "1"  # a Sunday worked


def test_workdays_warns_about_a_year_without_holidays(runner):
    result = workdays(runner, "2027-02-01", "2027-02-28")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "20"
    assert "2027" in lines[1] and "warning" in lines[1]


@pytest.mark.parametrize("args, fragment", [
    (["--from", "2027-02-30", "--to", "2027-03-01"], "not a date"),
    (["--from", "27-02-01", "--to", "2027-03-01"], "not a date"),
    (["--from", "1066-10-14", "--to", "2027-03-01"], "not a date"),
    (["--from", "2027-03-01", "--to", "2027-02-01"], "before --from"),
    (["--from", "2027-03-01"], "--to"),
])
def test_workdays_refuses_bad_dates_in_one_line(runner, args, fragment):
    result = runner.invoke(args=["calendar", "workdays", *args])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert fragment in result.output


def test_import_then_workdays_and_queue_count_it(runner, tmp_path, make_case, staff, as_user, monkeypatch):
    """Done when: after `calendar import` of a year's arrangement, `calendar workdays` and
    the queue's working-day column count it."""
    assert workdays(runner, "2027-02-01", "2027-02-28").output.splitlines()[0] == "20"
    result = runner.invoke(args=["calendar", "import", write(tmp_path, ARRANGEMENT_2027)])
    assert result.exit_code == 0, result.output
    assert "11 day(s) added, 0 changed, 0 unchanged (2027)" in result.output
    counted = workdays(runner, "2027-02-01", "2027-02-28")
    assert counted.output.strip() == str(FEBRUARY_2027)  # and no warning: 2027 is covered now
    assert audit_count("calendar_import") == 1

    # the queue: submitted Friday 5 February (Beijing), looked at on Monday 22 February
    monkeypatch.setattr("loans.review.views.local_today", lambda: date(2027, 2, 22))
    case = make_case(submitted_at=datetime(2027, 2, 5, 2, 0, tzinfo=timezone.utc), application_date=date(2027, 2, 5))
    page = as_user(staff("officer", district_code="431002")).get("/review/").get_data(as_text=True)
    row = re.search(rf'<tr[^>]*>\s*<td[^>]*><a href="/review/cases/{case.id}">.*?</tr>', page, re.S).group(0)
    # 6–14 off, Monday 15 to Friday 19 (5), Saturday 20 (1), Monday 22 (1): 7 of the 10-day target
    assert 'data-days-left="3"' in row and "3 working days left" in row, row
    assert working_calendar().working_days_between(date(2027, 2, 5), date(2027, 2, 22)) == 7


def test_import_again_changes_nothing(runner, tmp_path):
    path = write(tmp_path, ARRANGEMENT_2027)
    assert runner.invoke(args=["calendar", "import", path]).exit_code == 0
    again = runner.invoke(args=["calendar", "import", path])
    assert again.exit_code == 0, again.output
    assert "0 day(s) added, 0 changed, 11 unchanged" in again.output
    assert audit_count("calendar_import") == 1


def test_import_with_bom_changes_a_name_and_a_kind(runner, tmp_path):
    assert runner.invoke(args=["calendar", "import", write(tmp_path, ARRANGEMENT_2027)]).exit_code == 0
    changed = "\ufeffdate,kind,name\r\n2027-02-14,workday,春节\r\n2027-01-01,holiday,New Year\r\n"
    result = runner.invoke(args=["calendar", "import", write(tmp_path, changed.encode("utf-8"), "fix.csv")])
    assert result.exit_code == 0, result.output
    assert "0 day(s) added, 2 changed, 0 unchanged" in result.output
    day = db.session.scalar(select(CalendarDay).where(CalendarDay.calendar_date == date(2027, 2, 14)))
    assert day.kind == "workday"


@pytest.mark.parametrize("content, fragments", [
    ("date,kind,name\n2027-02-30,holiday,春节\n", ["bad.csv", "row 2", "column date"]),
    ("date,kind,name\n2027-02-08,festival,春节\n", ["row 2", "column kind", "festival"]),
    ("date,kind,name\n2027-02-08,workday,春节\n", ["row 2", "column kind", "Saturday or Sunday"]),
    ("date,kind,name\n2027-02-08,holiday,春节\n2027-02-08,holiday,春节\n", ["row 3", "first in row 2"]),
    ("date,kind\n2027-02-08,holiday\n", ["row 1", "column name", "missing"]),
    ("day,kind,name\n2027-02-08,holiday,x\n", ["row 1", "column day"]),
    ("date,kind,name\n", ["no days"]),
    ("", ["empty"]),
    ("date,kind,name\n2027-02-08,holiday,春节,extra\n", ["row 2", "more cells"]),
    ("date,kind,name\n,holiday,\n", ["row 2", "column date", "required"]),
    ("date,kind,name\n2027-02-08,holiday," + "节" * 61 + "\n", ["column name", "60"]),
    ("date,kind,name\n2027-02-08,holiday,春节\n".encode("gb18030"), ["UTF-8"]),
])
def test_import_refuses_bad_rows_and_stores_nothing(runner, tmp_path, content, fragments):
    before = db.session.scalar(select(func.count()).select_from(CalendarDay))
    result = runner.invoke(args=["calendar", "import", "--lang", "en", write(tmp_path, content, "bad.csv")])
    assert_one_line_error(result, *fragments)
    assert "nothing was stored" in result.output
    assert db.session.scalar(select(func.count()).select_from(CalendarDay)) == before
    assert audit_count("calendar_import") == 0


def test_import_is_all_or_nothing(runner, tmp_path):
    content = ARRANGEMENT_2027 + "2027-13-01,holiday,x\n"
    result = runner.invoke(args=["calendar", "import", "--lang", "en", write(tmp_path, content)])
    assert_one_line_error(result, "row 13", "column date")
    assert not working_calendar().is_covered(2027)


def test_import_of_a_missing_file_is_one_line(runner, tmp_path):
    assert_one_line_error(runner.invoke(args=["calendar", "import", str(tmp_path / "nope.csv")]), "cannot read")


# --- the admin page -----------------------------------------------------------------------

def test_page_shows_a_year_at_a_glance(client, login_as):
    login_as("admin")
    page = client.get("/admin/policy/calendar?year=2026")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count('<table class="table table-sm table-borderless cal-month') == 12
    assert 'aria-label="2026-02-16, Public holiday, Spring Festival"' in html
    assert 'aria-label="2026-02-14, Adjusted workday, Spring Festival"' in html
    assert "2025" in html and "2027" in html  # year navigation
    missing = client.get("/admin/policy/calendar?year=2027").get_data(as_text=True)
    assert "No public holidays have been entered for 2027" in text(missing)


def test_page_in_chinese(client, login_as):
    login_as("admin")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    html = client.get("/admin/policy/calendar?year=2026").get_data(as_text=True)
    assert "春节" in html and "国庆节" in html and "二月" in html


@pytest.mark.parametrize("year", ["0", "-1", "abc", "99999", "1999"])
def test_page_takes_any_year_argument(client, login_as, year):
    login_as("admin")
    assert client.get(f"/admin/policy/calendar?year={year}&date=garbage").status_code == 200


def test_editing_a_day_changes_the_count_at_once(client, login_as, runner, tmp_path):
    """Done when: editing a day in the page changes the count at once."""
    assert runner.invoke(args=["calendar", "import", write(tmp_path, ARRANGEMENT_2027)]).exit_code == 0
    login_as("admin")
    first = working_calendar()
    assert first.working_days_from_to(date(2027, 2, 1), date(2027, 2, 28)) == FEBRUARY_2027
    response = client.post("/admin/policy/calendar/day", data={"calendar_date": "2027-02-20", "kind": "",
                                                                "name": ""})
    assert response.status_code == 302
    assert working_calendar().working_days_from_to(date(2027, 2, 1), date(2027, 2, 28)) == FEBRUARY_2027 - 1
    assert workdays(runner, "2027-02-01", "2027-02-28").output.strip() == str(FEBRUARY_2027 - 1)
    client.post("/admin/policy/calendar/day", data={"calendar_date": "2027-02-15", "kind": "holiday",
                                                     "name": "春节"})
    assert working_calendar().working_days_from_to(date(2027, 2, 1), date(2027, 2, 28)) == FEBRUARY_2027 - 2
    client.post("/admin/policy/calendar/day", data={"calendar_date": "2027-02-15", "kind": "holiday",
                                                     "name": "Spring Festival"})
    assert [audit_count(a) for a in ("calendar_day_remove", "calendar_day_add", "calendar_day_edit")] == [1, 1, 1]
    year = working_calendar().working_days_from_to(date(2027, 1, 1), date(2027, 12, 31))
    assert year == 261 - 6 + 1 - 2  # 261 weekdays, 6 weekday holidays, Saturday 20 February worked, then the edits
    page = client.get("/admin/policy/calendar?year=2027").get_data(as_text=True)
    assert f"{year} working days in 2027" in text(page)


@pytest.mark.parametrize("data, field", [
    ({"calendar_date": "2027-02-08", "kind": "workday", "name": ""}, "kind"),
    ({"calendar_date": "2027-02-31", "kind": "holiday", "name": ""}, "calendar_date"),
    ({"calendar_date": "", "kind": "holiday", "name": ""}, "calendar_date"),
    ({"calendar_date": "2027-02-08", "kind": "festival", "name": ""}, "kind"),
    ({"calendar_date": "2027-02-08", "kind": "holiday", "name": "x" * 61}, "name"),
])
def test_a_bad_day_is_refused_beside_its_field(client, login_as, data, field):
    from tests.helpers import field_error

    login_as("admin")
    response = client.post("/admin/policy/calendar/day?year=2027", data=data)
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), field)
    assert audit_count("calendar_day_add") == 0


def test_upload_on_the_page(client, login_as):
    login_as("admin")
    response = client.post("/admin/policy/calendar/import", content_type="multipart/form-data", data={
        "file": (io.BytesIO(ARRANGEMENT_2027.encode("utf-8")), "2027.csv")})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert response.headers["Location"].endswith("year=2027")
    assert working_calendar().is_covered(2027)
    bad = client.post("/admin/policy/calendar/import", content_type="multipart/form-data", data={
        "file": (io.BytesIO(b"date,kind,name\n2027-03-01,workday,x\n"), "bad.csv")})
    assert bad.status_code == 400
    assert "bad.csv, row 2, column kind" in text(bad.get_data(as_text=True))
    assert client.post("/admin/policy/calendar/import", data={}).status_code == 400


@pytest.mark.parametrize("role", ["auditor", "supervisor", "finance", "officer"])
def test_only_admins_see_the_calendar(client, login_as, role):
    login_as(role)
    assert client.get("/admin/policy/calendar").status_code == 403


# --- warnings -----------------------------------------------------------------------------

def _today(monkeypatch, on: date):
    monkeypatch.setattr("loans.main.views.local_today", lambda: on)


@pytest.mark.parametrize("role, home", [("admin", "/admin/users"), ("supervisor", "/review/")])
def test_missing_next_year_warns_from_november(client, login_as, monkeypatch, runner, tmp_path, role, home):
    """Done when: the warning shows for a missing next year."""
    login_as(role)
    _today(monkeypatch, date(2026, 10, 31))
    assert "No public holidays have been entered for 2027" not in text(client.get(home).get_data(as_text=True))
    _today(monkeypatch, date(2026, 11, 1))
    assert "No public holidays have been entered for 2027 yet" in text(client.get(home).get_data(as_text=True))
    assert runner.invoke(args=["calendar", "import", write(tmp_path, ARRANGEMENT_2027)]).exit_code == 0
    assert "No public holidays have been entered" not in text(client.get(home).get_data(as_text=True))


def test_a_year_without_holidays_warns_all_year(client, login_as, monkeypatch):
    login_as("supervisor")
    _today(monkeypatch, date(2027, 3, 1))
    assert "working days in 2027 count Monday to Friday only" in text(client.get("/review/").get_data(as_text=True))


def test_other_roles_are_not_warned_about_the_calendar(client, login_as, monkeypatch):
    login_as("officer")
    _today(monkeypatch, date(2026, 12, 1))
    assert "No public holidays" not in text(client.get("/review/").get_data(as_text=True))


@pytest.mark.parametrize("role, home", [("admin", "/admin/users"), ("finance", "/subsidy/")])
def test_missing_lpr_fixing_warns_after_the_20th(client, login_as, monkeypatch, role, home):
    """Done when: the LPR warning shows for a month without a fixing (the seed ends 2025-05-20)."""
    login_as(role)
    _today(monkeypatch, date(2025, 6, 20))
    assert "No 1-year LPR fixing" not in text(client.get(home).get_data(as_text=True))
    _today(monkeypatch, date(2025, 6, 23))
    page = text(client.get(home).get_data(as_text=True))
    assert "No 1-year LPR fixing has been entered for 2025-06" in page
    assert "the fixing of 2025-05-20 (3.00%)" in page
    db.session.add(LprFixing(published_on=date(2025, 6, 20), rate=3))
    db.session.commit()
    assert "No 1-year LPR fixing" not in text(client.get(home).get_data(as_text=True))


def test_lpr_published_after_a_weekend_is_not_late_on_the_21st(app):
    # 2025-09-20 is a Saturday: the fixing comes on Monday 22nd
    assert [w.topic for w in reference_warnings(date(2025, 9, 21), "finance")] == []
    assert [w.topic for w in reference_warnings(date(2025, 9, 22), "finance")] == []
    assert [w.topic for w in reference_warnings(date(2025, 9, 23), "finance")] == ["lpr"]


def test_supervisors_are_not_warned_about_the_lpr(app):
    assert [w.topic for w in reference_warnings(date(2025, 6, 23), "supervisor")] == []


@pytest.mark.parametrize("command", [["cases", "expire"], ["loans", "check"]])
def test_daily_jobs_log_the_warnings(runner, command, caplog):
    result = runner.invoke(args=[*command, "--today", "2026-11-23"])
    assert result.exit_code == 0, result.output
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any("2027" in m for m in warnings) and any("2026-11" in m for m in warnings), warnings
    caplog.clear()
    assert runner.invoke(args=[*command, "--today", "2025-05-21"]).exit_code == 0
    assert not [r for r in caplog.records if r.levelname == "WARNING"]
