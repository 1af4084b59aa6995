"""Command-line interface (SPEC §10). Bad input exits non-zero with one clear line."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup, with_appcontext

from .db import db, local_today
from .errors import Refused

users_cli = AppGroup("users", help="Manage user accounts.")


@users_cli.command("create")
@click.option("--role", required=True, help="applicant, officer, supervisor, bank, finance, admin or auditor")
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
    db.session.commit()
    click.echo(f"created {user.role} {user.email} (id {user.id})")


@click.command("demo-data")
@with_appcontext
def demo_data_command():
    """Load deterministic demo users and cases; does nothing if they are already there."""
    from .demo import PLAN, demo_data_present, load_demo_data

    if demo_data_present():
        click.echo("demo data already present; nothing changed")
        return
    cases = sum(count for _, count in PLAN)
    with click.progressbar(length=cases, label="demo cases", file=sys.stderr) as bar:
        load_demo_data(echo=click.echo, progress=bar.update)


cases_cli = AppGroup("cases", help="Daily jobs on cases.")


@cases_cli.command("expire")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Run as of this date (YYYY-MM-DD); default today.")
def expire_cases_command(today):
    """Expire approvals not contracted by their validity end. Safe to run repeatedly."""
    from .policy.cli import log_reference_warnings
    from .review.services import expire_approvals

    on = today.date() if today else local_today()
    count = expire_approvals(on)
    db.session.commit()
    click.echo(f"{count} approval(s) expired")
    log_reference_warnings(on)


def init_app(app) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_data_command)
    app.cli.add_command(cases_cli)
    from .letters.cli import letters_cli

    app.cli.add_command(letters_cli)
    from .ledger import cli as ledger_cli
    from .policy import cli as policy_cli
    from .reports import cli as reports_cli
    from .servicing import cli as servicing_cli
    from .subsidy import cli as subsidy_cli

    for module in (servicing_cli, ledger_cli, subsidy_cli, reports_cli, policy_cli):
        module.init_app(app)
