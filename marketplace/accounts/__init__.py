"""Users, roles and the access rules every blueprint applies.

`init_app` wires Flask-Login (the sign-in page, its message, what happens to
anonymous visitors) and turns the access rules' `NotAllowed` into a 403 page
and `NotSignedIn` into a redirect to the sign-in page.
"""

import hmac

from flask import flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import Forbidden

from ..extensions import db, login_manager
from ..models import User
from .access import NotAllowed, NotSignedIn

# Built once: every signed-in request runs it, and `session.get` built the same
# statement (and its cache key) anew each time, twice the cost of running it.
# Memberships in the same query: every page's header asks for them.
_USER_BY_ID = (
    select(User).options(joinedload(User.memberships)).where(User.id == bindparam("user_id"))
)


@login_manager.user_loader
def load_user(user_id):
    """The active user behind a session or remember cookie, or None.

    The id is `<user id>.<password fingerprint>` (see `User.get_id`): after a
    password change or reset every older session and remember cookie fails here.
    """
    raw_id, _, fingerprint = str(user_id).partition(".")
    try:
        user_id = int(raw_id)
    except (TypeError, ValueError):
        return None
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
