"""CLI commands of the reports module (SPEC §10).

``flask report summary --from DATE --to DATE [--district CODE] --format json|text
[--lang en|zh]``. JSON keys: ``from``, ``to``, ``district`` (code or null), the figures of
``core.statistics.Figures.as_json`` — ``loans_issued``, ``people_supported``,
``enterprises_supported``, ``jobs_declared``, ``jobs_verified`` (ints); ``amount_issued``,
``subsidy_paid``, ``outstanding_balance``, ``overdue_balance`` (yuan strings with two
decimals); ``overdue_rate`` (percent string with two decimals, or null) — then
``summary`` (the sentence in ``--lang``) and ``by_district`` (a list of
``{"district_code", …the same figures}``). The guarantee fund's figures (SPEC §13),
city-wide whatever the district: ``fund_balance``, ``guaranteed_outstanding`` (yuan strings,
as at the range's last day), ``leverage`` and ``leverage_limit`` (two-decimal strings;
leverage null without a positive balance), ``repayment_rate_at_maturity`` (of the year
before the last day's, percent string with two decimals, or null), ``claims_paid``,
``recoveries``, ``write_offs`` (yuan strings, over the range). Text: the summary sentence alone.
"""
from __future__ import annotations

import json
import re
from datetime import date

import click

from ..unit_of_work import UnitOfWorkGroup

report_cli = UnitOfWorkGroup("report", help="Programme statistics (SPEC §8).")


def _date(option: str, text: str) -> date:
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise click.ClickException(f"{option} must be a date like 2021-06-30, not {text!r}") from None


@report_cli.command("summary")
@click.option("--from", "date_from", required=True, metavar="DATE", help="First day, YYYY-MM-DD.")
@click.option("--to", "date_to", required=True, metavar="DATE", help="Last day, YYYY-MM-DD (inclusive).")
@click.option("--district", "district_code", default="", metavar="CODE", help="Only this district, e.g. 431002.")
@click.option("--format", "output_format", type=click.Choice(["json", "text"]), default="text", show_default=True)
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
              help="Language of the summary sentence.")
def summary_command(date_from, date_to, district_code, output_format, lang):
    """Loans issued, people supported, jobs, subsidy paid, balances for a date range."""
    from .queries import ReportFilters, districts, fund_figures, programme_report

    start, end = _date("--from", date_from), _date("--to", date_to)
    if end < start:
        raise click.ClickException(f"--from {start} is after --to {end}")
    if district_code and not districts(district_code):
        raise click.ClickException(f"unknown district: {district_code}")
    report = programme_report(ReportFilters(start=start, end=end, district=district_code))
    if output_format == "text":
        click.echo(report.summary(lang))
        return
    fund = fund_figures(report.filters)
    data = {"from": start.isoformat(), "to": end.isoformat(), "district": district_code or None,
            **report.total.as_json(), **fund.as_json(), "summary": report.summary(lang),
            "by_district": [{"district_code": d.code, **figures.as_json()} for d, figures in report.by_district]}
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))



@report_cli.command("rebuild-rollups")
def rebuild_rollups_command():
    """Compute the monthly rollups of the reports and the fund page again from every loan
    and event (they are kept up to date as events are written; this is for repairs)."""
    from ..db import db
    from ..servicing.rollups import rebuild

    rows = rebuild(db.session.connection())
    click.echo(f"monthly rollups rebuilt: {rows} rows")
