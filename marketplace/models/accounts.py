"""People who sign in: buyers, group members, officers and admins."""

from datetime import UTC, datetime

from flask_login import UserMixin

from ..extensions import db


def utcnow():
    """The current time, timezone-aware, for default column values."""
    return datetime.now(UTC)


class User(UserMixin, db.Model):
    """An account; roles come from memberships (groups) and flags (officer, admin)."""

    __tablename__ = "user"

    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(254), nullable=False, unique=True)
    password_hash = db.Column(db.String(255), nullable=False, default="")
    name = db.Column(db.String(120), nullable=False, default="")
    locale = db.Column(db.String(5), nullable=False, default="th")
    is_admin = db.Column(db.Boolean, nullable=False, default=False)
    is_officer = db.Column(db.Boolean, nullable=False, default=False)
    active = db.Column(db.Boolean, nullable=False, default=True)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    @property
    def is_active(self):
        return self.active

    def __repr__(self):
        return f"<User {self.id} {self.email}>"
