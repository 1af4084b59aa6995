"""Forms of the statement pages: the shape of the input only; the services decide."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..forms import plausible_date, strip

PERIOD_PATTERN = r"^[0-9]{4}[Qq][1-4]$"


class ComputeForm(FlaskForm):
    """The period is chosen among the finished ones (the view sets the choices); the
    service still refuses one that has not ended, whatever is posted."""

    period = SelectField(_l("Period"), filters=[strip], validate_choice=False, validators=[
        DataRequired(_l("Choose the period to compute.")),
        Regexp(PERIOD_PATTERN, message=_l("Write the period as year, Q and quarter, e.g. 2021Q3."))],
        description=_l("Periods that have ended (on 20 March, June, September and December) and that computing "
                       "would change: not computed yet, or with draft statements, which are recomputed. Reviewed, "
                       "approved and paid statements are kept."))


class StatementActionForm(FlaskForm):
    """Review or approve: the lock version the user saw, so a second click changes nothing."""

    lock_version = HiddenField(validators=[DataRequired(), Regexp(r"^[0-9]{1,9}$")])


class ReviewForm(StatementActionForm):
    """Review asks the supervisor to confirm and takes an optional comment (kept with the
    review in the statement's history)."""

    confirmed = BooleanField(_l("I have checked the lines and the total of this statement."),
                             validators=[DataRequired(_l("Tick the box to confirm that you have checked the "
                                                         "statement."))])
    comment = TextAreaField(_l("Comment (optional)"), filters=[strip], validators=[Optional(), Length(max=1000)],
                            description=_l("Kept with the review in the statement's history; finance sees it."))


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
