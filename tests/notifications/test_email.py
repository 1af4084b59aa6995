"""Email over SMTP (LOANS_MAIL_BACKEND=smtp): STARTTLS, login, one message with the link."""
from __future__ import annotations

from loans.notifications import channels


class FakeSMTP:
    sent: list = []

    def __init__(self, host, port, timeout=None, **kwargs):
        self.calls = [("connect", host, port)]
        FakeSMTP.last = self

    def __enter__(self):
        return self

    def __exit__(self, *args):
        return False

    def starttls(self, context=None):
        self.calls.append(("starttls",))

    def login(self, user, password):
        self.calls.append(("login", user, password))

    def send_message(self, mail):
        FakeSMTP.sent.append(mail)


def test_smtp_backend(monkeypatch):
    monkeypatch.setattr(channels.smtplib, "SMTP", FakeSMTP)
    FakeSMTP.sent = []
    config = {"MAIL_BACKEND": "smtp", "MAIL_SENDER": "noreply@czrs.example", "MAIL_SMTP_HOST": "mail.czrs.example",
              "MAIL_SMTP_PORT": 587, "MAIL_SMTP_USER": "loans", "MAIL_SMTP_PASSWORD": "pw", "MAIL_SMTP_TLS": "starttls"}
    channels.send_mail(config, {}, {"to": "a@example.cn", "subject": "A2026-000123", "event": "decision",
                                    "body": "Your application A2026-000123 is now: approved.",
                                    "link": "https://dkbt.czrs.gov.cn/my/applications/1"})
    assert FakeSMTP.last.calls == [("connect", "mail.czrs.example", 587), ("starttls",), ("login", "loans", "pw")]
    [mail] = FakeSMTP.sent
    assert mail["To"] == "a@example.cn" and mail["From"] == "noreply@czrs.example"
    assert "https://dkbt.czrs.gov.cn/my/applications/1" in mail.get_content()
