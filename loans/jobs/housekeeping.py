"""Daily housekeeping (SPEC §14): the audit chain's head and count in the log (so deleting
the newest rows is caught), login throttles no one has tripped for a day, and the files of
jobs that ended long ago."""
from __future__ import annotations

import shutil
import time
from datetime import timedelta
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_

from ..db import db, utcnow
from .kinds import JobContext, job_kind

JOB_FILES_KEPT_DAYS = 7


def _said(params, result):
    from flask_babel import gettext as _

    return [("info", _("Audit trail: %(count)s rows, ending with %(head)s.", count=result["audit_count"],
                       head=result["audit_head"][:16] + "…")),
            ("info", _("Login throttles removed: %(n)s. Old job folders removed: %(m)s.",
                       n=result["login_throttles_purged"], m=result["job_folders_removed"]))]


@job_kind("housekeeping", _l("Daily housekeeping"), attempts=3, manual=True, result_messages=_said)
def housekeeping(context: JobContext) -> dict:
    from ..audit.queries import chain_head
    from ..auth.models import LoginThrottle

    head, count = chain_head()
    current_app.logger.info("audit chain head=%s count=%s", head, count)
    day_ago = utcnow() - timedelta(days=1)
    purged = db.session.execute(delete(LoginThrottle).where(
        LoginThrottle.last_failure_at < day_ago,
        or_(LoginThrottle.blocked_until.is_(None), LoginThrottle.blocked_until < utcnow())),
    ).rowcount
    return {"audit_head": head, "audit_count": count, "login_throttles_purged": purged,
            "job_folders_removed": _old_job_files()}


def _old_job_files() -> int:
    folder = Path(current_app.instance_path) / "job-files"
    if not folder.is_dir():
        return 0
    cutoff = time.time() - JOB_FILES_KEPT_DAYS * 86400
    removed = 0
    for entry in folder.iterdir():
        if entry.is_dir() and entry.stat().st_mtime < cutoff:
            shutil.rmtree(entry, ignore_errors=True)
            removed += 1
    return removed
