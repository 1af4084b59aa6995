"""The outbox (SPEC §15): each event reaches the person once per channel, in their language;
SMS wait for the morning; people turn channels off for news but not for decisions; admins
see failed messages with masked addresses and send them again; short links."""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from loans.db import db, utcnow
from loans.notifications import outbox
from loans.notifications.models import Notification, OutboxMessage, ShortLink
from loans.notifications.services import notify, notify_user
from loans.unit_of_work import unit_of_work
from tests.helpers import text


@pytest.fixture
def sms(app):
    app.config["SMS_BACKEND"] = "recording"
    app.extensions["sent_sms"] = []
    app.extensions["sent_emails"] = []
    return app.extensions["sent_sms"]


def person(make_user, role, mobile=None, locale=None, **fields):
    """A committed user with a mobile and a language (the factory takes neither)."""
    user = make_user(role, **fields)
    user.mobile, user.locale = mobile, locale
    db.session.commit()
    return user


def at(monkeypatch, moment: datetime) -> None:
    """Pretend it is ``moment`` (UTC) for the outbox and its jobs."""
    monkeypatch.setattr(outbox, "utcnow", lambda: moment)
    monkeypatch.setattr("loans.db.utcnow", lambda: moment)


DAYTIME = datetime(2026, 6, 1, 3, 0, tzinfo=timezone.utc)  # 11:00 in Beijing
NIGHT = datetime(2026, 6, 1, 14, 0, tzinfo=timezone.utc)  # 22:00 in Beijing


def test_each_channel_once_in_the_persons_language(app, make_user, sms, monkeypatch):
    at(monkeypatch, DAYTIME)
    finance = person(make_user, "finance", mobile="13800138000", locale="zh")
    clerk = person(make_user, "bank", bank_code="ICBC-CZ", mobile="13900139000", locale="en")
    with unit_of_work():
        for user in (finance, clerk):
            notify_user(user, "bank_warned", page="fund.index", bank="ICBC-CZ", rate="3.10", on="2026-05-31",
                        threshold="3.00")
    rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(r.user_id, r.channel, r.status) for r in rows] == [
        (finance.id, "in_app", "sent"), (finance.id, "email", "sent"), (finance.id, "sms", "sent"),
        (clerk.id, "in_app", "sent"), (clerk.id, "email", "sent"), (clerk.id, "sms", "sent")]
    assert [(s.to, s.template) for s in sms] == [("13800138000", "bank_warned"), ("13900139000", "bank_warned")]
    english = sms[1].text
    assert english.startswith("【郴州人社】Fund warning: ") and "/s/" in english
    assert sms[0].params and sms[0].params[0].startswith("http")
    assert [m["to"] for m in app.extensions["sent_emails"]] == [finance.email, clerk.email]
    assert "overdue rate 3.10%" in app.extensions["sent_emails"][1]["body"]
    # the sweep finds nothing more to send: each message went once
    from loans.notifications.jobs import deliver

    with unit_of_work():
        assert deliver(outbox.due_messages(DAYTIME + timedelta(hours=1)), DAYTIME + timedelta(hours=1))["sent"] == 0
    assert len(sms) == 2


def test_sms_wait_for_the_morning(app, make_user, sms, monkeypatch):
    at(monkeypatch, NIGHT)
    finance = person(make_user, "finance", mobile="13800138001", locale="en")
    with unit_of_work():
        notify_user(finance, "leverage_near_limit", page="fund.index", leverage="4.6", on="2026-05-31", limit="5")
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.channel == "sms"))
    assert message.status == "waiting" and sms == []
    eight = datetime(2026, 6, 2, 0, 0, tzinfo=timezone.utc)  # 08:00 in Beijing
    assert message.next_attempt_at == eight
    from loans.notifications.jobs import deliver

    for moment, sent in ((eight - timedelta(minutes=1), 0), (eight, 1)):
        at(monkeypatch, moment)
        with unit_of_work():
            deliver(outbox.due_messages(moment), moment)
        assert len(sms) == sent
    assert db.session.get(OutboxMessage, message.id).status == "sent"


def test_quiet_hours_are_beijing_time():
    assert outbox.quiet_until(DAYTIME) is None
    assert outbox.quiet_until(datetime(2026, 6, 1, 12, 59, tzinfo=timezone.utc)) is None  # 20:59
    assert outbox.quiet_until(datetime(2026, 6, 1, 13, 0, tzinfo=timezone.utc)) == datetime(
        2026, 6, 2, 0, 0, tzinfo=timezone.utc)
    assert outbox.quiet_until(datetime(2026, 6, 1, 23, 30, tzinfo=timezone.utc)) == datetime(
        2026, 6, 2, 0, 0, tzinfo=timezone.utc)  # 07:30 the next morning


def test_channels_turned_off_keep_essential_messages(app, make_case, as_user, staff, sms, monkeypatch):
    at(monkeypatch, DAYTIME)
    case = make_case("under_review")
    applicant = case.applicant
    applicant.mobile = "13700137000"
    db.session.commit()
    app.extensions["sent_emails"] = []
    page = as_user(applicant)
    response = page.post("/account/notifications", data={"email": "y"})  # SMS off, email on
    assert response.status_code == 303
    assert "checked" not in re.search(r'<input[^>]*id="sms"[^>]*>', page.get("/account/notifications").text).group(0)
    with unit_of_work():
        notify(applicant, case, "contract_recorded")  # news: no SMS now
        notify(applicant, case, "info_requested", message="Please upload your licence.")  # essential: SMS
    assert [s.template for s in sms] == ["info_requested"]
    assert {m["event"] for m in app.extensions["sent_emails"]} == {"contract_recorded", "info_requested"}
    assert db.session.scalar(select(Notification).where(Notification.event == "contract_recorded"))


