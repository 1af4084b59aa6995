"""The fund page's forms: the "as of" day (GET), a movement, a movements file, lifting a pause."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..forms import check_amount, plausible_date, strip
from ..labels import FUND_MOVEMENT_KIND
from ..core.fund import MANUAL_MOVEMENT_KINDS
from .movements import COLUMNS


class AsOfForm(FlaskForm):
    class Meta:
        csrf = False

    on = DateField(_l("As of"), validators=[Optional(), plausible_date])


class MovementForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=[(k.value, FUND_MOVEMENT_KIND[k.value]) for k in MANUAL_MOVEMENT_KINDS],
                       validators=[DataRequired()])
    amount = StringField(_l("Amount (yuan)"), filters=[strip],
                         validators=[DataRequired(_l("Give the amount.")), check_amount])
    moved_on = DateField(_l("Date"), validators=[DataRequired(_l("Give the date.")), plausible_date])
    voucher = StringField(_l("Voucher number"), filters=[strip],
                          validators=[DataRequired(_l("Give the voucher number.")), Length(max=60)])
    bank = SelectField(_l("Bank (if it concerns one)"), validators=[Optional()])
    district = SelectField(_l("District (if it concerns one)"), validators=[Optional()])


class ImportForm(FlaskForm):
    file = FileField(_l("Movements file (CSV)"), validators=[FileRequired(_l("Choose a CSV file."))],
                     description=_l("Header %(header)s; kinds deposit, withdrawal or interest; amounts in yuan "
                                    "such as 1234.56; UTF-8 or GB18030. Nothing is stored unless every row is "
                                    "valid; rows already recorded are left as they are.", header=",".join(COLUMNS)))


class LiftForm(FlaskForm):
    lock_version = HiddenField(validators=[DataRequired(), Regexp(r"^[0-9]{1,9}$")])
    reason = TextAreaField(_l("Reason for lifting the pause"), filters=[strip],
                           validators=[DataRequired(_l("Give the reason for lifting the pause.")), Length(max=2000)])
