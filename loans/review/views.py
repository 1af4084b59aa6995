from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user

from ..fund.check import fund_check, is_citywide_supervisor, overrides_of, refusal_texts
from ..fund.queries import paused_bank_codes
from ..access import AUDITOR, OFFICER, SUPERVISOR, allow, require_role
from ..applications.queries import application_or_404, may_see_sensitive, timeline
from ..core.workflow import CaseStatus
from ..db import local_today
from ..eligibility.services import latest_snapshot
from ..i18n import current_lang
from ..labels import rule_title
from ..letters.forms import RevokeForm
from ..letters.queries import letters_for
from ..policy.queries import bank_choices, key_group_choices, working_calendar
from . import forms, queries, services
from ..errors import Refused, on_refusal

bp = Blueprint("review", __name__, url_prefix="/review")

CASE_ROLES = (OFFICER, SUPERVISOR, AUDITOR)


def _filter_form() -> forms.QueueFilterForm:
    lang = current_lang()
    form = forms.QueueFilterForm(request.args)
    form.status.choices = forms.status_choices()
    form.key_group.choices = key_group_choices(lang, blank=_("All"))
    form.bank.choices = bank_choices(lang, blank=_("All"))
    return form


def _filters(form) -> queries.QueueFilters:
    valid = form.validate()
    data = form.data
    status = data["status"] if data["status"] and not form.status.errors else ""
    view = queries.view_of(status, data["view"] or "")
    if view == "mine" and current_user.role == AUDITOR:
        view = "open"  # an auditor takes and recommends nothing
    return queries.QueueFilters(
        status=status, key_group=data["key_group"] or "", loan_type=data["loan_type"] or "",
        bank=data["bank"] or "", q=data["q"] or "", sort=data["sort"] or "", view=view,
        submitted_from=data["submitted_from"] if valid or not form.submitted_from.errors else None,
        submitted_to=data["submitted_to"] if valid or not form.submitted_to.errors else None,
        amount_min=Decimal(data["amount_min"]) if data["amount_min"] and not form.amount_min.errors else None,
        amount_max=Decimal(data["amount_max"]) if data["amount_max"] and not form.amount_max.errors else None,
    )


@bp.get("/")
@allow(*CASE_ROLES)
def queue():
    """The queue: open work by default, most urgent first; "my cases", closed cases and
    loans in their own tabs."""
    form = _filter_form()
    filters = _filters(form)
    form.view.data = filters.view
    form.status.choices = forms.status_choices(queries.VIEWS[filters.view])
    form.sort.data = filters.sort or queries.DEFAULT_SORT[filters.view]
    listed, counts = queries.queue_page(current_user, filters, request.args.get("page", 1, type=int))
    rows = listed.items
    today = local_today()
    calendar = working_calendar()
    target = current_app.config["REVIEW_TARGET_WORKING_DAYS"]
    counted = [a for a in rows if a.status in queries.IN_REVIEW and a.submitted_at is not None]
    days_left = {a.id: queries.working_days_left(a, today, calendar, target) for a in counted}
    # a year without holidays counts Monday–Friday: say so rather than pass it off as exact
    missing_years = calendar.missing_years(min(queries.submitted_on(a) for a in counted), today) if counted else ()
    args = {k: v for k, v in request.args.items() if k != "page"}
    tabs = [(v, counts.total(v)) for v in queries.VIEWS if v != "mine" or current_user.role != AUDITOR]
    return render_template("review/queue.html", form=form, rows=rows, total=listed.total, counts=counts,
                           view=filters.view, tabs=tabs, statuses=counts.of(filters.view),
                           page=listed.page, pages=listed.pages, args=args, days_left=days_left, target=target,
                           submitted={a.id: queries.submitted_on(a) for a in rows},
                           missing_years=missing_years)


@bp.get("/decisions")
@allow(SUPERVISOR)
def decisions():
    return redirect(url_for(".queue", status=CaseStatus.recommended.value))


