"""The banks' inbox (SPEC §12): a bank's front-end server drops its event files into
``BANK_INBOX/<BANK>/``; every 5 minutes a job previews each file found there (source
"inbox") and moves it into ``<BANK>/done/``. An inbox file is never confirmed by the job:
it waits, with its preview, for the bank's clerk.

The front-end server writes a file under a temporary name (starting with ``.`` or ending
in ``.tmp`` or ``.part``) and renames it when complete: such names are left alone. A file
is moved only once its preview is committed; if the commit fails it stays and the next run
takes it again (the same file gives the same record, so nothing doubles).
"""
from __future__ import annotations

import shutil
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..db import after_commit, db
from ..jobs.kinds import JobContext, job_kind
from ..policy.models import Bank
from .files import preview_file

DONE = "done"
UNFINISHED_SUFFIXES = (".tmp", ".part")
MAX_FILE_BYTES = 64 * 1024 * 1024


def inbox_enabled(config) -> bool:
    return bool(config.get("BANK_INBOX"))


def _waiting(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")
                  and not p.name.lower().endswith(UNFINISHED_SUFFIXES))


def _move_to_done(path: Path) -> None:
    done = path.parent / DONE
    done.mkdir(exist_ok=True)
    target = done / path.name
    if target.exists():  # the same name sent again: keep both
        target = done / f"{path.stem}-{int(path.stat().st_mtime_ns)}{path.suffix}"
    shutil.move(str(path), str(target))


def _said(params, result):
    from flask_babel import gettext as _

    if not result or result.get("off"):
        return [("info", _("The bank inbox is not configured (BANK_INBOX)."))]
    return [("info", _("Bank inbox: %(n)s files previewed.", n=len(result.get("files", []))))]


@job_kind("bank_inbox", _l("Bank files from the inbox"), manual=True, result_messages=_said,
          extra={"enabled": inbox_enabled})
def bank_inbox(context: JobContext) -> dict:
    root = current_app.config.get("BANK_INBOX")
    if not root:
        return {"off": True, "files": []}
    seen = []
    for code in db.session.scalars(select(Bank.code).order_by(Bank.code)):
        for path in _waiting(Path(root) / code):
            if path.stat().st_size > MAX_FILE_BYTES:
                continue  # not an event file; left for a person to look at
            bank_file = preview_file(code, path.name, path.read_bytes(), source="inbox", actor=None)
            after_commit(lambda path=path: _move_to_done(path))
            seen.append({"bank": code, "name": path.name, "id": bank_file.id, "status": str(bank_file.status)})
    return {"files": seen}


@job_kind("idempotency_purge", _l("Forget banks' idempotency keys after 30 days"), attempts=3, manual=True)
def idempotency_purge(context: JobContext) -> dict:
    """SPEC §12: a bank's Idempotency-Key answers are kept 30 days (daily, with the housekeeping)."""
    from .idempotency import purge

    return {"purged": purge()}
