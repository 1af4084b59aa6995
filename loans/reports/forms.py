"""The report's range and filters: a GET form, so every report is a bookmarkable link."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.validators import InputRequired, Optional, ValidationError

from ..labels import LOAN_TYPE
from ..forms import plausible_date


def not_before_start(form, field):
    if field.data and form.date_from.data and field.data < form.date_from.data:
        raise ValidationError(_l("The end date must not be before the start date."))


class ReportForm(FlaskForm):
    class Meta:
        csrf = False

    date_from = DateField(_l("From"), name="from", validators=[InputRequired(_l("Enter a date.")), plausible_date])
    date_to = DateField(_l("To"), name="to",
                        validators=[InputRequired(_l("Enter a date.")), plausible_date, not_before_start])
    district = SelectField(_l("District"), validators=[Optional()])
    key_group = SelectField(_l("Key group"), validators=[Optional()])
    bank = SelectField(_l("Bank"), validators=[Optional()])
    loan_type = SelectField(_l("Loan type"), validators=[Optional()],
                            choices=[("", _l("All"))] + [(k, v) for k, v in LOAN_TYPE.items()])
    period = SelectField(_l("Chart by"), validators=[Optional()],
                         choices=[("month", _l("Month")), ("quarter", _l("Quarter"))])
