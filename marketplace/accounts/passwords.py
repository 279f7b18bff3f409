"""Password hashing with werkzeug's scrypt, at the strength the config names."""

from functools import lru_cache

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash


def hash_password(password):
    """A salted scrypt hash of `password` with the configured PASSWORD_HASH_METHOD."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def verify_password(user, password):
    """True if `password` is the user's; always spends the time of one hash check.

    A missing user or one without a usable password is checked against a dummy
    hash, so the answer takes as long as for a real account (no enumeration by
    timing).
    """
    if user is None or not user.has_usable_password:
        check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)
        return False
    try:
        return check_password_hash(user.password_hash, password)
    except ValueError:
        # An unparsable stored hash is treated as no password at all.
        return False


@lru_cache(maxsize=4)
def _dummy_hash(method):
    return generate_password_hash("not a real password, only spends time", method=method)


def scrypt_parameters(method):
    """(N, r, p) of an "scrypt:N:r:p" method string; raises ValueError for anything else."""
    name, *args = method.split(":")
    if name != "scrypt" or len(args) != 3:
        raise ValueError(f"not an explicit scrypt method: {method!r}")
    n, r, p = (int(a) for a in args)
    return n, r, p
