"""CLI commands of the ledger module (SPEC §10).

``flask --app wsgi ledger import PATH…`` — all-or-nothing; refused rows are printed one per
line (file, row, column, reason) and the command exits 1, never with a traceback. The run
keeps its own record (``runner``): a refused run is stored as ``failed`` with its problems.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask_babel import force_locale

from ..unit_of_work import UnitOfWorkGroup

ledger_cli = UnitOfWorkGroup("ledger", help="The bureau's existing loan ledger (台账).")


class _Bars:
    """One click progress bar per phase (checking, then writing), on stderr."""

    def __init__(self):
        self.bar = None
        self.phase = None
        self.shown = 0

    def __call__(self, phase: str, done: int, total: int) -> None:
        if phase != self.phase:
            self.close()
            label = "checking rows" if phase == "check" else "writing rows"
            self.bar = click.progressbar(length=max(total, 1), label=label, file=sys.stderr)
            self.bar.__enter__()
            self.phase, self.shown = phase, 0
        if done > self.shown:
            self.bar.update(done - self.shown)
            self.shown = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@ledger_cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
              help="Language of the messages (default: the app's default language).")
def import_command(paths, lang):
    """Import loans.csv / events.csv files (recognised by their header row) or one XLSX
    workbook with sheets loans and events. Nothing is stored unless every row is valid."""
    from . import runner
    from .messages import problem_text
    from .parsing import SourceFile

    sources = []
    for path in paths:
        try:
            with path.open("rb"):  # readable: it is read a piece at a time as the run goes
                sources.append(SourceFile(path.name, path=path))
        except OSError as exc:
            raise click.ClickException(f"cannot read {path}: {exc.strerror or exc}") from None
    batch_id = runner.start(sources)
    bars = _Bars()
    try:
        result, problems = runner.execute(batch_id, sources, progress=bars)
    finally:
        bars.close()
    if problems:
        with force_locale(lang or current_app.config["BABEL_DEFAULT_LOCALE"]):
            for problem in problems:
                click.echo(problem_text(problem), err=True)
        shown = sum(1 for p in problems if p["code"] != "too_many")
        raise click.ClickException(f"ledger import refused ({shown} problem(s) shown); nothing was stored "
                                   f"(import #{batch_id})")
    click.echo(f"import #{batch_id}: {result.loans_added} loan(s) added, {result.loans_unchanged} unchanged; "
               f"{result.events_added} event(s) added, {result.events_unchanged} unchanged")

