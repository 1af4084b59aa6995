"""The admin's page of bank API tokens (SPEC §12): issue one (shown once, on the answer to
the form, never stored or put in the session), see each bank's tokens with their state and
last use, revoke one. Auditors read."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from ..access import ADMIN, AUDITOR, allow
from ..db import db, local_today, utcnow
from ..errors import Refused, on_refusal
from ..forms import strip
from ..i18n import current_lang
from ..policy.queries import bank_names
from .cli import end_of_day
from .models import BankToken
from .tokens import issue_token, revoke_token

bp = Blueprint("bank_tokens", __name__, url_prefix="/admin/bank-tokens")


class TokenForm(FlaskForm):
    bank_code = SelectField(_l("Bank"), validators=[DataRequired()])
    name = StringField(_l("What it is for"), filters=[strip], validators=[DataRequired(), Length(max=80)],
                       description=_l("E.g. “front-end server” or “core banking system”."))
    expires = DateField(_l("Last day it works"), validators=[Optional()],
                        description=_l("Optional. Beijing time; leave empty for a token that works until revoked."))
    allow_ip = StringField(_l("Allowed addresses"), filters=[strip], validators=[Optional(), Length(max=500)],
                           description=_l("Optional. IP addresses or networks (CIDR), separated by spaces; "
                                          "leave empty to allow any."))


class RevokeForm(FlaskForm):
    pass


def _state(token: BankToken, now) -> str:
    if token.revoked_at is not None:
        return "revoked"
    return "active" if token.usable(now) else "expired"


STATES = {"active": _l("Active"), "revoked": _l("Revoked"), "expired": _l("Expired")}


def _page(form=None, *, status=200, issued=None, secret=None):
    form = form or TokenForm()
    names = bank_names(current_lang())
    form.bank_code.choices = sorted(names.items(), key=lambda item: item[0])
    tokens = list(db.session.scalars(select(BankToken).order_by(BankToken.bank_code, BankToken.id.desc())))
    now = utcnow()
    return render_template("banks/tokens.html", form=form, tokens=tokens, names=names,
                           states={t.id: _state(t, now) for t in tokens}, state_labels=STATES,
                           can_issue=current_user.role == ADMIN, revoke_form=RevokeForm(), issued=issued,
                           secret=secret), status


@bp.get("/")
@allow(ADMIN, AUDITOR)
def tokens():
    return _page()


@bp.post("/")
@allow(ADMIN)
def issue():
    form = TokenForm()
    form.bank_code.choices = list(bank_names(current_lang()).items())
    if not form.validate_on_submit():
        return _page(form, status=400)
    on_refusal(lambda: _page(form), form)
    expires: date | None = form.expires.data
    if expires is not None and expires < local_today():
        raise Refused(_l("The expiry must be in the future."), field="expires")
    token, secret = issue_token(form.bank_code.data, form.name.data, actor=current_user,
                                expires_at=end_of_day(expires) if expires else None,
                                allowed_ips=[form.allow_ip.data] if form.allow_ip.data else [])
    # Shown once, in this answer only: no redirect (a flash would keep it in the session cookie).
    response, status = _page(TokenForm(formdata=None), issued=token, secret=secret, status=201)
    return response, status, {"Cache-Control": "no-store"}


@bp.post("/<int:token_id>/revoke")
@allow(ADMIN)
def revoke(token_id: int):
    token = db.session.get(BankToken, token_id)
    if token is None:
        abort(404)
    if not RevokeForm().validate_on_submit():
        abort(400)
    on_refusal(lambda: _page(status=409))
    revoke_token(token, actor=current_user)
    flash(_("The token %(name)s of %(bank)s was revoked; calls with it are refused from now on.",
            name=token.name, bank=token.bank_code), "success")
    return redirect(url_for(".tokens"), 303)
