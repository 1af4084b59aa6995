"""Policy administration (SPEC §5): versions side by side, LPR fixings, key groups, and the
holiday calendar (admins only: a year at a glance, one day at a time or a CSV import).

Admins change; auditors read. Every change goes through ``services`` and is audited.
"""
from __future__ import annotations

import calendar as month_calendar
from datetime import date
from decimal import Decimal
from pathlib import PurePath

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from babel.dates import get_day_names, get_month_names
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..access import ADMIN, AUDITOR, allow, require_role
from ..core.money import format_yuan
from ..db import db, local_today
from ..labels import SUBSIDY_REGIME, label
from . import queries, services
from .calendar_file import FIRST_YEAR, LAST_YEAR, MAX_BYTES, CalendarFileRefused, read_calendar_csv
from .forms import (MONEY_PARAMS, PARAM_LABELS, CalendarDayForm, CalendarImportForm, KeyGroupForm, LprFixingForm,
                    NewKeyGroupForm, PolicyVersionForm)
from .models import KeyGroup, LprFixing, PolicyVersion
from ..errors import on_refusal

bp = Blueprint("policy", __name__, url_prefix="/admin/policy")


def _version_or_404(code: str) -> PolicyVersion:
    version = db.session.scalar(select(PolicyVersion).where(PolicyVersion.code == code))
    if version is None:
        abort(404)
    return version


def _version_values(form: PolicyVersionForm) -> dict:
    return {name: form.data[name] for name in ("code", "effective_from", *services.PARAM_FIELDS)}


def _version_data(version: PolicyVersion) -> dict:
    return {name: getattr(version, name) for name in ("code", "effective_from", *services.PARAM_FIELDS)}


def _cell(name: str, value) -> str:
    if name in ("regime_individual", "regime_enterprise"):
        return label(SUBSIDY_REGIME, value)
    if name in MONEY_PARAMS:
        return format_yuan(value)
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _version_form_page(form, version=None, used=False):
    return render_template("policy/version_form.html", form=form, version=version, used=used), \
        400 if form.errors else 200


@bp.get("/versions")
@allow(ADMIN, AUDITOR)
def versions():
    """Parameters as rows, versions as columns."""
    all_versions = services.versions()
    usage = services.usage_counts()
    rows = [(str(PARAM_LABELS[name]), [_cell(name, getattr(v, name)) for v in all_versions])
            for name in ("effective_from", *services.PARAM_FIELDS)]
    rows.append((_("Cases evaluated under it"), [str(usage.get(v.code, 0)) for v in all_versions]))
    return render_template("policy/versions.html", versions=all_versions, rows=rows,
                           can_edit=current_user.role == ADMIN)


@bp.route("/versions/new", methods=["GET", "POST"])
@allow(ADMIN)
def new_version():
    if request.method == "POST":
        form = PolicyVersionForm()
    else:
        template = services.versions()[-1:] if not request.args.get("from") else [
            _version_or_404(request.args["from"])]
        form = PolicyVersionForm(data={**_version_data(template[0]), "code": "", "effective_from": None}
                                 if template else None)
    if form.validate_on_submit():
        on_refusal(lambda: _version_form_page(form), form)
        version = services.add_version(_version_values(form), actor=current_user)
        flash(_("Policy version %(code)s added.", code=version.code), "success")
        return redirect(url_for(".versions"))
    return _version_form_page(form)


@bp.route("/versions/<code>/edit", methods=["GET", "POST"])
@allow(ADMIN)
def edit_version(code: str):
    version = _version_or_404(code)
    used = services.is_used(version)
    if request.method == "POST":
        form = PolicyVersionForm()
    else:
        data = _version_data(version)
        if used:
            data.update(code=services.suggest_code(version.code), effective_from=None)
        form = PolicyVersionForm(data=data)
    if form.validate_on_submit():
        on_refusal(lambda: _version_form_page(form, version, used), form)
        saved, created = services.edit_version(version, _version_values(form), actor=current_user)
        if created:
            flash(_("Cases already use %(old)s, so it was kept unchanged and your changes were saved as the new "
                    "version %(new)s.", old=version.code, new=saved.code), "success")
        else:
            flash(_("Policy version %(code)s saved.", code=saved.code), "success")
        return redirect(url_for(".versions"))
    return _version_form_page(form, version, used)


@bp.route("/lpr", methods=["GET", "POST"])
@allow(ADMIN, AUDITOR)
def lpr():
    form = LprFixingForm()
    if request.method == "GET":
        return _lpr_page(form)
    require_role(ADMIN)
    if not form.validate_on_submit():
        return _lpr_page(form, 400)
    on_refusal(lambda: _lpr_page(form), form)
    fixing = services.add_lpr_fixing(form.published_on.data, form.rate.data, actor=current_user)
    flash(_("LPR fixing of %(date)s added.", date=fixing.published_on.isoformat()), "success")
    return redirect(url_for(".lpr"))


def _lpr_page(form, status=200):
    fixings = db.session.scalars(select(LprFixing).order_by(LprFixing.published_on.desc())).all()
    return render_template("policy/lpr.html", form=form, fixings=fixings,
                           can_edit=current_user.role == ADMIN), status


@bp.get("/key-groups")
@allow(ADMIN, AUDITOR)
def key_groups():
    groups = db.session.scalars(select(KeyGroup).order_by(KeyGroup.sort_order, KeyGroup.code)).all()
    return render_template("policy/key_groups.html", groups=groups, can_edit=current_user.role == ADMIN)


