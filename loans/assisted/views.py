from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..access import APPLICANT, COMMUNITY, allow
from ..applications.queries import application_or_404
from ..core.workflow import CaseStatus
from ..db import db
from ..eligibility.services import evaluate_case
from ..errors import Refused, on_refusal
from ..i18n import current_lang
from ..labels import CONFIRMED_WITH
from ..policy.queries import key_group_choices
from ..applications import forms as app_forms
from ..applications import services as applications
from ..auth import codes
from ..portal import views as portal
from . import forms, queries, services

bp = Blueprint("assisted", __name__, url_prefix="/assisted")
WRONG_CODE = _l("The code is not right or has expired. Ask for a new code.")


@bp.get("/")
@allow(COMMUNITY)
def index():
    cases = db.session.scalars(queries.filed_by(current_user)).all()
    return render_template("assisted/index.html", cases=cases)


@bp.route("/new", methods=["GET", "POST"])
@allow(COMMUNITY)
def new():
    form = forms.PersonForm()

    def page(status=200):
        return render_template("assisted/new.html", form=form), status

    if not form.validate_on_submit():
        return page(400 if form.is_submitted() else 200)
    on_refusal(lambda: page(400), form)
    application = services.file_for_person(current_user, full_name=form.full_name.data,
                                           id_number=form.id_number.data, mobile=form.mobile.data)
    return redirect(url_for(".case", application_id=application.id))


@bp.get("/<int:application_id>")
@allow(COMMUNITY)
def case(application_id: int):
    return case_page(queries.filed_case_or_404(application_id, current_user))


def case_page(application, code_form=None, scan_form=None, upload_form=None, status=200):
    """The filed case: read-only (resident ID masked); while a draft, its steps, the evidence,
    the person's confirmation (a code read out, or a signed scan) and the submission."""
    return render_template("assisted/case.html", application=application, code_form=code_form or forms.CodeForm(),
                           scan_form=scan_form or forms.ScanForm(), is_draft=application.status == CaseStatus.draft,
                           confirmed_with=CONFIRMED_WITH, steps=steps_for(application), titles=portal.step_titles(),
                           upload_form=upload_form or _upload_form(application), missing=applications.missing_items(application)),\
        status


def _filed_action(application_id: int, form=None):
    application = queries.filed_case_or_404(application_id, current_user)
    on_refusal(lambda: case_page(application, code_form=form if isinstance(form, forms.CodeForm) else None,
                                 scan_form=form if isinstance(form, forms.ScanForm) else None, status=400), form)
    return application


@bp.post("/<int:application_id>/code")
@allow(COMMUNITY)
def send_code(application_id: int):
    application = _filed_action(application_id)
    services.send_confirmation_code(application, address=request.remote_addr or "")
    flash(_("A code was sent to the person's mobile. Ask them to read it out to you."), "success")
    return redirect(url_for(".case", application_id=application.id))


def _person_confirms(application_id: int, form, empty: str, field: str, confirm):
    """The person's confirmation by ``form`` (a code read out, or a signed scan)."""
    application = _filed_action(application_id, form)
    if not form.validate_on_submit():
        raise Refused(empty, field)
    if not confirm(application, form[field].data):
        form[field].errors.append(WRONG_CODE)
        return case_page(application, code_form=form, status=400)
    flash(_("The person has confirmed the consent and the declarations."), "success")
    return redirect(url_for(".case", application_id=application.id))


@bp.post("/<int:application_id>/confirm")
@allow(COMMUNITY)
def confirm(application_id: int):
    return _person_confirms(application_id, forms.CodeForm(), _("Type the code the person reads out."), "code",
                            lambda application, code: services.confirm_by_code(application, current_user, code))


@bp.post("/<int:application_id>/scan")
@allow(COMMUNITY)
def scan(application_id: int):
    return _person_confirms(application_id, forms.ScanForm(), _("Choose the signed form to upload."), "file",
                            lambda application, upload: services.confirm_by_scan(application, current_user, upload))


def _upload_form(application):
    form = app_forms.UploadForm()
    form.kind.choices = [("", "—")] + app_forms.document_kind_choices(
        [link.key_group for link in application.key_group_links])
    return form


