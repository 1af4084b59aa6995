"""Flask-Login wiring. The session carries ``user id : session token``; logout rotates the
token so every copy of the old cookie stops working."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..db import db


def init_login(app, login_manager) -> None:
    from .models import User

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(value: str):
        user_id, _, token = value.partition(":")
        if not user_id.isdigit() or not token:
            return None
        user = db.session.get(User, int(user_id))
        if user is None or not user.active or user.session_token != token:
            return None
        return user
