from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user

from .. import operations
from ..access import STAFF_ROLES, allow, public
from ..db import local_today
from ..urls import safe_next

bp = Blueprint("main", __name__)

HOME_BY_ROLE = {
    "applicant": "applications.index",
    "admin": "admin.users",
    "officer": "review.queue",
    "supervisor": "review.queue",
    "auditor": "review.queue",
    "bank": "servicing.home",
    "finance": "subsidy.index",
    "community": "assisted.index",
}


@bp.app_context_processor
def home_warnings():
    """Reference data running out (no holidays for next year, no LPR fixing this month),
    on the home page of the roles that must act on it."""
    if not (current_user.is_authenticated and request.endpoint
            and request.endpoint == HOME_BY_ROLE.get(current_user.role)):
        return {}
    from ..policy.queries import reference_warnings

    return {"home_warnings": reference_warnings(local_today(), current_user.role)}


@bp.get("/")
@public
def index():
    if current_user.is_authenticated:
        return redirect(url_for(HOME_BY_ROLE.get(current_user.role, "main.staff_home")))
    return render_template("main/index.html")


@bp.get("/staff")
@allow(*STAFF_ROLES)
def staff_home():
    return render_template("main/staff_home.html")


@bp.post("/language")
@public
def set_language():
    lang = request.form.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated and current_user.locale != lang:
            current_user.locale = lang
    return redirect(safe_next(request.form.get("next")) or url_for("main.index"))


@bp.get("/healthz")
@public
def healthz():
    """Database, queue and disk (SPEC §14): 200, or 503 naming the failing checks. For load
    balancers and monitors: public, no personal data, never cached."""
    body, status = operations.health_checks()
    return body, status, {"Cache-Control": "no-store"}


@bp.get("/metrics")
@public
def metrics():
    """Prometheus text, only for the addresses of METRICS_ALLOW; everyone else finds nothing here."""
    if not operations.client_address_allowed(request.remote_addr):
        abort(404)
    body, content_type = operations.metrics_text()
    return body, 200, {"Content-Type": content_type, "Cache-Control": "no-store"}


@bp.get("/favicon.ico")
@public
def favicon():
    """Browsers ask for /favicon.ico whatever a page links: the ICO twin of static/favicon.svg."""
    return current_app.send_static_file("favicon.ico")
