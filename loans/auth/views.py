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
from . import codes
from .forms import ChangePasswordForm, LoginForm, RegisterByCodeForm, RegisterForm, SendCodeForm

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
    valid = form.validate_on_submit()
    if valid and form.code.data and not form.password.data:
        user = services.authenticate_by_code(form.login.data, form.code.data)
        if user is None:
            form.code.errors.append(_("The code is not right or has expired. Ask for a new code."))
            return _login_page(form, code_form=SendCodeForm(formdata=None, mobile=form.login.data), code_sent=True)
        return _logged_in(user)
    if valid:
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
            return _logged_in(user)
    return _login_page(form, status=status)


def _login_page(form, *, code_form=None, code_sent=False, status=200):
    return render_template("auth/login.html", form=form, code_form=code_form or SendCodeForm(formdata=None),
                           code_sent=code_sent), status


def _logged_in(user):
    _fresh_session()
    login_user(user)
    if user.locale:
        session["lang"] = user.locale
    if user.must_change_password:
        flash(_("Your password was reset by an administrator. Choose a new password to continue."), "warning")
        return redirect(url_for(".change_password"))
    return redirect(safe_next(request.args.get("next")) or url_for("main.index"))


def _client_address() -> str:
    from flask_limiter.util import get_remote_address

    return get_remote_address() or ""


# The same words whether or not the number has an account (SPEC §15).
def _code_sent_text() -> str:
    return _("If this number can use it, a 6-digit code is on its way by SMS. It is valid for 5 minutes.")


@bp.post("/login/code")
@public
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"])
def login_code():
    """Send a login code to a mobile (same answer for unknown numbers), then ask for it."""
    code_form = SendCodeForm()
    if not code_form.validate_on_submit():
        return _login_page(LoginForm(formdata=None), code_form=code_form, status=400)
    outcome = codes.request_code(code_form.mobile.data, "login", address=_client_address(), language=current_lang())
    if outcome.refusal is not None:
        code_form.mobile.errors.append(str(outcome.refusal))
        return _login_page(LoginForm(formdata=None), code_form=code_form, status=429)
    flash(_code_sent_text(), "info")
    return _login_page(LoginForm(formdata=None, login=code_form.mobile.data), code_form=code_form, code_sent=True)


@bp.route("/account/password", methods=["GET", "POST"])
@allow(*ROLES)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        on_refusal(lambda: render_template("auth/change_password.html", form=form, has_password=services.has_password(current_user)), form)
        services.change_password(current_user, current=form.current_password.data, new=form.password.data)
        login_user(current_user._get_current_object())  # the new session token: this session stays, others end
        flash(_("Your password has been changed. Other sessions were logged out."), "success")
        return redirect(url_for("main.index"))
    return render_template("auth/change_password.html", form=form,
                           has_password=services.has_password(current_user)), 400 if form.errors else 200


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
    return render_template("auth/register.html", form=form, code_form=RegisterByCodeForm(formdata=None),
                           by_code=request.args.get("by") == "code")


@bp.post("/register/code")
@public
@limiter.limit("20 per hour")
def register_code():
    """Registration by mobile and SMS code, without a password: without ``code`` the form
    sends one (same answer whether or not the number is taken), with it the account is made."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    code_form = RegisterByCodeForm()
    page = lambda status, sent: (render_template("auth/register.html", form=RegisterForm(formdata=None),  # noqa: E731
                                                 code_form=code_form, code_sent=sent, by_code=True), status)
    valid = code_form.validate_on_submit()
    if not request.form.get("code"):
        if not valid and set(code_form.errors) - {"code"}:
            return page(400, False)
        code_form = RegisterByCodeForm(formdata=None, name=code_form.name.data, mobile=code_form.mobile.data)
        outcome = codes.request_code(code_form.mobile.data, "registration", address=_client_address(),
                                     language=current_lang())
        if outcome.refusal is not None:
            code_form.mobile.errors.append(str(outcome.refusal))
            return page(429, False)
        flash(_code_sent_text(), "info")
        return page(200, True)
    if not valid:
        return page(400, True)
    on_refusal(lambda: page(400, True)[0], code_form)
    user = services.register_by_code(name=code_form.name.data, mobile=code_form.mobile.data,
                                     code=code_form.code.data, locale=current_lang())
    if user is None:
        code_form.code.errors.append(_("The code is not right or has expired. Ask for a new code."))
        return page(400, True)
    _fresh_session()
    session["lang"] = user.locale
    login_user(user)
    flash(_("Welcome! Your account is ready. Start your application below."), "success")
    return redirect(safe_next(request.args.get("next")) or url_for("applications.index"))


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
