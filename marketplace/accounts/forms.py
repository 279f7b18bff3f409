"""Forms of the accounts pages; every one carries a CSRF token (Flask-WTF)."""

from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

REQUIRED = _l("This field is required.")


def _password_hint():
    return gettext(
        "At least %(n)d characters. A few words you remember make a good one.",
        n=current_app.config["PASSWORD_MIN_LENGTH"],
    )


PASSWORD_HINT = LazyString(_password_hint)


def password_length(form, field):
    """At least PASSWORD_MIN_LENGTH characters (checked again by the service)."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(field.data or "") < minimum:
        raise ValidationError(_l("Use at least %(n)d characters.", n=minimum))
    if len(field.data) > 256:
        raise ValidationError(_l("Use at most %(n)d characters.", n=256))


def email_field(label=None):
    """An email input that opens the email keyboard on phones."""
    return EmailField(
        label or _l("Email address"),
        validators=[DataRequired(REQUIRED), Length(max=254)],
        render_kw={"autocomplete": "email", "inputmode": "email", "spellcheck": "false"},
    )


def new_password_fields():
    """A new password and its confirmation."""
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(REQUIRED), password_length],
        description=PASSWORD_HINT,
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[
            DataRequired(REQUIRED),
            EqualTo("password", message=_l("The two passwords are not the same.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    return password, confirm


class SignInForm(FlaskForm):
    """Email, password and "remember me"."""

    email = email_field()
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(REQUIRED), Length(max=256)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me signed in on this device"))
    next = HiddenField()


class SignUpForm(FlaskForm):
    """A new buyer account."""

    name = StringField(
        _l("Your name"),
        validators=[Length(max=120)],
        render_kw={"autocomplete": "name"},
    )
    email = email_field()
    password, confirm = new_password_fields()
    next = HiddenField()


class ResetRequestForm(FlaskForm):
    """The address to mail a reset link to."""

    email = email_field()


class SetPasswordForm(FlaskForm):
    """A new password, from a reset link."""

    password, confirm = new_password_fields()


class AcceptInvitationForm(FlaskForm):
    """The invited person's name and first password."""

    name = StringField(
        _l("Your name"),
        validators=[Length(max=120)],
        render_kw={"autocomplete": "name"},
    )
    password, confirm = new_password_fields()


class ProfileForm(FlaskForm):
    """Name and language."""

    name = StringField(
        _l("Your name"),
        validators=[Length(max=120)],
        render_kw={"autocomplete": "name"},
    )
    locale = SelectField(
        _l("Language"),
        choices=[SelectChoice("th", "ไทย"), SelectChoice("en", "English")],
        validators=[DataRequired(REQUIRED)],
    )


class ChangePasswordForm(FlaskForm):
    """The current password and a new one."""

    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(REQUIRED), Length(max=256)],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(REQUIRED), password_length],
        description=PASSWORD_HINT,
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[
            DataRequired(REQUIRED),
            EqualTo("new_password", message=_l("The two passwords are not the same.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class SignOutForm(FlaskForm):
    """Nothing but the CSRF token: signing out is a POST."""
