"""Refusals and errors: one exception for "no, and here is why", one handler that shows
it where the user was, and friendly error pages — never a stack trace.

A service refuses with ``Refused(message, field=None, status=400)`` (or ``ConcurrentChange``,
409). A view that can be refused says how to show its page again, before it calls the
service::

    form = forms.DecideForm()
    on_refusal(lambda: _case_page(application, decide_form=form), form)

The handler then rolls the unit of work back (nothing the refused action prepared is kept),
puts the message beside the form field it names — or at the top of the page — in the
reader's language, and renders that page with the refusal's status. Without a page (or
for the API) the user gets the message on an error page (JSON ``{"errors": …}``).
"""
from __future__ import annotations

from collections.abc import Callable

from flask import flash, g, jsonify, make_response, redirect, render_template, request
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge


class Refused(Exception):
    """A change the rules do not allow; nothing was changed. ``message`` may be a lazy
    string (shown in the reader's language); ``field`` names the form field it belongs
    beside; ``status`` is the HTTP answer (400 bad input, 403 not yours to do, 409 the
    state does not allow it now)."""

    status = 400

    def __init__(self, message, field: str | None = None, status: int | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field
        if status is not None:
            self.status = status


class ConcurrentChange(Refused):
    """Someone else changed the object first (or at the same time); nothing was changed."""

    status = 409

    def __init__(self, message=None, field: str | None = None, status: int | None = None):
        super().__init__(message if message is not None else CONCURRENT_MESSAGE, field, status)


CONCURRENT_MESSAGE = _l("This was changed by someone else just now. Nothing was changed; "
                        "the page shows the current state.")


def on_refusal(render: Callable, form=None) -> None:
    """Declare how to show the current page again if the action is refused: ``render()``
    returns the page (as a view would), ``form`` receives a message that names its field."""
    g.refusal_page = (render, form)


def refusal_messages() -> list[str]:
    """Messages of a refusal to show at the top of the re-rendered page (base template)."""
    return g.get("refusal_messages", [])


def handle_refused(error: Refused):
    from .db import db

    db.session.rollback()  # also expires what the page shows, so it renders the stored state
    message = str(error.message)
    if _json_wanted():
        return jsonify({"errors": {error.field or "request": [message]}}), error.status
    page = g.pop("refusal_page", None)
    if page is None:
        return render_template("errors/error.html", code=error.status, message=message), error.status
    render, form = page
    field = getattr(form, error.field, None) if (form is not None and error.field) else None
    if field is not None:
        field.errors = [*field.errors, message]
    else:
        g.refusal_messages = [*refusal_messages(), message]
    response = make_response(render())
    response.status_code = error.status
    return response


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
    app.register_error_handler(Refused, handle_refused)
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(RequestEntityTooLarge, handle_too_large)
    app.register_error_handler(HTTPException, handle_http)
    if not app.config.get("TESTING"):
        app.register_error_handler(Exception, handle_unexpected)
