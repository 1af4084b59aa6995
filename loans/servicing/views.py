"""Bank servicing: approved cases of the clerk's bank, contracts, disbursements,
repayments, overdue periods, extensions and declines; the loan page for the bureau (with
follow-up visits and the guarantee fund's claims panel) and the applicant's view of their loan.
Compensation comes through a claim the fund pays (``fund.claims``), not from this page."""
from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..access import AUDITOR, BANK, OFFICER, SUPERVISOR, allow
from ..applications.queries import portal_loan as portal_loan_reader
from ..core.workflow import LOAN_STATUSES, CaseStatus
from ..db import db, local_today
from ..errors import on_refusal
from ..labels import LOAN_EVENT
from ..policy.models import District
from ..core import policy as core_policy
from ..policy.queries import latest_lpr_fixing, policies, policy_on
from . import forms, queries, services

bp = Blueprint("servicing", __name__)

LOAN_ROLES = (BANK, OFFICER, SUPERVISOR, AUDITOR)
# Which bank actions each loan status offers (the services check again).
ACTIONS_BY_STATUS = {
    CaseStatus.contracted: ("disbursement",),
    CaseStatus.active: ("disbursement", "repayment", "overdue_start", "extension"),
    CaseStatus.extended: ("disbursement", "repayment", "overdue_start"),
    CaseStatus.overdue: ("repayment", "overdue_end"),
}
RECORDERS = {
    "disbursement": services.record_disbursement,
    "repayment": services.record_repayment,
    "overdue_start": services.record_overdue_start,
    "overdue_end": services.record_overdue_end,
    "extension": services.record_extension,
}


def _success_messages():
    return {
        "disbursement": _("Disbursement recorded."),
        "repayment": _("Repayment recorded."),
        "overdue_start": _("Overdue period recorded."),
        "overdue_end": _("End of the overdue period recorded."),
        "extension": _("Extension recorded."),
    }


# --- the list (and, for a bank clerk, the queue of approved cases) ----------------------

@bp.get("/loans/")
@allow(*LOAN_ROLES)
def home():
    form = forms.LoanFilterForm(request.args)
    valid = form.validate()
    filters = queries.LoanFilters(status=form.status.data if valid or not form.status.errors else "",
                                  q=(form.q.data or "")[:100] if not form.q.errors else "")
    listed, counts, balance = queries.loans_page(current_user, filters, request.args.get("page", 1, type=int),
                                                 columns=queries.LIST_COLUMNS)
    # a bank's cases to contract head the first page of the plain list; a later page or a
    # search only says how many there are and links there (awaiting None: the loans were asked for)
    awaiting, awaiting_total = None, 0
    asked = request.args.get("status") or (request.args.get("q") or "").strip()  # even a refused filter
    if current_user.role == BANK and listed.page == 1 and not asked:
        awaiting, awaiting_total = queries.awaiting_contract(current_user, columns=queries.AWAITING_COLUMNS)
    elif current_user.role == BANK:
        awaiting_total = queries.awaiting_count(current_user)
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("servicing/home.html", form=form, rows=listed.items, total=listed.total, counts=counts,
                           balance=balance, page=listed.page, pages=listed.pages, args=args,
                           awaiting=awaiting, awaiting_total=awaiting_total, today=local_today(),
                           statuses=LOAN_STATUSES)


# --- contract or decline an approved case -----------------------------------------------

def _contract_page(application, form=None, decline_form=None, status=200):
    today = local_today()
    if form is None:
        form = forms.ContractForm(data={"amount": str(application.approved_amount or ""),
                                        "term_months": application.approved_term_months, "contract_date": today})
    ceiling_today = services.rate_ceiling_on(application.district_code, today) if application.district_code else None
    fixing_today = latest_lpr_fixing(today)
    return render_template("servicing/contract.html", application=application, form=form,
                           decline_form=decline_form or forms.DeclineForm(),
                           problem=services.approval_problem(application)
                           if application.status == CaseStatus.approved.value else None,
                           ceiling_today=ceiling_today, lpr_published_on=fixing_today and fixing_today.published_on,
                           today=today), status


