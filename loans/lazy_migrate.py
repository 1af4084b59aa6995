"""Flask-Migrate, loaded when something migrates.

Flask-Migrate imports Alembic and its dialect modules (~0.8 s on a slow machine) — for the
``flask db`` commands and ``flask_migrate.upgrade()`` only. A web worker, the job worker and
every other command never migrate, so ``create_app`` registers two stand-ins instead: the
``db`` command group, whose subcommands are Flask-Migrate's, and
``app.extensions["migrate"]``, which becomes Flask-Migrate's own the first time it is read.
"""
from __future__ import annotations

import click


class LazyMigrate:
    """``app.extensions["migrate"]`` until first used."""

    def __init__(self, app, db, directory: str):
        self._app, self._db, self._directory = app, db, directory
        app.extensions["migrate"] = self
        app.cli.add_command(_DbGroup(self), name="db")

    def load(self):
        """Flask-Migrate's own configuration, set up the first time (it replaces both stand-ins)."""
        if self._app.extensions.get("migrate") is self:
            from flask_migrate import Migrate

            Migrate(self._app, self._db, directory=self._directory)
        return self._app.extensions["migrate"]

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.load(), name)


def _remember_options(directory, x_arg):
    """As Flask-Migrate's group does: its commands read these from ``g``."""
    from flask import g

    g.directory = directory
    g.x_arg = x_arg


class _DbGroup(click.Group):
    """``flask db …``: Flask-Migrate's group (its options, then its commands, imported when used)."""

    def __init__(self, lazy: LazyMigrate):
        from flask.cli import with_appcontext

        super().__init__(name="db", help="Perform database migrations.", callback=with_appcontext(_remember_options),
                         params=[click.Option(["-d", "--directory"], default=None,
                                              help='Migration script directory (default is "migrations")'),
                                 click.Option(["-x", "--x-arg"], multiple=True,
                                              help="Additional arguments consumed by custom env.py scripts")])
        self._lazy = lazy

    def _group(self) -> click.Group:
        from flask_migrate.cli import db as group

        self._lazy.load()
        return group

    def list_commands(self, ctx):
        return self._group().list_commands(ctx)

    def get_command(self, ctx, cmd_name):
        return self._group().get_command(ctx, cmd_name)
