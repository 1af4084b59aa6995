"""Configuration: built-in defaults, then ``instance/config.py``, then ``LOANS_*`` env vars.

Secrets have no defaults. ``check_required`` refuses to start without them unless the app
runs under test (the test config supplies its own).
"""
from __future__ import annotations

from datetime import timedelta

DEFAULTS = {
    "SQLALCHEMY_DATABASE_URI": None,  # filled with sqlite:///instance/loans.sqlite3 by create_app
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,
    "PERMANENT_SESSION_LIFETIME": timedelta(hours=8),
    "REMEMBER_COOKIE_DURATION": timedelta(days=0),
    "WTF_CSRF_TIME_LIMIT": None,
    # An upload may be 10 MB; the request carries a little more (form fields, boundaries).
    "MAX_UPLOAD_BYTES": 10 * 1024 * 1024,
    "MAX_CONTENT_LENGTH": 10 * 1024 * 1024 + 256 * 1024,
    "UPLOAD_FOLDER": None,  # default: <instance>/uploads
    "BABEL_DEFAULT_LOCALE": "zh",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
    "LANGUAGES": ("zh", "en"),
    "BOOTSTRAP_SERVE_LOCAL": True,
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_HEADERS_ENABLED": True,
    "LOGIN_RATE_LIMIT": "10 per minute",
    "LOGIN_ACCOUNT_RATE_LIMIT": "5 per minute",
    # Per account, from any address: 5 failures free, then 30 s, 60 s, … up to 15 minutes.
    "LOGIN_BACKOFF_FREE_FAILURES": 5,
    "LOGIN_BACKOFF_BASE_SECONDS": 30,
    "LOGIN_BACKOFF_MAX_SECONDS": 15 * 60,
    # One-time SMS codes (SPEC §15): one per number per interval, a daily cap per number,
    # per client address and in all (Asia/Shanghai days).
    "SMS_CODE_INTERVAL_SECONDS": 60,
    "SMS_CODE_PER_NUMBER_PER_DAY": 10,
    "SMS_CODE_PER_ADDRESS_PER_DAY": 30,
    "SMS_CODE_PER_DAY": 5000,
    "API_RATE_LIMIT": "60 per minute",
    # argon2id; tests lower these so the suite stays fast.
    "PASSWORD_HASH_TIME_COST": 3,
    "PASSWORD_HASH_MEMORY_COST": 64 * 1024,
    "PASSWORD_HASH_PARALLELISM": 2,
    "CONSENT_TEXT_VERSION": "2026-01",
    "REVIEW_TARGET_WORKING_DAYS": 10,
    "MAIL_BACKEND": "console",
    "MAIL_SENDER": "noreply@chenzhou-loans.example",
    # MAIL_BACKEND "smtp": the mail server (TLS "starttls", "ssl" or "none").
    "MAIL_SMTP_HOST": "localhost",
    "MAIL_SMTP_PORT": 587,
    "MAIL_SMTP_USER": None,
    "MAIL_SMTP_PASSWORD": None,
    "MAIL_SMTP_TLS": "starttls",
    # SMS (SPEC §15): "console", "file:PATH", "tencent" (Tencent Cloud SMS) or "none".
    "SMS_BACKEND": "console",
    "SMS_SIGN": "【郴州人社】",
    "SMS_TEMPLATES": {},  # our template key → the template id Tencent approved
    "SMS_SECRET_ID": None,
    "SMS_SECRET_KEY": None,
    "SMS_SDK_APP_ID": None,
    "SMS_REGION": "ap-guangzhou",
    "SMS_ENDPOINT": "sms.tencentcloudapi.com",
    # The bureau's public address (e.g. "https://loans.example.cn"): the only source of the
    # links in letters, QR codes and messages, never the request's Host header. Required
    # outside tests; https turns on HSTS and secure cookies.
    "PUBLIC_BASE_URL": None,
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are trusted (0: none).
    "PROXY_HOPS": 0,
    # Operations (SPEC §14, loans/operations.py). Redis for the job queue and rate limits
    # when several servers share them; /healthz pings it when set.
    "REDIS_URL": None,
    # Background jobs (loans/jobs): inline when no consumer runs (tests); a running job's
    # heartbeat every few seconds; one silent for JOB_STALE_SECONDS had its worker die.
    "JOBS_IMMEDIATE": False,
    "JOB_HEARTBEAT_SECONDS": 10,
    "JOB_STALE_SECONDS": 120,
    "JOB_WORKERS": 2,
    # Where `backup create` and the daily backup job write (default: backups/ beside the
    # instance folder; never inside it, and never holding keys).
    "BACKUP_PATH": None,
    # Where banks' front-end servers drop event files (SPEC §12): one folder per bank code,
    # BANK_INBOX/<BANK>/, scanned every 5 minutes; previewed files move to <BANK>/done/.
    # None: no inbox.
    "BANK_INBOX": None,
    # /healthz fails when the instance folder's disk has less free space than this.
    "HEALTH_MIN_FREE_MB": 200,
    # Who may read /metrics: IPs and networks, comma-separated; anyone else gets 404.
    "METRICS_ALLOW": "127.0.0.0/8,::1",
    # "text" for people (development), "json" in production: one object per line, with the request id.
    "LOG_FORMAT": "text",
    "SECRET_KEY": None,
    "PERSONAL_DATA_KEY": None,
}

REQUIRED_SECRETS = ("SECRET_KEY", "PERSONAL_DATA_KEY")
# Outside tests these are required too (SPEC §10); the demo's instance/config.py sets it.
REQUIRED_SETTINGS = ("PUBLIC_BASE_URL",)


class ConfigError(RuntimeError):
    """The app cannot start with this configuration."""


def check_required(config) -> None:
    required = REQUIRED_SECRETS if config.get("TESTING") else REQUIRED_SECRETS + REQUIRED_SETTINGS
    missing = [name for name in required if not config.get(name)]
    if missing:
        raise ConfigError(
            "missing configuration: "
            + ", ".join(missing)
            + " (set them in instance/config.py or as LOANS_"
            + " / LOANS_".join(missing)
            + "; `make run` writes a local instance/config.py for the demo)"
        )
    base = config.get("PUBLIC_BASE_URL")
    if base and not str(base).startswith(("https://", "http://")):
        raise ConfigError(f"PUBLIC_BASE_URL must start with https:// or http://, not {base!r}")
    try:
        hops = int(config.get("PROXY_HOPS") or 0)
    except (TypeError, ValueError):
        hops = -1
    if hops < 0:
        raise ConfigError(f"PROXY_HOPS must be a whole number of trusted proxies (0 or more), not {config.get('PROXY_HOPS')!r}")
    config["PROXY_HOPS"] = hops
    if base and str(base).startswith("https://"):
        # Served over TLS: the browser must never send the cookies in clear.
        config["SESSION_COOKIE_SECURE"] = True
        config["REMEMBER_COOKIE_SECURE"] = True
