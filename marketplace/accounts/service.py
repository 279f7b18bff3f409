"""Account operations: sign-up, sign-in and out, passwords, profile and roles.

Each function takes plain values, raises an `AccountError` (nothing changed)
or does its work, writes the audit log and `flush()`es. The view commits once.
"""

import re
import unicodedata

from flask import current_app, g, request, session
from flask_babel import force_locale, gettext
from flask_login import login_user, logout_user
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from .. import areas
from ..extensions import db
from ..mail import queue_mail
from ..models.accounts import OfficerArea, User
from . import tokens
from .audit import AuditAction, audit
from .errors import (
    AccountError,
    AccountInactive,
    EmailTaken,
    InvalidCredentials,
    InvalidLink,
    NotPermitted,
    WrongPassword,
)
from .passwords import hash_password, verify_password

# Session keys a sign-in carries over into the new session (the cart, when it comes).
KEPT_SESSION_KEYS = ("cart",)
PASSWORD_MAX_LENGTH = 256
_EMAIL = re.compile(r"^[^@\s\x00-\x1f\x7f]+@[^@\s.\x00-\x1f\x7f]+(\.[^@\s.\x00-\x1f\x7f]+)+$")
# C0 control characters except tab and newlines: PostgreSQL refuses NUL in text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value, max_length=None):
    """A form string without surrounding spaces or control characters, optionally cut short."""
    value = _CONTROL.sub("", value or "").strip()
    return value[:max_length] if max_length else value


# -- email addresses and passwords -------------------------------------------------


def normalize_email(email):
    """An email address as stored: stripped, NFC-normalised and lower-cased."""
    return unicodedata.normalize("NFC", (email or "").strip()).lower()


def is_valid_email(email):
    """A plausible address (one @, a dotted domain, no spaces, at most 254 characters)."""
    return len(email) <= 254 and bool(_EMAIL.match(email))


def check_new_password(password, field="password"):
    """Raise AccountError unless `password` is long enough (and not absurdly long)."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password or "") < minimum:
        raise AccountError(gettext("Use at least %(n)d characters.", n=minimum), field=field)
    if len(password) > PASSWORD_MAX_LENGTH:
        raise AccountError(
            gettext("Use at most %(n)d characters.", n=PASSWORD_MAX_LENGTH), field=field
        )


def set_password(user, password):
    """Hash and store a new password; old sessions, reset links and invitations die."""
    check_new_password(password)
    user.password_hash = hash_password(password)
    db.session.flush()


def user_by_email(email):
    """The user with this (normalised) email address, or None."""
    email = normalize_email(email)
    if not is_valid_email(email):
        return None
    return db.session.scalar(select(User).where(User.email == email))


# -- sessions ---------------------------------------------------------------------


def start_session(user, remember=False):
    """Sign `user` in on a brand-new session: nothing from before survives but the cart.

    Flask's session is a signed cookie, so clearing it and writing the login
    anew is the regeneration: the old cookie's contents (and its CSRF token)
    are gone.
    """
    kept = {key: session[key] for key in KEPT_SESSION_KEYS if key in session}
    _clear_session()
    session.update(kept)
    login_user(user, remember=remember)


def _clear_session():
    """Empty the session, and forget the CSRF token Flask-WTF cached on `g` from it."""
    session.clear()
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)


def mail_link(endpoint, **values):
    """An absolute link for a mail, on the configured PUBLIC_BASE_URL.

    Never built from the request's Host header: a forged Host would otherwise
    send a genuine reset or invitation link to someone else's server.
    """
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    # Built from the URL map, not the request, so a sweep or a webhook can mail links too.
    return base + current_app.url_map.bind("localhost").build(endpoint, values)


def sign_up(email, password, name="", locale="th"):
    """Create a buyer account and sign it in."""
    email = normalize_email(email)
    if not is_valid_email(email):
        raise AccountError(gettext("Enter a valid email address."), field="email")
    check_new_password(password)
    if user_by_email(email) is not None:
        raise EmailTaken(field="email")
    user = User(
        email=email,
        name=clean_text(name, 120),
        locale=_locale(locale),
        password_hash=hash_password(password),
    )
    try:
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError as error:
        raise EmailTaken(field="email") from error
    audit(AuditAction.SIGN_UP, user, actor=user)
    start_session(user, remember=False)
    return user


def sign_in(email, password, remember=False):
    """Check the credentials and start a new session; InvalidCredentials or AccountInactive."""
    email = normalize_email(email)
    user = user_by_email(email)
    if not verify_password(user, password or ""):
        audit(AuditAction.SIGN_IN_FAILED, user, actor=None, email=email[:254])
        raise InvalidCredentials()
    if not user.active:
        audit(AuditAction.SIGN_IN_FAILED, user, actor=None, email=email, reason="inactive")
        raise AccountInactive()
    start_session(user, remember=remember)
    audit(AuditAction.SIGN_IN, user, actor=user, remember=bool(remember))
    return user


def sign_out(user):
    """End the session and forget the remember-me cookie."""
    if user is not None and user.is_authenticated:
        audit(AuditAction.SIGN_OUT, user, actor=user)
    # Clear first: logout_user() leaves the note that deletes the remember cookie.
    _clear_session()
    logout_user()


# -- password reset and invitations ----------------------------------------------------


def request_password_reset(email):
    """Mail a reset link if an active account has this address; silent otherwise.

    The caller shows the same answer either way, so nobody learns which
    addresses have accounts.
    """
    email = normalize_email(email)
    user = user_by_email(email) if is_valid_email(email) else None
    if user is None or not user.active:
        audit(AuditAction.PASSWORD_RESET_REQUESTED, actor=None, email=email[:254], known=False)
        return
    token = tokens.make_token(user, tokens.RESET)
    link = mail_link("accounts.reset_password", token=token)
    with force_locale(user.locale):
        subject = gettext("Reset your password")
        body = gettext(
            "Someone asked to reset the password of your Community Market account.\n\n"
            "To choose a new password, open this link within one hour:\n%(link)s\n\n"
            "The link works once. If you did not ask for this, ignore this message: "
            "your password stays as it is.",
            link=link,
        )
    queue_mail(user.email, subject, body, kind="password_reset")
    audit(AuditAction.PASSWORD_RESET_REQUESTED, user, actor=None, known=True)


def user_for_reset_token(token):
    """The user a reset link belongs to, or InvalidLink."""
    return _user_for_token(token, tokens.RESET)


def user_for_invitation_token(token):
    """The user an invitation link belongs to, or InvalidLink."""
    return _user_for_token(token, tokens.INVITATION)


def _user_for_token(token, purpose):
    try:
        return tokens.user_for_token(token, purpose)
    except tokens.TokenInvalid as error:
        raise InvalidLink() from error


def reset_password(token, password):
    """Set a new password through a reset link; the link dies with the old password."""
    user = user_for_reset_token(token)
    set_password(user, password)
    audit(AuditAction.PASSWORD_RESET, user, actor=user)
    return user


def accept_invitation(token, password, name=""):
    """Set the invited user's first password (and name) and sign them in."""
    user = user_for_invitation_token(token)
    set_password(user, password)
    if clean_text(name):
        user.name = clean_text(name, 120)
    audit(AuditAction.INVITATION_ACCEPTED, user, actor=user)
    start_session(user, remember=False)
    return user