@bp.route("/key-groups/<code>/edit", methods=["GET", "POST"])
@allow(ADMIN)
def edit_key_group(code: str):
    group = db.get_or_404(KeyGroup, code)
    form = KeyGroupForm(obj=group) if request.method == "GET" else KeyGroupForm()
    if form.validate_on_submit():
        values = {name: form.data[name] for name in services.KEY_GROUP_FIELDS}
        services.update_key_group(group, values, actor=current_user)
        flash(_("Key group %(code)s saved.", code=group.code), "success")
        return redirect(url_for(".key_groups"))
    return _key_group_form_page(form, group)


@bp.route("/key-groups/new", methods=["GET", "POST"])
@allow(ADMIN)
def new_key_group():
    form = NewKeyGroupForm(data={"active": True, "sort_order": 100}) if request.method == "GET" else NewKeyGroupForm()
    if form.validate_on_submit():
        on_refusal(lambda: _key_group_form_page(form), form)
        group = services.add_key_group({name: form.data[name] for name in ("code", *services.KEY_GROUP_FIELDS)},
                                       actor=current_user)
        flash(_("Key group %(code)s added.", code=group.code), "success")
        return redirect(url_for(".key_groups"))
    return _key_group_form_page(form)


def _key_group_form_page(form, group=None):
    return render_template("policy/key_group_form.html", form=form, group=group), 400 if form.errors else 200


# --- the holiday calendar ---------------------------------------------------------------

def _year_arg(default: int) -> int:
    year = request.args.get("year", type=int)
    return year if year is not None and FIRST_YEAR <= year <= LAST_YEAR else default


def _month_grids(year: int, days: dict, today: date) -> list[dict]:
    """Twelve months of weeks (Monday first); a cell is None outside the month."""
    locale = get_locale()
    names = get_month_names("wide", context="stand-alone", locale=locale)
    grids = []
    for month in range(1, 13):
        weeks = []
        for week in month_calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
            weeks.append([{"on": d, "entry": days.get(d), "weekend": d.weekday() >= 5, "today": d == today}
                          if d.month == month else None for d in week])
        grids.append({"month": month, "name": names[month], "weeks": weeks})
    return grids


def _calendar_page(year: int, *, day_form=None, import_form=None, problems=(), status=200):
    today = local_today()
    days = queries.calendar_days(year)
    locale = get_locale()
    working = queries.working_calendar()
    return render_template(
        "policy/calendar.html", year=year, grids=_month_grids(year, days, today),
        entries=[days[d] for d in sorted(days)], covered=working.is_covered(year),
        working_days=working.working_days_from_to(date(year, 1, 1), date(year, 12, 31)),
        day_names=get_day_names("abbreviated", locale=locale), day_names_wide=get_day_names("wide", locale=locale),
        festival=queries.festival_name, first_year=FIRST_YEAR, last_year=LAST_YEAR,
        day_form=day_form or _day_form(year, days), import_form=import_form or CalendarImportForm(),
        problems=problems, warnings=queries.calendar_warnings(today, working)), status


def _day_form(year: int, days: dict) -> CalendarDayForm:
    """The form for the day named in ``?date=`` (a click on the grid), else empty."""
    try:
        on = date.fromisoformat(request.args.get("date", ""))
    except ValueError:
        on = None
    if on is None or on.year != year:
        return CalendarDayForm(formdata=None)
    entry = days.get(on)
    return CalendarDayForm(formdata=None, data={"calendar_date": on, "kind": entry.kind if entry else "holiday",
                                                "name": entry.name if entry else ""})


@bp.get("/calendar")
@allow(ADMIN)
def calendar():
    return _calendar_page(_year_arg(local_today().year))


@bp.post("/calendar/day")
@allow(ADMIN)
def calendar_day():
    form = CalendarDayForm()
    year = _year_arg(local_today().year)
    if not form.validate_on_submit():
        return _calendar_page(year, day_form=form, status=400)
    on = form.calendar_date.data
    shown = on.year if FIRST_YEAR <= on.year <= LAST_YEAR else year
    on_refusal(lambda: _calendar_page(shown, day_form=form), form)
    if not form.kind.data:
        removed = services.remove_calendar_day(on, actor=current_user)
        message = (_("%(date)s is an ordinary day again.", date=on.isoformat()) if removed
                   else _("%(date)s was an ordinary day already; nothing was changed.", date=on.isoformat()))
    else:
        services.set_calendar_day(on, form.kind.data, form.name.data, actor=current_user)
        message = _("%(date)s saved.", date=on.isoformat())
    flash(message, "success")
    return redirect(url_for(".calendar", year=on.year))


@bp.post("/calendar/import")
@allow(ADMIN)
def calendar_import():
    form = CalendarImportForm()
    year = _year_arg(local_today().year)
    if not form.validate_on_submit():
        return _calendar_page(year, import_form=form, status=400)
    upload = form.file.data
    name = PurePath((upload.filename or "").replace("\\", "/")).name[:120] or "upload.csv"
    try:
        rows = read_calendar_csv(name, upload.stream.read(MAX_BYTES + 1))
    except CalendarFileRefused as exc:  # read only: nothing was changed
        return _calendar_page(year, import_form=form, problems=[p.text() for p in exc.problems], status=400)
    on_refusal(lambda: _calendar_page(year, import_form=form), form)
    result = services.import_calendar_days(rows, actor=current_user, source=name)
    flash(_("%(file)s imported: %(added)d day(s) added, %(changed)d changed, %(unchanged)d unchanged.", file=name,
            added=result.added, changed=result.changed, unchanged=result.unchanged), "success")
    return redirect(url_for(".calendar", year=result.years[0] if result.years else year))
