"""CLI commands of the servicing module (SPEC §10)."""
from __future__ import annotations

import click

from ..db import local_today
from ..unit_of_work import UnitOfWorkGroup

loans_cli = UnitOfWorkGroup("loans", help="Daily jobs on loans.")


@loans_cli.command("check")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Run as of this date (YYYY-MM-DD); default today.")
def check_command(today):
    """Mark loans overdue that are past their (extended) maturity with money still out.
    Safe to run repeatedly."""
    from ..policy.cli import log_reference_warnings
    from .services import check_loans

    on = today.date() if today else local_today()
    looked_at, made_overdue = check_loans(on)
    click.echo(f"{looked_at} loan(s) past maturity and not overdue; {made_overdue} became overdue")
    log_reference_warnings(on)