def send_invitation(user, group, role):
    """Mail `user` that they were added to `group`; a set-password link if they have none.

    The mail is written to the outbox in this transaction; returns its row
    (status `held` when no mail server is set: admins read it on the Outbox page).
    """
    from ..i18n import localized

    with force_locale(user.locale):
        group_name = localized(group, "name", user.locale)
        role_name = role_label(role)
        subject = gettext("You are invited to %(group)s", group=group_name)
        if user.has_usable_password:
            link = mail_link("accounts.sign_in")
            body = gettext(
                "You were added to %(group)s on Community Market as %(role)s.\n\n"
                "Sign in with your account to start:\n%(link)s",
                group=group_name,
                role=role_name,
                link=link,
            )
        else:
            token = tokens.make_token(user, tokens.INVITATION)
            link = mail_link("accounts.accept_invitation", token=token)
            body = gettext(
                "You were added to %(group)s on Community Market as %(role)s.\n\n"
                "To choose your password and sign in, open this link within 7 days:\n"
                "%(link)s\n\nThe link works once.",
                group=group_name,
                role=role_name,
                link=link,
            )
    mail = queue_mail(user.email, subject, body, kind="invitation")
    audit(AuditAction.INVITATION_SENT, user, group_id=group.id, role=role, mail_id=mail.id)
    return mail


def role_label(role):
    """The translated name of a membership role."""
    return {"leader": gettext("leader"), "staff": gettext("staff")}.get(role, role)


# -- the profile ---------------------------------------------------------------------


def update_profile(user, name, locale):
    """Change the user's name and language."""
    changed = {}
    name = clean_text(name, 120)
    locale = _locale(locale)
    if name != user.name:
        changed["name"] = True
        user.name = name
    if locale != user.locale:
        changed["locale"] = locale
        user.locale = locale
    if changed:
        audit(AuditAction.PROFILE_UPDATED, user, **changed)
    db.session.flush()
    return user


