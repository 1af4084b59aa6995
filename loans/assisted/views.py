from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from ..access import COMMUNITY, allow
from ..db import db
from ..errors import on_refusal
from . import forms, queries, services

bp = Blueprint("assisted", __name__, url_prefix="/assisted")


@bp.get("/")
@allow(COMMUNITY)
def index():
    cases = db.session.scalars(queries.filed_by(current_user)).all()
    return render_template("assisted/index.html", cases=cases)


@bp.route("/new", methods=["GET", "POST"])
@allow(COMMUNITY)
def new():
    form = forms.PersonForm()

    def page(status=200):
        return render_template("assisted/new.html", form=form), status

    if not form.validate_on_submit():
        return page(400 if form.is_submitted() else 200)
    on_refusal(lambda: page(400), form)
    application = services.file_for_person(current_user, full_name=form.full_name.data,
                                           id_number=form.id_number.data, mobile=form.mobile.data)
    return redirect(url_for(".case", application_id=application.id))


@bp.get("/<int:application_id>")
@allow(COMMUNITY)
def case(application_id: int):
    application = queries.filed_case_or_404(application_id, current_user)
    return render_template("assisted/case.html", application=application)
