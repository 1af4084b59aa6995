"""The officer's queue (issue 11, item 9): open work by default, most urgent first, a "my
cases" tab, closed cases and loans in their own tabs — filters, pagination and district
scope as before, a fixed number of queries whatever the page."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import event

from loans.db import db, local_today
from loans.policy.queries import working_calendar

OPEN = ("submitted", "under_review", "info_requested", "recommended")


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def row_refs(html: str) -> list[str]:
    """References in the queue table, in display order."""
    return re.findall(r'<td[^>]*><a href="/review/cases/\d+">([^<]+)</a></td>', html)


def days_left(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-days-left="(-?\d+)"', html)]


def utc_days_ago(n: int) -> datetime:
    return datetime.now(timezone.utc) - timedelta(days=n)


def test_default_queue_is_open_work_with_the_most_urgent_first(app, make_case, approved, staff, as_user):
    # submitted in an order that is not the urgency order, in every open status
    fresh = make_case("submitted", submitted_at=utc_days_ago(1))
    oldest = make_case("info_requested", submitted_at=utc_days_ago(30))
    middle = make_case("under_review", submitted_at=utc_days_ago(9))
    late = make_case("recommended", submitted_at=utc_days_ago(20))
    closed = [make_case("rejected", submitted_at=utc_days_ago(40)),
              make_case("withdrawn", submitted_at=utc_days_ago(40)), approved(submitted_at=utc_days_ago(40))]
    client = as_user(staff("officer", district_code="431002"))

    html = text(client.get("/review/"))
    assert row_refs(html) == [oldest.reference, late.reference, middle.reference, fresh.reference]
    assert not {c.reference for c in closed} & set(row_refs(html))
    # "most urgent" is the fewest working days left before the target (holidays counted)
    target = app.config["REVIEW_TARGET_WORKING_DAYS"]
    today = local_today()
    expected = [target - working_calendar().working_days_between(
        c.submitted_at.astimezone(timezone(timedelta(hours=8))).date(), today) for c in (oldest, late, middle, fresh)]
    assert days_left(html) == expected == sorted(expected)
    assert expected[0] < 0 and "working days late" in html
    # the open tab is current; its status pills list only open statuses
    assert re.search(r'class="nav-link active"[^>]*aria-current="page">Open work', html)
    pills = html[html.index('aria-label="Cases per status"'):html.index("Filter and search")]
    assert "Approved" not in pills and "Rejected" not in pills
    for status in ("Submitted", "Under review", "Information requested", "Recommended"):
        assert status in pills


def test_my_cases_are_the_open_cases_i_took_or_recommended(app, make_case, staff, as_user):
    me = staff("officer", district_code="431002")
    colleague = staff("officer", district_code="431002")
    taken = make_case("under_review", officer=me, submitted_at=utc_days_ago(3))
    recommended = make_case("recommended", officer=me, submitted_at=utc_days_ago(12))
    asked = make_case("info_requested", officer=me, submitted_at=utc_days_ago(6))
    make_case("rejected", officer=me)  # mine, but closed
    others = make_case("under_review", officer=colleague)
    unassigned = make_case("submitted")
    client = as_user(me)

    html = text(client.get("/review/", query_string={"view": "mine"}))
    assert row_refs(html) == [recommended.reference, asked.reference, taken.reference]
    assert re.search(r'aria-current="page">My cases <span class="badge[^"]*">3</span>', html)
    # the open work still lists everybody's open cases
    assert {others.reference, unassigned.reference} <= set(row_refs(text(client.get("/review/"))))
    # a status within my cases, and the colleague's own list
    assert row_refs(text(client.get("/review/", query_string={"view": "mine", "status": "info_requested"}))) == [
        asked.reference]
    assert row_refs(text(as_user(colleague).get("/review/?view=mine"))) == [others.reference]


def test_a_supervisor_s_cases_are_those_they_recommended_or_took(app, make_case, staff, as_user):
    chief = staff("supervisor", district_code="431002")
    took = make_case("recommended", officer=chief)  # a supervisor may take and recommend a case too
    make_case("recommended")
    assert row_refs(text(as_user(chief).get("/review/?view=mine"))) == [took.reference]


def test_auditor_has_no_cases_of_their_own(app, make_case, staff, as_user):
    case = make_case("under_review")
    html = text(as_user(staff("auditor")).get("/review/", query_string={"view": "mine"}))
    assert "My cases" not in html
    assert row_refs(html) == [case.reference]  # the open work instead


def test_closed_cases_and_loans_have_their_own_tabs(app, make_case, approved, contracted, staff, as_user):
    from loans.review.services import expire_approvals

    open_case = make_case("under_review")
    rejected = make_case("rejected", submitted_at=utc_days_ago(5))
    withdrawn = make_case("withdrawn", submitted_at=utc_days_ago(4))
    expired = approved(decided_on=local_today() - timedelta(days=200))
    assert expire_approvals(local_today()) == 1
    db.session.commit()
    approved_case = approved()
    loan = contracted(contract_date=local_today() - timedelta(days=3))
    client = as_user(staff("officer", district_code="431002"))

    closed = text(client.get("/review/?view=closed"))
    assert set(row_refs(closed)) == {rejected.reference, withdrawn.reference, expired.reference,
                                     approved_case.reference}
    assert "Working days left" not in closed and "working days late" not in closed
    assert re.search(r'aria-current="page">Closed <span class="badge[^"]*">4</span>', closed)
    loans = text(client.get("/review/?view=loans"))
    assert row_refs(loans) == [loan.application.reference]
    assert open_case.reference not in closed + loans
    # a link to a status (the supervisors' "Decisions", old bookmarks) opens that status's tab
    approved_only = text(client.get("/review/?status=approved"))
    assert re.search(r'aria-current="page">Closed', approved_only)
    assert set(row_refs(approved_only)) == {approved_case.reference}
    supervisor = as_user(staff("supervisor", district_code="431002"))
    assert re.search(r'aria-current="page">Open work', text(supervisor.get("/review/decisions", follow_redirects=True)))


def test_filters_search_and_pages_work_in_every_tab(app, make_case, staff, as_user):
    from loans.review.queries import PAGE_SIZE

    for n in range(PAGE_SIZE + 2):
        make_case("submitted", submitted_at=utc_days_ago(40 - n))
    rejected = make_case("rejected", name="王小拒", business="王记粉店")
    make_case("rejected")
    client = as_user(staff("officer", district_code="431002"))

    first = text(client.get("/review/"))
    assert len(row_refs(first)) == PAGE_SIZE and "Page 1 of 2" in first
    assert days_left(first) == sorted(days_left(first))
    second = text(client.get("/review/?page=2"))
    assert len(row_refs(second)) == 2 and days_left(first)[-1] <= days_left(second)[0]
    # searching the closed tab keeps the tab; the tabs keep the search
    found = text(client.get("/review/", query_string={"view": "closed", "q": "王小拒"}))
    assert row_refs(found) == [rejected.reference]
    assert re.search(r'<input[^>]*name="view"[^>]*value="closed"', found)  # the search form stays in the tab
    assert re.search(r'href="/review/\?view=open&amp;q=%E7%8E%8B', found)
    assert row_refs(text(client.get("/review/", query_string={"view": "open", "q": "王小拒"}))) == []


def test_another_district_is_in_no_tab(app, make_case, staff, as_user):
    other = make_case("under_review", district="431003")
    other_closed = make_case("rejected", district="431003")
    client = as_user(staff("officer", district_code="431002"))
    for view in ("open", "mine", "closed", "loans"):
        html = text(client.get("/review/", query_string={"view": view}))
        assert other.reference not in html and other_closed.reference not in html
    assert client.get(f"/review/cases/{other.id}").status_code == 404


def test_the_queue_costs_the_same_queries_whatever_the_page(app, make_case, staff, as_user):
    officer = staff("officer", district_code="431002")
    client = as_user(officer)

    def queries_for(url) -> int:
        statements = []

        def count(*_args):
            statements.append(1)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            text(client.get(url))
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    # a row on each page (its key groups are one query more), and the calendar cached
    make_case("under_review", officer=officer)
    make_case("rejected")
    urls = ("/review/", "/review/?view=mine", "/review/?view=closed")
    for url in urls:
        queries_for(url)
    few = {url: queries_for(url) for url in urls}
    for n in range(12):
        make_case(OPEN[n % 4], officer=officer if n % 2 else None)
        make_case("rejected", officer=officer)
    many = {url: queries_for(url) for url in urls}
    assert many == few
    assert max(few.values()) <= 9  # user, key groups, banks, counts, page, its key groups, calendar (twice), unread messages
