"""CLI commands of the servicing module (SPEC §10)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from ..db import db, local_today

loans_cli = AppGroup("loans", help="Daily jobs on loans.")


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
    db.session.commit()
    click.echo(f"{looked_at} loan(s) past maturity and not overdue; {made_overdue} became overdue")
    log_reference_warnings(on)


def init_app(app) -> None:
    """Register this module's command groups."""
    app.cli.add_command(loans_cli)
