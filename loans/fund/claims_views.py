"""Compensation claims on pages (SPEC §13): the bank files one from the loan page, the claims
list ``/claims/`` with a tab per state, and a claim's page with its history, recoveries,
write-offs and the forms of what the viewer's role may do next. Others' claims are 404."""
from __future__ import annotations

from types import SimpleNamespace

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..access import ADMIN, AUDITOR, BANK, FINANCE, OFFICER, SUPERVISOR, allow
from ..audit.display import SYSTEM_REASON
from ..audit.models import AuditEvent
from ..core.fund import ClaimStatus
from ..core.money import format_yuan, parse_amount
from ..db import db, local_today, paginate
from ..errors import ConcurrentChange, on_refusal
from ..labels import CLAIM_STATUS, WRITE_OFF_STATUS
from ..servicing import queries as servicing_queries
from ..servicing import views as servicing_views
from ..servicing.models import Loan
from . import claims, claims_forms as forms
from .models import CompensationClaim, WriteOff

bp = Blueprint("claims", __name__)

CLAIM_ROLES = (OFFICER, SUPERVISOR, FINANCE, BANK, ADMIN, AUDITOR)
PAGE_SIZE = 25
LEGACY_TAB = "legacy"
TABS = (*(s.value for s in ClaimStatus), LEGACY_TAB)


# --- the loan page's panel -------------------------------------------------------------------

@servicing_queries.loan_claims_panel.provide
def loan_claims_panel(loan, user, claim_form=None):
    """The loan's claims for the loan page, and the bank's form to file one when it may."""
    listed = claims.claims_of_loan(loan, user)
    today = local_today()
    outlook = claims.claim_outlook(loan, today)
    pending = claims.pending_claim(loan) if outlook.overdue_since is not None else None
    may_file = user.role == BANK and outlook.overdue_since is not None and pending is None
    waiting = may_file and outlook.earliest > today  # the form comes once the waiting days have passed
    may_file = may_file and not waiting
    form = None
    if may_file:
        form = claim_form or forms.FileClaimForm(formdata=None, data={"version": loan.lock_version,
                                                                      "claim_date": today})
    return SimpleNamespace(claims=listed, outlook=outlook, form=form, waiting=waiting, status_names=CLAIM_STATUS,
                           recovered={c.id: claims.recovered(c) for c in listed if c.status == ClaimStatus.paid})


@bp.post("/loans/<int:loan_id>/claims")
@allow(BANK)
def file(loan_id: int):
    loan = servicing_queries.loan_or_404(loan_id, current_user)
    form = forms.FileClaimForm()
    if not form.validate_on_submit():
        return servicing_views._loan_page(loan, status=400, claim_form=form)
    on_refusal(lambda: servicing_views._loan_page(loan, claim_form=_kept(form, loan)), form)
    claim = claims.file_claim(loan, form.claim_date.data, current_user, bank_ref=form.bank_ref.data or None,
                              note=form.note.data or "", expected_version=form.version.data)
    flash(_("Claim filed: %(total)s in all, of which the fund pays %(fund)s.", total=format_yuan(claim.total),
            fund=format_yuan(claim.fund_share)), "success")
    return redirect(url_for(".claim", claim_id=claim.id))


def _kept(form, obj):
    """After a refusal: a form refused for what was typed keeps it, with the reason beside the
    field; one read before the object changed comes back afresh (None), so nothing is
    entered twice by accident and the reason shows at the top."""
    if form.version.data == obj.lock_version or any(field.errors for field in form):
        return form
    return None




# --- the list --------------------------------------------------------------------------------

def _default_tab(user) -> str:
    if user.role == SUPERVISOR:
        return ClaimStatus.checked.value if user.district_code is None else ClaimStatus.filed.value
    if user.role == FINANCE:
        return ClaimStatus.approved.value
    return ClaimStatus.filed.value


def _tab_query(query, tab: str):
    if tab == LEGACY_TAB:
        return query.where(CompensationClaim.legacy.is_(True), CompensationClaim.voucher_no.is_(None))
    return query.where(CompensationClaim.status == tab)