def change_password(user, current_password, new_password):
    """Change the password after checking the current one; this session stays signed in."""
    if not verify_password(user, current_password or ""):
        raise WrongPassword(field="current_password")
    check_new_password(new_password, field="new_password")
    set_password(user, new_password)
    audit(AuditAction.PASSWORD_CHANGED, user)
    # The session id carries the password fingerprint: sign this session in again,
    # keeping remember-me if it was on. Every other session is now signed out.
    remember = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    start_session(user, remember=remember in request.cookies)
    return user


def _locale(locale):
    languages = current_app.config["LANGUAGES"]
    return locale if locale in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


# -- roles (admin) ---------------------------------------------------------------


def create_admin(email, password, name=""):
    """Make `email` a platform admin with this password (the first admin comes from the CLI).

    An existing account is promoted and its password replaced; a new one is created.
    """
    email = normalize_email(email)
    if not is_valid_email(email):
        raise AccountError(gettext("Enter a valid email address."), field="email")
    user = user_by_email(email)
    if user is None:
        user = User(email=email, name=clean_text(name, 120))
        db.session.add(user)
    set_password(user, password)
    user.active = True
    if not user.is_admin:
        user.is_admin = True
        audit(AuditAction.ADMIN_GRANTED, user, actor=None, via="cli")
    db.session.flush()
    return user


def set_admin(actor, user, value):
    """Grant or revoke the admin flag; an admin cannot revoke their own."""
    value = bool(value)
    if user.is_admin == value:
        return user
    if not value and user.id == actor.id:
        raise NotPermitted(gettext("You cannot remove your own admin rights."))
    user.is_admin = value
    audit(AuditAction.ADMIN_GRANTED if value else AuditAction.ADMIN_REVOKED, user)
    db.session.flush()
    return user


def set_active(actor, user, value):
    """Deactivate or reactivate an account; an admin cannot deactivate themselves.

    A deactivated user's sessions and remember cookies stop loading at once
    (the user loader refuses inactive users).
    """
    value = bool(value)
    if user.active == value:
        return user
    if not value and user.id == actor.id:
        raise NotPermitted(gettext("You cannot deactivate your own account."))
    user.active = value
    audit(AuditAction.USER_REACTIVATED if value else AuditAction.USER_DEACTIVATED, user)
    db.session.flush()
    return user


def set_officer(actor, user, value):
    """Grant or revoke the officer flag; areas stay recorded but count only for officers."""
    value = bool(value)
    if user.is_officer == value:
        return user
    user.is_officer = value
    audit(AuditAction.OFFICER_GRANTED if value else AuditAction.OFFICER_REVOKED, user)
    db.session.flush()
    return user


def add_officer_area(actor, user, province_code, district_code=""):
    """Let an officer cover a province, or one district of it; makes them an officer."""
    province_code = (province_code or "").strip()
    district_code = (district_code or "").strip()
    if areas.province(province_code) is None:
        raise AccountError(gettext("Choose a province."), field="province_code")
    if district_code:
        district = areas.district(district_code)
        if district is None or district.province_code != province_code:
            raise AccountError(
                gettext("This district is not in the chosen province."), field="district_code"
            )
    for area in user.officer_areas:
        if area.province_code == province_code and area.district_code in ("", district_code):
            raise AccountError(gettext("This area is already covered."), field="district_code")
    set_officer(actor, user, True)
    area = OfficerArea(user=user, province_code=province_code, district_code=district_code)
    db.session.add(area)
    db.session.flush()
    audit(
        AuditAction.OFFICER_AREA_ADDED,
        user,
        province_code=province_code,
        district_code=district_code,
    )
    return area


def member_groups_in_area(user, province_code, district_code=""):
    """The groups `user` belongs to that lie in the area (a province, or one district of it).

    An officer never decides those groups' claims (catalog.claim_review), so the admin
    giving such an area is warned.
    """
    return [
        membership.group
        for membership in user.memberships
        if membership.group.province_code == province_code
        and (not district_code or membership.group.district_code == district_code)
    ]


def remove_officer_area(actor, user, area_id):
    """Stop an officer covering one area."""
    area = next((a for a in user.officer_areas if a.id == area_id), None)
    if area is None:
        raise AccountError(gettext("This area is not assigned to this officer."))
    user.officer_areas.remove(area)
    db.session.flush()
    audit(
        AuditAction.OFFICER_AREA_REMOVED,
        user,
        province_code=area.province_code,
        district_code=area.district_code,
    )


# -- finding users -----------------------------------------------------------------


def users_query(search=""):
    """A select of users matching `search` in email or name, newest first."""
    query = select(User).order_by(User.created_at.desc(), User.id.desc())
    search = clean_text(search, 100)
    if search:
        pattern = "%" + _escape_like(search.lower()) + "%"
        query = query.where(
            or_(
                User.email.like(pattern, escape="\\"),
                func.lower(User.name).like(pattern, escape="\\"),
            )
        )
    return query


def _escape_like(text):
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
