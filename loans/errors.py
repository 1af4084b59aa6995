"""Friendly error pages: a clear message and a way back, never a stack trace."""
from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge


def _json_wanted() -> bool:
    return request.path.startswith("/api/")


def handle_http(error: HTTPException):
    # What the exception would have sent itself (Allow on 405, Retry-After on 429), minus its body type.
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    if _json_wanted():
        return jsonify({"errors": {"request": [error.description or error.name]}}), error.code, headers
    messages = {
        400: _("The request could not be understood. Please go back and try again."),
        403: _("You do not have permission to see this page."),
        404: _("We could not find that page."),
        405: _("That action is not available here."),
        413: _("The file is larger than 10 MB. Please upload a smaller file."),
        429: _("Too many attempts. Please wait a minute and try again."),
    }
    message = messages.get(error.code, error.description)
    return render_template("errors/error.html", code=error.code, message=message), error.code, headers


def handle_csrf(error: CSRFError):
    if _json_wanted():
        return jsonify({"errors": {"csrf": [error.description]}}), 400
    message = _("Your form expired or was sent from another site. Please reload the page and try again.")
    return render_template("errors/error.html", code=400, message=message), 400


def handle_too_large(error: RequestEntityTooLarge):
    if _json_wanted():
        return handle_http(error)
    flash(_("The file is larger than 10 MB. Please upload a smaller file."), "danger")
    back = request.referrer
    if back and back.startswith(request.host_url):
        return redirect(back)
    return render_template("errors/error.html", code=413, message=_("The file is larger than 10 MB.")), 413


def handle_unexpected(error: Exception):
    from flask import current_app

    current_app.logger.exception("unhandled error")
    if _json_wanted():
        return jsonify({"errors": {"server": ["internal error"]}}), 500
    message = _("Something went wrong on our side. Nothing you entered was lost; please try again.")
    return render_template("errors/error.html", code=500, message=message), 500


def init_app(app) -> None:
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(RequestEntityTooLarge, handle_too_large)
    app.register_error_handler(HTTPException, handle_http)
    if not app.config.get("TESTING"):
        app.register_error_handler(Exception, handle_unexpected)
