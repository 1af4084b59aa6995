"""The guarantee fund's pages (SPEC §13): the fund page for finance, supervisors (any
scope), admin and auditors — headline figures as at a day, monthly trends, per-bank and
per-district rates, open pauses (a city-wide supervisor lifts one with a reason), recent
movements; the movements page (finance enters a movement or imports a file); and a bank
clerk's own rates and pause state."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..access import ADMIN, AUDITOR, BANK, FINANCE, SUPERVISOR, allow
from ..core import fund as rules
from ..core.money import format_yuan, parse_amount, to_fen
from ..db import db, local_today, paginate
from ..errors import on_refusal
from ..i18n import current_lang, summary_yuan
from .. import labels
from ..labels import FUND_MOVEMENT_KIND, label
from ..policy.queries import bank_choices, banks, district_choices, districts
from . import forms, movements, queries
from .charts import month_chart
from .rates import lift_pause, plain
from .models import BankPause, BankRate, FundMovement

bp = Blueprint("fund", __name__, url_prefix="/fund")


@bp.context_processor
def movement_words() -> dict:
    return {"kind_label": lambda kind: label(FUND_MOVEMENT_KIND, kind),
            # the lead's labels.FUND_REFUSAL (the approval check's refusals), read when shown
            "refusal_labels": lambda codes: [label(getattr(labels, "FUND_REFUSAL", {}), code)
                                             for code in (codes or "").split(",") if code],
            "signed": lambda movement: rules.signed(movement.kind, movement.amount)}

FUND_READERS = (FINANCE, SUPERVISOR, ADMIN, AUDITOR)
TREND_MONTHS = 12


def is_city_wide_supervisor(user) -> bool:
    return user.role == SUPERVISOR and not user.district_code


def _as_of() -> tuple[forms.AsOfForm, date]:
    form = forms.AsOfForm(request.args)
    today = local_today()
    if form.validate() and form.on.data:
        return form, form.on.data
    if not request.args.get("on"):
        form.on.data = today
    return form, today


def percent_text(rate: Decimal | None) -> str:
    """A rate as a percentage with two decimals ("4.97 %"), "—" with no rate."""
    return "—" if rate is None else f"{rules.show_ratio(rules.percent(rate))} %"


def times_text(value: Decimal | None) -> str:
    return "—" if value is None else f"{rules.show_ratio(value)}×"


def _month_axis(point) -> tuple[str, ...]:
    """Under a month's column: the month, and the year below it."""
    return (f"{point.month}月" if current_lang() == "zh" else f"{point.month:02d}", str(point.year))


def _money_tick(units: int) -> str:
    amount = Decimal(units) / 100
    if not amount:
        return "0"
    return summary_yuan(amount) if current_lang() == "zh" else format_yuan(amount).removesuffix(".00")


def _charts(points) -> list[tuple[str, str, object]]:
    """(id, title, chart) for the trends: balance, guaranteed outstanding, leverage, claims paid."""
    def money(attribute):
        return month_chart([(f"{p.year}-{p.month:02d}", _month_axis(p), to_fen(getattr(p, attribute)),
                             summary_yuan(getattr(p, attribute))) for p in points], _money_tick)

    leverage = month_chart([(f"{p.year}-{p.month:02d}", _month_axis(p),
                             int((p.leverage or 0) * 100), times_text(p.leverage)) for p in points],
                           lambda units: rules.show_ratio(Decimal(units) / 100))
    return [("chart-balance", _("Fund balance at each month-end"), money("balance")),
            ("chart-outstanding", _("Guaranteed outstanding at each month-end"), money("guaranteed_outstanding")),
            ("chart-leverage", _("Leverage at each month-end"), leverage),
            ("chart-claims", _("Claims paid each month"), money("claims_paid"))]


def _index_page(lift_form: forms.LiftForm | None = None, status: int = 200):
    form, on = _as_of()
    overview = queries.overview(on)
    start = date(on.year - 1, on.month, 1) if on.month < 12 else date(on.year, 1, 1)
    points = queries.monthly_series(max(start, date(2000, 1, 1)), on)
    pauses = {p.bank_code: p for p in queries.open_pauses()}
    bank_rows = []
    for bank in banks():
        figures = overview.by_bank.get(bank.code, queries.RateFigures())
        bank_rows.append((bank, figures, figures.rates(overview.params), overview.bank_balances.get(bank.code),
                          pauses.get(bank.code)))
    district_rows = []
    for district in districts():
        figures = overview.by_district.get(district.code, queries.RateFigures())
        district_rows.append((district, figures, figures.rates(overview.params),
                              overview.district_balances.get(district.code)))
    return render_template(
        "fund/index.html", form=form, on=on, overview=overview, position=overview.position, charts=_charts(points),
        points=points, bank_rows=bank_rows, district_rows=district_rows, pauses=list(pauses.values()),
        movements=queries.recent_movements(10, on), overrides=queries.recent_overrides(), can_lift=is_city_wide_supervisor(current_user),
        lift_form=lift_form or forms.LiftForm(), lifting=getattr(lift_form, "pause_id", None), percent=percent_text,
        times=times_text, plain=plain), status


