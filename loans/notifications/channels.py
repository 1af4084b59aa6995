"""How a message leaves (SPEC §15): one small interface per channel, chosen by the
configuration. ``send(message) -> provider id``; raising means "try again later".

Email: ``MAIL_BACKEND`` console (the server log), smtp (``MAIL_SMTP_*``) or none.
SMS: ``SMS_BACKEND`` console, ``file:PATH`` (one JSON line per SMS), tencent (Tencent Cloud
SMS through its SDK: an approved template id and its parameters) or recording (tests)."""
from __future__ import annotations

import json
import logging
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage

log = logging.getLogger("loans.messages")


@dataclass
class Sms:
    to: str  # a mainland mobile, 11 digits
    text: str  # what the phone shows, with the signature
    template: str  # our template key
    params: list[str] = field(default_factory=list)  # the template's parameters, in order


class SmsFailed(Exception):
    """The provider refused or did not answer."""


def _console_log() -> logging.Logger:
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("[message] %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
    return log


def send_sms(config: dict, extensions: dict, sms: Sms) -> str:
    """Send one SMS by the configured backend; returns the provider's id (or "")."""
    backend = str(config.get("SMS_BACKEND") or "console")
    if backend == "console":
        _console_log().info("sms to=%s %s", sms.to, sms.text)
        return ""
    if backend.startswith("file:"):
        with open(backend[len("file:"):], "a", encoding="utf-8") as out:
            out.write(json.dumps({"to": sms.to, "text": sms.text}, ensure_ascii=False) + "\n")
        return ""
    if backend == "recording":
        extensions.setdefault("sent_sms", []).append(sms)
        return f"rec-{len(extensions['sent_sms'])}"
    if backend == "tencent":
        return TencentSms(config).send(sms)
    raise SmsFailed(f"unknown SMS backend {backend!r}")


class TencentSms:
    """Tencent Cloud SMS (API 2021-01-11, action SendSms) through tencentcloud-sdk-python-sms."""

    def __init__(self, config: dict):
        self.config = config

    def client(self):
        from tencentcloud.common import credential
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.sms.v20210111 import sms_client

        endpoint = str(self.config.get("SMS_ENDPOINT") or "sms.tencentcloudapi.com")
        scheme = "https"
        if "://" in endpoint:
            scheme, endpoint = endpoint.split("://", 1)
        profile = ClientProfile(httpProfile=HttpProfile(protocol=scheme, endpoint=endpoint, reqTimeout=15))
        cred = credential.Credential(self.config.get("SMS_SECRET_ID") or "", self.config.get("SMS_SECRET_KEY") or "")
        return sms_client.SmsClient(cred, self.config.get("SMS_REGION") or "ap-guangzhou", profile)

    def send(self, sms: Sms) -> str:
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
        from tencentcloud.sms.v20210111 import models

        template_id = (self.config.get("SMS_TEMPLATES") or {}).get(sms.template)
        if not template_id:
            raise SmsFailed(f"no approved Tencent template id for {sms.template!r} (LOANS_SMS_TEMPLATES)")
        request = models.SendSmsRequest()
        request.PhoneNumberSet = ["+86" + sms.to]
        request.SmsSdkAppId = str(self.config.get("SMS_SDK_APP_ID") or "")
        request.SignName = str(self.config.get("SMS_SIGN") or "").strip("【】")
        request.TemplateId = str(template_id)
        request.TemplateParamSet = [str(p) for p in sms.params]
        try:
            response = self.client().SendSms(request)
        except TencentCloudSDKException as error:
            raise SmsFailed(f"{error.code}: {error.message}") from error
        status = response.SendStatusSet[0] if response.SendStatusSet else None
        if status is None or status.Code != "Ok":
            raise SmsFailed(f"{getattr(status, 'Code', 'no status')}: {getattr(status, 'Message', '')}")
        return status.SerialNo or ""


def send_mail(config: dict, extensions: dict, message: dict) -> str:
    """Send one email by ``MAIL_BACKEND`` (console: the server log; smtp; none)."""
    backend = config.get("MAIL_BACKEND") or "console"
    if backend == "none":
        return ""
    if backend == "smtp":
        return _smtp(config, message)
    logging.getLogger("loans.mail").info("to=%s subject=%s\n%s\n%s", message["to"], message["subject"],
                                         message["body"], message["link"])
    if config.get("TESTING"):
        extensions.setdefault("sent_emails", []).append(message)
    return ""


def _smtp(config: dict, message: dict) -> str:
    mail = EmailMessage()
    mail["From"] = config.get("MAIL_SENDER")
    mail["To"] = message["to"]
    mail["Subject"] = message["subject"] or message["body"][:60]
    mail.set_content(f"{message['body']}\n\n{message['link']}\n")
    host, port = config.get("MAIL_SMTP_HOST") or "localhost", int(config.get("MAIL_SMTP_PORT") or 25)
    tls = str(config.get("MAIL_SMTP_TLS") or "starttls")
    context = ssl.create_default_context()
    if tls == "ssl":
        server = smtplib.SMTP_SSL(host, port, timeout=30, context=context)
    else:
        server = smtplib.SMTP(host, port, timeout=30)
    with server:
        if tls == "starttls":
            server.starttls(context=context)
        if config.get("MAIL_SMTP_USER"):
            server.login(config["MAIL_SMTP_USER"], config.get("MAIL_SMTP_PASSWORD") or "")
        server.send_message(mail)
    return mail.get("Message-ID") or ""
