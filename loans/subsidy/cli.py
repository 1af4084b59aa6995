"""CLI commands of the subsidy module (SPEC §10): ``subsidy compute PERIOD`` and
``subsidy export PERIOD [--adjustments] --format csv|xlsx --output FILE``. Bad input exits non-zero with
one line, never a traceback."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import Refused
from ..unit_of_work import UnitOfWorkGroup

subsidy_cli = UnitOfWorkGroup("subsidy", help="Quarterly interest-subsidy statements.")


@subsidy_cli.command("compute")
@click.argument("period")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Run as of this date (YYYY-MM-DD); default today (Beijing time).")
def compute_command(period, today):
    """Compute PERIOD, such as 2021Q3: one statement per bank.

    Drafts are recomputed; reviewed, approved and paid statements are left as they are
    and listed as skipped."""
    from ..db import local_today
    from . import services

    on = today.date() if today else local_today()
    if on > local_today():
        # A later "today" would compute a period that has not ended yet (SPEC §7).
        raise click.ClickException(f"--today {on} is after today ({local_today()}); a period is computed "
                                   "only after its last day")
    try:
        code, _, _ = services.computable_period(period, on)  # refused before counting the loans
        total = services.count_candidate_loans(code)
        with click.progressbar(length=total, label=f"{code}: loans", file=sys.stderr) as bar:
            result = services.compute_period_subsidy(code, None, today=on, progress=bar.update)
    except Refused as exc:  # ConcurrentChange too
        raise click.ClickException(str(exc)) from None
    click.echo(f"{result.period} ({result.start} – {result.end}): {result.loans_considered} loan(s) considered")
    if result.latest_lpr_published_on:
        click.echo(f"  LPR₀ of the loans: fixings published up to {result.latest_lpr_published_on}")
    for bank in result.banks:
        if bank.computed:
            adjusted = (f"  {bank.adjustment_count} adjustment(s) {bank.adjustments_total:.2f}"
                        if bank.adjustment_count else "")
            click.echo(f"  {bank.bank_code:<10} v{bank.version} draft   {bank.line_count:>7} line(s)  "
                       f"total {bank.total:.2f}{adjusted}")
    for bank in result.skipped:
        click.echo(f"  {bank.bank_code:<10} v{bank.version} {bank.status:<8}  skipped (frozen; reopen it to "
                   f"recompute)  total {bank.total:.2f}")
    if result.no_policy:
        click.echo(f"  no policy version in force for {len(result.no_policy)} loan(s), left out: "
                   + ", ".join(result.no_policy[:20]), err=True)


@subsidy_cli.command("export")
@click.argument("period")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), required=True)
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="File to write.")
@click.option("--adjustments", is_flag=True,
              help="Write the adjustments for earlier periods the statements carry (SPEC §13), not the lines.")
def export_command(period, fmt, output: Path, adjustments: bool):
    """Write the subsidy export of PERIOD (SPEC §10): every bank's current statement."""
    from . import exports, services
    from .exports import NeverComputed

    writers = {(False, "csv"): exports.csv_bytes, (False, "xlsx"): exports.xlsx_bytes,
               (True, "csv"): exports.adjustments_csv_bytes, (True, "xlsx"): exports.adjustments_xlsx_bytes}
    write, count = writers[adjustments, fmt], exports.adjustment_rows if adjustments else exports.export_rows
    try:
        code, _, _ = services.period_dates(period)
        data = write(code)
    except (Refused, NeverComputed) as exc:
        raise click.ClickException(str(exc)) from None
    try:
        output.write_bytes(data)
    except OSError as exc:
        raise click.ClickException(f"cannot write {output}: {exc.strerror}") from None
    rows = len(count(code)) if fmt == "xlsx" else data.count(b"\r\n") - 1
    click.echo(f"{output}: {rows} row(s)")

