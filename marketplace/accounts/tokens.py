"""Signed, expiring, single-use links for password reset and invitations.

A token carries the user id and a fingerprint of the current password hash.
It is signed with the app's secret key and a purpose-specific salt, expires
after the configured age, and stops working as soon as the password changes,
so it can be used once.
"""

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..extensions import db
from ..models.accounts import User

RESET = "password-reset"
INVITATION = "invitation"

_MAX_AGE_SETTING = {RESET: "PASSWORD_RESET_MAX_AGE", INVITATION: "INVITATION_MAX_AGE"}


class TokenInvalid(Exception):
    """The link is malformed, expired, already used or for someone who cannot sign in."""

    def __init__(self, expired=False):
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def _serializer(purpose):
    if purpose not in _MAX_AGE_SETTING:
        raise ValueError(f"unknown token purpose {purpose!r}")
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"accounts.{purpose}")


def make_token(user, purpose):
    """A URL-safe token for `user` and `purpose` (RESET or INVITATION)."""
    return _serializer(purpose).dumps({"u": user.id, "f": user.password_fingerprint()})


def user_for_token(token, purpose):
    """The active user a token was made for, or TokenInvalid."""
    max_age = current_app.config[_MAX_AGE_SETTING[purpose]]
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise TokenInvalid(expired=True) from error
    except BadSignature as error:
        raise TokenInvalid() from error
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise TokenInvalid()
    user = db.session.get(User, data["u"])
    if user is None or not user.active or data.get("f") != user.password_fingerprint():
        raise TokenInvalid()
    return user
