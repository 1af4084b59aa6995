"""Shape checks for each step of the application form. Services decide the rest."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional, StopValidation, ValidationError

from ..core import resident_id
from ..forms import (BoundedIntegerField, MultiCheckboxField, check_amount, check_resident_id, not_in_future,
                     strip)
from ..labels import DOCUMENT_KIND, EDUCATION, LOAN_TYPE

class Needed:
    """Required to continue, but a draft may be saved with the field still empty."""

    field_flags = {"required": True}

    def __call__(self, form, field):
        empty = field.data is None or (isinstance(field.data, str) and not field.data.strip()) or field.data == []
        if not empty:
            return
        field.errors[:] = []
        if getattr(form, "is_draft", False) or getattr(form, "keep_" + field.name, False):
            raise StopValidation()
        raise StopValidation(_l("This field is required."))


def check_mobile(form, field):
    if field.data and not resident_id.valid_mobile(field.data):
        raise ValidationError(_l("Enter an 11-digit mainland mobile number, for example 13812345678."))


def check_credit_code(form, field):
    if not field.data:
        return
    try:
        field.data = resident_id.validate_credit_code(field.data)
    except resident_id.InvalidCreditCode:
        raise ValidationError(_l("This unified social credit code is not valid (18 characters; the last one is a check character).")) from None


class StepForm(FlaskForm):
    is_draft = False


class PersonForm(StepForm):
    full_name = StringField(_l("Full name (as on your ID card)"), validators=[Needed(), Length(max=100)], filters=[strip],
                            render_kw={"autocomplete": "name"})
    id_number = StringField(_l("Resident ID number"), validators=[Needed(), check_resident_id], filters=[strip],
                            description=_l("18 characters; the last may be X."),
                            render_kw={"autocomplete": "off", "inputmode": "text", "maxlength": 18})
    mobile = StringField(_l("Mobile number"), validators=[Needed(), check_mobile], filters=[strip],
                         render_kw={"autocomplete": "tel", "inputmode": "tel", "maxlength": 11})
    household_district_code = SelectField(_l("District of household registration (户籍)"), validators=[Needed()])
    education = SelectField(_l("Education"), validators=[Needed()],
                            choices=[("", "—")] + [(k, v) for k, v in EDUCATION.items()])
    graduation_date = DateField(_l("Graduation date"), validators=[Optional(), not_in_future],
                                description=_l("Needed if you apply as a college graduate."))


class KeyGroupsForm(StepForm):
    key_groups = MultiCheckboxField(_l("Which key groups do you belong to? Choose all that apply."), validators=[Needed()])


class BusinessForm(StepForm):
    loan_type = SelectField(_l("Loan type"), validators=[Needed()],
                            choices=[("", "—")] + [(k, v) for k, v in LOAN_TYPE.items()])
    business_name = StringField(_l("Business name"), validators=[Needed(), Length(max=200)], filters=[strip])
    credit_code = StringField(_l("Unified social credit code"), validators=[Optional(), check_credit_code], filters=[strip],
                              description=_l("Only if the business is already registered."),
                              render_kw={"maxlength": 18})
    district_code = SelectField(_l("District where the business is (or will be)"), validators=[Needed()])
    business_address = StringField(_l("Business address"), validators=[Needed(), Length(max=300)], filters=[strip])
    industry = StringField(_l("Industry"), validators=[Needed(), Length(max=100)], filters=[strip],
                           description=_l("For example: catering, retail, repair, farming, online shop."))
    business_start_date = DateField(_l("Business start date (planned or actual)"), validators=[Needed()])
    current_staff = BoundedIntegerField(_l("Current staff (employees)"),
                                        validators=[Needed(), NumberRange(min=0, max=100000)],
                                        render_kw={"inputmode": "numeric"})
    planned_jobs = BoundedIntegerField(_l("Jobs the business will create (owners and employees)"),
                                       validators=[Needed(), NumberRange(min=0, max=100000)],
                                       render_kw={"inputmode": "numeric"})
    new_key_group_hires = BoundedIntegerField(
        _l("Key-group people newly hired this year on labour contracts of 12 months or more"),
        validators=[Optional(), NumberRange(min=0, max=100000)],
        description=_l("Enterprises only."), render_kw={"inputmode": "numeric"})

    def validate(self, extra_validators=None):
        # Not an inline validator: Optional() stops the chain on an empty field before it would run.
        valid = super().validate(extra_validators)
        hires = self.new_key_group_hires
        if self.loan_type.data == "enterprise" and hires.data is None and not hires.errors and not self.is_draft:
            hires.errors = [*hires.errors, _l("Enterprises must give the number of key-group people hired this year.")]
            return False
        return valid


class LoanForm(StepForm):
    amount = StringField(_l("Loan amount (yuan)"), validators=[Needed(), check_amount], filters=[strip],
                         render_kw={"inputmode": "decimal"})
    term_months = BoundedIntegerField(_l("Term (months)"), validators=[Needed(), NumberRange(min=1, max=120)],
                                      render_kw={"inputmode": "numeric"})
    purpose = TextAreaField(_l("What will the loan be used for?"), validators=[Needed(), Length(max=2000)], filters=[strip])
    preferred_bank_code = SelectField(_l("Preferred partner bank"), validators=[Needed()])


class PartnerForm(FlaskForm):
    full_name = StringField(_l("Partner's full name"), validators=[Needed(), Length(max=100)], filters=[strip])
    id_number = StringField(_l("Partner's resident ID number"), validators=[Needed(), check_resident_id], filters=[strip],
                            render_kw={"autocomplete": "off", "maxlength": 18})
    key_group_code = SelectField(_l("Partner's key group"), validators=[Needed()])
    graduation_date = DateField(_l("Partner's graduation date"), validators=[Optional(), not_in_future],
                                description=_l("Needed if the partner is a college graduate."))
    declares_no_other_loans = BooleanField(
        _l("The partner and their spouse have no other outstanding loans beyond the allowed kinds."))

    def validate_graduation_date(self, field):
        if self.key_group_code.data == "graduate" and not field.data:
            raise ValidationError(_l("Give the partner's graduation date."))


class PartnerFactsForm(FlaskForm):
    """What may be corrected about a partner after submission (not who they are)."""

    graduation_date = DateField(_l("Partner's graduation date"), validators=[Optional(), not_in_future])
    declares_no_other_loans = BooleanField(
        _l("The partner and their spouse have no other outstanding loans beyond the allowed kinds."))


class DeclarationsForm(StepForm):
    declares_no_other_loans = BooleanField(
        _l("Neither I nor my spouse has other outstanding loans, except student, poverty-relief, housing or car loans, "
           "or consumer loans of at most ¥50,000."))
    consents_credit_check = BooleanField(_l("I agree that the bureau and the bank check my credit report."))
    declares_truthful = BooleanField(_l("I declare that everything in this application is true and complete."))

    def validate_consents_credit_check(self, field):
        if not field.data and not self.is_draft:
            raise ValidationError(_l("The credit check is needed to review your application."))

    def validate_declares_truthful(self, field):
        if not field.data and not self.is_draft:
            raise ValidationError(_l("You must confirm that the information is true."))


class ConsentForm(FlaskForm):
    agree = BooleanField(_l("I agree to the processing of my sensitive personal information as described above."))

    def validate_agree(self, field):
        if not field.data:
            raise ValidationError(_l("Tick the box to give your consent, or upload only non-sensitive documents."))


class UploadForm(FlaskForm):
    kind = SelectField(_l("Document"), validators=[Needed()])
    file = FileField(_l("File (PDF, JPEG or PNG, at most 10 MB)"), validators=[Needed()],
                     render_kw={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"})


class AnswerForm(FlaskForm):
    answer = TextAreaField(_l("Your answer to the officer"), validators=[Needed(), Length(max=4000)], filters=[strip],
                           description=_l("Upload any requested documents above before you send the answer."))


class ConfirmForm(FlaskForm):
    """An empty form: the CSRF token for a one-button action (submit, withdraw, delete)."""


def document_kind_choices(key_groups) -> list[tuple[str, str]]:
    """``key_group:<code>`` for each claimed group's evidence, then the general kinds."""
    from ..i18n import current_lang

    lang = current_lang()
    choices = [(f"key_group:{g.code}", f"{g.label(lang)} — {g.evidence(lang)}") for g in key_groups]
    choices += [(k, str(v)) for k, v in DOCUMENT_KIND.items() if k != "key_group"]
    return choices
