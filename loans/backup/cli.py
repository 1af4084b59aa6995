"""`flask --app wsgi backup create|verify|restore` (SPEC §14): exit 0 with a summary, or 1
naming what is wrong, never with a traceback."""
from __future__ import annotations

from pathlib import Path

import click

from ..errors import Refused
from ..unit_of_work import UnitOfWorkGroup

backup_cli = UnitOfWorkGroup("backup", help="Backups of the database and the uploaded files.")


@backup_cli.command("create")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The archive to write (default: BACKUP_PATH/loans-<UTC time>.tar.gz; "
                   "gzip unless the name ends in .tar). Never inside the instance folder.")
def create_command(output):
    """Write one archive: the database, the uploaded files and a manifest. Keys are never in it."""
    from .services import BackupFailed, describe, make_backup

    try:
        path, manifest = make_backup(output)
    except (Refused, BackupFailed) as exc:
        raise click.ClickException(f"no backup written: {exc}") from None
    click.echo(f"backup written: {path} ({path.stat().st_size} bytes), {describe(manifest)}")


@backup_cli.command("verify")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def verify_command(path):
    """Check an archive: its manifest, and every member's SHA-256 against it."""
    from .services import describe, read_backup

    check = read_backup(path)
    if check.problems:
        for problem in check.problems:
            click.echo(problem, err=True)
        click.echo(f"backup {path} does not verify: {len(check.problems)} problem(s)", err=True)
        raise click.exceptions.Exit(1)
    click.echo(f"backup {path} verifies: {len(check.manifest['files'])} file(s) match their SHA-256; "
               f"{describe(check.manifest)}")


@backup_cli.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def restore_command(path):
    """Load an archive into this app's database, which must have no tables, and its upload
    folder, which must be empty or absent; then compare counts and sums with the manifest."""
    from .services import BackupFailed, describe, restore_backup

    try:
        restored = restore_backup(path)
    except (Refused, BackupFailed) as exc:
        raise click.ClickException(str(exc)) from None
    if restored.differences:
        for difference in restored.differences:
            click.echo(difference, err=True)
        click.echo(f"restored {path}, but it differs from its manifest: {len(restored.differences)} difference(s)",
                   err=True)
        raise click.exceptions.Exit(1)
    audit = restored.manifest["audit"]
    click.echo(f"restored {path}: every table's rows and sums and every file match the manifest; "
               f"{describe(restored.manifest)}")
    click.echo(f"next: flask --app wsgi audit verify --expect-head {audit['head']} --expect-count {audit['count']}")