def _case(application_id: int):
    return application_or_404(application_id, current_user)


def _case_page(application, *, status=200, revealed_id=None, **forms_override):
    """The case page, in the order of the work: what the case is and the viewer's next
    step, documents and evidence checks, eligibility, then the recommendation or decision."""
    lang = current_lang()
    snapshot = latest_snapshot(application)
    info_form = forms_override.get("info_form") or forms.RequestInfoForm()
    info_form.documents.choices = forms.document_choices()
    recommend_form = forms_override.get("recommend_form") or forms.RecommendForm(
        data={"amount": str(application.amount) if application.amount else "", "term_months": application.term_months,
              "bank_code": application.preferred_bank_code})
    paused = g.paused_banks = paused_bank_codes(local_today())  # the template's bank_paused reads it from g
    recommend_form.bank_code.choices = [(code, _("%(bank)s (new approvals paused)", bank=name) if code in paused else name)
                                        for code, name in bank_choices(lang)]
    recommend_form.failed_rules.choices = [(r["id"], rule_title(r["id"])) for r in (snapshot.rules if snapshot else [])]
    decide_form = forms_override.get("decide_form") or forms.DecideForm()
    parts = queries.case_parts(application)
    evidence_rules = [r for r in (snapshot.rules if snapshot else []) if r["id"] in services.EVIDENCE_RULES
                      and r["result"] != "not_applicable"]
    latest_checks = {c.rule_id: c.verified for c in reversed(parts["checks"])}  # the latest check per rule
    can_act = current_user.role in (OFFICER, SUPERVISOR)
    # the outcome shown open: the one whose form was sent back with a problem
    chosen = ("info" if "info_form" in forms_override else recommend_form.decision.data
              if "recommend_form" in forms_override else None)
    calendar, target, today = working_calendar(), current_app.config["REVIEW_TARGET_WORKING_DAYS"], local_today()
    check = None
    if (current_user.role == SUPERVISOR and application.status == CaseStatus.recommended.value
            and application.recommendation == "approve" and application.recommended_amount):
        check = fund_check(application, application.recommended_amount, today)
    return render_template(
        "review/case.html", application=application, snapshot=snapshot, events=timeline(application),
        info_form=info_form, recommend_form=recommend_form, decide_form=decide_form, chosen=chosen,
        evidence_form=forms.EvidenceForm(), note_form=forms_override.get("note_form") or forms.NoteForm(),
        evidence_rules=evidence_rules, latest_checks=latest_checks, can_act=can_act,
        to_check=[r["id"] for r in evidence_rules if r["id"] not in latest_checks],
        letters=letters_for(application), revoke_form=RevokeForm(),
        is_recommender=application.recommended_by_id == current_user.id, revealed_id=revealed_id,
        can_reveal=services.can_reveal(current_user, application),
        may_see_sensitive=may_see_sensitive(current_user, application), in_review=queries.IN_REVIEW,
        days_left=queries.working_days_left(application, today, calendar, target),
        deadline=queries.review_deadline(application, calendar, target),
        target=target, fund_check=check, fund_refusals=refusal_texts(check) if check else [],
        may_override=is_citywide_supervisor(current_user), overrides=overrides_of(application), **parts), status


@bp.get("/cases/<int:application_id>")
@allow(*CASE_ROLES)
def case(application_id: int):
    return _case_page(_case(application_id))


def _done(application, message):
    flash(message, "success")
    return redirect(url_for(".case", application_id=application.id))


def _refusable(application, **forms_override):
    """A refused action shows the case page again, with what was typed and the reason."""
    form = next(iter(forms_override.values()), None)
    on_refusal(lambda: _case_page(application, **forms_override), form)


@bp.post("/cases/<int:application_id>/take")
@allow(OFFICER, SUPERVISOR)
def take(application_id: int):
    application = _case(application_id)
    _refusable(application)
    services.take_case(application, actor=current_user)
    return _done(application, _("You are now reviewing this case."))


