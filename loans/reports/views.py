"""Programme statistics (SPEC §8): loans issued, people supported, jobs, subsidy paid."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from .. import spreadsheets
from ..access import ADMIN, AUDITOR, FINANCE, OFFICER, SUPERVISOR, allow
from ..core.dates import quarter_name_lines
from ..core.fund import percent, show_ratio
from ..core.money import format_yuan
from ..db import local_today
from ..fund import queries as fund_queries
from ..i18n import current_lang, period_name, prose_date, summary_yuan
from ..policy.queries import bank_choices, district_choices, key_group_choices
from ..subsidy.charts import bar_chart
from . import charts, exports, queries
from .forms import ReportForm

bp = Blueprint("reports", __name__, url_prefix="/reports")

REPORT_ROLES = (SUPERVISOR, FINANCE, ADMIN, AUDITOR, OFFICER)


def _form() -> tuple[ReportForm, queries.ReportFilters | None]:
    """The form from the query string (defaults: this year to date, by month) and, when it
    is valid, the filters — narrowed to the user's district for district-bound staff."""
    lang = current_lang()
    today = local_today()
    args = MultiDict(request.args)
    for key, value in (("from", date(today.year, 1, 1).isoformat()), ("to", today.isoformat()),
                       ("period", "month")):
        if not args.get(key):
            args[key] = value
    own_district = queries.own_district(current_user)
    if own_district:
        args["district"] = own_district  # another district's figures are not theirs to see
    form = ReportForm(args)
    form.district.choices = district_choices(lang, blank=None if own_district else _("All districts"), only=own_district)
    form.key_group.choices = key_group_choices(lang, blank=_("All"))
    form.bank.choices = bank_choices(lang, blank=_("All"))
    if not form.validate():
        return form, None
    filters = queries.ReportFilters(start=form.date_from.data, end=form.date_to.data, district=form.district.data or "",
                                    key_group=form.key_group.data or "", bank=form.bank.data or "",
                                    loan_type=form.loan_type.data or "")
    return form, queries.scoped(filters, current_user)


def _query_args(filters: queries.ReportFilters) -> dict:
    """The report's range and filters as query arguments, for the export links."""
    args = {"from": filters.start.isoformat(), "to": filters.end.isoformat(), "district": filters.district,
            "key_group": filters.key_group, "bank": filters.bank, "loan_type": filters.loan_type}
    return {key: value for key, value in args.items() if value}


def _tick_yuan(amount: Decimal) -> str:
    """A value-axis tick: 万元 / 亿元 in Chinese, whole yuan without ".00" in English; 0 bare."""
    if not amount:
        return "0"
    return summary_yuan(amount) if current_lang() == "zh" else format_yuan(amount).removesuffix(".00")


@bp.get("/")
@allow(*REPORT_ROLES)
def index():
    form, filters = _form()
    if filters is None:
        return render_template("reports/index.html", form=form, report=None)
    lang = current_lang()
    report = queries.programme_report(filters)
    unit = form.period.data or "month"
    periods = report.by_period(unit)
    period_chart = charts.column_chart([(period_name(key), amount, summary_yuan(amount), quarter_name_lines(key, lang))
                                        for key, _loans, amount in periods], _tick_yuan)
    district_chart = bar_chart([(d.label(lang), f.amount_issued, summary_yuan(f.amount_issued))
                                for d, f in report.by_district])
    fund = queries.fund_figures(filters, rates=True)
    return render_template("reports/index.html", form=form, report=report, summary=report.summary(lang),
                           periods=periods, unit=unit, period_chart=period_chart, district_chart=district_chart,
                           args=_query_args(filters), lang=lang, fund=fund, fund_rows=_fund_rows(fund, filters),
                           fund_ratio=lambda value: "—" if value is None else f"{show_ratio(value)}×",
                           fund_percent=_percent)


def _fund_rows(fund: queries.FundFigures, filters: queries.ReportFilters) -> dict:
    """Per bank and per district (the report's district only, for district-bound staff):
    (code, name, None, outstanding, overdue rate, claims rate, None) as people read them
    (``templates/fund/_figures.html`` ``rates_table``)."""
    lang = current_lang()

    def rows(figures: dict, names: list) -> list:
        result = []
        for code, name in names:
            rates = figures.get(code, fund_queries.RateFigures()).rates()
            result.append((code, name, None, figures.get(code, fund_queries.RateFigures()).outstanding_principal,
                           _percent(rates.overdue_rate), _percent(rates.claims_rate), None))
        return result

    return {"bank": rows(fund.by_bank, bank_choices(lang)),
            "district": rows(fund.by_district, [(d.code, d.label(lang)) for d in queries.districts(filters.district)])}


def _percent(rate) -> str:
    return "—" if rate is None else f"{show_ratio(percent(rate))} %"


def _export(kind: str):
    """The fixed-column files (CSV, XLSX) and the tables for people (``table.csv``,
    ``table.xlsx``), for the same range and filters as the page."""
    form, filters = _form()
    if filters is None:
        abort(400)
    lang = current_lang()
    report = queries.programme_report(filters)
    name = f"report-{filters.start.isoformat()}-{filters.end.isoformat()}"
    if kind == "csv":
        return spreadsheets.download(exports.to_csv(report, lang), f"{name}.csv")
    if kind == "xlsx":
        return spreadsheets.download(exports.to_xlsx(report, lang), f"{name}.xlsx")
    columns, rows, total = exports.people_table(report, lang)
    if kind == "table.csv":
        return spreadsheets.download(spreadsheets.people_csv(columns, rows, total), f"{name}-table.csv")
    return spreadsheets.download(spreadsheets.people_xlsx(_people_title(form, filters), _("By district"), columns,
                                                          rows, total), f"{name}-table.xlsx")


def _people_title(form: ReportForm, filters: queries.ReportFilters) -> str:
    """The range in prose and every filter in force, by name: "项目统计：2021年1月1日至2021年6月30日 · 银行：…"."""
    parts = [_("Programme statistics, %(start)s to %(end)s", start=prose_date(filters.start),
               end=prose_date(filters.end))]
    for field, value in ((form.district, filters.district), (form.key_group, filters.key_group),
                         (form.bank, filters.bank), (form.loan_type, filters.loan_type)):
        if value:
            label = dict(field.choices).get(value, value)
            parts.append(_("%(name)s: %(value)s", name=field.label.text, value=label))
    return " · ".join(parts)


@bp.get("/export.csv")
@allow(*REPORT_ROLES)
def export_csv():
    return _export("csv")


@bp.get("/export.xlsx")
@allow(*REPORT_ROLES)
def export_xlsx():
    return _export("xlsx")


@bp.get("/table.csv")
@allow(*REPORT_ROLES)
def table_csv():
    return _export("table.csv")


@bp.get("/table.xlsx")
@allow(*REPORT_ROLES)
def table_xlsx():
    return _export("table.xlsx")
