"""The Tencent Cloud SMS backend against a local fake of its API endpoint: the request the
real SDK sends (action SendSms, TC3 signature, template id, parameters, +86 number)."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from loans.notifications.channels import Sms, SmsFailed, TencentSms


@pytest.fixture
def provider():
    seen = []

    class Handler(BaseHTTPRequestHandler):
        answer = "Ok"

        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            seen.append({"path": self.path, "headers": dict(self.headers), "body": json.loads(body)})
            status = {"SerialNo": "2433:3386", "PhoneNumber": "+8613800138000", "Fee": 1, "Code": Handler.answer,
                      "Message": "send success" if Handler.answer == "Ok" else "frequency limit"}
            payload = json.dumps({"Response": {"SendStatusSet": [status], "RequestId": "req-1"}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen, Handler
    server.shutdown()
    server.server_close()


def test_send_sms_request(provider):
    endpoint, seen, _ = provider
    config = {"SMS_ENDPOINT": endpoint, "SMS_SECRET_ID": "AKIDtest", "SMS_SECRET_KEY": "secret",
              "SMS_SDK_APP_ID": "1400000000", "SMS_REGION": "ap-guangzhou", "SMS_SIGN": "【郴州人社】",
              "SMS_TEMPLATES": {"decision": "1234567"}}
    sms = Sms(to="13800138000", text="【郴州人社】…", template="decision",
              params=["A2026-000123", "https://dkbt.czrs.gov.cn/s/AbCdEfGh"])
    assert TencentSms(config).send(sms) == "2433:3386"
    [request] = seen
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert request["path"] == "/" and headers["x-tc-action"] == "SendSms" and headers["x-tc-version"] == "2021-01-11"
    assert headers["authorization"].startswith("TC3-HMAC-SHA256 Credential=AKIDtest/")
    assert "Signature=" in headers["authorization"] and headers["x-tc-region"] == "ap-guangzhou"
    assert request["body"] == {"PhoneNumberSet": ["+8613800138000"], "SmsSdkAppId": "1400000000",
                               "SignName": "郴州人社", "TemplateId": "1234567",
                               "TemplateParamSet": ["A2026-000123", "https://dkbt.czrs.gov.cn/s/AbCdEfGh"]}


def test_refused_or_unknown_template_is_a_failure_to_retry(provider):
    endpoint, seen, handler = provider
    config = {"SMS_ENDPOINT": endpoint, "SMS_SECRET_ID": "id", "SMS_SECRET_KEY": "key", "SMS_SDK_APP_ID": "1",
              "SMS_TEMPLATES": {"decision": "1"}}
    handler.answer = "LimitExceeded.PhoneNumberDailyLimit"
    with pytest.raises(SmsFailed, match="LimitExceeded"):
        TencentSms(config).send(Sms(to="13800138000", text="", template="decision", params=["x"]))
    with pytest.raises(SmsFailed, match="no approved Tencent template"):
        TencentSms(config).send(Sms(to="13800138000", text="", template="visit_due", params=["x"]))
    assert len(seen) == 1
