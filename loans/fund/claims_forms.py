"""Shape checks for the claim forms (SPEC §13). The services decide the rest (dates against
the loan's history, amounts against the claim, who may act, the claim's state).

``version``: the lock version of the claim (the loan's when filing, the write-off's when
deciding) as the page showed it; a form sent twice, or after someone else acted, is refused."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import HiddenInput

from ..forms import BoundedIntegerField, check_amount, plausible_date, strip

DATE_REQUIRED = _l("Enter the date as YYYY-MM-DD.")
VISIBLE = r"^[!-~]{1,64}$"


def _version():
    return BoundedIntegerField(widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=0, max=2**31 - 1)])


def _bank_ref():
    return StringField(_l("Bank reference (optional)"), filters=[strip], validators=[
        Optional(), Regexp(VISIBLE, message=_l("Write 1 to 64 visible characters (letters, digits, punctuation; "
                                               "no spaces)."))])


def _voucher():
    return StringField(_l("Voucher number"), validators=[DataRequired(), Length(max=60)], filters=[strip])


class _VersionForm(FlaskForm):
    version = _version()


class FileClaimForm(_VersionForm):
    claim_date = DateField(_l("Claim date"), validators=[DataRequired(DATE_REQUIRED), plausible_date],
                           description=_l("The claimed principal is the balance on this date; the interest runs "
                                          "from the first overdue day up to it."))
    bank_ref = _bank_ref()
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=500)], filters=[strip])


class CheckForm(_VersionForm):
    note = TextAreaField(_l("What you checked (optional)"), validators=[Optional(), Length(max=2000)],
                         filters=[strip])


class ApproveForm(_VersionForm):
    pass


class PayForm(_VersionForm):
    paid_on = DateField(_l("Payment date"), validators=[DataRequired(DATE_REQUIRED), plausible_date])
    voucher_no = _voucher()


class CompleteForm(PayForm):
    pass


class CancelForm(_VersionForm):
    reason = TextAreaField(_l("Why the bank withdraws the claim"), validators=[DataRequired(), Length(max=2000)],
                           filters=[strip])


class RecoveryForm(_VersionForm):
    recovered_on = DateField(_l("Date recovered"), validators=[DataRequired(DATE_REQUIRED), plausible_date])
    amount = StringField(_l("Amount recovered (yuan)"), validators=[DataRequired(), check_amount], filters=[strip],
                         render_kw={"inputmode": "decimal"})
    bank_ref = _bank_ref()
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=500)], filters=[strip])


class ProposeWriteOffForm(_VersionForm):
    reason = TextAreaField(_l("Why the rest cannot be recovered"), validators=[DataRequired(), Length(max=2000)],
                           filters=[strip])


class DecideWriteOffForm(_VersionForm):
    decision = RadioField(_l("Decision"), choices=[("approve", _l("Approve the write-off")),
                                                   ("refuse", _l("Refuse the write-off"))],
                          validators=[InputRequired(_l("Choose approve or refuse."))])
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=2000)], filters=[strip])