@bp.post("/cases/<int:application_id>/request-info")
@allow(OFFICER, SUPERVISOR)
def request_info(application_id: int):
    application = _case(application_id)
    form = forms.RequestInfoForm()
    form.documents.choices = forms.document_choices()
    if not form.validate_on_submit():
        return _case_page(application, info_form=form, status=400)
    _refusable(application, info_form=form)
    services.request_info(application, actor=current_user, message=form.message.data, documents=form.documents.data)
    return _done(application, _("The applicant has been asked for more information."))


@bp.post("/cases/<int:application_id>/evidence")
@allow(OFFICER, SUPERVISOR)
def evidence(application_id: int):
    application = _case(application_id)
    form = forms.EvidenceForm()
    _refusable(application)
    if not form.validate_on_submit():
        raise Refused(_l("Choose verified or not verified."))
    services.record_evidence(application, actor=current_user, rule_id=form.rule_id.data,
                             verified=form.verified.data == "yes", note=form.note.data or "")
    services.rerun_eligibility(application, actor=current_user)
    return _done(application, _("Check recorded; eligibility re-run."))


@bp.post("/cases/<int:application_id>/notes")
@allow(OFFICER, SUPERVISOR)
def add_note(application_id: int):
    application = _case(application_id)
    form = forms.NoteForm()
    if not form.validate_on_submit():
        return _case_page(application, note_form=form, status=400)
    _refusable(application, note_form=form)
    services.add_note(application, actor=current_user, body=form.body.data)
    return _done(application, _("Note added."))


@bp.post("/cases/<int:application_id>/eligibility")
@allow(OFFICER, SUPERVISOR)
def rerun(application_id: int):
    application = _case(application_id)
    _refusable(application)
    services.rerun_eligibility(application, actor=current_user)
    return _done(application, _("Eligibility re-run with today's records."))


@bp.post("/cases/<int:application_id>/reveal")
@allow(OFFICER, SUPERVISOR)
def reveal(application_id: int):
    application = _case(application_id)
    _refusable(application)
    return _case_page(application, revealed_id=services.reveal_id(application, actor=current_user))


@bp.post("/cases/<int:application_id>/recommend")
@allow(OFFICER, SUPERVISOR)
def recommend(application_id: int):
    application = _case(application_id)
    form = forms.RecommendForm()
    form.bank_code.choices = bank_choices(current_lang())
    snapshot = latest_snapshot(application)
    form.failed_rules.choices = [(r["id"], r["id"]) for r in (snapshot.rules if snapshot else [])]
    if not form.validate_on_submit():
        return _case_page(application, recommend_form=form, status=400)
    _refusable(application, recommend_form=form)
    services.recommend(
        application, actor=current_user, decision=form.decision.data,
        amount=Decimal(form.amount.data) if form.amount.data else None, term_months=form.term_months.data,
        bank_code=form.bank_code.data, conditions=form.conditions.data or "", failed_rules=form.failed_rules.data,
        explanation=form.explanation.data or "")
    return _done(application, _("Recommendation recorded; the case goes to a supervisor."))


@bp.post("/cases/<int:application_id>/decide")
@allow(SUPERVISOR)
def decide(application_id: int):
    require_role(SUPERVISOR)
    application = _case(application_id)
    form = forms.DecideForm()
    if not form.validate_on_submit():
        return _case_page(application, decide_form=form, status=400)
    _refusable(application, decide_form=form)
    services.decide(application, actor=current_user, decision=form.decision.data,
                    amount=Decimal(form.amount.data) if form.amount.data else None, reason=form.reason.data or "",
                    override_reason=form.override_reason.data or "")
    messages = {"approve": _("Approved."), "reject": _("Rejected."), "send_back": _("Sent back to the officer.")}
    return _done(application, messages[form.decision.data])
