"""Why a job failed, in the reader's language (jobs store a code and parameters, not text)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..i18n import current_lang

REASONS = {
    "internal": _l("It stopped on an unexpected error. Tries left are made automatically; report it if it fails "
                   "again."),
    "worker_died": _l("The worker running it stopped (restarted or killed); it was run again or, with no tries "
                      "left, marked failed."),
    "unknown_kind": _l("No worker knows this kind of job (%(kind)s): is the worker up to date?"),
    "not_found": _l("What it was to work on no longer exists."),
    "files_missing": _l("Its uploaded files are no longer in the instance folder; upload them again."),
    "ledger_refused": _l("The ledger was refused (%(problems)s problem(s)); nothing was stored."),
}


def reason_text(error: dict | None) -> str:
    if not error:
        return ""
    code, params = error.get("code", "internal"), dict(error.get("params") or {})
    if code == "refused":
        texts = params.get("text") or {}
        return texts.get(current_lang()) or next(iter(texts.values()), "")
    template = REASONS.get(code)
    if template is None:
        return code
    try:
        return str(template) % params if params else str(template)
    except (KeyError, ValueError, TypeError):
        return str(template)
