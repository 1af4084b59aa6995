"""Programme statistics (SPEC §8): loans issued, people supported, jobs, subsidy paid."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reports", __name__)
