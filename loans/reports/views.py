"""Programme statistics (SPEC §8): loans issued, people supported, jobs, subsidy paid."""
from __future__ import annotations

import io
from datetime import date

from flask import Blueprint, abort, render_template, request, send_file
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from ..access import ADMIN, AUDITOR, FINANCE, OFFICER, SUPERVISOR, allow
from ..core.money import format_yuan
from ..db import local_today
from ..i18n import current_lang
from ..policy.queries import bank_choices, district_choices, key_group_choices
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
    period_chart = charts.column_chart([(key, loans, f"{loans:,}") for key, loans, _amount in periods])
    district_chart = charts.bar_chart([(d.label(lang), f.amount_issued, format_yuan(f.amount_issued))
                                       for d, f in report.by_district])
    return render_template("reports/index.html", form=form, report=report, summary=report.summary(lang),
                           periods=periods, unit=unit, period_chart=period_chart, district_chart=district_chart,
                           args=_query_args(filters), lang=lang)


def _export(kind: str):
    form, filters = _form()
    if filters is None:
        abort(400)
    lang = current_lang()
    report = queries.programme_report(filters)
    name = f"report-{filters.start.isoformat()}-{filters.end.isoformat()}"
    if kind == "csv":
        data, mimetype = exports.to_csv(report, lang), "text/csv; charset=utf-8"
    else:
        data, mimetype = exports.to_xlsx(report, lang), \
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=f"{name}.{kind}",
                     max_age=0)


@bp.get("/export.csv")
@allow(*REPORT_ROLES)
def export_csv():
    return _export("csv")


@bp.get("/export.xlsx")
@allow(*REPORT_ROLES)
def export_xlsx():
    return _export("xlsx")
