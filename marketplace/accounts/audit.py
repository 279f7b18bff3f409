"""The audit log: one function, `audit(action, subject=None, **details)`, writes every row.

Rows are added to the session and flushed; the request (or command) commits
them together with the change they describe. Never pass a password, token or
personal data in `details`: record ids and codes instead.
"""

import json

from flask import has_request_context, request
from flask_login import current_user

from ..extensions import db
from ..models.accounts import AuditLog


class AuditAction:
    """The actions the log knows; filters on /admin/audit list these."""

    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in.failed"
    SIGN_OUT = "sign_out"
    SIGN_UP = "sign_up"
    # Action names, not secrets (ruff's S105 reads "PASSWORD" as one).
    PASSWORD_RESET_REQUESTED = "password.reset_requested"  # noqa: S105
    PASSWORD_RESET = "password.reset"  # noqa: S105
    PASSWORD_CHANGED = "password.changed"  # noqa: S105
    INVITATION_SENT = "invitation.sent"
    INVITATION_ACCEPTED = "invitation.accepted"
    PROFILE_UPDATED = "profile.updated"
    MEMBERSHIP_ADDED = "membership.added"
    MEMBERSHIP_CHANGED = "membership.changed"
    MEMBERSHIP_REMOVED = "membership.removed"
    OFFICER_GRANTED = "officer.granted"
    OFFICER_REVOKED = "officer.revoked"
    OFFICER_AREA_ADDED = "officer_area.added"
    OFFICER_AREA_REMOVED = "officer_area.removed"
    ADMIN_GRANTED = "admin.granted"
    ADMIN_REVOKED = "admin.revoked"
    USER_DEACTIVATED = "user.deactivated"
    USER_REACTIVATED = "user.reactivated"
    GROUP_CREATED = "group.created"
    GROUP_UPDATED = "group.updated"
    PAYOUT_CHANGED = "group.payout_changed"
    PRICE_CHANGED = "variant.price_changed"
    STOCK_ADJUSTED = "lot.stock_adjusted"
    HOUSEHOLD_PERSONAL_VIEWED = "household.personal_viewed"
    CLAIM_DECIDED = "claim.decided"
    ORDER_PAID = "order.paid"
    ORDER_PAID_AFTER_CLOSE = "order.paid_after_close"
    ORDER_PAID_TWICE = "order.paid_twice"
    SURPLUS_GIVEN_BACK = "payment.given_back"
    ORDER_CANCELLED = "order.cancelled"
    PAYMENT_MISMATCH = "payment.mismatch"
    SLIP_CONFIRMED = "payment.slip_confirmed"
    SLIP_REJECTED = "payment.slip_rejected"
    FULFILMENT_CHANGED = "fulfilment.changed"
    REFUND_MADE = "refund.made"
    SHIPPING_CHANGED = "group.shipping_changed"
    SHARE_RULE_SAVED = "share_rule.saved"
    LEDGER_ENTRY_RECORDED = "ledger.entry_recorded"
    ASSESSMENT_RECORDED = "assessment.recorded"
    ASSESSMENTS_IMPORTED = "assessment.imported"
    HOUSEHOLD_EXPORTED = "household.exported"
    HOUSEHOLD_ERASED = "household.erased"
    HOUSEHOLD_LINKED = "household.linked"
    REPORT_VIEWED = "report.viewed"
    REPORT_EXPORTED = "report.exported"
    MAIL_SENT_AGAIN = "mail.sent_again"
    DISCOUNT_CODE_CHANGED = "discount_code.changed"

    @classmethod
    def all(cls):
        """Every action name, sorted."""
        return sorted(
            value for name, value in vars(cls).items() if name.isupper() and isinstance(value, str)
        )


_FORBIDDEN_DETAIL_WORDS = ("password", "token", "secret")
_ANONYMOUS = object()


def _entry(action, subject_type, subject_id, actor, details):
    """An AuditLog row added to the session (not flushed); `actor` as in `audit`."""
    for key in details:
        if any(word in key.lower() for word in _FORBIDDEN_DETAIL_WORDS):
            raise ValueError(f"audit details must not carry secrets ({key!r})")
    if actor is _ANONYMOUS:
        actor = current_user if _signed_in() else None
    entry = AuditLog(
        action=action,
        actor_id=getattr(actor, "id", None),
        subject_type=subject_type,
        subject_id=subject_id,
        details=json.dumps(details, ensure_ascii=False, sort_keys=True, default=str),
        remote_addr=(request.remote_addr or "")[:45] if has_request_context() else "",
    )
    db.session.add(entry)
    return entry


def audit(action, subject=None, *, actor=_ANONYMOUS, **details):
    """Record `action` on `subject` (any model row, or None) by the signed-in user.

    `actor` defaults to the current user (None when anonymous); pass it when
    the event happens before or after the session changes (sign-in, sign-out).
    """
    subject_type, subject_id = "", None
    if subject is not None:
        if getattr(subject, "id", None) is None:
            db.session.flush()
        subject_type = getattr(subject, "__tablename__", type(subject).__name__)
        subject_id = subject.id
    entry = _entry(action, subject_type, subject_id, actor, details)
    db.session.flush()
    return entry


def audit_personal_data_view(household, reason=""):
    """Hook for the impact side: someone saw a household's personal data."""
    return audit(
        AuditAction.HOUSEHOLD_PERSONAL_VIEWED, household, code=household.code, reason=reason
    )


def audit_personal_data_views(households, reason=""):
    """The same for many households shown on one page: one audit row each, one flush.

    `households` are (household id, code) pairs.
    """
    for household_id, code in households:
        _entry(
            AuditAction.HOUSEHOLD_PERSONAL_VIEWED,
            "household",
            household_id,
            _ANONYMOUS,
            {"code": code, "reason": reason},
        )
    db.session.flush()


def audit_claim_decision(claim, status, reason=""):
    """Hook for the officer claim queue: a claim was verified, rejected or revoked."""
    return audit(AuditAction.CLAIM_DECIDED, claim, status=status, kind=claim.kind, reason=reason)


def _signed_in():
    return has_request_context() and current_user and current_user.is_authenticated
