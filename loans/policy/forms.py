"""Shape checks for policy administration; the services decide what is allowed."""
from __future__ import annotations

import re
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Regexp, ValidationError

from ..core.policy import REGIMES
from ..forms import MAX_AMOUNT, BoundedIntegerField, typed_amount, typed_rate
from ..labels import POLICY_MONEY_PARAMS, POLICY_PARAM, SUBSIDY_REGIME

_DECIMAL_RE = re.compile(r"[0-9]+(?:\.[0-9]{1,4})?")


def parse_decimal(text: str) -> Decimal:
    """A non-negative decimal with at most four places (percentages, basis points); never a float."""
    text = (text or "").strip()
    if not _DECIMAL_RE.fullmatch(text):
        raise ValueError("not a plain decimal")
    return Decimal(text)


class DecimalTextField(StringField):
    """Text in, ``Decimal`` out, through an exact parser: ``typed_amount``/``typed_rate`` for money and
    rates (they say why they refuse), ``parse_decimal`` for the other numbers."""

    def __init__(self, label=None, validators=None, parser=parse_decimal, message=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.parser = parser
        self.message = message or _l("Enter a plain number such as 150 or 4.35, without commas or a percent sign.")

    def process_formdata(self, valuelist):
        if not valuelist or not (valuelist[0] or "").strip():
            self.data = None
            return
        try:
            self.data = self.parser(valuelist[0])
        except ValidationError as exc:  # typed_amount, typed_rate: their own reason, in the reader's language
            self.data = None
            raise ValueError(exc.args[0]) from None
        except (ValueError, TypeError, ArithmeticError):
            self.data = None
            raise ValueError(str(self.message)) from None

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else f"{self.data:f}"


def _money(label):
    return DecimalTextField(label, validators=[InputRequired(), NumberRange(min=0, max=MAX_AMOUNT,
                                                                             message=_l("Enter at most ¥100,000,000."))],
                            parser=typed_amount, render_kw={"inputmode": "decimal"})


def _number(label, **kwargs):
    return DecimalTextField(label, validators=[InputRequired(), NumberRange(min=0, max=100000)],
                            render_kw={"inputmode": "decimal"}, **kwargs)


def _int(label, **kwargs):
    return BoundedIntegerField(label, validators=[InputRequired(), NumberRange(min=0, max=100000)],
                               render_kw={"inputmode": "numeric"}, **kwargs)


REGIME_CHOICES = [(r, SUBSIDY_REGIME[r]) for r in REGIMES]

# Labels of the parameters, shared by the form, the side-by-side table and the audit trail.
PARAM_LABELS = POLICY_PARAM
MONEY_PARAMS = POLICY_MONEY_PARAMS


class PolicyVersionForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=20),
                                               Regexp(r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
                                                      message=_l("Letters, digits, dots, dashes and underscores."))],
                       filters=[lambda v: v.strip() if isinstance(v, str) else v],
                       description=_l("For example HN-2025."))
    effective_from = DateField(PARAM_LABELS["effective_from"], validators=[InputRequired()])
    regime_individual = SelectField(PARAM_LABELS["regime_individual"], choices=REGIME_CHOICES)
    regime_individual_value = _number(PARAM_LABELS["regime_individual_value"])
    regime_enterprise = SelectField(PARAM_LABELS["regime_enterprise"], choices=REGIME_CHOICES)
    regime_enterprise_value = _number(PARAM_LABELS["regime_enterprise_value"])
    cap_standard_bp = _int(PARAM_LABELS["cap_standard_bp"])
    cap_former_poverty_bp = _int(PARAM_LABELS["cap_former_poverty_bp"])
    individual_max = _money(PARAM_LABELS["individual_max"])
    partnership_factor_pct = _number(PARAM_LABELS["partnership_factor_pct"])
    partnership_max = _money(PARAM_LABELS["partnership_max"])
    enterprise_max = _money(PARAM_LABELS["enterprise_max"])
    max_term_individual = _int(PARAM_LABELS["max_term_individual"])
    max_term_enterprise = _int(PARAM_LABELS["max_term_enterprise"])
    hire_share_small_pct = _number(PARAM_LABELS["hire_share_small_pct"])
    hire_share_large_pct = _number(PARAM_LABELS["hire_share_large_pct"])
    hire_staff_threshold = _int(PARAM_LABELS["hire_staff_threshold"])
    graduate_window_years = _int(PARAM_LABELS["graduate_window_years"])
    working_age_min = _int(PARAM_LABELS["working_age_min"])
    retirement_age_male = _int(PARAM_LABELS["retirement_age_male"])
    retirement_age_female = _int(PARAM_LABELS["retirement_age_female"])
    lifetime_loans = _int(PARAM_LABELS["lifetime_loans"])
    consumer_loan_allowed_max = _money(PARAM_LABELS["consumer_loan_allowed_max"])
    day_basis = SelectField(PARAM_LABELS["day_basis"], choices=[("360", "360"), ("365", "365")], coerce=int)
    approval_validity_days = _int(PARAM_LABELS["approval_validity_days"])
    leverage_limit_high = _number(PARAM_LABELS["leverage_limit_high"])
    leverage_limit_low = _number(PARAM_LABELS["leverage_limit_low"])
    repayment_rate_threshold_pct = _number(PARAM_LABELS["repayment_rate_threshold_pct"])
    overdue_warn_pct = _number(PARAM_LABELS["overdue_warn_pct"])
    claims_pause_pct = _number(PARAM_LABELS["claims_pause_pct"])
    claim_wait_days = _int(PARAM_LABELS["claim_wait_days"])
    fund_share_pct = _number(PARAM_LABELS["fund_share_pct"])


