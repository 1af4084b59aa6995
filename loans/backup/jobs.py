"""The daily backup as a background job (SPEC §14): 02:00 Asia/Shanghai, keeping the newest 14."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..jobs.kinds import JobContext, job_kind

KEEP = 14


def _said(params, result):
    from flask_babel import gettext as _

    return [("info", _("%(file)s written (%(mb)s MB); older backups removed: %(n)s.", file=result["file"],
                       mb=f"{result['bytes'] / 1_000_000:.1f}", n=len(result["removed"])))]


@job_kind("backup", _l("Backup"), attempts=3, backoff_seconds=300, own_units=True, manual=True, result_messages=_said)
def backup(context: JobContext) -> dict:
    from pathlib import Path

    from .services import create_backup, prune_backups

    path = create_backup()
    removed = prune_backups(Path(path).parent, keep=KEEP)
    return {"file": Path(path).name, "bytes": Path(path).stat().st_size, "removed": [p.name for p in removed]}
