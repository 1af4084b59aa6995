"""The review module's daily job (SPEC §14): ``cases expire`` at 01:00 Asia/Shanghai."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..db import local_today
from ..jobs.kinds import JobContext, job_kind


def _said(params, result):
    from flask_babel import ngettext

    return [("info", ngettext("%(num)d approval expired.", "%(num)d approvals expired.", result["expired"]))]


@job_kind("cases_expire", _l("Expire approvals not contracted"), attempts=3, manual=True, result_messages=_said)
def cases_expire(context: JobContext) -> dict:
    from ..policy.cli import log_reference_warnings
    from .services import expire_approvals

    today = local_today()
    expired = expire_approvals(today)
    log_reference_warnings(today)
    return {"expired": expired, "as_of": today.isoformat()}


def _folded(params, result):
    from flask_babel import ngettext

    return [("info", ngettext("%(num)d case count row folded.", "%(num)d case count rows folded.", result["rows"]))]


@job_kind("case_counts_fold", _l("Fold the queue's case counts"), attempts=3, manual=True, result_messages=_folded)
def case_counts_fold(context: JobContext) -> dict:
    """The day's ±1 rows of ``case_counts`` become one row per district, status and user."""
    from ..applications.counts import fold
    from ..db import db

    return {"rows": fold(db.session.connection())}
