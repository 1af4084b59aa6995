"""Quarterly subsidy statements: compute, review, approve, pay, print, export; banks
compare their own figures. Finance computes and decides payment, a city-wide supervisor
reviews, the auditor reads, a bank clerk reads its own bank's statements and uploads its
figures. A refused action shows its page again with the reason (``on_refusal``)."""
from __future__ import annotations

import io
from decimal import Decimal
from typing import NoReturn

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user

from .. import spreadsheets
from ..access import AUDITOR, BANK, FINANCE, SUPERVISOR, allow
from ..core.dates import quarter_period
from ..core.money import format_grouped
from ..db import Page, local_today
from ..errors import Refused, on_refusal
from ..i18n import current_lang, list_separator, period_name, prose_date
from ..policy.queries import bank_names
from . import forms, queries, services
from .charts import bar_chart
from .exports import (NeverComputed, adjustments_csv_bytes, adjustments_xlsx_bytes, csv_bytes, statement_csv,
                      statement_xlsx, xlsx_bytes)
from .models import FROZEN_STATUSES, StatementStatus
from .pdf import render_statement_pdf
from ..jobs.runner import submit

bp = Blueprint("subsidy", __name__, url_prefix="/subsidy")

READERS = (FINANCE, SUPERVISOR, AUDITOR, BANK)
WHOLE_CITY = (FINANCE, SUPERVISOR, AUDITOR)

STATUS_LABEL = {
    StatementStatus.draft: _l("Draft"),
    StatementStatus.reviewed: _l("Reviewed"),
    StatementStatus.approved: _l("Approved"),
    StatementStatus.paid: _l("Paid"),
    StatementStatus.superseded: _l("Superseded"),
}
DIFFERENCE_LABEL = {
    "not_in_claim": _l("Missing in your figures"),
    "not_in_statement": _l("Not in the statement"),
    "amount": _l("Different amount"),
}


@bp.app_template_global("statement_status")
def statement_status(status: str) -> str:
    """A statement's status in the reader's language (also on loan pages)."""
    return str(STATUS_LABEL.get(status, status))


@bp.context_processor
def labels():
    return {"difference_label": lambda k: str(DIFFERENCE_LABEL.get(k, k)),
            "is_citywide_supervisor": services.is_citywide_supervisor(current_user),
            "balance_days_text": format_grouped}


@bp.before_request
def supervisors_city_wide_only():
    """Statements cover the whole city: a district supervisor has no business here."""
    if current_user.is_authenticated and current_user.role == SUPERVISOR and current_user.district_code:
        abort(403)


def _period_or_404(period: str) -> str:
    try:
        quarter_period(period)
    except ValueError:
        abort(404)
    return period.strip().upper()


# --- lists -----------------------------------------------------------------------------

@bp.get("/")
@allow(*READERS)
def index():
    return _index_page(forms.ComputeForm())


def _period_choices(form) -> None:
    """The finished periods that computing would change, newest first, each with its dates
    and whether it is computed for the first time or its drafts are recomputed."""
    choices = []
    for p in queries.computable_periods(local_today()):
        state = _("drafts recomputed") if p.computed else _("not computed yet")
        choices.append((p.period, _("%(period)s, %(state)s (%(start)s to %(end)s)", period=period_name(p.period),
                                    state=state, start=prose_date(p.start), end=prose_date(p.end))))
    form.period.choices = choices


def _index_page(form, status=200):
    if current_user.role == FINANCE:
        _period_choices(form)
    periods = queries.periods_overview(current_user)
    chart = bar_chart([(period_name(p.period), p.total) for p in reversed(periods[:12])])
    return render_template("subsidy/index.html", periods=periods, form=form, chart=chart,
                           received=queries.bank_data_received(current_user)), status


@bp.post("/compute")
@allow(FINANCE)
def compute():
    form = forms.ComputeForm()
    if not form.validate_on_submit():
        return _index_page(form, 400)
    on_refusal(lambda: _index_page(form), form)
    code, _start, _end = services.computable_period(form.period.data, local_today())  # refused beside the field
    job = submit("subsidy_compute", {"period": code}, actor=current_user)
    # A background job (SPEC §14): its page shows the progress, then takes finance to the period.
    return redirect(url_for("jobs.show", job_id=job.id, follow=1))


@bp.get("/periods/<period>")
@allow(*READERS)
def period(period: str):
    period = _period_or_404(period)
    statements = queries.period_statements(period, current_user)
    if not statements:
        abort(404)
    names = bank_names(current_lang())
    current = [s for s in statements if s.status != StatementStatus.superseded]
    chart = bar_chart([(names.get(s.bank_code, s.bank_code), s.total) for s in current])
    start, end = quarter_period(period)
    return render_template("subsidy/period.html", period=period, start=start, end=end, statements=statements,
                           current=current, names=names, chart=chart,
                           total=sum((s.total for s in current), Decimal("0.00")))


