"""The public pre-check form: shape checks only; the engine decides eligibility."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from ..forms import MultiCheckboxField, check_amount, check_resident_id, not_in_future, strip
from ..forms import BoundedIntegerField
from ..labels import LOAN_TYPE

OUTSIDE = "outside"  # the district choice for a business outside Chenzhou


class PrecheckForm(FlaskForm):
    id_number = StringField(_l("Resident ID number"), validators=[Optional(), check_resident_id], filters=[strip],
                            description=_l("Optional. Or give your date of birth and sex instead."),
                            render_kw={"autocomplete": "off", "maxlength": 18})
    birth_date = DateField(_l("Date of birth"), validators=[Optional(), not_in_future])
    sex = RadioField(_l("Sex"), choices=[("male", _l("Male")), ("female", _l("Female"))], validators=[Optional()])
    key_groups = MultiCheckboxField(_l("Which key groups do you belong to? Choose all that apply."))
    graduation_date = DateField(_l("Graduation date"), validators=[Optional(), not_in_future],
                                description=_l("Needed if you are a college graduate."))
    loan_type = SelectField(_l("Loan type"), validators=[DataRequired()],
                            choices=[("", "—")] + [(k, v) for k, v in LOAN_TYPE.items()])
    amount = StringField(_l("Loan amount (yuan)"), validators=[DataRequired(), check_amount], filters=[strip],
                         render_kw={"inputmode": "decimal"})
    term_months = BoundedIntegerField(_l("Term (months)"), validators=[InputRequired(), NumberRange(min=1, max=600)],
                                      render_kw={"inputmode": "numeric"})
    partners = BoundedIntegerField(_l("People in the partnership, you included"), default=1,
                                   validators=[Optional(), NumberRange(min=1, max=100)],
                                   description=_l("Partnership loans only."), render_kw={"inputmode": "numeric"})
    district_code = SelectField(_l("Where is (or will be) the business?"), validators=[DataRequired()])
    prior_subsidized_loans = BoundedIntegerField(_l("Earlier subsidised guaranteed loans you have had"), default=0,
                                                 validators=[Optional(), NumberRange(min=0, max=100)],
                                                 render_kw={"inputmode": "numeric"})
    prior_overdue = BooleanField(_l("One of those loans was overdue at some time"))
    # A question with two answers rather than a box to tick: an unticked box could not tell
    # "no" from "not answered", which the results show as "not declared yet" (E07).
    other_loans = RadioField(_l("Do you or your spouse have other outstanding loans (besides student, "
                                "poverty-relief, housing or car loans, or consumer loans of at most ¥50,000)?"),
                             choices=[("no", _l("No")), ("yes", _l("Yes"))], validators=[Optional()])
    staff = BoundedIntegerField(_l("Current staff (employees)"),
                                validators=[Optional(), NumberRange(min=0, max=100000)],
                                description=_l("Enterprises only."), render_kw={"inputmode": "numeric"})
    new_key_group_hires = BoundedIntegerField(
        _l("Key-group people newly hired this year on labour contracts of 12 months or more"),
        validators=[Optional(), NumberRange(min=0, max=100000)], description=_l("Enterprises only."),
        render_kw={"inputmode": "numeric"})

    def validate(self, extra_validators=None) -> bool:
        """Fields needed only with some answers (optional fields skip inline validators)."""
        valid = super().validate(extra_validators)
        needed = []
        if not self.id_number.data and not self.id_number.errors:
            needed += [(self.birth_date, self.birth_date.data is None,
                        _l("Give your date of birth, or your resident ID number.")),
                       (self.sex, not self.sex.data, _l("Choose your sex, or give your resident ID number."))]
        needed.append((self.key_groups, self.loan_type.data != "enterprise" and not self.key_groups.data,
                       _l("Choose at least one key group.")))
        needed.append((self.graduation_date, "graduate" in (self.key_groups.data or [])
                       and self.graduation_date.data is None,
                       _l("Give your graduation date: the graduate group counts only for some years after "
                          "graduating.")))
        if self.loan_type.data == "enterprise":
            needed += [(self.staff, self.staff.data is None, _l("Enterprises must give the current staff number.")),
                       (self.new_key_group_hires, self.new_key_group_hires.data is None,
                        _l("Enterprises must give the number of key-group people hired this year."))]
        for field, missing, text in needed:
            if missing and not field.errors:
                field.errors = [*field.errors, text]
                valid = False
        return valid


class StartForm(FlaskForm):
    """The "start an application with these answers" button; ``answers`` is a signed token."""

    answers = HiddenField()
