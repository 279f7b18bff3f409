"""People who sign in: buyers, group members, officers and admins, and the audit log.

Roles: every user is a buyer; a `GroupMembership` makes them leader or staff of
a producer group; `User.is_officer` plus `OfficerArea` rows make them an
officer for some provinces or districts; `User.is_admin` makes them an admin.
The rules that read these live in `marketplace/accounts/access.py`.
"""

import hmac
from datetime import UTC, datetime

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Index, UniqueConstraint

from ..extensions import db


def utcnow():
    """The current time, timezone-aware, for default column values."""
    return datetime.now(UTC)


def password_fingerprint(password_hash):
    """The fingerprint of a password hash, keyed with SECRET_KEY (see User.password_fingerprint)."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, password_hash.encode(), "sha256").hexdigest()[:20]


class User(UserMixin, db.Model):
    """An account; roles come from memberships (groups) and flags (officer, admin)."""

    __tablename__ = "user"

    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(254), nullable=False, unique=True)
    # Empty means "no usable password yet" (an invited user who has not set one).
    password_hash = db.Column(db.String(255), nullable=False, default="")
    name = db.Column(db.String(120), nullable=False, default="")
    locale = db.Column(db.String(5), nullable=False, default="th")
    is_admin = db.Column(db.Boolean, nullable=False, default=False)
    is_officer = db.Column(db.Boolean, nullable=False, default=False)
    active = db.Column(db.Boolean, nullable=False, default=True)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    memberships = db.relationship(
        "GroupMembership",
        back_populates="user",
        cascade="all, delete-orphan",
        order_by="GroupMembership.id",
    )
    officer_areas = db.relationship(
        "OfficerArea",
        back_populates="user",
        cascade="all, delete-orphan",
        order_by="OfficerArea.province_code, OfficerArea.district_code",
    )

    @property
    def is_active(self):
        return self.active

    @property
    def has_usable_password(self):
        """False for an invited user who has not chosen a password yet."""
        return bool(self.password_hash)

    def password_fingerprint(self):
        """A short keyed digest of the password hash: it changes whenever the password does.

        Put into session ids and reset/invitation tokens so that both die once
        the password changes.
        """
        return password_fingerprint(self.password_hash)

    def get_id(self):
        """Flask-Login's id for the session and remember cookie: `<id>.<fingerprint>`."""
        return f"{self.id}.{self.password_fingerprint()}"

    @property
    def display_name(self):
        """The name, or the email address when no name was given."""
        return self.name or self.email

    @property
    def in_any_group(self):
        """True for a leader or staff member of at least one group (the back office link)."""
        return bool(self.memberships)

    @property
    def reviews_claims(self):
        """True for an officer with an area to look after (claim reviews and reports)."""
        return bool(self.is_officer and self.officer_areas)

    def __repr__(self):
        return f"<User {self.id} {self.email}>"


class MembershipRole:
    """What a member does in a producer group."""

    LEADER = "leader"
    STAFF = "staff"
    ALL = (LEADER, STAFF)


class GroupMembership(db.Model):
    """A user's role (leader or staff) in one producer group."""

    __tablename__ = "group_membership"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.ForeignKey("user.id"), nullable=False, index=True)
    group_id = db.Column(db.ForeignKey("producer_group.id"), nullable=False, index=True)
    role = db.Column(db.String(16), nullable=False, default=MembershipRole.STAFF)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    user = db.relationship("User", back_populates="memberships")
    group = db.relationship("ProducerGroup")

    __table_args__ = (
        UniqueConstraint("user_id", "group_id", name="uq_group_membership_user_group"),
        CheckConstraint(f"role IN {MembershipRole.ALL!r}", name="role"),
    )

    def __repr__(self):
        return f"<GroupMembership user={self.user_id} group={self.group_id} {self.role}>"


class OfficerArea(db.Model):
    """A province, or one district of it, that an officer covers.

    `district_code` is "" for the whole province (an empty string rather than
    NULL, so the unique constraint also holds for whole-province rows).
    """

    __tablename__ = "officer_area"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.ForeignKey("user.id"), nullable=False, index=True)
    province_code = db.Column(db.String(2), nullable=False)
    district_code = db.Column(db.String(4), nullable=False, default="")
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    user = db.relationship("User", back_populates="officer_areas")

    __table_args__ = (
        UniqueConstraint(
            "user_id", "province_code", "district_code", name="uq_officer_area_user_area"
        ),
    )

    def __repr__(self):
        return f"<OfficerArea user={self.user_id} {self.province_code}/{self.district_code}>"


class AuditLog(db.Model):
    """One recorded event: who did what to which row, from where. Append-only."""

    __tablename__ = "audit_log"

    id = db.Column(db.Integer, primary_key=True)
    at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    actor_id = db.Column(db.ForeignKey("user.id"), index=True)
    action = db.Column(db.String(64), nullable=False)
    subject_type = db.Column(db.String(40), nullable=False, default="")
    subject_id = db.Column(db.Integer)
    details = db.Column(db.Text, nullable=False, default="{}")
    remote_addr = db.Column(db.String(45), nullable=False, default="")

    actor = db.relationship("User")

    __table_args__ = (
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_action_at", "action", "at"),
        Index("ix_audit_log_subject", "subject_type", "subject_id"),
    )

    def __repr__(self):
        return f"<AuditLog {self.id} {self.action}>"
