"""Ledger import runs (SPEC §10): one row per ``ledger import``, with its progress and problems."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime, db, enum_type, utcnow


class ImportStatus(StrEnum):
    running = "running"
    done = "done"
    failed = "failed"


class LedgerImport(db.Model):
    """One ``ledger import`` run (CLI or admin upload): all-or-nothing, with progress."""

    __tablename__ = "ledger_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[ImportStatus] = mapped_column(enum_type(ImportStatus), default=ImportStatus.running)
    files: Mapped[list] = mapped_column(JSON, default=list)  # [{"name", "sha256", "rows"}]
    total_rows: Mapped[int] = mapped_column(default=0)
    processed_rows: Mapped[int] = mapped_column(default=0)
    loans_added: Mapped[int] = mapped_column(default=0)
    loans_unchanged: Mapped[int] = mapped_column(default=0)
    events_added: Mapped[int] = mapped_column(default=0)
    events_unchanged: Mapped[int] = mapped_column(default=0)
    errors: Mapped[list | None] = mapped_column(JSON)  # [{"file", "row", "column", "reason"}]
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
