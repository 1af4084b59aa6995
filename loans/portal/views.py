from __future__ import annotations

import io

from types import SimpleNamespace

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..fund.queries import paused_bank_codes
from ..access import APPLICANT, AUDITOR, OFFICER, SUPERVISOR, allow
from ..core.workflow import OPEN_STATUSES, CaseStatus
from ..db import local_today
from ..errors import Refused, on_refusal
from ..i18n import current_lang
from ..policy.queries import bank_choices, district_choices, key_group_choices, working_calendar
from ..applications import forms, services
from ..applications.queries import portal_letters, portal_loan
from ..eligibility.services import evaluate_case, preview_case, submission_snapshot
from ..review.queries import submitted_on
from ..review.services import answer_info, open_info_request
from ..notifications import services as notification_services
from ..notifications.queries import unread_notifications
from ..applications.queries import application_or_404, document_or_404, may_see_sensitive, own_applications, timeline

bp = Blueprint("applications", __name__, url_prefix="/my/applications")


def _own(application_id: int):
    return application_or_404(application_id, current_user)


def held_for_takeover(application) -> bool:
    """A case a community worker filed for the person and they have not taken over: theirs
    to read, not to change, while it can be changed (SPEC §15: the takeover is the only door)."""
    return (application.filed_by_id is not None and application.taken_over_at is None
            and application.status in services.EDITABLE_STATUSES)


def _own_to_change(application_id: int):
    """The applicant's own case, to change: a case held for takeover goes to its status page
    (a GET) or is refused there (a POST)."""
    application = _own(application_id)
    if held_for_takeover(application):
        if request.method == "GET":
            abort(redirect(url_for(".status", application_id=application.id)))
        on_refusal(lambda: status_page(application, code=409))
        raise Refused(HELD_MESSAGE, status=409)
    return application


HELD_MESSAGE = _l("A community worker filed this application for you. Take it over to change it.")


@bp.get("/")
@allow(APPLICANT)
def index():
    return render_template("applications/index.html", applications=own_applications(current_user),
                           open_statuses={s.value for s in OPEN_STATUSES},
                           notifications=unread_notifications(current_user))


@bp.post("/notifications/read")
@allow(APPLICANT)
def mark_all_read():
    """The "Mark as read" of the news list: the news shown (up to the newest one listed)."""
    if not forms.ConfirmForm().validate_on_submit():
        abort(400)
    notification_services.mark_read(current_user, up_to_id=request.form.get("up_to", type=int))
    return redirect(url_for(".index"))


@bp.post("/<int:application_id>/notifications/read")
@allow(APPLICANT)
def mark_read(application_id: int):
    """The "Mark as read" of a case's news on its status page."""
    application = _own(application_id)
    if not forms.ConfirmForm().validate_on_submit():
        abort(400)
    notification_services.mark_read(current_user, application_id=application.id,
                                    up_to_id=request.form.get("up_to", type=int))
    return redirect(url_for(".status", application_id=application.id))


@bp.post("/new")
@allow(APPLICANT)
def new():
    form = forms.ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    application = services.start_application(current_user)
    return redirect(url_for(".step", application_id=application.id, step="person"))


# --- the steps ------------------------------------------------------------------------

def _person(application, form):
    form.household_district_code.choices = district_choices(current_lang(), blank="—", active_only=True)
    form.keep_id_number = bool(application.id_number_hash)
    if application.id_number_masked:
        form.id_number.description = _("Saved: %(masked)s. Leave empty to keep it, or type it again to change it.",
                                       masked=application.id_number_masked)
    return services.save_person


def _groups(application, form):
    form.key_groups.choices = key_group_choices(current_lang(), active_only=True, with_evidence=True)
    return lambda app, values: services.save_key_groups(app, values.get("key_groups") or [])


def _business(application, form):
    form.district_code.choices = district_choices(current_lang(), blank="—", active_only=True)
    return services.save_business


