"""The admin's Jobs page lists routine message sends (a job per notification, the retry
sweep) only when asked, and always when they failed."""
from __future__ import annotations

from loans.db import db
from loans.jobs.models import Job, JobState
from tests.conftest import client_for


def job(kind, state=JobState.done, error=None) -> int:
    row = Job(kind=kind, params={}, state=state, max_attempts=1, progress_done=0, attempts=1, error=error)
    db.session.add(row)
    db.session.flush()
    return row.id


def listed(page: str, job_id: int) -> bool:
    return f'href="/jobs/{job_id}"' in page


def test_message_sends_are_hidden_unless_asked_or_failed(app, make_user):
    routine = [job("outbox_send"), job("outbox_sweep"), job("outbox_send", JobState.queued)]
    failed = job("outbox_send", JobState.failed, error={"code": "internal", "params": {}})
    other = job("housekeeping")
    db.session.commit()
    admin = client_for(app, make_user("admin"))
    page = admin.get("/admin/jobs").get_data(as_text=True)
    assert listed(page, other) and listed(page, failed)
    assert not any(listed(page, j) for j in routine)
    assert "Show message sends" in page and "/admin/jobs?state=all&amp;sends=1" in page
    assert 'All <span class="badge text-bg-light">2</span>' in page  # the counts are of what is listed
    shown = admin.get("/admin/jobs?sends=1").get_data(as_text=True)
    assert all(listed(shown, j) for j in (*routine, failed, other))
    assert "Hide message sends" in shown and 'All <span class="badge text-bg-light">5</span>' in shown
    assert "sends=1" in admin.get("/admin/jobs?state=done&sends=1").get_data(as_text=True)  # the pills keep it
    failed_tab = admin.get("/admin/jobs?state=failed").get_data(as_text=True)
    assert listed(failed_tab, failed)
    chinese = admin.get("/admin/jobs", headers={"Accept-Language": "zh"})
    assert chinese.status_code == 200 and not listed(chinese.get_data(as_text=True), routine[0])
