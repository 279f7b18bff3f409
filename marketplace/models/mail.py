"""The mail outbox: every mail is a row, written in the transaction that caused it.

A row is delivered after that transaction commits (in the process, and by
`flask mail send`), retried with growing waits while the SMTP server cannot
take it, and kept, with its last error, when it finally fails. With no mail
server configured a row is `held`: admins read it on the admin Outbox page.
"""

from sqlalchemy import CheckConstraint, Index

from ..extensions import db
from .accounts import utcnow


class MailStatus:
    """Where one mail stands."""

    HELD = "held"  # no MAIL_SERVER when it was written: read it on the admin Outbox page
    PENDING = "pending"  # to send, once next_attempt_at has come
    SENDING = "sending"  # claimed by one sender (its claim_token) since claimed_at
    SENT = "sent"
    FAILED = "failed"  # refused for good, or out of attempts: an admin may send it again
    ALL = (HELD, PENDING, SENDING, SENT, FAILED)


class OutboxMail(db.Model):
    """One plain-text mail to one address, and the story of its delivery."""

    __tablename__ = "outbox_mail"

    id = db.Column(db.Integer, primary_key=True)
    # What caused it ("invitation", "password_reset", "order_paid" …), for the admin page.
    kind = db.Column(db.String(40), nullable=False, default="")
    to_address = db.Column(db.String(254), nullable=False)
    subject = db.Column(db.Text, nullable=False)
    body = db.Column(db.Text, nullable=False)
    # Fixed when written, so a mail sent again after a lost reply keeps its identity.
    message_id = db.Column(db.String(255), nullable=False, unique=True)
    status = db.Column(db.String(10), nullable=False, default=MailStatus.PENDING)
    attempts = db.Column(db.Integer, nullable=False, default=0)
    next_attempt_at = db.Column(db.DateTime(timezone=True), nullable=True)
    last_attempt_at = db.Column(db.DateTime(timezone=True), nullable=True)
    last_error = db.Column(db.Text, nullable=False, default="")
    claim_token = db.Column(db.String(32), nullable=True)
    claimed_at = db.Column(db.DateTime(timezone=True), nullable=True)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    sent_at = db.Column(db.DateTime(timezone=True), nullable=True)

    __table_args__ = (
        CheckConstraint(f"status IN {MailStatus.ALL!r}", name="status"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        # The sender's question: what is due now? And the admin's list, newest first.
        Index("ix_outbox_mail_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_outbox_mail_created_at", "created_at"),
    )
