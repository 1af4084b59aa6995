"""The servicing module's daily job (SPEC §14): ``loans check`` at 01:00 Asia/Shanghai."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..db import local_today
from ..jobs.kinds import JobContext, job_kind


def _said(params, result):
    from flask_babel import gettext as _

    return [("info", _("%(looked)s loan(s) past maturity and not overdue; %(overdue)s became overdue.",
                       looked=result["looked_at"], overdue=result["made_overdue"]))]


@job_kind("loans_check", _l("Mark loans overdue"), attempts=3, manual=True, result_messages=_said)
def loans_check(context: JobContext) -> dict:
    from .services import check_loans

    today = local_today()
    looked_at, made_overdue = check_loans(today)
    return {"looked_at": looked_at, "made_overdue": made_overdue, "as_of": today.isoformat()}
