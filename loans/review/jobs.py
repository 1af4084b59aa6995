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
