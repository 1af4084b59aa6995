"""Forms of the statement pages: the shape of the input only; the services decide."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp

from ..forms import plausible_date, strip

PERIOD_PATTERN = r"^[0-9]{4}[Qq][1-4]$"


class ComputeForm(FlaskForm):
    period = StringField(_l("Period"), filters=[strip], validators=[
        DataRequired(_l("Give the period, e.g. 2021Q3.")),
        Regexp(PERIOD_PATTERN, message=_l("Write the period as year, Q and quarter, e.g. 2021Q3."))],
        description=_l("Year, Q and quarter, e.g. 2021Q3 (21 June to 20 September 2021). Only a period "
                       "that has ended can be computed; drafts are recomputed, frozen statements are kept."))


class StatementActionForm(FlaskForm):
    """Review or approve: the lock version the user saw, so a second click changes nothing."""

    lock_version = HiddenField(validators=[DataRequired(), Regexp(r"^[0-9]{1,9}$")])


class PayForm(StatementActionForm):
    paid_on = DateField(_l("Payment date"), validators=[DataRequired(_l("Give the payment date.")), plausible_date])
    voucher_no = StringField(_l("Voucher number"), filters=[strip],
                             validators=[DataRequired(_l("Give the payment voucher number.")), Length(max=60)])


class ReopenForm(StatementActionForm):
    reason = TextAreaField(_l("Reason for reopening"), filters=[strip],
                           validators=[DataRequired(_l("Give the reason for reopening the statement.")),
                                       Length(max=2000)])


class ClaimUploadForm(FlaskForm):
    file = FileField(_l("Your figures (CSV)"), validators=[FileRequired(_l("Choose a CSV file."))],
                     description=_l("A CSV file with the header loan_ref,subsidy and one row per loan, amounts in "
                                    "yuan such as 1022.22 (UTF-8 or GB18030). It is compared with the statement; "
                                    "nothing is changed."))
