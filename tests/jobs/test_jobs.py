"""Background jobs (SPEC §14): a row people can see, retries with backoff, a worker that
died noticed by its heartbeat, the schedule in Asia/Shanghai time, the Jobs page."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from loans.db import db, utcnow
from loans.jobs.kinds import KINDS, JobFailed, job_kind
from loans.jobs.models import Job, JobState
from loans.jobs.queue import SCHEDULE, at_shanghai
from loans.jobs.runner import reap, run, submit
from loans.unit_of_work import unit_of_work

from tests.conftest import client_for
from tests.helpers import text

CALLS: list[str] = []


@job_kind("test_flaky", _l("Flaky (test)"), attempts=3, backoff_seconds=1)
def _flaky(context):
    CALLS.append(f"flaky {context.attempt}")
    if context.attempt < context.params.get("succeed_on", 1):
        raise RuntimeError("the bank's server did not answer")
    context.progress(10, 10)
    return {"tries": context.attempt}


@job_kind("test_refused", _l("Refused (test)"), attempts=3)
def _refused(context):
    CALLS.append("refused")
    raise JobFailed("not_found")


@pytest.fixture(autouse=True)
def _calls():
    CALLS.clear()
    yield


def _job(job_id: int) -> Job:
    db.session.expire_all()
    return db.session.get(Job, job_id)


# --- the schedule ----------------------------------------------------------------------------

@pytest.mark.parametrize("utc, expected", [
    (datetime(2026, 12, 1, 17, 0), True),    # 01:00 in Shanghai (UTC+8)
    (datetime(2026, 12, 2, 1, 0), False),    # 01:00 UTC is 09:00 in Shanghai
    (datetime(2026, 12, 1, 17, 1), False),
])
def test_the_daily_jobs_run_at_one_in_the_morning_beijing_time(utc, expected):
    assert at_shanghai(1, 0)(utc) is expected


def test_monthly_and_hourly_schedules():
    assert at_shanghai(1, 0, day=1)(datetime(2026, 11, 30, 17, 0))  # 1 December, 01:00 in Shanghai
    assert not at_shanghai(1, 0, day=1)(datetime(2026, 12, 1, 17, 0))
    hourly = at_shanghai("*", 5)
    assert all(hourly(datetime(2026, 12, 2, h, 5)) for h in range(24)) and not hourly(datetime(2026, 12, 2, 3, 6))


def test_the_schedule_names_the_spec_jobs(app):
    kinds = {kind for _name, _when, kinds in SCHEDULE for kind in kinds}
    assert {"cases_expire", "loans_check", "backup"} <= kinds and kinds <= set(KINDS)


# --- running, retrying, failing --------------------------------------------------------------

def test_a_job_runs_when_its_unit_of_work_commits_and_records_its_result(app):
    with unit_of_work():
        job_id = submit("test_flaky", {}).id
        assert CALLS == []  # not before the commit
    job = _job(job_id)
    assert CALLS == ["flaky 1"]
    assert job.state == JobState.done and job.result == {"tries": 1} and job.attempts == 1
    assert job.progress_done == job.progress_total == 10 and job.finished_at is not None


def test_a_job_of_a_unit_of_work_that_rolled_back_never_runs(app):
    with pytest.raises(RuntimeError), unit_of_work():
        submit("test_flaky", {})
        raise RuntimeError("the request failed")
    assert CALLS == [] and db.session.scalar(select(Job.id)) is None


def test_an_error_is_retried_until_it_succeeds(app):
    with unit_of_work():
        job_id = submit("test_flaky", {"succeed_on": 3}).id
    job = _job(job_id)
    assert CALLS == ["flaky 1", "flaky 2", "flaky 3"]
    assert job.state == JobState.done and job.attempts == 3 and job.retried and job.error is None


def test_an_error_with_no_tries_left_fails_with_the_error_for_admins(app):
    with unit_of_work():
        job_id = submit("test_flaky", {"succeed_on": 9}).id
    job = _job(job_id)
    assert job.state == JobState.failed and job.attempts == 3
    assert job.error["code"] == "internal" and "the bank's server did not answer" in job.error["detail"]


def test_an_expected_failure_is_not_retried(app):
    with unit_of_work():
        job_id = submit("test_refused", {}).id
    job = _job(job_id)
    assert CALLS == ["refused"] and job.state == JobState.failed and job.error == {"code": "not_found", "params": {}}


def test_a_job_delivered_twice_runs_once(app):
    with unit_of_work():
        job_id = submit("test_flaky", {}).id
    assert run(job_id) is None  # already done: the second delivery changes nothing
    assert CALLS == ["flaky 1"]


def _running(kind: str, params: dict, *, attempts: int, max_attempts: int, beat_ago: timedelta) -> int:
    job = Job(kind=kind, params=params, state=JobState.running, attempts=attempts, max_attempts=max_attempts,
              progress_done=0, started_at=utcnow() - beat_ago, heartbeat_at=utcnow() - beat_ago, worker="gone:1")
    db.session.add(job)
    db.session.commit()
    return job.id


def test_a_job_whose_worker_died_is_run_again(app):
    job_id = _running("test_flaky", {}, attempts=1, max_attempts=3, beat_ago=timedelta(minutes=10))
    fresh = _running("test_flaky", {}, attempts=1, max_attempts=3, beat_ago=timedelta(seconds=5))
    outcome = reap()
    assert outcome == {"retried": [job_id], "failed": []}
    job = _job(job_id)
    assert job.state == JobState.done and job.attempts == 2 and CALLS == ["flaky 2"]
    assert _job(fresh).state == JobState.running  # its worker is still beating


def test_a_job_whose_worker_died_with_no_tries_left_fails_and_its_import_says_why(app):
    from loans.ledger.models import LedgerImport

    batch = LedgerImport(status="running", files=[{"name": "loans.csv", "sha256": "0" * 64}])
    db.session.add(batch)
    db.session.commit()
    job_id = _running("ledger_import", {"batch_id": batch.id, "files": []}, attempts=3, max_attempts=3,
                      beat_ago=timedelta(minutes=10))
    assert reap() == {"retried": [], "failed": [job_id]}
    job = _job(job_id)
    assert job.state == JobState.failed and job.error["code"] == "worker_died"
    batch = db.session.get(LedgerImport, batch.id)
    assert batch.status == "failed" and batch.errors[0]["code"] == "interrupted"


# --- the pages -------------------------------------------------------------------------------

def test_the_jobs_page_lists_failed_jobs_with_their_error_and_retried_ones(app, make_user):
    with unit_of_work():
        failed = submit("test_flaky", {"succeed_on": 9}).id
        retried = submit("test_flaky", {"succeed_on": 2}).id
    admin = client_for(app, make_user("admin"))
    page = text(admin.get("/admin/jobs?state=failed").get_data(as_text=True))
    assert f"#{failed} Flaky (test) Failed" in page and "It stopped on an unexpected error" in page
    assert f"#{retried}" not in page
    page = text(admin.get("/admin/jobs?state=retried").get_data(as_text=True))
    assert f"#{retried} Flaky (test) Done" in page and f"#{failed} " in page
    detail = admin.get(f"/jobs/{failed}").get_data(as_text=True)
    assert "the bank&#39;s server did not answer" in detail  # the detail, for admins
    chinese = text(admin.get("/admin/jobs", headers={"Accept-Language": "zh"}).get_data(as_text=True))
    assert "后台任务" in chinese and "失败" in chinese


def test_an_admin_runs_a_scheduled_job_now_and_retries_a_failed_one(app, make_user):
    admin_user = make_user("admin")
    admin = client_for(app, admin_user)
    response = admin.post("/admin/jobs", data={"kind": "loans_check"})
    assert response.status_code == 303
    job = db.session.scalars(select(Job).where(Job.kind == "loans_check")).one()
    assert job.state == JobState.done and job.started_by_id == admin_user.id and "made_overdue" in job.result
    with unit_of_work():
        failed = submit("test_flaky", {"succeed_on": 4}).id  # three tries fail
    response = admin.post(f"/admin/jobs/{failed}/retry")
    assert response.status_code == 303
    again = db.session.scalars(select(Job).where(Job.kind == "test_flaky").order_by(Job.id.desc())).first()
    assert again.id != failed and _job(failed).state == JobState.failed


def test_who_sees_which_job(app, make_user):
    finance_user = make_user("finance")
    with unit_of_work():
        own = submit("test_flaky", {}, actor=finance_user).id
    assert client_for(app, finance_user).get(f"/jobs/{own}").status_code == 200
    assert client_for(app, make_user("finance")).get(f"/jobs/{own}").status_code == 404  # another's job
    assert client_for(app, make_user("auditor")).get(f"/jobs/{own}").status_code == 200
    auditor_page = client_for(app, make_user("auditor")).get("/admin/jobs").get_data(as_text=True)
    assert 'action="/admin/jobs"' not in auditor_page  # reads, runs nothing
    for role in ("finance", "officer", "bank", "applicant", "supervisor"):
        assert client_for(app, make_user(role)).get("/admin/jobs").status_code == 403, role
    assert client_for(app, make_user("officer")).get(f"/jobs/{own}").status_code == 403


def test_a_running_job_page_reloads_itself_and_shows_its_progress(app, make_user):
    admin_user = make_user("admin")
    job_id = _running("test_flaky", {}, attempts=1, max_attempts=3, beat_ago=timedelta(seconds=1))
    db.session.execute(Job.__table__.update().where(Job.id == job_id).values(progress_done=40, progress_total=160))
    db.session.commit()
    page = client_for(app, admin_user).get(f"/jobs/{job_id}")
    assert page.headers["Refresh"] == "2"
    assert "40 of 160 done." in text(page.get_data(as_text=True))


def test_housekeeping_logs_the_audit_head_and_purges_stale_login_throttles(app, caplog):
    from loans.auth.models import LoginThrottle

    db.session.add_all([
        LoginThrottle(login_hash="a" * 64, failures=3, last_failure_at=utcnow() - timedelta(days=2)),
        LoginThrottle(login_hash="b" * 64, failures=3, last_failure_at=utcnow() - timedelta(minutes=5)),
    ])
    db.session.commit()
    with caplog.at_level("INFO", logger="loans"), unit_of_work():
        job_id = submit("housekeeping", {}).id
    job = _job(job_id)
    assert job.state == JobState.done and job.result["login_throttles_purged"] == 1
    assert db.session.scalars(select(LoginThrottle.login_hash)).all() == ["b" * 64]
    assert f"audit chain head={job.result['audit_head']} count={job.result['audit_count']}" in caplog.text


@job_kind("test_file", _l("File (test)"))
def _file(context):
    context.output("made.pdf").write_bytes(b"%PDF-1.7 test")
    return {"file": "made.pdf"}


def test_a_file_a_job_made_goes_to_its_starter_only(app, make_user):
    starter = make_user("supervisor")
    with unit_of_work():
        job_id = submit("test_file", {}, actor=starter).id
    mine = client_for(app, starter)
    followed = mine.get(f"/jobs/{job_id}?follow=1")
    assert followed.status_code == 302 and followed.headers["Location"].endswith(f"/jobs/{job_id}/file")
    got = mine.get(f"/jobs/{job_id}/file")
    assert got.status_code == 200 and got.data == b"%PDF-1.7 test" and got.headers["Cache-Control"] == "private, no-store"
    assert client_for(app, make_user("supervisor")).get(f"/jobs/{job_id}/file").status_code == 404
    assert client_for(app, make_user("applicant")).get(f"/jobs/{job_id}/file").status_code == 403
    from loans.jobs.runner import output_folder

    (output_folder(job_id) / "made.pdf").unlink()  # removed by housekeeping after a week
    assert mine.get(f"/jobs/{job_id}/file").status_code == 404


def test_the_daily_backup_job_writes_one_and_keeps_fourteen(app, make_user, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    app.config["BACKUP_PATH"] = str(folder)
    for day in range(1, 16):  # fifteen older backups
        (folder / f"loans-202611{day:02d}T020000Z.tar.gz").write_bytes(b"old")
    admin = client_for(app, make_user("admin"))
    response = admin.post("/admin/jobs", data={"kind": "backup"})
    job = db.session.scalars(select(Job).where(Job.kind == "backup")).one()
    assert job.state == JobState.done, job.error
    kept = sorted(p.name for p in folder.glob("loans-*.tar.gz"))
    assert len(kept) == 14 and job.result["file"] in kept and "loans-20261101T020000Z.tar.gz" not in kept
    page = text(admin.get(response.headers["Location"]).get_data(as_text=True))
    assert f"{job.result['file']} written" in page and "older backups removed: 2" in page


def test_a_done_job_says_what_it_did_in_the_readers_language(app, make_user):
    admin = client_for(app, make_user("admin"))
    response = admin.post("/admin/jobs", data={"kind": "loans_check"})
    assert "0 loan(s) past maturity and not overdue; 0 became overdue." in text(
        admin.get(response.headers["Location"]).get_data(as_text=True))
    chinese = admin.get(response.headers["Location"], headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "其中 0 笔转为逾期" in chinese
