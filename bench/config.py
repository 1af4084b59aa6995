"""The configuration the benchmark builds and serves with (fixed, so a run is reproducible).

The builder passes it to ``create_app`` directly; the gunicorn app (bench/app.py) gets the
same values through ``LOANS_*`` environment variables (``env_for``).
"""
from __future__ import annotations

import json

BENCH_PASSWORD = "Bench-Password-2026"

# Fixed keys: the lookup hashes (and so the data set) are the same on every run. Never reuse them.
BASE = {
    "SECRET_KEY": "bench-secret-key-not-for-production",
    "PERSONAL_DATA_KEY": "bench-personal-data-key-not-for-production",
    "RATELIMIT_ENABLED": False,
    # Cheap argon2 for the bench accounts: login cost is not what we measure.
    "PASSWORD_HASH_TIME_COST": 1,
    "PASSWORD_HASH_MEMORY_COST": 8,
    "PASSWORD_HASH_PARALLELISM": 1,
    "MAIL_BACKEND": "console",
    "PUBLIC_BASE_URL": "http://127.0.0.1:8000",
}


def app_config(database_url: str, **extra) -> dict:
    return {**BASE, "SQLALCHEMY_DATABASE_URI": database_url, **extra}


def env_for(database_url: str) -> dict[str, str]:
    """``LOANS_*`` variables for ``create_app()`` (values JSON-encoded where not strings)."""
    env = {}
    for key, value in app_config(database_url).items():
        env["LOANS_" + key] = value if isinstance(value, str) else json.dumps(value)
    return env
