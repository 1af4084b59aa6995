from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..core.workflow import CaseStatus
from ..forms import BoundedIntegerField, MultiCheckboxField, check_amount, plausible_date, strip
from ..labels import DOCUMENT_KIND, LOAN_TYPE, STATUS


class QueueFilterForm(FlaskForm):
    class Meta:
        csrf = False

    view = HiddenField()
    q = StringField(_l("Search"), filters=[strip], render_kw={"placeholder": _l("Name, reference, business or masked ID")})
    status = SelectField(_l("Status"), validators=[Optional()])
    key_group = SelectField(_l("Key group"), validators=[Optional()])
    loan_type = SelectField(_l("Loan type"), validators=[Optional()],
                            choices=[("", _l("All"))] + [(k, v) for k, v in LOAN_TYPE.items()])
    bank = SelectField(_l("Bank"), validators=[Optional()])
    submitted_from = DateField(_l("Submitted from"), validators=[Optional(), plausible_date])
    submitted_to = DateField(_l("Submitted to"), validators=[Optional(), plausible_date])
    amount_min = StringField(_l("Amount from"), validators=[Optional(), check_amount], filters=[strip])
    amount_max = StringField(_l("Amount to"), validators=[Optional(), check_amount], filters=[strip])
    sort = SelectField(_l("Sort by"), validators=[Optional()], choices=[
        ("urgent", _l("Most urgent first")), ("-submitted", _l("Newest first")), ("submitted", _l("Oldest first")),
        ("-amount", _l("Largest amount")), ("amount", _l("Smallest amount")), ("name", _l("Name")),
        ("reference", _l("Reference"))])


def status_choices(statuses=None):
    """"All" and the statuses staff see, or only ``statuses`` (a tab's)."""
    return [("", _l("All"))] + [(k, v) for k, v in STATUS.items()
                                if k != CaseStatus.draft and (statuses is None or k in statuses)]


class RequestInfoForm(FlaskForm):
    message = TextAreaField(_l("What do you need from the applicant?"), validators=[DataRequired(), Length(max=2000)],
                            filters=[strip])
    documents = MultiCheckboxField(_l("Documents to upload"), choices=[], validators=[Optional()])


class EvidenceForm(FlaskForm):
    rule_id = HiddenField(validators=[DataRequired()])
    verified = RadioField(_l("Result of the check"), choices=[("yes", _l("Verified")), ("no", _l("Not verified"))],
                          validators=[DataRequired(_l("Choose verified or not verified."))])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)], filters=[strip])


class NoteForm(FlaskForm):
    body = TextAreaField(_l("Internal note"), validators=[DataRequired(), Length(max=4000)], filters=[strip])


class RecommendForm(FlaskForm):
    decision = RadioField(_l("Recommendation"), choices=[("approve", _l("Approve")), ("reject", _l("Reject"))],
                          validators=[DataRequired(_l("Choose approve or reject."))])
    amount = StringField(_l("Amount to approve (yuan)"), validators=[Optional(), check_amount], filters=[strip])
    term_months = BoundedIntegerField(_l("Term (months)"), validators=[Optional(), NumberRange(min=1, max=120)])
    bank_code = SelectField(_l("Partner bank"), validators=[Optional()])
    conditions = TextAreaField(_l("Conditions (optional)"), validators=[Optional(), Length(max=2000)], filters=[strip])
    failed_rules = MultiCheckboxField(_l("Rules that fail"), choices=[], validators=[Optional()])
    explanation = TextAreaField(_l("Explanation for the applicant"), validators=[Optional(), Length(max=4000)],
                                filters=[strip])


class DecideForm(FlaskForm):
    decision = RadioField(_l("Decision"), choices=[("approve", _l("Approve")), ("reject", _l("Reject")),
                                                   ("send_back", _l("Send back to the officer"))],
                          validators=[DataRequired(_l("Choose a decision."))])
    amount = StringField(_l("Approved amount (yuan; leave empty to keep the recommended amount)"),
                         validators=[Optional(), check_amount], filters=[strip])
    reason = TextAreaField(_l("Reason or note"), validators=[Optional(), Length(max=4000)], filters=[strip],
                           description=_l("Required when lowering the amount, rejecting an approval recommendation, "
                                          "or sending back."))
    override_reason = TextAreaField(
        _l("Reason for overriding the fund check (city-wide supervisors only)"),
        validators=[Optional(), Length(max=2000)], filters=[strip],
        description=_l("Only when the guarantee fund check refuses this approval: the leverage limit, the fund "
                       "balance or a paused bank. It is recorded and shown on the case and the fund page."))


def document_choices():
    return [(k, v) for k, v in DOCUMENT_KIND.items()]
