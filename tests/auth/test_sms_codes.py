"""One-time SMS codes (SPEC §15, issue 16): login and registration by a code sent to the
mobile; 5 tries per code, valid 5 minutes, one per minute and 10 a day per number, caps per
address and in all; the same answer for unknown numbers; codes bound to their purpose and
never in the outbox."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from loans.audit.models import AuditEvent
from loans.auth import codes
from loans.auth.models import SmsCode, SmsCodeCounter, User
from loans.db import db, utcnow
from loans.notifications.models import OutboxMessage
from tests.helpers import text

MOBILE = "13912345678"
NOON = datetime(2026, 12, 2, 4, 0, tzinfo=timezone.utc)  # 12:00 in Asia/Shanghai


@pytest.fixture
def sms(app):
    app.config["SMS_BACKEND"] = "recording"
    app.extensions["sent_sms"] = []
    return app.extensions["sent_sms"]


@pytest.fixture(autouse=True)
def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def applicant(make_user):
    user = make_user("applicant")
    user.mobile = MOBILE
    db.session.commit()
    return user


def sent_code(sms) -> str:
    return re.search(r"\d{6}", sms[-1].text).group(0)


def ask(client, mobile=MOBILE, **env):
    return client.post("/login/code", data={"mobile": mobile}, **env)


def test_login_by_code_end_to_end(client, applicant, sms):
    response = ask(client)
    assert response.status_code == 200
    assert "a 6-digit code is on its way" in text(response.get_data(as_text=True))
    assert len(sms) == 1 and sms[0].to == MOBILE and sms[0].params == [sent_code(sms)]
    assert sms[0].text.startswith("【郴州人社】")
    response = client.post("/login", data={"login": MOBILE, "code": sent_code(sms)})
    assert response.status_code == 302
    assert client.get("/").status_code in (200, 302)
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"sms_code_sent", "login_by_code"} <= actions
    shown = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sms_code_sent"))
    assert "139****5678" in str(shown.detail) and MOBILE not in str(shown.detail)


def test_passwords_still_work(client, applicant):
    from tests.factories import PASSWORD

    assert client.post("/login", data={"login": MOBILE, "password": PASSWORD}).status_code == 302


def test_wrong_code_counts_tries_and_dies_after_five(client, applicant, sms):
    ask(client)
    right = sent_code(sms)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(5):
        response = client.post("/login", data={"login": MOBILE, "code": wrong})
        assert "The code is not right or has expired" in text(response.get_data(as_text=True))
    assert db.session.scalar(select(SmsCode.tries)) == 5
    response = client.post("/login", data={"login": MOBILE, "code": right})
    assert response.status_code == 200  # dead: even the right code no longer logs in


def test_a_code_expires_after_five_minutes(app, applicant, sms):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        now = utcnow()
        codes.request_code(MOBILE, "login", address="10.0.0.1", now=now)
        db.session.commit()
        value = sent_code(sms)
        assert codes.check_code(MOBILE, "login", value, now=now + timedelta(minutes=5, seconds=1)) is None
        assert codes.check_code(MOBILE, "login", value, now=now + timedelta(minutes=4, seconds=59)) is not None


def test_one_code_per_minute_and_ten_a_day_per_number(app, applicant, sms):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        now = NOON
        assert codes.request_code(MOBILE, "login", address="a", now=now).refusal is None
        too_soon = codes.request_code(MOBILE, "login", address="a", now=now + timedelta(seconds=30))
        assert "less than 60 seconds ago" in str(too_soon.refusal)
        for minute in range(1, 10):
            assert codes.request_code(MOBILE, "login", address="a", now=now + timedelta(minutes=minute)).refusal is None
        eleventh = codes.request_code(MOBILE, "login", address="a", now=now + timedelta(minutes=10))
        assert "Too many codes for this number today" in str(eleventh.refusal)
        assert db.session.scalar(select(func.count()).select_from(SmsCode)) == 10


def test_caps_per_address_and_in_all(app, sms):
    app.config.update(SMS_CODE_PER_ADDRESS_PER_DAY=2, SMS_CODE_PER_DAY=3)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        now = NOON
        assert codes.request_code("13900000001", "login", address="1.2.3.4", now=now).refusal is None
        assert codes.request_code("13900000002", "login", address="1.2.3.4", now=now).refusal is None
        third = codes.request_code("13900000003", "login", address="1.2.3.4", now=now)
        assert "from this network" in str(third.refusal)
        assert codes.request_code("13900000004", "login", address="5.6.7.8", now=now).refusal is None
        fifth = codes.request_code("13900000005", "login", address="9.9.9.9", now=now)
        assert "No more codes can be sent today" in str(fifth.refusal)


def test_limits_over_http_answer_429(client, applicant, sms):
    assert ask(client).status_code == 200
    response = ask(client)
    assert response.status_code == 429
    assert "Wait a moment" in text(response.get_data(as_text=True))


def test_the_same_answer_for_an_unknown_number(client, applicant, sms):
    known = text(ask(client).get_data(as_text=True))
    unknown = text(ask(client, "13700000000").get_data(as_text=True))
    assert known.replace(MOBILE, "X") == unknown.replace("13700000000", "X")
    assert len(sms) == 1  # nothing sent to the unknown number


def test_a_login_code_cannot_register_or_confirm(app, applicant, sms):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        codes.request_code(MOBILE, "login", address="a")
        db.session.commit()
        value = sent_code(sms)
        assert codes.check_code(MOBILE, "registration", value) is None
        assert codes.check_code(MOBILE, "confirm_case", value) is None
        assert codes.check_code(MOBILE, "login", value) is not None


def test_a_case_code_is_bound_to_its_case(app, sms, make_case):
    case, other = make_case("draft"), make_case("draft")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        codes.request_code(MOBILE, "confirm_case", address="a", application_id=case.id)
        db.session.commit()
        value = sent_code(sms)
        assert codes.check_code(MOBILE, "confirm_case", value, application_id=other.id) is None
        assert codes.check_code(MOBILE, "confirm_case", value) is None
        assert codes.check_code(MOBILE, "login", value) is None
        assert codes.check_code(MOBILE, "confirm_case", value, application_id=case.id) is not None


def test_the_code_is_never_in_the_outbox_nor_on_its_admin_page(client, app, applicant, sms, make_user):
    ask(client)
    value = sent_code(sms)
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.template == "sms_code"))
    assert message.status == "sent" and value not in str(message.params)
    stored = db.session.scalar(select(SmsCode))
    assert stored.value_encrypted is None and value not in stored.code_hash  # erased once sent
    client.post("/logout")
    from tests.conftest import login

    admin = make_user("admin")
    login(client, admin)
    page = client.get("/admin/outbox?status=sent").get_data(as_text=True)
    assert value not in page


def test_registration_by_code_without_a_password(client, sms):
    response = client.post("/register/code", data={"name": "李四", "mobile": MOBILE})
    assert response.status_code == 200 and len(sms) == 1
    assert "Please correct" not in response.get_data(as_text=True)
    response = client.post("/register/code", data={"name": "李四", "mobile": MOBILE, "code": sent_code(sms)})
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.mobile == MOBILE))
    assert user.role == "applicant" and user.name == "李四"
    page = client.get("/account/password").get_data(as_text=True)
    assert 'name="current_password"' not in page  # no password yet: one is set without it
    response = client.post("/account/password", data={"password": "Fresh-Garden-81", "confirm": "Fresh-Garden-81"})
    assert response.status_code == 302


def test_registration_code_is_not_sent_to_a_taken_number(client, applicant, sms):
    response = client.post("/register/code", data={"name": "李四", "mobile": MOBILE})
    assert response.status_code == 200 and "a 6-digit code is on its way" in text(response.get_data(as_text=True))
    assert sms == []
    assert db.session.scalar(select(func.count()).select_from(User).where(User.mobile == MOBILE)) == 1


def test_a_wrong_registration_code_makes_no_account(client, sms):
    client.post("/register/code", data={"name": "李四", "mobile": MOBILE})
    wrong = "000000" if sent_code(sms) != "000000" else "111111"
    response = client.post("/register/code", data={"name": "李四", "mobile": MOBILE, "code": wrong})
    assert response.status_code == 400
    assert "The code is not right" in text(response.get_data(as_text=True))
    assert db.session.scalar(select(SmsCode.tries)) == 1


@pytest.mark.parametrize("lang, words", [("en", "Log in with an SMS code"), ("zh", "短信验证码")])
def test_pages_in_both_languages(client, lang, words):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    page = client.get("/login").get_data(as_text=True)
    assert 'action="/login/code"' in page and 'name="mobile"' in page
    if lang == "en":
        assert words in page


class FakeRedis:
    """The two Redis commands the counters use (SET NX EX, INCR), without expiry."""

    def __init__(self):
        self.values = {}

    def set(self, name, value, nx=False, ex=None):
        if nx and name in self.values:
            return None
        self.values[name] = value
        return True

    def incr(self, name):
        self.values[name] = int(self.values.get(name, 0)) + 1
        return self.values[name]

    def expire(self, name, seconds):
        return True


def test_with_redis_the_counters_live_there(app, applicant, sms, monkeypatch):
    fake = FakeRedis()
    monkeypatch.setattr(codes, "_redis", lambda: fake)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert codes.request_code(MOBILE, "login", address="a", now=NOON).refusal is None
        assert "less than 60 seconds" in str(codes.request_code(MOBILE, "login", address="a", now=NOON).refusal)
        assert db.session.scalar(select(func.count()).select_from(SmsCodeCounter)) == 0
        assert any(key.endswith(":2026-12-02") for key in fake.values)


def test_a_code_goes_out_at_night_when_other_sms_wait(app, applicant, sms, monkeypatch):
    night = datetime(2026, 12, 2, 15, 0, tzinfo=timezone.utc)  # 23:00 in Asia/Shanghai
    monkeypatch.setattr("loans.notifications.code_sms.utcnow", lambda: night)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        codes.request_code(MOBILE, "login", address="a", now=night)
        db.session.commit()
    assert len(sms) == 1
    assert db.session.scalar(select(OutboxMessage.status).where(OutboxMessage.template == "sms_code")) == "sent"
