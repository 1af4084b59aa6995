"""Bank servicing: approved cases of the clerk's bank, contracts, disbursements,
repayments, overdue periods, extensions and declines."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("servicing", __name__)
