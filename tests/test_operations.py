"""Operations (SPEC §14, issue 13): /healthz, /metrics from allowed addresses only, JSON logs
with a request id."""
from __future__ import annotations

import io
import json
import logging
import re
import sys

import pytest
from sqlalchemy.exc import OperationalError

from loans import create_app, operations
from loans.config import ConfigError
from loans.db import db
from tests.conftest import BASE_CONFIG, login, running_app

OUTSIDER = "203.0.113.5"


def _bucket_lines(body: str, endpoint: str) -> list[str]:
    return [line for line in body.splitlines()
            if line.startswith("loans_request_duration_seconds_bucket{") and f'endpoint="{endpoint}"' in line]


# --- /healthz --------------------------------------------------------------------------------

def test_healthz_reports_every_check(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == {"status": "ok"}
    assert body["checks"]["queue"] == {"status": "ok", "mode": "inline"}  # tests run jobs inline
    assert body["checks"]["disk"]["status"] == "ok" and body["checks"]["disk"]["min_free_mb"] == 200


def test_healthz_is_public_for_a_signed_in_user_too(client, make_user):
    login(client, make_user("officer", district_code="431002"))
    assert client.get("/healthz").status_code == 200


def test_healthz_answers_503_when_the_database_fails(client, monkeypatch):
    def unreachable(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused, password=secret"))

    monkeypatch.setattr(db.engine, "connect", unreachable)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "failing" and body["failing"] == ["database"]
    assert body["checks"]["database"] == {"status": "failing", "error": "OperationalError"}
    assert "secret" not in response.get_data(as_text=True)


def test_healthz_answers_503_when_the_disk_is_below_the_threshold(app, client):
    app.config["HEALTH_MIN_FREE_MB"] = 10**12  # an exabyte: no disk has that much free
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["failing"] == ["disk"]
    assert body["checks"]["disk"]["status"] == "failing" and body["checks"]["disk"]["free_mb"] < 10**12


def test_a_configured_redis_without_its_package_is_a_failing_queue(app, client, monkeypatch):
    app.config["REDIS_URL"] = "redis://127.0.0.1:6379/0"
    monkeypatch.setitem(sys.modules, "redis", None)  # import redis raises ImportError
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["failing"] == ["queue"]
    assert "not installed" in response.get_json()["checks"]["queue"]["error"]


def test_an_unreachable_redis_is_a_failing_queue(app, client):
    pytest.importorskip("redis")
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["queue"]["status"] == "failing"


def test_the_jobs_part_provides_the_queue_check_and_depth(app, client):
    operations.provide_queue(app, check=lambda: {"status": "ok", "backend": "huey"}, depth=lambda: 7)
    assert client.get("/healthz").get_json()["checks"]["queue"] == {"status": "ok", "backend": "huey"}
    assert re.search(r"^loans_queue_depth 7\.0$", client.get("/metrics").get_data(as_text=True), re.M)

    def broken():
        raise ConnectionError("queue storage gone")

    operations.provide_queue(app, check=broken)
    response = client.get("/healthz")
    assert response.status_code == 503 and response.get_json()["checks"]["queue"]["error"] == "ConnectionError"


# --- /metrics --------------------------------------------------------------------------------

def test_metrics_count_requests_by_endpoint_for_loopback(client):
    assert client.get("/eligibility").status_code == 200
    response = client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    body = response.get_data(as_text=True)
    buckets = _bucket_lines(body, "eligibility.precheck")
    assert buckets, body[:2000]
    assert any('method="GET"' in line and 'status="2xx"' in line and 'le="+Inf"' in line for line in buckets)
    assert "# TYPE loans_job_failures_total counter" in body or "# TYPE loans_job_failures counter" in body
    assert "loans_queue_depth" in body


def test_metrics_label_unknown_paths_as_unmatched(client):
    client.get("/no-such-page/secret-path-xq")  # letters: a float sum may contain any digits
    body = client.get("/metrics").get_data(as_text=True)
    assert _bucket_lines(body, "unmatched") and "secret-path-xq" not in body


def test_metrics_are_not_found_from_other_addresses(client):
    response = client.get("/metrics", environ_base={"REMOTE_ADDR": OUTSIDER})
    assert response.status_code == 404
    assert "loans_request_duration_seconds" not in response.get_data(as_text=True)
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200


def test_metrics_allow_list_with_a_network(migrated_template, tmp_path):
    with running_app(migrated_template, tmp_path, METRICS_ALLOW="10.20.0.0/16, 192.0.2.7") as app:
        client = app.test_client()
        assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.20.3.4"}).status_code == 200
        assert client.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 200
        assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.21.0.1"}).status_code == 404
        assert client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 404


def test_behind_the_proxy_the_client_address_decides(migrated_template, tmp_path):
    """With PROXY_HOPS the proxy's own loopback address grants nothing: the client's does."""
    with running_app(migrated_template, tmp_path, PROXY_HOPS=1) as app:
        client = app.test_client()
        via_proxy = {"REMOTE_ADDR": "127.0.0.1"}
        assert client.get("/metrics", environ_base=via_proxy,
                          headers={"X-Forwarded-For": OUTSIDER}).status_code == 404
        assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.0.0.2"},
                          headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 200


def test_job_failures_are_counted_by_job_name(client):
    operations.count_job_failure("ledger_import")
    body = client.get("/metrics").get_data(as_text=True)
    assert re.search(r'^loans_job_failures_total\{job="ledger_import"\} [1-9]', body, re.M)


@pytest.mark.nodb
@pytest.mark.parametrize("setting, value", [
    ("METRICS_ALLOW", "localhost"), ("LOG_FORMAT", "xml"), ("HEALTH_MIN_FREE_MB", "lots")])
def test_operations_settings_are_checked_at_start(tmp_path, setting, value):
    with pytest.raises(ConfigError, match=setting):
        create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite3", setting: value})


# --- request ids and JSON logs ---------------------------------------------------------------

@pytest.fixture
def json_log(migrated_template, tmp_path):
    """An app logging JSON, and the lines it wrote."""
    root = logging.getLogger()
    level = root.level
    with running_app(migrated_template, tmp_path, LOG_FORMAT="json") as app:
        handler = next(h for h in root.handlers if h.name == operations.LOG_HANDLER_NAME)
        stream = io.StringIO()
        handler.setStream(stream)
        # The session's migrations ran Alembic's fileConfig, which disables loggers that existed before.
        operations.request_log.disabled = False
        try:
            yield app, lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
        finally:
            root.removeHandler(handler)
            root.setLevel(level)


def test_json_log_line_carries_the_request_id(json_log):
    app, lines = json_log
    response = app.test_client().get("/eligibility?name=secret", headers={"X-Request-ID": "req-42.abc"})
    assert response.headers["X-Request-ID"] == "req-42.abc"
    entry = next(e for e in lines() if e["logger"] == "loans.requests")
    assert entry["request_id"] == "req-42.abc"
    assert entry["method"] == "GET" and entry["path"] == "/eligibility" and entry["status"] == 200
    assert entry["level"] == "INFO" and entry["user_id"] is None and entry["duration_ms"] >= 0
    assert {"time", "message"} <= entry.keys()
    assert "secret" not in json.dumps(entry)  # never the query string


def test_json_log_names_the_signed_in_user_by_id_only(json_log, make_user):
    app, lines = json_log
    user = make_user("officer", district_code="431002")
    client = app.test_client()
    login(client, user)
    assert client.get("/review/").status_code == 200
    entry = [e for e in lines() if e["logger"] == "loans.requests"][-1]
    assert entry["user_id"] == user.id
    assert user.email not in json.dumps(lines())


def test_app_log_records_inside_a_request_carry_its_id(json_log):
    app, lines = json_log
    with app.test_request_context("/x", headers={"X-Request-ID": "abc123"}):
        app.preprocess_request()
        logging.getLogger("loans.test").warning("something happened")
    entry = next(e for e in lines() if e["logger"] == "loans.test")
    assert entry["request_id"] == "abc123" and entry["level"] == "WARNING" and entry["message"] == "something happened"


@pytest.mark.parametrize("unsafe", ["", "two words", "x" * 129, "id\r\nX-Injected: 1", "<script>", "-leading-dash", "中文"])
def test_an_unsafe_request_id_is_replaced(client, unsafe):
    response = client.get("/healthz", environ_base={"HTTP_X_REQUEST_ID": unsafe})  # raw, as a server passes it
    echoed = response.headers["X-Request-ID"]
    assert echoed != unsafe and re.fullmatch(r"[0-9a-f]{32}", echoed)


def test_every_response_gets_a_fresh_request_id(client):
    first, second = (client.get("/healthz").headers["X-Request-ID"] for _ in range(2))
    assert first != second


# --- several gunicorn workers ----------------------------------------------------------------

WORKER = """
import sys
from loans import create_app
app = create_app({"TESTING": True, "SECRET_KEY": "k", "PERSONAL_DATA_KEY": "k",
                  "SQLALCHEMY_DATABASE_URI": "sqlite:///" + sys.argv[1]})
client = app.test_client()
if sys.argv[2] == "serve":
    assert client.get("/healthz").status_code == 200
else:
    sys.stdout.write(client.get("/metrics").get_data(as_text=True))
"""


@pytest.mark.nodb
def test_with_a_multiprocess_folder_a_scrape_adds_up_every_worker(tmp_path):
    """Each worker process writes its counts into PROMETHEUS_MULTIPROC_DIR; whichever worker
    answers /metrics reads them all."""
    import os
    import subprocess

    folder = tmp_path / "metrics"
    folder.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder), "LOANS_INSTANCE_PATH": str(tmp_path / "instance")}

    def run(mode):
        return subprocess.run([sys.executable, "-c", WORKER, str(tmp_path / "db.sqlite3"), mode], env=env,
                              capture_output=True, text=True, check=True, timeout=120).stdout

    run("serve")
    run("serve")
    scraped = run("scrape")
    assert re.search(r'^loans_request_duration_seconds_count\{endpoint="main.healthz",method="GET",status="2xx"\} 2\.0$',
                     scraped, re.M), scraped[-2000:]