@bp.post("/periods/<period>/print")
@allow(*WHOLE_CITY)
def print_period(period: str):
    """Every current statement of the period in one PDF, made by a background job."""
    period = _period_or_404(period)
    if not queries.period_statements(period, current_user):
        abort(404)
    job = submit("statements_print", {"period": period, "lang": current_lang()}, actor=current_user)
    return redirect(url_for("jobs.show", job_id=job.id, follow=1), 303)


def _export(period: str, write, name: str):
    """A machine export of the period (SPEC §10, §13) as a download; 404 if never computed."""
    period = _period_or_404(period)
    try:
        data = write(period)
    except NeverComputed:
        abort(404)
    return spreadsheets.download(data, name.format(period=period))


@bp.get("/periods/<period>/export.csv")
@allow(*WHOLE_CITY)
def export_csv(period: str):
    return _export(period, csv_bytes, "subsidy-{period}.csv")


@bp.get("/periods/<period>/export.xlsx")
@allow(*WHOLE_CITY)
def export_xlsx(period: str):
    return _export(period, xlsx_bytes, "subsidy-{period}.xlsx")


@bp.get("/periods/<period>/adjustments.csv")
@allow(*WHOLE_CITY)
def adjustments_csv(period: str):
    """The adjustments the period's statements carry, as ``subsidy export --adjustments``."""
    return _export(period, adjustments_csv_bytes, "subsidy-{period}-adjustments.csv")


@bp.get("/periods/<period>/adjustments.xlsx")
@allow(*WHOLE_CITY)
def adjustments_xlsx(period: str):
    return _export(period, adjustments_xlsx_bytes, "subsidy-{period}-adjustments.xlsx")


def _pdf(data: bytes, name: str, *, attachment: bool):
    """A PDF shown in the browser or, with ``attachment``, downloaded; no cache keeps it."""
    response = send_file(io.BytesIO(data), mimetype="application/pdf", download_name=name, as_attachment=attachment,
                         max_age=0, etag=False)
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- one statement ---------------------------------------------------------------------

def _statement_page(statement, *, status=200, review_form=None, pay_form=None, reopen_form=None, upload_form=None):
    show_all = request.args.get("all") == "1"
    if show_all:
        listed = Page(queries.all_lines(statement), statement.line_count, 1, queries.PAGE_SIZE)
    else:
        listed = queries.lines_page(statement, request.args.get("page", 1, type=int))
    names = queries.user_names(statement.computed_by_id, statement.reviewed_by_id, statement.approved_by_id,
                               statement.paid_by_id)
    versions = queries.versions(statement)
    lock = {"lock_version": statement.lock_version}
    start, end = quarter_period(statement.period)
    return render_template(
        "subsidy/statement.html", statement=statement, lines=listed.items, page=listed.page, pages=listed.pages,
        show_all=show_all, adjustments=queries.all_adjustments(statement),
        carrier=queries.adjustment_carrier(statement) if statement.status in FROZEN_STATUSES else None,
        lines_total=statement.total - statement.adjustments_total,
        per_page=queries.PAGE_SIZE, names=names, bank_name=bank_names(current_lang()).get(statement.bank_code, ""),
        start=start, end=end, versions=versions, claims=queries.claims_for(statement),
        policy_codes=queries.policy_codes(statement),
        history=queries.statement_history(statement), version_of={v.id: v.version for v in versions},
        action_form=forms.StatementActionForm(data=lock), review_form=review_form or forms.ReviewForm(data=lock),
        pay_form=pay_form or forms.PayForm(data=lock), reopen_form=reopen_form or forms.ReopenForm(data=lock),
        upload_form=upload_form or forms.ClaimUploadForm()), status


@bp.get("/statements/<int:statement_id>")
@allow(*READERS)
def statement(statement_id: int):
    return _statement_page(queries.statement_or_404(statement_id, current_user))


@bp.get("/statements/<int:statement_id>/table.csv")
@allow(*READERS)
def statement_table_csv(statement_id: int):
    """The statement for people: headers in the reader's language with units, a totals row."""
    statement = queries.statement_or_404(statement_id, current_user)
    data = statement_csv(statement, queries.all_lines(statement), queries.all_adjustments(statement))
    return spreadsheets.download(data, f"{_statement_name(statement)}.csv")


@bp.get("/statements/<int:statement_id>/table.xlsx")
@allow(*READERS)
def statement_table_xlsx(statement_id: int):
    statement = queries.statement_or_404(statement_id, current_user)
    start, end = quarter_period(statement.period)
    title = _("Interest-subsidy statement %(period)s (%(start)s to %(end)s), %(bank)s, version %(version)d, "
              "%(status)s", period=period_name(statement.period), start=prose_date(start), end=prose_date(end),
              bank=bank_names(current_lang()).get(statement.bank_code, statement.bank_code),
              version=statement.version, status=statement_status(statement.status))
    data = statement_xlsx(statement, queries.all_lines(statement), queries.all_adjustments(statement), title)
    return spreadsheets.download(data, f"{_statement_name(statement)}.xlsx")


def _statement_name(statement) -> str:
    return f"subsidy-{statement.period}-{statement.bank_code}-v{statement.version}"