def _loan(application, form):
    # a bank whose new approvals are paused (SPEC §13) is not offered; one already chosen stays
    paused = paused_bank_codes(local_today()) - {application.preferred_bank_code}
    form.preferred_bank_code.choices = [(code, name) for code, name in
                                        bank_choices(current_lang(), blank="—", active_only=True)
                                        if code not in paused]
    return services.save_loan


def _declarations(application, form):
    return services.save_declarations


STEP_FORMS = {
    "person": (forms.PersonForm, _person),
    "groups": (forms.KeyGroupsForm, _groups),
    "business": (forms.BusinessForm, _business),
    "loan": (forms.LoanForm, _loan),
    "declarations": (forms.DeclarationsForm, _declarations),
}

def step_titles():
    return {
        "person": _("About you"),
        "groups": _("Key groups"),
        "business": _("Your business"),
        "loan": _("The loan"),
        "partners": _("Partners"),
        "declarations": _("Declarations"),
        "documents": _("Evidence"),
        "review": _("Review and submit"),
    }


def _form_data_for(application, step):
    if step == "groups":
        return {"key_groups": application.key_group_codes}
    if step == "loan":
        return {"amount": str(application.amount) if application.amount is not None else "",
                "term_months": application.term_months, "purpose": application.purpose,
                "preferred_bank_code": application.preferred_bank_code}
    names = {
        "person": ("full_name", "mobile", "household_district_code", "education", "graduation_date"),
        "business": ("loan_type", "business_name", "credit_code", "district_code", "business_address", "industry",
                     "business_start_date", "current_staff", "planned_jobs", "new_key_group_hires"),
        "declarations": ("declares_no_other_loans", "consents_credit_check", "declares_truthful"),
    }[step]
    return {name: getattr(application, name) for name in names}


step_values = _form_data_for  # the assisted filing (loans/assisted) fills the same steps


def _lock_submitted_fields(form, application) -> None:
    """After submission the resident ID, loan type and district are shown but not editable."""
    for name in services.LOCKED_AFTER_SUBMISSION:
        if name in form:
            if name != "id_number":
                value = getattr(application, name)
                form[name].data = value
                choices = form[name].choices or []
                if value and value not in [c[0] for c in choices]:  # e.g. a district since deactivated
                    form[name].choices = [*choices, (value, value)]
            form[name].render_kw = {**(form[name].render_kw or {}), "disabled": True}
            form[name].description = _("Fixed at submission.")
            setattr(form, "keep_" + name, True)


def _next_step(application, step):
    steps = services.steps_for(application)
    return steps[min(steps.index(step) + 1, len(steps) - 1)] if step in steps else steps[0]


def _draft_or_status(application, step=None):
    """A draft's step (or an information request's correction) goes on; otherwise a GET
    goes to the status page, and a POST is refused there (the application can no longer
    be changed)."""
    if request.method == "POST":
        on_refusal(lambda: status_page(application))
        services.ensure_editable(application)
    if application.status == CaseStatus.info_requested.value and step != "review":
        return None
    if application.status != CaseStatus.draft.value:
        flash(_("This application has been submitted; you can follow it here."), "info")
        return redirect(url_for(".status", application_id=application.id))
    return None


def _refusable_edit(application, render, form=None):
    """A refused change shows its page again with what was typed and the reason; once the
    application can no longer be edited (submitted or decided meanwhile), its status page."""
    on_refusal(lambda: render() if application.status in services.EDITABLE_STATUSES else status_page(application),
               form)


