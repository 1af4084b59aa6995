"""``flask --app wsgi search reindex``: rebuild the search tokens from the rows."""
from __future__ import annotations

import click

from ..unit_of_work import UnitOfWorkGroup

search_cli = UnitOfWorkGroup("search", help="Name search (token table).")


@search_cli.command("reindex")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(["application", "loan"]),
              help="Only this kind of row (repeatable); default: all.")
def reindex_command(kinds):
    """Delete and rebuild the search tokens of every application and loan."""
    from .index import SOURCES, reindex

    for kind, count in reindex(kinds or tuple(SOURCES)).items():
        click.echo(f"search tokens rebuilt: {count} {kind} row(s)")