@bp.get("/claims/")
@allow(*CLAIM_ROLES)
def index():
    tab = request.args.get("tab") or _default_tab(current_user)
    if tab not in TABS:
        tab = _default_tab(current_user)
    visible = claims.visible_claims(current_user)
    counted = visible.order_by(None).subquery()
    counts = dict(db.session.execute(select(counted.c.status, func.count()).group_by(counted.c.status)).all())
    counts = {getattr(k, "value", k): v for k, v in counts.items()}
    counts[LEGACY_TAB] = db.session.scalar(select(func.count()).select_from(
        _tab_query(visible, LEGACY_TAB).order_by(None).subquery()))
    loans = selectinload(CompensationClaim.loan)
    listed = paginate(_tab_query(visible, tab).options(loans.selectinload(Loan.bank), loans.selectinload(Loan.district))
                      .order_by(CompensationClaim.claim_date.desc(), CompensationClaim.id.desc()),
                      request.args.get("page", 1, type=int), PAGE_SIZE)
    return render_template("fund/claims.html", tab=tab, tabs=TABS, counts=counts, rows=listed.items,
                           total=listed.total, page=listed.page, pages=listed.pages, args={"tab": tab},
                           claim_status=CLAIM_STATUS)


# --- one claim ---------------------------------------------------------------------------------

def claim_or_404(claim_id: int) -> CompensationClaim:
    claim = db.session.scalar(claims.visible_claims(current_user).where(CompensationClaim.id == claim_id))
    if claim is None:
        abort(404)
    return claim


def _action_forms(claim, posted: dict) -> dict:
    """The forms of what the viewer may do with the claim now (the services check again)."""
    user, status, today = current_user, claim.status, local_today()
    version = {"version": claim.lock_version}
    wanted = {}
    if status == ClaimStatus.filed and claims.may_check(user, claim):
        wanted["check"] = (forms.CheckForm, version)
    if status == ClaimStatus.checked and claims.is_city_wide_supervisor(user) and claim.checked_by_id != user.id:
        wanted["approve"] = (forms.ApproveForm, version)
    if status == ClaimStatus.approved and user.role == FINANCE:
        wanted["pay"] = (forms.PayForm, {**version, "paid_on": today})
    if status in claims.PENDING and user.role == BANK:
        wanted["cancel"] = (forms.CancelForm, version)
    if claim.legacy and status == ClaimStatus.paid and not claim.voucher_no and user.role == FINANCE:
        wanted["complete"] = (forms.CompleteForm, {**version, "paid_on": claim.paid_on})
    if user.role == BANK and claims.may_recover(claim) and claim.total > claims.recovered(claim):
        wanted["recovery"] = (forms.RecoveryForm, {**version, "recovered_on": today})
    if claims.is_city_wide_supervisor(user) and claims.may_propose_write_off(claim):
        wanted["write_off"] = (forms.ProposeWriteOffForm, version)
    proposal = claims.open_write_off(claim)
    if proposal is not None and user.role == FINANCE:
        wanted["decide"] = (forms.DecideWriteOffForm, {"version": proposal.lock_version})
    return {name: posted.get(name) or form_class(formdata=None, data=data)
            for name, (form_class, data) in wanted.items()}


def _history(claim) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == CompensationClaim.__tablename__,
                                                            AuditEvent.object_id == claim.id)
                                   .order_by(AuditEvent.id)))


def _claim_page(claim, status: int = 200, **posted):
    recovered = claims.recovered(claim)
    return render_template(
        "fund/claim.html", claim=claim, loan=claim.loan, history=_history(claim), recovered=recovered,
        rest=claim.total - recovered, write_offs=claims.write_offs(claim), action_forms=_action_forms(claim, posted),
        claim_status=CLAIM_STATUS, write_off_status=WRITE_OFF_STATUS, reasons=SYSTEM_REASON,
        checker_waits=claim.status == ClaimStatus.checked and claim.checked_by_id == current_user.id
        and claims.is_city_wide_supervisor(current_user)), status


@bp.get("/claims/<int:claim_id>")
@allow(*CLAIM_ROLES)
def claim(claim_id: int):
    return _claim_page(claim_or_404(claim_id))