@bp.route("/<int:application_id>/step/<step>", methods=["GET", "POST"])
@allow(APPLICANT)
def step(application_id: int, step: str):
    application = _own_to_change(application_id)
    if (response := _draft_or_status(application, step)) is not None:
        return response
    if step == "partners":
        if not application.is_partnership:  # e.g. the loan type was changed; the step no longer exists
            return redirect(url_for(".step", application_id=application.id, step="declarations"))
        return partners(application)
    if step == "documents":
        return documents(application)
    if step == "review":
        return review(application)
    if step not in STEP_FORMS:
        abort(404)
    form_class, prepare = STEP_FORMS[step]
    form = form_class() if request.method == "POST" else form_class(data=_form_data_for(application, step))
    saver = prepare(application, form)
    if application.status != CaseStatus.draft.value:
        _lock_submitted_fields(form, application)
    if request.method == "POST":
        form.is_draft = request.form.get("action") == "draft"
        if form.validate_on_submit():
            values = {k: v for k, v in form.data.items() if k != "csrf_token"}
            _refusable_edit(application, lambda: _step_page(application, step, form), form)
            services.save_step(application, step, saver, values, actor=current_user)
            if application.status != CaseStatus.draft.value:
                flash(_("Your correction has been saved. Send your answer to the officer when you are done."),
                      "success")
                return redirect(url_for(".status", application_id=application.id))
            if form.is_draft:
                flash(_("Draft saved. You can come back to it at any time from “My applications”."), "success")
                return redirect(url_for(".step", application_id=application.id, step=step))
            return redirect(url_for(".step", application_id=application.id, step=_next_step(application, step)))
    return _step_page(application, step, form)


def _step_page(application, step, form):
    return render_template("applications/step.html", application=application, form=form, step=step,
                           steps=services.steps_for(application), titles=step_titles())


def _partner_form() -> forms.PartnerForm:
    form = forms.PartnerForm()
    form.key_group_code.choices = key_group_choices(current_lang(), blank="—", active_only=True)
    return form


def partners(application):
    form = _partner_form()
    if request.method == "POST" and form.validate_on_submit():
        _refusable_edit(application, lambda: _partners_page(application, form=form), form)
        services.save_step(application, "partners", services.add_partner,
                           {k: form.data[k] for k in ("full_name", "id_number", "key_group_code",
                                                      "graduation_date", "declares_no_other_loans")},
                           actor=current_user)
        flash(_("Partner added."), "success")
        return redirect(url_for(".step", application_id=application.id, step="partners"))
    return _partners_page(application, form=form)


def _partners_page(application, *, form=None, facts_form=None, status=200):
    """The partners step; ``facts_form`` is one partner's facts form as it was sent."""
    facts = {p.id: forms.PartnerFactsForm(prefix=f"p{p.id}", formdata=None, data={
        "graduation_date": p.graduation_date, "declares_no_other_loans": p.declares_no_other_loans})
        for p in application.partners}
    if facts_form is not None and facts_form.partner_id in facts:
        facts[facts_form.partner_id] = facts_form
    return render_template("applications/partners.html", application=application, form=form or _partner_form(),
                           step="partners", steps=services.steps_for(application), titles=step_titles(),
                           confirm=forms.ConfirmForm(), facts=facts,
                           submitted=application.status != CaseStatus.draft.value), status


@bp.post("/<int:application_id>/partners/<int:partner_id>/facts")
@allow(APPLICANT)
def partner_facts(application_id: int, partner_id: int):
    application = _own_to_change(application_id)
    form = forms.PartnerFactsForm(prefix=f"p{partner_id}")
    form.partner_id = partner_id
    if not form.validate_on_submit():
        if not form.errors.get("graduation_date"):
            form.graduation_date.errors = [_("Please check the partner's details.")]
        return _partners_page(application, facts_form=form, status=400)
    _refusable_edit(application, lambda: _partners_page(application, facts_form=form), form)
    services.correct_partner_facts(application, partner_id, form.data, actor=current_user)
    flash(_("Partner details saved."), "success")
    return redirect(url_for(".step", application_id=application.id, step="partners"))


@bp.post("/<int:application_id>/partners/<int:partner_id>/delete")
@allow(APPLICANT)
def delete_partner(application_id: int, partner_id: int):
    application = _own_to_change(application_id)
    if not forms.ConfirmForm().validate_on_submit():
        abort(400)
    _refusable_edit(application, lambda: _partners_page(application))
    services.remove_partner(application, partner_id)
    flash(_("Partner removed."), "info")
    return redirect(url_for(".step", application_id=application.id, step="partners"))


