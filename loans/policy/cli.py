"""CLI commands for reference data that runs out (SPEC §10).

``flask --app wsgi calendar import FILE`` — a holiday arrangement (CSV ``date,kind,name``),
all-or-nothing; refused rows are printed one per line (file, row, column, reason) and the
command exits 1, never with a traceback. ``calendar workdays --from --to`` counts.
"""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask_babel import force_locale

from ..db import local_today
from ..errors import Refused
from ..unit_of_work import UnitOfWorkGroup

calendar_cli = UnitOfWorkGroup("calendar", help="Public holidays and adjusted workdays (调休).")


def _date(ctx, param, value):
    from .calendar_file import FIRST_YEAR, LAST_YEAR, parse_date

    if value is None:
        return None
    try:
        return parse_date(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date YYYY-MM-DD from {FIRST_YEAR} to {LAST_YEAR}") from None


@calendar_cli.command("import")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
              help="Language of the messages (default: the app's default language).")
def import_command(path, lang):
    """Import a CSV with the header date,kind,name (kind: holiday or workday), UTF-8.
    Nothing is stored unless every row is valid; the same rows again change nothing."""
    from . import services
    from .calendar_file import CalendarFileRefused, read_calendar_csv

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise click.ClickException(f"cannot read {path}: {exc.strerror or exc}") from None
    with force_locale(lang or current_app.config["BABEL_DEFAULT_LOCALE"]):
        try:
            rows = read_calendar_csv(path.name, data)
            result = services.import_calendar_days(rows, actor=None, source=path.name)
        except CalendarFileRefused as exc:
            for problem in exc.problems:
                click.echo(problem.text(), err=True)
            raise click.ClickException(f"calendar import refused ({len(exc.problems)} problem(s) shown); "
                                       f"nothing was stored") from None
        except Refused as exc:
            raise click.ClickException(f"calendar import refused: {exc}; nothing was stored") from None
    years = ", ".join(str(y) for y in result.years)
    click.echo(f"{path.name}: {result.added} day(s) added, {result.changed} changed, {result.unchanged} unchanged "
               f"({years})")


@calendar_cli.command("workdays")
@click.option("--from", "first", required=True, callback=_date, help="First day (YYYY-MM-DD), included.")
@click.option("--to", "last", required=True, callback=_date, help="Last day (YYYY-MM-DD), included.")
def workdays_command(first, last):
    """Print the number of working days from --from to --to, both included."""
    from .queries import working_calendar

    if last < first:
        raise click.ClickException(f"--to {last} is before --from {first}")
    calendar = working_calendar()
    click.echo(calendar.working_days_from_to(first, last))
    missing = calendar.missing_years(first, last)
    if missing:
        click.echo(f"warning: no public holidays entered for {', '.join(map(str, missing))}; "
                   f"those days count Monday to Friday", err=True)


def log_reference_warnings(today=None) -> None:
    """For the daily jobs: what runs out, as warnings in the app's log (on stderr unless
    logging is configured otherwise; cron mails it)."""
    from .queries import reference_warnings

    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        for warning in reference_warnings(today or local_today()):
            current_app.logger.warning("%s", warning)

