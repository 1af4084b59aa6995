"""`flask --app wsgi audit verify`: check the audit trail's hash chain (SPEC §14)."""
from __future__ import annotations

import click

from ..unit_of_work import UnitOfWorkGroup

audit_cli = UnitOfWorkGroup("audit", help="The audit trail.")


@audit_cli.command("verify")
@click.option("--expect-head", default=None, help="The head hash recorded earlier (a backup, the daily log).")
@click.option("--expect-count", type=click.IntRange(min=0), default=None,
              help="The number of rows recorded with that head.")
def verify_command(expect_head, expect_count):
    """Recompute the chain of audit rows; exit 0 when it holds (printing its head and
    count), 1 naming the first row that does not match."""
    from .queries import verify_chain

    check = verify_chain(expect_head, expect_count)
    if not check.holds:
        held = "before it hold" if check.broken_at is not None else "hold"
        click.echo(f"audit chain broken: {check.problem}; {check.count} row(s) {held}, ending at {check.head}",
                   err=True)
        raise click.exceptions.Exit(1)
    click.echo(f"audit chain holds: head {check.head}, count {check.count}")
