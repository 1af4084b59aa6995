"""Operations (SPEC §14): what a server tells its operators.

- ``/healthz`` runs ``health_checks``: the database (a trivial SELECT), the queue and the
  free disk space of the instance folder; any failing check makes it 503.
- ``/metrics`` serves Prometheus text to the addresses of ``METRICS_ALLOW`` only: request
  latency by endpoint, method and status class, the queue depth and job failures. The jobs
  part reports the last two through ``provide_queue`` and ``count_job_failure``.
- Every request carries an id (the client's ``X-Request-ID`` when it is a safe token, else a
  fresh one), echoed in the response; with ``LOG_FORMAT = "json"`` every log line is one JSON
  object with that id, the request's method, path, status, duration and user id — never the
  query string, the client's address or anything else personal.

Several gunicorn workers each count their own requests: set ``PROMETHEUS_MULTIPROC_DIR``
(README, production) and ``/metrics`` adds up every worker's files.
"""
from __future__ import annotations

import ipaddress
import json
import logging
import os
import re
import shutil
import sys
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timezone

from flask import Flask, current_app, g, has_request_context, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client import REGISTRY, multiprocess
from sqlalchemy import text

from .config import ConfigError
from .db import db

REQUEST_ID_HEADER = "X-Request-ID"
# What a proxy or client may name its request with: uuids, hex, nginx's $request_id, no
# spaces, quotes or control characters that could forge a log line or a header.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}\Z")
LOG_HANDLER_NAME = "loans-json"
OK, FAILING, NOT_CONFIGURED = "ok", "failing", "not configured"
REDIS_TIMEOUT_SECONDS = 1.0

REQUEST_DURATION = Histogram(
    "loans_request_duration_seconds", "Time to answer a request, by endpoint, method and status class.",
    ("endpoint", "method", "status"),
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
QUEUE_DEPTH = Gauge("loans_queue_depth", "Jobs waiting in the queue (read when /metrics is scraped).",
                    multiprocess_mode="mostrecent")
JOB_FAILURES = Counter("loans_job_failures", "Jobs that failed, by job name.", ("job",))

request_log = logging.getLogger("loans.requests")


# --- configuration --------------------------------------------------------------------------

def allowed_networks(setting) -> tuple:
    """The networks of ``METRICS_ALLOW``: a comma-separated string (or a list) of IPs and CIDRs."""
    entries = setting.split(",") if isinstance(setting, str) else list(setting or ())
    networks = []
    for entry in (str(e).strip() for e in entries):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ConfigError(f"METRICS_ALLOW: {entry!r} is not an IP address or network") from None
    return tuple(networks)


def check_settings(config) -> None:
    """Refuse to start with settings operators would only discover in an outage."""
    config["METRICS_ALLOW_NETWORKS"] = allowed_networks(config.get("METRICS_ALLOW"))
    if config.get("LOG_FORMAT") not in ("text", "json"):
        raise ConfigError(f"LOG_FORMAT must be text or json, not {config.get('LOG_FORMAT')!r}")
    try:
        config["HEALTH_MIN_FREE_MB"] = int(config.get("HEALTH_MIN_FREE_MB"))
    except (TypeError, ValueError):
        raise ConfigError(f"HEALTH_MIN_FREE_MB must be a whole number of megabytes, "
                          f"not {config.get('HEALTH_MIN_FREE_MB')!r}") from None


def init_app(app: Flask) -> None:
    """Before every other hook, so that a request refused early is timed and logged too."""
    check_settings(app.config)
    app.extensions["operations"] = {"queue_depth": None, "queue_check": None}
    if app.config["LOG_FORMAT"] == "json":
        log_as_json(level=logging.INFO)
    app.before_request_funcs.setdefault(None, []).insert(0, start_request)
    app.after_request(finish_request)


# --- the request: its id, its duration, its log line ----------------------------------------

def request_id_from(header: str | None) -> str:
    if header and SAFE_REQUEST_ID.match(header):
        return header
    return uuid.uuid4().hex


def start_request() -> None:
    g.request_started = time.perf_counter()
    g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))


def status_class(status_code: int) -> str:
    return f"{status_code // 100}xx"


def finish_request(response):
    started = g.get("request_started")
    if started is None:  # a hook before ours answered; nothing to time
        return response
    seconds = time.perf_counter() - started
    endpoint = request.endpoint or "unmatched"  # never the raw path: unbounded label values
    REQUEST_DURATION.labels(endpoint, request.method, status_class(response.status_code)).observe(seconds)
    response.headers[REQUEST_ID_HEADER] = g.request_id
    request_log.info("%s %s %s", request.method, request.path, response.status_code,
                     extra={"status": response.status_code, "duration_ms": round(seconds * 1000, 1)})
    return response