@bp.get("/")
@allow(*FUND_READERS)
def index():
    return _index_page()


@bp.post("/pauses/<int:pause_id>/lift")
@allow(SUPERVISOR)
def lift(pause_id: int):
    pause = db.session.get(BankPause, pause_id)
    if pause is None:
        abort(404)
    form = forms.LiftForm()
    form.pause_id = pause_id
    if not form.validate_on_submit():
        return _index_page(form, 400)
    on_refusal(lambda: _index_page(form), form)
    lift_pause(pause, on=local_today(), actor=current_user, reason=form.reason.data,
               lock_version=int(form.lock_version.data))
    flash(_("The pause is lifted: approvals naming this bank are no longer refused for it."), "success")
    return redirect(url_for("fund.index"))


# --- movements ---------------------------------------------------------------------------------

def _movement_form(form: forms.MovementForm | None = None) -> forms.MovementForm:
    form = form or forms.MovementForm()
    lang = current_lang()
    form.bank.choices = bank_choices(lang, blank=_("None"))
    form.district.choices = district_choices(lang, blank=_("None"))
    if form.moved_on.data is None and request.method == "GET":
        form.moved_on.data = local_today()
    return form


def _movements_page(movement_form=None, import_form=None, problems=(), status: int = 200):
    query = select(FundMovement).order_by(FundMovement.moved_on.desc(), FundMovement.id.desc())
    rows = paginate(query, request.args.get("page", 1, type=int), 50)
    return render_template("fund/movements.html", movement_form=_movement_form(movement_form),
                           import_form=import_form or forms.ImportForm(), problems=problems, rows=rows,
                           can_enter=current_user.role == FINANCE), status


@bp.get("/movements")
@allow(*FUND_READERS)
def movements_page():
    return _movements_page()


@bp.post("/movements")
@allow(FINANCE)
def enter_movement():
    form = _movement_form(forms.MovementForm())
    if not form.validate_on_submit():
        return _movements_page(movement_form=form, status=400)
    on_refusal(lambda: _movements_page(movement_form=form), form)
    movement, added = movements.enter_movement(
        form.kind.data, parse_amount(form.amount.data), form.moved_on.data, form.voucher.data, form.bank.data or None,
        form.district.data or None, actor=current_user, source="page")
    if added:
        flash(_("Recorded: %(kind)s of %(amount)s on %(on)s.", kind=label(FUND_MOVEMENT_KIND, movement.kind),
                amount=format_yuan(movement.amount), on=movement.moved_on.isoformat()), "success")
    else:
        flash(_("Voucher %(voucher)s is already recorded with these values; nothing changed.",
                voucher=movement.voucher_no), "info")
    return redirect(url_for("fund.movements_page"))


@bp.post("/movements/import")
@allow(FINANCE)
def import_movements():
    form = forms.ImportForm()
    if not form.validate_on_submit():
        return _movements_page(import_form=form, status=400)
    result = movements.import_movements(form.file.data.read(), actor=current_user, source="file")
    if result.problems:
        return _movements_page(import_form=form, problems=result.problems, status=400)
    flash(_("%(added)s movement(s) added, %(unchanged)s already recorded.", added=result.added,
            unchanged=result.unchanged), "success")
    return redirect(url_for("fund.movements_page"))


# --- a bank's own rates ------------------------------------------------------------------------

@bp.get("/bank")
@allow(BANK)
def bank_page():
    code = current_user.bank_code
    history = list(db.session.scalars(select(BankRate).where(BankRate.bank_code == code)
                                      .order_by(BankRate.as_of.desc()).limit(24)))
    pauses = list(db.session.scalars(select(BankPause).where(BankPause.bank_code == code)
                                     .order_by(BankPause.paused_on.desc(), BankPause.id.desc()).limit(10)))
    open_pause = next((p for p in pauses if p.lifted_on is None), None)
    return render_template("fund/bank.html", history=history, pauses=pauses, open_pause=open_pause,
                           params=queries.fund_params(local_today()), percent=percent_text, plain=plain)

