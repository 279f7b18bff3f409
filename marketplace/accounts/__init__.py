"""Users, roles and the access rules every blueprint applies.

`init_app` wires Flask-Login (the sign-in page, its message, what happens to
anonymous visitors) and turns the access rules' `NotAllowed` into a 403 page
and `NotSignedIn` into a redirect to the sign-in page.
"""

import hmac

from flask import flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import Forbidden

from ..catalog.cache import serving_shared_page
from ..extensions import db, login_manager
from ..models import GroupMembership, OfficerArea, User
from ..models.accounts import password_fingerprint
from .access import NotAllowed, NotSignedIn

# Built once: every signed-in request runs it, and `session.get` built the same
# statement (and its cache key) anew each time, twice the cost of running it.
# Memberships in the same query: every page's header asks for them.
_USER_BY_ID = (
    select(User).options(joinedload(User.memberships)).where(User.id == bindparam("user_id"))
)
# What a page every visitor shares needs of a signed-in visitor: one row by primary key,
# read as plain columns (no ORM object, no identity map), the roles as two EXISTS.
_VISITOR_BY_ID = select(
    User.id,
    User.email,
    User.name,
    User.locale,
    User.is_admin,
    User.is_officer,
    User.active,
    User.password_hash,
    select(GroupMembership.id).where(GroupMembership.user_id == User.id).exists(),
    select(OfficerArea.id).where(OfficerArea.user_id == User.id).exists(),
).where(User.id == bindparam("user_id"))


class SignedInVisitor(UserMixin):
    """Who is signed in, read without loading their account: for a page every visitor shares.

    It carries what the header's account links and the language choice read
    (`_account_nav.html`, `i18n.select_locale`) and nothing else; the page
    itself is rendered as for an anonymous visitor (`catalog.cache`).
    """

    def __init__(self, row, fingerprint):
        self.id = row.id
        self.email = row.email
        self.name = row.name
        self.locale = row.locale
        self.is_admin = bool(row.is_admin)
        self.is_officer = bool(row.is_officer)
        self.in_any_group = bool(row[8])
        self.reviews_claims = bool(self.is_officer and row[9])
        self._fingerprint = fingerprint

    @property
    def display_name(self):
        """The name, or the email address when no name was given."""
        return self.name or self.email

    def get_id(self):
        """The same id as `User.get_id`."""
        return f"{self.id}.{self._fingerprint}"


@login_manager.user_loader
def load_user(user_id):
    """The active user behind a session or remember cookie, or None.

    The id is `<user id>.<password fingerprint>` (see `User.get_id`): after a
    password change or reset every older session and remember cookie fails here.
    On a page every visitor shares, the same checks on one row of plain
    columns give a `SignedInVisitor` instead of the account itself.
    """
    raw_id, _, fingerprint = str(user_id).partition(".")
    try:
        user_id = int(raw_id)
    except (TypeError, ValueError):
        return None
    if serving_shared_page():
        row = db.session.connection().execute(_VISITOR_BY_ID, {"user_id": user_id}).first()
        if row is None or not row.active:
            return None
        expected = password_fingerprint(row.password_hash)
        if not hmac.compare_digest(fingerprint, expected):
            return None
        return SignedInVisitor(row, expected)
    user = db.session.execute(_USER_BY_ID, {"user_id": user_id}).unique().scalar_one_or_none()
    if user is None or not user.active:
        return None
    if not hmac.compare_digest(fingerprint, user.password_fingerprint()):
        return None
    return user


def init_app(app):
    """Sign-in page, messages and the handling of refusals for this app."""
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.localize_callback = str
    login_manager.session_protection = "basic"
    login_manager.unauthorized_handler(redirect_to_sign_in)

    @app.errorhandler(NotAllowed)
    def refuse(error):
        if isinstance(error, NotSignedIn):
            return redirect_to_sign_in()
        return app.handle_http_exception(Forbidden())


def redirect_to_sign_in():
    """Send an anonymous visitor to the sign-in page, coming back here afterwards."""
    flash(str(login_manager.login_message), login_manager.login_message_category)
    target = request.full_path if request.method == "GET" else request.path
    return redirect(url_for("accounts.sign_in", next=target.rstrip("?")))
