"""CLI of the registry rosters (SPEC §15).

``flask --app wsgi rosters import --kind KEY_GROUP FILE`` — all-or-nothing; a refused
file exits 1 with one line (its first problem and how many there are).
``flask --app wsgi rosters check ID_NUMBER NAME [--on DATE]`` — the kinds found, as JSON.
"""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click
from flask import current_app
from flask_babel import force_locale

from ..unit_of_work import UnitOfWorkGroup
from .parsing import KINDS

rosters_cli = UnitOfWorkGroup("rosters", help="Registry rosters of other government systems (SPEC §15).")


@rosters_cli.command("import")
@click.option("--kind", "kind", required=True, type=click.Choice(KINDS), help="The key group of the roster.")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def import_command(kind, path):
    """Replace the roster of KIND with FILE (CSV, UTF-8 or GB18030). Nothing is stored
    unless every row is valid."""
    from .parsing import RosterRefused, problem_text
    from .services import import_roster

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise click.ClickException(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        batch = import_roster(kind, path.name, data)
    except RosterRefused as exc:
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            first = problem_text(exc.problems[0])
        more = f" (and {len(exc.problems) - 1} more problem(s))" if len(exc.problems) > 1 else ""
        raise click.ClickException(f"roster refused, nothing stored: {first}{more}") from None
    click.echo(f"roster {kind}: {batch.row_count} entries imported from {batch.file_name} (import #{batch.id})")


@rosters_cli.command("check")
@click.argument("id_number")
@click.argument("name")
@click.option("--on", "on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The day to check (default: today).")
def check_command(id_number, name, on):
    """The rosters that hold ID_NUMBER with NAME on the day (as JSON)."""
    from ..core import resident_id
    from ..db import local_today
    from ..personal_data import vault
    from .queries import roster_hits

    day: date = on.date() if on else local_today()
    number = resident_id.normalize(id_number)
    try:
        resident_id.validate(number, local_today())
    except resident_id.InvalidResidentId as exc:
        raise click.ClickException(f"invalid resident ID ({exc.reason})") from None
    hits = roster_hits(vault().lookup_hash(number), name, day)
    click.echo(json.dumps({"kinds": [{"kind": h.kind, "as_of": h.as_of.isoformat(),
                                      "valid_until": h.valid_until.isoformat()} for h in hits]},
                          ensure_ascii=False))