@bp.route("/loans/cases/<int:application_id>/contract", methods=["GET", "POST"])
@allow(BANK)
def contract(application_id: int):
    application = queries.approved_case_or_404(application_id, current_user)
    if request.method == "GET":
        if application.status != CaseStatus.approved.value:
            loan = queries.loan_for_application(application.id)
            if loan is not None:
                return redirect(url_for(".loan", loan_id=loan.id))
        return _contract_page(application)
    form = forms.ContractForm()
    if not form.validate_on_submit():
        return _contract_page(application, form=form, status=400)
    terms = services.ContractTerms(
        contract_no=form.contract_no.data, contract_date=form.contract_date.data, amount=Decimal(form.amount.data),
        term_months=form.term_months.data, contract_rate=Decimal(form.contract_rate.data))
    on_refusal(lambda: _contract_page(application, form=form), form)
    loan, warnings = services.record_contract(application, terms, actor=current_user)
    flash(_("Contract %(no)s recorded; the loan %(ref)s is ready for disbursement.", no=loan.contract_no,
            ref=loan.loan_ref), "success")
    for warning in warnings:
        flash(warning, "warning")
    return redirect(url_for(".loan", loan_id=loan.id))


@bp.post("/loans/cases/<int:application_id>/decline")
@allow(BANK)
def decline(application_id: int):
    application = queries.approved_case_or_404(application_id, current_user)
    form = forms.DeclineForm()
    if not form.validate_on_submit():
        return _contract_page(application, decline_form=form, status=400)
    on_refusal(lambda: _contract_page(application, decline_form=form), form)
    services.decline_case(application, actor=current_user, reason=form.reason.data)
    flash(_("Case %(ref)s declined; the applicant has been told.", ref=application.reference), "success")
    return redirect(url_for(".home"))


# --- the loan page and its actions ----------------------------------------------------

def _event_form(kind, loan, posted=None):
    form = posted or forms.EVENT_FORMS[kind](prefix=kind, formdata=None,
                                             data={"version": loan.lock_version, "event_on": local_today()})
    return form


EVENT_SOURCE = {"page": _l("Typed"), "api": _l("Bank API"), "file": _l("Bank file"), "ledger": _l("Ledger import"),
                "app": _l("The app’s daily check")}


def _loan_page(loan, *, status=200, posted_kind=None, posted_form=None, visit_form=None, claim_form=None):
    today = local_today()
    events = list(loan.events)
    disbursed = sum((e.amount for e in events if e.kind == "disbursement"), Decimal(0))
    repaid = sum((e.amount for e in events if e.kind == "repayment"), Decimal(0))
    is_bank = current_user.role == BANK
    actions = ACTIONS_BY_STATUS.get(loan.status, ()) if is_bank else ()
    if disbursed >= loan.amount:
        actions = tuple(a for a in actions if a != "disbursement")
    event_forms = {kind: _event_form(kind, loan, posted_form if kind == posted_kind else None) for kind in actions}
    can_visit = current_user.role in (OFFICER, SUPERVISOR)
    district = db.session.get(District, loan.district_code)
    return render_template(
        "servicing/loan.html", loan=loan, events=events, visits=queries.visits(loan), district=district,
        balance=services.balance_on(events, today), disbursed=disbursed, repaid=repaid,
        maturity=services.effective_maturity(loan), overdue_since=services._open_overdue_start(events),
        event_labels={kind: str(text) for kind, text in LOAN_EVENT.items()},
        sources={key: str(text) for key, text in EVENT_SOURCE.items()}, token_names=queries.token_names(events),
        subsidy_history=queries.loan_subsidy_history(loan.id),
        claims_panel=queries.loan_claims_panel(loan, current_user, claim_form),
        event_forms=event_forms, visit_form=visit_form or (forms.VisitForm(formdata=None, data={"visited_on": today})
                                                           if can_visit else None),
        today=today), status


def _refused_event_page(loan, kind, form):
    """The loan page after a refused event: a form refused for what was typed keeps it, with
    the reason beside the field; one read before the loan changed is shown afresh (at the
    current version, so nothing is entered twice by accident), the reason at the top."""
    keep = form.version.data == loan.lock_version or any(field.errors for field in form)
    return _loan_page(loan, posted_kind=kind if keep else None, posted_form=form if keep else None)


