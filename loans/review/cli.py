"""CLI commands of the review module (SPEC §10)."""
from __future__ import annotations

import click

from ..db import local_today
from ..unit_of_work import UnitOfWorkGroup

cases_cli = UnitOfWorkGroup("cases", help="Daily jobs on cases.")


@cases_cli.command("expire")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Run as of this date (YYYY-MM-DD); default today.")
def expire_cases_command(today):
    """Expire approvals not contracted by their validity end. Safe to run repeatedly."""
    from ..policy.cli import log_reference_warnings
    from .services import expire_approvals

    on = today.date() if today else local_today()
    count = expire_approvals(on)
    click.echo(f"{count} approval(s) expired")
    log_reference_warnings(on)
