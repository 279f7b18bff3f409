"""Domain errors of the accounts area, each with a message fit to show the person."""

from flask_babel import lazy_gettext as _l


class AccountError(Exception):
    """A request that cannot be carried out; nothing was changed.

    `message` is a translated (lazy) string for the person; `field` names the
    form field it belongs to, or None for a message about the whole form.
    """

    default_message = _l("This could not be done.")

    def __init__(self, message=None, field=None):
        self.message = message if message is not None else self.default_message
        self.field = field
        super().__init__(str(self.message))


class InvalidCredentials(AccountError):
    """Unknown email or wrong password: one generic message for both."""

    default_message = _l("The email address or password is not correct.")


class AccountInactive(AccountError):
    """The right password for a deactivated account."""

    default_message = _l("This account has been deactivated. Please contact the marketplace team.")


class EmailTaken(AccountError):
    """Another account already uses this email address."""

    default_message = _l(
        "This email address cannot be used to sign up. If it is yours, sign in "
        "or reset your password."
    )


class WrongPassword(AccountError):
    """The current password given to change it was wrong."""

    default_message = _l("Your current password is not correct.")


class InvalidLink(AccountError):
    """A reset or invitation link that is malformed, expired or already used."""

    default_message = _l(
        "This link is not valid any more: it has expired or was already used. "
        "Please ask for a new one."
    )


class NotPermitted(AccountError):
    """An admin action the rules forbid, e.g. deactivating oneself."""
