"""Jinja filters and globals shared by every template."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask_babel import format_date, ngettext

from . import labels
from .audit.display import detail_lines
from .errors import refusal_messages
from .core.dates import chinese_dates_in
from .core.money import format_rate, format_yuan
from .core.resident_id import mask_mobile
from .i18n import colon, current_lang, list_separator, period_name, prose_date, summary_yuan
from .policy.queries import reference_name

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def yuan(value) -> str:
    return "" if value is None else format_yuan(Decimal(value))


def local_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


def iso_date(value: date | None) -> str:
    return "" if value is None else value.isoformat()


def named(obj) -> str:
    """A district, bank or key group in the current language."""
    return "" if obj is None else obj.label(current_lang())


def file_size(size: int | None) -> str:
    """A document's size in the reader's words: bytes below 1 KB (字节 in Chinese), then KB
    or MB to one decimal, rounded half up. Jinja's filesizeformat writes English "Bytes"."""
    if size is None:
        return ""
    if size < 1024:
        return ngettext("%(num)d byte", "%(num)d bytes", size)
    unit, label = (1024, "KB") if size < 1024 * 1024 else (1024 * 1024, "MB")
    tenths = (size * 10 + unit // 2) // unit
    return f"{tenths // 10}.{tenths % 10} {label}"  # KB and MB read the same in Chinese


def rule_message(rule) -> str:
    """An eligibility rule's message in the reader's language, from a RuleResult or a stored
    snapshot's dict; Chinese dates in prose, also in results stored before the engine wrote
    them so."""
    field = "message_zh" if current_lang() == "zh" else "message_en"
    message = rule.get(field) if isinstance(rule, dict) else getattr(rule, field)
    return chinese_dates_in(message) if field == "message_zh" else message or ""


def init_app(app) -> None:
    app.jinja_env.filters.update(
        yuan=yuan,
        summary_yuan=summary_yuan,
        prose_date=prose_date,
        period_name=period_name,
        rate=lambda v: "" if v is None else format_rate(v),
        local_datetime=local_datetime,
        iso_date=iso_date,
        file_size=file_size,
        named=named,
        mask_mobile=lambda v: mask_mobile(v) if v else "",
        status_label=lambda v: labels.label(labels.STATUS, v),
        role_label=lambda v: labels.label(labels.ROLE, v),
        loan_type_label=lambda v: labels.label(labels.LOAN_TYPE, v),
        education_label=lambda v: labels.label(labels.EDUCATION, v),
        document_kind_label=lambda v: labels.label(labels.DOCUMENT_KIND, v),
        rule_result_label=lambda v: labels.label(labels.RULE_RESULT, v),
        audit_action_label=lambda v: labels.label(labels.AUDIT_ACTION, v),
        snapshot_trigger_label=lambda v: labels.label(labels.SNAPSHOT_TRIGGER, v),
        audit_details=audit_details,
        rule_title=labels.rule_title,
        rule_message=rule_message,
        notification_text=lambda n: _notification_text(n),
        long_date=lambda v: format_date(v, "long") if v else "",
    )
    app.jinja_env.globals["bank_paused"] = bank_paused
    app.jinja_env.globals["id_urls"] = id_urls

    @app.context_processor
    def inject():
        return {"current_lang": current_lang(), "colon": colon(), "list_separator": list_separator(),
                "rule_names": {k: str(v) for k, v in labels.RULE_NAME.items()},
                "refusal_messages": refusal_messages}


def audit_details(event) -> list:
    """An audit row's details in the reader's words (``audit.display``), reference data by name."""
    lang = current_lang()
    return detail_lines(event.action, event.detail, lambda kind, code: reference_name(kind, code, lang))


_ID_MARK = 987654321987654321


def id_urls(endpoint: str, key: str, **values):
    """``url_for(endpoint, key=<id>, **values)`` for the many rows of a list: the URL is built
    once and each row's id put in its place (werkzeug builds a URL in tens of microseconds)."""
    from flask import url_for

    head, _, tail = url_for(endpoint, **{key: _ID_MARK}, **values).partition(str(_ID_MARK))
    return lambda row_id: f"{head}{int(row_id)}{tail}"


def bank_paused(code: str | None) -> bool:
    """Whether new approvals naming the bank are paused today (SPEC §13); read once per request."""
    from flask import g

    from .db import local_today
    from .fund.queries import paused_bank_codes

    if not code:
        return False
    if "paused_banks" not in g:
        g.paused_banks = paused_bank_codes(local_today())
    return code in g.paused_banks


def _notification_text(note) -> str:
    from .notifications.services import render

    return render(note.event, note.params or {})
