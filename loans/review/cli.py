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


@cases_cli.command("rebuild-counts")
def rebuild_counts_command():
    """Count the cases per district and status afresh for the queue's tabs (they are kept
    with every change of status; this is for repairs and after bulk loads)."""
    from ..applications.counts import rebuild
    from ..db import db

    rows = rebuild(db.session.connection())
    click.echo(f"case counts rebuilt: {rows} rows (district, status, and the staff member for 'my cases')")
