"""CLI commands of the guarantee fund (SPEC §13).

``flask --app wsgi fund deposit --amount A --on DATE --voucher V [--bank B] [--district D]``
(``--kind withdrawal|interest`` for the other hand-entered kinds), ``fund import FILE``
(CSV ``date,kind,amount,voucher,bank_code,district_code``, all or nothing; the same file
again changes nothing) and ``fund rates --on DATE`` (the per-bank rates job for any day).
Bad input exits non-zero with one clear line per problem.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from flask import current_app
from flask_babel import force_locale

from ..core.fund import MANUAL_MOVEMENT_KINDS
from ..errors import Refused
from ..unit_of_work import UnitOfWorkGroup

fund_cli = UnitOfWorkGroup("fund", help="The guarantee fund (SPEC §13): movements and per-bank rates.")

LANG = click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
                    help="Language of the messages (default: the app's default language).")


def _in(lang: str | None):
    return force_locale(lang or current_app.config["BABEL_DEFAULT_LOCALE"])


def _date(option: str, text: str) -> date:
    from .movements import parse_day

    try:
        return parse_day(text)
    except ValueError:
        raise click.ClickException(f"{option} must be a date like 2026-01-31, not {text!r}") from None


@fund_cli.command("deposit")
@click.option("--amount", required=True, metavar="A", help="Yuan, e.g. 20000000 or 1234.56.")
@click.option("--on", "on_text", required=True, metavar="DATE", help="YYYY-MM-DD.")
@click.option("--voucher", required=True, metavar="V", help="The voucher number.")
@click.option("--bank", "bank_code", default=None, metavar="B", help="Only if it concerns one bank, e.g. ICBC-CZ.")
@click.option("--district", "district_code", default=None, metavar="D", help="Only if it concerns one district.")
@click.option("--kind", type=click.Choice([k.value for k in MANUAL_MOVEMENT_KINDS]), default="deposit",
              show_default=True)
@LANG
def deposit_command(amount, on_text, voucher, bank_code, district_code, kind, lang):
    """Record a deposit (or a withdrawal or interest) of the fund."""
    from ..core.money import parse_positive_amount
    from .movements import enter_movement

    try:
        value = parse_positive_amount(amount.strip())
    except ValueError:
        raise click.ClickException(f"--amount must be a positive amount in yuan, not {amount!r}") from None
    on = _date("--on", on_text)
    try:
        with _in(lang):
            movement, added = enter_movement(kind, value, on, voucher, bank_code, district_code, source="cli")
    except Refused as exc:
        raise click.ClickException(str(exc)) from None
    if added:
        click.echo(f"recorded {kind} of {value} on {on} (voucher {movement.voucher_no}, movement #{movement.id})")
    else:
        click.echo(f"voucher {movement.voucher_no} is already recorded with these values; nothing changed")


@fund_cli.command("import")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@LANG
def import_command(path, lang):
    """Load fund movements from a CSV file; nothing is stored unless every row is valid."""
    from .movements import import_movements

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise click.ClickException(f"cannot read {path}: {exc.strerror or exc}") from None
    with _in(lang):
        result = import_movements(data, source="file")
    if result.problems:
        for problem in result.problems:
            click.echo(f"{path.name}: {problem}", err=True)
        raise click.ClickException(f"fund import refused ({len(result.problems)} problem(s)); nothing was stored")
    click.echo(f"{result.added} movement(s) added, {result.unchanged} already recorded")


@fund_cli.command("rates")
@click.option("--on", "on_text", default=None, metavar="DATE",
              help="The day to compute (default: the last day of last month).")
def rates_command(on_text):
    """Compute and store every bank's overdue and claims rates as at a day."""
    from ..core.fund import month_end_before
    from ..db import local_today
    from .rates import compute_bank_rates

    on = _date("--on", on_text) if on_text else month_end_before(local_today())
    run = compute_bank_rates(on)
    click.echo(f"rates as at {on}: {len(run.rates)} bank(s); warned {', '.join(run.warned) or 'none'}; "
               f"paused {', '.join(run.paused) or 'none'}; lifted {', '.join(run.lifted) or 'none'}")
