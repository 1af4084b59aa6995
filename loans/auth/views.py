from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user, login_required, login_user, logout_user

from ..access import allow, public, ROLES
from ..errors import on_refusal
from ..extensions import limiter
from ..i18n import current_lang
from ..urls import safe_next
from . import services
from .forms import ChangePasswordForm, LoginForm, RegisterForm

bp = Blueprint("auth", __name__)

# A login starts a fresh session (no fixation), but keeps what the visitor brought for
# their application: the resident ID typed in the eligibility pre-check (encrypted and
# signed there; it never travels in a link).
KEPT_AT_LOGIN = ("precheck_id",)


def _fresh_session() -> None:
    kept = {key: session[key] for key in KEPT_AT_LOGIN if key in session}
    session.clear()
    session.update(kept)


def _login_account_key() -> str:
    """Throttle guesses per (client, account): an attacker slows only themselves. The
    per-account backoff in the service slows guesses from every address."""
    from flask_limiter.util import get_remote_address

    return f"{get_remote_address()}|{(request.form.get('login') or '').strip().lower()}"


def _wait_text(seconds: int) -> str:
    if seconds < 60:
        return ngettext("%(num)d second", "%(num)d seconds", seconds)
    minutes = -(-seconds // 60)
    return ngettext("%(num)d minute", "%(num)d minutes", minutes)


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
@limiter.limit(lambda: current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"], methods=["POST"], key_func=_login_account_key)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        wait = services.login_wait_seconds(form.login.data)
        user = None if wait else services.authenticate(form.login.data, form.password.data)
        if user is None:
            if not wait:
                # kept although the answer is a refusal: the page is returned, so the request's unit of work commits it
                wait = services.record_failed_login(form.login.data)
            if wait:
                status = 429
                form.password.errors.append(_(
                    "Too many wrong passwords for this account. For its safety, wait %(wait)s before trying again.",
                    wait=_wait_text(wait)))
            else:
                form.password.errors.append(_("The mobile number/email or password is not right."))
        else:
            services.clear_failed_logins(form.login.data)
            _fresh_session()
            login_user(user)
            if user.locale:
                session["lang"] = user.locale
            if user.must_change_password:
                flash(_("Your password was reset by an administrator. Choose a new password to continue."), "warning")
                return redirect(url_for(".change_password"))
            return redirect(safe_next(request.args.get("next")) or url_for("main.index"))
    return render_template("auth/login.html", form=form), status


@bp.route("/account/password", methods=["GET", "POST"])
@allow(*ROLES)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        on_refusal(lambda: render_template("auth/change_password.html", form=form), form)
        services.change_password(current_user, current=form.current_password.data, new=form.password.data)
        login_user(current_user._get_current_object())  # the new session token: this session stays, others end
        flash(_("Your password has been changed. Other sessions were logged out."), "success")
        return redirect(url_for("main.index"))
    return render_template("auth/change_password.html", form=form), 400 if form.errors else 200


@bp.route("/register", methods=["GET", "POST"])
@public
@limiter.limit("20 per hour", methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        on_refusal(lambda: render_template("auth/register.html", form=form), form)
        user = services.register_applicant(name=form.name.data, login=form.login.data,
                                           password=form.password.data, locale=current_lang())
        _fresh_session()
        session["lang"] = user.locale
        login_user(user)
        flash(_("Welcome! Your account is ready. Start your application below."), "success")
        return redirect(safe_next(request.args.get("next")) or url_for("applications.index"))
    return render_template("auth/register.html", form=form)


@bp.post("/logout")
@allow(*ROLES)
@login_required
def logout():
    services.end_sessions(current_user)
    lang = session.get("lang")
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You have been logged out."), "info")
    return redirect(url_for("auth.login"))
