from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from ..access import ADMIN, AUDITOR, ROLES, allow
from ..auth.forms import StaffUserForm
from flask_wtf import FlaskForm
from ..auth.models import User
from ..auth.services import create_user, reset_password
from ..db import db
from ..i18n import current_lang
from ..labels import ROLE
from ..policy.queries import bank_choices, district_choices
from ..errors import on_refusal

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _staff_form() -> StaffUserForm:
    form = StaffUserForm()
    lang = current_lang()
    form.role.choices = [(r, str(ROLE[r])) for r in ROLES if r != "applicant"]
    form.district_code.choices = district_choices(lang, blank=_("— none (city-wide) —"))
    form.bank_code.choices = bank_choices(lang, blank=_("— none —"))
    return form


@bp.route("/users", methods=["GET", "POST"])
@allow(ADMIN, AUDITOR)
def users():
    form = _staff_form()
    if form.validate_on_submit():
        on_refusal(lambda: _users_page(form), form)
        user = create_user(role=form.role.data, email=form.login.data, password=form.password.data,
                           name=form.name.data, district_code=form.district_code.data or None,
                           bank_code=form.bank_code.data or None, actor=current_user)
        flash(_("User %(email)s created.", email=user.email), "success")
        return redirect(url_for(".users"))
    return _users_page(form)


def _users_page(form, *, reset_user=None, temporary_password=None, status=200):
    staff = db.session.scalars(select(User).where(User.role != "applicant").order_by(User.role, User.email)).all()
    applicants = db.session.scalar(select(func.count()).select_from(User).where(User.role == "applicant"))
    return render_template("admin/users.html", form=form, staff=staff, applicants=applicants,
                           can_create=current_user.role == ADMIN, reset_form=FlaskForm(),
                           reset_user=reset_user, temporary_password=temporary_password), status


@bp.post("/users/<int:user_id>/reset-password")
@allow(ADMIN)
def reset_user_password(user_id: int):
    """A one-time password, shown once on this page (never stored in a cookie or a log);
    the user must choose their own at the next login."""
    user = db.session.get(User, user_id)
    if user is None or user.role == "applicant":
        abort(404)
    if not FlaskForm().validate_on_submit():
        abort(400)
    on_refusal(lambda: _users_page(_staff_form()))
    temporary = reset_password(user, actor=current_user)
    return _users_page(_staff_form(), reset_user=user, temporary_password=temporary)
