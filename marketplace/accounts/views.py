"""Sign-up, sign-in and out, password reset, invitations and the profile page.

Thin views: parse the form, call one service function, commit once, flash,
redirect. Failed sign-ins are rate-limited per email address and per remote
address; see `marketplace.extensions.limiter` for the storage note.
"""

import math
import time

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required

from ..extensions import db, limiter
from ..i18n import current_language
from . import service
from .errors import AccountError, InvalidCredentials
from .forms import (
    AcceptInvitationForm,
    ChangePasswordForm,
    ProfileForm,
    ResetRequestForm,
    SetPasswordForm,
    SignInForm,
    SignOutForm,
    SignUpForm,
)
from .redirects import safe_next_url

blueprint = Blueprint("accounts", __name__, url_prefix="/account")


def _home():
    return url_for("shop.home")


def _next_url(form):
    return safe_next_url(form.next.data, _home())


def _show_error(form, error):
    """Put a service error on its field, or on the form as a whole."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


@blueprint.app_template_global()
def sign_out_form():
    """An empty form whose CSRF token the sign-out button posts."""
    return SignOutForm()


# -- rate limits ---------------------------------------------------------------------


def _limit(setting):
    return lambda: current_app.config[setting]


def _email_key():
    return "email:" + service.normalize_email(request.form.get("email", ""))[:254]


def _address_key():
    return "addr:" + (get_remote_address() or "unknown")


SIGN_IN_FAILED = "marketplace.sign_in_failed"


def _sign_in_failed(response):
    return bool(request.environ.get(SIGN_IN_FAILED))


@blueprint.errorhandler(429)
def too_many_attempts(error):
    """The rate limit's answer on these pages: what happened and how long to wait."""
    current = limiter.current_limit
    wait = 60
    if current is not None:
        wait = max(1, int(current.reset_at - time.time()))
    minutes = max(1, math.ceil(wait / 60))
    if request.endpoint == "accounts.sign_in":
        message = _(
            "Too many failed sign-in attempts. For your safety, please wait "
            "%(minutes)d minutes before trying again, or reset your password.",
            minutes=minutes,
        )
    else:
        message = _(
            "Too many requests from your connection. Please wait %(minutes)d minutes "
            "and try again.",
            minutes=minutes,
        )
    response = current_app.make_response(
        (render_template("accounts/too_many_attempts.html", message=message), 429)
    )
    response.headers["Retry-After"] = str(wait)
    return response


# -- signing in and out ------------------------------------------------------------------


@blueprint.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(
    _limit("SIGN_IN_LIMIT_PER_ACCOUNT"),
    key_func=_email_key,
    methods=["POST"],
    deduct_when=_sign_in_failed,
)
@limiter.limit(
    _limit("SIGN_IN_LIMIT_PER_ADDRESS"),
    key_func=_address_key,
    methods=["POST"],
    deduct_when=_sign_in_failed,
)
def sign_in():
    """Sign in with email and password; failures count towards the rate limits."""
    form = SignInForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
        if current_user.is_authenticated:
            return redirect(_next_url(form))
    if form.validate_on_submit():
        try:
            service.sign_in(form.email.data, form.password.data, remember=form.remember.data)
        except AccountError as error:
            request.environ[SIGN_IN_FAILED] = True
            db.session.commit()  # the audit row of the failed attempt
            form.password.data = ""
            _show_error(form, error)
            status = 200 if isinstance(error, InvalidCredentials) else 403
            return render_template("accounts/sign_in.html", form=form), status
        db.session.commit()
        flash(_("You are signed in."), "success")
        return redirect(_next_url(form), code=303)
    return render_template("accounts/sign_in.html", form=form)


@blueprint.post("/sign-out")
def sign_out():
    """Sign out (a POST with a CSRF token, so no other site can sign you out)."""
    form = SignOutForm()
    if not form.validate_on_submit():
        return redirect(_home(), code=303)
    service.sign_out(current_user if current_user.is_authenticated else None)
    db.session.commit()
    flash(_("You are signed out."), "info")
    return redirect(_home(), code=303)


