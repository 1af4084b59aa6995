"""A roster per kind (its entries) and the record of each import that replaced one."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import EncryptedText, UTCDateTime, db, utcnow


class RosterImport(db.Model):
    """One import of a kind's roster (it replaced the entries of that kind)."""

    __tablename__ = "roster_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    file_name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    row_count: Mapped[int]
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the command line
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RosterEntry(db.Model):
    """One person on a roster: the resident ID encrypted, found by its keyed hash."""

    __tablename__ = "roster_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("roster_imports.id"), index=True)
    id_number: Mapped[str] = mapped_column(EncryptedText)
    id_number_hash: Mapped[str] = mapped_column(String(64), index=True)
    id_number_masked: Mapped[str] = mapped_column(String(18))
    name: Mapped[str] = mapped_column(String(100))
    as_of: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    graduation_date: Mapped[date | None] = mapped_column(Date)