def _user_id():
    user = g.get("_login_user")  # Flask-Login's cache: never load a user just to log
    return getattr(user, "id", None)


class JsonFormatter(logging.Formatter):
    """One JSON object per line; inside a request it names the request (id, method, path —
    not the query string —, user id)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context():
            entry.update(request_id=g.get("request_id"), method=request.method, path=request.path,
                         user_id=_user_id())
        for key in ("status", "duration_ms"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def log_as_json(level: int = logging.INFO, stream=None) -> logging.Handler:
    """Send every log record (the app's, Werkzeug's, SQLAlchemy's warnings) as JSON lines to
    stderr, replacing the handler an earlier app of this process installed."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.name == LOG_HANDLER_NAME]:
        root.removeHandler(old)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.name = LOG_HANDLER_NAME
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    if root.level > level:
        root.setLevel(level)
    return handler


# --- what the jobs part reports -------------------------------------------------------------

def provide_queue(app: Flask, *, depth: Callable[[], int] | None = None,
                  check: Callable[[], dict] | None = None) -> None:
    """The job queue tells operations how deep it is (read at each scrape of /metrics) and
    how to check it for /healthz (a dict with "status": "ok" or "failing"; raising counts as
    failing). Until then the queue depth is 0 and the queue check is the Redis ping, or
    "not configured"."""
    registered = app.extensions["operations"]
    if depth is not None:
        registered["queue_depth"] = depth
    if check is not None:
        registered["queue_check"] = check


def count_job_failure(job_name: str) -> None:
    """A job failed for good (no retry left), or a try of it did: name the job kind, never its arguments."""
    JOB_FAILURES.labels(job_name).inc()


# --- /healthz --------------------------------------------------------------------------------

def _failing(exc: BaseException) -> dict:
    # The kind of error only: the message may carry a database URL with its password.
    return {"status": FAILING, "error": type(exc).__name__}


def check_database() -> dict:
    try:
        with db.engine.connect() as connection:  # not the request's session: nothing to commit or roll back
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # any failure is the answer
        return _failing(exc)
    return {"status": OK}


def check_redis(url: str) -> dict:
    try:
        import redis
    except ImportError:
        return {"status": FAILING, "error": "LOANS_REDIS_URL is set but the redis package is not installed"}
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                                      socket_timeout=REDIS_TIMEOUT_SECONDS)
        client.ping()
    except Exception as exc:
        return _failing(exc)
    return {"status": OK, "backend": "redis"}


def check_queue() -> dict:
    registered = current_app.extensions["operations"]["queue_check"]
    if registered is not None:
        try:
            return registered()
        except Exception as exc:
            return _failing(exc)
    url = current_app.config.get("REDIS_URL")
    if url:
        return check_redis(url)
    return {"status": NOT_CONFIGURED}


def check_disk() -> dict:
    minimum = current_app.config["HEALTH_MIN_FREE_MB"]
    try:
        free_mb = shutil.disk_usage(current_app.instance_path).free // (1024 * 1024)
    except OSError as exc:
        return _failing(exc)
    return {"status": OK if free_mb >= minimum else FAILING, "free_mb": free_mb, "min_free_mb": minimum}


CHECKS = {"database": check_database, "queue": check_queue, "disk": check_disk}


def health_checks() -> tuple[dict, int]:
    """The body and status of /healthz: 200 when no check fails, else 503 naming the failing ones."""
    checks = {name: check() for name, check in CHECKS.items()}
    failing = [name for name, result in checks.items() if result["status"] == FAILING]
    if failing:
        return {"status": FAILING, "failing": failing, "checks": checks}, 503
    return {"status": OK, "checks": checks}, 200


# --- /metrics --------------------------------------------------------------------------------

def client_address_allowed(address: str | None) -> bool:
    """Whether the client (the proxy's client behind PROXY_HOPS) may read /metrics."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    candidates = [ip] + ([ip.ipv4_mapped] if ip.version == 6 and ip.ipv4_mapped else [])
    return any(candidate in network for candidate in candidates
               for network in current_app.config["METRICS_ALLOW_NETWORKS"] if candidate.version == network.version)


def metrics_text() -> tuple[bytes, str]:
    """The exposition and its content type; with PROMETHEUS_MULTIPROC_DIR, every worker's."""
    depth = current_app.extensions["operations"]["queue_depth"]
    if depth is not None:
        QUEUE_DEPTH.set(depth())
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return generate_latest(registry), CONTENT_TYPE_LATEST
