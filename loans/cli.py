"""Command-line interface (SPEC §10). Bad input exits non-zero with one clear line.

The one way to register commands: each package's ``cli.py`` defines its group as a
``UnitOfWorkGroup`` (every command one unit of work) and ``init_app`` below adds it; the
few top-level commands are ``unit_of_work_command``s. Commands never commit."""
from __future__ import annotations

import sys

import click

from .errors import Refused
from .unit_of_work import UnitOfWorkGroup, unit_of_work_command

users_cli = UnitOfWorkGroup("users", help="Manage user accounts.")


@users_cli.command("create")
@click.option("--role", required=True, help="applicant, officer, supervisor, bank, finance, admin, auditor or community")
@click.option("--email", required=True)
@click.option("--district", "district_code", default=None, help="District code, e.g. 431002")
@click.option("--bank", "bank_code", default=None, help="Bank code, e.g. ICBC-CZ")
@click.option("--name", default="")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_user_command(role, email, district_code, bank_code, name, password):
    """Create a user (password prompted unless --password is given)."""
    from .auth.services import create_user

    try:
        user = create_user(role=role, email=email, password=password, name=name, district_code=district_code,
                           bank_code=bank_code)
    except Refused as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"created {user.role} {user.email} (id {user.id})")


@unit_of_work_command("demo-data")
def demo_data_command():
    """Load deterministic demo users and cases; does nothing if they are already there."""
    from .demo import PLAN, demo_data_present, load_demo_data

    if demo_data_present():
        click.echo("demo data already present; nothing changed")
        return
    cases = sum(count for _, count in PLAN)
    with click.progressbar(length=cases, label="demo cases", file=sys.stderr) as bar:
        load_demo_data(echo=click.echo, progress=bar.update)


def init_app(app) -> None:
    from .audit.cli import audit_cli
    from .banks.cli import banks_cli
    from .fund.cli import fund_cli
    from .backup.cli import backup_cli
    from .jobs.cli import worker_command
    from .ledger.cli import ledger_cli
    from .letters.cli import letters_cli
    from .policy.cli import calendar_cli
    from .reports.cli import report_cli
    from .rosters.cli import rosters_cli
    from .review.cli import cases_cli
    from .search.cli import search_cli
    from .servicing.cli import loans_cli
    from .subsidy.cli import subsidy_cli

    for command in (users_cli, demo_data_command, cases_cli, letters_cli, loans_cli, ledger_cli, subsidy_cli,
                    report_cli, calendar_cli, audit_cli, worker_command, banks_cli, backup_cli, fund_cli,
                    rosters_cli, search_cli):
        app.cli.add_command(command)
