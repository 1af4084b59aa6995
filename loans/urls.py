from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app

# Tests run without a configured address; their links point here, never at a request's Host.
TEST_BASE_URL = "http://localhost"


def public_url(endpoint: str, **values) -> str:
    """An absolute link for letters, QR codes and messages: ``PUBLIC_BASE_URL`` and the
    route's path, never the request's Host header (a forged Host would otherwise be
    written into a stored letter). Works outside requests too (CLI, jobs)."""
    base = current_app.config.get("PUBLIC_BASE_URL") or TEST_BASE_URL
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return base.rstrip("/") + path


def safe_next(target: str | None) -> str | None:
    """A redirect target only if it stays on this site (no open redirects)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target
