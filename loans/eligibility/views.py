"""The public pre-check page ("Am I eligible?") and carrying its answers into a draft."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ..access import APPLICANT, public
from ..applications import services as application_services
from ..audit.services import record
from ..core import resident_id
from ..core.eligibility import NEEDS_EVIDENCE
from ..core.money import parse_amount
from ..db import local_today
from ..extensions import limiter
from ..i18n import colon, current_lang
from ..personal_data import vault
from ..policy.models import KeyGroup
from ..policy.queries import district_choices, key_groups
from . import services
from .forms import OUTSIDE, PrecheckForm, StartForm
from ..errors import Refused, on_refusal

bp = Blueprint("eligibility", __name__, url_prefix="/eligibility")

SESSION_KEY = "precheck"
# The resident ID typed in the pre-check, for the application it starts: encrypted with the
# personal-data key, signed with a time limit, and kept in the session only (the login keeps
# it: auth.views.KEPT_AT_LOGIN) — never in a link.
ID_SESSION_KEY = "precheck_id"
ANSWERS_MAX_AGE = 24 * 3600  # seconds a carried-over set of answers stays usable
# Answers carried into an application. Never the resident ID, birth date or sex: the
# answers travel in the session cookie and in the register link.
CARRIED = ("key_groups", "graduation_date", "loan_type", "amount", "term_months", "partners", "district_code",
           "prior_subsidized_loans", "prior_overdue", "other_loans", "staff", "new_key_group_hires")
OTHER_LOANS = {"yes": True, "no": False}  # no answer: None, "not declared yet"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="eligibility-precheck-answers")


def _prepare(form: PrecheckForm) -> list[KeyGroup]:
    lang = current_lang()
    groups = key_groups(active_only=True)
    form.key_groups.choices = [(g.code, g.label(lang)) for g in groups]
    form.district_code.choices = (district_choices(lang, blank="—", active_only=True)
                                  + [(OUTSIDE, _("Outside Chenzhou"))])
    return groups


def _carried(form: PrecheckForm) -> dict:
    """The form's answers to carry over, as JSON-safe values."""
    values = {name: form.data[name] for name in CARRIED}
    values["graduation_date"] = values["graduation_date"].isoformat() if values["graduation_date"] else None
    values["key_groups"] = list(values["key_groups"] or [])
    return values


def _form_data(answers: dict) -> dict:
    data = dict(answers)
    if data.get("graduation_date"):
        data["graduation_date"] = date.fromisoformat(data["graduation_date"])
    return data


def _load_token(token: str | None) -> dict | None:
    if not token:
        return None
    try:
        answers = _serializer().loads(token, max_age=ANSWERS_MAX_AGE)
    except BadSignature:
        return None
    return answers if isinstance(answers, dict) else None


def _keep_resident_id(number: str | None) -> None:
    """Remember the pre-check's resident ID for the application it may start (or forget an
    earlier one when this pre-check gave none)."""
    if number:
        session[ID_SESSION_KEY] = _serializer().dumps({"id": vault().encrypt_text(resident_id.normalize(number))})
    else:
        session.pop(ID_SESSION_KEY, None)


def _kept_resident_id() -> str | None:
    kept = _load_token(session.get(ID_SESSION_KEY))
    if not kept or not isinstance(kept.get("id"), str):
        return None
    try:
        return vault().decrypt_text(kept["id"])
    except RuntimeError:  # encrypted under another key: as if never typed
        return None


def _answers(form: PrecheckForm) -> services.PrecheckInput:
    return services.PrecheckInput(
        application_date=local_today(), key_groups=tuple(form.key_groups.data or ()),
        loan_type=form.loan_type.data, amount=parse_amount(form.amount.data), term_months=form.term_months.data,
        district_code=form.district_code.data, id_number=form.id_number.data or None,
        birth_date=form.birth_date.data, sex=form.sex.data or None, graduation_date=form.graduation_date.data,
        partners=form.partners.data or 1, prior_subsidized_loans=form.prior_subsidized_loans.data or 0,
        prior_overdue=form.prior_overdue.data, other_loans=OTHER_LOANS.get(form.other_loans.data),
        staff=form.staff.data, new_key_group_hires=form.new_key_group_hires.data)


def _problem_text(code: str, params: dict) -> str:
    texts = {
        "unknown_key_group": _("This key group is not offered."),
        "graduation_date_required": _("Give your graduation date: the graduate group counts only for some years "
                                      "after graduating."),
        "no_policy": _("No policy is in force today; please contact the bureau."),
    }
    return texts.get(code, _("Please check this answer."))


def _plain_rules(result, district_code: str):
    """The engine's answers; a place outside the city is said in words, not as a code."""
    rules = list(result.rules)
    if district_code == OUTSIDE:
        text = _("The business would be outside Chenzhou. The programme only supports businesses located in "
                 "one of Chenzhou's counties and districts.")
        rules = [replace(r, message_en=text, message_zh=text) if r.id == "E09" else r for r in rules]
    return rules


