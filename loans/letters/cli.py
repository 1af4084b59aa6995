"""``flask letters print REF… --output DIR``: the stored PDFs, byte for byte."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

letters_cli = AppGroup("letters", help="Decision letters.")


@letters_cli.command("print")
@click.argument("references", nargs=-1, required=True)
@click.option("--output", "output", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory to write REF.pdf files into (created if missing).")
def print_letters_command(references, output: Path):
    """Write each letter's stored PDF as OUTPUT/REF.pdf, exactly as issued."""
    from . import queries, services

    letters = []
    for reference in references:
        letter = queries.letter_by_reference(reference)
        if letter is None:
            raise click.ClickException(f"unknown letter reference: {reference}")
        letters.append(letter)
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise click.ClickException(f"cannot create {output}: {exc.strerror}") from None
    for letter in letters:
        try:
            data = services.letter_pdf(letter)
        except services.LetterIntegrityError as exc:
            raise click.ClickException(str(exc)) from None
        path = output / f"{letter.reference}.pdf"
        path.write_bytes(data)
        click.echo(f"{path} sha256={letter.sha256}")


@letters_cli.command("prepare-font")
def prepare_font_command():
    """Build the small letter font once (a few seconds), so the first letter is not slow."""
    from flask import current_app

    from ..pdf import PdfRenderError, build_letter_font

    try:
        font = build_letter_font(Path(current_app.instance_path) / "fonts")
    except PdfRenderError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"letter font ready: {font.path}")