@bp.get("/loans/<int:loan_id>")
@allow(*LOAN_ROLES)
def loan(loan_id: int):
    return _loan_page(queries.loan_or_404(loan_id, current_user))


def _record(loan_id: int, kind: str):
    loan = queries.loan_or_404(loan_id, current_user)
    form = forms.EVENT_FORMS[kind](prefix=kind)
    if not form.validate_on_submit():
        return _loan_page(loan, status=400, posted_kind=kind, posted_form=form)
    values = {"on": form.event_on.data, "expected_version": form.version.data, "note": form.note.data or ""}
    if hasattr(form, "amount"):
        values["amount"] = Decimal(form.amount.data)
    if hasattr(form, "new_maturity_date"):
        values["new_maturity_date"] = form.new_maturity_date.data
    on_refusal(lambda: _refused_event_page(loan, kind, form), form)
    RECORDERS[kind](loan, actor=current_user, **values)
    flash(_success_messages()[kind], "success")
    if loan.status == CaseStatus.settled and kind == "repayment":
        flash(_("The balance is zero: the loan is settled."), "success")
    return redirect(url_for(".loan", loan_id=loan.id))


@bp.post("/loans/<int:loan_id>/disbursements")
@allow(BANK)
def record_disbursement(loan_id: int):
    return _record(loan_id, "disbursement")


@bp.post("/loans/<int:loan_id>/repayments")
@allow(BANK)
def record_repayment(loan_id: int):
    return _record(loan_id, "repayment")


@bp.post("/loans/<int:loan_id>/overdue-start")
@allow(BANK)
def record_overdue_start(loan_id: int):
    return _record(loan_id, "overdue_start")


@bp.post("/loans/<int:loan_id>/overdue-end")
@allow(BANK)
def record_overdue_end(loan_id: int):
    return _record(loan_id, "overdue_end")


@bp.post("/loans/<int:loan_id>/extension")
@allow(BANK)
def record_extension(loan_id: int):
    return _record(loan_id, "extension")


@bp.post("/loans/<int:loan_id>/visits")
@allow(OFFICER, SUPERVISOR)
def record_visit(loan_id: int):
    loan = queries.loan_or_404(loan_id, current_user)
    form = forms.VisitForm()
    if not form.validate_on_submit():
        return _loan_page(loan, status=400, visit_form=form)
    on_refusal(lambda: _loan_page(loan, visit_form=form), form)
    services.record_visit(loan, actor=current_user, visited_on=form.visited_on.data, owners=form.owners.data,
                          employees=form.employees.data, note=form.note.data or "")
    flash(_("Follow-up visit recorded."), "success")
    return redirect(url_for(".loan", loan_id=loan.id) + "#visits")


# --- the applicant's portal ------------------------------------------------------------

@portal_loan_reader.provide
def portal_loan(application):
    """The applicant's loan as their status page shows it, or None before a contract."""
    if application.status not in LOAN_STATUSES:
        return None
    loan = queries.loan_for_application(application.id)
    if loan is None:
        return None
    events = list(loan.events)
    return SimpleNamespace(loan=loan, balance=services.balance_on(events, local_today()),
                           maturity=services.effective_maturity(loan), rates=_borrower_rates(loan),
                           money_events=[e for e in events if e.kind in ("disbursement", "repayment")],
                           subsidy_history=queries.loan_subsidy_history(loan.id))


def _borrower_rates(loan):
    """The contract rate split into the subsidy and the borrower's own share (SPEC §7), under
    the loan's policy version (fixed by its first disbursement; until then the one in force
    on the contract date); None when no version applies."""
    policy = next((p for p in policies() if p.code == loan.policy_code), None) or policy_on(
        loan.first_disbursement_date or loan.contract_date)
    if policy is None:
        return None
    cap_class = loan.district.cap_class if loan.district is not None else "standard"
    return core_policy.borrower_rate_rule(policy, loan.loan_type, loan.lpr_rate, loan.contract_rate, cap_class)