@blueprint.route("/sign-up", methods=["GET", "POST"])
@limiter.limit(_limit("ACCOUNT_FORM_LIMIT_PER_ADDRESS"), key_func=_address_key, methods=["POST"])
def sign_up():
    """Create a buyer account."""
    form = SignUpForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
        if current_user.is_authenticated:
            return redirect(_next_url(form))
    if form.validate_on_submit():
        try:
            service.sign_up(
                form.email.data,
                form.password.data,
                name=form.name.data,
                locale=current_language(),
            )
        except AccountError as error:
            db.session.rollback()
            _show_error(form, error)
            return render_template("accounts/sign_up.html", form=form)
        db.session.commit()
        flash(_("Welcome! Your account is ready."), "success")
        return redirect(_next_url(form), code=303)
    return render_template("accounts/sign_up.html", form=form)


# -- password reset and invitations ------------------------------------------------------


@blueprint.route("/reset", methods=["GET", "POST"])
@limiter.limit(_limit("ACCOUNT_FORM_LIMIT_PER_ADDRESS"), key_func=_address_key, methods=["POST"])
@limiter.limit(_limit("RESET_LIMIT_PER_ACCOUNT"), key_func=_email_key, methods=["POST"])
def reset_request():
    """Ask for a reset link; the answer is the same whether or not the address is known."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        service.request_password_reset(form.email.data)
        db.session.commit()
        flash(
            _(
                "If an account uses this address, we have sent it a link to choose a new "
                "password. The link works for one hour."
            ),
            "info",
        )
        return redirect(url_for("accounts.sign_in"), code=303)
    return render_template("accounts/reset_request.html", form=form)


@blueprint.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    """Choose a new password through the emailed link."""
    try:
        user = service.user_for_reset_token(token)
    except AccountError as error:
        return render_template("accounts/link_invalid.html", message=error.message), 400
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            service.reset_password(token, form.password.data)
        except AccountError as error:
            db.session.rollback()
            _show_error(form, error)
        else:
            db.session.commit()
            flash(_("Your password has been changed. Please sign in."), "success")
            return redirect(url_for("accounts.sign_in"), code=303)
    return render_template("accounts/reset_password.html", form=form, user=user)


def _office_of(user):
    """Where an invited person starts: their group's office (the list of them if several)."""
    memberships = user.memberships
    if len(memberships) == 1:
        return url_for("office.group_home", group_slug=memberships[0].group.slug)
    if memberships:
        return url_for("office.dashboard")
    return url_for("accounts.profile")


@blueprint.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token):
    """Choose a first password through an invitation link, then go in signed in."""
    try:
        user = service.user_for_invitation_token(token)
    except AccountError as error:
        return render_template("accounts/link_invalid.html", message=error.message), 400
    form = AcceptInvitationForm()
    if request.method == "GET":
        form.name.data = user.name
    if form.validate_on_submit():
        try:
            user = service.accept_invitation(token, form.password.data, name=form.name.data)
        except AccountError as error:
            db.session.rollback()
            _show_error(form, error)
        else:
            target = _office_of(user)
            db.session.commit()
            flash(_("Welcome! Your password is set and you are signed in."), "success")
            return redirect(target, code=303)
    return render_template("accounts/accept_invitation.html", form=form, user=user)


# -- the profile -----------------------------------------------------------------------


def _render_profile(profile_form=None, password_form=None):
    if profile_form is None:
        profile_form = ProfileForm(name=current_user.name, locale=current_user.locale)
    return render_template(
        "accounts/profile.html",
        profile_form=profile_form,
        password_form=password_form or ChangePasswordForm(formdata=None),
        memberships=current_user.memberships,
    )


@blueprint.get("/profile")
@login_required
def profile():
    """Name, language and password."""
    return _render_profile()


@blueprint.post("/profile")
@login_required
def update_profile():
    """Save name and language."""
    form = ProfileForm()
    if not form.validate_on_submit():
        return _render_profile(profile_form=form), 400
    service.update_profile(current_user, form.name.data, form.locale.data)
    db.session.commit()
    flash(_("Your profile is saved."), "success")
    return redirect(url_for("accounts.profile"), code=303)


@blueprint.post("/password")
@login_required
def change_password():
    """Change the password; the current one is required."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            service.change_password(
                current_user._get_current_object(),
                form.current_password.data,
                form.new_password.data,
            )
        except AccountError as error:
            db.session.rollback()
            _show_error(form, error)
        else:
            db.session.commit()
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("accounts.profile"), code=303)
    return _render_profile(password_form=form), 400
