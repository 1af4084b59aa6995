"""Language: the user's choice (session), else the browser's Accept-Language, else Chinese."""
from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from babel import support
from flask import current_app, has_request_context, request, session
from flask.globals import _cv_app
import flask_babel
from flask_babel import Domain, get_locale, get_translations
from jinja2 import pass_eval_context
from markupsafe import Markup
from wtforms.i18n import messages_path

from .core.dates import chinese_date, quarter_name
from .core.money import format_chinese_amount, format_yuan
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
    babel.__dict__["domain_instance"] = _RequestDomain(domain=app.extensions["babel"].default_domain)  # a cached_property
    # gettext, ngettext and every lazy string call flask_babel.get_domain() by name, which
    # looks the domain up in ``g`` each time; the app has one domain (never as_default)
    flask_babel.get_domain = _the_domain
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    # The template's _(), gettext() and ngettext() themselves, doing what Jinja's newstyle
    # wrappers do in one call instead of three (each through Context.call): 8 → 3 µs a
    # message, a few hundred messages a page.
    app.jinja_env.globals.update(_=_template_gettext, gettext=_template_gettext, ngettext=_template_ngettext)
    app.before_request(_form_messages_in_our_words)


@pass_eval_context
def _template_gettext(eval_ctx, string: str, /, **variables):
    """Jinja's newstyle gettext: the translation, Markup in an autoescaped template, always
    formatted with ``variables`` (which autoescaping escapes)."""
    translated = request_translations().ugettext(string)
    if eval_ctx.autoescape:
        translated = Markup(translated)
    return translated % variables


@pass_eval_context
def _template_ngettext(eval_ctx, singular: str, plural: str, num, /, **variables):
    """Jinja's newstyle ngettext: as ``_template_gettext``, ``num`` also given as ``%(num)``."""
    variables.setdefault("num", num)
    translated = request_translations().ungettext(singular, plural, num)
    if eval_ctx.autoescape:
        translated = Markup(translated)
    return translated % variables


def request_translations():
    """The translations of the request's locale, found once per request (and per locale: a
    ``force_locale`` block gets its own). Flask-Babel looks them up through ``g`` and the
    locale on every message — hundreds of times a page (issue 17); this reads the request's
    Flask-Babel namespace directly and keeps them there beside the locale they are for."""
    app_context = _cv_app.get(None)
    if app_context is not None:
        space = app_context.g.__dict__.get("_flask_babel")
        if space is not None:
            kept = space.__dict__.get("loans_translations")
            if kept is not None and kept[0] is space.__dict__.get("babel_locale"):
                return kept[1]
    translations = Domain.get_translations(babel.domain_instance)
    if app_context is not None:
        space = app_context.g.__dict__.get("_flask_babel")
        locale = space.__dict__.get("babel_locale") if space is not None else None
        if locale is not None:
            space.loans_translations = (locale, translations)
    return translations


def _the_domain() -> Domain:
    return babel.domain_instance


class _RequestDomain(Domain):
    """Flask-Babel's domain, reading the request's translations once (``request_translations``)."""

    def get_translations(self):
        return request_translations()


class FormMessages:
    """WTForms' own messages in the app's words where the catalog has them, else in WTForms'
    translation. WTForms translates "This field is required." (DataRequired, InputRequired)
    as 该字段是必填字段; the catalog's wording, 此项为必填项, is the one every form shows."""

    def ugettext(self, string: str) -> str:
        ours = get_translations().ugettext(string)
        return ours if ours != string else _wtforms_translations(str(get_locale())).ugettext(string)

    def ungettext(self, singular: str, plural: str, n: int) -> str:
        ours = get_translations().ungettext(singular, plural, n)
        if ours not in (singular, plural):
            return ours
        return _wtforms_translations(str(get_locale())).ungettext(singular, plural, n)


@lru_cache(maxsize=8)
def _wtforms_translations(locale: str):
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


def _form_messages_in_our_words() -> None:
    # Flask-WTF looks for the request's WTForms translations here before loading WTForms' own.
    request.wtforms_translations = FORM_MESSAGES


FORM_MESSAGES = FormMessages()


def summary_yuan(amount) -> str:
    """A summary figure in the reader's style (SPEC §8): in Chinese 元 / 万元 / 亿元
    (``1.35亿元``, ``13540.9万元``, ``core.money.format_chinese_amount``), in English
    ``¥135,409,000.00``. Tables keep full figures (``format_yuan``)."""
    if amount is None:
        return ""
    return format_chinese_amount(Decimal(amount)) if current_lang() == "zh" else format_yuan(Decimal(amount))


def prose_date(day) -> str:
    """A date in a sentence: 2026年12月2日 in Chinese, ISO (2026-12-02) in English (SPEC §8)."""
    if day is None:
        return ""
    return chinese_date(day) if current_lang() == "zh" else day.isoformat()


def period_name(code) -> str:
    """A quarter code in the reader's words: 2026年第三季度 in Chinese, Q3 2026 in English
    (``core.dates.quarter_name``); links and machine exports keep the code."""
    return quarter_name(code, current_lang())


def colon(lang: str | None = None) -> str:
    """Between a label and its value: the full-width ： in Chinese (no space), ": " in English."""
    return "：" if (lang or current_lang()) == "zh" else ": "


def list_separator(lang: str | None = None) -> str:
    """Between the items of an inline list: the enumeration comma 、 in Chinese, ", " in English."""
    return "、" if (lang or current_lang()) == "zh" else ", "
