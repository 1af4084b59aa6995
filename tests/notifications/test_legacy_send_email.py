"""A ``send_email`` job queued before the outbox (issue 16): drained after the upgrade, its
notification's email goes out through the outbox, once, in the person's language."""
from __future__ import annotations

from sqlalchemy import select

from loans.db import db
from loans.jobs.models import Job, JobState
from loans.jobs.runner import redispatch_queued
from loans.notifications.models import Notification, OutboxMessage


def old_job(note_id) -> Job:
    """The row an old version left in the queue (its kind and parameters as it wrote them)."""
    job = Job(kind="send_email", params={"notification_id": note_id}, state=JobState.queued, max_attempts=5,
              progress_done=0, attempts=0)
    db.session.add(job)
    db.session.commit()
    return job


def drain() -> None:
    redispatch_queued()  # what a worker does at its start (inline in tests)
    db.session.expire_all()


def test_a_queued_old_send_email_job_is_delivered_through_the_outbox(app, make_case):
    app.extensions["sent_emails"] = []
    case = make_case("approved")
    applicant = case.applicant
    applicant.locale = "en"
    note = Notification(user_id=applicant.id, application_id=case.id, event="status",
                        params={"ref": case.reference, "status": "approved"})
    db.session.add(note)
    db.session.commit()
    before = len(app.extensions["sent_emails"])
    job = old_job(note.id)
    drain()
    assert db.session.get(Job, job.id).state == JobState.done
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.occasion_key == f"send_email:{note.id}"))
    assert (message.channel, message.address, message.template, message.status) == (
        "email", applicant.email, "decision", "sent")
    sent = app.extensions["sent_emails"][before:]
    assert [(m["to"], m["subject"]) for m in sent] == [(applicant.email, case.reference)]
    assert f"/my/applications/{case.id}" in sent[0]["link"]
    again = old_job(note.id)  # the same job delivered twice (a lost acknowledgement): one email
    drain()
    assert db.session.get(Job, again.id).state == JobState.done
    assert len(app.extensions["sent_emails"]) == before + 1


def test_an_old_job_whose_notification_is_gone_fails_visibly(app):
    job = old_job(999999)
    drain()
    stored = db.session.get(Job, job.id)
    assert stored.state == JobState.failed and stored.error["code"] == "not_found"
