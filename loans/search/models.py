"""The search token table: per application and per loan, the tokens of its names,
business name and references (loans/search/tokens.py)."""
from __future__ import annotations

from sqlalchemy import Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import db
from .tokens import MAX_TOKEN

# Byte (code point) order on both databases, so that a prefix is a range of the index:
# PostgreSQL's default collation orders linguistically (and LIKE 'x%' could not use it).
TOKEN = String(MAX_TOKEN).with_variant(String(MAX_TOKEN, collation="C"), "postgresql")


class SearchToken(db.Model):
    """One token of one row of ``kind`` (1 application, 2 loan). The primary key is the
    search index (kind, token, owner); on SQLite the table is that index (WITHOUT ROWID).
    Kept current by loans/search/index.py in the transaction that changes the row."""

    __tablename__ = "search_tokens"
    __table_args__ = (Index("ix_search_tokens_owner", "kind", "owner_id"), {"sqlite_with_rowid": False})

    kind: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    token: Mapped[str] = mapped_column(TOKEN, primary_key=True)
    owner_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