def test_messages_page_and_unread_count(app, make_user, as_user, sms):
    officer = person(make_user, "officer", locale="en")
    with unit_of_work():
        notify_user(officer, "visit_due", page="visits.due", loan="L-1", months="6", date="2026-06-01")
    page = as_user(officer)
    home = page.get("/messages").text
    assert "Loan L-1: the 6-month follow-up visit is due since 2026-06-01." in text(home)
    assert re.search(r'Messages <span class="badge[^"]*">1<', home)
    assert page.post("/messages/read", data={"up_to": 10**6}).status_code == 303
    assert not re.search(r'Messages <span class="badge', page.get("/messages").text)


def test_admin_sees_failed_messages_masked_and_sends_again(app, make_user, as_user, sms, monkeypatch):
    at(monkeypatch, DAYTIME)
    user = person(make_user, "finance", mobile="13812345678", email="finance.person@example.cn")
    with unit_of_work():
        failed = OutboxMessage(user_id=user.id, address=user.mobile, channel="sms", template="bank_paused",
                               params={"link": "http://localhost/s/AbCdEfGh"}, language="zh", essential=False,
                               status="failed", attempts=5, last_error="SmsFailed: LimitExceeded")
        db.session.add(failed)
    admin, auditor = as_user(make_user("admin")), as_user(make_user("auditor"))
    listed = text(admin.get("/admin/outbox?status=failed&channel=sms").text)
    assert "138****5678" in listed and "13812345678" not in listed and "LimitExceeded" in listed
    assert "bank_paused" not in listed and "Bank" in listed  # the message in words, not its key
    assert "Send again" not in auditor.get("/admin/outbox").text
    assert auditor.post(f"/admin/outbox/{failed.id}/retry").status_code == 403
    response = admin.post(f"/admin/outbox/{failed.id}/retry")
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(OutboxMessage, failed.id).status == "sent" and [s.to for s in sms] == ["13812345678"]
    again = admin.post(f"/admin/outbox/{failed.id}/retry")  # sent: nothing to retry
    assert again.status_code == 409 and "Only a failed message can be sent again." in text(again.text)
    assert admin.post("/admin/outbox/999999/retry").status_code == 404


def test_failing_provider_is_retried_then_failed(app, make_user, monkeypatch, tmp_path):
    app.config["SMS_BACKEND"] = f"file:{tmp_path / 'missing' / 'sms.jsonl'}"  # no such folder: every try fails
    at(monkeypatch, DAYTIME)
    user = person(make_user, "finance", mobile="13812340000")
    with unit_of_work():
        notify_user(user, "bank_warned", page="fund.index", bank="ICBC-CZ")
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.channel == "sms"))
    assert (message.status, message.attempts) == ("queued", 1) and "FileNotFoundError" in message.last_error
    from loans.notifications.jobs import deliver

    moment = DAYTIME
    for _ in range(10):
        moment += timedelta(hours=2)
        with unit_of_work():
            deliver(outbox.due_messages(moment), moment)
    db.session.expire_all()
    message = db.session.get(OutboxMessage, message.id)
    assert (message.status, message.attempts) == ("failed", outbox.MAX_ATTEMPTS)


def test_file_backend_writes_one_json_line(app, make_user, monkeypatch, tmp_path):
    path = tmp_path / "sms.jsonl"
    app.config["SMS_BACKEND"] = f"file:{path}"
    at(monkeypatch, DAYTIME)
    user = person(make_user, "finance", mobile="13812340001", locale="en")
    with unit_of_work():
        notify_user(user, "bank_warned", page="fund.index", bank="ICBC-CZ")
    [line] = path.read_text(encoding="utf-8").splitlines()
    said = json.loads(line)
    assert said["to"] == "13812340001" and said["text"].startswith("【郴州人社】Fund warning: http")


def test_short_links(app, client):
    with unit_of_work():
        link = outbox.short_link("/my/applications/7")
        db.session.add(ShortLink(code="OldOld12", target="/loans/", expires_at=utcnow() - timedelta(seconds=1)))
    code = link.rsplit("/", 1)[1]
    assert link.startswith("http") and "/s/" in link and len(code) >= 8
    response = client.get(f"/s/{code}")
    assert response.status_code == 302 and response.headers["Location"].endswith("/my/applications/7")
    assert client.get("/s/OldOld12").status_code == 404
    assert client.get("/s/NoSuchCode").status_code == 404
    for target in ("https://evil.example/", "//evil.example/"):
        with pytest.raises(ValueError):
            outbox.short_link(target)


def test_the_minute_sweep_is_a_job_only_when_a_message_is_due(app, make_user, sms, monkeypatch):
    """The Jobs page would otherwise show a "Messages to retry" row every minute."""
    from loans.jobs.kinds import kind

    due = kind("outbox_sweep").extra["due"]
    at(monkeypatch, DAYTIME)
    assert not due()
    at(monkeypatch, NIGHT)
    clerk = person(make_user, "bank", bank_code="ICBC-CZ", mobile="13900139000", locale="zh")
    with unit_of_work():
        notify_user(clerk, "bank_warned", page="fund.index", bank="ICBC-CZ", rate="3.10", on="2026-05-31",
                    threshold="3.00")
    assert not due()  # the SMS waits for 08:00
    at(monkeypatch, NIGHT + timedelta(hours=11))
    assert due()