def documents(application, upload_form=None, consent_form=None, status=200):
    upload_form = upload_form or forms.UploadForm()
    claimed = [link.key_group for link in application.key_group_links]
    upload_form.kind.choices = [("", "—")] + forms.document_kind_choices(claimed)
    has_consent = services.has_sensitive_consent(current_user, application)
    return render_template(
        "applications/documents.html", application=application, form=upload_form,
        consent=consent_form or forms.ConsentForm(),
        has_consent=has_consent, step="documents", steps=services.steps_for(application), titles=step_titles(),
        confirm=forms.ConfirmForm(), sensitive_groups=[g for g in claimed if g.sensitive],
    ), status


@bp.post("/<int:application_id>/consent")
@allow(APPLICANT)
def consent(application_id: int):
    application = _own_to_change(application_id)
    if (response := _draft_or_status(application, "documents")) is not None:
        return response
    form = forms.ConsentForm()
    if not form.validate_on_submit():
        return documents(application, consent_form=form, status=400)
    services.record_consent(current_user, application, request.remote_addr)
    flash(_("Thank you. Your consent has been recorded; you can now upload sensitive documents."), "success")
    return redirect(url_for(".step", application_id=application.id, step="documents"))


@bp.post("/<int:application_id>/documents")
@allow(APPLICANT)
def upload(application_id: int):
    application = _own_to_change(application_id)
    form = forms.UploadForm()
    form.kind.choices = [("", "—")] + forms.document_kind_choices(
        [link.key_group for link in application.key_group_links])
    from_status = request.form.get("back") == "status"

    def page(status=200):  # where the upload came from: the evidence step or the status page's information request
        if from_status or application.status not in services.EDITABLE_STATUSES:
            return status_page(application, upload_form=form, code=status)
        return documents(application, upload_form=form, status=status)

    on_refusal(page, form)
    services.ensure_accepts_documents(application)
    if not form.validate_on_submit():
        return page(400)
    services.store_document(application, form.file.data, form.kind.data, actor=current_user)
    flash(_("Uploaded: %(name)s", name=services.clean_filename(form.file.data.filename)), "success")
    return redirect(url_for(".status", application_id=application.id) if from_status
                    else url_for(".step", application_id=application.id, step="documents"))


@bp.post("/<int:application_id>/documents/<int:document_id>/delete")
@allow(APPLICANT)
def delete_document(application_id: int, document_id: int):
    application = _own_to_change(application_id)
    document = document_or_404(application, document_id)
    if not forms.ConfirmForm().validate_on_submit():
        abort(400)
    _refusable_edit(application, lambda: documents(application))
    services.delete_document(application, document, actor=current_user)
    flash(_("Document removed."), "info")
    return redirect(url_for(".step", application_id=application.id, step="documents"))


def review(application):
    return render_template("applications/review.html", application=application, step="review",
                           steps=services.steps_for(application), titles=step_titles(),
                           missing=services.missing_items(application), eligibility=preview_case(application),
                           confirm=forms.ConfirmForm())


@bp.post("/<int:application_id>/submit")
@allow(APPLICANT)
def submit(application_id: int):
    application = _own_to_change(application_id)
    if not forms.ConfirmForm().validate_on_submit():
        abort(400)
    # refused: an incomplete draft shows its review step (what is missing); a submitted
    # application its status page
    on_refusal(lambda: review(application) if application.status == CaseStatus.draft.value
               else status_page(application))
    services.submit_application(application, actor=current_user, evaluate=lambda case: evaluate_case(
        case, trigger="submission", actor=current_user))
    flash(_("Your application %(ref)s has been submitted. We will tell you about every step here.",
            ref=application.reference), "success")
    return redirect(url_for(".status", application_id=application.id))


@bp.get("/<int:application_id>")
@allow(APPLICANT)
def status(application_id: int):
    return status_page(_own(application_id))


# What the status page shows of the packages above this one, read by the page's view so
# that its templates query nothing: the case's letters, and the applicant's loan (None
# before a contract).

# Where the case is with the bureau, from submission to the decision.
AWAITING_DECISION = (CaseStatus.submitted, CaseStatus.under_review, CaseStatus.info_requested, CaseStatus.recommended)


