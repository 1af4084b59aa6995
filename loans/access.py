"""Deny-by-default authorization: every endpoint declares who may use it (SPEC §2).

``@allow(...)`` names the roles; ``@public`` marks pages for everyone. A ``before_request``
hook refuses any endpoint that declares nothing, so a new route without a declaration is
a 403 for all (and a test lists it). Anonymous users go to the login page (API: 401),
a wrong role gets 403; objects outside a user's scope answer 404 in the queries.
"""
from __future__ import annotations

from flask import abort, current_app, jsonify, redirect, request, url_for
from flask_login import current_user

from .core.workflow import Role

APPLICANT, OFFICER, SUPERVISOR, BANK, FINANCE, ADMIN, AUDITOR, COMMUNITY = (
    Role.applicant, Role.officer, Role.supervisor, Role.bank, Role.finance, Role.admin, Role.auditor,
    Role.community,
)
ROLES = (APPLICANT, OFFICER, SUPERVISOR, BANK, FINANCE, ADMIN, AUDITOR, COMMUNITY)
"""The roles a user may have (``Role.system`` is the app itself, never a user)."""
STAFF_ROLES = (OFFICER, SUPERVISOR, BANK, FINANCE, ADMIN, AUDITOR, COMMUNITY)
CASE_STAFF = (OFFICER, SUPERVISOR, AUDITOR)
ROLES_NEEDING_DISTRICT = (OFFICER, COMMUNITY)
ROLES_NEEDING_BANK = (BANK,)

PUBLIC = "public"


def allow(*roles: Role):
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {unknown}")

    def decorate(view):
        view.allowed_roles = frozenset(roles)
        return view

    return decorate


def public(view):
    view.allowed_roles = PUBLIC
    return view


def declared_roles(view):
    return getattr(view, "allowed_roles", None)


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def enforce() -> None:
    """``before_request``: apply the endpoint's declaration."""
    if request.endpoint is None:  # 404/405 from routing; let Flask answer
        return None
    if request.endpoint == "static" or request.endpoint.endswith(".static"):
        return None
    view = current_app.view_functions.get(request.endpoint)
    roles = declared_roles(view)
    if roles == PUBLIC:
        return None
    if roles is None:
        abort(403)
    if not current_user.is_authenticated:
        if _wants_json():
            return jsonify({"errors": {"auth": ["authentication required"]}}), 401
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if current_user.role not in roles:
        abort(403)
    if current_user.must_change_password and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS:
        # A password an administrator reset is for one login only: choose your own first.
        if _wants_json():
            return jsonify({"errors": {"auth": ["password change required"]}}), 403
        return redirect(url_for("auth.change_password"))
    return None


PASSWORD_CHANGE_ENDPOINTS = frozenset({"auth.change_password", "auth.logout", "main.set_language"})


def require_role(*roles: Role) -> None:
    """Inside a view shared by several roles, narrow an action to some of them."""
    if not current_user.is_authenticated or current_user.role not in roles:
        abort(403)


def init_app(app) -> None:
    app.before_request(enforce)