def _evidence(result, groups: list[KeyGroup], claimed: list[str], loan_type: str) -> list[str]:
    """What to bring: the ID card, each claimed group's evidence, what the officer must check."""
    lang = current_lang()
    items = [_("Your resident ID card")]
    items += [f"{g.label(lang)}{colon(lang)}{g.evidence(lang)}" for g in groups if g.code in claimed]
    if loan_type == "enterprise":
        items.append(_("The enterprise's business licence"))
    items += [r.message(lang) for r in result.rules if r.result == NEEDS_EVIDENCE and not r.undeclared]
    return items


@bp.route("", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], methods=["POST"])
def precheck():
    carried = None
    if request.method == "GET":
        carried = _load_token(request.args.get("answers"))
        if request.args.get("answers") and carried is None:
            flash(_("Those answers have expired. Please answer the questions again."), "warning")
        form = PrecheckForm(data=_form_data(carried)) if carried else PrecheckForm()
    else:
        form = PrecheckForm()
    groups = _prepare(form)
    result = rules = evidence = token = None
    if request.method == "POST" and form.validate_on_submit():
        answers = _answers(form)
        problems = services.precheck_problems(answers)
        for field, codes in problems.items():
            getattr(form, field).errors.extend(_problem_text(code, params) for code, params in codes)
        if not problems:
            result = services.run_precheck(answers)
            rules = _plain_rules(result, form.district_code.data)
            evidence = _evidence(result, groups, list(answers.key_groups), answers.loan_type)
            carried = _carried(form)
            session[SESSION_KEY] = carried
            _keep_resident_id(answers.id_number)
    if carried is not None:
        token = _serializer().dumps(carried)
    status = 400 if request.method == "POST" and form.errors else 200
    return _precheck_page(form, result=result, rules=rules, evidence=evidence, token=token,
                          resumed=request.method == "GET" and carried is not None, status=status)


def _precheck_page(form: PrecheckForm, *, result=None, rules=None, evidence=None, token=None, resumed=False,
                   status=200):
    kept_id = _kept_resident_id() if token else None
    return render_template("eligibility/precheck.html", form=form, result=result, rules=rules, evidence=evidence,
                           start=StartForm(answers=token) if token else None, resumed=resumed,
                           kept_id_masked=resident_id.mask(kept_id) if kept_id else None), status


def _blank_precheck_page():
    """The questions again, unanswered (a start that could not use its answers)."""
    form = PrecheckForm(formdata=None)
    _prepare(form)
    return _precheck_page(form)


@bp.post("/start")
@public
def start():
    """Start a draft application pre-filled with the pre-check's answers."""
    form = StartForm()
    if not form.validate_on_submit():
        abort(400)
    on_refusal(_blank_precheck_page)
    answers = _load_token(form.answers.data) or session.get(SESSION_KEY)
    if not isinstance(answers, dict):
        raise Refused(_l("Answer the questions first; then you can start an application with your answers."))
    token = _serializer().dumps(answers)
    if not current_user.is_authenticated:
        flash(_("Create an account (or log in) to start your application; your answers are kept."), "info")
        return redirect(url_for("auth.register", next=url_for(".precheck", answers=token)))
    if current_user.role != APPLICANT:
        abort(403)
    try:
        application = _draft_from(answers)
    except (ValueError, TypeError, KeyError):  # answers of an older shape, or altered: nothing is kept
        raise Refused(_l("Some answers could not be carried over. Please answer the questions again.")) from None
    session.pop(SESSION_KEY, None)
    session.pop(ID_SESSION_KEY, None)
    flash(_("Your application has been started with your answers. Please complete the remaining steps."), "success")
    return redirect(url_for("applications.step", application_id=application.id, step="person"))


def _draft_from(answers: dict):
    application = application_services.start_application(current_user)
    application_services.save_key_groups(application, list(answers.get("key_groups") or []))
    loan_type = answers.get("loan_type")
    business = {"loan_type": loan_type}
    if answers.get("district_code") and answers["district_code"] != OUTSIDE:
        business["district_code"] = answers["district_code"]
    if loan_type == "enterprise":
        business["current_staff"] = answers.get("staff")
        business["new_key_group_hires"] = answers.get("new_key_group_hires")
    application_services.save_business(application, business)
    application_services.save_loan(application, {"amount": answers.get("amount"),
                                                 "term_months": answers.get("term_months")})
    person = {"id_number": _kept_resident_id()}
    if answers.get("graduation_date"):
        person["graduation_date"] = date.fromisoformat(answers["graduation_date"])
    application_services.save_person(application, person)
    record("prefill", application, actor=current_user, source="precheck",
           fields=sorted([k for k, v in answers.items() if v not in (None, "", [])]
                         + (["id_number"] if person["id_number"] else [])))
    return application
