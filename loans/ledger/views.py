"""Ledger import from the browser (admin): upload, progress, result."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("ledger", __name__)