def next_steps(application) -> SimpleNamespace | None:
    """The status page's "what happens next" while the bureau has the case: the review
    target in working days (the one the officers' queue counts against) and the day it
    falls on, counted from the day of submission on the official working calendar."""
    if application.status not in {s.value for s in AWAITING_DECISION}:
        return None
    target = current_app.config["REVIEW_TARGET_WORKING_DAYS"]
    on = submitted_on(application)
    due = working_calendar().add_working_days(on, target) if on else None
    return SimpleNamespace(target=target, due=due, late=due is not None and due < local_today())


def status_page(application, answer_form=None, upload_form=None, code=200):
    """The applicant's status page. Reading it changes nothing: its news stay unread until
    the applicant marks them read (a POST)."""

    info_request = open_info_request(application) if application.status == CaseStatus.info_requested.value else None
    if upload_form is None:
        upload_form = forms.UploadForm(formdata=None)
    upload_form.kind.choices = [("", "—")] + forms.document_kind_choices(
        [link.key_group for link in application.key_group_links])
    return render_template("applications/status.html", application=application, events=timeline(application),
                           confirm=forms.ConfirmForm(), held=held_for_takeover(application),
                           can_withdraw=application.status in {s.value for s in OPEN_STATUSES}
                           and not held_for_takeover(application),
                           snapshot=submission_snapshot(application), info_request=info_request,
                           answer_form=answer_form or forms.AnswerForm(), form=upload_form,
                           has_consent=services.has_sensitive_consent(current_user, application),
                           notifications=unread_notifications(current_user, application_id=application.id),
                           letters=portal_letters(application), portal_loan=portal_loan(application),
                           next_steps=next_steps(application)), code


@bp.post("/<int:application_id>/answer")
@allow(APPLICANT)
def answer(application_id: int):
    application = _own_to_change(application_id)
    form = forms.AnswerForm()
    if not form.validate_on_submit():
        return status_page(application, answer_form=form, code=400)
    on_refusal(lambda: status_page(application, answer_form=form), form)
    answer_info(application, actor=current_user, answer=form.answer.data)
    flash(_("Thank you. Your answer has been sent and your application is back with the officer."), "success")
    return redirect(url_for(".status", application_id=application.id))


@bp.post("/<int:application_id>/withdraw")
@allow(APPLICANT)
def withdraw(application_id: int):
    application = _own_to_change(application_id)
    if not forms.ConfirmForm().validate_on_submit():
        abort(400)
    on_refusal(lambda: status_page(application))
    services.withdraw_application(application, actor=current_user, reason=request.form.get("reason", "")[:500])
    flash(_("Your application has been withdrawn."), "info")
    return redirect(url_for(".status", application_id=application.id))


# --- documents for everyone allowed to see the case ----------------------------------

@bp.get("/<int:application_id>/documents/<int:document_id>")
@allow(APPLICANT, OFFICER, SUPERVISOR, AUDITOR)
def download(application_id: int, document_id: int):
    application = application_or_404(application_id, current_user)
    document = document_or_404(application, document_id)
    if document.encrypted:
        # Sensitive evidence (SPEC §11): the rule of may_see_sensitive, for every way it
        # leaves the server; other staff see that it exists, not its content.
        if not may_see_sensitive(current_user, application):
            abort(403)
        if current_user.role != APPLICANT:
            services.record_document_view(application, document, actor=current_user)  # committed with the GET
    data = services.read_document(document)
    # Only images open in the browser, and in a sandbox; anything else (a PDF could carry
    # script or be an HTML polyglot) is a download, opened outside the app's origin.
    inline = document.content_type in INLINE_TYPES and request.args.get("download") != "1"
    response = send_file(io.BytesIO(data), mimetype=document.content_type, download_name=document.original_name,
                         as_attachment=not inline, max_age=0)
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'"
    response.headers["Cache-Control"] = "private, no-store"
    return response


INLINE_TYPES = frozenset({"image/jpeg", "image/png"})
