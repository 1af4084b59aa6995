"""Security headers on every response, and input no route should ever see."""
from __future__ import annotations

from flask import abort, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'self'"
)


def add_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if response.mimetype == "text/html":
        headers.setdefault("Cache-Control", "no-store")
    if (current_app.config.get("PUBLIC_BASE_URL") or "").startswith("https://"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


class DatabaseIdConverter(IntegerConverter):
    """``<int:…>`` bounded to a database integer, so a huge id is a 404 rather than a database error."""

    def __init__(self, map, fixed_digits=0, min=None, max=2**31 - 1, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def refuse_nul_bytes():
    """No honest form or link carries a NUL byte, and PostgreSQL text cannot store one:
    answer 400 instead of failing in the database."""
    for values in (request.args, request.form):
        for key, value in values.items(multi=True):
            # (a multipart part with an odd name, e.g. ``name="\"``, can come back as None)
            if "\x00" in (key or "") or "\x00" in (value or ""):
                abort(400)
    return None


def init_app(app) -> None:
    hops = app.config.get("PROXY_HOPS") or 0
    if hops:
        # Behind N trusted reverse proxies the client is the N-th address from the right of
        # X-Forwarded-For; without this every user would share the proxy's address (and its
        # rate limits). Never trusted when not configured: a client could claim any address.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    # Before the blueprints are registered, so that every route's <int:…> uses it.
    app.url_map.converters["int"] = DatabaseIdConverter
    app.before_request(refuse_nul_bytes)
    app.after_request(add_security_headers)