@bp.post("/<int:application_id>/documents")
@allow(COMMUNITY)
def upload(application_id: int):
    """Evidence the worker uploads for the person (the portal's upload form and checks)."""
    application = queries.filed_case_or_404(application_id, current_user)
    form = _upload_form(application)
    on_refusal(lambda: case_page(application, upload_form=form, status=400), form)
    services.ensure_draft(application)
    if not form.validate_on_submit():
        raise Refused(_("Choose the document and its file."), "file")
    applications.store_document(application, form.file.data, form.kind.data, actor=current_user)
    flash(_("Uploaded: %(name)s", name=applications.clean_filename(form.file.data.filename)), "success")
    return redirect(url_for(".case", application_id=application.id))


@bp.post("/<int:application_id>/submit")
@allow(COMMUNITY)
def submit(application_id: int):
    application = _filed_action(application_id)
    services.submit(application, current_user,
                    evaluate=lambda case: evaluate_case(case, trigger="submission", actor=current_user))
    flash(_("The application %(ref)s has been submitted.", ref=application.reference), "success")
    return redirect(url_for(".case", application_id=application.id))


# --- the worker fills the applicant's steps (the portal's forms), never the declarations ---

STEPS = ("person", "groups", "business", "loan")


def steps_for(application) -> tuple[str, ...]:
    """The worker's steps: a partnership's partners come after the loan."""
    return STEPS + ("partners",) if application.is_partnership else STEPS


@bp.route("/<int:application_id>/step/<step>", methods=["GET", "POST"])
@allow(COMMUNITY)
def step(application_id: int, step: str):
    application = queries.filed_case_or_404(application_id, current_user)
    if step not in STEPS + ("partners",):
        abort(404)
    if request.method == "POST":
        on_refusal(lambda: case_page(application, status=409))
        services.ensure_draft(application)
    elif application.status != CaseStatus.draft:
        return redirect(url_for(".case", application_id=application.id))
    if step == "partners":
        if not application.is_partnership:
            return redirect(url_for(".case", application_id=application.id))
        return partners(application)
    form_class, prepare = portal.STEP_FORMS[step]
    form = form_class() if request.method == "POST" else form_class(data=portal.step_values(application, step))
    saver = prepare(application, form)
    if step == "person":  # the codes go to the person's own mobile, given when the filing started
        form.mobile.data, form.keep_mobile = application.mobile, True
        form.mobile.render_kw = {**(form.mobile.render_kw or {}), "disabled": True}

    def page():
        return render_template("assisted/step.html", application=application, form=form, step=step, steps=STEPS,
                               titles=portal.step_titles())

    if request.method == "POST":
        form.is_draft = request.form.get("action") == "draft"
        if form.validate_on_submit():
            on_refusal(page, form)
            values = {k: v for k, v in form.data.items() if k != "csrf_token"}
            if step == "person":
                values["mobile"] = application.mobile
            applications.save_step(application, step, saver, values, actor=current_user)
            steps = steps_for(application)
            if form.is_draft or step == steps[-1]:
                return redirect(url_for(".case", application_id=application.id))
            return redirect(url_for(".step", application_id=application.id, step=steps[steps.index(step) + 1]))
    return page()


# --- a partnership's partners: listed by the worker, each confirming by a signed form ---

def _partner_form():
    form = forms.PartnerForm()
    form.key_group_code.choices = key_group_choices(current_lang(), blank="—", active_only=True)
    return form


def _scan_form(partner_id: int, **kwargs):
    return forms.PartnerScanForm(prefix=f"p{partner_id}", **kwargs)


def _partners_page(application, form=None, sent_scan=None, status=200):
    """``sent_scan``: one partner's signed form as it was sent (with its error)."""
    scans = {p.id: _scan_form(p.id, formdata=None) for p in application.partners}
    if sent_scan is not None and sent_scan.partner_id in scans:
        scans[sent_scan.partner_id] = sent_scan
    return render_template("assisted/partners.html", application=application, form=form or _partner_form(),
                           scans=scans, confirm=app_forms.ConfirmForm(), step="partners",
                           steps=steps_for(application), titles=portal.step_titles(),
                           confirmed_with=CONFIRMED_WITH), status


