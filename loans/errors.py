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
        return error_page(error.status, message)
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


# What an error page says, in the reader's language: its heading, and the message when the
# error brings none of its own (Werkzeug's descriptions are English only).
ERROR_HEADINGS = {
    400: _l("The request could not be understood"),
    403: _l("Not allowed"),
    404: _l("Page not found"),
    405: _l("Not available here"),
    409: _l("Not possible now"),
    413: _l("File too large"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong"),
}
ERROR_MESSAGES = {
    400: _l("The request could not be understood. Please go back and try again."),
    403: _l("You do not have permission to see this page."),
    404: _l("We could not find that page."),
    405: _l("That action is not available here."),
    409: _l("This is not possible in the current state, or someone changed it just now. Nothing was "
            "changed; please go back and reload the page."),
    413: _l("The file is larger than 10 MB. Please upload a smaller file."),
    429: _l("Too many attempts. Please wait a minute and try again."),
}
UNEXPECTED_MESSAGE = _l("Something went wrong on our side. Nothing you entered was lost; please try again.")


def error_page(code: int, message=None, headers=()):
    """The error page for ``code``, every word in the reader's language."""
    heading = ERROR_HEADINGS.get(code, _l("Sorry"))
    message = message if message is not None else ERROR_MESSAGES.get(
        code, _l("The request could not be completed. Please go back and try again."))
    return render_template("errors/error.html", code=code, heading=str(heading), message=str(message)), code, \
        list(headers)


def handle_http(error: HTTPException):
    # What the exception would have sent itself (Allow on 405, Retry-After on 429), minus its body type.
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    if _json_wanted():
        return jsonify({"errors": {"request": [error.description or error.name]}}), error.code, headers
    return error_page(error.code, headers=headers)


def handle_csrf(error: CSRFError):
    if _json_wanted():
        return jsonify({"errors": {"csrf": [error.description]}}), 400
    return error_page(400, _("Your form expired or was sent from another site. Please reload the page and try again."))


def handle_too_large(error: RequestEntityTooLarge):
    if _json_wanted():
        return handle_http(error)
    flash(_("The file is larger than 10 MB. Please upload a smaller file."), "danger")
    back = request.referrer
    if back and back.startswith(request.host_url):
        return redirect(back)
    return error_page(413, _("The file is larger than 10 MB."))


def handle_unexpected(error: Exception):
    from flask import current_app

    current_app.logger.exception("unhandled error")
    if _json_wanted():
        return jsonify({"errors": {"server": ["internal error"]}}), 500
    return error_page(500, UNEXPECTED_MESSAGE)


def init_app(app) -> None:
    app.register_error_handler(Refused, handle_refused)
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(RequestEntityTooLarge, handle_too_large)
    app.register_error_handler(HTTPException, handle_http)
    if not app.config.get("TESTING"):
        app.register_error_handler(Exception, handle_unexpected)
