"""Quarterly subsidy statements: compute, review, approve, pay, print, export."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("subsidy", __name__)
