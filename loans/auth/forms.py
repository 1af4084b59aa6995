from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, ValidationError

from ..core.resident_id import valid_mobile
from .passwords import password_problems


def normalize_login(value: str | None) -> str:
    return (value or "").strip().lower()


def looks_like_email(value: str) -> bool:
    local, at, domain = value.partition("@")
    return bool(at and local and "." in domain and " " not in value and len(value) <= 254)


# One field takes a mobile number or an email address, so the phone keyboard must offer
# both: the full text keyboard (digits one tap away, letters and @ there too). Not
# inputmode="email" (on iOS its digits hide behind a key, though most people here sign up
# with their mobile number), not "tel"/"numeric" (no letters, no @: an email could not be
# typed). No capital first letter, no autocorrect, no spell check on a login; the password
# manager sees a username.
LOGIN_FIELD_ATTRS = {"inputmode": "text", "autocomplete": "username", "autocapitalize": "none",
                     "autocorrect": "off", "spellcheck": "false"}


CODE_FIELD_ATTRS = {"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]*"}


class LoginForm(FlaskForm):
    login = StringField(_l("Mobile number or email"), validators=[DataRequired(), Length(max=254)],
                        filters=[normalize_login], render_kw=LOGIN_FIELD_ATTRS)
    password = PasswordField(_l("Password"), validators=[Optional(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})
    # Or a one-time SMS code instead of the password (SPEC §15).
    code = StringField(_l("SMS code"), validators=[Optional(), Length(max=10)], filters=[lambda v: (v or "").strip()],
                       render_kw=CODE_FIELD_ATTRS)

    def validate_password(self, field):
        if not field.data and not self.code.data:
            raise ValidationError(_l("Enter your password, or the code we sent by SMS."))


class MobileField(StringField):
    """An 11-digit mainland mobile number, typed on the phone's number pad."""

    def __init__(self, label=None, **kwargs):
        super().__init__(label or _l("Mobile number"), validators=[DataRequired(), Length(max=20)],
                         filters=[normalize_login], render_kw={"inputmode": "tel", "autocomplete": "tel"}, **kwargs)

    def pre_validate(self, form):
        if self.data and not valid_mobile(self.data):
            raise ValidationError(_l("Enter an 11-digit mainland mobile number, for example 13812345678."))


class SendCodeForm(FlaskForm):
    mobile = MobileField()


class RegisterByCodeForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=100)],
                       filters=[lambda v: (v or "").strip()], render_kw={"autocomplete": "name"})
    mobile = MobileField()
    code = StringField(_l("SMS code"), validators=[DataRequired(), Length(max=10)],
                       filters=[lambda v: (v or "").strip()], render_kw=CODE_FIELD_ATTRS)


class NewPasswordMixin:
    def validate_password(self, field):
        identifiers = tuple(v for v in (getattr(getattr(self, "login", None), "data", None),) if v)
        for problem in password_problems(field.data or "", identifiers=identifiers):
            raise ValidationError(problem)


class RegisterForm(NewPasswordMixin, FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=100)],
                       filters=[lambda v: (v or "").strip()], render_kw={"autocomplete": "name"})
    login = StringField(
        _l("Mobile number or email"),
        validators=[DataRequired(), Length(max=254)],
        filters=[normalize_login],
        description=_l("An 11-digit mainland mobile number, or an email address."),
        render_kw=LOGIN_FIELD_ATTRS,
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)],
                             description=_l("At least 8 characters; not a common password."),
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat the password"),
                            validators=[DataRequired(), EqualTo("password", _l("The passwords do not match."))],
                            render_kw={"autocomplete": "new-password"})

    def validate_login(self, field):
        if not (valid_mobile(field.data) or looks_like_email(field.data)):
            raise ValidationError(_l("Enter an 11-digit mobile number such as 13812345678, or an email address."))


class StaffUserForm(NewPasswordMixin, FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    login = StringField(_l("Email"), validators=[DataRequired(), Length(max=254)], filters=[normalize_login])
    role = SelectField(_l("Role"), choices=[])
    district_code = SelectField(_l("District"), choices=[], validators=[Optional()])
    bank_code = SelectField(_l("Bank"), choices=[], validators=[Optional()])
    password = PasswordField(_l("Initial password"), validators=[DataRequired(), Length(max=200)])

    def validate_login(self, field):
        if not looks_like_email(field.data):
            raise ValidationError(_l("Enter a valid email address."))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[Optional(), Length(max=200)],
                                     render_kw={"autocomplete": "current-password"})
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)],
                             description=_l("At least 8 characters; not a common password."),
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("password", _l("The passwords do not match."))],
                            render_kw={"autocomplete": "new-password"})
