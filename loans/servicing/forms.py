"""Shape checks for the servicing forms. The services decide the rest (dates against the
loan's history, amounts against the balance, statuses)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from ..core.workflow import LOAN_STATUSES
from ..forms import BoundedIntegerField, check_amount, check_rate, plausible_date, strip
from ..labels import STATUS

DATE_REQUIRED = _l("Enter the date as YYYY-MM-DD.")


class LoanFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), filters=[strip], validators=[Optional(), Length(max=100)],
                    render_kw={"placeholder": _l("Loan reference, borrower, business or contract number")})
    status = SelectField(_l("Status"), validators=[Optional()],
                         choices=[("", _l("All"))] + [(code, STATUS[code]) for code in LOAN_STATUSES])


class ContractForm(FlaskForm):
    contract_no = StringField(_l("Contract number"), validators=[DataRequired(), Length(max=60)], filters=[strip])
    contract_date = DateField(_l("Contract date"), validators=[DataRequired(DATE_REQUIRED), plausible_date])
    amount = StringField(_l("Contract amount (yuan)"), validators=[DataRequired(), check_amount], filters=[strip],
                         render_kw={"inputmode": "decimal"})
    term_months = BoundedIntegerField(_l("Term (months)"), validators=[DataRequired(), NumberRange(min=1, max=120)],
                                      render_kw={"inputmode": "numeric"})
    contract_rate = StringField(_l("Contract rate (% per year)"), validators=[DataRequired(), check_rate],
                                filters=[strip], render_kw={"inputmode": "decimal"},
                                description=_l("Fixed for the life of the loan, e.g. 3.85."))


class DeclineForm(FlaskForm):
    reason = TextAreaField(_l("Reason for declining"), validators=[DataRequired(), Length(max=2000)], filters=[strip],
                           description=_l("The applicant sees this reason."))


class _EventForm(FlaskForm):
    """``version``: the loan's lock version when the page was shown; a second submission
    of the same form (or a change by someone else meanwhile) is refused."""

    version = BoundedIntegerField(widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=0, max=2**31 - 1)])
    event_on = DateField(_l("Date"), validators=[DataRequired(DATE_REQUIRED), plausible_date])
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=500)], filters=[strip])


class DisbursementForm(_EventForm):
    amount = StringField(_l("Amount paid out (yuan)"), validators=[DataRequired(), check_amount], filters=[strip],
                         render_kw={"inputmode": "decimal"})


class RepaymentForm(_EventForm):
    amount = StringField(_l("Principal repaid (yuan)"), validators=[DataRequired(), check_amount], filters=[strip],
                         render_kw={"inputmode": "decimal"}, description=_l("Principal only, not interest."))


class OverdueStartForm(_EventForm):
    event_on = DateField(_l("First overdue day"), validators=[DataRequired(DATE_REQUIRED), plausible_date])


class OverdueEndForm(_EventForm):
    event_on = DateField(_l("First day no longer overdue"), validators=[DataRequired(DATE_REQUIRED), plausible_date])


class ExtensionForm(_EventForm):
    event_on = DateField(_l("Date of the extension agreement"),
                         validators=[DataRequired(DATE_REQUIRED), plausible_date])
    new_maturity_date = DateField(_l("New maturity date"), validators=[DataRequired(DATE_REQUIRED), plausible_date])


class VisitForm(FlaskForm):
    visited_on = DateField(_l("Visit date"), validators=[DataRequired(DATE_REQUIRED), plausible_date])
    owners = BoundedIntegerField(_l("Owners working in the business"),
                                 validators=[InputRequired(), NumberRange(min=0, max=1000)],
                                 render_kw={"inputmode": "numeric"})
    employees = BoundedIntegerField(_l("Employees with labour contracts"),
                                    validators=[InputRequired(), NumberRange(min=0, max=100000)],
                                    render_kw={"inputmode": "numeric"})
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)], filters=[strip])


EVENT_FORMS = {
    "disbursement": DisbursementForm,
    "repayment": RepaymentForm,
    "overdue_start": OverdueStartForm,
    "overdue_end": OverdueEndForm,
    "extension": ExtensionForm,
}
