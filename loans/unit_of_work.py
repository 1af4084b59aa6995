"""One unit of work per request, CLI command and background job (indico's ``RH.process``).

The work runs; if it raises, everything it changed is rolled back; otherwise it is
committed once, at the end. This module is the only place that commits (a test reads the
code to keep it so). Views, services and commands never commit: services flush and raise
``Refused`` when the rules say no.

A GET changes no business state; it may append audit and access records (a reveal, a
sensitive document viewed), which commit with it.
"""
from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.engine import Connection

from .db import db


def finish() -> None:
    """Commit the unit of work (the one commit site of the app)."""
    db.session.commit()


def abandon() -> None:
    db.session.rollback()


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Commit what the block did, or roll it all back if it (or the commit) raised (CLI,
    jobs, start-up)."""
    try:
        yield
        finish()
    except BaseException:
        abandon()
        raise


@contextmanager
def beside_the_unit_of_work() -> Iterator[Connection]:
    """A separate, short unit of work on its own connection, committed when the block ends:
    what a long run reports (its progress) while its own transaction is still open and
    shows nothing to others. Keep it to plain statements on the connection."""
    with db.engine.begin() as connection:
        yield connection


class UnitOfWorkFlask(Flask):
    """Flask whose every view runs as one unit of work: committed when the view returns,
    rolled back when it raises (the error handlers then answer; teardown discards the
    session). A commit that fails (a concurrent change caught by the database) raises here,
    inside the request, so the same handlers answer it."""

    def dispatch_request(self):
        response = super().dispatch_request()
        finish()
        return response


def in_unit_of_work(f):
    """Decorate a command (or job) function to run as one unit of work."""
    @functools.wraps(f)
    def run(*args, **kwargs):
        with unit_of_work():
            return f(*args, **kwargs)

    return run


class UnitOfWorkGroup(AppGroup):
    """A CLI group whose commands each run as one unit of work (``flask --app wsgi …``).

    The one way to register commands: each package's ``cli.py`` defines its group with
    this class and ``loans/cli.py`` adds them to the app."""

    def command(self, *args, **kwargs):
        decorate = super().command(*args, **kwargs)
        return lambda f: decorate(in_unit_of_work(f))


def unit_of_work_command(*args, **kwargs):
    """A top-level ``flask`` command (not in a group) that runs as one unit of work."""
    return lambda f: click.command(*args, **kwargs)(with_appcontext(in_unit_of_work(f)))