def _act(claim_id: int, name: str, form_class, done: str, act, version_of=None):
    """One action on a claim: the form's shape, then the service; a refusal shows the claim
    page again with the form as typed (at the current version) and the reason."""
    claim = claim_or_404(claim_id)
    form = form_class()
    if not form.validate_on_submit():
        return _claim_page(claim, status=400, **{name: form})
    on_refusal(lambda: _claim_page(claim, **{name: _kept(form, (version_of or _same)(claim))}), form)
    act(claim, form)
    flash(done, "success")
    return redirect(url_for(".claim", claim_id=claim.id))


@bp.post("/claims/<int:claim_id>/check")
@allow(OFFICER, SUPERVISOR)
def check(claim_id: int):
    return _act(claim_id, "check", forms.CheckForm, _("Claim checked; a city-wide supervisor approves it next."),
                lambda c, f: claims.check_claim(c, actor=current_user, note=f.note.data or "",
                                                expected_version=f.version.data))


@bp.post("/claims/<int:claim_id>/approve")
@allow(SUPERVISOR)
def approve(claim_id: int):
    return _act(claim_id, "approve", forms.ApproveForm, _("Claim approved; finance pays it next."),
                lambda c, f: claims.approve_claim(c, actor=current_user, expected_version=f.version.data))


@bp.post("/claims/<int:claim_id>/pay")
@allow(FINANCE)
def pay(claim_id: int):
    return _act(claim_id, "pay", forms.PayForm, _("Claim paid: the fund's share is recorded and the loan is "
                                                  "compensated."),
                _paying(claims.pay_claim))


def _paying(service):
    """A claim's payment (or a legacy one's voucher) as the form gives it."""
    return lambda c, f: service(c, paid_on=f.paid_on.data, voucher_no=f.voucher_no.data, actor=current_user,
                                expected_version=f.version.data)


@bp.post("/claims/<int:claim_id>/cancel")
@allow(BANK)
def cancel(claim_id: int):
    return _act(claim_id, "cancel", forms.CancelForm, _("Claim withdrawn."),
                lambda c, f: claims.cancel_claim(c, reason=f.reason.data, actor=current_user,
                                                 expected_version=f.version.data))


@bp.post("/claims/<int:claim_id>/complete")
@allow(FINANCE)
def complete(claim_id: int):
    return _act(claim_id, "complete", forms.CompleteForm, _("Voucher recorded; the fund's share is recorded."),
                _paying(claims.complete_legacy_claim))


@bp.post("/claims/<int:claim_id>/recoveries")
@allow(BANK)
def recovery(claim_id: int):
    return _act(claim_id, "recovery", forms.RecoveryForm, _("Recovery recorded."),
                lambda c, f: claims.record_recovery(c, f.recovered_on.data, parse_amount(f.amount.data), current_user,
                                                    bank_ref=f.bank_ref.data or None, note=f.note.data or "",
                                                    expected_version=f.version.data))


@bp.post("/claims/<int:claim_id>/write-off")
@allow(SUPERVISOR)
def write_off(claim_id: int):
    return _act(claim_id, "write_off", forms.ProposeWriteOffForm, _("Write-off proposed; finance decides it."),
                lambda c, f: claims.propose_write_off(c, reason=f.reason.data, actor=current_user,
                                                      expected_version=f.version.data))


def _same(claim):
    return claim


def _proposal(claim) -> WriteOff:
    proposal = claims.open_write_off(claim)
    return proposal if proposal is not None else SimpleNamespace(lock_version=0)


def _decide(claim, form) -> None:
    proposal = claims.open_write_off(claim)
    if proposal is None:
        raise ConcurrentChange(claims.ALREADY_CHANGED)
    claims.decide_write_off(proposal, approve=form.decision.data == "approve", actor=current_user,
                            note=form.note.data or "", expected_version=form.version.data)


@bp.post("/claims/<int:claim_id>/write-off/decide")
@allow(FINANCE)
def decide(claim_id: int):
    return _act(claim_id, "decide", forms.DecideWriteOffForm, _("Write-off decided."), _decide, version_of=_proposal)
