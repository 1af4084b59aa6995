"""CLI commands of the reports module (SPEC §10)."""
from __future__ import annotations

import click


def init_app(app) -> None:
    """Register this module's command groups."""