def partners(application):
    form = _partner_form()
    if request.method == "POST":
        if not form.validate_on_submit():
            return _partners_page(application, form=form, status=400)
        on_refusal(lambda: _partners_page(application, form=form, status=400), form)
        services.add_partner(application, current_user, {k: form.data[k] for k in (
            "full_name", "id_number", "key_group_code", "graduation_date")})
        flash(_("Partner added. They confirm their own declaration by a signed form."), "success")
        return redirect(url_for(".step", application_id=application.id, step="partners"))
    return _partners_page(application, form=form)


@bp.post("/<int:application_id>/partners/<int:partner_id>/delete")
@allow(COMMUNITY)
def delete_partner(application_id: int, partner_id: int):
    application = queries.filed_case_or_404(application_id, current_user)
    if not app_forms.ConfirmForm().validate_on_submit():
        abort(400)
    on_refusal(lambda: _partners_page(application, status=409))
    services.remove_partner(application, partner_id)
    flash(_("Partner removed."), "info")
    return redirect(url_for(".step", application_id=application.id, step="partners"))


@bp.post("/<int:application_id>/partners/<int:partner_id>/scan")
@allow(COMMUNITY)
def partner_scan(application_id: int, partner_id: int):
    """The partner's declaration, signed by the partner: the worker only scans it."""
    application = queries.filed_case_or_404(application_id, current_user)
    form = _scan_form(partner_id)
    form.partner_id = partner_id
    on_refusal(lambda: _partners_page(application, sent_scan=form, status=400), form)
    if not form.validate_on_submit():
        raise Refused(_("Choose the signed form to upload."), "file")
    partner = services.confirm_partner_by_scan(application, current_user, partner_id, form.file.data)
    flash(_("%(name)s has confirmed their declaration.", name=partner.full_name), "success")
    return redirect(url_for(".step", application_id=application.id, step="partners"))


# --- the person takes the case over -----------------------------------------------------

def _takeover_page(application, form=None, status=200):
    return render_template("assisted/takeover.html", application=application,
                           form=form or forms.TakeoverForm()), status


def _filed_for_me(application_id: int):
    """The applicant's own case a worker filed and nobody took over yet; None for another
    own case (nothing to take over); 404 for anyone else's."""
    application = application_or_404(application_id, current_user)
    if application.applicant_id != current_user.id:
        abort(404)
    return application if application.filed_by_id is not None and application.taken_over_at is None else None


@bp.route("/takeover/<int:application_id>", methods=["GET", "POST"])
@allow(APPLICANT)
def takeover(application_id: int):
    application = _filed_for_me(application_id)
    if application is None:
        if request.method == "POST":
            abort(404)
        return redirect(url_for("applications.index"))  # nothing (more) to take over
    form = forms.TakeoverForm()
    if request.method == "GET":
        return _takeover_page(application)
    on_refusal(lambda: _takeover_page(application, form, status=400), form)
    if not form.validate_on_submit():
        raise Refused(_("Type the code and your resident ID number."), "code")
    if not services.take_over(application, current_user, code=form.code.data, id_number=form.id_number.data):
        form.code.errors.append(WRONG_CODE)
        return _takeover_page(application, form, status=400)
    flash(_("You have taken over this application; the community worker can no longer see it."), "success")
    return redirect(url_for("applications.index"))


@bp.post("/takeover/<int:application_id>/code")
@allow(APPLICANT)
def takeover_code(application_id: int):
    application = _filed_for_me(application_id)
    if application is None:
        abort(404)
    on_refusal(lambda: _takeover_page(application, status=400))
    outcome = codes.request_code(current_user.mobile or "", "confirm_case", address=request.remote_addr or "",
                                 application_id=application.id)
    if outcome.refusal is not None:
        raise Refused(outcome.refusal, "code", status=429)
    flash(_("A code was sent to your mobile."), "success")
    return redirect(url_for(".takeover", application_id=application.id))
