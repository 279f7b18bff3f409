"""Users, roles and the access rules every blueprint applies."""

from ..extensions import db, login_manager
from ..models import User


@login_manager.user_loader
def load_user(user_id):
    """The active user behind a session cookie, or None."""
    try:
        user = db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None
    return user if user is not None and user.active else None
