"""The servicing module's daily job (SPEC §14): ``loans check`` at 01:00 Asia/Shanghai."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..db import local_today
from ..jobs.kinds import JobContext, job_kind


@job_kind("loans_check", _l("Mark loans overdue"), attempts=3, manual=True)
def loans_check(context: JobContext) -> dict:
    from .services import check_loans

    today = local_today()
    looked_at, made_overdue = check_loans(today)
    return {"looked_at": looked_at, "made_overdue": made_overdue, "as_of": today.isoformat()}