@bp.get("/statements/<int:statement_id>.pdf")
@allow(*READERS)
def statement_pdf(statement_id: int):
    statement = queries.statement_or_404(statement_id, current_user)
    data = render_statement_pdf(statement, current_lang())
    return _pdf(data, f"{_statement_name(statement)}.pdf", attachment=request.args.get("download") == "1")


def _refusable(statement, form=None, form_name=None):
    """A refused action shows the statement again as it is now, with the reason beside the
    form field it concerns (keeping what was typed) or at the top. A form read before the
    statement changed is shown afresh, at the current version."""
    def page():
        stale = hasattr(form, "lock_version") and _lock(form) != statement.lock_version
        keep = form is not None and (not stale or any(field.errors for field in form))
        return _statement_page(statement, **({form_name: form} if keep else {}))

    on_refusal(page, form)


def _done(statement, success):
    flash(success, "success")
    return redirect(url_for(".statement", statement_id=statement.id))


def _lock(form) -> int | None:
    value = form.lock_version.data
    return int(value) if value and value.isdigit() else None


def _refuse_stale_form(statement) -> NoReturn:
    _refusable(statement)
    raise Refused(_l("The form was incomplete or has expired; nothing was changed."))


@bp.post("/statements/<int:statement_id>/review")
@allow(SUPERVISOR)
def review(statement_id: int):
    """Review needs the box "I have checked…" ticked (no script: an unticked box shows the
    page again with the reason beside it) and keeps an optional comment."""
    statement = queries.statement_or_404(statement_id, current_user)
    form = forms.ReviewForm()
    if not form.validate_on_submit():
        if form.lock_version.errors or not form.lock_version.data:
            _refuse_stale_form(statement)
        return _statement_page(statement, status=400, review_form=form)
    _refusable(statement, form, "review_form")
    services.review_statement(statement, actor=current_user, lock_version=_lock(form), comment=form.comment.data)
    return _done(statement, _("Statement reviewed; finance can now approve it."))


@bp.post("/statements/<int:statement_id>/approve")
@allow(FINANCE)
def approve(statement_id: int):
    statement = queries.statement_or_404(statement_id, current_user)
    form = forms.StatementActionForm()
    if not form.validate_on_submit():
        _refuse_stale_form(statement)
    _refusable(statement)
    services.approve_statement(statement, actor=current_user, lock_version=_lock(form))
    return _done(statement, _("Statement approved for payment."))


@bp.post("/statements/<int:statement_id>/pay")
@allow(FINANCE)
def pay(statement_id: int):
    statement = queries.statement_or_404(statement_id, current_user)
    form = forms.PayForm()
    if not form.validate_on_submit():
        if form.lock_version.errors or not form.lock_version.data:
            _refuse_stale_form(statement)
        return _statement_page(statement, status=400, pay_form=form)
    _refusable(statement, form, "pay_form")
    services.pay_statement(statement, actor=current_user, paid_on=form.paid_on.data, voucher_no=form.voucher_no.data,
                           lock_version=_lock(form))
    return _done(statement, _("Payment recorded."))


@bp.post("/statements/<int:statement_id>/reopen")
@allow(FINANCE)
def reopen(statement_id: int):
    statement = queries.statement_or_404(statement_id, current_user)
    form = forms.ReopenForm()
    if not form.validate_on_submit():
        if form.lock_version.errors or not form.lock_version.data:
            _refuse_stale_form(statement)
        return _statement_page(statement, status=400, reopen_form=form)
    _refusable(statement, form, "reopen_form")
    new = services.reopen_statement(statement, actor=current_user, reason=form.reason.data, lock_version=_lock(form))
    return _done(new, _("Statement reopened as a new draft version, recomputed now."))


# --- a bank's own figures ----------------------------------------------------------------

@bp.post("/statements/<int:statement_id>/claims")
@allow(BANK)
def upload_claim(statement_id: int):
    statement = queries.statement_or_404(statement_id, current_user)
    form = forms.ClaimUploadForm()
    if not form.validate_on_submit():
        return _statement_page(statement, status=400, upload_form=form)
    upload = form.file.data
    data = upload.stream.read(services.MAX_CLAIM_BYTES + 1)
    _refusable(statement, form, "upload_form")
    claim = services.upload_bank_claim(statement, actor=current_user, filename=upload.filename or "", data=data)
    flash(_("Your figures were uploaded; the differences are shown below. Nothing in the statement was changed."),
          "info")
    return redirect(url_for(".claim", claim_id=claim.id))


@bp.get("/claims/<int:claim_id>")
@allow(*READERS)
def claim(claim_id: int):
    claim = queries.claim_or_404(claim_id, current_user)
    comparison = queries.compare(claim)
    return render_template("subsidy/claim.html", claim=claim, comparison=comparison,
                           bank_name=bank_names(current_lang()).get(claim.bank_code, ""),
                           uploader=queries.user_names(claim.uploaded_by_id).get(claim.uploaded_by_id, ""))