class LprFixingForm(FlaskForm):
    published_on = DateField(_l("Publication date"), validators=[InputRequired()])
    rate = DecimalTextField(_l("1-year LPR (percent)"), validators=[InputRequired()], parser=typed_rate,
                            render_kw={"inputmode": "decimal"})


def _text(label, max_length):
    return StringField(label, validators=[DataRequired(), Length(max=max_length)],
                       filters=[lambda v: v.strip() if isinstance(v, str) else v])


class KeyGroupForm(FlaskForm):
    label_zh = _text(_l("Name (Chinese)"), 80)
    label_en = _text(_l("Name (English)"), 120)
    evidence_zh = _text(_l("Evidence (Chinese)"), 120)
    evidence_en = _text(_l("Evidence (English)"), 200)
    sensitive = BooleanField(_l("Sensitive personal information (evidence is encrypted and needs consent)"))
    active = BooleanField(_l("Active (offered to applicants)"))
    sort_order = BoundedIntegerField(_l("Order in lists"), validators=[InputRequired(), NumberRange(min=0, max=1000)])


class NewKeyGroupForm(KeyGroupForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40),
                                               Regexp(r"^[a-z][a-z0-9_]*$",
                                                      message=_l("Lower-case letters, digits and underscores."))],
                       filters=[lambda v: v.strip() if isinstance(v, str) else v],
                       description=_l("For example retired_fisherman. It cannot be changed later."))


CALENDAR_KINDS = [("holiday", _l("Public holiday (no work)")), ("workday", _l("Adjusted workday (调休, work)")),
                  ("", _l("Ordinary day (remove the entry)"))]


class CalendarDayForm(FlaskForm):
    calendar_date = DateField(_l("Date"), validators=[InputRequired()])
    kind = SelectField(_l("The day is"), choices=CALENDAR_KINDS)
    name = StringField(_l("Festival"), validators=[Length(max=60)],
                       filters=[lambda v: v.strip() if isinstance(v, str) else v],
                       description=_l("For example 春节 or Spring Festival; also on an adjusted workday."))


class CalendarImportForm(FlaskForm):
    file = FileField(_l("Holiday arrangement (CSV)"), validators=[FileRequired(_l("Choose a CSV file."))],
                     description=_l("Header date,kind,name; kind holiday or workday; UTF-8. All rows or none are "
                                    "stored; rows already stored are left unchanged."),
                     render_kw={"accept": ".csv,text/csv"})
