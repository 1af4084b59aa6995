"""Language: the user's choice (session), else the browser's Accept-Language, else Chinese."""
from __future__ import annotations

from flask import current_app, has_request_context, request, session
from flask_babel import get_locale

from .extensions import babel

ROOT_TRANSLATIONS = "translations"


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands and background jobs
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def current_lang() -> str:
    """'zh' or 'en' for the current request."""
    locale = get_locale()
    return "zh" if locale is None or locale.language == "zh" else "en"


def init_app(app) -> None:
    from pathlib import Path

    app.config.setdefault(
        "BABEL_TRANSLATION_DIRECTORIES", str(Path(__file__).resolve().parent / ROOT_TRANSLATIONS)
    )
    babel.init_app(app, locale_selector=select_locale)
