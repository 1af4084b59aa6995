from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ..applications import forms as application_forms
from ..applications.forms import check_mobile
from ..forms import check_resident_id, strip


class PersonForm(FlaskForm):
    """Who the worker files for: the person's own name, resident ID and mobile."""

    full_name = StringField(_l("The person's full name (as on the ID card)"),
                            validators=[DataRequired(), Length(max=100)], filters=[strip])
    id_number = StringField(_l("The person's resident ID number"), validators=[DataRequired(), check_resident_id],
                            filters=[strip], render_kw={"autocomplete": "off", "maxlength": 18})
    mobile = StringField(_l("The person's own mobile number"), validators=[DataRequired(), check_mobile],
                         filters=[strip], description=_l("Codes to confirm the application go to this number."),
                         render_kw={"inputmode": "tel", "maxlength": 11})


class CodeForm(FlaskForm):
    code = StringField(_l("The code the person reads out"), validators=[DataRequired(), Length(max=10)],
                       filters=[strip], render_kw={"inputmode": "numeric", "autocomplete": "one-time-code"})


class ScanForm(FlaskForm):
    file = FileField(_l("The confirmation form signed by the person (PDF, JPEG or PNG)"),
                     validators=[DataRequired()])


class PartnerScanForm(FlaskForm):
    file = FileField(_l("The declaration signed by the partner (PDF, JPEG or PNG)"), validators=[DataRequired()])


class TakeoverForm(FlaskForm):
    code = StringField(_l("The code sent to your mobile"), validators=[DataRequired(), Length(max=10)],
                       filters=[strip], render_kw={"inputmode": "numeric", "autocomplete": "one-time-code"})
    id_number = StringField(_l("Your resident ID number"), validators=[DataRequired(), Length(max=18)],
                            filters=[strip], render_kw={"autocomplete": "off", "maxlength": 18})


class PartnerForm(application_forms.PartnerForm):
    """A partner the worker lists: who they are, never their declaration (they sign it)."""

    declares_no_other_loans = None
